"""One question's form as a single widget: controls, buttons and live feedback (see question.js for why)."""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import traitlets

from .module import LessonWidget, esm, widget_id

log = logging.getLogger(__name__)

KINDS = ("single", "multiple", "select", "number", "text")
TYPED = ("number", "text")  # one labelled box the learner types in; Enter checks


class QuestionForm(LessonWidget):
    """`value`: chosen option indexes (single, multiple), one choice index or None per row (select), or the one text
    typed in the box (number, text), cut to `max_length`.

    Whatever a client sends is validated here: out-of-range or malformed values are dropped, never raised.
    """

    _esm = esm("question.js")
    _anywidget_id = widget_id("QuestionForm")
    kind = traitlets.Unicode("single").tag(sync=True)
    number = traitlets.Unicode("").tag(sync=True)  # "Question 2 of 10"
    legend = traitlets.Unicode("").tag(sync=True)  # the question itself
    instruction = traitlets.Unicode("").tag(sync=True)  # "Choose one answer."
    options = traitlets.List(traitlets.Unicode()).tag(sync=True)
    code_options = traitlets.List(traitlets.Int()).tag(sync=True)  # shown indexes of options that are code
    code = traitlets.Unicode("").tag(sync=True)  # code shown with the question, under its prompt
    unit = traitlets.Unicode("").tag(sync=True)  # typed kinds: shown after the box, e.g. "°F"
    max_length = traitlets.Int(100).tag(sync=True)  # typed kinds: the most characters kept
    # [{"label": str, "choices": [str, ...]}]
    rows: traitlets.List[dict[str, Any]] = traitlets.List().tag(sync=True)
    placeholder = traitlets.Unicode("Choose...").tag(sync=True)
    # option indexes (single, multiple) or an index or None per row (select): what the elements are depends on kind
    value: traitlets.List[Any] = traitlets.List().tag(sync=True)
    disabled = traitlets.Bool(False).tag(sync=True)
    # [{"action": str, "label": str, "primary": bool}]
    buttons: traitlets.List[dict[str, Any]] = traitlets.List().tag(sync=True)
    feedback_html = traitlets.Unicode("").tag(sync=True)
    feedback_class = traitlets.Unicode("").tag(sync=True)

    def __init__(self, on_action: Callable[[str, list], None] | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self._on_action = on_action
        self.on_msg(self._message)

    @traitlets.validate("value")
    def _valid_value(self, proposal) -> list:
        return self.clean(proposal["value"])

    def clean(self, raw: object) -> list:
        items = list(raw) if isinstance(raw, (list, tuple)) else []
        if self.kind in TYPED:
            text = items[0] if items and isinstance(items[0], str) else ""
            return [text[: self.max_length]]
        if self.kind == "select":
            out = []
            for r, row in enumerate(self.rows):
                item = items[r] if r < len(items) else None
                ok = isinstance(item, int) and not isinstance(item, bool) and 0 <= item < len(row["choices"])
                out.append(item if ok else None)
            return out
        picked: list[int] = []
        for item in items:
            if isinstance(item, int) and not isinstance(item, bool) and 0 <= item < len(self.options) \
                    and item not in picked:
                picked.append(item)
        return sorted(picked[-1:] if self.kind == "single" else picked)

    def set_state(self, sync_data: dict) -> None:
        """Updates from the browser may change the answer and nothing else (options, limits and buttons are ours)."""
        super().set_state({k: v for k, v in sync_data.items() if k == "value"})

    def _message(self, _widget: Any, content: object, _buffers: Any) -> None:
        if not isinstance(content, dict):
            return
        action = content.get("action")
        if not isinstance(action, str) or action not in {b["action"] for b in self.buttons}:
            return  # a stale or forged action: the button is not offered now
        if self.disabled is False and "answer" in content:
            self.value = content["answer"]  # the answer as shown when the button was pressed
        if self._on_action:
            try:
                self._on_action(action, self.value)
            except Exception:  # noqa: BLE001 - a failed action must not break the page; the kernel log has it
                log.exception("quiz action %r failed", action)

    def press(self, action: str, answer: object | None = None) -> None:
        """Act as the front end does when a button is pressed (used by tests and by facilitator controls)."""
        message: dict[str, object] = {"action": action}
        if answer is not None:
            message["answer"] = answer
        self._message(self, message, None)
