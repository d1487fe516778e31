"""The one page a learner uses: track choice, table of contents, sections switched in the page, progress.

Why one page: every Voila page view costs a kernel and seconds of start-up; switching sections inside the page
costs one widget round trip and keeps all of a learner's answers in one place (see ../shared/design.md).
"""
from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from html import escape
from urllib.parse import urlencode

import ipywidgets as w

from ..content import Content
from ..content.notebooks import Block, Section, quiz_target
from ..content.plain import ENGLISH
from ..quiz import QuestionRecord, QuizOptions, QuizView
from ..quiz.ledger import final_reset_at, replay
from ..quiz.section import scored_check
from ..quiz.views import CaseView
from ..settings import LessonSettings
from ..strings import Strings
from ..widgets import BrowserStore, LiveRegion, ReadAloud, TextEntry
from ..widgets.lean import own_layout, shared_layout
from .aids import HelpCard, IhcExplainer, QuestionBuilder, SelfCarePlan, source_list
from .events import (
    Answered,
    EventListener,
    FinalCheckRestarted,
    LearnerEvent,
    PartVisited,
    PhonesChanged,
    PlanChanged,
    QuestionsChanged,
    TrackChosen,
)
from .finish import FinishPanel
from .handout import HandoutPanel
from .presenter import presenter_panel, reveal_answer
from .sections import Step, View, section_steps
from .stepper import Stepper

TRACKS = ("patient", "nurse", "explore")
HANDOUT = "handout"
PREPARE_DELAY = 0.2  # seconds after a section shows before the next one is built ahead



@dataclass(frozen=True)
class Page:
    """An entry in the table of contents: a section notebook, or the take-home sheet."""

    id: str
    title: str
    section: Section | None = None


