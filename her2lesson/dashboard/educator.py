"""The educator's view of a class: which questions were missed most (table and chart) and each learner's progress;
and a box to check a certificate of completion by its ID.

Opened at `/?educator`, behind the educator code that `her2lesson cohort create` printed; the code is typed, not put
in the link, so it never lands in server logs or browser history. Checking a certificate needs no code: it tells only
what the certificate itself says, to whoever holds its ID.
"""
from __future__ import annotations

import base64
import dataclasses
import os
import threading
import time
from collections.abc import Callable
from html import escape

import ipywidgets as w

from ..class_ready import MOST_LEARNERS, SELF_URL_ENV, Readiness, ReadyRefused, ask_server
from ..content import Content
from ..documents import MAX_NAME
from ..identity import ExternalLearner, from_environ
from ..quiz.ledger import ScoredCheck, final_reset_at, replay
from ..quiz.section import scored_check
from ..records import Cohort, CohortResults, Store, Verification, verify
from ..records.results import question_prompts
from ..strings import Strings
from ..widgets import LiveRegion, TextEntry
from ..widgets.lean import own_layout, shared_layout

CHART_ROWS = 10


def _named(results: CohortResults, question_id: str) -> str:
    """A question by its words, or by its id if it is no longer in the content."""
    return results.prompt(question_id) or question_id


def missed_chart(results: CohortResults, t: Strings) -> str:
    """A horizontal bar chart (inline SVG, no scripts) of the most-missed questions, with the numbers as text."""
    rows = [q for q in results.questions if q.learners][:CHART_ROWS]
    if not rows:
        return ""
    bar_x, width, row_h = 330, 360, 34
    height = row_h * len(rows) + 40
    parts = [f'<svg class="h2l-chart" viewBox="0 0 720 {height}" role="img" aria-labelledby="h2l-chart-title">',
             f'<title id="h2l-chart-title">{escape(t("educator_chart_title"))}</title>',
             f'<text x="0" y="20" font-size="15" font-weight="bold" fill="#1a1a1a">'
             f'{escape(t("educator_chart_title"))}</text>']
    for k, q in enumerate(rows):
        y = 36 + k * row_h
        missed = 1 - q.first_rate
        label = _named(results, q.question_id)
        label = label if len(label) <= 44 else label[:43] + "\u2026"
        parts.append(f'<text x="0" y="{y + 18}" font-size="13" fill="#1a1a1a">{escape(label)}</text>')
        parts.append(f'<rect x="{bar_x}" y="{y + 4}" width="{max(2, missed * width):.0f}" height="20" fill="#0b5394"/>')
        parts.append(f'<text x="{bar_x + max(2, missed * width) + 6:.0f}" y="{y + 19}" font-size="13" fill="#1a1a1a">'
                     f'{round(100 * missed)}%</text>')
    parts.append("</svg>")
    return "".join(parts)


def results_html(results: CohortResults, t: Strings) -> str:
    q_rows = "".join(
        f"<tr><td>{escape(_named(results, q.question_id))}</td><td>{escape(q.section)}</td>"
        f"<td>{q.learners}</td><td>{round(100 * q.first_rate)}%</td><td>{round(100 * q.end_rate)}%</td></tr>"
        for q in results.questions)
    l_rows = "".join(
        f"<tr><td>{escape(p.label)}</td><td>{escape(p.track)}</td><td>{escape(p.lang)}</td><td>{p.sections_visited}</td>"
        f"<td>{p.questions_answered}</td><td>{'' if p.final_percent is None else str(p.final_percent) + '%'}</td></tr>"
        for p in results.learners)
    return (f'<table class="h2l-table"><caption>{escape(t("educator_questions_caption"))}</caption><thead><tr>'
            f'<th scope="col">{escape(t("educator_col_question"))}</th>'
            f'<th scope="col">{escape(t("educator_col_section"))}</th>'
            f'<th scope="col">{escape(t("educator_col_learners"))}</th>'
            f'<th scope="col">{escape(t("educator_col_first"))}</th>'
            f'<th scope="col">{escape(t("educator_col_end"))}</th></tr></thead><tbody>{q_rows}</tbody></table>'
            f'<table class="h2l-table"><caption>{escape(t("educator_learners_caption"))}</caption><thead><tr>'
            f'<th scope="col">{escape(t("educator_col_code"))}</th>'
            f'<th scope="col">{escape(t("educator_col_track"))}</th>'
            f'<th scope="col">{escape(t("educator_col_language"))}</th>'
            f'<th scope="col">{escape(t("educator_col_sections"))}</th>'
            f'<th scope="col">{escape(t("educator_col_answered"))}</th>'
            f'<th scope="col">{escape(t("educator_col_final"))}</th></tr></thead><tbody>{l_rows}</tbody></table>')


