"""A bounded, labelled text field whose button (or Enter) sends the text with it."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import traitlets

from .module import LessonWidget, esm, widget_id


class TextEntry(LessonWidget):
    _esm = esm("entry.js")
    _anywidget_id = widget_id("TextEntry")
    label = traitlets.Unicode("").tag(sync=True)
    placeholder = traitlets.Unicode("").tag(sync=True)
    button_label = traitlets.Unicode("Add").tag(sync=True)
    max_length = traitlets.Int(300).tag(sync=True)
    multiline = traitlets.Bool(False).tag(sync=True)  # one-line fields: Enter submits, no stray new lines
    autocomplete = traitlets.Unicode("off").tag(sync=True)
    value = traitlets.Unicode("").tag(sync=True)  # what the field shows when drawn (set from Python only)

    def __init__(self, on_add: Callable[[str], object], **kwargs: Any):
        """`on_add` gets the text sent (cut to max_length); what it returns is not used."""
        super().__init__(**kwargs)
        self._on_add = on_add
        self.on_msg(self._message)

    def _message(self, _widget: Any, content: object, _buffers: Any) -> None:
        if isinstance(content, dict) and content.get("action") == "add":
            text = content.get("text")
            self._on_add(text[: self.max_length] if isinstance(text, str) else "")

    def set_state(self, sync_data: dict) -> None:
        """Nothing the browser sends may change the label, limit or button (text arrives with the button press)."""

    def clear(self) -> None:
        self.send({"clear": True})
