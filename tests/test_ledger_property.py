"""The ledger's promise, tested on random learners: what the live page shows is what a resumed page shows.

Random sequences of checks (right or wrong), Show answer, Try again and retakes of the final check are played on a
live dashboard; the events it emits are then replayed the way a resumed page, the certificate and the educator's
results read them (quiz.ledger.replay). The records and scores must agree, question by question and part by part.
"""
from __future__ import annotations

import random

import pytest

from her2lesson.dashboard import Dashboard
from her2lesson.dashboard.events import Answered, FinalCheckRestarted
from her2lesson.quiz.ledger import RESET_KEY
from her2lesson.quiz.views import ChoiceView
from her2lesson.records.models import AnswerEvent

FINAL = "final-check"  # data/questions/final-check.yaml: the bank marked `scored: true`
BANKS = ("testing", FINAL)  # a teaching bank and the scored one (the only one with retakes), on the nursing track


class Recorder:
    """Stands in for the learner's record: answer events with their time, and when the final was restarted."""

    def __init__(self) -> None:
        self.clock = 0.0
        self.events: list[AnswerEvent] = []
        self.reset_at = 0.0

    def __call__(self, event) -> None:
        self.clock += 1.0
        if isinstance(event, Answered) and event.action in ("check", "reveal"):
            self.events.append(AnswerEvent(event.question, event.action, event.correct, event.section,
                                           event.answer, self.clock))
        elif isinstance(event, FinalCheckRestarted):
            self.reset_at = self.clock


def _choice_views(dashboard: Dashboard, bank: str) -> list[ChoiceView]:
    return [v for v in dashboard.quizzes[bank].question_views if isinstance(v, ChoiceView)]


def _play(dashboard: Dashboard, rng: random.Random, steps: int) -> None:
    for _ in range(steps):
        bank = rng.choice(BANKS)
        dashboard.go(dashboard.position_of(bank))
        if bank == FINAL and rng.random() < 0.08:
            dashboard.retake_final()
            continue
        view = rng.choice(_choice_views(dashboard, bank))
        action = rng.choices(["check", "reveal", "retry"], weights=[6, 1, 2])[0]
        if action == "check":
            count = len(view.q.options)
            picked = rng.sample(range(count), rng.randint(1, count)) if view.q.type == "multiple" else \
                [rng.randrange(count)]
            view.form.value = picked
        view.press(action)


@pytest.mark.parametrize("seed", range(20))
def test_random_learners_get_the_same_progress_live_and_after_replay(content, seed):
    rng = random.Random(seed)
    recorder = Recorder()
    live = Dashboard(content, params={"track": "nurse", "section": "testing"}, listener=recorder, seed=f"s{seed}")
    _play(live, rng, steps=60)

    resumed = Dashboard(content, params={}, seed=f"s{seed}")
    resumed.restore({"track": "nurse", "section": "testing", "visited": list(BANKS), "seed": f"s{seed}",
                     RESET_KEY: recorder.reset_at}, recorder.events)
    for bank in BANKS:
        resumed.go(resumed.position_of(bank))
        live.go(live.position_of(bank))
        for mine, theirs in zip(live.quizzes[bank].question_views, resumed.quizzes[bank].question_views):
            a, b = mine.record, theirs.record
            assert (a.checks, a.revealed, a.answers) == (b.checks, b.revealed, b.answers), (seed, a.question_id)
        assert live.quizzes[bank].score() == resumed.quizzes[bank].score(), (seed, bank)
