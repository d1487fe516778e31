"""Quizzes teach actions and give no cues to someone who has not read the section (issue: quizzes that teach).

Test-wise learners pick the longest option, or tick everything but the absurd ones; these tests count such cues
across the banks so that a new question cannot quietly bring them back.
"""
from __future__ import annotations

import math
import re

from her2lesson.content.schema import CaseQuestion, ChoiceQuestion

MAX_LONGEST_RIGHT = 0.35  # share of single-choice items whose right option is the only longest one
BLANKET = re.compile(r"\b(all|none) of (the above|these|them)\b", re.IGNORECASE)
DATED = re.compile(r"\bas of\b|\b20[12]\d\b", re.IGNORECASE)


def _choice_items(content):
    """Every choice item with its bank: questions, and each part of a case."""
    for name, bank in content.banks.items():
        for q in bank.questions:
            if isinstance(q, ChoiceQuestion):
                yield name, q.id, q.type, q.options
            elif isinstance(q, CaseQuestion):
                for part in q.parts:
                    yield name, part.id, part.type, part.options


def only_longest_is_right(options) -> bool:
    lengths = [len(o.text) for o in options]
    longest = max(lengths)
    return lengths.count(longest) == 1 and options[lengths.index(longest)].correct


def test_the_right_option_is_seldom_the_only_longest(content):
    singles = [(bank, qid) for bank, qid, kind, options in _choice_items(content)
               if kind == "single" and only_longest_is_right(options)]
    total = sum(1 for _, _, kind, _ in _choice_items(content) if kind == "single")
    assert total >= 20
    assert len(singles) <= MAX_LONGEST_RIGHT * total, \
        f"{len(singles)} of {total} single-choice items have the right option as the only longest: {singles}"


def test_the_longest_rule_is_counted_correctly():
    from her2lesson.content.schema import Option
    cue = (Option(text="A long and careful right answer", correct=True, feedback="x"),
           Option(text="Short", correct=False, feedback="x"))
    fair = (Option(text="Right, of some length", correct=True, feedback="x"),
            Option(text="Wrong, of some lengths", correct=False, feedback="x"))
    assert only_longest_is_right(cue) and not only_longest_is_right(fair)


def test_choose_all_items_are_not_everything_but_one(content):
    """A choose-all item keeps at least two wrong options, and no more right options than wrong ones plus one."""
    bad = []
    for bank, qid, kind, options in _choice_items(content):
        if kind != "multiple":
            continue
        right = sum(o.correct for o in options)
        wrong = len(options) - right
        if wrong < 2 or right > wrong + 1:
            bad.append((bank, qid, right, wrong))
    assert not bad, f"choose-all items with too few wrong options (bank, id, right, wrong): {bad}"


def test_no_blanket_options(content):
    found = [(bank, qid, o.text) for bank, qid, _, options in _choice_items(content) for o in options
             if BLANKET.search(o.text)]
    assert not found, f"'all/none of the above' options: {found}"


def test_at_least_a_third_of_each_sections_patient_items_teach_an_action(content):
    for name, bank in content.banks.items():
        patient = [q for q in bank.questions if q.audience in ("patient", "both")]
        if not patient:
            continue
        actions = [q for q in patient if q.action]
        assert len(actions) >= math.ceil(len(patient) / 3), \
            f"{name}: {len(actions)} of {len(patient)} patient items teach an action; mark them `action: true`"


def test_dates_live_with_the_sources_not_in_question_stems(content):
    dated = [(name, q.id) for name, bank in content.banks.items() for q in bank.questions
             if DATED.search(q.prompt) or (isinstance(q, CaseQuestion) and DATED.search(q.story))]
    assert not dated, f"stems with dates (say the date in data/sources.yaml instead): {dated}"


def test_every_explanation_says_more_than_the_feedback(content):
    """An explanation that only repeats 'right' or the option text does not explain the answer."""
    thin = [(name, q.id) for name, bank in content.banks.items() for q in bank.questions
            if len(q.explanation.split()) < 12]
    assert not thin, f"explanations too short to explain why: {thin}"
