"""The module where people use it: a phone's first screen, real navigation, a projected group session with a
presenter window, a weak or lost network, and what the server sends over the wire."""
from __future__ import annotations

import gzip
import re
import time
import urllib.request

import brotli
import pytest

from her2lesson.page_bundle import chunk_address

from .conftest import axe_violations, open_dashboard, screenshot

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}
PROJECTOR = {"width": 1920, "height": 1080}
PATHS = ("I have this cancer, or I care for someone who does", "I am a nurse or a nursing student",
         "I just want to look around")


def clean(page, name: str) -> None:
    screenshot(page, name)
    assert axe_violations(page) == [], name


def heading(page) -> str:
    return page.locator(".h2l-main h1").first.inner_text()


def test_a_phone_first_screen_offers_the_three_paths(browser, server):
    ctx = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = open_dashboard(ctx.new_page(), server)
    bottoms = []
    for label in PATHS:
        box = page.get_by_role("button", name=label).bounding_box()
        bottoms.append(box["y"] + box["height"])
    assert max(bottoms) <= PHONE["height"], f"path buttons end at {bottoms} on an {PHONE['height']} px screen"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "no sideways scrolling"
    coming_back = page.get_by_role("button", name="Coming back? Use my resume code")
    assert coming_back.bounding_box()["y"] > max(bottoms), "returning learners' box comes after the paths"
    coming_back.click()
    field = page.get_by_label("Coming back? Type your resume code")
    field.wait_for()
    # the kernel shows the box, then moves focus into it: wait for the focus to arrive
    page.wait_for_function("id => document.activeElement && document.activeElement.id === id",
                           arg=field.get_attribute("id"), timeout=10_000)
    label_box = page.locator("label.h2l-entry-label").first.bounding_box()
    field_box = field.bounding_box()
    assert 0 <= field_box["y"] - (label_box["y"] + label_box["height"]) < 24, "the label sits right above its field"
    assert field.evaluate("el => el.tagName") == "INPUT", "a one-line field"
    clean(page, "phone-01-start")
    page.get_by_role("button", name=PATHS[0]).click()
    page.locator(".h2l-where-text").filter(has_text="Part 1 of").wait_for()
    assert "min" in page.locator(".h2l-where-text").inner_text()
    where = page.locator(".h2l-where-text").bounding_box()
    assert where["y"] < 120, "where the learner is shows in the slim header"
    assert header_clipped(page) == [], "no label in the header is cut"
    clean(page, "phone-02-welcome")
    ctx.close()


def header_clipped(page) -> list[str]:
    """Labels in the slim header whose text does not fit their box (cut, or running under a neighbour)."""
    return page.evaluate("""() => [...document.querySelectorAll('.h2l-header-buttons .h2l-button, .h2l-where-text')]
        .filter(e => e.offsetParent && e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)""")


TEACHING_PARTS = ("basics", "causes", "symptoms", "testing", "questions", "treatment", "self-care", "outlook",
                  "support")
# Between self-checks, on a phone, for a patient. Most parts stay under 3.6 screens; the longest run opens the
# treatment part: title, main message, objectives and the when-to-get-help card (2.4 screens by itself), before
# its first quick check, which asks about that card.
MAX_SCREENS_OF_READING = 4.5


