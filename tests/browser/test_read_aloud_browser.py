"""Read-aloud in a real page, with a stand-in speech engine put in before the page loads.

The stand-in records what is said (text, language, rate) and lets the test end each utterance when it wants, as a
real voice would when it reaches the end of a sentence. Its voices arrive late, with `voiceschanged`, as Chrome's do.
"""
from __future__ import annotations

import json
import re
import socket

import pytest

from .conftest import axe_violations, open_dashboard, screenshot, start_server, wait_until
from .keyboard import active_text, tab_to

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 900}
ENGLISH_VOICES = [{"name": "Stand-in English", "lang": "en-US", "localService": True, "default": True},
                  {"name": "Stand-in Spanish", "lang": "es-MX", "localService": True, "default": False}]
UNAVAILABLE = "Read-aloud is not available in this browser for this language."

FAKE_SPEECH = """
(() => {
  const voices = [];
  const later = %(voices)s;
  const log = { spoken: [], cancels: 0 };
  const listeners = {};
  let current = null;
  const synth = {
    get speaking() { return !!current; },
    get pending() { return false; },
    paused: false,
    getVoices() { return voices.slice(); },
    speak(u) {
      log.spoken.push({ text: u.text, lang: u.lang, rate: u.rate, voice: u.voice ? u.voice.name : null });
      current = u;
      setTimeout(() => { if (current === u && u.onstart) u.onstart({ utterance: u }); }, 0);
    },
    cancel() {  // like Chrome: the utterance being said ends (its callbacks must not move the reading on)
      log.cancels += 1;
      const u = current;
      current = null;
      if (u && u.onend) u.onend({ utterance: u });
    },
    pause() { this.paused = true; },
    resume() { this.paused = false; },
    addEventListener(type, fn) { (listeners[type] = listeners[type] || []).push(fn); },
    removeEventListener(type, fn) { listeners[type] = (listeners[type] || []).filter((f) => f !== fn); },
    onvoiceschanged: null,
  };
  class Utterance {
    constructor(text) {
      this.text = text; this.lang = ""; this.rate = 1; this.pitch = 1; this.volume = 1; this.voice = null;
      this.onstart = null; this.onend = null; this.onerror = null; this.onboundary = null;
    }
  }
  if (%(present)s) {
    Object.defineProperty(window, "speechSynthesis", { value: synth, configurable: true });
    Object.defineProperty(window, "SpeechSynthesisUtterance", { value: Utterance, configurable: true, writable: true });
  } else {
    Object.defineProperty(window, "speechSynthesis", { value: undefined, configurable: true });
    Object.defineProperty(window, "SpeechSynthesisUtterance", { value: undefined, configurable: true });
  }
  if (%(no_highlight_api)s) window.Highlight = undefined;  // as in browsers without the CSS Custom Highlight API
  window.__tts = {
    log,
    current: () => (current ? current.text : null),
    // the voice reaches the end of the sentence: a word boundary, then its end
    finish() {
      const u = current;
      if (!u) return false;
      if (u.onboundary) u.onboundary({ name: "word", charIndex: 0, utterance: u });
      current = null;
      if (u.onend) u.onend({ utterance: u });
      return true;
    },
    finishAll(limit) { let n = 0; while (n < limit && this.finish()) n += 1; return n; },
  };
  setTimeout(() => {  // the voices arrive after the page, as in Chrome
    voices.push(...later);
    (listeners.voiceschanged || []).forEach((fn) => fn({}));
    if (synth.onvoiceschanged) synth.onvoiceschanged({});
  }, 300);
})();
"""

HIGHLIGHTED = """() => {
  const h = window.CSS && CSS.highlights && CSS.highlights.get('h2l-reading');
  if (h) return [...h].map((r) => r.toString()).join('');
  return [...document.querySelectorAll('mark.h2l-reading')].map((m) => m.textContent).join('');
}"""


def loopback_port() -> int:
    """A free loopback port in 9400-9499 (the range this suite's own servers use)."""
    for port in range(9400, 9500):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError("no free port in 9400-9499")


@pytest.fixture(scope="module")
def server():
    s = start_server("read-aloud", "--cull-idle", "3600", port=loopback_port())
    yield s
    s.stop()


def open_with_speech(browser, server, query: str, viewport=LAPTOP, voices=ENGLISH_VOICES, present=True,
                     no_highlight_api=False, **options):
    ctx = browser.new_context(viewport=viewport, **options)
    ctx.add_init_script(FAKE_SPEECH % {"voices": json.dumps(voices), "present": json.dumps(present),
                                       "no_highlight_api": json.dumps(no_highlight_api)})
    page = open_dashboard(ctx.new_page(), server, query)
    page.locator(".h2l-main h1").first.wait_for()
    return ctx, page


def spoken(page) -> list[dict]:
    return page.evaluate("window.__tts.log.spoken")


def words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def highlighted(page) -> str:
    return words(page.evaluate(HIGHLIGHTED))


def status(page) -> str:
    return page.locator(".h2l-listen-box [role=status]").text_content().strip()


def wait_spoken(page, n: int) -> list[dict]:
    wait_until(lambda: len(spoken(page)) >= n, 10, f"{n} utterances")
    return spoken(page)