def verification_html(v: Verification, t: Strings) -> str:
    """The answer to a certificate check, in the catalogue's words (the same verdict as `her2lesson verify`)."""
    c = v.certificate
    if c is None:
        return f"<p>{escape(t('educator_cert_unknown', id=v.typed_id))}</p>"
    verdict = (t("educator_cert_genuine", id=c.id, date=c.issued.isoformat(), provider=c.provider) if v.genuine
               else t("educator_cert_name_differs", id=c.id))
    parts = [f'<p class="h2l-verdict">{escape(verdict)}</p>',
             f"<p>{escape(t('educator_cert_details', score=c.score, mark=c.pass_mark, hours=f'{c.contact_hours:g}'))}"
             f"</p>"]
    if v.name_match:
        parts.append(f"<p>{escape(t('educator_cert_name_matches'))}</p>")
    return "".join(parts)


class CertificateCheck:
    """The "Check a certificate" box: type its ID, then (optionally) the name printed on it."""

    def __init__(self, t: Strings, store: Callable[[], Store | None]):
        self.t, self._store = t, store
        self.checked_id = ""
        self.id_entry = TextEntry(on_add=self.check, label=t("educator_cert_id_label"),
                                  button_label=t("educator_cert_check"), max_length=40)
        self.name_entry = TextEntry(on_add=self.check_name, label=t("educator_cert_name_label"),
                                    button_label=t("educator_cert_name_check"), max_length=MAX_NAME)
        own_layout(self.name_entry).display = "none"  # offered once an ID is found
        self.result = LiveRegion()
        intro = w.HTML(f'<h2>{escape(t("educator_cert_title"))}</h2><p>{escape(t("educator_cert_intro"))}</p>')
        self.widget = w.VBox([intro, self.id_entry, self.name_entry, self.result], layout=shared_layout(width="100%"))
        self.widget.add_class("h2l-aid").add_class("h2l-certificate-check")

    def check(self, typed_id: str, name: str | None = None) -> Verification | None:
        store = self._store()
        try:
            found = verify(store, typed_id, name) if store is not None else None
        except Exception:  # noqa: BLE001 - a store that fails must not leave the educator with a silent page
            found = None
        if found is None:
            self.result.say(f"<p>{escape(self.t('records_unavailable'))}</p>", "h2l-live h2l-info")
            return None
        self.checked_id = found.typed_id if found.certificate else ""
        own_layout(self.name_entry).display = None if found.certificate else "none"
        self.result.say(verification_html(found, self.t), "h2l-live " + ("h2l-right" if found.genuine else "h2l-wrong"))
        return found

    def check_name(self, name: str) -> Verification | None:
        if not self.checked_id:
            self.result.say(f"<p>{escape(self.t('educator_cert_id_first'))}</p>", "h2l-live h2l-info")
            return None
        return self.check(self.checked_id, name)


