"""Facilitator mode: a section shown one step at a time; the one navigation bar of the projected view.

Stepping past the last step opens the next part, and back from the first step the previous one, so a
facilitator never needs a second set of buttons. The page script steps with the arrow keys, and keeps a
presenter window (in the same browser) in step through the `h2l-at-step-N` class.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

import ipywidgets as w

from ..strings import Strings
from ..widgets import LiveRegion
from ..widgets.lean import shared_layout
from .sections import Step


class Stepper:
    def __init__(self, steps: Sequence[Step], t: Strings, on_past_end: Callable[[], None] | None = None,
                 on_before_start: Callable[[], None] | None = None):
        self.chunks = [widget for widget, _label in steps]
        self.labels = [label for _widget, label in steps]
        self.t = t
        self.on_past_end, self.on_before_start = on_past_end, on_before_start
        self.index = 0
        self.stage = w.VBox(layout=shared_layout(width="100%"))
        self.stage.add_class("h2l-stage")
        self.position = LiveRegion()
        self.back = w.Button(description=t("step_back"), layout=shared_layout(width="auto", min_height="44px"))
        self.forward = w.Button(description=t("step_forward"), layout=shared_layout(width="auto", min_height="44px"))
        self.back.add_class("h2l-button").add_class("h2l-secondary").add_class("h2l-step-prev")
        self.forward.add_class("h2l-button").add_class("h2l-primary").add_class("h2l-step-next")
        self.back.on_click(lambda _b: self.step(-1))
        self.forward.on_click(lambda _b: self.step(1))
        self.controls = w.HBox([self.back, self.position, self.forward]).add_class("h2l-stepper")
        self.widget = w.VBox([self.stage, self.controls], layout=shared_layout(width="100%"))
        self.show(0)

    def step(self, delta: int) -> None:
        target = self.index + delta
        if target >= len(self.chunks) and self.on_past_end:
            self.on_past_end()
        elif target < 0 and self.on_before_start:
            self.on_before_start()
        else:
            self.show(target)

    def show(self, index: int) -> None:
        if not self.chunks:
            return
        self.widget.remove_class(f"h2l-at-step-{self.index}")
        self.index = max(0, min(len(self.chunks) - 1, index))
        self.widget.add_class(f"h2l-at-step-{self.index}")
        self.stage.children = (self.chunks[self.index],)
        self.back.disabled = self.index == 0 and self.on_before_start is None
        self.forward.disabled = self.index == len(self.chunks) - 1 and self.on_past_end is None
        self.position.say(escape(self.t("step_position", n=self.index + 1, m=len(self.chunks))), "h2l-step-count")
