"""Quiz logic driven from Python, as a learner would: choose, press Check, read the feedback and the score."""
from __future__ import annotations

from html import escape

import pytest
from traitlets import TraitError

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


def click(button):
    button.click()


def pick(view, text):
    """Choose the option with this text, wherever the shuffle put it."""
    index = next(i for i, o in enumerate(view.q.options) if o.text == text)
    if view.q.type == "multiple":
        view.boxes[view.order.index(index)].value = True
    else:
        view.radio.value = index


def test_single_wrong_then_right_counts_right_in_the_end_only(t):
    view, records = view_of(SINGLE, t)
    pick(view, "Beta")
    click(view.check_button)
    assert "Not quite" in view.feedback.html and "Beta is wrong." in view.feedback.html
    assert "Because it is." in view.feedback.html, "the explanation comes with every check"
    assert "h2l-wrong" in view.feedback.css_class
    assert view.radio.disabled and view.retry_button in view.buttons.children
    click(view.retry_button)
    assert not view.radio.disabled and view.feedback.html == ""
    pick(view, "Alpha")
    click(view.check_button)
    assert "Correct" in view.feedback.html and "Alpha is right." in view.feedback.html
    record = records["probe"]
    assert record.checks == [False, True]
    assert not record.right_first_time and record.right_in_the_end


def test_feedback_is_words_and_icon_not_colour_alone(t):
    view, _ = view_of(SINGLE, t)
    pick(view, "Alpha")
    click(view.check_button)
    assert "&#10003;" in view.feedback.html and "Correct." in view.feedback.html


def test_check_without_an_answer_asks_for_one_and_records_nothing(t):
    view, records = view_of(SINGLE, t)
    click(view.check_button)
    assert "Choose an answer first" in view.feedback.html
    assert records["probe"].checks == []


def test_hint_and_show_answer(t):
    view, records = view_of(SINGLE, t)
    click(view.hint_button)
    assert "Starts with A." in view.feedback.html
    click(view.reveal_button)
    assert "Alpha" in view.feedback.html and "Beta" not in view.feedback.html
    assert records["probe"].revealed and not records["probe"].right_in_the_end
    assert view.reveal_button not in view.buttons.children


def test_multiple_partly_right_names_what_was_missed(t):
    view, records = view_of(MULTIPLE, t)
    pick(view, "Red")
    click(view.check_button)
    assert "Not quite" in view.feedback.html and "missed 1" in view.feedback.html
    click(view.retry_button)
    pick(view, "Green")
    click(view.check_button)
    assert "Correct" in view.feedback.html
    assert records["probe"].checks == [False, True]


def test_true_false_keeps_true_before_false(t):
    view, records = view_of(TRUEFALSE, t)
    assert [label for label, _ in view.radio.options] == ["True", "False"]
    pick(view, "False")
    click(view.check_button)
    assert "Yes, false." in view.feedback.html and records["probe"].right_first_time


def test_matching_by_lists_marks_each_line(t):
    view, records = view_of(MATCHING, t)
    assert "aspirin" in [v for _, v in view.dropdowns[0].options]
    view.dropdowns[0].value = "trastuzumab"
    click(view.check_button)
    assert "Pick a match for every line" in view.feedback.html and records["probe"].checks == []
    view.dropdowns[1].value = "tucatinib"
    view.dropdowns[2].value = "capecitabine"
    click(view.check_button)
    html = view.feedback.html
    assert "Not quite" in html and html.count("not a match") == 2
    click(view.retry_button)
    view.dropdowns[1].value = "capecitabine"
    view.dropdowns[2].value = "tucatinib"
    click(view.check_button)
    assert "Correct" in view.feedback.html and records["probe"].checks == [False, True]


def test_ordering_needs_each_position_once(t):
    view, records = view_of(ORDERING, t)
    shown_steps = [view.q.steps[i] for i in view.shown]
    assert shown_steps != list(view.q.steps), "never starts in the right order"
    for d in view.dropdowns:
        d.value = 0
    click(view.check_button)
    assert "different number from 1 to 4" in view.feedback.html and records["probe"].checks == []
    for step_index, d in zip(view.shown, view.dropdowns):
        d.value = step_index
    click(view.check_button)
    assert "Correct" in view.feedback.html and records["probe"].right_first_time


def test_case_parts_are_scored_like_questions(content, t):
    case = next(q for q in content.banks["testing"].questions if q.type == "case")
    records = {}
    view = make_view(case, 1, 1, t, QuizOptions(), records)
    assert escape(case.story) in view.widget.children[0].value
    for part in view.parts:
        right = next(i for i, o in enumerate(part.q.options) if o.correct)
        if part.q.type == "multiple":
            for i, o in enumerate(part.q.options):
                part.boxes[part.order.index(i)].value = o.correct
        else:
            part.radio.value = right
        click(part.check_button)
        assert "Correct" in part.feedback.html
    assert all(records[p.id].right_first_time for p in case.parts)


def test_exam_mode_allows_one_scored_try(t):
    view, records = view_of(SINGLE, t, exam=True)
    assert view.reveal_button not in view.buttons.children and view.hint_button not in view.buttons.children
    pick(view, "Beta")
    click(view.check_button)
    assert view.retry_button not in view.buttons.children
    click(view.retry_button)  # even if a stale button were pressed
    assert view.radio.disabled and records["probe"].checks == [False]


def test_facilitator_hold_keeps_feedback_until_released(t):
    view, records = view_of(SINGLE, t, hold_feedback=True)
    pick(view, "Alpha")
    click(view.check_button)
    assert "facilitator will show" in view.feedback.html and "Alpha is right." not in view.feedback.html
    view.release()
    assert "Alpha is right." in view.feedback.html


def test_shuffle_is_stable_per_learner_and_differs_between_learners():
    assert seeded_order(6, "learner-a", "q1") == seeded_order(6, "learner-a", "q1")
    orders = {tuple(seeded_order(6, f"learner-{k}", "q1")) for k in range(10)}
    assert len(orders) > 1


def test_values_from_the_browser_are_validated(t):
    view, records = view_of(SINGLE, t)
    with pytest.raises(TraitError):  # ipywidgets refuses an index it did not offer; nothing reaches our state
        view.radio.index = 99
    view.set_answer([99, "x", None])
    click(view.check_button)
    assert records["probe"].checks == []
    matching, mrecords = view_of(MATCHING, t)
    matching.set_answer(["<script>", 5])
    assert all(d.value is None for d in matching.dropdowns)


def test_section_quiz_scores_first_time_apart_from_in_the_end(content, t):
    quiz = QuizView(content.banks["causes"], "patient", t, QuizOptions(seed="s"))
    views = quiz.question_views
    for k, v in enumerate(views[:2]):
        if v.q.type in ("single", "truefalse"):
            wrong = next(i for i, o in enumerate(v.q.options) if not o.correct)
            right = next(i for i, o in enumerate(v.q.options) if o.correct)
            v.radio.value = wrong if k == 0 else right
            click(v.check_button)
            if k == 0:
                click(v.retry_button)
                v.radio.value = right
                click(v.check_button)
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
