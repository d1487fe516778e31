"""Browser storage for the resume code (anywidget): the same browser comes back without typing it."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import traitlets

from .module import LessonWidget, esm, widget_id

MAX_STORED = 64


class BrowserStore(LessonWidget):
    _esm = esm("storage.js")
    _anywidget_id = widget_id("BrowserStore")
    key = traitlets.Unicode("her2lesson.resume").tag(sync=True)
    value = traitlets.Unicode("").tag(sync=True)

    def __init__(self, on_loaded: Callable[[str | None], None], **kwargs: Any):
        super().__init__(**kwargs)
        self._on_loaded = on_loaded
        self.loaded = False
        self.on_msg(self._message)

    def _message(self, _widget: Any, content: object, _buffers: Any) -> None:
        if not isinstance(content, dict) or "loaded" not in content or self.loaded:
            return
        self.loaded = True
        raw = content.get("loaded")
        self._on_loaded(raw[:MAX_STORED] if isinstance(raw, str) and raw else None)

    def remember(self, value: str) -> None:
        self.value = value

    def forget(self) -> None:
        self.value = ""
