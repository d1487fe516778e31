"""The one page a learner uses: track choice, table of contents, sections switched in the page, progress.

Why one page: every Voila page view costs a kernel and seconds of start-up; switching sections inside the page
costs one widget round trip and keeps all of a learner's answers in one place (see docs in ../shared/design.md).
"""
from __future__ import annotations

import secrets
from html import escape

import ipywidgets as w

from ..content import Content
from ..content.notebooks import Block, Section
from ..quiz import QuestionRecord, QuizOptions, QuizView
from ..settings import LessonSettings
from ..strings import Strings
from ..widgets import LiveRegion
from .aids import IhcExplainer, QuestionBuilder, SelfCarePlan, source_list
from .sections import View, build_section

TRACKS = ("patient", "nurse", "explore")
FINAL = "final-check"


class Dashboard:
    def __init__(self, content: Content, settings: LessonSettings | None = None, params: dict[str, str] | None = None,
                 lang: str = "en"):
        params = params or {}
        self.content = content
        self.settings = settings or LessonSettings()
        self.t = Strings.for_language(content.strings, lang)
        code = self.settings.facilitator_code
        self.facilitator = bool(code) and secrets.compare_digest(params.get("facilitator", ""), code)
        self.seed = secrets.token_hex(8)
        self.records: dict[str, QuestionRecord] = {}
        self.visited: set[str] = set()
        self.quizzes: dict[str, QuizView] = {}
        self.cache: dict[str, w.Widget] = {}
        self.track: str | None = None
        self.sections: list[Section] = list(content.sections)
        self.index = 0
        self.question_list: list[str] = []

        self.announcer = LiveRegion()
        self.announcer.add_class("h2l-sr-only")
        self.progress = w.HTML().add_class("h2l-progress")
        self.nav_buttons = [self._nav_button(i) for i in range(len(self.sections))]
        self.nav = w.VBox(self.nav_buttons, layout=w.Layout(width="auto"))
        self.nav.add_class("h2l-nav")
        self.main = w.VBox(layout=w.Layout(width="100%"))
        self.main.add_class("h2l-main")
        self.prev_button = self._button(self.t("previous"), lambda: self.go(self.index - 1), "h2l-secondary")
        self.next_button = self._button(self.t("next"), lambda: self.go(self.index + 1), "h2l-primary")
        self.pager = w.HBox([self.prev_button, self.next_button], layout=w.Layout(justify_content="space-between"))
        self.pager.add_class("h2l-pager")
        self.size = w.Dropdown(options=[(self.t("size_normal"), "normal"), (self.t("size_large"), "large"),
                                        (self.t("size_larger"), "larger")],
                               value="larger" if self.facilitator else "normal", description=self.t("text_size"),
                               style={"description_width": "initial"}, layout=w.Layout(width="auto"))
        self.contrast = w.Checkbox(value=False, description=self.t("high_contrast"), indent=False,
                                   layout=w.Layout(width="auto"))
        self.size.observe(self._comfort, names="value")
        self.contrast.observe(self._comfort, names="value")
        header = w.HBox([w.HTML(f'<p class="h2l-brand">{escape(self.t("app_title"))}</p>'), self.progress,
                         w.HBox([self.size, self.contrast]).add_class("h2l-comfort")])
        header.add_class("h2l-header")
        self.body = w.HBox([self.nav, w.VBox([self.main, self.pager], layout=w.Layout(width="100%"))])
        self.body.add_class("h2l-body")
        self.widget = w.VBox([header, self.announcer, self.body], layout=w.Layout(width="100%"))
        self.widget.add_class("h2l-app")
        if self.facilitator:
            self.widget.add_class("h2l-facilitator")
        self._comfort()

        wanted = params.get("track")
        if wanted in TRACKS:
            self.choose_track(wanted)
        elif self.facilitator:
            self.choose_track("patient")
        else:
            self.show_start()
        start = params.get("section")
        if self.track and start:
            self.go(self.position_of(start))

    # --- building blocks ------------------------------------------------------------------------------------------
    def _button(self, label: str, action, cls: str) -> w.Button:
        button = w.Button(description=label, layout=w.Layout(width="auto", min_height="44px"))
        button.add_class("h2l-button").add_class(cls)
        button.on_click(lambda _b: action())
        return button

    def _nav_button(self, i: int) -> w.Button:
        button = self._button(self.sections[i].title, lambda: self.go(i), "h2l-nav-item")
        button.layout.width = "100%"
        return button

    def position_of(self, section_id: str) -> int:
        return next((i for i, s in enumerate(self.sections) if s.id == section_id), 0)

    @property
    def current(self) -> Section:
        return self.sections[self.index]

    # --- start screen and tracks ----------------------------------------------------------------------------------
    def show_start(self) -> None:
        intro = w.HTML(f'<h1>{escape(self.t("start_title"))}</h1><p>{escape(self.t("start_intro"))}</p>'
                       f'<p class="h2l-note">{escape(self.t("not_advice"))}</p>')
        choices = []
        for track in TRACKS:
            button = self._button(self.t(f"track_{track}"), lambda track=track: self.choose_track(track),
                                  "h2l-track")
            button.layout.width = "100%"
            choices.append(w.VBox([button, w.HTML(f'<p class="h2l-track-note">{escape(self.t(f"track_{track}_note"))}</p>')]))
        start = w.VBox([intro, *choices]).add_class("h2l-start")
        self.main.children = (start,)
        self.nav.layout.display = "none"
        self.pager.layout.display = "none"
        self._update_progress()

    def choose_track(self, track: str) -> None:
        if track not in TRACKS:
            return
        self.track = track
        self.cache.clear()
        self.quizzes.clear()
        self.nav.layout.display = None
        self.pager.layout.display = None
        self.announcer.say(escape(self.t("track_chosen", track=self.t(f"track_{track}"))))
        self.go(0)

    # --- navigation -----------------------------------------------------------------------------------------------
    def go(self, index: object) -> None:
        if self.track is None or not isinstance(index, int) or not 0 <= index < len(self.sections):
            return
        self.index = index
        section = self.current
        self.visited.add(section.id)
        if section.id not in self.cache:
            self.cache[section.id] = self._build(section)
        self.main.children = (self.cache[section.id],)
        for i, button in enumerate(self.nav_buttons):
            button.remove_class("h2l-current")
            if i == index:
                button.add_class("h2l-current")
        self.prev_button.disabled = index == 0
        self.next_button.disabled = index == len(self.sections) - 1
        self._update_progress()
        self.announcer.say(escape(self.t("now_showing", title=section.title, n=index + 1, m=len(self.sections))))

    def _build(self, section: Section) -> w.Widget:
        view = View(self.track or "patient", self.facilitator)
        return build_section(section, self.content, view, self.t, lambda block: self._widget_for(section, block))

    def _widget_for(self, section: Section, block: Block) -> w.Widget | None:
        if block.kind == "quiz":
            bank = self.content.banks[block.role]
            exam = block.role == FINAL
            options = QuizOptions(seed=self.seed, exam=exam, hold_feedback=self.facilitator and not exam,
                                  source_title=lambda key: self.content.sources[key].title
                                  if key in self.content.sources else key)
            quiz = QuizView(bank, self.track or "patient", self.t, options, self.records,
                            on_score=lambda _s: self._update_progress(),
                            title_key="final_heading" if exam else "quiz_heading")
            self.quizzes[section.id] = quiz
            if self.facilitator and not exam:
                reveal = self._button(self.t("reveal_answers"), quiz.release_all, "h2l-primary")
                return w.VBox([quiz.widget, reveal])
            return quiz.widget
        if block.role == "ihc-explainer":
            return IhcExplainer(self.content, self.track or "patient", self.t).widget
        if block.role == "question-builder":
            return QuestionBuilder(self.content, self.t, on_change=self._set_questions).widget
        if block.role == "self-care-plan":
            return SelfCarePlan(self.content, self.t).widget
        if block.role == "source-list":
            return source_list(self.content, self.t)
        return None

    def _set_questions(self, questions: list[str]) -> None:
        self.question_list = questions

    # --- progress and comfort -------------------------------------------------------------------------------------
    def finished(self, section: Section) -> bool:
        """Visited, and every self-check question for this track answered."""
        if section.id not in self.visited:
            return False
        quiz = self.quizzes.get(section.id)
        return quiz is None or quiz.score().answered == quiz.score().total

    def _update_progress(self) -> None:
        done = [self.finished(s) for s in self.sections]
        for button, section, finished in zip(self.nav_buttons, self.sections, done):
            mark = "\u2713 " if finished else ""
            button.description = mark + section.title
            button.tooltip = self.t("finished") if finished else ""
        n, total = sum(done), len(self.sections)
        label = escape(self.t("progress", n=n, m=total))
        self.progress.value = (f'<label class="h2l-progress-label">{label} '
                               f'<progress max="{total}" value="{n}">{n}/{total}</progress></label>')

    def _comfort(self, _change=None) -> None:
        for cls in ("h2l-size-normal", "h2l-size-large", "h2l-size-larger", "h2l-contrast"):
            self.widget.remove_class(cls)
        size = self.size.value if self.size.value in ("normal", "large", "larger") else "normal"
        self.widget.add_class(f"h2l-size-{size}")
        if self.contrast.value is True:
            self.widget.add_class("h2l-contrast")
