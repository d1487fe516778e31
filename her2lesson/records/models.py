"""What the store hands back: plain frozen records, so callers (dashboard, CLI, tests) never touch SQL rows."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

AnswerKind = Literal["check", "reveal"]
ANSWER_KINDS: tuple[str, ...] = ("check", "reveal")


@dataclass(frozen=True)
class Learner:
    id: int
    resume_code: str
    """Shown in groups of three ("K7M-4QX-9TD"); lookups ignore case, spaces and dashes."""
    track: str
    cohort_id: int | None
    created_at: float
    last_seen: float
    """Seconds since the epoch; `purge` removes learners not seen for a given number of days."""


@dataclass(frozen=True)
class Cohort:
    id: int
    name: str
    join_code: str
    """Goes in the link learners open: `/?cohort=JOIN_CODE`."""
    educator_code: str = ""
    """Opens the results. Stored only as a hash, so it is known only at creation or to whoever looked it up."""


@dataclass(frozen=True)
class AnswerEvent:
    """One press of Check or Show answer, as it happened; events are never changed, only erased with the learner."""

    question_id: str
    kind: AnswerKind
    correct: bool | None
    """For a check: was the answer right. For a reveal: None."""
    section: str = ""
    answer: Any = None
    """What was on screen (JSON), in the bank's own option order."""
    at: float = 0.0


@dataclass(frozen=True)
class LearnerRecord:
    """Everything needed to resume: the learner, their saved state and every answer event in order."""

    learner: Learner
    state: dict[str, Any] = field(default_factory=dict)
    answers: list[AnswerEvent] = field(default_factory=list)


@dataclass(frozen=True)
class IssuedCertificate:
    """A certificate as the records keep it, so that its ID can be checked later; never the name itself."""

    id: str
    """Shown in groups of four ("K7M4-QX9T-D2A8"); lookups ignore case, spaces and dashes."""
    issued: date
    score: int
    pass_mark: int
    provider: str
    """Who issued it, as set when it was issued (the server's setting may change later)."""
    contact_hours: float
    name_digest: str = field(default="", repr=False)
    """A salted, slow hash of the name as typed: enough to confirm a name a verifier types, not to read it back."""
