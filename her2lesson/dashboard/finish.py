"""The end of the final check: the score against the pass mark, and on a pass a certificate of completion."""
from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import date
from html import escape

import ipywidgets as w

from ..documents import MAX_NAME, Certificate, certificate_pdf, clean_name
from ..quiz import QuizView, Score
from ..settings import LessonSettings
from ..strings import Strings
from ..widgets import LiveRegion, TextEntry


class FinishPanel:
    def __init__(self, quiz: QuizView, settings: LessonSettings, t: Strings,
                 on_name: Callable[[str], None] | None = None, today: Callable[[], date] = date.today,
                 retake: Callable[[], None] | None = None):
        self.quiz, self.settings, self.t = quiz, settings, t
        self.retake_button = w.Button(description=t("final_retake"), layout=w.Layout(width="auto", min_height="44px"))
        self.retake_button.add_class("h2l-button").add_class("h2l-primary")
        if retake:
            self.retake_button.on_click(lambda _b: retake())
        self.on_name = on_name
        self.today = today
        self.name = ""
        self.status = LiveRegion()
        self.entry = TextEntry(on_add=self.make_certificate, label=t("certificate_name_label"),
                               placeholder=t("certificate_name_placeholder"), button_label=t("certificate_make"),
                               max_length=MAX_NAME)
        self.link = w.HTML()
        self.widget = w.VBox([self.status], layout=w.Layout(width="100%"))
        self.widget.add_class("h2l-finish")
        self.update(quiz.score())

    @property
    def passed(self) -> bool:
        s = self.quiz.score()
        return s.total > 0 and s.answered == s.total and self.percent(s) >= self.settings.pass_mark

    @staticmethod
    def percent(s: Score) -> int:
        """The final check is scored on first answers: one try each, as in any scored test."""
        return round(100 * s.right_first_time / s.total) if s.total else 0

    def update(self, s: Score) -> None:
        if s.answered < s.total:
            self.status.say(f"<p>{escape(self.t('final_progress', n=s.answered, m=s.total, mark=self.settings.pass_mark))}</p>",
                            "h2l-live h2l-info")
            self.widget.children = (self.status,)
            return
        pct = self.percent(s)
        if pct >= self.settings.pass_mark:
            self.status.say(f'<p class="h2l-verdict">&#10003; {escape(self.t("final_passed", score=pct, mark=self.settings.pass_mark))}</p>'
                            f"<p>{escape(self.t('certificate_intro'))}</p>", "h2l-live h2l-right")
            self.widget.children = (self.status, self.entry, self.link)
        else:
            self.status.say(f'<p class="h2l-verdict">{escape(self.t("final_not_passed", score=pct, mark=self.settings.pass_mark))}</p>'
                            f"<p>{escape(self.t('final_retry_advice'))}</p>", "h2l-live h2l-info")
            self.widget.children = (self.status, self.retake_button)

    def make_certificate(self, raw_name: str) -> bytes | None:
        if not self.passed:
            return None
        name = clean_name(raw_name)
        if not name:
            self.link.value = f'<p role="alert">{escape(self.t("certificate_name_missing"))}</p>'
            return None
        self.name = name
        if self.on_name:
            self.on_name(name)
        pdf = certificate_pdf(Certificate(
            module_title=self.t("app_title"), name=name, score_percent=self.percent(self.quiz.score()),
            provider=self.settings.provider, contact_hours=self.settings.contact_hours, issued=self.today(),
            heading=self.t("certificate_heading"), statement=self.t("certificate_statement"),
            score_label=self.t("certificate_score"), hours_label=self.t("certificate_hours"),
            provider_label=self.t("certificate_provider"), date_label=self.t("certificate_date")))
        href = "data:application/pdf;base64," + base64.b64encode(pdf).decode("ascii")
        self.link.value = (f'<p>{escape(self.t("certificate_ready", name=name))}</p>'
                           f'<a class="h2l-download" download="certificate.pdf" href="{href}">'
                           f'{escape(self.t("certificate_download"))}</a>')
        return pdf
