"""Patient-facing text reads at grade 7 or below; nursing panels at grade 12 or below (Flesch-Kincaid)."""
from __future__ import annotations

import pytest

from her2lesson.content.schema import CaseQuestion
from her2lesson.readability import grade

from .test_content import ARTICLE_SECTIONS

PATIENT_MAX, NURSE_MAX = 7.0, 12.0


def _section_ids():
    return ARTICLE_SECTIONS + ["welcome", "final-check", "sources"]


@pytest.mark.parametrize("section_id", _section_ids())
def test_patient_text_of_each_section_is_grade_7_or_below(content, section_id):
    section = content.section(section_id)
    text = "\n".join(b.text for b in section.blocks if b.patient_facing)
    assert len(text.split()) > 100
    assert grade(text) <= PATIENT_MAX


@pytest.mark.parametrize("section_id", _section_ids())
def test_nursing_panels_are_grade_12_or_below(content, section_id):
    for block in content.section(section_id).markdown("nurse"):
        assert grade(block.text) <= NURSE_MAX, f"{section_id} cell {block.line}"


def _question_text(q) -> str:
    parts = [q.prompt, q.explanation, q.hint or ""]
    if isinstance(q, CaseQuestion):
        parts.append(q.story)
        for p in q.parts:
            parts += [p.prompt, p.explanation] + [o.text + ". " + o.feedback for o in p.options]
    for o in getattr(q, "options", ()):
        parts.append(o.text + ". " + o.feedback)
    parts += [p.item + ": " + p.match for p in getattr(q, "pairs", ())]
    parts += list(getattr(q, "steps", ()))
    return "\n".join(parts)


def test_patient_quiz_text_is_grade_7_or_below(content):
    for name, bank in content.banks.items():
        text = "\n".join(_question_text(q) for q in bank.questions if q.audience in ("patient", "both"))
        if text:
            assert grade(text) <= PATIENT_MAX, name


def test_glossary_and_aids_are_grade_7_or_below(content):
    assert grade("\n".join(t.plain for t in content.glossary.values())) <= PATIENT_MAX
    explainer = content.ihc_explainer
    patient = [e.patient for e in list(explainer.ihc.values()) + list(explainer.ish.values())]
    assert grade("\n".join(patient)) <= PATIENT_MAX
    assert grade("\n".join(q.text for q in content.care_questions.questions)) <= PATIENT_MAX
    assert grade("\n".join(i.text + ". " + i.why for i in content.self_care.items)) <= PATIENT_MAX


def test_the_measure_tells_hard_text_from_easy_text():
    easy = "You have a test. It looks at the cells. It takes a few days."
    hard = ("Immunohistochemical quantification of transmembrane receptor overexpression necessitates "
            "standardized interpretation of circumferential membranous staining intensity.")
    assert grade(easy) <= PATIENT_MAX < NURSE_MAX < grade(hard)


# --- Spanish: Fernández-Huerta (>= 70) and Szigriszt-Pazos / INFLESZ (>= 65), "fácil" --------------------------
ES_FH_MIN, ES_SZP_MIN = 70.0, 65.0


def spanish_scores(markdown: str) -> tuple[float, float]:
    """(Fernández-Huerta, Szigriszt-Pazos) of the plain sentences of `markdown`, by textstat's Spanish rules."""
    import textstat

    from her2lesson.readability import plain_sentences

    textstat.set_lang("es")
    try:
        text = plain_sentences(markdown)
        return textstat.fernandez_huerta(text), textstat.szigriszt_pazos(text)
    finally:
        textstat.set_lang("en_US")


@pytest.mark.parametrize("section_id", _section_ids())
def test_spanish_patient_text_of_each_section_is_easy(content, section_id):
    section = content.in_language("es").section(section_id)
    text = "\n".join(b.text for b in section.blocks if b.patient_facing)
    assert len(text.split()) > 100
    fh, szp = spanish_scores(text)
    assert fh >= ES_FH_MIN and szp >= ES_SZP_MIN, (section_id, fh, szp)


def test_spanish_quiz_glossary_and_aids_are_easy(content):
    spanish = content.in_language("es")
    texts = {name: "\n".join(_question_text(q) for q in bank.questions) for name, bank in spanish.banks.items()}
    texts["glossary"] = "\n".join(t.plain for t in spanish.glossary.values())
    texts["help card"] = "\n".join(f"{t.title}. {t.action}. " + ". ".join(t.signs) for t in spanish.help_card.tiers)
    texts["figure captions"] = "\n".join(f.caption for f in spanish.figures.values())
    for name, text in texts.items():
        if text.strip():
            fh, szp = spanish_scores(text)
            assert fh >= ES_FH_MIN and szp >= ES_SZP_MIN, (name, fh, szp)
