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
    nowhere = [p for p in problems if "basics:zz-nowhere" in p]
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
