"""What a learner's answer means: pure functions and records, no widgets, so they are fast to test.

Answers are expressed in the bank's own order (option 0 is the bank's first option), whatever order the learner
saw them in: the shuffle is a view concern, and a stored answer must still mean the same after a reload.
A typed answer (a number or a short text) is kept as the learner typed it, cut to its box's length: it is read
(`read_number`, `normal_text`) only to grade it, so a changed bank grades the same words again.
"""
from __future__ import annotations

import math
import random
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Sequence

from ..content.plain import (
    NUMBER_MAX_LENGTH,
    ChoiceQuestion,
    MatchingQuestion,
    NumericQuestion,
    OrderingQuestion,
    TextQuestion,
    normal_text,
    round_significant,
)

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?")
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3}){2,}(?:\.\d*)?")  # 1,000,000 (two or more groups)
_DEGREE = "°º˚"


def typed(raw: object, limit: int) -> str:
    """What a learner sent for a typed answer, as kept: text only, cut to `limit` characters."""
    return raw[:limit] if isinstance(raw, str) else ""


def _without_unit(text: str, unit: str | None) -> str:
    """`text` without a copy of the question's unit typed after the number ("100.4 °F", "100.4F", "100.4 degrees F")."""
    core = "".join(c for c in (unit or "") if c not in _DEGREE and not c.isspace())
    if core:
        text = re.sub(rf"\s*(?:[{_DEGREE}]|degrees?\b)?\s*{re.escape(core)}$", "", text, flags=re.IGNORECASE)
    return text.rstrip(_DEGREE).rstrip()


def _plain_number(text: str) -> float | None:
    if "," in text and "." not in text and text.count(",") == 1:
        text = text.replace(",", ".")  # a decimal comma: 100,4
    elif _THOUSANDS.fullmatch(text) or ("," in text and "." in text and text.index(",") < text.index(".")):
        text = text.replace(",", "")  # 1,000,000 or 1,000.5
    if not _NUMBER.fullmatch(text.lower()):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def read_number(raw: str, unit: str | None = None) -> float | None:
    """The number a learner typed, or None when it is not one.

    Digits with a point or a decimal comma (100.4, 100,4), a sign, an exponent, a fraction (3/4, as jupyterquiz),
    and the question's unit after it are read; spaces are ignored. Anything else is not a number.
    """
    text = unicodedata.normalize("NFKC", raw).replace("\u2212", "-").strip()
    text = _without_unit(text, unit)
    text = "".join(text.split())
    if not text or len(text) > NUMBER_MAX_LENGTH:
        return None
    if text.count("/") == 1:
        top, bottom = (_plain_number(part) for part in text.split("/"))
        return top / bottom if top is not None and bottom else None
    return _plain_number(text)


def numeric_match(question: NumericQuestion, number: float) -> int | None:
    """The first answer (bank order) that holds the number, rounded to the question's precision; None: no answer."""
    x = round_significant(number, question.precision) if question.precision else number
    return next((i for i, a in enumerate(question.answers) if a.matches(x)), None)


def text_match(question: TextQuestion, raw: str) -> int | None:
    """The first answer (bank order) the typed words are, ignoring case (unless the answer says), spaces and end
    marks; None: no answer."""
    return next((i for i, a in enumerate(question.answers)
                 if normal_text(raw, a.match_case) == normal_text(a.text, a.match_case)), None)


def choice_is_right(question: ChoiceQuestion, chosen: frozenset[int]) -> bool:
    return chosen == frozenset(i for i, o in enumerate(question.options) if o.correct)


def matching_marks(question: MatchingQuestion, picked: Sequence[str | None]) -> list[bool]:
    """For each pair, whether the learner picked its match."""
    return [p.match == (picked[i] if i < len(picked) else None) for i, p in enumerate(question.pairs)]


def ordering_marks(question: OrderingQuestion, order: Sequence[int]) -> list[bool]:
    """For each position, whether the step placed there belongs there."""
    return [step == position for position, step in enumerate(order)]


def seeded_order(n: int, seed: str, key: str, avoid_identity: bool = False) -> list[int]:
    """A stable shuffle of range(n) for one learner and one question (same seed, same order on reload)."""
    order = list(range(n))
    rng = random.Random(f"{seed}:{key}")
    rng.shuffle(order)
    if avoid_identity and n > 1 and order == list(range(n)):
        order = order[1:] + order[:1]
    return order


@dataclass
class QuestionRecord:
    """One learner's history with one question: every check, and whether they asked for the answer."""

    question_id: str
    checks: list[bool] = field(default_factory=list)
    answers: list[object] = field(default_factory=list)  # the answer of each check, in bank terms (JSON-able)
    revealed: bool = False

    @property
    def answered(self) -> bool:
        return bool(self.checks) or self.revealed

    @property
    def right_first_time(self) -> bool:
        return bool(self.checks) and self.checks[0]

    @property
    def right_in_the_end(self) -> bool:
        """Got it right by their own answer at some point (showing the answer does not count)."""
        return any(self.checks)


@dataclass(frozen=True)
class Score:
    total: int
    answered: int
    right_first_time: int
    right_in_the_end: int

    @property
    def percent(self) -> int:
        """Percent right in the end (first try or a later try), of all questions."""
        return round(100 * self.right_in_the_end / self.total) if self.total else 0


def score(records: Sequence[QuestionRecord]) -> Score:
    return Score(
        total=len(records),
        answered=sum(r.answered for r in records),
        right_first_time=sum(r.right_first_time for r in records),
        right_in_the_end=sum(r.right_in_the_end for r in records),
    )
