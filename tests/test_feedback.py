"""Feedback that teaches: a wrong try gets the option's meaning and a hint, "Why" waits until the learner is right
or asks; the words read cleanly (no doubled marks, real plurals); question numbers agree with the score."""
from __future__ import annotations

import re
from html import unescape

import pytest

from her2lesson.content.schema import Bank
from her2lesson.dashboard.finish import FinishPanel
from her2lesson.quiz import QuizOptions, QuizView, make_view
from her2lesson.quiz.section import scored_items
from her2lesson.quiz.wording import after_verdict
from her2lesson.settings import LessonSettings
from her2lesson.strings import Strings

from .test_quiz import SINGLE, opt, pick, q

EXPLANATION = "Because it is."
HINT = "Starts with A."
SINGLE = dict(type="single", hint=HINT,
              options=[opt("Alpha", True, "Correct. Alpha is right."), opt("Beta", False, "Not quite. Beta is wrong."),
                       opt("Gamma", False)])
NO_HINT = SINGLE | {"hint": None}
ENDINGS = dict(type="multiple", options=[opt("A blood sample.", False, "Not quite. The test needs tumor cells."),
                                         opt("Is it the tumor?", True, "Yes. The lab reads the cells."),
                                         opt("The tumor!", True, "Right. Same answer, said with feeling.")])


@pytest.fixture(scope="module")
def t(content) -> Strings:
    return Strings.for_language(content.strings)


def view_of(fields, t, **opts):
    records = {}
    return make_view(q(**fields), 1, 1, t, QuizOptions(**opts), records), records


