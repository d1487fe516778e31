"""One section of the lesson as widgets, built from the section notebook's blocks for one learner's view."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from html import escape

import ipywidgets as w

from ..content import Content
from ..content.notebooks import GLOSSARY_LINK, Block, Section
from ..strings import Strings
from .markdown import to_html

BOX_ROLES = {
    "main-message": "h2l-main-message",
    "objectives": "h2l-objectives",
    "do-this": "h2l-do-this",
    "unknown": "h2l-unknown",
    "key-points": "h2l-key-points",
    "nurse": "h2l-nurse",
    "educator": "h2l-educator",
}
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>\s*")


@dataclass(frozen=True)
class View:
    """Who is looking: decides which blocks show."""

    track: str  # patient | nurse | explore
    facilitator: bool = False

    def shows(self, block: Block) -> bool:
        if block.role == "educator":
            return self.facilitator
        return True


def block_html(block: Block, content: Content, view: View, t: Strings) -> str:
    html = to_html(block.text, content.glossary, t("say"))
    if block.role == "title":
        return html
    cls = BOX_ROLES.get(block.role)
    if block.role == "nurse":
        if view.track == "nurse" or view.facilitator:
            return f'<section class="h2l-box {cls}" aria-label="{escape(t("nurse_panel"))}">' \
                   f'<p class="h2l-box-label">{escape(t("nurse_panel"))}</p>{html}</section>'
        return (f'<details class="h2l-box {cls}"><summary>{escape(t("nurse_panel_more"))}</summary>{html}</details>'
                if view.track == "explore" else "")
    if block.role == "educator":
        return f'<aside class="h2l-box {cls}" aria-label="{escape(t("educator_note"))}">' \
               f'<p class="h2l-box-label">{escape(t("educator_note"))}</p>{html}</aside>'
    if cls:
        return f'<div class="h2l-box {cls}">{html}</div>'
    return f'<div class="h2l-chunk">{html}</div>'


def figure_html(name: str, content: Content, t: Strings) -> str:
    info = content.figures[name]
    svg = _XML_DECL.sub("", content.svg(name))
    return (f'<figure class="h2l-figure"><div class="h2l-svg">{svg}</div>'
            f'<figcaption>{escape(info.caption)}</figcaption>'
            f'<details class="h2l-describe"><summary>{escape(t("describe_figure"))}</summary>'
            f'<p>{escape(info.alt)}</p></details></figure>')


def section_children(section: Section, content: Content, view: View, t: Strings,
                     widget_for: Callable[[Block], w.Widget | None]) -> list[w.Widget]:
    """Widgets for a section, in order; runs of Markdown become one HTML widget each, to keep the page light.

    Each child is one chunk a facilitator can step through.
    """
    children: list[w.Widget] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            children.append(w.HTML("".join(pending), layout=w.Layout(width="100%")).add_class("h2l-prose"))
            pending.clear()

    for block in section.blocks:
        if not view.shows(block):
            continue
        if block.kind == "markdown":
            html = block_html(block, content, view, t)
            if html:
                pending.append(html)
                if view.facilitator and block.role != "title":  # one idea at a time: each cell a step
                    flush()
        elif block.kind == "figure":
            pending.append(figure_html(block.role, content, t))
            if view.facilitator:
                flush()
        else:
            widget = widget_for(block)
            if widget is not None:
                flush()
                children.append(widget)
    flush()
    return children


def key_points(section: Section) -> list[str]:
    """The bullets of a section's key-points cell, as plain sentences (for the handout)."""
    points = []
    for block in section.markdown("key-points"):
        for line in block.text.splitlines():
            line = line.strip()
            if line[:2] in ("- ", "* "):
                points.append(GLOSSARY_LINK.sub(r"\1", line[2:]).replace("**", "").strip())
    return points
