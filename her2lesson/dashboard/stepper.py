"""Facilitator mode: a section shown one chunk at a time, stepped forward and back (buttons or arrow keys)."""
from __future__ import annotations

from collections.abc import Sequence
from html import escape

import ipywidgets as w

from ..strings import Strings
from ..widgets import LiveRegion


class Stepper:
    def __init__(self, chunks: Sequence[w.Widget], t: Strings):
        self.chunks = list(chunks)
        self.t = t
        self.index = 0
        self.stage = w.VBox(layout=w.Layout(width="100%"))
        self.stage.add_class("h2l-stage")
        self.position = LiveRegion()
        self.back = w.Button(description=t("step_back"), layout=w.Layout(width="auto", min_height="44px"))
        self.forward = w.Button(description=t("step_forward"), layout=w.Layout(width="auto", min_height="44px"))
        self.back.add_class("h2l-button").add_class("h2l-secondary").add_class("h2l-step-prev")
        self.forward.add_class("h2l-button").add_class("h2l-primary").add_class("h2l-step-next")
        self.back.on_click(lambda _b: self.step(-1))
        self.forward.on_click(lambda _b: self.step(1))
        controls = w.HBox([self.back, self.position, self.forward]).add_class("h2l-stepper")
        self.widget = w.VBox([self.stage, controls], layout=w.Layout(width="100%"))
        self.show(0)

    def step(self, delta: int) -> None:
        self.show(self.index + delta)

    def show(self, index: int) -> None:
        if not self.chunks:
            return
        self.index = max(0, min(len(self.chunks) - 1, index))
        self.stage.children = (self.chunks[self.index],)
        self.back.disabled = self.index == 0
        self.forward.disabled = self.index == len(self.chunks) - 1
        self.position.say(escape(self.t("step_position", n=self.index + 1, m=len(self.chunks))), "h2l-step-count")
