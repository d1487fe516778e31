"""Reading level of patient-facing text, measured the same way by the tests and by authors.

Flesch-Kincaid grade from textstat 0.7.3 (syllables by pyphen, so it works offline). Markdown is reduced to plain
sentences first, as a reader sees them: a heading or a list item counts as a sentence of its own, and lines wrapped
inside one paragraph or one list item are joined again, so a hard wrap never ends a sentence (ending one there
made long sentences look short and understated the grade by up to five levels).
"""
from __future__ import annotations

import re

import textstat

_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MARKUP = re.compile(r"[*_`>#|]+")
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_HEADING = re.compile(r"^\s*#{1,6}\s")
_END = (".", "!", "?", ":")


def _clean(line: str) -> str:
    return _MARKUP.sub("", _BULLET.sub("", _LINK.sub(r"\1", line))).strip()


def units(markdown: str) -> list[str]:
    """What a reader takes as whole units: headings, list items and paragraphs, each with its wrapped lines joined."""
    found: list[str] = []
    current: list[str] = []

    def close() -> None:
        text = " ".join(part for part in current if part)
        if text and not set(text) <= set("-: "):
            found.append(text)
        current.clear()

    for raw in markdown.splitlines():
        if not raw.strip():
            close()
        elif _HEADING.match(raw) or _BULLET.match(raw) or raw.lstrip().startswith("|"):
            close()
            current.append(_clean(raw))
            if _HEADING.match(raw) or raw.lstrip().startswith("|"):
                close()
        else:
            current.append(_clean(raw))
    close()
    return found


def plain_sentences(markdown: str) -> str:
    """Markdown as plain text in which every heading, list item and paragraph ends like a sentence."""
    return " ".join(u if u.endswith(_END) else u + "." for u in units(markdown))


def grade(markdown: str) -> float:
    """Flesch-Kincaid grade of a Markdown text (0.0 for empty text)."""
    text = plain_sentences(markdown)
    if not text.strip():
        return 0.0
    return float(textstat.flesch_kincaid_grade(text))
