"""The end of the final check: the score against the pass mark; on a pass a certificate of completion with an ID
anyone can have checked; on a fail the parts to look at again, each a button that opens it."""
from __future__ import annotations

import base64
import logging
import threading
from collections.abc import Callable
from datetime import date
from html import escape

import ipywidgets as w

from ..content import Content
from ..documents import MAX_NAME, Certificate, certificate_pdf, clean_name
from ..quiz import QuizView, Score
from ..quiz.views import views_records
from ..records import Store, open_store
from ..settings import LessonSettings
from ..strings import Strings
from ..widgets import LiveRegion, TextEntry
from ..widgets.lean import shared_layout
from .review import sections_to_review

log = logging.getLogger(__name__)


class FinishPanel:
    def __init__(self, quiz: QuizView, settings: LessonSettings, t: Strings,
                 on_name: Callable[[str], None] | None = None, today: Callable[[], date] = date.today,
                 retake: Callable[[], None] | None = None, content: Content | None = None,
                 open_section: Callable[[str], None] | None = None, records: Callable[[], Store] = open_store):
        """`records` opens the learner records for one use (closed after): certificates are recorded there so that
        their IDs can be checked. `content` and `open_section` give a fail its list of parts to look at again."""
        self.quiz, self.settings, self.t = quiz, settings, t
        self.content, self.open_section, self._records = content, open_section, records
        self.retake_button = w.Button(description=t("final_retake"),
                                      layout=shared_layout(width="auto", min_height="44px"))
        self.retake_button.add_class("h2l-button").add_class("h2l-primary")
        if retake:
            self.retake_button.on_click(lambda _b: retake())
        self.on_name = on_name
        self.today = today
        self.name = ""
        self.certificate_id = ""
        self._issued: dict[tuple[str, int], str] = {}
        self.status = LiveRegion()
        self.entry = TextEntry(on_add=self.make_certificate, label=t("certificate_name_label"),
                               placeholder=t("certificate_name_placeholder"), button_label=t("certificate_make"),
                               max_length=MAX_NAME, autocomplete="name")
        self.link = w.HTML()
        self.review = w.VBox(layout=shared_layout(width="100%"))
        self.review.add_class("h2l-review")
        self.widget = w.VBox([self.status], layout=shared_layout(width="100%"))
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
            self.status.say(
                f"<p>{escape(self.t('final_progress', n=s.answered, m=s.total, mark=self.settings.pass_mark))}</p>",
                "h2l-live h2l-info")
            self.widget.children = (self.status,)
            return
        pct = self.percent(s)
        self._send_grade(pct)
        if pct >= self.settings.pass_mark:
            self.status.say(f'<p class="h2l-verdict">&#10003; '
                            f'{escape(self.t("final_passed", score=pct, mark=self.settings.pass_mark))}</p>'
                            f"<p>{escape(self.t('certificate_intro'))}</p>", "h2l-live h2l-right")
            self.widget.children = (self.status, self.entry, self.link)
        else:
            self.status.say(f'<p class="h2l-verdict">'
                            f'{escape(self.t("final_not_passed", score=pct, mark=self.settings.pass_mark))}</p>'
                            f"<p>{escape(self.t('final_retry_advice'))}</p>", "h2l-live h2l-info")
            self._show_review()
            self.widget.children = (self.status, self.review, self.retake_button)

    def _send_grade(self, pct: int) -> None:
        """A learner launched from a learning platform (LTI): their server sends this score, the certificate's, to the
        course's gradebook (lti/hop.py). In the background, once per score; a failure never touches the learner's
        page or records (the educator sees it, and can send it again)."""
        from ..identity import from_environ
        from ..lti import hop

        learner = from_environ()
        if learner is None or learner.source != "lti" or pct == getattr(self, "_grade_sent", None) \
                or not hop.available():
            return
        self._grade_sent = pct

        def send() -> None:
            try:
                hop.send_score(pct, key=learner.key)
            except hop.HopFailed as failed:
                log.warning("the score could not be handed to the server for the learning platform: %s", failed)

        threading.Thread(target=send, name="lti-score", daemon=True).start()

    # --- a fail: what to look at again ----------------------------------------------------------------------------
    def missed_sections(self) -> list[tuple[str, str]]:
        """(id, title) of each part whose final-check questions were missed on their one scored try."""
        if self.content is None:
            return []
        missed = [v.q for v in self.quiz.views if not all(r.right_first_time for r in views_records([v]))]
        return [(s.id, s.title) for s in sections_to_review(self.content, self.quiz.bank.section, missed)]

    def _show_review(self) -> None:
        parts = self.missed_sections()
        if not parts:
            self.review.children = ()
            return
        heading = w.HTML(f'<h3 class="h2l-review-heading">{escape(self.t("final_review_heading"))}</h3>')
        if self.open_section is None:
            items = "".join(f"<li>{escape(title)}</li>" for _, title in parts)
            self.review.children = (heading, w.HTML(f"<ul>{items}</ul>"))
            return
        buttons = []
        for section_id, title in parts:
            button = w.Button(description=title, tooltip=self.t("final_review_open", title=title),
                              layout=shared_layout(width="auto", min_height="44px"))
            button.add_class("h2l-button").add_class("h2l-secondary").add_class("h2l-review-link")
            button.on_click(lambda _b, sid=section_id: self.open_section(sid))
            buttons.append(button)
        self.review.children = (heading, *buttons)

    # --- a pass: the certificate ----------------------------------------------------------------------------------
    def _issue(self, name: str, score: int) -> str:
        """Record the certificate and return its ID; "" if the records cannot be written (it is then made without
        one). The same name and score on this page keep the ID already given, so a second click makes no new one."""
        key = (name, score)
        if key in self._issued:
            return self._issued[key]
        try:
            store = self._records()
            try:
                issued = store.issue_certificate(score=score, pass_mark=self.settings.pass_mark,
                                                 provider=self.settings.provider,
                                                 contact_hours=self.settings.contact_hours, issued=self.today(),
                                                 name=name)
            finally:
                store.close()
        except Exception:  # noqa: BLE001 - the learner still gets their certificate, told it has no ID
            log.exception("certificate could not be recorded")
            return ""
        self._issued[key] = issued.id
        return issued.id

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
        score = self.percent(self.quiz.score())
        self.certificate_id = self._issue(name, score)
        s, t = self.settings, self.t
        pdf = certificate_pdf(Certificate(
            module_title=t("app_title"), name=name, score_percent=score, provider=s.provider,
            contact_hours=s.contact_hours, issued=self.today(), heading=t("certificate_heading"),
            statement=t("certificate_statement"), score_label=t("certificate_score"),
            hours_label=t("certificate_hours"),
            provider_label=t("certificate_provider"), date_label=t("certificate_date"), pass_mark=s.pass_mark,
            pass_mark_label=t("certificate_pass_mark"), accreditation=s.accreditation,
            certificate_id=self.certificate_id, id_label=t("certificate_id"),
            verify_note=t("certificate_verify", provider=s.provider, id=self.certificate_id)
            if self.certificate_id else ""))
        href = "data:application/pdf;base64," + base64.b64encode(pdf).decode("ascii")
        about_id = (t("certificate_id_ready", id=self.certificate_id, provider=s.provider) if self.certificate_id
                    else t("certificate_not_recorded"))
        self.link.value = (f'<p>{escape(t("certificate_ready", name=name))}</p>'
                           f'<p class="h2l-note">{escape(about_id)}</p>'
                           f'<a class="h2l-download" download="certificate.pdf" href="{href}">'
                           f'{escape(t("certificate_download"))}</a>')
        return pdf
