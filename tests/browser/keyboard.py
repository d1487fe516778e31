"""Keyboard-only helpers for browser tests: reach things with Tab, answer with Space, arrows, typing and Enter."""
from __future__ import annotations

from her2lesson.content.schema import show_number
from her2lesson.quiz.grading import numeric_match, read_number, text_match

TYPED = ("numeric", "text")  # question types answered by typing in one box; Enter in the box checks

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


def typed_answer(question, right: bool = True) -> str:
    """What a learner types for a number or short-text question that the bank grades right (or wrong)."""
    if question.type == "text":
        tries = [a.text for a in question.answers] + ["no such answer"]

        def grade(text: str) -> int | None:
            return text_match(question, text)
    else:
        tries = [show_number(a.value if a.value is not None else a.range[0]) for a in question.answers] + ["-1e9"]

        def grade(text: str) -> int | None:
            number = read_number(text, question.unit)
            return None if number is None else numeric_match(question, number)
    for text in tries:  # the first answer that holds a number wins, so grade each try as the page will
        k = grade(text)
        if (k is not None and question.answers[k].correct) == right:
            return text
    raise AssertionError(f"no {'right' if right else 'wrong'} answer to type for {question.id}")


def answer_question(page, card, question, right: bool = True) -> None:
    """Answer the question in `card` by keyboard, starting with focus on its first control; then press Check.

    A number or short-text question is typed in its box (replacing what is there) and checked with Enter."""
    kind = question.type
    if kind in TYPED:
        assert card.locator("input.h2l-typed-input").evaluate("box => box === document.activeElement"), \
            f"expected the answer box of {question.id}, focus is on {active_text(page)!r}"
        page.keyboard.press("ControlOrMeta+A")  # select what the box holds, so typing replaces it
        page.keyboard.type(typed_answer(question, right))
        page.keyboard.press("Enter")
        return
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
