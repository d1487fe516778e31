"""Question banks travel to and from jupyterquiz's JSON format."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from her2lesson.content import check
from her2lesson.content.jupyterquiz import export_bank, import_questions
from her2lesson.content.schema import QUESTION, Bank

EXAMPLE = Path(__file__).parent / "fixtures" / "jupyterquiz_example.json"


def test_export_keeps_every_choice_question_and_names_the_rest(content):
    bank = content.banks["testing"]
    exported, skipped = export_bank(bank)
    choice = [q for q in bank.questions if q.type in ("single", "multiple", "truefalse")]
    cases = [q for q in bank.questions if q.type == "case"]
    assert len(exported) == len(choice) + sum(len(c.parts) for c in cases)
    assert set(skipped) == {q.id for q in bank.questions if q.type in ("matching", "ordering")}
    first = exported[0]
    assert set(first) == {"question", "type", "answers", "her2lesson"}
    assert first["type"] in ("multiple_choice", "many_choice")
    assert all(set(a) == {"answer", "correct", "feedback"} for a in first["answers"])
    json.dumps(exported)


def test_round_trip_through_jupyterquiz_passes_the_checker_once_a_source_is_added(content, content_copy):
    exported, _ = export_bank(content.banks["causes"])
    bank, notes = import_questions(exported + [{"question": "How many?", "type": "numeric", "answers": []}], "causes")
    assert notes == [f"question {len(exported) + 1} (numeric: “How many?”): not imported: it has no answers"]
    for q in bank["questions"]:
        q["source"] = "article"
    (content_copy / "data/questions/causes.yaml").write_text(yaml.safe_dump(bank, sort_keys=False), encoding="utf-8")
    shutil.rmtree(content_copy / "data" / "es")  # an imported bank has new ids, which no translation has yet
    _, problems = check(content_copy)
    assert problems == []
    assert len(bank["questions"]) == len(exported)
    original = {q.prompt: q for q in content.banks["causes"].questions}
    for q in bank["questions"]:  # what only her2lesson knows came back with it
        assert q["audience"] == original[q["prompt"]].audience
        assert q.get("checkpoint") == original[q["prompt"]].checkpoint


def test_an_export_carries_what_jupyterquiz_lacks_and_a_plain_file_still_imports(content):
    exported, _ = export_bank(content.banks["testing"])
    marked = [e for e in exported if e["her2lesson"].get("checkpoint")]
    assert marked and all(e["her2lesson"]["source"] for e in exported)
    plain = [{k: v for k, v in e.items() if k != "her2lesson"} for e in exported]
    bank, _ = import_questions(plain, "testing")
    assert all(q["audience"] == "both" and "source" not in q and "checkpoint" not in q for q in bank["questions"])


def test_import_without_source_is_caught_by_the_checker(content_copy):
    bank, _ = import_questions([{"question": "Is HER2 a protein?", "type": "multiple_choice", "answers": [
        {"answer": "Yes", "correct": True, "feedback": "It is."},
        {"answer": "No", "correct": False, "feedback": "It is."}]}],
        "causes")
    (content_copy / "data/questions/causes.yaml").write_text(yaml.safe_dump(bank, sort_keys=False), encoding="utf-8")
    _, problems = check(content_copy)
    assert any("missing `source`" in str(p) for p in problems)


def test_export_and_import_commands(content_copy, tmp_path):
    out = tmp_path / "testing.json"
    done = subprocess.run([sys.executable, "-m", "her2lesson", "--content-dir", str(content_copy), "export-quiz",
                           "testing", "-o", str(out)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Left out" in done.stderr and json.loads(out.read_text())
    done = subprocess.run([sys.executable, "-m", "her2lesson", "--content-dir", str(content_copy), "import-quiz",
                           str(out), "--section", "extra"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    bank = yaml.safe_load((content_copy / "data/questions/extra.yaml").read_text())
    assert bank["section"] == "extra" and len(bank["questions"]) == len(json.loads(out.read_text()))
    again = subprocess.run([sys.executable, "-m", "her2lesson", "--content-dir", str(content_copy), "import-quiz",
                            str(out), "--section", "extra"], capture_output=True, text=True, timeout=60)
    assert again.returncode == 1 and "--force" in again.stderr


# --- real banks: code answers, numeric and string questions, and what cannot be carried ----------------------------
def cli(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "her2lesson", *args], capture_output=True, text=True, timeout=60,
                          cwd=cwd, env=env)


def as_bank(data: dict) -> Bank:
    return Bank(section=data["section"], questions=tuple(QUESTION.validate_python(q) for q in data["questions"]))


def with_sources(data: dict) -> dict:
    for q in data["questions"]:
        q.setdefault("source", "article")
    return data


def test_the_example_bank_imports_keeping_code_numbers_and_words():
    items = json.loads(EXAMPLE.read_text())
    bank, notes = import_questions(items, "extra")
    by_prompt = {q["prompt"]: q for q in bank["questions"]}
    assert len(bank["questions"]) == 6
    code = by_prompt["Which of these lines prints the number 5?"]
    assert code["type"] == "single"
    assert code["options"][0] == {"text": "print(2 + 3)", "code": True, "correct": True,
                                  "feedback": "Yes: 2 + 3 is 5, and print shows it."}
    assert all(o["code"] and o["text"] for o in code["options"]), "code answers stay code, never empty options"
    assert by_prompt["Which of these are prime numbers?"]["type"] == "multiple"
    assert by_prompt["The sky is blue on a clear day."]["type"] == "truefalse"
    pi = by_prompt["What is the value of pi, to three significant digits?"]
    assert pi["type"] == "numeric" and pi["precision"] == 3
    assert pi["answers"] == [{"value": 3.14, "correct": True, "feedback": "Correct: 3.14."},
                             {"range": [3, 3.14], "correct": False, "feedback": "A little low."},
                             {"range": [3.15, 4], "correct": False, "feedback": "A little high."}]
    assert pi["default_feedback"] == "Pi is a bit more than 3." and pi["explanation"] == "Correct: 3.14."
    printed = by_prompt["What does this code print?"]
    assert printed["code"] == "x = 7\nprint(x // 2)" and printed["type"] == "numeric" and "precision" not in printed
    word = by_prompt["Which Python keyword starts a function?"]
    assert word["type"] == "text" and word["default_feedback"] == "It is a short word, three letters."
    assert word["answers"][0] == {"text": "def", "correct": True, "feedback": "Yes: def starts a function.",
                                  "match_case": True}
    assert notes == [
        "question 7 (string: “Name the capital of France.”): not imported: answer 1 accepts near misses "
        "(`fuzzy_threshold`); her2lesson compares the words, ignoring only case, spaces and end marks",
        "question 8 (sketch: “Draw the graph of y = x squared.”): not imported: its type 'sketch' has no "
        "counterpart here (known: multiple_choice, many_choice, numeric, string)",
    ]
    as_bank(with_sources(bank))  # every imported question is a valid question once it has a source


def test_the_example_bank_grades_as_jupyterquiz_does(content):
    from her2lesson.quiz import QuizOptions, make_view
    from her2lesson.strings import Strings

    t = Strings.for_language(content.strings)
    bank = as_bank(with_sources(import_questions(json.loads(EXAMPLE.read_text()), "extra")[0]))
    views = {q.prompt: make_view(q, 1, 1, t, QuizOptions(), {}) for q in bank.questions}
    pi_question = next(q for q in bank.questions if q.prompt.startswith("What is the value of pi"))
    for typed, words in (("3.14159", "Correct: 3.14."), ("3,1", "A little low."), ("3.2", "A little high."),
                         ("3.149", "A little high."), ("3.1416", "Correct: 3.14."), ("7", "Pi is a bit more than 3.")):
        pi = make_view(pi_question, 1, 1, t, QuizOptions(), {})
        pi.form.press("check", [typed])
        assert words in pi.form.feedback_html, typed
    keyword = views["Which Python keyword starts a function?"]
    keyword.form.press("check", ["DEF"])
    assert "three letters" in keyword.form.feedback_html, "match_case came along"
    code = views["Which of these lines prints the number 5?"]
    assert code.form.code_options == list(range(3)) and "print(2 + 3)" in code.form.options
    printed = views["What does this code print?"]
    assert printed.form.code == "x = 7\nprint(x // 2)"


@pytest.mark.parametrize("bank_name", ["symptoms", "testing", "treatment", "final-check"])
def test_export_import_export_gives_the_same_json(content, bank_name):
    first, _ = export_bank(content.banks[bank_name])
    again = as_bank(import_questions(json.loads(json.dumps(first)), bank_name)[0])
    second, _ = export_bank(again)
    assert second == first


def test_the_example_bank_round_trips_and_keeps_what_jupyterquiz_wrote():
    items = json.loads(EXAMPLE.read_text())
    carried = items[:6]
    first, skipped = export_bank(as_bank(with_sources(import_questions(items, "extra")[0])))
    assert skipped == [] and len(first) == len(carried)
    for theirs, ours in zip(carried, first):  # every field jupyterquiz wrote comes back as it was
        assert {key: ours[key] for key in theirs} == theirs
    second, _ = export_bank(as_bank(import_questions(first, "extra")[0]))
    assert second == first


def test_the_fever_number_travels_with_its_unit(content):
    exported, _ = export_bank(content.banks["symptoms"])
    fever = next(e for e in exported if e["type"] == "numeric")
    assert fever["answers"][0] == {"type": "value", "value": 100.4, "correct": True,
                                   "feedback": fever["answers"][0]["feedback"]}
    assert fever["answers"][-1]["type"] == "default" and fever["her2lesson"]["unit"] == "°F"
    assert fever["her2lesson"]["audience"] == "patient" and fever["her2lesson"]["source"] == "cdc-fever"


@pytest.mark.parametrize("item, reason", [
    ("not a question", "it is not a question (a JSON object)"),
    ({"question": "Q?", "type": "multiple_choice", "answers": [{"correct": True, "feedback": "x"}]},
     "answer 1 has neither `answer` (text) nor `code`"),
    ({"question": "Q?", "type": "multiple_choice",
      "answers": [{"answer": "a", "code": "a()", "correct": True, "feedback": "x"}]},
     "answer 1 has both text and code; an option here shows one of them"),
    ({"question": "Q?", "type": "numeric", "answers": [{"type": "value", "value": "five", "correct": True}]},
     "answer 1: the value 'five' is not a number"),
    ({"question": "Q?", "type": "numeric", "answers": [{"type": "range", "range": [1], "correct": True}]},
     "answer 1: the range [1] is not two numbers"),
    ({"question": "Q?", "type": "numeric", "answers": [{"type": "default", "feedback": "x"}]},
     "it has no value or range to compare with, only a default"),
    ({"question": "Q?", "type": "numeric", "precision": "3",
      "answers": [{"type": "value", "value": 3, "correct": True}]}, "its precision '3' is not a whole number"),
    ({"question": "", "type": "string", "answers": [{"answer": "x", "correct": True}]}, "it has no question text"),
    ({"question": "Q?", "answers": []}, "its type None has no counterpart here"),
])
def test_what_cannot_be_carried_is_refused_by_number_with_the_reason(item, reason):
    good = {"question": "Fine?", "type": "multiple_choice",
            "answers": [{"answer": "Yes", "correct": True, "feedback": "Good."},
                        {"answer": "No", "correct": False, "feedback": "Bad."}]}
    bank, notes = import_questions([good, item], "extra")
    assert len(bank["questions"]) == 1 and len(notes) == 1
    assert notes[0].startswith("question 2") and f": not imported: {reason}" in notes[0], notes


def test_what_is_left_out_of_an_imported_question_is_said():
    bank, notes = import_questions([{"question": "Is <b>HER2</b> a protein?", "type": "multiple_choice",
                                     "answer_cols": 2, "precision": 2, "answers": [
                                         {"answer": "Yes", "correct": True, "feedback": "It is.", "points": 1},
                                         {"answer": "No", "correct": False, "feedback": "It is."}]}], "extra")
    assert len(bank["questions"]) == 1
    label = "question 1 (multiple_choice: “Is <b>HER2</b> a protein?”): "
    assert notes == [label + "answer 1: `points` left out",
                     label + "`precision` left out: it is for numeric questions",
                     label + "`answer_cols` left out",
                     label + "it has HTML or LaTeX, which is shown here as it is written: check how it reads"]


def test_a_numeric_answer_without_feedback_is_left_for_check_to_ask(content_copy):
    bank, notes = import_questions([{"question": "How many cores?", "type": "numeric", "answers": [
        {"type": "value", "value": 2, "correct": True}]}], "causes")
    assert notes == [] and bank["questions"][0]["answers"] == [{"value": 2, "correct": True}]
    (content_copy / "data/questions/causes.yaml").write_text(yaml.safe_dump(with_sources(bank), sort_keys=False),
                                                             encoding="utf-8")
    _, problems = check(content_copy)
    mine = [str(p) for p in problems if "causes.yaml" in p.file]
    assert any(":8: causes-how-many-cores: missing `feedback`" in p for p in mine), mine  # the answer's line
    assert any("missing `default_feedback`" in p for p in mine) and any("missing `explanation`" in p for p in mine)


def test_import_writes_under_the_project_it_is_run_in(content_copy, tmp_path_factory):
    """No --content-dir: the bank goes to the project the working folder is in, never the installed package."""
    import os

    env = {k: v for k, v in os.environ.items() if k != "HER2LESSON_CONTENT_DIR"}
    inside = content_copy / "notebooks"
    done = cli("import-quiz", str(EXAMPLE), "--section", "extra", cwd=inside, env=env)
    assert done.returncode == 0, done.stderr
    target = content_copy / "data" / "questions" / "extra.yaml"
    assert target.exists() and f"Wrote 6 question(s) to {target}; 2 not imported" in done.stdout
    assert "question 7 (string" in done.stderr and "question 8 (sketch" in done.stderr
    assert not (Path(__file__).resolve().parent.parent / "data" / "questions" / "extra.yaml").exists()
    elsewhere = tmp_path_factory.mktemp("not-a-project")
    refused = cli("import-quiz", str(EXAMPLE), "--section", "extra2", cwd=elsewhere, env=env)
    assert refused.returncode == 1 and "No content folder here" in refused.stderr and "--content-dir" in refused.stderr
    named = cli("import-quiz", str(EXAMPLE), "--section", "extra3", "--content-dir", str(content_copy),
                cwd=elsewhere, env=env)
    assert named.returncode == 0 and (content_copy / "data" / "questions" / "extra3.yaml").exists()


def test_import_then_check_then_export_end_to_end(content_copy, tmp_path):
    done = cli("--content-dir", str(content_copy), "import-quiz", str(EXAMPLE), "--section", "extra")
    assert done.returncode == 0, done.stderr
    path = content_copy / "data" / "questions" / "extra.yaml"
    path.write_text(yaml.safe_dump(with_sources(yaml.safe_load(path.read_text())), sort_keys=False,
                                   allow_unicode=True), encoding="utf-8")
    shutil.rmtree(content_copy / "data" / "es")  # a new bank is first written in English; translations follow
    assert [str(p) for p in check(content_copy)[1] if "extra.yaml" in p.file] == []
    out = tmp_path / "extra.json"
    exported = cli("export-quiz", "extra", "-o", str(out), "--content-dir", str(content_copy))
    assert exported.returncode == 0, exported.stderr
    first = json.loads(out.read_text())
    again = cli("--content-dir", str(content_copy), "import-quiz", str(out), "--section", "extra", "--force")
    assert again.returncode == 0 and again.stderr == ""
    cli("--content-dir", str(content_copy), "export-quiz", "extra", "-o", str(out))
    assert json.loads(out.read_text()) == first


def test_import_refuses_a_bad_section_name_a_non_list_and_an_installed_folder(content_copy, tmp_path, monkeypatch):
    from her2lesson import cli as her2cli

    bad = cli("--content-dir", str(content_copy), "import-quiz", str(EXAMPLE), "--section", "../../evil")
    assert bad.returncode == 1 and "lower case letters" in bad.stderr
    not_list = tmp_path / "one.json"
    not_list.write_text('{"question": "Q?"}')
    done = cli("--content-dir", str(content_copy), "import-quiz", str(not_list), "--section", "extra")
    assert done.returncode == 1 and "not a list of questions" in done.stderr
    assert not (content_copy / "data" / "questions" / "extra.yaml").exists()
    fake_site = tmp_path / "site-packages"
    (fake_site / "her2lesson-data").mkdir(parents=True)
    monkeypatch.setattr(her2cli, "_installed_packages", lambda: [fake_site.resolve()])
    code = her2cli.main(["import-quiz", str(EXAMPLE), "--section", "extra",
                         "--content-dir", str(fake_site / "her2lesson-data")])
    assert code == 1 and not (fake_site / "her2lesson-data" / "data").exists()
