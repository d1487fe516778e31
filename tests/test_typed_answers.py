"""Typed answers, driven from Python as a learner would: a number (the fever threshold) and a short text answer.

Covers grading (decimal comma, units typed, precision, first match wins, half-open ranges), the widget's form
(right, wrong with that answer's feedback and a hint, text that is not a number, the stored answer as typed and
bounded), teach-back (why once right or revealed) and the ledger's replay of the events these questions store.
"""
from __future__ import annotations

import re
from html import unescape

import pytest

from her2lesson.content.schema import NUMBER_MAX_LENGTH, TEXT_MAX_LENGTH, normal_text, round_significant
from her2lesson.quiz import QuizOptions, QuizView, make_view
from her2lesson.quiz.grading import numeric_match, read_number, text_match
from her2lesson.quiz.ledger import replay
from her2lesson.quiz.views import NumericView, TextView
from her2lesson.records import AnswerEvent
from her2lesson.strings import Strings

from .test_quiz import q

EXPLANATION = "Because it is."
FEVER = dict(
    type="numeric", unit="°F", hint="Look at the help card.",
    answers=[{"value": 100.4, "correct": True, "feedback": "Right: call at this number or higher."},
             {"value": 38, "correct": False, "feedback": "That is the number in °C."},
             {"range": [100.4, 115], "correct": False, "feedback": "You would call, but call sooner."},
             {"range": [95, 100.4], "correct": False, "feedback": "Still close to normal."}],
    default_feedback="Look at the help card again.")
PI = dict(type="numeric", precision=3,
          answers=[{"value": 3.14, "correct": True, "feedback": "Yes, 3.14."},
                   {"range": [3, 3.14], "correct": False, "feedback": "A little low."}],
          default_feedback="Pi is a bit more than 3.")
DRUG = dict(type="text", hint="It starts with T.",
            answers=[{"text": "trastuzumab", "correct": True},
                     {"text": "Herceptin", "correct": True, "feedback": "Yes, that is its brand name."},
                     {"text": "tamoxifen", "correct": False, "feedback": "That one blocks estrogen, not HER2."}],
            default_feedback="Think of the first HER2 drug.")
KEYWORD = dict(type="text", answers=[{"text": "def", "correct": True, "match_case": True}],
               default_feedback="A three-letter word.")


@pytest.fixture(scope="module")
def t(content) -> Strings:
    return Strings.for_language(content.strings)


def view_of(fields, t, **opts):
    records = {}
    return make_view(q(**fields), 1, 1, t, QuizOptions(**opts), records), records


def said(view) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", view.form.feedback_html)).split())


def typed_check(view, text: str) -> None:
    """What the page sends when the learner types and presses Enter (or Check): the action with the box's text."""
    view.form.press("check", [text])


# --- grading ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, number", [
    ("100.4", 100.4), ("100,4", 100.4), (" 100.4 ", 100.4), ("100.4 °F", 100.4), ("100.4°F", 100.4),
    ("100.4F", 100.4), ("100.4 degrees F", 100.4), ("100.4°", 100.4), ("+100.40", 100.4), ("−2", -2.0),
    (".5", 0.5), ("3/4", 0.75), ("1e2", 100.0), ("1,000.5", 1000.5), ("1,000,000", 1_000_000.0),
    ("１００", 100.0),
])
def test_numbers_are_read_as_people_type_them(text, number):
    assert read_number(text, "°F") == number


@pytest.mark.parametrize("text", ["", "   ", "abc", "one hundred", "100.4.1", "nan", "inf", "1/0", "38 °C", "1,2,3",
                                  "--1", "1" * (NUMBER_MAX_LENGTH + 1)])
def test_text_that_is_not_a_number_is_none(text):
    assert read_number(text, "°F") is None


