"""`her2lesson check` catches each kind of broken content with file:line: item: problem (fix)."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from her2lesson.content import check

LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): (?P<item>[^:]+): (?P<message>.+) \((?P<fix>.+)\)$")


def write_bank(root: Path, name: str, text: str) -> None:
    (root / "data" / "questions" / f"{name}.yaml").write_text(text, encoding="utf-8")


def edit_bank(root: Path, name: str, change) -> None:
    path = root / "data" / "questions" / f"{name}.yaml"
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def problems_for(root: Path) -> list[str]:
    _, problems = check(root)
    return [str(p) for p in problems]


def first_choice(data, kind="single"):
    return next(q for q in data["questions"] if q.get("type") == kind)


GOOD = """section: causes
questions:
  - id: causes-probe
    audience: both
    type: single
    prompt: "Is this a probe?"
    options:
      - {text: "Yes", correct: true, feedback: "Right."}
      - {text: "No", correct: false, feedback: "Not so."}
    explanation: "It is a probe."
    source: article
"""


def test_the_real_content_has_no_problems(content_copy):
    assert problems_for(content_copy) == []


@pytest.mark.parametrize("mutation, expected", [
    (lambda t: t.replace("    source: article\n", "    source: article\n    colour: red\n"), "unknown field `colour`"),
    (lambda t: t.replace("correct: false", "correct: true"), "exactly one correct option, found 2"),
    (lambda t: t.replace("correct: true", "correct: false"), "exactly one correct option, found 0"),
    (lambda t: t.replace('    explanation: "It is a probe."\n', ""), "missing `explanation`"),
    (lambda t: t.replace("source: article", "source: nowhere"), "source 'nowhere' is not in data/sources.yaml"),
    (lambda t: t.replace("    source: article\n", "    source: article\n    glossary: [made-up]\n"),
     "glossary key 'made-up' is not in data/glossary.yaml"),
    (lambda t: t.replace('prompt: "Is this a probe?"', 'prompt: ""'), "`prompt` is empty"),
    (lambda t: t.replace("type: single", "type: essay"), "unknown question type 'essay'"),
    (lambda t: t.replace("audience: both", "audience: doctors"), "`audience` cannot be 'doctors'"),
    (lambda t: t.replace("section: causes", "section: outlook"), "says 'outlook' but the file is causes.yaml"),
    (lambda t: t.replace('prompt: "Is this a probe?"', 'prompt: "Is: this: broken'), "is not valid YAML"),
])
def test_each_error_kind_is_reported_with_file_line_item_and_fix(content_copy, mutation, expected):
    write_bank(content_copy, "causes", mutation(GOOD))
    problems = problems_for(content_copy)
    matching = [p for p in problems if expected in p]
    assert matching, problems
    parsed = LINE.match(matching[0])
    assert parsed, matching[0]
    assert parsed["file"] == "data/questions/causes.yaml"
    assert int(parsed["line"]) >= 1 and parsed["fix"]


def test_problem_names_the_question_and_its_line(content_copy):
    write_bank(content_copy, "causes", GOOD.replace("correct: true", "correct: false"))
    problem = next(p for p in problems_for(content_copy) if "exactly one" in p)
    assert problem.startswith("data/questions/causes.yaml:3: causes-probe: ")


MISSPELT = GOOD.replace('      - {text: "No", correct: false, feedback: "Not so."}\n',
                        '      - text: "No"\n        correct: false\n        feedbak: "Not so."\n')


def test_a_misspelt_field_is_one_problem_at_its_own_line(content_copy):
    assert "feedbak" in MISSPELT
    write_bank(content_copy, "causes", MISSPELT)
    problems = [p for p in problems_for(content_copy) if p.startswith("data/questions/causes.yaml")]
    assert problems == ["data/questions/causes.yaml:11: causes-probe: unknown field `feedbak`: did you mean "
                        "`feedback`? (rename it `feedback`)"]


def test_option_and_case_part_problems_point_at_their_own_lines(content_copy):
    write_bank(content_copy, "causes", GOOD.replace('feedback: "Not so."', 'feedback: ""'))
    (empty,) = [p for p in problems_for(content_copy) if "is empty" in p]
    assert empty.startswith("data/questions/causes.yaml:9: causes-probe: "), "the option's own line"

    def break_a_part(data):
        case = next(q for q in data["questions"] if q.get("type") == "case")
        del case["parts"][1]["explanation"]
    edit_bank(content_copy, "treatment", break_a_part)
    (missing,) = [p for p in problems_for(content_copy) if "missing `explanation`" in p]
    data = yaml.safe_load((content_copy / "data/questions/treatment.yaml").read_text())
    case = next(q for q in data["questions"] if q.get("type") == "case")
    assert f": {case['id']}/{case['parts'][1]['id']}: " in missing, "the case part is named"
    text = (content_copy / "data/questions/treatment.yaml").read_text().splitlines()
    line = int(LINE.match(missing)["line"])
    assert case["parts"][1]["id"] in "\n".join(text[line - 1:line + 1]), "and its line is the part's"


def test_a_broken_bank_file_is_not_also_called_missing(content_copy):
    write_bank(content_copy, "causes", GOOD.replace('prompt: "Is this a probe?"', 'prompt: Is: this broken'))
    problems = problems_for(content_copy)
    assert any("causes.yaml:6:" in p and "is not valid YAML" in p for p in problems)
    assert not any("has no bank" in p or "checkpoint" in p for p in problems), problems


def test_duplicate_ids_across_banks_point_at_the_first_use(content_copy):
    taken = yaml.safe_load((content_copy / "data/questions/testing.yaml").read_text())["questions"][0]["id"]
    write_bank(content_copy, "causes", GOOD.replace("causes-probe", taken))
    problems = [p for p in problems_for(content_copy) if "duplicate id" in p]
    assert len(problems) == 1 and "data/questions/testing.yaml:" in problems[0] and taken in problems[0]


def test_truefalse_and_matching_rules(content_copy):
    def breaks(data):
        tf = first_choice(data, "truefalse")
        tf["options"][0]["text"] = "Maybe"
    edit_bank(content_copy, "testing", breaks)
    assert any("true/false question needs two options" in p for p in problems_for(content_copy))


def test_notebook_problems_name_the_cell(content_copy):
    import nbformat
    path = content_copy / "notebooks" / "02_causes.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("import os; os.system('echo hi')"))
    nb.cells.append(nbformat.v4.new_code_cell('quiz("no-such-bank")'))
    nbformat.write(nb, path)
    problems = problems_for(content_copy)
    assert any("not a single quiz(...), aid(...) or figure(...) call" in p
               and p.startswith("notebooks/02_causes.ipynb:")
               for p in problems)
    assert any("quiz 'no-such-bank' has no bank" in p for p in problems)


def test_quick_checks_are_placed_once_and_have_questions(content_copy):
    def mark(data):
        data["questions"][0]["checkpoint"] = "zz-unplaced"
    edit_bank(content_copy, "causes", mark)
    import nbformat
    path = content_copy / "notebooks" / "01_basics.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(len(nb.cells) - 2, nbformat.v4.new_code_cell('quiz("basics:zz-nowhere")'))
    nbformat.write(nb, path)
    problems = problems_for(content_copy)
    unplaced = [p for p in problems if "zz-unplaced" in p]
    assert len(unplaced) == 1 and LINE.match(unplaced[0])
    assert unplaced[0].startswith("data/questions/causes.yaml:") and "not placed in any notebook" in unplaced[0]
    assert 'quiz("causes:zz-unplaced")' in unplaced[0], "the fix names the cell to add"
    nowhere = [p for p in problems if "basics:zz-nowhere" in p and not p.startswith("notebooks/es/")]
    assert any(p.startswith("notebooks/es/01_basics.ipynb:") for p in problems), "the translation lacks the cell"
    assert len(nowhere) == 1 and nowhere[0].startswith("notebooks/01_basics.ipynb:")
    assert "`checkpoint: zz-nowhere`" in nowhere[0]


def test_missing_translation_key_is_reported(content_copy):
    (content_copy / "data/strings/es.yaml").write_text('check: "Comprobar"\n', encoding="utf-8")
    problems = problems_for(content_copy)
    assert any(p.startswith("data/strings/es.yaml:1: try_again: is not translated") for p in problems)


def run_cli(*args: str, timeout: int = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "her2lesson", *args], capture_output=True, text=True, timeout=timeout)


def test_check_command_exits_nonzero_and_prints_each_problem(content_copy):
    write_bank(content_copy, "causes",
               GOOD.replace("correct: true", "correct: false").replace("source: article", "source: x"))
    result = run_cli("--content-dir", str(content_copy), "check")
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if LINE.match(line) and "causes-probe" in line]
    assert len(lines) == 2, result.stderr  # (the part's quick checks now have no questions: reported apart)
    assert "Traceback" not in result.stderr


def test_check_command_passes_on_good_content(content_copy):
    result = run_cli("--content-dir", str(content_copy), "check")
    assert result.returncode == 0, result.stderr
    assert "no problems" in result.stdout


def test_serve_refuses_to_start_on_broken_content(content_copy):
    write_bank(content_copy, "causes", GOOD.replace('    explanation: "It is a probe."\n', ""))
    result = run_cli("--content-dir", str(content_copy), "serve", "--port", "1")
    assert result.returncode == 1
    assert "missing `explanation`" in result.stderr
    assert "did not start" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_serve_help_lists_its_options():
    result = run_cli("serve", "--help")
    assert result.returncode == 0
    for option in ("--host", "--port", "--pass-mark", "--facilitator-code"):
        assert option in result.stdout


@pytest.mark.parametrize("bad, named", [
    ('<image href="x" onerror="alert(1)"/>', "onerror"),
    ("<script>alert(1)</script>", "<script>"),
    ('<a href="https://example.org/x"><text>x</text></a>', "https://example.org/x"),
    ('<rect style="fill: url(https://example.org/p.svg)" width="1" height="1"/>', "outside reference"),
    ('<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>', "<foreignobject>"),
])
def test_check_refuses_a_figure_that_could_act_or_fetch(content_copy, bad, named):
    path = content_copy / "data" / "figures" / "testing-path.svg"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("</svg>", bad + "</svg>"), encoding="utf-8")
    problems = problems_for(content_copy)
    found = [p for p in problems if "testing-path" in p and named in p]
    assert found, problems
    assert all(LINE.match(p) for p in found), found


def test_a_plain_drawing_with_an_internal_reference_passes(content_copy):
    path = content_copy / "data" / "figures" / "testing-path.svg"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("</svg>", '<defs><linearGradient id="g"/></defs><use href="#g"/></svg>'),
                    encoding="utf-8")
    assert not [p for p in problems_for(content_copy) if "testing-path" in p]


# --- typed answers: number and short-text questions --------------------------------------------------------------
NUMERIC = """section: causes
questions:
  - id: causes-number
    audience: patient
    type: numeric
    prompt: "What is the fever number?"
    unit: "°F"
    precision: 4
    answers:
      - value: 100.4
        correct: true
        feedback: "Right."
      - range: [95, 100.4]
        correct: false
        feedback: "A bit higher."
    default_feedback: "Look again."
    explanation: "It is 100.4."
    source: article