def test_a_phone_learner_meets_a_self_check_every_few_screens(browser, server):
    ctx = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = open_dashboard(ctx.new_page(), server, f"track=patient&section={TEACHING_PARTS[0]}")
    worst = {}
    for part in TEACHING_PARTS:
        page.evaluate(f"document.querySelector('.h2l-nav-{part}').click()")
        page.locator(f".h2l-sec-{part} .h2l-part-check").wait_for()
        gaps = page.evaluate(f"""() => {{
            const part = document.querySelector('.h2l-sec-{part}'), top = part.getBoundingClientRect().top;
            let at = 0; const gaps = [];
            for (const quiz of part.querySelectorAll('.h2l-quiz')) {{
                const box = quiz.getBoundingClientRect();
                gaps.push(box.top - top - at); at = box.bottom - top;
            }}
            return gaps; }}""")
        worst[part] = round(max(gaps) / PHONE["height"], 1)
        assert header_clipped(page) == [], f"{part}: no label in the phone's header is cut"
        if part == "treatment":
            page.locator(".h2l-sec-treatment .h2l-checkpoint").first.scroll_into_view_if_needed()
            clean(page, "phone-05-quick-check")
    too_far = {part: screens for part, screens in worst.items() if screens > MAX_SCREENS_OF_READING}
    assert not too_far, f"screens of reading before a self-check: {worst}"
    ctx.close()


def test_every_way_of_moving_shows_the_top_of_the_new_part_with_focus_on_its_heading(browser, server):
    ctx = browser.new_context(viewport=LAPTOP)
    page = open_dashboard(ctx.new_page(), server, "track=patient")
    page.locator(".h2l-main h1").filter(has_text="Welcome").wait_for()
    page.mouse.wheel(0, 3000)
    next_button = page.locator(".h2l-pager button").filter(has_text="Next")
    next_button.focus()
    page.keyboard.press("Enter")  # keyboard Next: focus and view must both move to the new part
    page.wait_for_function("document.activeElement.tagName === 'H1' && "
                           "!document.activeElement.textContent.includes('Welcome')")
    assert page.evaluate("scrollY") == 0
    basics = heading(page)
    assert "section=basics" in page.url and "track=patient" in page.url
    page.get_by_role("button", name=re.compile("What causes it")).click()  # the contents list
    page.wait_for_function("location.search.includes('section=causes')")
    page.wait_for_function("document.activeElement.tagName === 'H1'")
    page.go_back()  # Back moves inside the module, not off it
    page.wait_for_function("document.querySelector('.h2l-main h1').textContent.includes(%r)" % basics[:20])
    assert "section=basics" in page.url
    page.wait_for_function("document.activeElement.tagName === 'H1' && scrollY === 0")
    page.go_back()
    page.locator(".h2l-main h1").filter(has_text="Welcome").wait_for()
    page.go_forward()
    page.wait_for_function("document.querySelector('.h2l-main h1').textContent.includes(%r)" % basics[:20])
    page.reload()  # the address is the part: a reload (or a shared link) opens it again
    page.locator(".h2l-main h1").filter(has_text=basics[:20]).wait_for(timeout=90_000)
    ctx.close()


def test_a_link_to_a_part_wins_over_the_place_this_browser_remembers(browser, server, content):
    ctx = browser.new_context(viewport=LAPTOP)
    page = open_dashboard(ctx.new_page(), server, "track=patient&section=outlook")
    question = next(q for q in content.banks["outlook"].questions if q.type == "single" and q.audience != "nurse")
    card = page.locator(".h2l-question").filter(has_text=question.prompt).first
    card.get_by_role("radio", name=question.options[0].text, exact=True).check()
    card.get_by_role("button", name="Check").click()
    page.locator(".h2l-code").wait_for()  # the record exists and this browser remembers it
    page.close()
    again = open_dashboard(ctx.new_page(), server, "section=testing")
    again.locator(".h2l-main h1").filter(has_text="Testing for HER2").wait_for()
    again.locator(".h2l-app").filter(has_text="Welcome back").wait_for()
    ctx.close()