def test_the_first_answer_holding_the_number_wins_and_ranges_leave_out_their_high_end():
    fever = q(**FEVER)
    assert numeric_match(fever, 100.4) == 0, "the value comes before the range that starts there"
    assert numeric_match(fever, 100.5) == 2 and numeric_match(fever, 114.99) == 2
    assert numeric_match(fever, 115) is None, "a range includes its low end, not its high end (as jupyterquiz)"
    assert numeric_match(fever, 95) == 3 and numeric_match(fever, 38) == 1 and numeric_match(fever, 20) is None


def test_precision_rounds_the_typed_number_to_significant_digits():
    pi = q(**PI)
    assert round_significant(3.14159, 3) == 3.14
    assert numeric_match(pi, 3.14159) == 0 and numeric_match(pi, 3.1) == 1 and numeric_match(pi, 2.5) is None


def test_text_answers_ignore_case_spaces_and_end_marks_unless_asked():
    drug = q(**DRUG)
    assert text_match(drug, "  Trastuzumab. ") == 0
    assert text_match(drug, "HERCEPTIN!") == 1 and text_match(drug, "her ceptin") is None
    assert text_match(drug, "Tamoxifen") == 2 and text_match(drug, "aspirin") is None
    keyword = q(**KEYWORD)
    assert text_match(keyword, "def") == 0 and text_match(keyword, "DEF") is None, "match_case keeps case"
    assert normal_text("  Two   words?! ") == "two words"


# --- the number question, as a learner meets it -------------------------------------------------------------------
def test_the_number_form_is_a_bounded_box_with_its_unit(t):
    view, _ = view_of(FEVER, t)
    assert isinstance(view, NumericView)
    form = view.form
    assert form.kind == "number" and form.unit == "°F" and form.max_length == NUMBER_MAX_LENGTH
    assert form.legend == view.q.prompt and "Type a number" in form.instruction and form.value == [""]


def test_a_wrong_number_gets_its_own_feedback_and_the_hint_not_the_answer(t):
    view, records = view_of(FEVER, t)
    typed_check(view, "101")
    text = said(view)
    assert "Not quite." in text and "“101”" in text and "You would call, but call sooner." in text
    assert "Look at the help card." in text, "the hint"
    assert EXPLANATION not in text and "100.4" not in text, "neither why nor the answer yet"
    assert view.form.feedback_class == "h2l-wrong" and "&#10007;" in view.form.feedback_html
    assert records["probe"].checks == [False] and records["probe"].answers == ["101"]
    assert view.form.disabled and view.actions == ["retry", "reveal"]


def test_a_number_no_answer_holds_gets_the_default_feedback(t):
    view, _ = view_of(FEVER, t)
    typed_check(view, "20")
    assert "Look at the help card again." in said(view) and "Not quite." in said(view)


def test_a_decimal_comma_is_right_and_why_follows(t):
    view, records = view_of(FEVER, t)
    typed_check(view, "100,4")
    text = said(view)
    assert "Correct." in text and "“100,4”" in text and "Right: call at this number or higher." in text
    assert f"Why: {EXPLANATION}" in text and view.form.feedback_class == "h2l-right"
    assert records["probe"].checks == [True] and records["probe"].answers == ["100,4"], "kept as typed"
    assert view.actions == []


def test_text_that_is_not_a_number_gets_a_message_and_is_not_counted(t):
    view, records = view_of(FEVER, t)
    typed_check(view, "about a hundred")
    assert "That is not a number" in said(view) and view.form.feedback_class == "h2l-info"
    typed_check(view, "   ")
    assert "Type a number first" in said(view)
    assert records["probe"].checks == [] and not view.form.disabled and "check" in view.actions


def test_wrong_then_right_scores_right_in_the_end_only(t):
    view, records = view_of(FEVER, t)
    typed_check(view, "99")
    assert "Still close to normal." in said(view)
    view.press("retry")
    assert not view.form.disabled and view.form.feedback_html == ""
    typed_check(view, "100.4 °F")
    record = records["probe"]
    assert record.checks == [False, True] and not record.right_first_time and record.right_in_the_end


