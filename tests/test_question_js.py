"""The question form's front end (question.js) for typed answers and code, run in Node against a small stand-in DOM.

Not a browser test: it checks what the module builds and sends (the prompt labels the box, `inputmode="decimal"`,
the length limit, the unit read with the box, Enter sends Check with the text as typed) without starting a server.
The browser tests (tests/browser) cover the real page.
"""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from her2lesson.widgets.module import MODULE_DIR


def _node() -> str | None:
    """Node.js on the PATH, else the one Playwright (a test dependency) ships to drive its browsers."""
    found = shutil.which("node")
    if found:
        return found
    try:
        import playwright
    except ImportError:
        return None
    bundled = Path(playwright.__file__).parent / "driver" / "node"
    return str(bundled) if bundled.exists() else None


NODE = _node()
pytestmark = pytest.mark.skipif(NODE is None, reason="no Node.js: neither on the PATH nor Playwright's own")

HARNESS = r"""
class El {
  constructor(tag) {
    this.tagName = tag.toUpperCase(); this.children = []; this.parent = null; this.attrs = {}; this.listeners = {};
    this.className = ""; this._text = ""; this.dataset = {}; this.hidden = false; this.disabled = false;
    this.value = ""; this.checked = false; this.id = "";
    const classes = new Set();
    this.classList = { add: (c) => classes.add(c), remove: (c) => classes.delete(c), contains: (c) => classes.has(c) };
  }
  appendChild(c) { c.parent = this; this.children.push(c); return c; }
  append(...cs) { cs.forEach((c) => this.appendChild(c)); }
  set textContent(v) { this.children = []; this._text = String(v); }
  get textContent() { return this._text + this.children.map((c) => c.textContent).join(""); }
  set innerHTML(v) { this.children = []; this._text = String(v); }
  get innerHTML() { return this._text; }
  setAttribute(k, v) { this.attrs[k] = String(v); }
  getAttribute(k) { return k in this.attrs ? this.attrs[k] : null; }
  removeAttribute(k) { delete this.attrs[k]; }
  addEventListener(type, fn) { (this.listeners[type] = this.listeners[type] || []).push(fn); }
  fire(type, extra = {}) {
    const ev = { key: "", isComposing: false, defaultPrevented: false, ...extra };
    ev.preventDefault = () => { ev.defaultPrevented = true; };
    (this.listeners[type] || []).forEach((fn) => fn(ev));
    return ev;
  }
  contains(n) { for (let x = n; x; x = x.parent) if (x === this) return true; return false; }
  focus() { document.activeElement = this; }
  get all() { return this.children.flatMap((c) => [c, ...c.all]); }
  matches(selector) { return selector.split(",").some((s) => one(this, s.trim())); }
  querySelectorAll(selector) { return this.all.filter((n) => n.matches(selector)); }
  querySelector(selector) { return this.querySelectorAll(selector)[0] || null; }
}
function one(node, s) {
  const m = s.match(/^([a-z]*)(.*)$/);
  if (m[1] && node.tagName !== m[1].toUpperCase()) return false;
  for (const [, name, value] of m[2].matchAll(/\[data-([a-z]+)="([^"]*)"\]/g)) {
    if (node.dataset[name] !== value) return false;
  }
  if (m[2].includes(":not([disabled])") && node.disabled) return false;
  return true;
}
globalThis.document = { createElement: (t) => new El(t), activeElement: null, dispatchEvent() {} };
globalThis.CustomEvent = class { constructor(type) { this.type = type; } };

const { default: widget } = await import(process.argv[2]);
const cases = JSON.parse(process.argv[3]);
const out = {};
for (const [name, state] of Object.entries(cases)) {
  const sent = [], saved = [], handlers = {};
  const model = { get: (k) => state[k], set: (k, v) => { state[k] = v; }, save_changes: () => saved.push(state.value),
                  send: (m) => sent.push(m), on: (name, fn) => (handlers[name] = handlers[name] || []).push(fn) };
  const reply = (changes) => {  // the kernel's answer: one trait at a time, in the order views.py sets them
    for (const [k, v] of Object.entries(changes)) {
      state[k] = v;
      for (const fn of [...(handlers["change:" + k] || []), ...(handlers.change || [])]) fn();
    }
  };
  const el = new El("div");
  widget.render({ model, el });
  const box = el.querySelector("input");
  const label = el.querySelector("label");
  const result = { sent, saved };
  if (box && box.type === "text") {
    const described = (box.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    Object.assign(result, {
      labelFor: label.htmlFor === box.id && box.id !== "", labelText: label.textContent, inputMode: box.inputMode || "",
      maxLength: box.maxLength, described: described.map((id) => el.all.find((n) => n.id === id).textContent),
      value: box.value,
    });
    box.value = state.typed;
    box.focus();
    result.composing = box.fire("keydown", { key: "Enter", isComposing: true }).defaultPrevented;
    result.enter = box.fire("keydown", { key: "Enter" }).defaultPrevented;
    box.fire("keydown", { key: "a" });
    box.fire("change");
    if (state.reply) reply(state.reply);
    const active = document.activeElement;
    result.focus = active === box ? "box" : active && active.getAttribute("role") === "status" ? "feedback" : "?";
  }
  result.code = el.all.filter((n) => n.tagName === "CODE").map((n) => n.textContent);
  const pre = el.querySelector("pre");
  result.questionCode = pre && !pre.hidden ? pre.textContent : null;
  out[name] = result;
}
console.log(JSON.stringify(out));
"""

