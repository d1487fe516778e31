"""The served module: a learner's first quiz, no kernel left behind, nothing fetched from outside."""
from __future__ import annotations

from urllib.parse import urlparse

import pytest

from her2lesson.quiz.wording import after_verdict

from .conftest import axe_violations, open_dashboard, screenshot, start_server, wait_until

pytestmark = pytest.mark.browser


def first_patient_question(content, bank="testing"):
    return next(q for q in content.banks[bank].questions
                if q.audience in ("patient", "both") and q.type == "single")


def test_answer_wrong_then_right_shows_feedback_each_time(page, server, content):
    question = first_patient_question(content)
    right = next(o for o in question.options if o.correct)
    wrong = next(o for o in question.options if not o.correct)
    open_dashboard(page, server, "track=patient&section=testing")
    card = page.locator(".h2l-question").filter(has_text=question.prompt).first
    card.get_by_role("radio", name=wrong.text, exact=True).check()
    card.get_by_role("button", name="Check").click()
    feedback = card.locator("[role=status]")
    feedback.filter(has_text="Not quite").wait_for()
    assert after_verdict(wrong.feedback, "Not quite.") in feedback.inner_text()
    assert question.explanation not in feedback.inner_text(), "a wrong try teaches, it does not give the answer"
    screenshot(page, "quiz-wrong")
    card.get_by_role("button", name="Try again").click()
    card.get_by_role("radio", name=right.text, exact=True).check()
    card.get_by_role("button", name="Check").click()
    feedback.filter(has_text="Correct").wait_for()
    assert after_verdict(right.feedback, "Correct.") in feedback.inner_text()
    assert question.explanation in feedback.inner_text()
    screenshot(page, "quiz-right")


def test_no_request_leaves_the_loopback_address(page, server, content):
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    open_dashboard(page, server)
    page.get_by_role("button", name="I am a nurse or a nursing student").click()
    page.get_by_role("button", name="Testing for HER2").click()
    page.locator(".h2l-part-check").wait_for()
    page.get_by_role("button", name="Treatment", exact=False).first.click()
    page.locator(".h2l-figure svg").first.wait_for()
    outside = [u for u in seen if urlparse(u).scheme in ("http", "https", "ws", "wss")
               and urlparse(u).hostname not in ("127.0.0.1", "localhost")]
    assert len(seen) > 10
    assert outside == []


def test_closed_pages_leave_no_kernel_behind(browser):
    """Voila issue #1458: the page's shutdown beacon needs the _xsrf cookie; our page handler sets it.

    A server of its own, with culling far off, so only the beacon can free kernels. It keeps 2 preheated kernels
    (the default pool); each page takes one and the pool refills."""
    server = start_server("kernels", "--cull-idle", "3600")
    try:
        baseline = wait_until(lambda: server.kernels() == 2 and 2, 60, "the preheated pool of 2 kernels")
        for _ in range(10):
            ctx = browser.new_context()
            page = ctx.new_page()
            open_dashboard(page, server)  # the page now holds a kernel of its own (taken from the pool)
            page.close(run_before_unload=True)
            ctx.close()
        wait_until(lambda: server.kernels() == baseline, 30, f"the kernel count to return to {baseline}")
    finally:
        server.stop()


def test_idle_culling_removes_kernels_of_pages_that_vanished(browser):
    """A tab that dies without unloading (crash, lost network) is culled once idle: the safety net."""
    culling = start_server("culling", "--cull-idle", "4", "--pool-size", "0")
    try:
        ctx = browser.new_context()
        page = ctx.new_page()
        open_dashboard(page, culling)
        assert culling.kernels() == 1
        ctx.close()  # no beforeunload: the beacon never goes
        wait_until(lambda: culling.kernels() == 0, 60, "the idle kernel to be culled")
    finally:
        culling.stop()


BAD_ADDRESSES = ["voila/tree", "nope", "login", "logout", "voila/files/dashboard.ipynb", "voila/templates/x",
                 "voila/static/..%2f..%2fetc/passwd", "voila/render/x.ipynb", "voila/labextensions/nope.js",
                 "her2lesson/widgets/nope.js", "her2lesson/ready", "voila/query/abc"]  # (APIs answer in JSON)


def test_every_bad_address_gets_the_modules_own_page_and_no_traceback(server):
    """Voila answered some of these with Tornado's bare pages, redirects into /voila/files or a 500 and a logged
    traceback (/voila/templates/x, /logout)."""
    import urllib.error
    import urllib.request

    before = server.log.read_text().count("Traceback")
    for address in BAD_ADDRESSES:
        with pytest.raises(urllib.error.HTTPError) as answered:
            urllib.request.urlopen(server.url + address, timeout=30)
        html = answered.value.read().decode()
        assert answered.value.code in (403, 404, 405), (address, answered.value.code)
        assert "<h1>Sorry, this page is not available</h1>" in html and 'lang="en"' in html, address
        assert answered.value.headers["Content-Type"].startswith("text/html"), address
    assert server.log.read_text().count("Traceback") == before


def test_unknown_address_gets_a_plain_page_and_no_tree_listing(page, server):
    response = page.goto(server.url + "voila/tree")
    text = page.locator("body").inner_text()
    assert response.status in (403, 404)
    assert "Traceback" not in text and "notebooks" not in text.lower()
    assert axe_violations(page) == []
    response = page.goto(server.url + "?template=reveal&theme=dark")
    page.locator(".h2l-app").wait_for(timeout=90_000)
    assert "theme-dark" not in (page.locator("body").get_attribute("class") or "")
