"""What a learner did on the page, as typed, frozen events: the one thing the dashboard tells its listener.

The dashboard emits these; the learner session (session.py) stores them; tests collect them. A listener is one
callable taking one event, so the meaning of an event is its class, not a string to dispatch on.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class TrackChosen:
    track: str


@dataclass(frozen=True)
class PartVisited:
    section: str


@dataclass(frozen=True)
class Answered:
    """A Check, a Show answer or a Try again, with the answer the browser sent (what is graded is what is stored)."""

    section: str
    question: str
    action: str  # "check" | "reveal" | "retry"
    correct: bool | None = None
    answer: Any = None


@dataclass(frozen=True)
class FinalCheckRestarted:
    """The learner chose to take the scored final check again: earlier answers to it stop counting."""


@dataclass(frozen=True)
class QuestionsChanged:
    questions: tuple[str, ...]
    own: tuple[str, ...] = ()
    keep_own: bool = False


@dataclass(frozen=True)
class PlanChanged:
    plan: tuple[str, ...]


@dataclass(frozen=True)
class PhonesChanged:
    phones: dict[str, str] = field(default_factory=dict)


LearnerEvent = TrackChosen | PartVisited | Answered | FinalCheckRestarted | QuestionsChanged | PlanChanged | \
    PhonesChanged
EventListener = Callable[[LearnerEvent], None]