def test_show_answer_gives_the_number_with_its_unit_and_why(t):
    view, records = view_of(FEVER, t)
    typed_check(view, "38")
    assert "That is the number in °C." in said(view)
    view.press("reveal")
    text = said(view)
    assert "Here is the answer:" in text and "100.4 °F" in text and EXPLANATION in text
    assert "38" not in text, "only right answers are shown"
    assert records["probe"].revealed and view.actions == []


def test_a_right_range_is_shown_as_words(t):
    fields = dict(type="numeric", unit="%", answers=[{"range": [15, 21], "correct": True, "feedback": "Yes."}],
                  default_feedback="Think of about one in five.")
    view, _ = view_of(fields, t)
    view.press("reveal")
    assert "from 15 to just under 21 %" in said(view)


def test_the_stored_answer_is_what_the_learner_sent_bounded(t):
    view, records = view_of(FEVER, t)
    view.form.press("check", [{"x": 1}])  # a forged client: not text, so no answer
    view.form.press("check", [None, "100.4"])  # only the first item is the box's text
    view.form.set_state({"unit": "kg", "max_length": 10_000, "value": ["100.4"]})
    assert view.form.unit == "°F" and view.form.max_length == NUMBER_MAX_LENGTH and view.form.value == ["100.4"]
    assert records["probe"].checks == []
    view.form.press("check", ["9" * 10_000])  # cut to the box's length: what is kept is what fits
    assert records["probe"].answers == ["9" * NUMBER_MAX_LENGTH] and records["probe"].checks == [False]
    text, _ = view_of(DRUG, t)
    text.form.press("check", ["x" * 10_000])
    assert text.form.value == ["x" * TEXT_MAX_LENGTH]


def test_the_final_check_gives_one_try_without_hint_or_why(t):
    view, records = view_of(FEVER, t, exam=True)
    assert view.actions == ["check"]
    typed_check(view, "101")
    text = said(view)
    assert "call sooner" in text and "help card." not in text and EXPLANATION not in text
    view.retry()
    assert view.form.disabled and records["probe"].checks == [False]


def test_the_facilitator_holds_a_typed_answer_until_released(t):
    view, _ = view_of(FEVER, t, hold_feedback=True)
    typed_check(view, "100.4")
    assert "facilitator will show" in said(view)
    view.release()
    assert "Right: call at this number or higher." in said(view) and EXPLANATION in said(view)


# --- the short text question ----------------------------------------------------------------------------------
def test_a_text_answer_is_right_whatever_its_case_and_end_marks(t):
    view, records = view_of(DRUG, t)
    assert isinstance(view, TextView) and view.form.kind == "text" and view.form.max_length == TEXT_MAX_LENGTH
    assert "Type a word" in view.form.instruction
    typed_check(view, " HERCEPTIN. ")
    text = said(view)
    assert "Correct." in text and "“HERCEPTIN.”" in text and "Yes, that is its brand name." in text
    assert EXPLANATION in text and records["probe"].answers == [" HERCEPTIN. "]


def test_an_accepted_answer_without_feedback_shows_the_why(t):
    view, _ = view_of(DRUG, t)
    typed_check(view, "trastuzumab")
    assert said(view).startswith("✓ Correct. ✓ “trastuzumab” Why:")


def test_a_known_wrong_text_answer_gets_its_feedback_then_the_default_for_others(t):
    view, records = view_of(DRUG, t)
    typed_check(view, "Tamoxifen")
    assert "That one blocks estrogen, not HER2." in said(view) and "It starts with T." in said(view)
    assert "trastuzumab" not in said(view).lower()
    view.press("retry")
    typed_check(view, "aspirin")
    assert "Think of the first HER2 drug." in said(view)
    view.press("retry")
    typed_check(view, " ?! ")
    assert "Type your answer first" in said(view)
    assert records["probe"].checks == [False, False]
    view.press("reveal")
    assert "trastuzumab" in said(view) and "Herceptin" in said(view) and "tamoxifen" not in said(view)


def test_match_case_is_kept(t):
    view, _ = view_of(KEYWORD, t)
    typed_check(view, "DEF")
    assert "Not quite." in said(view) and "A three-letter word." in said(view)


