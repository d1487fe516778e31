"""Which parts of the module to look at again after missing final-check questions.

A final-check question names its part in its id ("final-testing-ihc-3plus" is about "testing"). Questions whose id
names no part ("final-monitoring-...", "final-case-...") go to the part that teaches most of what they draw on: the
glossary terms and sources the question uses, against those each part's text and self-check use.
"""
from __future__ import annotations

from collections.abc import Iterable

from ..content import Content
from ..content.notebooks import GLOSSARY_LINK, Section


def _question_keys(question: object) -> set[str]:
    """The glossary terms and sources a question (with its case parts) draws on."""
    keys = set(getattr(question, "glossary", ())) | {getattr(question, "source", None)}
    keys |= {getattr(part, "source", None) for part in getattr(question, "answerables", ())}
    return {k for k in keys if k}


def _section_keys(section: Section, content: Content) -> set[str]:
    """The glossary terms a part's text links to, and the terms and sources of its own self-check."""
    keys = {m.group(2) for b in section.markdown() for m in GLOSSARY_LINK.finditer(b.text)}
    for bank_id in section.banks():
        bank = content.banks.get(bank_id)
        for q in bank.questions if bank else ():
            keys |= _question_keys(q)
    return keys


def section_for(question: object, candidates: list[Section], content: Content) -> Section | None:
    """The part a question is about: named in its id, else the one sharing most of its terms and sources."""
    padded = f"-{getattr(question, 'id', '')}-"
    named = [(padded.index(f"-{s.id}-"), -len(s.id), k) for k, s in enumerate(candidates) if f"-{s.id}-" in padded]
    if named:
        return candidates[min(named)[2]]
    wanted = _question_keys(question)
    overlap = [(len(wanted & _section_keys(s, content)), -k) for k, s in enumerate(candidates)]
    best = max(overlap, default=(0, 0))
    return candidates[-best[1]] if best[0] else None


def sections_to_review(content: Content, bank_section: str, missed: Iterable[object]) -> list[Section]:
    """The parts the missed questions are about, each once, in the module's order (never the final check itself)."""
    candidates = [s for s in content.sections if s.id != bank_section and s.calls("quiz")]
    found = {s.id for s in (section_for(q, candidates, content) for q in missed) if s is not None}
    return [s for s in candidates if s.id in found]