BASE = {"number": "Question 1 of 1", "legend": "What is the lowest temperature to call at?",
        "instruction": "Type a number, then press Check or Enter.", "options": [], "code_options": [], "code": "",
        "unit": "", "max_length": 100, "rows": [], "placeholder": "Choose...", "value": [""], "disabled": False,
        "buttons": [{"action": "check", "label": "Check", "primary": True},
                    {"action": "reveal", "label": "Show answer", "primary": False}],
        "feedback_html": "", "feedback_class": "", "typed": ""}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("js")
    (folder / "question.mjs").write_text((MODULE_DIR / "question.js").read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "harness.mjs").write_text(HARNESS, encoding="utf-8")
    cases = {
        "number": BASE | {"kind": "number", "unit": "°F", "max_length": 40, "typed": "100,4",
                          "reply": {"disabled": True, "feedback_class": "h2l-right", "feedback_html": "<p>Correct.</p>",
                                    "buttons": []}},
        "not-a-number": BASE | {"kind": "number", "typed": "lots",
                                "reply": {"feedback_class": "h2l-info", "feedback_html": "<p>Not a number.</p>"}},
        "text": BASE | {"kind": "text", "legend": "Which drug is Herceptin?", "value": ["tras"],
                        "typed": "Trastuzumab"},
        "locked": BASE | {"kind": "number", "disabled": True, "typed": "99",
                          "buttons": [{"action": "retry", "label": "Try again", "primary": True}]},
        "code": BASE | {"kind": "single", "options": ["print(2 + 3)", "Five"], "code_options": [0],
                        "code": "x = 7\nprint(x // 2)"},
    }
    done = subprocess.run([NODE, str(folder / "harness.mjs"), (folder / "question.mjs").as_uri(), json.dumps(cases)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_number_box_is_labelled_by_the_question_and_reads_its_unit(rendered):
    box = rendered["number"]
    assert box["labelFor"] and box["labelText"] == BASE["legend"]
    assert box["inputMode"] == "decimal" and box["maxLength"] == 40
    assert box["described"] == ["°F", BASE["instruction"]], "the unit and the instruction are read with the box"


def test_enter_sends_check_with_the_text_as_typed(rendered):
    box = rendered["number"]
    assert box["enter"] and not box["composing"], "Enter while composing (an input method) is left alone"
    assert box["sent"] == [{"action": "check", "answer": ["100,4"]}], "one message: the action and the text"
    assert box["saved"] == [["100,4"]], "a change also keeps the text in the model"


def test_after_enter_focus_goes_to_the_feedback_or_stays_for_a_new_try(rendered):
    assert rendered["number"]["focus"] == "feedback", "the box is locked: read the feedback, then Tab on"
    assert rendered["not-a-number"]["focus"] == "box", "no answer yet: keep typing"


def test_the_text_box_shows_the_saved_answer_and_is_not_numeric(rendered):
    box = rendered["text"]
    assert box["labelFor"] and box["inputMode"] == "" and box["value"] == "tras" and box["maxLength"] == 100
    assert box["sent"] == [{"action": "check", "answer": ["Trastuzumab"]}]


def test_enter_does_nothing_when_check_is_not_offered(rendered):
    assert rendered["locked"]["sent"] == []


def test_code_answers_and_question_code_are_shown_as_code(rendered):
    code = rendered["code"]
    assert code["code"] == ["print(2 + 3)"] and code["questionCode"] == "x = 7\nprint(x // 2)"
    assert rendered["number"]["questionCode"] is None, "no empty code block"
