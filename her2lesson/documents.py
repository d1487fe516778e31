"""PDFs a learner takes away: the certificate of completion and the take-home handout.

Made in the kernel with fpdf2 (no network, no browser print dialog needed). A Unicode font is used when the machine
has DejaVu Sans, so any name prints as typed; without it, characters outside Latin-1 print as "?".
"""
from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from fpdf import FPDF as _PDFBase  # the real base, mixed in by _doc_class() when the first PDF is made
else:
    _PDFBase = object

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
MAX_NAME = 80
INK = (26, 26, 26)
ACCENT = (11, 83, 148)


def clean_name(raw: object) -> str:
    """A certificate name: one line, no control characters, at most MAX_NAME characters."""
    text = " ".join(str(raw or "").split())
    text = "".join(ch for ch in text if ch.isprintable())
    return text[:MAX_NAME].strip()


def _document(orientation: str = "P", page_format: str = "A4") -> "_DocMixin":
    """A new PDF; fpdf2 (and the imaging libraries it pulls in) load only when a PDF is made, not per learner."""
    return _doc_class()(orientation, page_format)


@functools.cache
def _doc_class() -> type[_DocMixin]:
    from fpdf import FPDF

    return type("LessonPDF", (_DocMixin, FPDF), {})


class _DocMixin(_PDFBase):
    """The lesson's PDF helpers on top of fpdf2's FPDF (a base for the type checker; at run time FPDF is mixed in
    by _doc_class(), so fpdf2 loads only when a PDF is made)."""

    def __init__(self, orientation: str = "P", page_format: str = "A4"):
        super().__init__(orientation=orientation, unit="mm", format=page_format)
        self.set_auto_page_break(True, margin=18)
        self.set_margins(20, 18, 20)
        regular = next((d / "DejaVuSans.ttf" for d in FONT_DIRS if (d / "DejaVuSans.ttf").exists()), None)
        bold = next((d / "DejaVuSans-Bold.ttf" for d in FONT_DIRS if (d / "DejaVuSans-Bold.ttf").exists()), None)
        if regular and bold:
            self.add_font("body", "", str(regular))
            self.add_font("body", "B", str(bold))
            self.family, self.unicode = "body", True
        else:
            self.family, self.unicode = "helvetica", False

    def text_of(self, text: str) -> str:
        return text if self.unicode else text.encode("latin-1", "replace").decode("latin-1")

    def style(self, size: float, bold: bool = False, color: tuple[int, int, int] = INK) -> None:
        self.set_font(self.family, "B" if bold else "", size)
        self.set_text_color(*color)

    def para(self, text: str, size: float = 12, bold: bool = False, color=INK, gap: float = 2,
             align: str = "L") -> None:
        self.style(size, bold, color)
        self.multi_cell(0, size * 0.45, self.text_of(text), align=align, new_x="LMARGIN", new_y="NEXT")
        self.ln(gap)

    def bullets(self, items: Sequence[str], size: float = 12, marker: str = "-") -> None:
        self.style(size)
        for item in items:
            self.set_x(self.l_margin)
            self.multi_cell(0, size * 0.5, self.text_of(f"{marker} {item}"), new_x="LMARGIN", new_y="NEXT")
            self.ln(1)
        self.ln(2)


@dataclass(frozen=True)
class Certificate:
    module_title: str
    name: str
    score_percent: int
    provider: str
    contact_hours: float
    issued: date
    heading: str = "Certificate of completion"
    statement: str = "has completed the learning module"
    score_label: str = "Final check score"
    hours_label: str = "Contact hours"
    provider_label: str = "Provided by"
    date_label: str = "Date"
    pass_mark: int | None = None
    pass_mark_label: str = "pass mark"
    accreditation: str = ""
    """From the settings: who accredits the hours, printed under the provider (nothing when empty)."""
    certificate_id: str = ""
    """The ID the records keep; empty when it could not be recorded, and then no way to check it is printed."""
    id_label: str = "Certificate ID"
    verify_note: str = ""
    """How to check the ID, printed under it."""


NAME_LARGEST, NAME_SMALLEST = 30.0, 22.0  # the name shrinks to fit one line, down to this; below, it wraps
CERT_GREY = (85, 85, 85)
CERT_PAGE = "letter"  # landscape US Letter, like the take-home sheet; the layout follows the page's size


