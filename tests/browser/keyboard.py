"""Keyboard-only helpers for browser tests: reach things with Tab, answer with Space, arrows and Enter."""
from __future__ import annotations

ACTIVE_TEXT = ("(document.activeElement && (document.activeElement.innerText || "
               "document.activeElement.value || '')).trim()")


def active_text(page) -> str:
    return page.evaluate(ACTIVE_TEXT)


def tab_to(page, text: str, limit: int = 400, backwards: bool = False, exact: bool = True) -> None:
    """Press Tab (or Shift+Tab) until the focused element's text is `text`."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        current = active_text(page).replace("\u2713 ", "")
        if (current == text) if exact else (text in current):
            return
        page.keyboard.press(key)
    raise AssertionError(f"could not reach {text!r} with {key} in {limit} presses")


def tab_into(page, locator, limit: int = 400) -> None:
    """Press Tab until the focus is inside `locator`."""
    for _ in range(limit):
        if locator.evaluate("el => el.contains(document.activeElement)"):
            return
        page.keyboard.press("Tab")
    raise AssertionError("could not reach the element with Tab")


def type_and_press(page, text: str, button: str) -> None:
    """Tab to the next text box, type, then Tab to `button` and press Enter (a text entry with its button)."""
    for _ in range(40):
        if page.evaluate("document.activeElement.matches('textarea, input[type=text]')"):
            break
        page.keyboard.press("Tab")
    else:
        raise AssertionError("no text box reached with Tab")
    page.keyboard.type(text)
    page.keyboard.press("Tab")
    assert active_text(page) == button, f"expected {button!r}, focus is on {active_text(page)!r}"
    page.keyboard.press("Enter")


def _normal(text: str) -> str:
    return text.replace("\xa0", " ").strip()


def answer_question(page, card, question, right: bool = True) -> None:
    """Answer the question in `card` by keyboard, starting with focus on its first control; then press Check."""
    kind = question.type
    if kind in ("single", "truefalse"):
        labels = [_normal(t) for t in card.locator("label.h2l-option").all_inner_texts()]
        wanted = next(o.text for o in question.options if o.correct == right)
        page.keyboard.press("Space")
        for _ in range(labels.index(wanted)):
            page.keyboard.press("ArrowDown")
    elif kind == "multiple":
        labels = [_normal(t) for t in card.locator("label.h2l-option").all_inner_texts()]
        for k, label in enumerate(labels):
            if any(o.text == label and o.correct == right for o in question.options):
                page.keyboard.press("Space")
            if k < len(labels) - 1:
                page.keyboard.press("Tab")
    else:
        rows = card.locator(".h2l-row")
        labels = [_normal(t) for t in card.locator(".h2l-row-label").all_inner_texts()]
        for k, label in enumerate(labels):
            if kind == "matching":
                wanted = next(p.match for p in question.pairs if p.item == label)
            else:
                wanted = str(question.steps.index(label) + 1)
            select = rows.nth(k).locator("select")
            options = [_normal(o) for o in select.evaluate("s => [...s.options].map(o => o.text)")]
            steps = options.index(wanted) - select.evaluate("s => s.selectedIndex")
            for _ in range(abs(steps)):
                page.keyboard.press("ArrowDown" if steps > 0 else "ArrowUp")
            if k < len(labels) - 1:
                page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert active_text(page) == "Check", f"expected Check, focus is on {active_text(page)!r}"
    page.keyboard.press("Enter")
