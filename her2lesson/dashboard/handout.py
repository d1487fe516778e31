"""The take-home sheet: when to get help (with the team's numbers), the learner's questions and plan.

On screen it also lists every section's key points; the PDF keeps to one printed page at 14 pt or larger.
"""
from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from datetime import date
from html import escape

import ipywidgets as w

from ..content import Content
from ..content.notebooks import Section
from ..documents import Handout, HelpTierText, handout_pdf
from ..strings import Strings
from ..widgets.lean import shared_layout
from .aids import help_card_html
from .sections import key_points


class HandoutPanel:
    def __init__(self, content: Content, sections: Sequence[Section], t: Strings,
                 questions: Callable[[], list[str]], plan: Callable[[], list[str]],
                 code: Callable[[], str] = lambda: "", phones: Callable[[], dict[str, str]] = dict):
        self.content, self.sections, self.t = content, list(sections), t
        self.questions, self.plan, self.code, self.phones = questions, plan, code, phones
        self.preview = w.HTML()
        self.make = w.Button(description=t("handout_make"), layout=shared_layout(width="auto", min_height="44px"))
        self.make.add_class("h2l-button").add_class("h2l-primary")
        self.make.on_click(lambda _b: self.build_pdf())
        self.link = w.HTML()
        print_button = w.HTML(f'<button type="button" class="h2l-button h2l-secondary h2l-print">'
                              f'{escape(t("handout_print"))}</button>')
        intro = w.HTML(f'<h1>{escape(t("handout_title"))}</h1><p>{escape(t("handout_intro"))}</p>')
        self.widget = w.VBox([intro, w.HBox([self.make, print_button]).add_class("h2l-buttons"), self.link,
                              self.preview], layout=shared_layout(width="100%"))
        self.widget.add_class("h2l-handout").add_class("h2l-sec-handout")
        self.refresh()

    def points(self) -> list[tuple[str, list[str]]]:
        return [(s.title, key_points(s)) for s in self.sections if key_points(s)]

    def refresh(self) -> None:
        """The on-screen (and printable) version of the sheet."""
        t = self.t
        questions = self.questions()
        q_html = ("<ol>" + "".join(f"<li>{escape(q)}</li>" for q in questions) + "</ol>") if questions \
            else f"<p>{escape(t('handout_no_questions'))}</p>"
        plan = self.plan()
        plan_html = (f"<h2>{escape(t('plan_title'))}</h2><ul>" + "".join(f"<li>{escape(p)}</li>" for p in plan)
                     + "</ul>") if plan else ""
        kp = "".join(f"<h3>{escape(title)}</h3><ul>" + "".join(f"<li>{escape(p)}</li>" for p in pts) + "</ul>"
                     for title, pts in self.points())
        code = f'<p><strong>{escape(t("your_code", code=self.code()))}</strong></p>' if self.code() else ""
        card = help_card_html(self.content.help_card, t, self.phones()) if self.content.help_card else ""
        self.preview.value = (f'<div class="h2l-sheet">{code}{card}<h2>{escape(t("builder_title"))}</h2>'
                              f'{q_html}{plan_html}'
                              f'<h2>{escape(t("handout_key_points"))}</h2>{kp}'
                              f'<p class="h2l-note">{escape(t("not_advice"))}</p></div>')

    def build_pdf(self) -> bytes:
        t = self.t
        card = self.content.help_card
        phones = self.phones()
        pdf = handout_pdf(Handout(
            title=t("handout_title"),
            subtitle=f"{t('app_title')} - {date.today().isoformat()}"
                     + (f" - {t('your_code', code=self.code())}" if self.code() else ""),
            help_heading=card.title if card else "",
            tiers=[HelpTierText(x.icon, x.title, x.action, x.signs) for x in card.tiers] if card else [],
            phones=[(card.phone_label_day, phones.get("day", "")), (card.phone_label_night, phones.get("night", ""))]
            if card else [],
            questions_heading=t("builder_title"), questions=self.questions(),
            empty_questions=t("handout_no_questions"), plan_heading=t("plan_title"), plan=self.plan(),
            footer=t("not_advice"), lang=self.content.lang))
        href = "data:application/pdf;base64," + base64.b64encode(pdf).decode("ascii")
        self.link.value = (f'<a class="h2l-download" download="{escape(t("handout_file"))}" href="{href}">'
                           f'{escape(t("handout_download"))}</a>')
        return pdf
