"""Whole journeys by keyboard alone, with axe-core on every screen and a screenshot of each for review."""
from __future__ import annotations

import base64
import io

import pytest

from her2lesson.content.schema import CaseQuestion

from .conftest import axe_violations, open_dashboard, screenshot
from .keyboard import answer_question, tab_into, tab_to, type_and_press

pytestmark = pytest.mark.browser


def clean_screen(page, name: str) -> None:
    screenshot(page, name)
    assert axe_violations(page) == [], name


def pdf_text(href: str) -> str:
    pypdf = pytest.importorskip("pypdf")
    data = base64.b64decode(href.split("base64,", 1)[1])
    assert data.startswith(b"%PDF")
    return "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages)


def go_to_section(page, title: str) -> None:
    """From anywhere in the page: Shift+Tab back to the contents and press Enter on the section."""
    tab_to(page, title, backwards=True)
    page.keyboard.press("Enter")
    page.locator(".h2l-main h1").filter(has_text=title).first.wait_for()


@pytest.fixture
def fresh_page(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    yield ctx.new_page()
    ctx.close()


def test_patient_journey_by_keyboard(fresh_page, server, content):
    page = open_dashboard(fresh_page, server)
    clean_screen(page, "patient-01-start")
    tab_to(page, "I have this cancer, or I care for someone who does")
    page.keyboard.press("Enter")
    page.locator(".h2l-main h1").filter(has_text="Welcome").wait_for()
    clean_screen(page, "patient-02-welcome")

    go_to_section(page, "Testing for HER2")
    page.locator('.h2l-nav [aria-current="page"]').filter(has_text="Testing for HER2").wait_for()
    question = next(q for q in content.banks["testing"].questions if q.audience != "nurse" and q.type == "single")
    card = page.locator(".h2l-question").filter(has_text=question.prompt).first
    tab_into(page, card)
    answer_question(page, card, question)
    card.locator("[role=status]").filter(has_text="Correct").wait_for()
    clean_screen(page, "patient-03-testing-quiz")

    go_to_section(page, "Questions to ask your care team")
    builder = page.locator(".h2l-aid").filter(has_text="My questions for my care team")
    tab_into(page, builder)
    page.keyboard.press("Space")  # tick the first question
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # and the second
    type_and_press(page, "Can I keep working during treatment?", "Add my question")
    page.locator(".h2l-my-list").filter(has_text="Can I keep working during treatment?").wait_for()
    clean_screen(page, "patient-04-question-list")

    go_to_section(page, "My take-home sheet")
    page.locator(".h2l-sheet").filter(has_text="Can I keep working during treatment?").wait_for()
    tab_to(page, "Make my sheet (PDF)")
    page.keyboard.press("Enter")
    link = page.locator("a.h2l-download", has_text="take-home sheet")
    link.wait_for()
    text = pdf_text(link.get_attribute("href"))
    assert "Can I keep working during treatment?" in text
    assert content.care_questions.questions[0].text.split()[0] in text
    clean_screen(page, "patient-05-take-home-sheet")


def test_nursing_journey_by_keyboard(fresh_page, server, content):
    page = open_dashboard(fresh_page, server)
    tab_to(page, "I am a nurse or a nursing student")
    page.keyboard.press("Enter")
    page.locator(".h2l-main h1").filter(has_text="Welcome").wait_for()
    go_to_section(page, "Final check (nursing track)")
    clean_screen(page, "nurse-01-final-check")

    questions = []
    for q in content.banks["final-check"].questions:
        questions += list(q.parts) if isinstance(q, CaseQuestion) else [q]
    first = page.locator(".h2l-question").first
    tab_into(page, first)
    for q in questions:
        card = page.locator(".h2l-question").filter(has_text=q.prompt).first
        assert card.evaluate("c => c.contains(document.activeElement)"), f"Tab did not lead to {q.id}"
        answer_question(page, card, q)
        card.locator("[role=status]").filter(has_text="Correct").wait_for()
        page.keyboard.press("Tab")  # from the feedback straight on to the next question
    page.locator(".h2l-finish").filter(has_text="You passed").wait_for()
    clean_screen(page, "nurse-02-passed")

    type_and_press(page, "Grace O'Neill-Ngata", "Make my certificate")
    link = page.locator("a.h2l-download", has_text="certificate")
    link.wait_for()
    text = pdf_text(link.get_attribute("href"))
    assert "Grace O'Neill-Ngata" in text and "Certificate of completion" in text and "100%" in text
    clean_screen(page, "nurse-03-certificate")


def test_facilitator_screen_by_keyboard(fresh_page, server):
    page = open_dashboard(fresh_page, server, "facilitator&section=basics")
    type_and_press(page, "group-code-42", "Start the group view")
    tab_to(page, "I have this cancer, or I care for someone who does")
    page.keyboard.press("Enter")
    stage = page.locator(".h2l-stage")
    stage.wait_for()
    first = stage.inner_text()
    page.locator("body").press("ArrowRight")
    page.locator(".h2l-step-count").filter(has_text="Step 2 of").wait_for()
    assert stage.inner_text() != first
    page.locator("body").press("ArrowLeft")
    page.locator(".h2l-step-count").filter(has_text="Step 1 of").wait_for()
    assert page.locator(".h2l-app.h2l-size-larger").count() == 1
    clean_screen(page, "facilitator-01-basics")


def test_tablet_and_projector_layouts_and_high_contrast(browser, server):
    for name, size in (("tablet", {"width": 768, "height": 1024}), ("projector", {"width": 1280, "height": 720})):
        ctx = browser.new_context(viewport=size)
        page = open_dashboard(ctx.new_page(), server, "track=patient&section=testing")
        main = page.locator(".h2l-main")
        box = main.bounding_box()
        assert box["width"] >= size["width"] * 0.8 or name == "projector"
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"], "no sideways scrolling"
        if name == "tablet":
            assert not page.locator(".h2l-nav").is_visible()
            page.get_by_role("button", name="Contents").click()
            page.locator(".h2l-nav").wait_for(state="visible")
        clean_screen(page, f"layout-{name}")
        ctx.close()
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = open_dashboard(ctx.new_page(), server, "track=patient&section=causes")
    page.get_by_role("button", name="Text size").click()
    page.get_by_role("checkbox", name="High contrast").check()
    page.locator(".h2l-app.h2l-contrast").wait_for()
    clean_screen(page, "high-contrast")
    ctx.close()
