"""The language axis: a translation mirrors the English files, `check` finds what it lacks, and the page, the
records and the results follow the language a learner chose."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml

from her2lesson.content import check
from her2lesson.page_words import PageWords

ROOT = Path(__file__).resolve().parent.parent


def problems_for(root: Path) -> list[str]:
    return [str(p) for p in check(root)[1]]


def test_the_spanish_module_is_complete(content):
    spanish = content.in_language("es")
    assert content.languages["es"].name == "Español" and spanish.lang == "es"
    assert [s.id for s in spanish.sections] == [s.id for s in content.sections]
    assert set(spanish.glossary) == set(content.glossary) and set(spanish.figures) == set(content.figures)
    for ours, theirs in zip(content.help_card.tiers, spanish.help_card.tiers, strict=True):  # the safety numbers
        for number in ("911", "100.4 °F", "38 °C", "988"):
            english = json.dumps([ours.title, ours.action, *ours.signs], ensure_ascii=False)
            translated = json.dumps([theirs.title, theirs.action, *theirs.signs], ensure_ascii=False)
            assert (number in english) == (number in translated), (ours.id, number)
    assert not content.covers("es", "nurse") and content.covers("es", "patient") and content.covers("en", "nurse")


def test_a_missing_notebook_is_named_with_its_language(content_copy):
    (content_copy / "notebooks" / "es" / "04_testing.ipynb").unlink()
    problems = problems_for(content_copy)
    assert "notebooks/es/04_testing.ipynb:1: testing: the Español (es) counterpart of notebooks/04_testing.ipynb " \
           "is missing (copy notebooks/04_testing.ipynb to notebooks/es/04_testing.ipynb and translate its " \
           "Markdown cells)" in problems


def test_a_missing_or_mismatched_question_id_is_named_at_its_line(content_copy):
    path = content_copy / "data" / "es" / "questions" / "testing.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    gone = data["questions"][0]["id"]
    data["questions"][0]["id"] = "testing-not-in-english"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    problems = [p for p in problems_for(content_copy) if p.startswith("data/es/questions/testing.yaml")]
    assert f"data/es/questions/testing.yaml:1: {gone}: has no Español (es) counterpart (translate question {gone} " \
           "of data/questions/testing.yaml)" in problems
    assert any(p.startswith("data/es/questions/testing.yaml:3: testing-not-in-english: is not a question of "
                            "data/questions/testing.yaml for the tracks es covers") for p in problems)


def test_a_changed_right_answer_is_refused(content_copy):
    path = content_copy / "data" / "es" / "questions" / "testing.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    q = next(q for q in data["questions"] if q.get("type") == "single")
    flags = [o["correct"] for o in q["options"]]
    right = flags.index(True)
    q["options"][right]["correct"], q["options"][right - 1]["correct"] = False, True
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    assert any(f": {q['id']}: its options' right answers" in p and "(es)" in p for p in problems_for(content_copy))


def test_a_missing_string_and_a_missing_glossary_term_are_named(content_copy):
    strings = content_copy / "data" / "strings" / "es.yaml"
    table = yaml.safe_load(strings.read_text(encoding="utf-8"))
    del table["check"]
    strings.write_text(yaml.safe_dump(table, allow_unicode=True), encoding="utf-8")
    glossary = content_copy / "data" / "es" / "glossary.yaml"
    terms = yaml.safe_load(glossary.read_text(encoding="utf-8"))
    del terms["biopsy"]
    glossary.write_text(yaml.safe_dump(terms, allow_unicode=True), encoding="utf-8")
    problems = problems_for(content_copy)
    assert any(p.startswith("data/strings/es.yaml:1: check: is not translated") for p in problems)
    assert "data/es/glossary.yaml:1: biopsy: has no Español (es) counterpart of this glossary term (add `biopsy:` " \
           "translated from the English file)" in problems


def test_cells_out_of_order_are_named_at_the_cell(content_copy):
    path = content_copy / "notebooks" / "es" / "04_testing.ipynb"
    nb = json.loads(path.read_text(encoding="utf-8"))
    nb["cells"][1], nb["cells"][2] = nb["cells"][2], nb["cells"][1]
    path.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    (problem,) = [p for p in problems_for(content_copy) if p.startswith("notebooks/es/04_testing.ipynb")]
    assert problem.startswith("notebooks/es/04_testing.ipynb:2: cell 2: is a Markdown cell tagged 'objectives' but "
                              "the English cell 2 is a Markdown cell tagged 'main-message' (Español, es)")


def test_a_third_language_is_only_files(content_copy):
    """Portuguese as a copy of the Spanish files: check accepts it, and the start screen offers it."""
    shutil.copytree(content_copy / "data" / "es", content_copy / "data" / "pt")
    shutil.copytree(content_copy / "notebooks" / "es", content_copy / "notebooks" / "pt")
    shutil.copy(content_copy / "data" / "strings" / "es.yaml", content_copy / "data" / "strings" / "pt.yaml")
    (content_copy / "data" / "pt" / "language.yaml").write_text('name: "Português"\ntracks: [patient]\n')
    content, problems = check(content_copy)
    assert not problems, problems
    assert list(content.languages) == ["en", "es", "pt"] and content.in_language("pt").lang == "pt"
    from her2lesson.content.plain import to_plain
    from her2lesson.dashboard import Dashboard
    d = Dashboard(to_plain(content), params={}, lang="pt")
    offered = d.main.children[0].children[0].value
    assert 'hreflang="es"' in offered and "Português" in offered


def test_server_pages_choose_the_language_asked_then_remembered_then_the_browsers():
    words = PageWords({"en": {"page_try_again": "Try again"}, "es": {"page_try_again": "Volver a intentarlo"}},
                      {"en": "English", "es": "Español"})
    assert words.choose("es", None, None) == "es"
    assert words.choose(None, "es", "en-US") == "es"
    assert words.choose(None, None, "es-MX,es;q=0.9,en;q=0.8") == "es"
    assert words.choose("xx", "zz", "fr-FR") == "en"
    assert words.strings("es")("page_try_again") == "Volver a intentarlo"
    assert words.loading()["es"]["loading_ready"] == "loading_ready"  # a key it lacks is named, never an error
