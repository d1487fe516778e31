"""A live region: visible HTML that is also announced to screen readers when it changes."""
from __future__ import annotations

import traitlets

from .module import LessonWidget, esm, widget_id


class LiveRegion(LessonWidget):
    """Feedback and status messages. `html` must be built from trusted content or escaped learner text."""

    _esm = esm("live.js")
    _anywidget_id = widget_id("LiveRegion")
    html = traitlets.Unicode("").tag(sync=True)
    css_class = traitlets.Unicode("h2l-live").tag(sync=True)

    def say(self, html: str, css_class: str = "h2l-live") -> None:
        self.css_class = css_class
        self.html = html