def test_a_projected_group_session_and_its_presenter_window(browser, server, content):
    ctx = browser.new_context(viewport=PROJECTOR)
    page = open_dashboard(ctx.new_page(), server, "facilitator&section=testing")
    page.get_by_label("Facilitator code").fill("group-code-42")
    page.keyboard.press("Enter")
    page.get_by_role("button", name=PATHS[0]).click()  # a patient group: no nurse panels
    page.locator(".h2l-stage").wait_for()
    assert "group-code-42" not in page.url and "facilitator" not in page.url
    main = page.locator(".h2l-main").bounding_box()
    assert main["width"] >= PROJECTOR["width"] * 0.85, "full width on a projector"
    size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.h2l-stage p, .h2l-stage li')).fontSize)")
    assert size >= 28, f"projector-size text, got {size}px"
    assert page.locator(".h2l-pager").is_hidden() and page.locator(".h2l-display-toggle").is_hidden()
    clean(page, "projector-01-group")

    presenter = open_dashboard(ctx.new_page(), server, "presenter&track=patient&section=testing")
    presenter.set_viewport_size(LAPTOP)
    presenter.locator(".h2l-steps li.h2l-now").wait_for()  # it follows the projected window
    assert presenter.locator(".h2l-steps li.h2l-now").get_attribute("data-step") == "0"
    assert presenter.locator(".h2l-main").filter(has_text="Educator note").count() == 1
    presenter.keyboard.press("ArrowRight")  # the presenter window steps the group view
    page.locator(".h2l-step-count").filter(has_text="Step 2 of").wait_for()
    presenter.wait_for_function("document.querySelector('.h2l-steps li.h2l-now').dataset.step === '1'")
    clean(presenter, "projector-02-presenter-window")

    projected_text = []
    for _ in range(80):  # walk every step of the part: never an educator note, a nurse panel or a code
        projected_text.append(page.locator(".h2l-main").inner_text())
        if page.locator(".h2l-stage .h2l-question").count():
            break
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(50)
        page.locator(".h2l-step-count").first.wait_for()
    shown = "\n".join(projected_text)
    assert "Educator note" not in shown and "For nurses" not in shown
    assert page.locator(".h2l-stage .h2l-question").count() == 1, "one question per step"
    radio = page.locator(".h2l-stage input[type=radio]").first
    radio.focus()
    before = page.locator(".h2l-step-count").inner_text()
    page.keyboard.press("ArrowRight")  # steps even from a radio button, without changing the answer
    page.wait_for_function("document.querySelector('.h2l-step-count').textContent !== %r" % before)
    page.keyboard.press("ArrowLeft")
    page.locator(".h2l-step-count").filter(has_text=before).wait_for()
    assert page.locator(".h2l-stage input[type=radio]:checked").count() == 0
    page.get_by_role("button", name="Reveal the answer").click()  # nobody answered: reveal still shows it
    page.locator(".h2l-stage [role=status]").filter(has_text="Here is the answer").wait_for()
    clean(page, "projector-03-revealed")
    ctx.close()
    assert "group-code-42" not in server.log.read_text(), "the facilitator code stays out of the server's log"


def test_busy_and_offline_states_say_what_is_happening(browser, server):
    ctx = browser.new_context(viewport=LAPTOP)
    page = open_dashboard(ctx.new_page(), server, "track=patient&section=causes")
    page.locator(".h2l-part-check").wait_for()
    ctx.set_offline(True)
    page.locator("#h2l-connection").filter(has_text="You are offline").wait_for()
    card = page.locator(".h2l-question").first
    card.locator("input").first.check()
    card.get_by_role("button", name="Check").click()
    card.locator("button.h2l-busy[aria-busy=true]").wait_for(timeout=2000)
    page.locator(".h2l-pager button").filter(has_text="Next").click()
    page.locator(".h2l-pager button.h2l-busy[aria-busy=true]").wait_for(timeout=2000)
    clean(page, "network-01-offline")
    ctx.set_offline(False)
    # Back online: either the presses get through (the answer shows, the busy marks clear) or, if they were lost,
    # the banner says so and offers a reload that resumes. Never a page left silently busy.
    page.wait_for_function("""() => {
        const banner = document.getElementById('h2l-connection');
        const offered = banner && !banner.hidden && banner.textContent.includes('back online') """
                           """&& banner.querySelector('button');
        const done = !document.querySelector('.h2l-app .h2l-busy');
        return offered || done;
    }""", timeout=90_000)  # the kernel socket retries with a growing back-off while offline, so it may wait
    if page.locator(".h2l-app .h2l-busy").count():
        assert page.locator("#h2l-connection").get_by_role("button", name="Reload the page").count() == 1
    else:  # the last press, Next, went through once the network was back
        page.locator(".h2l-main h1").filter(has_text="Signs and symptoms").wait_for()
    ctx.close()


