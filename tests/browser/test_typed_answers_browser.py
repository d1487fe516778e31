"""Typed answers in the real page: the fever number on a phone by keyboard alone, its answer after a reload and on
another device, and the whole symptoms part answered by keyboard (a number among the choice questions)."""
from __future__ import annotations

import pytest

from her2lesson.quiz.section import questions_for, weight
from her2lesson.quiz.wording import quoted
from her2lesson.strings import Strings

from .conftest import OUTPUT, axe_violations, open_dashboard, screenshot
from .keyboard import active_text, answer_question, tab_into
from .test_records_browser import resume_code

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
FEVER = "symptoms-fever-number"
SYMPTOMS = "track=patient&section=symptoms"
IS_FOCUSED = "el => el === document.activeElement"


@pytest.fixture(scope="module")
def t(content) -> Strings:
    return Strings.for_language(content.strings)


@pytest.fixture(scope="module")
def fever(content):
    return next(q for q in content.banks["symptoms"].questions if q.id == FEVER)


@pytest.fixture(scope="module")
def check_total(content) -> int:
    """How many answers the symptoms part's own check scores for a patient (its quick checks score apart)."""
    return sum(map(weight, questions_for(content.banks["symptoms"], "patient", "")))


def fever_card(page):
    card = page.locator(".h2l-question").filter(has_text="lowest temperature")
    card.wait_for()
    return card


def shoot(page, card, name: str) -> None:
    """The whole page, as every browser test keeps it, and the card alone, to look at what the learner sees."""
    screenshot(page, name)
    card.scroll_into_view_if_needed()
    card.screenshot(path=str(OUTPUT / "screens" / f"{name}-card.png"))


def card_violations(card) -> list[dict]:
    card.evaluate("card => card.setAttribute('data-test-card', 'typed')")
    return axe_violations(card.page, "[data-test-card=typed]")


def retype(page, text: str) -> None:
    """With focus in the box: replace what it holds by `text`, as a learner would, and press Enter."""
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def test_a_number_typed_on_a_phone_by_keyboard_alone(browser, server, fever, t, check_total):
    ctx = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = open_dashboard(ctx.new_page(), server, SYMPTOMS)
    page.locator(".h2l-part-check").wait_for()
    card = fever_card(page)
    score = page.locator(".h2l-part-check .h2l-score")
    status = card.get_by_role("status")

    # one box, named by the question itself, described by its unit and how to answer; a decimal keypad on a phone
    box = card.get_by_role("textbox", name=fever.prompt, exact=True)
    assert box.count() == 1
    assert box.get_attribute("inputmode") == "decimal"
    assert fever.unit in box.evaluate(
        "b => b.getAttribute('aria-describedby').split(' ').map(id => document.getElementById(id).textContent)"
        ".join(' ')")
    tab_into(page, card)
    assert box.evaluate(IS_FOCUSED), f"Tab into the card should reach the box first, not {active_text(page)!r}"
    assert score.inner_text().strip() == "", "nothing answered yet"
    shoot(page, card, "typed-01-empty")

    # not a number: said in the card's live region, the box keeps the focus and the text, nothing is counted
    page.keyboard.type("hot")
    page.keyboard.press("Enter")
    status.filter(has_text=t("not_a_number")).wait_for()
    assert status.get_attribute("aria-live") == "polite"
    assert box.evaluate(IS_FOCUSED), f"the box keeps the focus, not {active_text(page)!r}"
    assert box.input_value() == "hot" and box.is_enabled()
    assert t("not_quite") not in status.inner_text()
    assert score.inner_text().strip() == "", "text that is not a number is not an answer"
    shoot(page, card, "typed-02-not-a-number")
    assert card_violations(card) == []

    # a number in a wrong range: that range's feedback and the hint, not the reason why (a second try is theirs)
    retype(page, "101")
    status.filter(has_text=t("not_quite")).wait_for()
    said = status.inner_text()
    wrong = next(a for a in fever.answers if a.range and a.range[0] <= 101 < a.range[1])
    assert wrong.feedback in said
    assert quoted(t, "101") in said, "the learner's own words are quoted"
    assert fever.hint in said
    assert t("why") not in said and fever.explanation not in said
    assert box.is_disabled() and box.input_value() == "101"
    assert status.evaluate(IS_FOCUSED), "after a graded answer the focus is on the feedback"
    score.filter(has_text=t("score_line", first=0, end=0, total=check_total)).wait_for()
    shoot(page, card, "typed-03-wrong")
    assert card_violations(card) == []

    # Tab from the feedback to Try again; Enter opens the box again with the focus in it
    page.keyboard.press("Tab")
    assert active_text(page) == t("try_again")
    page.keyboard.press("Enter")
    box.and_(page.locator(":enabled")).wait_for()
    page.wait_for_function("box => box === document.activeElement", arg=box.element_handle())
    assert status.inner_text().strip() == ""

    # a decimal comma is read as the decimal point: right, and now the reason why
    retype(page, "100,4")
    status.filter(has_text=t("correct")).wait_for()
    said = status.inner_text()
    assert quoted(t, "100,4") in said
    assert t("why") in said and fever.explanation in said
    assert t("not_quite") not in said and fever.hint not in said
    assert box.is_disabled() and box.input_value() == "100,4"
    assert status.evaluate(IS_FOCUSED)
    score.filter(has_text=t("score_line", first=0, end=1, total=check_total)).wait_for()
    assert card.get_by_role("button").count() == 0, "right: nothing left to press"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "no sideways scrolling"
    shoot(page, card, "typed-04-right")
    assert card_violations(card) == []
    ctx.close()


