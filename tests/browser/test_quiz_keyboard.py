"""Every question type answered by keyboard alone in the dashboard, and axe-core finds no WCAG A/AA violation."""
from __future__ import annotations

import pytest

from her2lesson.content.schema import CaseQuestion

from .conftest import axe_violations, open_dashboard, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def testing_page(browser, server):
    """One learner on the nursing track's testing section, which holds every question type."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    open_dashboard(page, server, "track=nurse&section=testing")
    page.locator(".h2l-quiz").wait_for()
    yield page
    ctx.close()


def card_for(page, prompt: str):
    return page.locator(".h2l-question").filter(has_text=prompt).first


def press_check_and_expect(page, card, expected: str) -> str:
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Check", f"Tab after the last answer should reach Check, reached {focused!r}"
    page.keyboard.press("Enter")
    feedback = card.locator("[role=status]").first
    feedback.filter(has_text=expected).wait_for()
    return feedback.inner_text()


def choose_radio_by_keyboard(page, card, wanted: str) -> None:
    labels = card.locator("label.h2l-option").all_inner_texts()
    target = [label.strip() for label in labels].index(wanted)
    card.locator("input[type=radio]").first.focus()
    page.keyboard.press("Space")
    for _ in range(target):
        page.keyboard.press("ArrowDown")
    assert card.locator("input[type=radio]").nth(target).is_checked()


def choose_in_select_by_keyboard(page, select, wanted: str) -> None:
    # ipywidgets shows option labels with non-breaking spaces
    options = [o.replace("\xa0", " ").strip() for o in select.evaluate("s => [...s.options].map(o => o.text)")]
    current = select.evaluate("s => s.selectedIndex")
    steps = options.index(wanted) - current
    for _ in range(abs(steps)):
        page.keyboard.press("ArrowDown" if steps > 0 else "ArrowUp")
    assert select.evaluate("s => s.options[s.selectedIndex].text").replace("\xa0", " ").strip() == wanted


def questions(content, kind):
    return [q for q in content.banks["testing"].questions if q.type == kind and q.audience in ("nurse", "both")]


def test_single_choice_by_keyboard(testing_page, content):
    q = questions(content, "single")[0]
    card = card_for(testing_page, q.prompt)
    choose_radio_by_keyboard(testing_page, card, next(o.text for o in q.options if o.correct))
    press_check_and_expect(testing_page, card, "Correct")


def test_true_false_wrong_then_right_by_keyboard(testing_page, content):
    q = questions(content, "truefalse")[0]
    card = card_for(testing_page, q.prompt)
    wrong = next(o for o in q.options if not o.correct)
    choose_radio_by_keyboard(testing_page, card, wrong.text)
    text = press_check_and_expect(testing_page, card, "Not quite")
    assert wrong.feedback in text
    retry = card.get_by_role("button", name="Try again")
    retry.focus()
    testing_page.keyboard.press("Enter")
    card.locator("input[type=radio]:not([disabled])").first.wait_for()
    choose_radio_by_keyboard(testing_page, card, next(o.text for o in q.options if o.correct))
    press_check_and_expect(testing_page, card, "Correct")


def test_multiple_select_by_keyboard(testing_page, content):
    q = questions(content, "multiple")[0]
    card = card_for(testing_page, q.prompt)
    boxes = card.locator("input[type=checkbox]")
    labels = [t.strip() for t in card.locator("label.h2l-option").all_inner_texts()]
    right = {o.text for o in q.options if o.correct}
    boxes.first.focus()
    for k, label in enumerate(labels):
        if label in right:
            testing_page.keyboard.press("Space")
        if k < len(labels) - 1:
            testing_page.keyboard.press("Tab")
    press_check_and_expect(testing_page, card, "Correct")


def test_matching_by_keyboard(testing_page, content):
    q = questions(content, "matching")[0]
    card = card_for(testing_page, q.prompt)
    selects = card.locator("select")
    selects.first.focus()
    for k, pair in enumerate(q.pairs):
        choose_in_select_by_keyboard(testing_page, selects.nth(k), pair.match)
        if k < len(q.pairs) - 1:
            testing_page.keyboard.press("Tab")
    press_check_and_expect(testing_page, card, "Correct")


def test_ordering_by_keyboard(testing_page, content):
    q = questions(content, "ordering")[0]
    card = card_for(testing_page, q.prompt)
    selects = card.locator("select")
    labels = [t.strip() for t in card.locator(".h2l-row-label").all_inner_texts()]
    selects.first.focus()
    for k, label in enumerate(labels):
        choose_in_select_by_keyboard(testing_page, selects.nth(k), str(q.steps.index(label) + 1))
        if k < len(labels) - 1:
            testing_page.keyboard.press("Tab")
    press_check_and_expect(testing_page, card, "Correct")


def test_case_scenario_by_keyboard(testing_page, content):
    case: CaseQuestion = questions(content, "case")[0]
    for part in case.parts:
        card = card_for(testing_page, part.prompt)
        if part.type == "multiple":
            labels = [t.strip() for t in card.locator("label.h2l-option").all_inner_texts()]
            card.locator("input[type=checkbox]").first.focus()
            for k, label in enumerate(labels):
                if any(o.text == label and o.correct for o in part.options):
                    testing_page.keyboard.press("Space")
                if k < len(labels) - 1:
                    testing_page.keyboard.press("Tab")
        else:
            choose_radio_by_keyboard(testing_page, card, next(o.text for o in part.options if o.correct))
        press_check_and_expect(testing_page, card, "Correct")


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
