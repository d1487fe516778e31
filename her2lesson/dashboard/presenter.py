"""The presenter window: the facilitator's own view of a group session, kept in step with the projected one.

The projected view shows the group one step at a time and never an educator note; this window, opened from it in
the same browser, lists the part's steps (the page script marks the one on screen and the next), shows the
educator notes, and steps the projected view with its own buttons or the arrow keys (a BroadcastChannel between
the two windows; see static/her2lesson.js).
"""
from __future__ import annotations

from html import escape
from typing import Any

import ipywidgets as w

from ..content import Content
from ..content.notebooks import Section
from ..strings import Strings
from ..widgets.lean import shared_layout
from .sections import View, block_html


def presenter_panel(section: Section | None, content: Content, labels: list[str], t: Strings) -> w.HTML:
    """The part's steps, numbered as the projected view numbers them, and its educator notes."""
    title = section.title if section else t("handout_title")
    steps = "".join(f'<li data-step="{k}">{escape(label)}</li>' for k, label in enumerate(labels))
    notes = "".join(block_html(b, content, View("nurse", True), t)
                    for b in (section.markdown("educator") if section else []))
    return w.HTML(
        f'<h1>{escape(t("presenter_title"))}: {escape(title)}</h1>'
        f'<p class="h2l-note">{escape(t("presenter_intro"))}</p>'
        f'<div class="h2l-remote" role="group" aria-label="{escape(t("presenter_title"))}">'
        f'<button type="button" class="h2l-button h2l-secondary h2l-remote-prev">{escape(t("presenter_prev"))}</button>'
        f'<p class="h2l-remote-now" aria-live="polite"></p>'
        f'<button type="button" class="h2l-button h2l-primary h2l-remote-next">{escape(t("presenter_next"))}</button>'
        f'</div>'
        f'<h2>{escape(t("presenter_steps"))}</h2><ol class="h2l-steps">{steps}</ol>'
        + (notes or f'<p>{escape(t("presenter_none"))}</p>'),
        layout=shared_layout(width="100%"))


def reveal_answer(view: Any) -> None:
    """Show the group the answer to the question on screen: held answers are released, unanswered ones revealed."""
    for part in view.answerables:
        if part.held:
            part.release()
        elif not part.locked:
            part.reveal()
