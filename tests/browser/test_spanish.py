"""The module in Spanish on a phone: chosen by link or on the start screen, remembered, answered, printed, resumed."""
from __future__ import annotations

import re

import pytest

from her2lesson.strings import Strings

from .conftest import axe_violations, open_dashboard, screenshot
from .test_journeys import pdf_text

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def es(content) -> Strings:
    return Strings.for_language(content.strings, "es")


def clean(page, name: str) -> None:
    screenshot(page, name)
    assert axe_violations(page) == [], name


def code_on(page, es: Strings) -> str:
    words = re.escape(es("your_code", code="@@")).replace("@@", r"([A-Z0-9]{3}-[A-Z0-9]{3}-[A-Z0-9]{3})")
    box = page.locator(".h2l-code").first
    box.wait_for()
    found = re.search(words, box.inner_text())
    assert found, box.inner_text()
    return found.group(1)


def test_a_spanish_patient_on_a_phone(browser, server, content, es, tmp_path):
    spanish = content.in_language("es")
    question = next(q for q in spanish.banks["testing"].questions if q.type == "single" and q.audience != "nurse")
    testing = spanish.section("testing")
    ctx = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = open_dashboard(ctx.new_page(), server)
    # the start screen offers each language in its own name; the choice opens the page in it
    page.get_by_role("link", name="Español").click()
    page.locator(".h2l-main h1").filter(has_text=es("start_title")).wait_for()
    assert page.evaluate("document.documentElement.lang") == "es"
    assert page.get_by_role("button", name=es("track_patient")).bounding_box()["y"] < PHONE["height"]
    clean(page, "es-01-start-phone")

    page.get_by_role("button", name=es("track_patient")).click()
    page.locator(".h2l-main h1").filter(has_text=spanish.sections[0].title).wait_for()
    code_on(page, es)  # the learner's record exists
    page.goto(server.url + "?lang=es&section=testing")  # a link to a part, in Spanish (the cookie keeps the rest)
    page.locator(".h2l-main h1").filter(has_text=testing.title).wait_for(timeout=90_000)
    card = page.locator(".h2l-question").filter(has_text=question.prompt).first
    right = next(o.text for o in question.options if o.correct)
    card.get_by_role("radio", name=right, exact=True).check()
    card.get_by_role("button", name=es("check")).click()
    card.locator("[role=status]").filter(has_text=es("correct").rstrip(".")).wait_for()
    clean(page, "es-02-testing-quiz-phone")
    code = code_on(page, es)

    page.goto(server.url + "?section=handout")  # no lang in the link: the chosen language is remembered
    page.locator(".h2l-main h1").filter(has_text=es("handout_title")).wait_for(timeout=90_000)
    assert "lang=es" in page.url and page.evaluate("document.documentElement.lang") == "es"
    page.get_by_role("button", name=es("handout_make")).click()
    link = page.locator("a.h2l-download", has_text=es("handout_download"))
    link.wait_for()
    assert link.get_attribute("download") == es("handout_file")
    text = " ".join(pdf_text(link.get_attribute("href")).split())
    assert spanish.help_card.title in text and "911" in text and "100.4 °F (38 °C)" in text
    assert " ".join(es("not_advice").split()) in text
    clean(page, "es-03-take-home-sheet-phone")
    ctx.close()

    # another phone: the resume code brings the learner back, in Spanish, with the answer kept
    other = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = open_dashboard(other.new_page(), server, "lang=es")
    page.get_by_role("button", name=es("coming_back")).click()
    page.get_by_label(es("resume_label")).fill(code)
    page.get_by_role("button", name=es("resume_button")).click()
    page.locator(".h2l-main h1").filter(has_text=es("handout_title")).wait_for()
    page.goto(server.url + "?section=testing")  # this browser now holds the code, and the language
    page.locator(".h2l-main h1").filter(has_text=testing.title).wait_for(timeout=90_000)
    card = page.locator(".h2l-question").filter(has_text=question.prompt).first
    card.locator("[role=status]").filter(has_text=es("correct").rstrip(".")).wait_for()
    clean(page, "es-04-resumed-phone")
    other.close()


def test_the_nursing_track_in_spanish_says_it_is_in_english(browser, server, content, es):
    ctx = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = open_dashboard(ctx.new_page(), server, "lang=es")
    page.get_by_role("button", name=es("track_nurse")).click()
    page.get_by_text(es("track_in_english")).wait_for()
    page.locator(".h2l-main h1").filter(has_text=content.sections[0].title).wait_for()  # the English lesson
    clean(page, "es-05-nursing-track-in-english")
    ctx.close()


def test_the_servers_own_pages_follow_the_language(server, es):
    import urllib.error
    import urllib.request

    request = urllib.request.Request(server.url + "no-such-page?lang=es")
    with pytest.raises(urllib.error.HTTPError) as failed:
        urllib.request.urlopen(request, timeout=10)
    html = failed.value.read().decode("utf-8")
    assert '<html lang="es">' in html and es("page_404_text") in html and "911" in html
    request = urllib.request.Request(server.url + "no-such-page", headers={"Accept-Language": "es-MX,es;q=0.9"})
    with pytest.raises(urllib.error.HTTPError) as failed:
        urllib.request.urlopen(request, timeout=10)
    assert es("page_safety_title") in failed.value.read().decode("utf-8")