class Dashboard:
    def __init__(self, content: Content, settings: LessonSettings | None = None, params: dict[str, str] | None = None,
                 lang: str = "en", listener: EventListener | None = None, seed: str | None = None,
                 resume: Callable[[str], bool] | None = None, start_fresh: Callable[[], None] | None = None):
        params = params or {}
        self.params = dict(params)
        self.base = content  # the module in every language; `self.content` is the one this page reads
        self.lang = lang if lang in content.languages or lang in content.translations else ENGLISH
        self._read_in(content.in_language(self.lang))
        self.resume = resume
        self.start_fresh = start_fresh
        self.settings = settings or LessonSettings()
        self.t = Strings.for_language(content.strings, self.lang)
        self.listener = listener
        self.facilitator = False  # turned on by the code typed on the page, never by a code in the link
        self.wants_facilitator = "facilitator" in params
        self.presenter = "presenter" in params  # the facilitator's own window: notes and steps, kept in step
        self.seed = seed or secrets.token_hex(8)
        self.records: dict[str, QuestionRecord] = {}
        self.visited: set[str] = set()
        self.quizzes: dict[str, QuizView] = {}  # each part's end-of-part check
        self.checkpoints: dict[str, list[QuizView]] = {}  # each part's quick checks inside it
        self.cache: dict[str, w.Widget] = {}
        self.track: str | None = None
        self.pages: list[Page] = []
        self.index = 0
        self.question_list: list[str] = []
        self.own_questions: list[str] = []
        self.keep_own = False
        self.plan: list[str] = []
        self.phones: dict[str, str] = {}
        self.help_cards: list[HelpCard] = []
        self.code = ""
        self.certificate_name = ""
        self.finish: FinishPanel | None = None
        self.live = False  # True once the browser has drawn the page (its settings widget reported in)
        self.handout: HandoutPanel | None = None

        self.announcer = LiveRegion()
        self.announcer.add_class("h2l-sr-only")
        self.notices = LiveRegion()
        self.account = w.VBox(layout=shared_layout(width="100%"))
        self.account.add_class("h2l-account")
        self.progress = w.HTML().add_class("h2l-progress")
        self.nav = w.VBox(layout=shared_layout(width="auto"))
        self.nav.add_class("h2l-nav")
        self.nav_buttons: list[w.Button] = []
        self.main = w.VBox(layout=shared_layout(width="100%"))
        self.main.add_class("h2l-main")
        self.prev_button = self._button(self.t("previous"), lambda: self.go(self.index - 1), "h2l-secondary")
        self.next_button = self._button(self.t("next"), lambda: self.go(self.index + 1), "h2l-primary")
        self.pager = w.HBox([self.prev_button, self.next_button], layout=shared_layout(justify_content="space-between"))
        self.pager.add_class("h2l-pager")
        self.size = w.Dropdown(options=[(self.t("size_normal"), "normal"), (self.t("size_large"), "large"),
                                        (self.t("size_larger"), "larger")],
                               value="larger" if self.facilitator else "normal", description=self.t("text_size"),
                               style={"description_width": "initial"}, layout=shared_layout(width="auto"))
        self.contrast = w.Checkbox(value=False, description=self.t("high_contrast"), indent=False,
                                   layout=shared_layout(width="auto"))
        self.size.observe(self._comfort, names="value")
        self.contrast.observe(self._comfort, names="value")
        self.display_store = BrowserStore(on_loaded=self._display_loaded, key="her2lesson.display")
        self.comfort = w.HBox([self.size, self.contrast]).add_class("h2l-comfort")
        own_layout(self.comfort).display = "none"
        self.display_button = self._button(self.t("display_settings"), self.toggle_display, "h2l-secondary")
        self.display_button.add_class("h2l-display-toggle")
        self.contents_button = self._button(self.t("contents"), self.toggle_contents, "h2l-secondary")
        self.contents_button.add_class("h2l-contents-toggle")
        self.where = w.HTML().add_class("h2l-where")
        self.read_aloud = ReadAloud(self.t, self.lang)  # Listen: reads the part on screen aloud, in the browser
        header = w.VBox([
            w.HBox([w.HTML(f'<p class="h2l-brand">{escape(self.t("app_title"))}</p>').add_class("h2l-brand-box"),
                    self.where,
                    w.HBox([self.contents_button, self.display_button,
                            w.HTML(f'<button type="button" class="h2l-button h2l-secondary h2l-presenter-open">'
                                   f'{escape(self.t("presenter_open"))}</button>')]).add_class("h2l-header-buttons")]
                   ).add_class("h2l-header-row"),
            self.comfort, self.progress])
        header.add_class("h2l-header")
        column = w.VBox([self.read_aloud, self.main, self.pager], layout=shared_layout(width="100%"))
        self.body = w.HBox([self.nav, column])
        self.body.add_class("h2l-body")
        self.widget = w.VBox([header, self.announcer, self.notices, self.account, self.body, self.display_store],
                             layout=shared_layout(width="100%"))
        self.widget.add_class("h2l-app")
        if self.presenter:
            self.widget.add_class("h2l-presenter")
        self._comfort()

        self.requested_section = params.get("section") or ""  # a link's part wins over a resumed place
        wanted = params.get("track")
        if wanted in TRACKS:
            self.choose_track(wanted)
        elif self.presenter:
            self.choose_track("patient")
        elif self.wants_facilitator:
            self.show_facilitator_entry()
        else:
            self.show_start()

    # --- building blocks ------------------------------------------------------------------------------------------
    def _button(self, label: str, action: Callable[[], None], cls: str, width: str = "auto") -> w.Button:
        button = w.Button(description=label, layout=shared_layout(width=width, min_height="44px"))
        button.add_class("h2l-button").add_class(cls)
        button.on_click(lambda _b: action())
        return button

    def position_of(self, page_id: str) -> int:
        return next((i for i, p in enumerate(self.pages) if p.id == page_id), 0)

    @property
    def current(self) -> Page:
        return self.pages[self.index]

    def _emit(self, event: LearnerEvent) -> None:
        if self.listener:
            self.listener(event)

    # --- start screen and tracks ----------------------------------------------------------------------------------
    def _read_in(self, content: Content) -> None:
        """Read the lesson from this content (a language's, or the English for a track the language lacks)."""
        self.content = content
        self.scored = scored_check(content)  # the bank the content marks `scored: true`, and its totals per track
        self.scored_page = next((s.id for s in content.sections if self.scored and self.scored.section in s.banks()),
                                None)  # the part that holds it

    def _language_links(self) -> w.Widget | None:
        """Each language named in itself, as a link to this page in it (a new page: every word changes)."""
        if len(self.base.languages) < 2:
            return None
        kept = {k: v for k, v in self.params.items() if k in ("cohort", "section", "track")}
        links = []
        for code, language in self.base.languages.items():
            if code == self.lang:
                links.append(f'<strong lang="{escape(code)}" aria-current="true">{escape(language.name)}</strong>')
            else:
                href = "?" + urlencode({**kept, "lang": code})
                links.append(f'<a href="{escape(href)}" lang="{escape(code)}" hreflang="{escape(code)}">'
                             f'{escape(language.name)}</a>')
        return w.HTML(f'<nav class="h2l-languages" aria-label="{escape(self.t("language_label"))}">'
                      + " · ".join(links) + "</nav>")

    def show_start(self) -> None:
        """The first screen: the three paths first (they fit a phone's first screen), then "coming back?"."""
        title, text = ("facilitator_pick", "facilitator_intro") if self.facilitator else ("start_title", "start_intro")
        intro = w.HTML(f'<h1>{escape(self.t(title))}</h1>'
                       + ("" if self.facilitator else f'<p>{escape(self.t(text))}</p>'))
        choices = []
        for track in TRACKS if not self.facilitator else ("patient", "nurse"):
            button = self._button(self.t(f"track_{track}"), partial(self.choose_track, track), "h2l-track", "100%")
            note = w.HTML(f'<p class="h2l-track-note">{escape(self.t(f"track_{track}_note"))}</p>')
            choices.append(w.VBox([button, note]))
        after = [w.HTML(f'<p class="h2l-note">{escape(self.t("not_advice"))}</p>')]
        if self.resume is not None and not self.code and not self.facilitator:
            after.insert(0, self._resume_prompt())
        languages = None if self.facilitator else self._language_links()
        self.main.children = (w.VBox([*([languages] if languages else []), intro, *choices, *after]
                                     ).add_class("h2l-start"),)
        self.account.children = ()
        own_layout(self.nav).display = "none"
        own_layout(self.pager).display = "none"
        own_layout(self.contents_button).display = "none"
        self._update_progress()

    def show_facilitator_entry(self) -> None:
        """A group session starts with the facilitator code typed here, so it stays out of links, history and logs."""
        intro = w.HTML(f'<h1>{escape(self.t("facilitator_title"))}</h1><p>{escape(self.t("facilitator_intro"))}</p>')
        self.facilitator_status = LiveRegion()
        parts: list[w.Widget] = [intro, self.facilitator_status]
        if self.settings.facilitator_code:
            parts.insert(1, TextEntry(on_add=self.enter_facilitator, label=self.t("facilitator_code_label"),
                                      button_label=self.t("facilitator_open"), max_length=100))
        else:
            self.facilitator_status.say(f"<p>{escape(self.t('facilitator_off'))}</p>", "h2l-live h2l-info")
        self.main.children = (w.VBox(parts).add_class("h2l-start"),)
        own_layout(self.nav).display = "none"
        own_layout(self.pager).display = "none"

    def enter_facilitator(self, typed: object) -> bool:
        """Compare as bytes (any text a visitor types is safe to compare); on a match, the group view starts."""
        code = self.settings.facilitator_code
        given = str(typed or "").strip().encode("utf-8", "replace")
        if not code or not secrets.compare_digest(given, code.encode("utf-8")):
            message = "facilitator_wrong" if code else "facilitator_off"
            self.facilitator_status.say(f"<p>{escape(self.t(message))}</p>", "h2l-live h2l-error-text")
            return False
        self.facilitator = True
        self.widget.add_class("h2l-facilitator")
        self.size.value = "larger"
        self.show_start()
        return True

    def _resume_prompt(self) -> w.Widget:
        """A "Coming back?" button that opens the box for a resume code right below it."""
        entry = TextEntry(on_add=self._resume_typed, label=self.t("resume_label"), button_label=self.t("resume_button"),
                          max_length=20, autocomplete="off")
        own_layout(entry).display = "none"
        box = w.VBox([], layout=shared_layout(width="100%")).add_class("h2l-resume")

        def open_box() -> None:
            own_layout(entry).display = None
            own_layout(toggle).display = "none"
            entry.send({"focus": True})

        toggle = self._button(self.t("coming_back"), open_box, "h2l-secondary")
        box.children = (toggle, entry)
        return box

    def choose_track(self, track: str) -> None:
        if track not in TRACKS:
            return
        for other in TRACKS:
            self.widget.remove_class(f"h2l-track-{other}")
        self.widget.add_class(f"h2l-track-{track}")
        self.track = track
        covered = self.base.covers(self.lang, track)
        self._read_in(self.base.in_language(self.lang) if covered else self.base)
        if not covered:
            self.notice(self.t("track_in_english"))
        self.read_aloud.lang = self.content.lang  # read with a voice for the words on screen
        self.cache.clear()
        self.quizzes.clear()
        self.checkpoints.clear()
        self.help_cards.clear()
        self.pages = [Page(s.id, s.title, s) for s in self.content.sections
                      if s.id != self.scored_page or (self.scored and self.scored.total(track))]
        self.pages.append(Page(HANDOUT, self.t("handout_title")))
        self.nav_buttons = [self._nav_button(i) for i in range(len(self.pages))]
        self.nav.children = tuple(self.nav_buttons)
        own_layout(self.nav).display = None
        own_layout(self.pager).display = None
        own_layout(self.contents_button).display = None
        self.announcer.say(escape(self.t("track_chosen", track=self.t(f"track_{track}"))))
        self._show_account()
        self._emit(TrackChosen(track))
        self.go(self.position_of(self.requested_section))  # a link's part, or the first

    # --- records: notices, the resume code, resuming --------------------------------------------------------------
    def notice(self, text: str) -> None:
        self.notices.say(f"<p>{escape(text)}</p>", "h2l-live h2l-info")

    def show_code(self, code: str) -> None:
        self.code = code
        self._show_account()

    def _show_account(self) -> None:
        """The learner's code, with a way out on a shared device that asks first; or "coming back?"."""
        if self.track is None or self.facilitator or self.presenter:
            self.account.children = ()  # a projected screen never shows a code
        elif self.code:
            said = escape(self.t("your_code", code="\x00")).replace(  # the code itself never breaks across lines
                "\x00", f'<span class="h2l-code-value">{escape(self.code)}</span>')
            text = w.HTML(f'<p class="h2l-code"><strong>{said}</strong> '
                          f'<span class="h2l-note">{escape(self.t("your_code_help"))}</span></p>')
            parts: list[w.Widget] = [text]
            if self.start_fresh is not None:
                parts.append(self._button(self.t("not_you"), self._confirm_start_fresh, "h2l-secondary"))
            self.account.children = (w.HBox(parts).add_class("h2l-account-row"),)
        elif self.resume is not None:
            self.account.children = (self._resume_prompt(),)
        else:
            self.account.children = ()

    def _confirm_start_fresh(self) -> None:
        """One tap must not discard a learner's place: say what happens and ask."""
        question = w.HTML(f'<p role="alert">{escape(self.t("start_fresh_confirm", code=self.code))}</p>')
        yes = self._button(self.t("start_fresh_yes"), lambda: self.start_fresh and self.start_fresh(), "h2l-primary")
        no = self._button(self.t("start_fresh_no"), self._show_account, "h2l-secondary")
        self.account.children = (w.VBox([question, w.HBox([yes, no]).add_class("h2l-buttons")]
                                        ).add_class("h2l-account-row"),)

    def reset(self) -> None:
        """Back to the start screen with nothing of the previous learner left on the page (shared devices)."""
        self.records.clear()
        self.visited.clear()
        self.cache.clear()
        self.quizzes.clear()
        self.checkpoints.clear()
        self.question_list, self.own_questions, self.plan = [], [], []
        self.phones, self.help_cards = {}, []
        self.keep_own, self.code, self.track, self.pages, self.nav_buttons = False, "", None, [], []
        self.seed = secrets.token_hex(8)
        self.nav.children = ()
        self.show_start()

    def retake_final(self) -> None:
        """Start the final check again: its answers are cleared here, and the record notes the new start."""
        bank = self.content.scored_bank
        if bank is None or self.scored_page is None:
            return
        for item in bank.answerables():
            self.records.pop(item.id, None)
        self.cache.pop(self.scored_page, None)
        self.quizzes.pop(self.scored_page, None)
        self._emit(FinalCheckRestarted())
        self.go(self.position_of(self.scored_page))

    def _resume_typed(self, code: str) -> None:
        if self.resume:
            self.resume(str(code)[:40])

    def restore(self, state: dict, events) -> None:
        """Put the page back as a resumed learner left it: track, answers, lists, sections visited, place."""
        state = dict(state)  # a copy: the events below must not change what we restore from
        section = state.get("section", "")
        visited = [v for v in state.get("visited", []) if isinstance(v, str)]
        if isinstance(state.get("seed"), str):
            self.seed = state["seed"][:32]  # the same option order as before
        self.records.clear()
        # the same reading as certificates and results
        self.records.update(replay(events, final_reset_at(state), self.scored))
        self.question_list = [q for q in state.get("questions", []) if isinstance(q, str)]
        self.keep_own = bool(state.get("keep_own"))
        self.plan = [p for p in state.get("plan", []) if isinstance(p, str)]
        phones = state.get("phones")
        self.phones = {k: v for k, v in phones.items() if isinstance(v, str)} if isinstance(phones, dict) else {}
        saved = state.get("track")
        track = (self.track if self.track is not None and self.track in TRACKS
                 else saved if isinstance(saved, str) and saved in TRACKS else "patient")
        self.choose_track(track)
        self.visited.update(visited)
        for page in self.pages:  # rebuild the quizzes of visited sections so progress counts their answers
            if page.id in self.visited and page.section and page.section.banks() and page.id not in self.cache:
                self.cache[page.id] = self._build(page)
        place = self.requested_section if self.requested_section in {p.id for p in self.pages} else section
        self.go(self.position_of(place))
        self.notice(self.t("welcome_back", title=self.current.title))

    def _nav_button(self, i: int) -> w.Button:
        button = self._button(self.pages[i].title, lambda: self.go(i), "h2l-nav-item", "100%")
        button.add_class(f"h2l-nav-{self.pages[i].id}")  # the page script follows Back/Forward with it
        return button

    # --- navigation -----------------------------------------------------------------------------------------------
    def go(self, index: object) -> None:
        if self.track is None or not isinstance(index, int) or not 0 <= index < len(self.pages):
            return
        self.index = index
        page = self.current
        self.visited.add(page.id)
        if page.id not in self.cache:
            self.cache[page.id] = self._build(page)
        if page.id == HANDOUT and self.handout:
            self.handout.refresh()
        self.read_aloud.stop()  # never read on into another part
        self.main.children = (self.cache[page.id],)
        for i, button in enumerate(self.nav_buttons):
            button.remove_class("h2l-current")
            if i == index:
                button.add_class("h2l-current")
        self.prev_button.disabled = index == 0
        self.next_button.disabled = index == len(self.pages) - 1
        self.widget.remove_class("h2l-nav-open")
        self._update_progress()
        self.announcer.say(escape(self.t("now_showing", title=page.title, n=index + 1, m=len(self.pages))))
        self._emit(PartVisited(page.id))
        self._prepare(index + 1)

    def _prepare(self, index: int) -> None:
        """Build the next section while the learner reads this one, so Next shows it at once.

        Runs on the kernel's event loop right after this message is handled; outside a kernel there is no loop
        and nothing is built ahead (it is built when opened, as before). Not before the page is drawn: a section
        built ahead in a pool kernel would travel with the first page's widget state, on a phone's slow network.
        """
        if not self.live:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        if 0 <= index < len(self.pages) and self.pages[index].id not in self.cache:
            page = self.pages[index]
            loop.call_later(PREPARE_DELAY,
                            lambda: page.id in self.cache or self.cache.setdefault(page.id, self._build(page)))

    def _build(self, page: Page) -> w.Widget:
        if page.section is None:
            self.handout = HandoutPanel(self.content, [p.section for p in self.pages if p.section], self.t,
                                        questions=lambda: list(self.question_list), plan=lambda: list(self.plan),
                                        code=lambda: self.code, phones=lambda: dict(self.phones))
            return self.handout.widget
        steps = self._steps(page)
        if self.presenter:
            widget = presenter_panel(page.section, self.content, [label for _w, label in steps], self.t)
        elif self.facilitator:
            index = self.pages.index(page)
            widget = Stepper(steps, self.t, on_past_end=lambda: self.go(index + 1),
                             on_before_start=(lambda: self.go(index - 1)) if index else None).widget
        else:
            widget = w.VBox([step for step, _label in steps], layout=shared_layout(width="100%"))
        widget.add_class("h2l-section").add_class(f"h2l-sec-{page.id}")  # the address follows the part shown
        return widget

    def _steps(self, page: Page) -> list[Step]:
        """The section's widgets with labels; a facilitator's (and the presenter window's) one step each."""
        section = page.section
        if section is None:
            raise ValueError(f"page {page.id!r} is the take-home sheet, not a section: it has no steps")
        view = View(self.track or "patient", self.facilitator or self.presenter)
        return section_steps(section, self.content, view, self.t, lambda block: self._widget_for(section, block))

    def _widget_for(self, section: Section, block: Block) -> w.Widget | list[Step] | None:
        if block.kind == "quiz":
            return self._quiz(section, block.role)
        if block.role == "help-card":
            card = HelpCard(self.content, self.t, on_change=self._set_phones, initial=self.phones)
            self.help_cards.append(card)
            return card.widget
        if block.role == "ihc-explainer":
            return IhcExplainer(self.content, self.track or "patient", self.t).widget
        if block.role == "question-builder":
            return QuestionBuilder(self.content, self.t, on_change=self._set_questions, initial=self.question_list,
                                   keep_own=self.keep_own).widget
        if block.role == "self-care-plan":
            return SelfCarePlan(self.content, self.t, on_change=self._set_plan, initial=self.plan).widget
        if block.role == "source-list":
            return source_list(self.content, self.t)
        return None

    def _quiz(self, section: Section, role: str) -> w.Widget | list[Step] | None:
        """The end-of-part check (`quiz("bank")`), or a quick check inside the part (`quiz("bank:checkpoint")`)."""
        bank_id, checkpoint = quiz_target(role)
        bank = self.content.banks[bank_id]
        exam = self.content.banks[bank_id].scored
        options = QuizOptions(seed=self.seed, exam=exam, hold_feedback=self.facilitator and not exam,
                              source_title=lambda key: self.content.sources[key].title
                              if key in self.content.sources else key)
        quiz = QuizView(bank, self.track or "patient", self.t, options, self.records,
                        listener=lambda kind, record, answer: self._answered(bank_id, kind, record, answer),
                        on_score=lambda score: self._scored(bank_id, score),
                        title_key="final_heading" if exam else "checkpoint_heading" if checkpoint else "quiz_heading",
                        checkpoint=checkpoint)
        if checkpoint:
            if not quiz.views:
                return None  # no question of this quick check is for this track
            self.checkpoints.setdefault(section.id, []).append(quiz)
            return self._question_steps(quiz) if self.facilitator or self.presenter else quiz.widget
        self.quizzes[section.id] = quiz
        if exam:
            self.finish = FinishPanel(quiz, self.settings, self.t, on_name=self._set_name, retake=self.retake_final,
                                      content=self.content, open_section=lambda sid: self.go(self.position_of(sid)))
            return w.VBox([quiz.widget, self.finish.widget], layout=shared_layout(width="100%"))
        if self.facilitator or self.presenter:
            return self._question_steps(quiz)
        return quiz.widget

    def _question_steps(self, quiz: QuizView) -> list[Step]:
        """A group answers one question at a time; Reveal shows its answer whether or not anyone answered."""
        steps: list[Step] = []
        for k, view in enumerate(quiz.views, 1):
            reveal = self._button(self.t("reveal_answer"), partial(reveal_answer, view), "h2l-primary")
            reveal.add_class("h2l-reveal")
            asked = view.q.story if isinstance(view, CaseView) else view.q.prompt
            label = self.t("quiz_step", n=k, prompt=asked if len(asked) <= 90 else asked[:87].rsplit(" ", 1)[0] + "...")
            box = w.VBox([view.widget, reveal], layout=shared_layout(width="100%")).add_class("h2l-quiz")
            steps.append((box, label))
        return steps

    # --- what the learner did -------------------------------------------------------------------------------------
    def _answered(self, bank_id: str, kind: str, record: QuestionRecord, answer: object) -> None:
        self._emit(Answered(section=bank_id, question=record.question_id, action=kind,
                            correct=bool(record.checks[-1]) if kind == "check" and record.checks else None,
                            answer=sorted(answer) if isinstance(answer, frozenset) else answer))

    def _scored(self, bank_id: str, score) -> None:
        self._update_progress()
        if self.content.banks[bank_id].scored and self.finish:
            self.finish.update(score)

    def _set_questions(self, questions: list[str], own: list[str], keep_own: bool) -> None:
        self.question_list, self.own_questions, self.keep_own = list(questions), list(own), keep_own
        self._emit(QuestionsChanged(tuple(questions), tuple(own), keep_own))

    def _set_plan(self, plan: list[str]) -> None:
        self.plan = plan
        self._emit(PlanChanged(tuple(plan)))

    def _set_phones(self, phones: dict[str, str]) -> None:
        """The care team's numbers: the same on every copy of the card, on the take-home sheet, and in the record."""
        self.phones = dict(phones)
        for card in self.help_cards:
            if card.phones != self.phones:
                card.show(self.phones)
        self._emit(PhonesChanged(dict(self.phones)))

    def _set_name(self, name: str) -> None:
        self.certificate_name = name  # never stored: it goes on the certificate, and only a hash of it is kept

    # --- progress and comfort -------------------------------------------------------------------------------------
    def finished(self, page: Page) -> bool:
        """Visited, and every self-check question for this track answered."""
        if page.id not in self.visited:
            return False
        checks = self.checkpoints.get(page.id, []) + ([self.quizzes[page.id]] if page.id in self.quizzes else [])
        return all(q.score().answered == q.score().total for q in checks)

    def _update_progress(self) -> None:
        """Marks in the contents (seen, self-check done), the count of parts seen, and where the learner is."""
        done = [self.finished(p) for p in self.pages]
        for button, page, finished in zip(self.nav_buttons, self.pages, done):
            visited = page.id in self.visited
            button.description = ("\u2713 " if finished else "\u2022 " if visited else "") + page.title
            button.tooltip = self.t("finished") if finished else self.t("seen") if visited else ""
        seen, total = sum(p.id in self.visited for p in self.pages), len(self.pages)
        label = escape(self.t("progress", n=seen, m=total))
        self.progress.value = (f'<label class="h2l-progress-label">{label} '
                               f'<progress max="{max(total, 1)}" value="{seen}">{seen}/{total}</progress></label>'
                               if total else "")
        if self.track is None or not self.pages:
            self.where.value = ""
            return
        page = self.current
        minutes = page.section.minutes if page.section else 0
        part = escape(self.t("where", n=self.index + 1, m=total))
        time = f' <span class="h2l-where-time">\u00b7 {escape(self.t("minutes", n=minutes))}</span>' if minutes else ""
        self.where.value = f'<p class="h2l-where-text"><span class="h2l-where-part">{part}</span>{time}</p>'

    def toggle_display(self) -> None:
        """Text size and contrast live behind one button, so the header stays one slim line on a phone."""
        layout = own_layout(self.comfort)
        layout.display = None if layout.display == "none" else "none"

    def _display_loaded(self, saved: str | None) -> None:
        """Put back the text size and contrast this browser chose last time."""
        size, _, contrast = (saved or "").partition("|")
        if size in ("normal", "large", "larger") and not self.facilitator:
            self.size.value = size
        if contrast in ("0", "1"):
            self.contrast.value = contrast == "1"
        self.live = True  # the page is drawn: now build ahead, without making its first load heavier
        self._prepare(self.index + 1)

    def toggle_contents(self) -> None:
        if "h2l-nav-open" in self.widget._dom_classes:
            self.widget.remove_class("h2l-nav-open")
        else:
            self.widget.add_class("h2l-nav-open")

    def _comfort(self, _change=None) -> None:
        for cls in ("h2l-size-normal", "h2l-size-large", "h2l-size-larger", "h2l-contrast"):
            self.widget.remove_class(cls)
        size = self.size.value if self.size.value in ("normal", "large", "larger") else "normal"
        self.widget.add_class(f"h2l-size-{size}")
        if self.contrast.value is True:
            self.widget.add_class("h2l-contrast")
        if self.display_store.loaded:  # not before this browser said what it had: that would overwrite it
            self.display_store.remember(f"{size}|{'1' if self.contrast.value is True else '0'}")