def name_lines(doc: "_DocMixin", name: str, width: float) -> tuple[float, list[str]]:
    """The name's font size and lines: one line at the largest size that fits; past NAME_SMALLEST, lines broken
    only between words. A word too long for the line makes the size smaller still: a name is never cut mid-word."""
    def width_at(text: str, size: float) -> float:
        doc.style(size, True)
        return doc.get_string_width(doc.text_of(text))

    whole = width_at(name, 1) or 1e-9  # widths grow in proportion to the size
    if whole * NAME_SMALLEST <= width:
        return min(NAME_LARGEST, int(2 * width / whole) / 2), [name]
    words = name.split()
    longest = max(width_at(word, 1) for word in words)
    size = min(NAME_SMALLEST, int(2 * width / longest) / 2)

    def wrapped(limit: float) -> list[str]:
        lines: list[str] = []
        for word in words:
            if lines and width_at(f"{lines[-1]} {word}", size) <= limit:
                lines[-1] += f" {word}"
            else:
                lines.append(word)
        return lines

    # As few lines as fit the width, then as even as they can be (no lone last word under a long line).
    count, low, high = len(wrapped(width)), longest * size, width
    for _ in range(16):
        middle = (low + high) / 2
        low, high = (low, middle) if len(wrapped(middle)) <= count else (middle, high)
    return size, wrapped(high)


def _block_height(doc: "_DocMixin", width: float, text: str, size: float, bold: bool = False) -> float:
    """How tall `text` is once wrapped in `width` (nothing is drawn)."""
    if not text:
        return 0.0
    doc.style(size, bold)
    # fpdf2 types the result as the union over every `output` choice; output="HEIGHT" returns the height alone.
    return cast(float, doc.multi_cell(width, size * 0.45, doc.text_of(text), dry_run=True, output="HEIGHT"))


def _text_block(doc: "_DocMixin", x: float, width: float, text: str, size: float, bold: bool = False,
                color: tuple[int, int, int] = INK, align: str = "C") -> None:
    """Wrapped text in a column from the current y; the y moves below it."""
    if not text:
        return
    doc.style(size, bold, color)
    doc.set_x(x)
    doc.multi_cell(width, size * 0.45, doc.text_of(text), align=align, new_x="LEFT", new_y="NEXT")


_FootLine = tuple[str, float, bool, tuple[int, int, int]]
"""One line of the certificate's foot: text, font size, bold, colour."""


def certificate_pdf(c: Certificate) -> bytes:
    """One landscape page: heading; the name, what was completed and the results in the middle; the provider,
    accreditation, ID and how to check it along the foot, so the page is filled evenly, top to bottom."""
    doc = _document("L", CERT_PAGE)
    doc.set_auto_page_break(False)
    doc.add_page()
    doc.set_draw_color(*ACCENT)
    doc.set_line_width(1.2)
    doc.rect(10, 10, doc.w - 20, doc.h - 20)
    doc.set_line_width(0.3)
    doc.rect(13.5, 13.5, doc.w - 27, doc.h - 27)
    left, width = 28.0, doc.w - 56.0

    doc.set_y(26)
    _text_block(doc, left, width, c.heading, 30, True, ACCENT)
    doc.set_draw_color(*ACCENT)
    doc.set_line_width(0.6)
    doc.line(doc.w / 2 - 30, doc.get_y() + 3, doc.w / 2 + 30, doc.get_y() + 3)
    top = doc.get_y() + 6

    # The foot: provider and accreditation on the left, the ID and how to check it on the right.
    gap = 12.0
    column = (width - gap) / 2 if c.certificate_id else width
    foot: list[_FootLine] = [(c.provider_label, 10, False, CERT_GREY), (c.provider, 15, True, INK),
                             (c.accreditation, 10.5, False, INK)]
    ident: list[_FootLine] = [(c.id_label, 10, False, CERT_GREY), (c.certificate_id, 17, True, ACCENT),
                              (c.verify_note, 10, False, INK)]
    columns = [foot, ident] if c.certificate_id else [foot]
    foot_height = max(sum(_block_height(doc, column, text, size, bold) + 1 for text, size, bold, _ in col)
                      for col in columns)
    foot_top = doc.h - 22 - foot_height
    for k, col in enumerate(columns):
        doc.set_y(foot_top)
        for text, size, bold, color in col:
            _text_block(doc, left + k * (column + gap), column, text, size, bold, color,
                     align="C" if len(columns) == 1 else ("L" if k == 0 else "R"))
            doc.ln(1)
    doc.set_draw_color(190, 190, 190)
    doc.set_line_width(0.3)
    doc.line(left, foot_top - 5, left + width, foot_top - 5)

    # The middle, centred between the heading and the foot.
    size, lines = name_lines(doc, c.name or "-", width - 10)
    hours = f"{c.contact_hours:g}"
    score = f"{c.score_percent}%" + (f" ({c.pass_mark_label} {c.pass_mark}%)" if c.pass_mark else "")
    details = [(c.score_label, score), (c.hours_label, hours), (c.date_label, c.issued.isoformat())]
    cell = width / len(details)
    middle = (len(lines) * size * 0.5 + 4 + _block_height(doc, width, c.statement, 14) + 3
              + _block_height(doc, width, c.module_title, 18, True) + 10
              + max(_block_height(doc, cell, label, 10) + 0.5 + _block_height(doc, cell, value, 15, True)
                    for label, value in details))
    doc.set_y(top + max(0.0, (foot_top - 8 - top - middle) / 2))
    doc.style(size, True)
    for line in lines:
        doc.set_x(left)
        doc.cell(width, size * 0.5, doc.text_of(line), align="C", new_x="LMARGIN", new_y="NEXT")
    doc.ln(4)
    _text_block(doc, left, width, c.statement, 14)
    doc.ln(3)
    _text_block(doc, left, width, c.module_title, 18, True)
    doc.ln(10)
    y = doc.get_y()
    for k, (label, value) in enumerate(details):
        doc.set_y(y)
        _text_block(doc, left + k * cell, cell, label, 10, False, CERT_GREY)
        doc.ln(0.5)
        _text_block(doc, left + k * cell, cell, value, 15, True)
    return bytes(doc.output())


