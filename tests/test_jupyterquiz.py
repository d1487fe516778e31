"""Question banks travel to and from jupyterquiz's JSON format."""
from __future__ import annotations

import json

import yaml

from her2lesson.content import check
from her2lesson.content.jupyterquiz import export_bank, import_questions


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
    assert notes and "numeric" in notes[0]
    for q in bank["questions"]:
        q["source"] = "article"
    (content_copy / "data/questions/causes.yaml").write_text(yaml.safe_dump(bank, sort_keys=False), encoding="utf-8")
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
    import subprocess
    import sys

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
