"""Read-aloud: a Listen control that reads the part on screen with the browser's own speech synthesis.

Everything happens in the browser (readaloud.js): the device's voices work offline and nothing is sent to a speech
service or to the kernel. The kernel only says in which language to read, with which words to label the controls,
and when the part on screen changed (`stop()`), so the reading never runs on into another part.

The module is `readaloud.js`, not `read_aloud.js`: the server serves widget modules whose names are letters only.
"""
from __future__ import annotations

from typing import Any

import traitlets

from ..strings import Strings
from .module import LessonWidget, esm, widget_id

STRING_KEYS = ("listen", "listen_group", "listen_pause", "listen_stop", "listen_speed", "listen_slower",
               "listen_normal", "listen_faster", "listen_reading", "listen_paused", "listen_stopped", "listen_done",
               "listen_unavailable")
# Never read aloud: nurse-only panels and educator notes (whatever their element), glossary definitions (they open
# on request), screen-reader-only text and the control itself. Hidden elements are left out by the module as well.
SKIP = '[class*="h2l-nurse"], [class*="h2l-educator"], .h2l-def, .h2l-sr-only, .h2l-listen-box'
TARGET = ".h2l-main"  # the container whose child is the part on screen
PARTS = ".h2l-section, .h2l-handout"  # what counts as a part: nothing is read on the start screen


class ReadAloud(LessonWidget):
    """One per dashboard. Hidden where no part is on screen, and where the browser has no voice for `lang`."""

    _esm = esm("readaloud.js")
    _anywidget_id = widget_id("ReadAloud")
    lang = traitlets.Unicode("").tag(sync=True)  # "" reads in the page's language (<html lang>)
    strings = traitlets.Dict(value_trait=traitlets.Unicode(), key_trait=traitlets.Unicode()).tag(sync=True)
    target = traitlets.Unicode(TARGET).tag(sync=True)
    parts = traitlets.Unicode(PARTS).tag(sync=True)
    skip = traitlets.Unicode(SKIP).tag(sync=True)
    stops = traitlets.Int(0).tag(sync=True)  # each change stops any reading (the module watches it)

    def __init__(self, t: Strings | None = None, lang: str = "", **kwargs: Any):
        strings = {key: t(key) for key in STRING_KEYS} if t is not None else {}
        super().__init__(lang=lang, strings=strings, **kwargs)

    def stop(self) -> None:
        """The part on screen changed (or the page is leaving it): stop reading and take the highlight away."""
        self.stops += 1

    def set_state(self, sync_data: dict) -> None:
        """The browser changes nothing here: language, words and what is skipped come from the kernel only."""
