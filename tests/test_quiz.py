"""Quiz logic driven from Python, as a learner would: choose, press Check, read the feedback and the score."""
from __future__ import annotations

from html import escape

import pytest

from her2lesson.content.schema import QUESTION
from her2lesson.quiz import QuizOptions, QuizView, make_view
from her2lesson.quiz.grading import seeded_order
from her2lesson.strings import Strings


@pytest.fixture(scope="module")
def t(content) -> Strings:
    return Strings.for_language(content.strings)


def q(**fields):
    base = {"id": "probe", "audience": "both", "prompt": "Which?", "explanation": "Because it is.", "source": "article"}
    return QUESTION.validate_python(base | fields)


def opt(text, correct, feedback=None):
    return {"text": text, "correct": correct, "feedback": feedback or f"{text} feedback"}


SINGLE = dict(type="single", options=[opt("Alpha", True, "Alpha is right."), opt("Beta", False, "Beta is wrong."),
                                      opt("Gamma", False)], hint="Starts with A.")
MULTIPLE = dict(type="multiple", options=[opt("Red", True), opt("Green", True), opt("Blue", False)])
TRUEFALSE = dict(type="truefalse", options=[opt("True", False, "It is false."), opt("False", True, "Yes, false.")])
MATCHING = dict(type="matching", pairs=[{"item": "Herceptin", "match": "trastuzumab"},
                                        {"item": "Xeloda", "match": "capecitabine"},
                                        {"item": "Tukysa", "match": "tucatinib"}], distractors=["aspirin"])
ORDERING = dict(type="ordering", steps=["Biopsy", "IHC test", "ISH if 2+", "Result"])


def view_of(fields, t, **opts):
    records = {}
    return make_view(q(**fields), 1, 1, t, QuizOptions(**opts), records), records


def pick(view, text):
    """Choose the option with this text, wherever the shuffle put it."""
    index = view.order.index(next(i for i, o in enumerate(view.q.options) if o.text == text))
    view.form.value = (view.form.value + [index]) if view.q.type == "multiple" else [index]


def test_single_wrong_then_right_counts_right_in_the_end_only(t):
    view, records = view_of(SINGLE, t)
    pick(view, "Beta")
    view.press("check")
    assert "Not quite" in view.form.feedback_html and "Beta is wrong." in view.form.feedback_html
    assert "Starts with A." in view.form.feedback_html, "a wrong try gets the hint"
    assert "Because it is." not in view.form.feedback_html, "not the answer: the explanation waits"
    assert view.form.feedback_class == "h2l-wrong"
    assert view.form.disabled and "retry" in view.actions
    view.press("retry")
    assert not view.form.disabled and view.form.feedback_html == ""
    pick(view, "Alpha")
    view.press("check")
    assert "Correct" in view.form.feedback_html and "Alpha is right." in view.form.feedback_html
    assert "Because it is." in view.form.feedback_html, "right: now the reason why"
    record = records["probe"]
    assert record.checks == [False, True]
    assert not record.right_first_time and record.right_in_the_end


def test_feedback_is_words_and_icon_not_colour_alone(t):
    view, _ = view_of(SINGLE, t)
    pick(view, "Alpha")
    view.press("check")
    assert "&#10003;" in view.form.feedback_html and "Correct." in view.form.feedback_html


def test_check_without_an_answer_asks_for_one_and_records_nothing(t):
    view, records = view_of(SINGLE, t)
    view.press("check")
    assert "Choose an answer first" in view.form.feedback_html
    assert records["probe"].checks == []


def test_hint_and_show_answer(t):
    view, records = view_of(SINGLE, t)
    view.press("hint")
    assert "Starts with A." in view.form.feedback_html
    view.press("reveal")
    assert "Alpha" in view.form.feedback_html and "Beta" not in view.form.feedback_html
    assert records["probe"].revealed and not records["probe"].right_in_the_end
    assert "reveal" not in view.actions


def test_multiple_partly_right_names_what_was_missed(t):
    view, records = view_of(MULTIPLE, t)
    pick(view, "Red")
    view.press("check")
    assert "Not quite" in view.form.feedback_html and "missed 1" in view.form.feedback_html
    view.press("retry")
    pick(view, "Green")
    view.press("check")
    assert "Correct" in view.form.feedback_html
    assert records["probe"].checks == [False, True]


def test_true_false_keeps_true_before_false(t):
    view, records = view_of(TRUEFALSE, t)
    assert view.form.options == ["True", "False"] and view.form.kind == "single"
    pick(view, "False")
    view.press("check")
    assert "Yes, false." in view.form.feedback_html and records["probe"].right_first_time


def test_matching_by_lists_marks_each_line(t):
    view, records = view_of(MATCHING, t)
    assert all("aspirin" in row["choices"] for row in view.form.rows)
    view.set_answer(["trastuzumab"])
    view.press("check")
    assert "Pick a match for every line" in view.form.feedback_html and records["probe"].checks == []
    view.set_answer(["trastuzumab", "tucatinib", "capecitabine"])
    view.press("check")
    html = view.form.feedback_html
    assert "Not quite" in html and html.count("not a match") == 2
    view.press("retry")
    view.set_answer(["trastuzumab", "capecitabine", "tucatinib"])
    view.press("check")
    assert "Correct" in view.form.feedback_html and records["probe"].checks == [False, True]


