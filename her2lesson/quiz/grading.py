"""What a learner's answer means: pure functions and records, no widgets, so they are fast to test.

Answers are expressed in the bank's own order (option 0 is the bank's first option), whatever order the learner
saw them in: the shuffle is a view concern, and a stored answer must still mean the same after a reload.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Sequence

from ..content.schema import ChoiceQuestion, MatchingQuestion, OrderingQuestion


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