def text_of(html: str) -> str:
    """What a reader hears: the words, without tags."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def answered(fields, t, *choices, **opts):
    view, records = view_of(fields, t, **opts)
    for choice in choices:
        pick(view, choice)
    view.press("check")
    return view, records


# --- what a try shows ---------------------------------------------------------------------------------------------
def test_a_wrong_first_try_shows_the_options_feedback_and_the_hint_not_the_answer(t):
    view, _ = answered(SINGLE, t, "Beta")
    said = text_of(view.form.feedback_html)
    assert "Not quite." in said and "Beta is wrong." in said and HINT in said
    assert EXPLANATION not in said and "Why:" not in said and "Source:" not in said
    assert "Alpha" not in said, "the right option is not named"
    assert view.actions == ["retry", "reveal"], "Try again and Show answer stay on offer"


def test_a_wrong_try_without_a_hint_shows_the_feedback_alone(t):
    view, _ = answered(NO_HINT, t, "Gamma")
    said = text_of(view.form.feedback_html)
    assert "Gamma feedback" in said and "Hint" not in said and EXPLANATION not in said


def test_a_right_try_shows_why_and_the_source(t):
    view, _ = answered(SINGLE, t, "Alpha")
    said = text_of(view.form.feedback_html)
    assert f"Why: {EXPLANATION}" in said and "Source:" in said and HINT not in said


def test_right_after_a_wrong_try_shows_why(t):
    view, records = answered(SINGLE, t, "Beta")
    view.press("retry")
    pick(view, "Alpha")
    view.press("check")
    assert EXPLANATION in view.form.feedback_html and records["probe"].checks == [False, True]


def test_show_answer_after_a_wrong_try_shows_the_answer_and_why(t):
    view, records = answered(SINGLE, t, "Beta")
    view.press("reveal")
    said = text_of(view.form.feedback_html)
    assert "Here is the answer:" in said and "Alpha" in said and EXPLANATION in said
    assert records["probe"].revealed and view.actions == []


def test_a_resumed_wrong_try_still_holds_back_why(t):
    view, records = answered(SINGLE, t, "Beta")
    again = make_view(q(**SINGLE), 1, 1, t, QuizOptions(), records)
    assert HINT in again.form.feedback_html and EXPLANATION not in again.form.feedback_html
    assert again.actions == ["retry", "reveal"]


def test_the_final_check_gives_no_hint_and_no_answer_on_a_wrong_try(t):
    view, _ = answered(SINGLE, t, "Beta", exam=True)
    said = text_of(view.form.feedback_html)
    assert "Beta is wrong." in said and HINT not in said and EXPLANATION not in said
    wrong_multiple, _ = answered(ENDINGS, t, "The tumor!", exam=True)
    assert "Try again" not in wrong_multiple.form.feedback_html, "no retry to point to in the final check"


def test_the_facilitators_release_shows_why(t):
    view, _ = answered(SINGLE, t, "Beta", hold_feedback=True)
    assert EXPLANATION not in view.form.feedback_html
    view.release()
    assert "Beta is wrong." in view.form.feedback_html and EXPLANATION in view.form.feedback_html


def test_feedback_is_announced_in_words_with_an_icon(t):
    for choice, icon, words, cls in (("Alpha", "&#10003;", "Correct.", "h2l-right"),
                                     ("Beta", "&#10007;", "Not quite.", "h2l-wrong")):
        view, _ = answered(SINGLE, t, choice)
        verdict = re.search(r'<p class="h2l-verdict">(.*?)</p>', view.form.feedback_html).group(1)
        assert icon in verdict and words in verdict and view.form.feedback_class == cls


# --- clean words --------------------------------------------------------------------------------------------------
def test_the_verdict_is_said_once(t):
    wrong, _ = answered(SINGLE, t, "Beta")
    assert text_of(wrong.form.feedback_html).count("Not quite") == 1
    right, _ = answered(SINGLE, t, "Alpha")
    assert text_of(right.form.feedback_html).count("Correct") == 1
    assert "Alpha is right." in right.form.feedback_html


@pytest.mark.parametrize("action", ["check", "reveal"])
def test_options_ending_in_punctuation_get_no_second_mark(t, action):
    view, _ = view_of(ENDINGS, t)
    for text in ("A blood sample.", "Is it the tumor?", "The tumor!"):
        pick(view, text)
    view.press(action)
    said = text_of(view.form.feedback_html)
    assert "“A blood sample.”" in said or action == "reveal"
    assert "“Is it the tumor?”" in said and "“The tumor!”" in said
    assert not re.search(r"[.?!]\s*[:;,.]|[:;,]\s*[.?!:]", said.replace("...", "")), said


def test_after_verdict_drops_only_an_exact_repeat():
    assert after_verdict("Not quite. The test needs cells.", "Not quite.") == "The test needs cells."
    assert after_verdict("not quite! Look again.", "Not quite.") == "Look again."
    assert after_verdict("Not quite right. Look again.", "Not quite.") == "Not quite right. Look again."
    assert after_verdict("Not right. Look again.", "Not quite.") == "Not right. Look again."
    assert after_verdict("Not quite.", "Not quite.") == "Not quite.", "never leaves an option without words"
    assert after_verdict("Correct. Yes.", "") == "Correct. Yes."


@pytest.mark.parametrize("missed, words", [(1, "You missed 1 right answer."), (2, "You missed 2 right answers.")])
def test_missed_answers_are_counted_in_proper_singular_and_plural(t, missed, words):
    colours = dict(type="multiple", options=[opt("Red", True), opt("Green", True), opt("Blue", True),
                                             opt("Grey", False)])
    view, _ = answered(colours, t, *["Red", "Green", "Blue"][:3 - missed])
    said = text_of(view.form.feedback_html)
    assert words in said and "(s)" not in said


def test_a_translation_supplies_its_own_plural_forms():
    t = Strings({"missed_one": "Te faltó {n} respuesta.", "missed_many": "Te faltaron {n} respuestas."})
    assert t.plural("missed", 1) == "Te faltó 1 respuesta."
    assert t.plural("missed", 3) == "Te faltaron 3 respuestas."


# --- numbers that agree -------------------------------------------------------------------------------------------
def small_bank() -> Bank:
    single = q(**(SINGLE | {"id": "first"}))
    case = q(id="story", type="case", story="Ana has a test.", parts=[
        {"id": "story-a", "type": "truefalse", "prompt": "Part A?", "explanation": "A.",
         "options": [opt("True", True), opt("False", False)]},
        {"id": "story-b", "type": "truefalse", "prompt": "Part B?", "explanation": "B.",
         "options": [opt("True", False), opt("False", True)]}])
    return Bank(section="probe", questions=(single, case, q(**(SINGLE | {"id": "last"}))))


def headings(quiz: QuizView) -> list[str]:
    return [v.form.number for v in quiz.question_views]


def test_each_scored_answer_has_its_own_number_out_of_the_score_total(t):
    quiz = QuizView(small_bank(), "nurse", t, QuizOptions())
    assert quiz.score().total == 4
    assert headings(quiz) == ["Question 1 of 4", "Question 2 of 4 (part 1 of 2 of the story)",
                              "Question 3 of 4 (part 2 of 2 of the story)", "Question 4 of 4"]
    assert "Questions 2 to 3 of 4" in quiz.views[1].widget.children[0].value


def test_final_check_numbering_agrees_with_its_score(content, t):
    bank = content.banks["final-check"]
    quiz = QuizView(bank, "nurse", t, QuizOptions(exam=True))
    total = quiz.score().total
    assert total == scored_items(bank, "nurse") == len(quiz.question_views)
    numbers = [re.match(r"Question (\d+) of (\d+)", h).groups() for h in headings(quiz)]
    assert [int(n) for n, _ in numbers] == list(range(1, total + 1))
    assert {int(m) for _, m in numbers} == {total}, "one N everywhere"
    finish = FinishPanel(quiz, LessonSettings(), t)
    assert f"answered 0 of {total} questions" in finish.status.html


def test_the_same_message_twice_reaches_the_page_twice(t):
    """Check pressed twice with nothing chosen: the page marks Check busy until the kernel's answer changes the
    feedback, so saying the same words again must still send a change (else: busy for good, and silence)."""
    view, _ = view_of(SINGLE, t)
    sent: list[str] = []
    view.form.observe(lambda change: sent.append(change["new"]), names="feedback_html")
    view.check()
    view.check()
    said = [html for html in sent if html]
    assert len(said) == 2 and said[0] == said[1] and "Choose" in text_of(said[0])


def test_the_answer_graded_is_the_one_the_browser_sent(t):
    """The page sends the answer on screen with the button press; that answer is graded and stored, not whatever
    the form's value happens to hold by the time the kernel reads it."""
    view, records = view_of(SINGLE, t)
    pick(view, "Beta")  # the form holds a wrong answer...
    right = view.order.index(next(i for i, o in enumerate(view.q.options) if o.text == "Alpha"))
    view._act("check", [right])  # ...but the press carried the right one
    assert view.record.checks == [True] and "Correct" in view.form.feedback_html
    assert view.record.answers == [[next(i for i, o in enumerate(view.q.options) if o.text == "Alpha")]]
