"""An LTI launch inside a learning platform's iframe, on another site (localhost framing 127.0.0.1): the real
`her2lesson serve --lti-config`, the test platform of tests/test_lti.py (lti1p3platform), headless Chromium. Over
plain HTTP the page cookie cannot cross sites, so the one-time launch token is what carries the learner: the lesson
opens in the frame with no resume code, an answer is recorded in the launched learner's record."""
from __future__ import annotations

import json

import pytest

from her2lesson.identity import learner_key
from her2lesson.records import open_store

from ..test_lti import ISSUER, LEARNER_ROLE, Platform, loopback_port, pem_pair
from .conftest import PAGE_READY_MS, screenshot, start_server

pytestmark = pytest.mark.browser


def test_a_launch_in_a_cross_site_frame_opens_the_lesson_and_records_the_answer(browser, content, tmp_path):
    tool_port = loopback_port()
    import socket

    with socket.socket() as held:
        held.bind(("127.0.0.1", tool_port))
        platform = Platform(f"http://127.0.0.1:{tool_port}/", loopback_port())
    private, _ = pem_pair()
    (tmp_path / "tool.pem").write_text(private)
    (tmp_path / "lti.json").write_text(json.dumps({"tool": {"private_key_file": "tool.pem", "frame_ancestors": [
                                                       f"http://localhost:{platform.port}"]},
                                                   "platforms": [platform.platform_entry(tmp_path / "tool.pem")]}))
    data_dir = tmp_path / "records"
    server = start_server("lti", "--lti-config", str(tmp_path / "lti.json"), "--pool-size", "1",
                          data_dir=data_dir, port=tool_port)
    try:
        question = next(q for q in content.banks["causes"].questions
                        if q.type in ("single", "truefalse") and q.audience in ("patient", "both"))
        platform.frame_src = platform.login_url("framed-learner", [LEARNER_ROLE],
                                                custom={"track": "patient", "section": "causes"})
        ctx = browser.new_context(viewport={"width": 1300, "height": 950})
        page = ctx.new_page()
        page.goto(f"http://localhost:{platform.port}/frame")  # another site than the tool's 127.0.0.1
        frame = page.frame_locator("iframe")
        frame.locator(".h2l-app").wait_for(state="visible", timeout=PAGE_READY_MS)
        card = frame.locator(".h2l-question").filter(has_text=question.prompt).first
        wanted = next(o.text for o in question.options if o.correct)
        card.get_by_role("radio", name=wanted, exact=True).check()
        card.get_by_role("button", name="Check").click()
        card.locator("[role=status]").filter(has_text="Correct").wait_for()
        assert frame.locator(".h2l-code").filter(has_text="Your resume code").count() == 0
        screenshot(page, "lti-framed-launch")
        with open_store(data_dir=data_dir) as store:
            key = learner_key("lti", ISSUER + "|framed-learner", store.identity_secret())
            learner = store.find_external_learner(key)
            assert learner is not None and store.cohort(learner.cohort_id).name == "Oncology nursing 2026"
            record = store.load(learner.id)
        assert [(a.question_id, a.correct) for a in record.answers] == [(question.id, True)]
        ctx.close()
    finally:
        server.stop()
        platform.server.shutdown()