class ClassReady:
    """'Get ready for a class': the educator says how many learners will open the link together; the server keeps
    that many lessons started ahead (see class_ready.py). Shown once an educator code has opened a class."""

    POLL_SECONDS, POLL_FOR = 3.0, 180.0

    def __init__(self, t: Strings, ask: Callable[..., Readiness]):
        self.t, self._ask = t, ask
        self.code = ""
        self.status = LiveRegion()
        self.entry = TextEntry(on_add=self.get_ready, label=t("educator_ready_label"), placeholder="",
                               button_label=t("educator_ready_button"), max_length=4, autocomplete="off")
        intro = w.HTML(f'<h2>{escape(t("educator_ready_title"))}</h2><p>{escape(t("educator_ready_intro"))}</p>')
        self.widget = w.VBox([intro, self.entry, self.status], layout=shared_layout(width="100%"))
        self.widget.add_class("h2l-class-ready")
        self._timer: threading.Timer | None = None

    def describe(self, status: Readiness) -> tuple[str, str]:
        """The sentence for a status, and its live-region kind."""
        if not status.granted:
            return self.t("educator_ready_off", ready=status.ready), "h2l-info"
        text = (self.t("educator_ready_done", ready=status.ready) if status.ready >= status.granted else
                self.t("educator_ready_status", asked=status.asked, ready=status.ready, granted=status.granted,
                       starting=status.starting))
        if status.limited_by:
            text += " " + self.t("educator_ready_limited", granted=status.granted)
        return text, "h2l-right" if status.ready >= status.granted else "h2l-info"

    def _say(self, text: str, kind: str) -> None:
        self.status.say(f"<p>{escape(text)}</p>", f"h2l-live {kind}")

    def get_ready(self, text: str) -> Readiness | None:
        try:
            learners = int(text.strip())
        except ValueError:
            learners = -1
        if not 0 <= learners <= MOST_LEARNERS:
            self._say(self.t("educator_ready_number"), "h2l-wrong")
            return None
        try:
            status = self._ask(self.code, learners)
        except ReadyRefused as refused:
            self._say(self.t(f"educator_ready_refused_{refused.kind}"), "h2l-wrong")
            return None
        self._say(*self.describe(status))
        self._follow(time.monotonic() + self.POLL_FOR)
        return status

    def _follow(self, until: float) -> None:
        """Update the sentence every few seconds while places are still starting (for at most a few minutes)."""
        if self._timer is not None:
            self._timer.cancel()

        def poll() -> None:
            try:
                status = self._ask(self.code, None)
            except ReadyRefused:
                return
            self._say(*self.describe(status))
            if status.granted and status.ready < status.granted and time.monotonic() < until:
                self._follow(until)

        self._timer = threading.Timer(self.POLL_SECONDS, poll)
        self._timer.daemon = True
        self._timer.start()


def ask_own_server(code: str, learners: int | None) -> Readiness:
    """The server that started this kernel, reached on the address `her2lesson serve` put in the environment."""
    url = os.environ.get(SELF_URL_ENV)
    if not url:
        raise ReadyRefused("this page was not started by her2lesson serve", "unreachable")
    return ask_server(url, code, learners)


def ledger_percent(store: Store, learner_id: int, scored: ScoredCheck | None) -> int | None:
    """A learner's final-check score as the ledger reads it (first tries; the certificate's), or None if they have not
    answered every question of it."""
    record = store.load(learner_id)
    if record is None or scored is None:
        return None
    asked = {e.question_id for e in record.answers if e.section == scored.section}
    records = replay(record.answers, final_reset_at(record.state), scored)
    final = [r for qid, r in records.items() if qid in asked and r.checks]
    total = scored.total(record.learner.track) or len(final)
    if not total or len(final) < total:
        return None
    return round(100 * sum(r.right_first_time for r in final) / total)