def test_the_server_sends_compressed_cacheable_files(server):
    page = urllib.request.urlopen(urllib.request.Request(server.url, headers={"Accept-Encoding": "gzip"}), timeout=30)
    html = gzip.decompress(page.read()).decode()
    assert page.headers["Content-Encoding"] == "gzip"
    scripts = re.findall(r'src="(/voila/[^"]+\.js[^"]*)"', html)
    assert scripts
    for src in scripts:
        request = urllib.request.Request(server.url.rstrip("/") + src, headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.headers["Content-Encoding"] == "gzip", src
            cache = response.headers.get("Cache-Control") or ""
            if "?v=" in src:
                assert "max-age" in cache, (src, cache)
    chunk = urllib.request.urlopen(server.url + "voila/static/voila.js", timeout=30)
    assert "max-age" not in (chunk.headers.get("Cache-Control") or ""), "the entry script is checked on every visit"


def test_a_page_fetches_only_what_it_uses_once_and_names_late_scripts_up_front(browser, server):
    """Weak networks: one widget module for all questions, no MathJax for a lesson with no mathematics, and the
    scripts a page discovers late (widget extensions, widget modules) named in the next page's Link header."""
    def visit() -> tuple[object, list]:
        ctx = browser.new_context(viewport=PHONE)  # an empty cache each time
        page = ctx.new_page()
        responses: list = []
        page.on("response", lambda response: responses.append(response))
        open_dashboard(page, server, "track=patient&section=testing")
        page.locator(".h2l-question input").first.wait_for()
        questions = page.locator(".h2l-question").count()
        scripts = [r for r in responses if r.request.resource_type == "script"]
        document = next(r for r in responses if r.request.resource_type == "document")
        links = document.headers.get("link", "")
        bodies = [r.text() for r in scripts]
        math = page.evaluate("typeof MathJax === 'object' && typeof MathJax.Hub.Queue === 'function'")
        ctx.close()
        return (questions, links, math), [(r.url, body) for r, body in zip(scripts, bodies)]

    visit()  # the server learns which scripts come late
    (questions, links, math), scripts = visit()
    urls = [url for url, _body in scripts]
    assert questions >= 10
    modules = [u for u in urls if "/her2lesson/widgets/question.js?v=" in u]
    assert len(modules) == 1, f"{questions} questions share one module file: {modules}"
    assert math, "the page's typesetter is the stand-in"
    assert any("/her2lesson/no-math.js" in u for u in urls)
    assert not [u for u, body in scripts if "MathJax_Main" in body], "no MathJax bundle is fetched"
    late = [u.split("//", 1)[1].split("/", 1)[1] for u in urls
            if "/voila/labextensions/" in u or "/her2lesson/widgets/" in u]
    assert late and all(f"</{path}>" in links for path in late), (late, links[:500])
    alone = [u for u in urls if chunk_address(u, server.url)]
    assert not alone, (f"{len(alone)} script chunks were fetched one by one instead of in the page bundle "
                       f"(after a Voila or widget upgrade? run tools/page_chunks.py): {alone[:5]}")
    bundles = [u for u in urls if "/her2lesson/bundle/page-chunks." in u]
    assert len(bundles) == 1 and links.startswith(f"</{bundles[0].split('//', 1)[1].split('/', 1)[1]}>"), \
        "one bundle, named first in the Link header"


def test_static_files_go_out_in_brotli_packed_once_and_a_range_from_the_file(server):
    src = "voila/static/voila.js"

    def fetch(encoding: str, extra: dict | None = None):
        request = urllib.request.Request(server.url + src, headers={"Accept-Encoding": encoding, **(extra or {})})
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.headers, response.read()
    plain_headers, plain = fetch("identity")
    assert "Content-Encoding" not in plain_headers and plain
    deadline = time.monotonic() + 60
    while (headers := fetch("br, gzip")[0])["Content-Encoding"] != "br":
        assert time.monotonic() < deadline, "packed in brotli within a minute of the first request"
        time.sleep(0.2)
    headers, body = fetch("br, gzip")
    assert headers["Content-Encoding"] == "br" and "Accept-Encoding" in headers["Vary"]
    assert brotli.decompress(body) == plain
    headers, body = fetch("gzip")
    assert headers["Content-Encoding"] == "gzip" and gzip.decompress(body) == plain
    headers, body = fetch("br, gzip", {"Range": "bytes=0-99"})
    coding = headers.get("Content-Encoding")  # Tornado may gzip the part on the fly; never a slice of the brotli
    assert coding in (None, "gzip") and (gzip.decompress(body) if coding else body) == plain[:100]


def test_two_tabs_of_the_module_are_told_about_each_other(browser, server):
    ctx = browser.new_context(viewport=LAPTOP)
    first = open_dashboard(ctx.new_page(), server, "track=patient")
    second = open_dashboard(ctx.new_page(), server, "track=patient&section=causes")
    for page in (first, second):
        page.locator("#h2l-tabs").filter(has_text="open in another tab").wait_for()
    ctx.close()


def test_glossary_pop_ups_sit_under_their_word_and_close_on_a_tap_elsewhere(browser, server):
    ctx = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = open_dashboard(ctx.new_page(), server, "track=patient&section=basics")
    term = page.locator("button.h2l-term").first
    term.tap()
    definition = page.locator(".h2l-def:not([hidden])").first
    definition.wait_for()
    assert definition.evaluate("d => getComputedStyle(d).position") == "absolute", "the sentence stays whole"
    box = definition.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], "the pop-up stays on the screen"
    screenshot(page, "phone-03-glossary")
    page.locator(".h2l-main h1").first.tap()
    page.locator(".h2l-def:not([hidden])").wait_for(state="detached")
    assert term.get_attribute("aria-expanded") == "false"
    ctx.close()


