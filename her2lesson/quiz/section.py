"""A section's self-check: the questions for the learner's track, with a running score."""
from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

import ipywidgets as w

from ..content.plain import TRACK_AUDIENCES, Bank, Content
from ..strings import Strings
from ..widgets.lean import shared_layout
from .grading import QuestionRecord, Score, score
from .ledger import ScoredCheck
from .views import Listener, QuestionView, QuizOptions, make_view, views_records, weight


def questions_for(bank: Bank, track: str, checkpoint: str | None = None) -> list:
    """A track's questions; with a checkpoint name, only that quick check's ("": only the end-of-part check's)."""
    audiences = TRACK_AUDIENCES.get(track, ("patient", "both"))
    return [q for q in bank.questions if q.audience in audiences
            and (checkpoint is None or (q.checkpoint or "") == checkpoint)]


def scored_items(bank: Bank, track: str) -> int:
    """How many answers a bank scores for a track: each case part counts, as each is answered and stored."""
    return sum(map(weight, questions_for(bank, track)))


def scored_check(content: Content) -> ScoredCheck | None:
    """The content's scored bank, with its total for each track that has questions in it (none: no scored check)."""
    bank = content.scored_bank
    if bank is None:
        return None
    totals = {track: n for track in TRACK_AUDIENCES if (n := scored_items(bank, track))}
    return ScoredCheck(bank.section, totals)


def first_numbers(questions: list) -> list[int]:
    """Each question's number counted in scored answers, so "Question n of N" and the score share one N."""
    numbers, next_number = [], 1
    for q in questions:
        numbers.append(next_number)
        next_number += weight(q)
    return numbers


class QuizView:
    def __init__(self, bank: Bank, track: str, strings: Strings, options: QuizOptions,
                 records: dict[str, QuestionRecord] | None = None, listener: Listener | None = None,
                 on_score: Callable[[Score], None] | None = None, title_key: str = "quiz_heading",
                 checkpoint: str | None = None):
        self.bank = bank
        self.t = strings
        self.records = records if records is not None else {}
        self.on_score = on_score
        self._outer_listener = listener
        self.quick = bool(checkpoint)  # a quick check: no running score (one question is not a test)
        questions = questions_for(bank, track, checkpoint)
        total = sum(map(weight, questions))
        self.views = [make_view(q, n, total, strings, options, self.records, self._listen)
                      for q, n in zip(questions, first_numbers(questions))]
        intro = "checkpoint_intro" if checkpoint else "quiz_intro"
        heading = w.HTML(f'<h2 class="h2l-quiz-heading">{escape(strings(title_key))}</h2>'
                         f'<p>{escape(strings(intro))}</p>')
        self.score_line = w.HTML().add_class("h2l-score")
        self.widget = w.VBox([heading] + [v.widget for v in self.views] + [self.score_line],
                             layout=shared_layout(width="100%"))
        self.widget.add_class("h2l-quiz").add_class("h2l-checkpoint" if checkpoint else "h2l-part-check")
        self._update_score()

    @property
    def question_views(self) -> list[QuestionView[Any]]:
        """Every answerable view, with case parts in place of their case."""
        return [a for v in self.views for a in v.answerables]

    def score(self) -> Score:
        return score(views_records(self.views))

    def _listen(self, kind: str, record: QuestionRecord, answer: object) -> None:
        self._update_score()
        if self._outer_listener:
            self._outer_listener(kind, record, answer)

    def _update_score(self) -> None:
        s = self.score()
        self.score_line.value = (
            f'<p>{escape(self.t("score_line", first=s.right_first_time, end=s.right_in_the_end, total=s.total))}</p>'
            if s.answered and not self.quick else "")
        if self.on_score:
            self.on_score(s)

    def release_all(self) -> None:
        for v in self.question_views:
            v.release()
