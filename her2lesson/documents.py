"""PDFs a learner takes away: the certificate of completion and the take-home handout.

Made in the kernel with fpdf2 (no network, no browser print dialog needed). A Unicode font is used when the machine
has DejaVu Sans, so any name prints as typed; without it, characters outside Latin-1 print as "?".
"""
from __future__ import annotations

from collections.abc import Sequence
import functools
from dataclasses import dataclass
from datetime import date
from pathlib import Path

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
MAX_NAME = 80
INK = (26, 26, 26)
ACCENT = (11, 83, 148)


def clean_name(raw: object) -> str:
    """A certificate name: one line, no control characters, at most MAX_NAME characters."""
    text = " ".join(str(raw or "").split())
    text = "".join(ch for ch in text if ch.isprintable())
    return text[:MAX_NAME].strip()


def _document(orientation: str = "P") -> "_DocMixin":
    """A new A4 PDF; fpdf2 (and the imaging libraries it pulls in) load only when a PDF is made, not per learner."""
    return _doc_class()(orientation)


@functools.cache
def _doc_class() -> type:
    from fpdf import FPDF

    return type("LessonPDF", (_DocMixin, FPDF), {})


class _DocMixin:
    def __init__(self, orientation: str = "P"):
        super().__init__(orientation=orientation, unit="mm", format="A4")
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

    def para(self, text: str, size: float = 12, bold: bool = False, color=INK, gap: float = 2, align: str = "L") -> None:
        self.style(size, bold, color)
        self.multi_cell(0, size * 0.5, self.text_of(text), align=align, new_x="LMARGIN", new_y="NEXT")
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


def certificate_pdf(c: Certificate) -> bytes:
    doc = _document("L")
    doc.add_page()
    doc.set_draw_color(*ACCENT)
    doc.set_line_width(1.2)
    doc.rect(10, 10, doc.w - 20, doc.h - 20)
    doc.ln(18)
    doc.para(c.heading, 28, True, ACCENT, 8, "C")
    doc.para(c.name or "-", 24, True, INK, 6, "C")
    doc.para(c.statement, 14, False, INK, 4, "C")
    doc.para(c.module_title, 18, True, INK, 10, "C")
    hours = f"{c.contact_hours:g}"
    doc.para(f"{c.score_label}: {c.score_percent}%    {c.hours_label}: {hours}    "
             f"{c.date_label}: {c.issued.isoformat()}", 13, False, INK, 4, "C")
    doc.para(f"{c.provider_label}: {c.provider}", 13, False, INK, 2, "C")
    return bytes(doc.output())


@dataclass(frozen=True)
class Handout:
    title: str
    subtitle: str
    questions_heading: str
    questions: Sequence[str]
    empty_questions: str
    plan_heading: str
    plan: Sequence[str]
    key_points_heading: str
    key_points: Sequence[tuple[str, Sequence[str]]]
    footer: str
    notes_heading: str = "Notes"


def handout_pdf(h: Handout) -> bytes:
    doc = _document()
    doc.add_page()
    doc.para(h.title, 20, True, ACCENT, 2)
    doc.para(h.subtitle, 11, False, INK, 6)
    doc.para(h.questions_heading, 15, True, ACCENT, 2)
    if h.questions:
        doc.bullets([f"{q}" for q in h.questions], 12, "[ ]")
    else:
        doc.para(h.empty_questions, 12)
    if h.plan:
        doc.para(h.plan_heading, 15, True, ACCENT, 2)
        doc.bullets(h.plan, 12, "[ ]")
    doc.para(h.notes_heading, 15, True, ACCENT, 2)
    for _ in range(4):
        y = doc.get_y() + 7
        doc.set_draw_color(150, 150, 150)
        doc.set_line_width(0.2)
        doc.line(doc.l_margin, y, doc.w - doc.r_margin, y)
        doc.set_y(y + 1)
    doc.ln(8)
    doc.para(h.key_points_heading, 15, True, ACCENT, 2)
    for title, points in h.key_points:
        doc.para(title, 12.5, True, INK, 1)
        doc.bullets(points, 11)
    doc.para(h.footer, 9.5, False, (70, 70, 70), 0)
    return bytes(doc.output())
