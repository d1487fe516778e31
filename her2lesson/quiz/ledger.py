"""What a learner's answer events mean, read in one place.

The page that resumes a learner, the certificate's score and the educator's class results all replay the same
events here, so they cannot disagree (a nurse who failed and retook the final check once saw 52% and "not passed"
while the educator's results said 100%: the results had re-read the events by rules of their own).

Rules: events count in the order they happened. An event of the scored check (the bank the content marks
`scored: true`) at or before the moment the learner chose to take it again belongs to the earlier try and is left
out. A check adds one try (right or not) and the
answer shown; showing the answer marks the question revealed. The scores then follow `quiz.grading`.

The answer kept is the one the learner gave, in the bank's terms: option indexes for a choice, the matches picked,
step indexes by position, or, for a typed question (a number or a short text), the text exactly as sent, cut to the
box's length (40 characters for a number, 100 for a text). A resumed page grades that text again, so "100,4" stays
what the learner wrote even if the bank's answers change.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from .grading import QuestionRecord

RESET_KEY = "final_reset_at"  # in the learner's saved state: when they last started the final check again


class Event(Protocol):
    """An answer event as replay() reads it (read-only, so frozen records such as AnswerEvent and EventRow fit)."""

    @property
    def question_id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def correct(self) -> bool | None: ...
    @property
    def section(self) -> str: ...
    @property
    def at(self) -> float: ...


def final_reset_at(state: Mapping | str | None) -> float:
    """When the learner last started the final check again (0: never), from their saved state or its JSON."""
    if isinstance(state, str):
        try:
            state = json.loads(state)
        except ValueError:
            return 0.0
    value = state.get(RESET_KEY) if isinstance(state, Mapping) else None
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


@dataclass(frozen=True)
class ScoredCheck:
    """The content's scored check as the ledger and the results read it: which bank, and how many answers it scores
    for each track that takes it (a case's parts count one each). The store and the results hold no bank name."""

    section: str
    totals: Mapping[str, int] = field(default_factory=dict)

    def total(self, track: str) -> int | None:
        return self.totals.get(track)


def replay(events: Iterable[Event], reset_at: float = 0.0,
           scored: ScoredCheck | None = None) -> dict[str, QuestionRecord]:
    """Question id -> the learner's record of it, from their events in order (see the module's rules)."""
    records: dict[str, QuestionRecord] = {}
    for event in events:
        if scored is not None and event.section == scored.section and event.at <= reset_at:
            continue  # an earlier try at the final check
        record = records.setdefault(event.question_id, QuestionRecord(event.question_id))
        if event.kind == "check":
            record.checks.append(bool(event.correct))
            record.answers.append(getattr(event, "answer", None))
        elif event.kind == "reveal":
            record.revealed = True
    return records
