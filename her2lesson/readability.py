"""Reading level of patient-facing text, measured the same way by the tests and by authors.

Flesch-Kincaid grade from textstat 0.7.3 (syllables by pyphen, so it works offline). Markdown is reduced
to plain sentences first: a heading or a list item counts as a sentence of its own, as a reader sees it.
"""
from __future__ import annotations

import re

import textstat

_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MARKUP = re.compile(r"[*_`>#|]+")
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_END = (".", "!", "?", ":")


def plain_sentences(markdown: str) -> str:
    """Turn Markdown into plain text in which every heading and list item ends like a sentence."""
    lines = []
    for raw in markdown.splitlines():
        line = _BULLET.sub("", _LINK.sub(r"\1", raw))
        line = _MARKUP.sub("", line).strip()
        if not line or set(line) <= set("-:"):
            continue
        if not line.endswith(_END):
            line += "."
        lines.append(line)
    return " ".join(lines)


def grade(markdown: str) -> float:
    """Flesch-Kincaid grade of a Markdown text (0.0 for empty text)."""
    text = plain_sentences(markdown)
    if not text.strip():
        return 0.0
    return float(textstat.flesch_kincaid_grade(text))