def test_listen_reads_the_part_in_order_marks_the_sentence_pauses_changes_speed_and_stops_on_next(browser, server):
    ctx, page = open_with_speech(browser, server, "track=patient")
    title = words(page.locator(".h2l-main h1").first.inner_text())
    message = words(page.locator(".h2l-main .h2l-main-message").first.inner_text())
    listen = page.locator(".h2l-listen-start")
    listen.wait_for()  # shown once the voices arrived
    assert page.locator(".h2l-listen-note").is_hidden()
    assert axe_violations(page, ".h2l-body") == []

    tab_to(page, "Listen")  # keyboard only, from here on
    page.keyboard.press("Enter")
    said = wait_spoken(page, 1)
    assert said[0]["text"] == title and said[0]["lang"] == "en" and said[0]["rate"] == 1
    assert said[0]["voice"] == "Stand-in English", "a voice for the page's language, not the Spanish one"
    assert highlighted(page) == title
    pause = page.locator(".h2l-listen-pause")
    assert active_text(page) == "Pause" and pause.get_attribute("aria-pressed") == "false", "focus moved to Pause"
    assert listen.is_hidden()
    page.wait_for_function("document.querySelector('.h2l-listen-box [role=status]').textContent === 'Reading aloud.'")

    for n in (2, 3):  # the voice ends each sentence; the next one follows, in order, marked as it is read
        page.evaluate("window.__tts.finish()")
        said = wait_spoken(page, n)
        assert highlighted(page) == said[-1]["text"]
    first, second = said[1]["text"], said[2]["text"]
    assert message.startswith(f"{first} {second}"), (first, second, message)
    assert first.endswith(".") and all(s["lang"] == "en" for s in said)
    screenshot(page, "read-aloud-01-reading")
    assert axe_violations(page) == [], "axe while a sentence is marked"

    # Pause (Space on the focused toggle): the voice stops, the sentence stays marked, nothing more is said
    cancels = page.evaluate("window.__tts.log.cancels")
    page.keyboard.press("Space")
    page.wait_for_function("document.querySelector('.h2l-listen-pause').getAttribute('aria-pressed') === 'true'")
    assert page.evaluate("window.__tts.log.cancels") > cancels and page.evaluate("window.__tts.current()") is None
    assert highlighted(page) == second
    page.wait_for_function("document.querySelector('.h2l-listen-box [role=status]').textContent.startsWith('Paused')")
    assert page.evaluate("window.__tts.finish()") is False and len(spoken(page)) == 3
    # Resume: the same sentence again from its start
    page.keyboard.press("Space")
    said = wait_spoken(page, 4)
    assert said[3]["text"] == second and pause.get_attribute("aria-pressed") == "false"

    # Speed, by keyboard: Faster says the current sentence again at the new rate, and the rest follow at it
    page.keyboard.press("Tab")  # Stop
    assert active_text(page) == "Stop"
    page.keyboard.press("Tab")  # the speed list
    assert page.evaluate("document.activeElement.tagName") == "SELECT"
    page.keyboard.press("ArrowDown")  # Normal -> Faster
    assert page.locator(".h2l-listen-speed select").input_value() == "faster"
    said = wait_spoken(page, 5)
    assert said[4]["text"] == second and said[4]["rate"] > 1
    page.evaluate("window.__tts.finish()")
    said = wait_spoken(page, 6)
    assert said[5]["rate"] == said[4]["rate"] and said[5]["text"] not in (first, second)

    # Next: the reading stops, the mark goes, and the old sentence's end does not start the new part
    cancels = page.evaluate("window.__tts.log.cancels")
    tab_to(page, "Next")
    page.keyboard.press("Enter")
    page.locator(".h2l-main h1").filter(has_text="What HER2-positive").wait_for()
    wait_until(lambda: page.evaluate("window.__tts.log.cancels") > cancels, 10, "the reading to be cancelled")
    page.locator(".h2l-listen-start").wait_for()
    assert highlighted(page) == "" and page.evaluate("window.__tts.current()") is None
    assert page.locator(".h2l-listen-pause").is_hidden()
    count = len(spoken(page))
    page.wait_for_timeout(300)
    assert len(spoken(page)) == count, "nothing more is said after Next"
    assert page.locator(".h2l-listen-speed select").input_value() == "faster", "the speed chosen is kept"

    # the new part reads from its own title; Previous stops it too
    tab_to(page, "Listen", backwards=True)
    page.keyboard.press("Enter")
    said = wait_spoken(page, count + 1)
    assert said[-1]["text"].startswith("What HER2-positive") and said[-1]["rate"] > 1
    cancels = page.evaluate("window.__tts.log.cancels")
    tab_to(page, "Previous")
    page.keyboard.press("Enter")
    page.locator(".h2l-main h1").filter(has_text="Welcome").wait_for()
    wait_until(lambda: page.evaluate("window.__tts.log.cancels") > cancels, 10, "the reading to be cancelled")
    page.locator(".h2l-listen-start").wait_for()
    assert highlighted(page) == ""
    assert axe_violations(page) == []
    ctx.close()