def assert_answered_right(page, fever, t, check_total, text: str):
    """The fever question shows as answered right with `text`, locked, and the part's score counts it; the card."""
    card = fever_card(page)
    status = card.get_by_role("status")
    status.filter(has_text=t("correct")).wait_for()
    box = card.get_by_role("textbox", name=fever.prompt, exact=True)
    assert box.input_value() == text and box.is_disabled(), "the learner's words, as they typed them, locked"
    said = status.inner_text()
    assert quoted(t, text) in said and fever.explanation in said
    page.locator(".h2l-part-check .h2l-score").filter(
        has_text=t("score_line", first=0, end=1, total=check_total)).wait_for()
    return card


def test_a_typed_answer_survives_a_reload_and_resumes_on_another_device(browser, server, fever, t, check_total):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = open_dashboard(ctx.new_page(), server, SYMPTOMS)
    card = fever_card(page)
    status = card.get_by_role("status")
    card.get_by_role("textbox").focus()
    retype(page, "101")
    status.filter(has_text=t("not_quite")).wait_for()
    card.get_by_role("button", name=t("try_again")).focus()
    page.keyboard.press("Enter")
    card.locator("input:enabled").wait_for()
    retype(page, "100,4")
    status.filter(has_text=t("correct")).wait_for()
    code = resume_code(page)

    page.reload()  # the same browser: its learner comes back without the code
    page.locator(".h2l-app").wait_for(state="visible", timeout=90_000)
    assert resume_code(page) == code
    assert_answered_right(page, fever, t, check_total, "100,4")
    ctx.close()

    other = browser.new_context(viewport={"width": 1280, "height": 900})
    page = open_dashboard(other.new_page(), server)
    page.get_by_role("button", name="Coming back? Use my resume code").click()
    page.get_by_label("Coming back? Type your resume code").fill(code)
    page.get_by_role("button", name="Continue where I left off").click()
    page.locator(".h2l-main h1").filter(has_text="Signs and symptoms").wait_for()
    shoot(page, assert_answered_right(page, fever, t, check_total, "100,4"), "typed-05-resumed")
    other.close()


def test_the_symptoms_part_answered_by_keyboard_alone(browser, server, content, t, check_total):
    """Every question of the part (its quick checks, then its own check with the number among them), in page order."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = open_dashboard(ctx.new_page(), server, SYMPTOMS)
    page.locator(".h2l-part-check").wait_for()
    bank = questions_for(content.banks["symptoms"], "patient")
    cards = page.locator(".h2l-question")
    assert cards.count() == len(bank)
    kinds = set()
    for k in range(cards.count()):
        card = cards.nth(k)
        legend = card.locator("legend").inner_text()
        question = next(q for q in bank if q.prompt in legend)
        kinds.add(question.type)
        tab_into(page, card)
        answer_question(page, card, question)
        card.get_by_role("status").filter(has_text=t("correct")).wait_for()
    assert "numeric" in kinds
    page.locator(".h2l-part-check .h2l-score").filter(
        has_text=t("score_line", first=check_total, end=check_total, total=check_total)).wait_for()
    page.locator(".h2l-nav button").filter(has_text="\u2713 Signs and symptoms").wait_for()
    screenshot(page, "typed-06-symptoms-by-keyboard")
    assert axe_violations(page) == []
    ctx.close()