# --- the ledger: what is stored, and a resumed page -------------------------------------------------------------
def test_the_events_of_a_typed_question_replay_to_the_same_record_and_page(t):
    sent = []
    records = {}
    view = make_view(q(**FEVER), 1, 1, t, QuizOptions(), records, lambda kind, record, answer: sent.append(
        (kind, record.question_id, answer)))
    typed_check(view, "101")
    view.press("retry")
    typed_check(view, "100,4")
    assert sent == [("check", "probe", "101"), ("retry", "probe", None), ("check", "probe", "100,4")], \
        "the listener (and so the store) gets the words as typed"
    events = [AnswerEvent("probe", "check", False, "symptoms", "101", 1.0),
              AnswerEvent("probe", "check", True, "symptoms", "100,4", 2.0)]
    replayed = replay(events)["probe"]
    assert replayed.checks == records["probe"].checks and replayed.answers == records["probe"].answers
    again = make_view(q(**FEVER), 1, 1, t, QuizOptions(), {"probe": replayed})
    assert again.form.value == ["100,4"] and again.form.disabled and "Correct." in said(again)
    assert EXPLANATION in said(again) and again.actions == []


def test_a_resumed_wrong_typed_answer_still_holds_back_why(t):
    replayed = replay([AnswerEvent("probe", "check", False, "causes", "Tamoxifen", 1.0)])
    view = make_view(q(**DRUG), 1, 1, t, QuizOptions(), replayed)
    assert view.form.value == ["Tamoxifen"] and "That one blocks estrogen" in said(view)
    assert EXPLANATION not in said(view) and view.actions == ["retry", "reveal"]


def test_a_stored_answer_that_no_longer_reads_leaves_the_question_open(t):
    replayed = replay([AnswerEvent("probe", "check", True, "causes", {"forged": 1}, 1.0),
                       AnswerEvent("probe", "check", True, "causes", "not a number", 2.0)])
    view = make_view(q(**FEVER), 1, 1, t, QuizOptions(), replayed)
    assert not view.form.disabled and view.form.feedback_html == "" and "check" in view.actions
    assert replayed["probe"].right_in_the_end, "the record says what happened; the page asks again"


def test_a_reveal_event_replays_to_the_answer(t):
    replayed = replay([AnswerEvent("probe", "reveal", None, "causes", None, 1.0)])
    view = make_view(q(**DRUG), 1, 1, t, QuizOptions(), replayed)
    assert "Here is the answer:" in said(view) and view.form.disabled


def test_typed_questions_count_in_a_section_score(t):
    from her2lesson.content.schema import Bank

    bank = Bank(section="probe", questions=(q(**(FEVER | {"id": "fever"})), q(**(DRUG | {"id": "drug"}))))
    quiz = QuizView(bank, "patient", t, QuizOptions())
    fever, drug = quiz.question_views
    assert [fever.form.number, drug.form.number] == ["Question 1 of 2", "Question 2 of 2"]
    typed_check(fever, "101")
    fever.press("retry")
    typed_check(fever, "100.4")
    typed_check(drug, "trastuzumab")
    score = quiz.score()
    assert (score.total, score.answered, score.right_first_time, score.right_in_the_end) == (2, 2, 1, 2)


def test_the_fever_question_in_the_symptoms_bank(content, t):
    question = next(x for x in content.banks["symptoms"].questions if x.type == "numeric")
    assert question.audience == "patient" and question.action and question.unit == "°F"
    assert question.source == "cdc-fever" and "100.4" in question.explanation and "call" in question.explanation.lower()
    view = make_view(question, 1, 1, t, QuizOptions(), {})
    typed_check(view, "100.4")
    assert "Correct." in said(view) and "care team" in said(view)
    for wrong in ("101", "99", "38", "37"):
        view, _ = make_view(question, 1, 1, t, QuizOptions(), {}), None
        typed_check(view, wrong)
        assert "Not quite." in said(view) and "100.4" not in said(view), wrong
