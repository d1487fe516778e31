"""One section of the lesson as widgets, built from the section notebook's blocks for one learner's view."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from html import escape

import ipywidgets as w

from ..content import Content
from ..content.notebooks import GLOSSARY_LINK, Block, Section
from ..content.plain import ENGLISH
from ..strings import Strings
from ..widgets.lean import shared_layout
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
    """Who is looking: decides which blocks show.

    The projected facilitator view is for the group: educator notes never show there (they live in the presenter
    window), and nurse panels only in a nursing class.
    """

    track: str  # patient | nurse | explore
    facilitator: bool = False

    def shows(self, block: Block) -> bool:
        return block.role != "educator"


Step = tuple[w.Widget, str]  # one thing a facilitator shows at a time, and its label for the presenter window


def block_html(block: Block, content: Content, view: View, t: Strings) -> str:
    html = to_html(block.text, content.glossary, t("say"))
    if block.role in ("nurse", "educator") and content.lang != ENGLISH:
        html = f'<div lang="{ENGLISH}">{html}</div>'  # these stay English in a translation (docs/authoring.md)
    if block.role == "title":
        return html
    cls = BOX_ROLES.get(block.role)
    if block.role == "nurse":
        if view.track == "nurse":
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


def _label(block: Block) -> str:
    """A short label for a step: its heading, or the start of its text."""
    for line in block.text.splitlines():
        text = GLOSSARY_LINK.sub(r"\1", line).strip().lstrip("#").replace("**", "").strip()
        if text:
            return text if len(text) <= 80 else text[:77].rsplit(" ", 1)[0] + "..."
    return block.role


def section_steps(section: Section, content: Content, view: View, t: Strings,
                  widget_for: Callable[[Block], w.Widget | list[Step] | None]) -> list[Step]:
    """Widgets for a section, in order, each with a label; runs of Markdown become one HTML widget each.

    For a facilitator every cell is a step of its own (one idea at a time), and `widget_for` may give several
    steps for one block (a quiz: one question per step).
    """
    steps: list[Step] = []
    pending: list[str] = []
    label = ""

    def flush() -> None:
        nonlocal label
        if pending:
            steps.append((w.HTML("".join(pending), layout=shared_layout(width="100%")).add_class("h2l-prose"),
                          label or section.title))
            pending.clear()
            label = ""

    for block in section.blocks:
        if not view.shows(block):
            continue
        if block.kind == "markdown":
            html = block_html(block, content, view, t)
            if html:
                pending.append(html)
                if block.role != "title":
                    label = label or _label(block)
                if view.facilitator and block.role != "title":
                    flush()
        elif block.kind == "figure":
            pending.append(figure_html(block.role, content, t))
            label = label or content.figures[block.role].title
            if view.facilitator:
                flush()
        else:
            made = widget_for(block)
            if made is None:
                continue
            flush()
            if isinstance(made, list):
                steps.extend(made)
            else:
                steps.append((made, t(f"aid_{block.role}") if f"aid_{block.role}" in t else block.role))
    flush()
    return steps


def section_children(section: Section, content: Content, view: View, t: Strings,
                     widget_for: Callable[[Block], w.Widget | list[Step] | None]) -> list[w.Widget]:
    """The section's widgets in order (each child is one step a facilitator can show)."""
    return [widget for widget, _label in section_steps(section, content, view, t, widget_for)]


def key_points(section: Section) -> list[str]:
    """The bullets of a section's key-points cell, as plain sentences (for the handout)."""
    points = []
    for block in section.markdown("key-points"):
        for line in block.text.splitlines():
            line = line.strip()
            if line[:2] in ("- ", "* "):
                points.append(GLOSSARY_LINK.sub(r"\1", line[2:]).replace("**", "").strip())
    return points