class GradeList:
    """Learners launched from a learning platform (LTI): each one's score as sent to the course's gradebook, or why
    it was not, with "Send again" (the ledger's score, through the server: lti/hop.py)."""

    def __init__(self, t: Strings, store: Callable[[], Store | None], scored: ScoredCheck | None,
                 send: Callable[..., dict] | None = None):
        self.t, self._store, self.scored = t, store, scored
        self._send = send
        self.cohort_id: int | None = None
        self.table = w.HTML()
        self.buttons = w.VBox(layout=shared_layout(width="100%"))
        self.status = LiveRegion()
        intro = w.HTML(f'<h2>{escape(t("educator_grades_title"))}</h2><p>{escape(t("educator_grades_intro"))}</p>')
        self.widget = w.VBox([intro, self.table, self.buttons, self.status], layout=shared_layout(width="100%"))
        self.widget.add_class("h2l-grades")
        own_layout(self.widget).display = "none"  # shown for a course with launched learners

    def show(self, cohort_id: int) -> None:
        self.cohort_id = cohort_id
        store = self._store()
        try:
            grades = store.lti_grades(cohort_id=cohort_id) if store is not None else []
        except Exception:  # noqa: BLE001 - the results above still show
            grades = []
        own_layout(self.widget).display = None if grades else "none"
        rows = "".join(
            f"<tr><td>{escape(g.label)}</td><td>{'' if g.score is None else str(g.score) + '%'}</td>"
            f"<td>{escape(self._status(g))}</td><td>{g.tries}</td></tr>" for g in grades)
        self.table.value = (f'<table class="h2l-table"><caption>{escape(self.t("educator_grades_title"))}</caption>'
                            f'<thead><tr><th scope="col">{escape(self.t("educator_col_code"))}</th>'
                            f'<th scope="col">{escape(self.t("educator_grades_col_score"))}</th>'
                            f'<th scope="col">{escape(self.t("educator_grades_col_status"))}</th>'
                            f'<th scope="col">{escape(self.t("educator_grades_col_tries"))}</th></tr></thead>'
                            f"<tbody>{rows}</tbody></table>")
        buttons = []
        for g in grades:
            if g.status == "failed":
                button = w.Button(description=self.t("educator_grades_resend", learner=g.label),
                                  layout=shared_layout(width="auto", min_height="44px"))
                button.add_class("h2l-button").add_class("h2l-secondary").add_class("h2l-resend")
                button.on_click(lambda _b, lid=g.learner_id: self.send_again(lid))
                buttons.append(button)
        self.buttons.children = tuple(buttons)

    def _status(self, g) -> str:
        if g.status == "sent":
            return self.t("educator_grades_sent")
        if g.status == "failed":
            return self.t("educator_grades_failed", detail=g.detail)
        return self.t("educator_grades_waiting") if g.score is None else self.t("educator_grades_sending")

    def send_again(self, learner_id: int) -> bool:
        """Send the learner's score again, as the ledger reads it now."""
        store = self._store()
        try:
            score = ledger_percent(store, learner_id, self.scored) if store is not None else None
        except Exception:  # noqa: BLE001 - see the message
            score = None
        if score is None:
            self.status.say(f"<p>{escape(self.t('educator_grades_not_finished'))}</p>", "h2l-live h2l-info")
            return False
        send = self._send
        if send is None:
            from ..lti import hop

            send = hop.send_score
        try:
            send(score, learner_id=learner_id)
        except Exception:  # noqa: BLE001 - hop.HopFailed, or anything else: said plainly, the log has the rest
            self.status.say(f"<p>{escape(self.t('educator_grades_unavailable'))}</p>", "h2l-live h2l-wrong")
            return False
        self.status.say(f"<p>{escape(self.t('educator_grades_resending'))}</p>", "h2l-live h2l-info")
        return True