def test_the_when_to_get_help_card_opens_symptoms_and_reaches_the_take_home_sheet(browser, server, content):
    ctx = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = open_dashboard(ctx.new_page(), server, "track=patient&section=symptoms")
    card = page.locator("figure.h2l-help-card").first
    card.wait_for()
    main_message = page.locator(".h2l-main-message").first.bounding_box()
    assert card.bounding_box()["y"] > main_message["y"], "the card follows the main message"
    for tier in content.help_card.tiers:
        assert card.get_by_role("heading", name=re.compile(re.escape(tier.title))).count() == 1
    assert "100.4" in card.inner_text() and "911" in card.inner_text()
    page.get_by_label(content.help_card.phone_label_day).fill("555-0100")
    page.keyboard.press("Enter")
    card.filter(has_text="555-0100").wait_for()
    clean(page, "phone-04-help-card")
    page.goto(server.url + "?track=patient&section=handout")
    sheet = page.locator(".h2l-sheet")
    sheet.filter(has_text="555-0100").wait_for(timeout=90_000)
    page.get_by_role("button", name="Make my sheet (PDF)").click()
    link = page.locator("a.h2l-download", has_text="take-home sheet")
    link.wait_for()
    pypdf = pytest.importorskip("pypdf")
    import base64
    import io
    data = base64.b64decode(link.get_attribute("href").split("base64,", 1)[1])
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = " ".join(reader.pages[0].extract_text().split())
    assert len(reader.pages) == 1 and "555-0100" in text and "911" in text and "100.4" in text
    ctx.close()