@dataclass(frozen=True)
class HelpTierText:
    icon: str
    title: str
    action: str
    signs: Sequence[str]


@dataclass(frozen=True)
class Handout:
    """The one take-home sheet: when to get help (with the team's numbers), my questions, my plan, notes."""

    title: str
    subtitle: str
    help_heading: str
    tiers: Sequence[HelpTierText]
    phones: Sequence[tuple[str, str]]  # (label, number or "")
    questions_heading: str
    questions: Sequence[str]
    empty_questions: str
    plan_heading: str
    plan: Sequence[str]
    footer: str
    lang: str = "en"  # the document's language, for screen readers and for search


SHEET_TEXT = 14.0  # the smallest text on the take-home sheet: large enough to read without glasses
TIER_INK = ((153, 0, 0), (138, 74, 0), (0, 83, 130))  # dark red, dark amber, dark blue: each with words and icon too


def _tick_list(doc: "_DocMixin", heading: str, items: Sequence[str], empty: str, x: float, width: float) -> float:
    """A heading and items each with a real box to tick by hand, in a column; returns the column's bottom."""
    doc.set_x(x)
    doc.style(17, True, ACCENT)
    doc.multi_cell(width, 7.5, doc.text_of(heading), align="L", new_x="LEFT", new_y="NEXT")
    doc.ln(1)
    doc.style(SHEET_TEXT)
    box = 4.2
    if not items:
        doc.set_x(x)
        doc.multi_cell(width, 5.8, doc.text_of(empty), align="L", new_x="LEFT", new_y="NEXT")
    for item in items:
        if doc.get_y() + 12 > doc.h - doc.b_margin:  # never a box at the foot of a page with its words on the next
            doc.add_page()
        y = doc.get_y()
        doc.set_draw_color(*INK)
        doc.set_line_width(0.35)
        doc.rect(x, y + 0.8, box, box)
        doc.set_xy(x + box + 2.5, y)
        doc.multi_cell(width - box - 2.5, 5.5, doc.text_of(item), align="L", new_x="LEFT", new_y="NEXT")
        doc.ln(0.4)
    return doc.get_y()


