"""The lesson content is complete and has the Carpentries-style shape the design asks for."""
from __future__ import annotations

import pytest

from her2lesson.content.schema import CaseQuestion

from .conftest import ROOT

ARTICLE_SECTIONS = ["basics", "causes", "symptoms", "testing", "questions", "treatment", "self-care", "outlook",
                    "support"]


def test_every_article_section_has_a_notebook_in_order(content):
    ids = [s.id for s in content.sections]
    assert ids[0] == "welcome"
    assert [i for i in ids if i in ARTICLE_SECTIONS] == ARTICLE_SECTIONS
    assert {"final-check", "sources"} <= set(ids)


@pytest.mark.parametrize("section_id", ARTICLE_SECTIONS)
def test_section_has_the_lesson_shape(content, section_id):
    section = content.section(section_id)
    roles = [b.role for b in section.markdown()]
    assert roles[0] == "title"
    assert roles[1] == "main-message", "the one main message comes right after the title"
    assert "objectives" in roles[:4]
    assert roles[-1] == "key-points", "key points close the section"
    assert "do-this" in roles, "at least one thing the reader can do"
    assert "educator" in roles, "educator notes beside the text"
    assert any(r == "chunk" for r in roles)
    for block in section.markdown("chunk"):
        assert block.text.lstrip().startswith("## "), f"chunk at cell {block.line} needs a header"
    quizzes = section.calls("quiz")
    assert quizzes and quizzes[-1] == section_id, "each article section ends with its own self-check"
    assert section.banks() == [section_id], "its quick checks draw on the same bank"


def _count(content, bank, audiences=("patient", "nurse", "both")):
    return sum(len(q.parts) if isinstance(q, CaseQuestion) else 1
               for q in content.banks[bank].questions if q.audience in audiences)


def test_quiz_counts_meet_the_brief(content):
    assert _count(content, "testing") >= 10
    assert _count(content, "treatment") >= 15
    for bank in ARTICLE_SECTIONS:
        assert _count(content, bank) >= 3, bank
    assert _count(content, "final-check", ("nurse", "both")) >= 15


def test_testing_and_treatment_mix_question_types(content):
    for bank in ("testing", "treatment"):
        types = {q.type for q in content.banks[bank].questions}
        assert {"single", "multiple", "truefalse", "matching"} <= types, bank


def test_start_page_states_education_not_advice_and_review_date(content):
    text = " ".join(b.text for b in content.section("welcome").markdown()).lower()
    assert "not medical advice" in text or "not advice" in text
    assert "2026" in text, "the date the content was reviewed"
    sources = " ".join(b.text for b in content.section("sources").markdown()).lower()
    assert "2026" in sources


def test_required_figures_have_alt_text_and_captions(content):
    for name in ("her2-receptors", "spread-sites", "testing-path", "treatment-overview"):
        fig = content.figures[name]
        assert len(fig.alt) > 40 and fig.caption
        svg = content.svg(name)
        assert "<script" not in svg and "http" not in svg.replace("http://www.w3.org", "")


def test_every_glossary_link_in_notebooks_resolves(content):
    # her2lesson check enforces it; this keeps the guarantee visible as a test of its own.
    from her2lesson.content.notebooks import GLOSSARY_LINK
    keys = {k for s in content.sections for b in s.markdown() for _, k in GLOSSARY_LINK.findall(b.text)}
    assert keys and keys <= set(content.glossary)


def test_first_line_treatment_is_current(content):
    """December 2025: trastuzumab deruxtecan + pertuzumab joined THP as a first-line option."""
    text = " ".join(b.text for b in content.section("treatment").markdown()).lower()
    assert "pertuzumab" in text and "deruxtecan" in text and "2025" in text


def test_kernels_load_the_checked_snapshot_the_server_wrote(content, tmp_path, monkeypatch):
    from her2lesson.content.library import SNAPSHOT_ENV, load_content, write_snapshot

    path = write_snapshot(content, tmp_path)
    monkeypatch.setenv(SNAPSHOT_ENV, str(path))
    monkeypatch.setenv("HER2LESSON_CONTENT_DIR", str(tmp_path / "nowhere"))  # the files are not read at all
    load_content.cache_clear()
    try:
        loaded = load_content()
        assert loaded.banks.keys() == content.banks.keys()
        assert [s.id for s in loaded.sections] == [s.id for s in content.sections]
    finally:
        load_content.cache_clear()


def test_every_patient_page_has_a_visual_that_helps_act_or_understand(content):
    """CDC Clear Communication Index item 4: a figure or a learning aid on every patient page."""
    for section in content.sections:
        if section.id == "final-check":
            continue  # the scored check for nurses
        visuals = section.calls("figure") + section.calls("aid")
        assert visuals, f"{section.id} has no figure or aid"


def test_each_notebook_sets_up_before_its_first_call(content):
    """A notebook also runs on its own (JupyterLab, nbval): the import cell must come before any quiz/aid/figure."""
    import nbformat

    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        cells = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
        setup = next((i for i, src in enumerate(cells) if src.startswith("from her2lesson.notebook import")), None)
        assert setup == 0 or not cells, f"{path.name}: move the import cell above its first call"