def test_ordering_needs_each_position_once(t):
    view, records = view_of(ORDERING, t)
    shown_steps = [row["label"] for row in view.form.rows]
    assert shown_steps != list(view.q.steps), "never starts in the right order"
    view.form.value = [0] * 4
    view.press("check")
    assert "different number from 1 to 4" in view.form.feedback_html and records["probe"].checks == []
    view.form.value = list(view.shown)  # the step shown in row r belongs at place shown[r]
    view.press("check")
    assert "Correct" in view.form.feedback_html and records["probe"].right_first_time


def test_case_parts_are_scored_like_questions(content, t):
    case = next(q for q in content.banks["testing"].questions if q.type == "case")
    records = {}
    view = make_view(case, 1, 1, t, QuizOptions(), records)
    assert escape(case.story) in view.widget.children[0].value
    for part in view.parts:
        part.set_answer([i for i, o in enumerate(part.q.options) if o.correct])
        part.press("check")
        assert "Correct" in part.form.feedback_html
    assert all(records[p.id].right_first_time for p in case.parts)


def test_exam_mode_allows_one_scored_try(t):
    view, records = view_of(SINGLE, t, exam=True)
    assert view.actions == ["check"], "no hint and no show-answer in the final check"
    pick(view, "Beta")
    view.press("check")
    assert view.actions == []
    view.form._message(view.form, {"action": "retry"}, None)  # a forged or stale press
    view.retry()
    assert view.form.disabled and records["probe"].checks == [False]


def test_facilitator_hold_keeps_feedback_until_released(t):
    view, records = view_of(SINGLE, t, hold_feedback=True)
    pick(view, "Alpha")
    view.press("check")
    assert "facilitator will show" in view.form.feedback_html and "Alpha is right." not in view.form.feedback_html
    view.release()
    assert "Alpha is right." in view.form.feedback_html


def test_shuffle_is_stable_per_learner_and_differs_between_learners():
    assert seeded_order(6, "learner-a", "q1") == seeded_order(6, "learner-a", "q1")
    orders = {tuple(seeded_order(6, f"learner-{k}", "q1")) for k in range(10)}
    assert len(orders) > 1


def test_values_from_the_browser_are_validated(t):
    view, records = view_of(SINGLE, t)
    form = view.form
    form._message(form, {"action": "check", "answer": [99, "x", None, True, -1]}, None)  # hostile client
    assert form.value == [] and records["probe"].checks == []
    form._message(form, {"action": "check", "answer": "not a list"}, None)
    form._message(form, "not a dict", None)
    form._message(form, {"action": "drop-tables"}, None)
    assert records["probe"].checks == []
    form._message(form, {"action": "check", "answer": [0, 1]}, None)  # two picks on a single choice: the last counts
    assert len(records["probe"].checks) == 1
    matching, _ = view_of(MATCHING, t)
    matching.form._message(matching.form, {"action": "check", "answer": ["<script>", 5, 99]}, None)
    assert matching.form.value == [None, None, None]


def test_section_quiz_scores_first_time_apart_from_in_the_end(content, t):
    quiz = QuizView(content.banks["causes"], "patient", t, QuizOptions(seed="s"))
    views = quiz.question_views
    for k, v in enumerate(views[:2]):
        if v.q.type in ("single", "truefalse"):
            wrong = next(i for i, o in enumerate(v.q.options) if not o.correct)
            right = next(i for i, o in enumerate(v.q.options) if o.correct)
            v.set_answer([wrong if k == 0 else right])
            v.press("check")
            if k == 0:
                v.press("retry")
                v.set_answer([right])
                v.press("check")
    score = quiz.score()
    assert score.total == len(views) and score.answered >= 1
    assert score.right_in_the_end >= score.right_first_time
    assert "right the first time" in quiz.score_line.value


def test_tracks_filter_questions_by_audience(content, t):
    nurse = QuizView(content.banks["testing"], "nurse", t, QuizOptions())
    patient = QuizView(content.banks["testing"], "patient", t, QuizOptions())
    assert all(v.q.audience in ("nurse", "both") for v in nurse.views)
    assert all(v.q.audience in ("patient", "both") for v in patient.views)
    assert len(nurse.views) != len(patient.views)


def test_a_resumed_question_shows_its_last_answer_and_feedback(t):
    view, records = view_of(SINGLE, t)
    pick(view, "Beta")
    view.press("check")
    again = make_view(q(**SINGLE), 1, 1, t, QuizOptions(), records)
    assert again.form.disabled and "Beta is wrong." in again.form.feedback_html
    assert again.chosen() == view.chosen() and "retry" in again.actions
    view.press("reveal")
    shown = make_view(q(**SINGLE), 1, 1, t, QuizOptions(), records)
    assert "Here is the answer" in shown.form.feedback_html and "reveal" not in shown.actions


def test_the_browser_can_change_the_answer_but_not_the_options_or_buttons(t):
    view, records = view_of(SINGLE, t)
    view.form.set_state({"options": ["x"], "buttons": [{"action": "reveal", "label": "x", "primary": True}],
                         "value": [0]})
    assert view.form.options == [o.text for o in (view.q.options[i] for i in view.order)]
    assert view.actions == ["check", "hint", "reveal"] and view.form.value == [0]


def test_typed_text_is_bounded_on_the_server():
    from her2lesson.widgets import TextEntry

    got = []
    entry = TextEntry(on_add=got.append, max_length=10)
    entry._message(entry, {"action": "add", "text": "x" * 10_000}, None)
    entry.set_state({"max_length": 10_000})
    assert got == ["x" * 10] and entry.max_length == 10