def _tier(doc: "_DocMixin", tier: HelpTierText, ink: tuple[int, int, int], x: float, width: float,
          inline: bool = False) -> float:
    """One tier in a column starting at the current y: a bar of its colour, icon and title, action, signs.

    `inline` runs the signs on as one paragraph (the least urgent tier, across the page, to keep the sheet one page).
    """
    top = doc.get_y()
    inner = width - 5

    def line(text: str, size: float, bold: bool = False, color: tuple[int, int, int] = INK) -> None:
        doc.set_x(x + 5)
        doc.style(size, bold, color)
        doc.multi_cell(inner, size * 0.38, doc.text_of(text), align="L", new_x="LEFT", new_y="NEXT")

    line(f"{tier.icon}  {tier.title}", SHEET_TEXT + 1, True, ink)
    if inline:
        signs = [sign if k == 0 else sign[:1].lower() + sign[1:] for k, sign in enumerate(tier.signs)]
        line(f"{tier.action} " + "; ".join(signs) + ".", SHEET_TEXT)
    else:
        line(tier.action, SHEET_TEXT, True)
        for sign in tier.signs:
            line(("\u2022 " if doc.unicode else "- ") + sign, SHEET_TEXT)
    bottom = doc.get_y() + 1
    doc.set_fill_color(*ink)
    doc.rect(x, top, 2.2, bottom - top, style="F")
    doc.set_y(bottom + 2)
    return doc.get_y()


def _phones(doc: "_DocMixin", phones: Sequence[tuple[str, str]], x: float, width: float) -> float:
    """Each number on its own line under its label, with a line to write on when it is not filled in."""
    for label, number in phones:
        doc.set_x(x)
        doc.style(SHEET_TEXT, True)
        doc.multi_cell(width, 5.8, doc.text_of(label + ":"), align="L", new_x="LEFT", new_y="NEXT")
        doc.set_x(x)
        doc.style(SHEET_TEXT)
        y = doc.get_y()
        doc.cell(width, 7, doc.text_of(number), new_x="LEFT", new_y="NEXT")
        if not number:
            doc.set_draw_color(120, 120, 120)
            doc.set_line_width(0.3)
            doc.line(x, y + 6.5, x + width, y + 6.5)
        doc.ln(1.5)
    return doc.get_y()


def handout_pdf(h: Handout) -> bytes:
    doc = _document(page_format="letter")  # US sheet: the numbers on it (911, 988, °F) are US ones
    doc.set_lang(h.lang)
    doc.set_title(h.title)
    doc.set_margins(14, 12, 14)
    doc.set_auto_page_break(True, margin=12)
    doc.add_page()
    doc.para(h.title, 18, True, ACCENT, 0)
    doc.para(h.subtitle, SHEET_TEXT, False, INK, 0)
    doc.para(h.footer, SHEET_TEXT, False, (60, 60, 60), 2)
    doc.para(h.help_heading, 16, True, ACCENT, 1)
    # Most urgent first in reading order: 911 and "call now" side by side, "next visit" across the page below.
    gap = 6
    usable = doc.w - doc.l_margin - doc.r_margin - gap
    widths = (usable * 0.43, usable * 0.57)  # "call now" has the most signs: give it the wider column
    top = doc.get_y()
    tiers = list(zip(h.tiers, TIER_INK * 2))
    bottoms = []
    for k, (tier, ink) in enumerate(tiers[:2]):
        doc.set_y(top)
        x = doc.l_margin + (widths[0] + gap if k else 0)
        bottoms.append(_tier(doc, tier, ink, x, widths[k]))
        if k == 0:  # the team's numbers fit under the 911 box, beside the longer "call now" list
            bottoms.append(_phones(doc, h.phones, doc.l_margin, widths[0]))
    for tier, ink in tiers[2:]:
        doc.set_y(max(bottoms, default=top))
        bottoms.append(_tier(doc, tier, ink, doc.l_margin, doc.w - doc.l_margin - doc.r_margin, inline=True))
    doc.set_y(max(bottoms, default=top))
    doc.ln(2)
    top = doc.get_y()
    full = doc.w - doc.l_margin - doc.r_margin
    left = full if not h.plan else full * 0.6
    page = doc.page
    bottom = _tick_list(doc, h.questions_heading, h.questions, h.empty_questions, doc.l_margin, left)
    if h.plan and doc.page == page:  # beside the questions while both fit on the first page
        doc.set_y(top)
        bottom = max(bottom, _tick_list(doc, h.plan_heading, h.plan, "", doc.l_margin + left + gap, full - left - gap))
        doc.set_y(bottom)
    elif h.plan:  # a long list ran on: the plan follows it
        doc.ln(2)
        _tick_list(doc, h.plan_heading, h.plan, "", doc.l_margin, full)
    return bytes(doc.output())
