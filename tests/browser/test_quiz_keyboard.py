"""Every question type answered by keyboard alone in the dashboard, and axe-core finds no WCAG A/AA violation."""
from __future__ import annotations

import pytest

from her2lesson.content.schema import CaseQuestion
from her2lesson.quiz.wording import after_verdict

from .conftest import axe_violations, open_dashboard, screenshot
from .keyboard import active_text, answer_question

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def testing_page(browser, server):
    """One learner on the nursing track's testing section, which holds every question type."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    open_dashboard(page, server, "track=nurse&section=testing")
    page.locator(".h2l-part-check").wait_for()
    yield page
    ctx.close()


def card_for(page, prompt: str):
    return page.locator(".h2l-question").filter(has_text=prompt).first


def check_and_expect(page, card, question, expected: str, right: bool = True) -> str:
    card.locator("input, select").first.focus()
    answer_question(page, card, question, right)
    feedback = card.locator("[role=status]").first
    feedback.filter(has_text=expected).wait_for()
    return feedback.inner_text()


def questions(content, kind):
    return [q for q in content.banks["testing"].questions if q.type == kind and q.audience in ("nurse", "both")]


def test_single_choice_by_keyboard(testing_page, content):
    q = questions(content, "single")[0]
    check_and_expect(testing_page, card_for(testing_page, q.prompt), q, "Correct")


def test_true_false_wrong_then_right_by_keyboard(testing_page, content):
    q = questions(content, "truefalse")[0]
    card = card_for(testing_page, q.prompt)
    text = check_and_expect(testing_page, card, q, "Not quite", right=False)
    chosen = next(o for o in q.options if not o.correct)
    assert after_verdict(chosen.feedback, "Not quite.") in text, "the chosen option's own feedback"
    assert text.count("Not quite") == 1, "the verdict is said once"
    assert q.explanation not in text and "Why:" not in text, "a wrong try gets no answer yet"
    if q.hint:
        assert q.hint in text
    testing_page.keyboard.press("Tab")  # from the feedback, on to the next step
    assert active_text(testing_page) == "Try again"
    testing_page.keyboard.press("Enter")
    card.locator("input:not([disabled])").first.wait_for()
    assert q.explanation in check_and_expect(testing_page, card, q, "Correct"), "right: now the reason why"


def test_multiple_select_by_keyboard(testing_page, content):
    q = questions(content, "multiple")[0]
    check_and_expect(testing_page, card_for(testing_page, q.prompt), q, "Correct")


def test_matching_by_keyboard(testing_page, content):
    q = questions(content, "matching")[0]
    check_and_expect(testing_page, card_for(testing_page, q.prompt), q, "Correct")


def test_ordering_by_keyboard(testing_page, content):
    q = questions(content, "ordering")[0]
    check_and_expect(testing_page, card_for(testing_page, q.prompt), q, "Correct")


def test_case_scenario_by_keyboard(testing_page, content):
    case: CaseQuestion = questions(content, "case")[0]
    for part in case.parts:
        check_and_expect(testing_page, card_for(testing_page, part.prompt), part, "Correct")


def test_glossary_popup_opens_and_closes_by_keyboard(testing_page):
    term = testing_page.locator("button.h2l-term").first
    term.focus()
    testing_page.keyboard.press("Enter")
    definition = testing_page.locator("#" + term.get_attribute("aria-controls"))
    definition.wait_for(state="visible")
    assert term.get_attribute("aria-expanded") == "true"
    testing_page.keyboard.press("Escape")
    definition.wait_for(state="hidden")


def test_axe_finds_no_violations_on_every_question_type(testing_page):
    # runs after the answers above, so feedback of every kind is on the page too
    testing_page.locator("button.h2l-term").first.focus()
    testing_page.keyboard.press("Enter")
    screenshot(testing_page, "testing-nurse-all-types")
    assert axe_violations(testing_page) == []
