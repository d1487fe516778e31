"""How feedback reads: pure text rules, kept apart from the widgets so they are easy to test and to reuse.

Banks are written by people: an option may end in "." or "?", and its feedback may open with the same verdict the
form has just shown ("Not quite."). These rules keep the learner from reading a mark or a verdict twice.
"""
from __future__ import annotations

import re

from ..strings import Strings

_END = re.compile(r"[.!?]+\s+(?=\S)")


def quoted(t: Strings, text: str) -> str:
    """An option's words as the learner saw them, in the catalogue's quotation marks: no colon added after a full
    stop or question mark (the old "A blood sample.: ..." came from appending one)."""
    return t("quoted", text=text.strip())


def after_verdict(feedback: str, verdict: str) -> str:
    """The feedback without a leading repeat of the verdict just shown ("Not quite. Not quite. The test...").

    Only an exact repeat, ended as a sentence, is dropped: other openers ("Yes.", "Not right.") are the writer's
    words and stay; so does feedback that is nothing but the verdict, so no option is left without words.
    """
    core = verdict.strip().rstrip(".!?").strip()
    if core and feedback.strip().lower().startswith(core.lower()):
        rest = feedback.strip()[len(core):]
        match = _END.match(rest)
        if match:
            return rest[match.end():]
    return feedback