class EducatorView:
    def __init__(self, content: Content, t: Strings, store: Callable[[], Store | None],
                 ask_ready: Callable[..., Readiness] = ask_own_server, external: ExternalLearner | None = None):
        self.content, self.t, self._store = content, t, store
        self.ready = ClassReady(t, ask_ready)
        self.prompts = question_prompts(content)
        self.cohort: Cohort | None = None
        self.status = LiveRegion()
        self.entry = TextEntry(on_add=self.open, label=t("educator_code_label"), placeholder="",
                               button_label=t("educator_open"), max_length=64)
        self.refresh_button = w.Button(description=t("educator_refresh"),
                                       layout=shared_layout(width="auto", min_height="44px"))
        self.refresh_button.add_class("h2l-button").add_class("h2l-secondary")
        self.refresh_button.on_click(lambda _b: self.refresh())
        # results by the language learners chose: everyone, or one language (when the module has more than one)
        self.language = w.Dropdown(options=[(t("educator_language_all"), "")] + [
            (language.name, code) for code, language in content.languages.items()],
            value="", description=t("educator_language_filter"), style={"description_width": "initial"})
        own_layout(self.language).display = None if len(content.languages) > 1 else "none"
        self.language.observe(lambda _change: self.refresh(), names="value")
        self.report = w.HTML()
        intro = w.HTML(f'<h1>{escape(t("educator_title"))}</h1><p>{escape(t("educator_intro"))}</p>')
        self.results_box = w.VBox([self.entry, self.status, self.report], layout=shared_layout(width="100%"))
        self.certificates = CertificateCheck(t, store)
        self.panel = w.VBox([intro, self.results_box, self.certificates.widget], layout=shared_layout(width="100%"))
        self.panel.add_class("h2l-main").add_class("h2l-educator-view")
        self.widget = w.VBox([self.panel], layout=shared_layout(width="100%")).add_class("h2l-app")
        self.grades = GradeList(t, store, scored_check(content))
        external = external or from_environ()
        if external is not None and external.role == "educator" and external.cohort:
            self.open_course(external.cohort)  # an instructor launched from their course: no code to type

    def open_course(self, join_code: str) -> bool:
        """Open a course's class by its cohort's join code (an LTI instructor's launch; the server vouches)."""
        store = self._store()
        try:
            cohort = store.cohort_by_join_code(join_code) if store is not None else None
        except Exception:  # noqa: BLE001 - see refresh()
            cohort = None
        if cohort is None:
            self.status.say(f"<p>{escape(self.t('records_unavailable'))}</p>", "h2l-live h2l-info")
            return False
        self.cohort = cohort
        # no "get ready" box: it is opened by an educator code, which a launch from the course does not type
        self.results_box.children = (self.status, self.language, self.refresh_button, self.report, self.grades.widget)
        self.refresh()
        return True

    def open(self, code: str) -> None:
        store = self._store()
        if store is None:
            self.status.say(f"<p>{escape(self.t('records_unavailable'))}</p>", "h2l-live h2l-info")
            return
        try:
            cohort = store.cohort_by_educator_code(str(code).strip()[:64]) if str(code).strip() else None
        except Exception:  # noqa: BLE001 - see refresh()
            self.status.say(f"<p>{escape(self.t('records_unavailable'))}</p>", "h2l-live h2l-info")
            return
        if cohort is None:
            self.status.say(f"<p>{escape(self.t('educator_code_unknown'))}</p>", "h2l-live h2l-wrong")
            return
        self.cohort = cohort
        self.ready.code = str(code).strip()[:64]
        self.results_box.children = (self.ready.widget, self.status, self.language, self.refresh_button, self.report,
                                     self.grades.widget)
        self.refresh()

    def refresh(self) -> None:
        store = self._store()
        if self.cohort is None or store is None:
            return
        try:
            results = dataclasses.replace(store.results(self.cohort.id, scored=scored_check(self.content),
                                                        lang=self.language.value or None), prompts=self.prompts)
        except Exception:  # noqa: BLE001 - a store that fails must not leave the educator with a silent page
            self.status.say(f"<p>{escape(self.t('records_unavailable'))}</p>", "h2l-live h2l-info")
            return
        links = "".join(
            f'<a class="h2l-download" download="class-{name}.csv" href="data:text/csv;charset=utf-8;base64,'
            f'{base64.b64encode(text.encode("utf-8")).decode("ascii")}">{escape(self.t(label))}</a> '
            for name, text, label in (("questions", results.questions_csv(), "educator_csv_questions"),
                                      ("learners", results.learners_csv(), "educator_csv_learners")))
        self.status.say(f"<p>{escape(self.t('educator_showing', name=self.cohort.name, n=len(results.learners)))}</p>",
                        "h2l-live h2l-info")
        self.report.value = missed_chart(results, self.t) + results_html(results, self.t) + f"<p>{links}</p>"
        self.grades.show(self.cohort.id)