def test_nurse_panels_educator_notes_and_hidden_text_are_never_read_and_questions_are(browser, server):
    ctx, page = open_with_speech(browser, server, "track=nurse&section=basics")
    part = page.locator(".h2l-main .h2l-section").first
    nurse = words(part.locator(".h2l-nurse").first.inner_text())
    assert len(nurse) > 100, "the nursing track shows a nurse panel in this part"
    page.evaluate("""() => {  // an educator note, a hidden paragraph and screen-reader-only text in the part
        const prose = document.querySelector('.h2l-main .h2l-section .h2l-prose');
        prose.insertAdjacentHTML('beforeend', '<aside class="h2l-box h2l-educator"><p>Educator secret one.</p></aside>'
            + '<p hidden>Hidden secret two.</p><p style="display:none">Hidden secret three.</p>'
            + '<p class="h2l-sr-only">Hidden secret four.</p>');
    }""")
    question = part.locator(".h2l-question").first
    prompt = words(question.locator(".h2l-prompt").inner_text())
    options = [words(t) for t in question.locator(".h2l-option span").all_inner_texts()]
    assert len(options) >= 2
    page.locator(".h2l-listen-start").click()
    wait_spoken(page, 1)
    page.evaluate("window.__tts.finishAll(3000)")
    page.wait_for_function("document.querySelector('.h2l-listen-box [role=status]').textContent === "
                           "'Finished reading this part.'")
    said = [s["text"] for s in spoken(page)]
    everything = " ".join(said)
    assert "secret" not in everything.lower(), "educator notes and hidden text are never read"
    nurse_sentences = [s for s in re.split(r"(?<=[.!?])\s+", nurse) if len(s) > 30]
    assert nurse_sentences and not any(s in everything for s in nurse_sentences), "nurse panels are never read"
    assert all(len(s) <= 200 for s in said), "long sentences are read in pieces"
    # the question is read: its prompt, then its options, in order
    at = said.index(next(s for s in said if s == prompt or prompt.startswith(s)))
    places = [next(i for i, s in enumerate(said) if i > at and option.startswith(s)) for option in options]
    assert places == sorted(places), (prompt, options, said[at:at + 10])
    assert page.locator(".h2l-listen-start").is_visible() and highlighted(page) == ""
    ctx.close()


def test_a_spanish_page_is_read_in_spanish_with_a_spanish_voice(browser, server):
    ctx, page = open_with_speech(browser, server, "lang=es&track=patient")
    assert page.evaluate("document.documentElement.lang") == "es"
    title = words(page.locator(".h2l-main h1").first.inner_text())
    listen = page.locator(".h2l-listen-start")
    listen.wait_for()
    assert listen.inner_text() not in ("", "Listen", "listen"), "the control's words are Spanish"
    listen.click()
    said = wait_spoken(page, 1)
    assert said[0] == {"text": title, "lang": "es", "rate": 1, "voice": "Stand-in Spanish"}
    ctx.close()


def test_without_a_voice_for_the_language_the_control_is_hidden_and_a_note_says_so(browser, server):
    french = [{"name": "Stand-in French", "lang": "fr-FR", "localService": True, "default": True}]
    for voices, present in ((french, True), ([], False)):
        ctx, page = open_with_speech(browser, server, "track=patient", voices=voices, present=present)
        note = page.locator(".h2l-listen-note")
        note.wait_for()
        assert note.inner_text() == UNAVAILABLE
        assert page.locator(".h2l-listen").is_hidden() and page.locator(".h2l-listen-start").is_hidden()
        assert page.get_by_role("button", name="Listen").count() == 0
        assert axe_violations(page, ".h2l-body") == []
        ctx.close()


def test_on_a_phone_it_wraps_and_marks_sentences_without_the_highlight_api(browser, server):
    ctx, page = open_with_speech(browser, server, "track=patient", viewport=PHONE, is_mobile=True, has_touch=True,
                                 no_highlight_api=True)
    page.locator(".h2l-listen-start").wait_for()
    message = page.locator(".h2l-main .h2l-main-message").first
    before = message.inner_html()
    box = page.locator(".h2l-listen-box").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    page.locator(".h2l-listen-start").tap()
    wait_spoken(page, 1)
    page.evaluate("window.__tts.finish()")
    said = wait_spoken(page, 2)
    marks = page.locator("mark.h2l-reading")
    assert words(" ".join(marks.all_text_contents())) == said[1]["text"], "the sentence is marked with <mark>"
    style = marks.first.evaluate("m => [getComputedStyle(m).textDecorationLine, getComputedStyle(m).outlineStyle]")
    assert style == ["underline", "solid"], "marked by more than colour"
    controls = page.locator(".h2l-listen").bounding_box()
    assert controls["x"] + controls["width"] <= PHONE["width"], "the controls wrap on a phone"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "no sideways scrolling"
    screenshot(page, "read-aloud-02-phone")
    assert axe_violations(page) == []
    page.locator(".h2l-listen-stop").tap()
    page.locator(".h2l-listen-start").wait_for()
    assert marks.count() == 0 and message.inner_html() == before, "the text is as it was"
    ctx.close()
