"""A cohort's results: which questions were missed most, and how far each learner got.

Pure functions over rows the store read, so the numbers can be checked on a known set of answers. Each learner's
events are read by `quiz.ledger.replay`, the same reading the learner's page and certificate use: "right first
time" is the first Check being right; "right in the end" is any Check being right (showing the answer does not
count); a learner "answered" a question if they checked or revealed it; a final check started again counts from
its new start. The final-check score is on first answers, as the certificate's is.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..quiz.grading import QuestionRecord
from ..quiz.ledger import ScoredCheck, final_reset_at, replay
from .codes import grouped, short
from .models import Cohort


@dataclass(frozen=True)
class QuestionStats:
    question_id: str
    section: str
    learners: int
    """Learners who checked or revealed it."""
    attempts: int
    """Presses of Check, by everyone."""
    right_first_time: int
    right_in_the_end: int

    @property
    def first_rate(self) -> float:
        return self.right_first_time / self.learners if self.learners else 0.0

    @property
    def end_rate(self) -> float:
        return self.right_in_the_end / self.learners if self.learners else 0.0


@dataclass(frozen=True)
class LearnerProgress:
    resume_code: str
    """Internal: never shown to educators, since the code opens the learner's record (see `label`)."""
    track: str
    sections_visited: int
    questions_answered: int
    final_right: int
    """Final-check questions right on the first try (the certificate's rule)."""
    final_answered: int
    final_total: int | None
    """How many questions the final check has, when known; otherwise the score is out of those answered."""
    last_seen: float
    lang: str = "en"
    """The language the learner chose (from their saved state)."""

    @property
    def label(self) -> str:
        """What educators see: the code's first letters, enough for a learner to recognise, not enough to use."""
        return short(self.resume_code)

    @property
    def final_percent(self) -> int | None:
        """The final-check score in percent, or None if they have not started it."""
        if not self.final_answered:
            return None
        total = self.final_total or self.final_answered
        return round(100 * self.final_right / total)


@dataclass(frozen=True)
class LearnerRow:
    """What results need of one learner, as the store read it."""

    id: int
    resume_code: str
    track: str
    state_json: str
    last_seen: float


@dataclass(frozen=True)
class EventRow:
    learner_id: int
    section: str
    question_id: str
    kind: str
    correct: bool | None
    at: float = 0.0


QUESTION_HEADER = ("question", "question_text", "section", "learners_answering", "attempts", "right_first_time",
                   "right_first_time_percent", "right_in_the_end", "right_in_the_end_percent")
LEARNER_HEADER = ("learner", "track", "language", "sections_visited", "questions_answered", "final_check_right",
                  "final_check_answered", "final_check_total", "final_check_percent")


def question_prompts(content: Any) -> dict[str, str]:
    """Question id -> its prompt, for every question and case part of a loaded content (its `banks`).

    Results name questions by these words: an educator reads "Which statement best describes...", not an id.
    """
    out: dict[str, str] = {}
    for bank in getattr(content, "banks", {}).values():
        for q in bank.questions:
            out[q.id] = q.prompt
            out.update((a.id, a.prompt) for a in q.answerables)
    return out


def _lang(state_json: str) -> str:
    try:
        lang = json.loads(state_json).get("lang", "en")
    except (ValueError, AttributeError):
        return "en"
    return lang[:16] if isinstance(lang, str) and lang else "en"


def _visited(state_json: str) -> int:
    try:
        visited = json.loads(state_json).get("visited", [])
    except (ValueError, AttributeError):
        return 0
    return len({v for v in visited if isinstance(v, str)}) if isinstance(visited, list) else 0


def _cell(value: object) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _percent(rate: float) -> str:
    return f"{100 * rate:.1f}"


@dataclass(frozen=True)
class CohortResults:
    cohort: Cohort
    questions: list[QuestionStats]
    """Most missed first: lowest right-first-time rate, then lowest right-in-the-end rate."""
    learners: list[LearnerProgress]
    prompts: Mapping[str, str] = field(default_factory=dict)
    """Question id -> its words, from the content (see question_prompts); empty if the content was not at hand."""

    def prompt(self, question_id: str) -> str:
        """The question's words, or "" for a question no longer in the content."""
        return self.prompts.get(question_id, "")

    def questions_csv(self) -> str:
        return _csv(QUESTION_HEADER, ((q.question_id, self.prompt(q.question_id), q.section, q.learners, q.attempts,
                                       q.right_first_time, _percent(q.first_rate), q.right_in_the_end,
                                       _percent(q.end_rate))
                                      for q in self.questions))

    def learners_csv(self) -> str:
        return _csv(LEARNER_HEADER, ((p.label, p.track, p.lang, p.sections_visited, p.questions_answered,
                                      p.final_right, p.final_answered, p.final_total, p.final_percent)
                                     for p in self.learners))

    def to_csv(self, path: Path) -> list[Path]:
        """Write the two tables as two files beside `path`: `<stem>-questions.csv` and `<stem>-learners.csv`.

        Two files rather than two tables in one, so that a spreadsheet or pandas opens each as it is.
        """
        path = Path(path)
        stem = path.stem if path.suffix.lower() == ".csv" else path.name
        written = []
        for part, text in (("questions", self.questions_csv()), ("learners", self.learners_csv())):
            target = path.with_name(f"{stem}-{part}.csv")
            target.write_text(text, encoding="utf-8", newline="")
            written.append(target)
        return written


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_cell(v) for v in row] for row in rows)
    return out.getvalue()


def summarise(cohort: Cohort, learners: Sequence[LearnerRow], events: Iterable[EventRow],
              scored: ScoredCheck | None = None, lang: str | None = None) -> CohortResults:
    """Results from the cohort's learners and their answer events (in the order they happened).

    `scored` names the content's scored check and its totals (from `quiz.section.scored_check`); without it no
    answer counts as a final-check answer. With `lang`, only the learners who chose that language count."""
    by_learner: dict[int, list[EventRow]] = {}
    sections: dict[str, str] = {}
    for e in events:
        by_learner.setdefault(e.learner_id, []).append(e)
        sections.setdefault(e.question_id, e.section)

    per_question: dict[str, list[QuestionRecord]] = {}
    progress = []
    for row in learners:
        chosen = _lang(row.state_json)
        if lang is not None and chosen != lang:
            continue
        records = replay(by_learner.get(row.id, []), final_reset_at(row.state_json), scored)
        for qid, record in records.items():
            per_question.setdefault(qid, []).append(record)
        final = [r for qid, r in records.items() if scored is not None and sections[qid] == scored.section]
        progress.append(LearnerProgress(resume_code=grouped(row.resume_code), track=row.track,
                                        sections_visited=_visited(row.state_json), questions_answered=len(records),
                                        final_right=sum(r.right_first_time for r in final), final_answered=len(final),
                                        final_total=scored.total(row.track) if scored else None,
                                        last_seen=row.last_seen, lang=chosen))
    progress.sort(key=lambda p: p.resume_code)

    questions = [QuestionStats(question_id=qid, section=sections[qid], learners=len(rs),
                               attempts=sum(len(r.checks) for r in rs),
                               right_first_time=sum(r.right_first_time for r in rs),
                               right_in_the_end=sum(r.right_in_the_end for r in rs))
                 for qid, rs in per_question.items()]
    questions.sort(key=lambda q: (q.first_rate, q.end_rate, -q.learners, q.question_id))
    return CohortResults(cohort=cohort, questions=questions, learners=progress)