"""

TEXT = """section: causes
questions:
  - id: causes-word
    audience: patient
    type: text
    prompt: "Which drug is Herceptin?"
    answers:
      - text: "trastuzumab"
        correct: true
      - text: "tamoxifen"
        correct: false
        feedback: "That one blocks estrogen."
    default_feedback: "Think of HER2."
    explanation: "Herceptin is trastuzumab."
    source: article
"""


def bank_problems(root: Path) -> list[str]:
    return [p for p in problems_for(root) if p.startswith("data/questions/causes.yaml")]


def test_good_number_and_text_questions_pass(content_copy):
    for text in (NUMERIC, TEXT):
        write_bank(content_copy, "causes", text)
        assert bank_problems(content_copy) == []


@pytest.mark.parametrize("mutation, expected", [
    (lambda t: t.replace("correct: true", "correct: false"),
     "10: causes-number: a number question needs at least one correct value or range "
     "(mark the right `value:` or `range:` with `correct: true`)"),
    (lambda t: t.replace("range: [95, 100.4]", "range: [100.4, 95]"),
     "13: causes-number: range [100.4, 95] runs backwards (write the lower number first: range: [95, 100.4])"),
    (lambda t: t.replace("range: [95, 100.4]", "range: [95, 95]"),
     "13: causes-number: range [95, 95] holds no number (a range includes its low end, not its high end) "
     "(write `value: 95` for one number)"),
    (lambda t: t.replace("precision: 4", "precision: 0"),
     "8: causes-number: precision 0 is not from 1 to 15 (write how many significant digits to compare, e.g. "
     "`precision: 4` for 100.4, or leave `precision:` out to compare numbers exactly)"),
    (lambda t: t.replace("precision: 4", "precision: 16"), "8: causes-number: precision 16 is not from 1 to 15"),
    (lambda t: t.replace("precision: 4", "precision: 3"),
     "10: causes-number: value 100.4 has more significant digits than `precision: 3`, so no typed number can "
     "match it (raise `precision:` or round the value to 3 digits)"),
    (lambda t: t.replace("precision: 4", "precision: 2.5"),
     "8: causes-number: `precision` must be a whole number, not 2.5 (write digits, e.g. 4)"),
    (lambda t: t.replace("value: 100.4", 'value: "100.4"'),
     "10: causes-number: `value` must be a number, not '100.4' (write digits with a point for decimals, without "
     "quotes, e.g. 100.4)"),
    (lambda t: t.replace("      - range: [95, 100.4]\n", "      - range: [95, 100.4]\n        value: 98\n"),
     "13: causes-number: an answer needs `value:` or `range:`, one of the two (write `value: 12.5` for one number, "
     "or `range: [10, 20]` for 10 up to (not including) 20)"),
    (lambda t: t.replace('        feedback: "A bit higher."\n', ""),
     "13: causes-number: missing `feedback` (add `feedback:` saying why this option is right or wrong)"),
    (lambda t: t.replace('    default_feedback: "Look again."\n', ""),
     "3: causes-number: missing `default_feedback` (add `default_feedback:` saying what to think about when the "
     "answer is none of `answers`, without giving the answer)"),
])
def test_number_question_errors_point_at_the_offending_line(content_copy, mutation, expected):
    write_bank(content_copy, "causes", mutation(NUMERIC))
    problems = bank_problems(content_copy)
    assert [p for p in problems if p.startswith(f"data/questions/causes.yaml:{expected}")] != [], problems
    assert all(LINE.match(p) for p in problems), problems


@pytest.mark.parametrize("mutation, expected", [
    (lambda t: t.replace("        correct: true\n", "        correct: false\n        feedback: \"No.\"\n"),
     "8: causes-word: a short-answer question needs at least one accepted answer (add the word or phrase you "
     "accept as an answer with `correct: true`)"),
    (lambda t: t.replace('        feedback: "That one blocks estrogen."\n', ""),
     "10: causes-word: a known wrong answer has no `feedback` (add `feedback:` saying why that answer is not "
     "right, without giving the answer)"),
    (lambda t: t.replace('"tamoxifen"', '"  Trastuzumab. "'),
     "10: causes-word: answer 2 is the same as answer 1 once case, spaces and end marks are ignored "
     "(remove one of them)"),
    (lambda t: t.replace('"tamoxifen"', '"?!"'), "10: causes-word: the answer is only punctuation"),
    (lambda t: t.replace('"tamoxifen"', '"' + "x" * 101 + '"'),
     "10: causes-word: the answer is 101 characters; a learner can type 100 at most (use a word or a short phrase)"),
    (lambda t: t.replace("    answers:\n", "    answerz:\n"),
     "8: causes-word: unknown field `answerz`: did you mean `answers`? (rename it `answers`)"),
])
def test_text_question_errors_point_at_the_offending_line(content_copy, mutation, expected):
    write_bank(content_copy, "causes", mutation(TEXT))
    problems = bank_problems(content_copy)
    assert [p for p in problems if p.startswith(f"data/questions/causes.yaml:{expected}")] != [], problems


def test_an_option_text_problem_still_points_at_the_option(content_copy):
    """`text` is a question type now and an option's field too: only a question's type tag is left out."""
    write_bank(content_copy, "causes", GOOD.replace('{text: "No",', '{text: "",'))
    assert bank_problems(content_copy) == [
        "data/questions/causes.yaml:9: causes-probe: `text` is empty (write the text)"]


def test_a_code_option_and_question_code_pass(content_copy):
    write_bank(content_copy, "causes", GOOD.replace('{text: "No",', '{text: "print(1)", code: true,')
               .replace("    type: single\n", '    type: single\n    code: "x = 1"\n'))
    assert bank_problems(content_copy) == []


def test_scored_must_be_true_or_false_and_in_one_bank_only(content_copy):
    write_bank(content_copy, "causes", GOOD.replace("questions:\n", "scored: yes please\nquestions:\n", 1))
    assert [p for p in problems_for(content_copy) if "scored" in p] == [
        "data/questions/causes.yaml:2: scored: is 'yes please', not true or false (write `scored: true` for the "
        "scored final check, or leave it out)"]
    write_bank(content_copy, "causes", GOOD.replace("questions:\n", "scored: true\nquestions:\n", 1))
    (second,) = [p for p in problems_for(content_copy) if "scored" in p]
    # banks load in file-name order: causes.yaml is first, so final-check.yaml is the second scored bank
    assert second.startswith("data/questions/final-check.yaml:7: scored: a second scored bank "
                             "(the first is at data/questions/causes.yaml:2)")
