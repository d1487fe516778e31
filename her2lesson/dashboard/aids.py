"""Learning aids beyond quizzes: the IHC/ISH explainer, the question-list builder, the self-care plan, sources.

Learner-typed text is bounded in length and escaped wherever it is shown or written out.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import partial
from html import escape
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import quote

import ipywidgets as w

from ..content import Content
from ..content.plain import HelpCard as HelpCardData
from ..content.problems import ContentError, Problem
from ..strings import Strings
from ..widgets import LiveRegion, QuestionForm, TextEntry
from ..widgets.lean import shared_layout

if TYPE_CHECKING:
    from ..settings import LessonSettings

MAX_OWN_QUESTION = 300
MAX_OWN_QUESTIONS = 20
MAX_PHONE = 40
PHONE_FIELDS = ("day", "night")

T = TypeVar("T")


def _aid_data(data: T | None, relative: str) -> T:
    """An aid's data from the content; checked content always has it (a missing file is a problem there)."""
    if data is None:
        raise ContentError([Problem(relative, 1, "file", "is missing", "restore it from the repository")])
    return data


def choices(options: list[str], legend: str, multiple: bool = False, value: list[int] | None = None) -> QuestionForm:
    """A labelled group of options with no buttons: the same form the quiz questions use."""
    form = QuestionForm(kind="multiple" if multiple else "single", legend=legend, options=options, buttons=[])
    form.value = value or []
    return form


def _download_link(text: str, filename: str, label: str) -> str:
    href = "data:text/plain;charset=utf-8," + quote(text)
    return f'<a class="h2l-download" download="{escape(filename)}" href="{href}">{escape(label)}</a>'


def clean_phone(raw: object) -> str:
    """A phone number as typed, kept to what numbers are written with, and bounded."""
    text = "".join(ch for ch in str(raw or "") if ch.isdigit() or ch in " +-().#*x")
    return " ".join(text.split())[:MAX_PHONE]


def help_card_html(card: "HelpCardData", t: Strings, phones: dict[str, str] | None = None) -> str:
    """The when-to-get-help card as a figure: tiers most urgent first, each marked by words and an icon, not colour."""
    phones = phones or {}
    tiers = []
    for tier in card.tiers:
        signs = "".join(f"<li>{escape(sign)}</li>" for sign in tier.signs)
        tiers.append(f'<section class="h2l-tier h2l-tier-{escape(tier.id)}" aria-label="{escape(tier.title)}">'
                     f'<h3><span class="h2l-tier-icon" aria-hidden="true">{escape(tier.icon)}</span> '
                     f'{escape(tier.title)}</h3><p class="h2l-tier-action">{escape(tier.action)}</p>'
                     f'<ul>{signs}</ul></section>')
    lines = "".join(f'<p class="h2l-phone"><strong>{escape(label)}:</strong> '
                    f'<span class="h2l-phone-number">{escape(phones.get(key, "")) or "&nbsp;" * 3}</span></p>'
                    for key, label in (("day", card.phone_label_day), ("night", card.phone_label_night)))
    return (f'<figure class="h2l-help-card" aria-label="{escape(card.title)}">'
            f'<figcaption><h2>{escape(card.title)}</h2><p>{escape(card.intro)}</p></figcaption>'
            f'{"".join(tiers)}<div class="h2l-phones">{lines}</div>'
            f'<p class="h2l-note">{escape(t("help_card_emergency"))}</p></figure>')


class HelpCard:
    """The when-to-get-help card, with fields for the care team's day and night numbers shown on the card."""

    def __init__(self, content: Content, t: Strings, on_change: Callable[[dict[str, str]], None] | None = None,
                 initial: dict[str, str] | None = None):
        self.card = _aid_data(content.help_card, "data/aids/help_card.yaml")
        self.t, self.on_change = t, on_change
        self.phones = {k: clean_phone(v) for k, v in (initial or {}).items() if k in PHONE_FIELDS}
        self.figure = w.HTML(layout=shared_layout(width="100%"))
        self.status = LiveRegion()
        labels = {"day": self.card.phone_label_day, "night": self.card.phone_label_night}
        self.entries = [TextEntry(on_add=partial(self.set_phone, key), label=labels[key],
                                  button_label=t("help_card_save"), max_length=MAX_PHONE, autocomplete="tel",
                                  value=self.phones.get(key, "")) for key in PHONE_FIELDS]
        fields = w.VBox([w.HTML(f'<p class="h2l-note">{escape(self.card.phone_note)}</p>'), *self.entries,
                         self.status]).add_class("h2l-phone-fields")
        self.widget = w.VBox([self.figure, fields], layout=shared_layout(width="100%")).add_class("h2l-aid")
        self.widget.add_class("h2l-help")
        self.show(self.phones)

    def set_phone(self, key: str, raw: object) -> None:
        self.phones[key] = clean_phone(raw)
        self.show(self.phones)
        self.status.say(f"<p>{escape(self.t('help_card_saved'))}</p>", "h2l-live h2l-info")
        if self.on_change:
            self.on_change(dict(self.phones))

    def show(self, phones: dict[str, str]) -> None:
        """Draw the card with these numbers (also when another copy of the card changed them)."""
        self.phones = dict(phones)
        self.figure.value = help_card_html(self.card, self.t, self.phones)


class IhcExplainer:
    """Pick an IHC score (and an ISH result for 2+) and read what it means, in the learner's track's words."""

    def __init__(self, content: Content, track: str, t: Strings):
        data = _aid_data(content.ihc_explainer, "data/aids/ihc_explainer.yaml")
        self.data, self.t = data, t
        self.words = "nurse" if track == "nurse" else "patient"
        self.ihc_keys, self.ish_keys = list(data.ihc), list(data.ish)
        self.ihc = choices([data.ihc[k].label for k in self.ihc_keys], t("ihc_pick"))
        self.ish = choices([data.ish[k].label for k in self.ish_keys], t("ish_pick"))
        self.ish_box = w.VBox([])
        self.out = LiveRegion()
        self.out.add_class("h2l-feedback-box")
        self.ihc.observe(self._update, names="value")
        self.ish.observe(self._update, names="value")
        title = w.HTML(f'<h2>{escape(t("ihc_title"))}</h2><p>{escape(t("ihc_intro"))}</p>')
        self.widget = w.VBox([title, self.ihc, self.ish_box, self.out]).add_class("h2l-aid")

    def _update(self, _change=None) -> None:
        score = self.ihc_keys[self.ihc.value[0]] if self.ihc.value else None
        if score is None:
            self.out.say("")
            return
        needs_ish = score == "2+"
        self.ish_box.children = (self.ish,) if needs_ish else ()
        parts = [f"<p><strong>{escape(self.data.ihc[score].label)}</strong>: "
                 f"{escape(getattr(self.data.ihc[score], self.words))}</p>"]
        ish = self.ish_keys[self.ish.value[0]] if needs_ish and self.ish.value else None
        if ish:
            parts.append(f"<p><strong>{escape(self.data.ish[ish].label)}</strong>: "
                         f"{escape(getattr(self.data.ish[ish], self.words))}</p>")
        elif needs_ish:
            parts.append(f"<p>{escape(self.t('ish_next'))}</p>")
        parts.append(f'<p class="h2l-note">{escape(self.t("ask_your_team"))}</p>')
        self.out.say("".join(parts), "h2l-live h2l-info")


class QuestionBuilder:
    """Tick the questions to ask and add your own; take the list home as a file or on the handout."""

    def __init__(self, content: Content, t: Strings,
                 on_change: Callable[[list[str], list[str], bool], None] | None = None,
                 initial: list[str] | None = None, keep_own: bool = False):
        self.t = t
        self.on_change = None
        data = _aid_data(content.care_questions, "data/aids/care_questions.yaml")
        self.offered = [q.text for q in data.questions]
        initial = list(initial or [])
        self.group = choices(self.offered, t("builder_pick"), multiple=True,
                             value=[k for k, q in enumerate(self.offered) if q in initial])
        self.group.observe(self._changed, names="value")
        self.own: list[str] = [q for q in initial if q not in self.offered][:MAX_OWN_QUESTIONS]
        self.keep = w.Checkbox(value=keep_own, description=t("keep_own_label"), indent=False,
                               layout=shared_layout(width="100%"))
        self.keep.add_class("h2l-keep")
        self.keep.observe(self._changed, names="value")
        self.entry = TextEntry(on_add=self.add_own, label=t("own_question_label"),
                               placeholder=t("own_question_placeholder"), button_label=t("add_question"),
                               max_length=MAX_OWN_QUESTION, multiline=True)
        self.status = LiveRegion()
        self.listing = w.HTML().add_class("h2l-my-list")
        self.own_box = w.VBox([], layout=shared_layout(width="100%")).add_class("h2l-own-list")
        tips = "".join(f"<li>{escape(tip)}</li>" for tip in data.tips)
        title = w.HTML(f'<h2>{escape(t("builder_title"))}</h2><p>{escape(t("builder_intro"))}</p>')
        self.widget = w.VBox([title, self.group, self.entry, self.status, self.own_box, self.listing, self.keep,
                              w.HTML(f'<p><strong>{escape(t("tips"))}</strong></p><ul>{tips}</ul>' if tips else "")])
        self.widget.add_class("h2l-aid")
        self._render()
        self.on_change = on_change

    def chosen(self) -> list[str]:
        return [self.offered[k] for k in self.group.value] + list(self.own)

    def add_own(self, text: object) -> None:
        clean = " ".join(str(text or "").split())
        if not clean:
            self.status.say(f"<p>{escape(self.t('own_question_empty'))}</p>", "h2l-live h2l-info")
            return
        if len(self.own) >= MAX_OWN_QUESTIONS:
            self.status.say(f"<p>{escape(self.t('own_question_full', n=MAX_OWN_QUESTIONS))}</p>", "h2l-live h2l-info")
            return
        note = ""
        if len(clean) > MAX_OWN_QUESTION:
            clean = clean[:MAX_OWN_QUESTION].rstrip() + "..."
            note = " " + self.t("own_question_cut", n=MAX_OWN_QUESTION)
        self.own.append(clean)
        self.entry.clear()
        self.status.say(f"<p>{escape(self.t('own_question_added') + note)}</p>", "h2l-live h2l-info")
        self._changed()

    def remove_own(self, index: int) -> None:
        """Take one of the learner's own questions off the list (the help text tells them they can)."""
        if 0 <= index < len(self.own):
            removed = self.own.pop(index)
            self.status.say(f"<p>{escape(self.t('own_question_removed', question=removed))}</p>", "h2l-live h2l-info")
            self._changed()

    def _changed(self, _change=None) -> None:
        self._render()
        if self.on_change:
            self.on_change(self.chosen(), list(self.own), self.keep.value is True)

    def as_text(self) -> str:
        lines = [self.t("builder_file_title"), ""] + [f"{i}. {q}" for i, q in enumerate(self.chosen(), 1)]
        return "\n".join(lines) + "\n"

    def _render(self) -> None:
        rows = []
        for k, question in enumerate(self.own):
            remove = w.Button(description=self.t("own_question_remove", n=k + 1), layout=shared_layout(width="auto",
                              min_height="44px"))
            remove.add_class("h2l-button").add_class("h2l-secondary")
            remove.on_click(lambda _b, k=k: self.remove_own(k))
            text = w.HTML(f"<p>{k + 1}. {escape(question)}</p>", layout=shared_layout(flex="1 1 auto"))
            rows.append(w.HBox([text, remove]).add_class("h2l-own-row"))
        self.own_box.children = ((w.HTML(f'<p><strong>{escape(self.t("own_questions_title"))}</strong></p>'), *rows)
                                 if rows else ())
        chosen = self.chosen()
        if not chosen:
            self.listing.value = f"<p>{escape(self.t('builder_empty'))}</p>"
            return
        items = "".join(f"<li>{escape(q)}</li>" for q in chosen)
        self.listing.value = (f'<h3>{escape(self.t("builder_my_list"))}</h3><ol>{items}</ol>'
                              + _download_link(self.as_text(), "my-questions.txt", self.t("download_list")))


class SelfCarePlan:
    """A checklist of things to do for body and mind, with why each helps."""

    def __init__(self, content: Content, t: Strings, on_change: Callable[[list[str]], None] | None = None,
                 initial: list[str] | None = None):
        self.t = t
        self.on_change = None
        self.items = _aid_data(content.self_care, "data/aids/self_care.yaml").items
        self.group = choices([item.text for item in self.items], t("plan_pick"), multiple=True,
                             value=[k for k, item in enumerate(self.items) if item.text in (initial or [])])
        self.group.observe(self._changed, names="value")
        whys = "".join(f"<li><strong>{escape(i.text)}</strong>: {escape(i.why)}</li>" for i in self.items)
        why_box = w.HTML(f'<details class="h2l-describe"><summary>{escape(t("plan_why"))}</summary>'
                         f'<ul>{whys}</ul></details>')
        self.listing = w.HTML()
        title = w.HTML(f'<h2>{escape(t("plan_title"))}</h2><p>{escape(t("plan_intro"))}</p>')
        self.widget = w.VBox([title, self.group, why_box, self.listing]).add_class("h2l-aid")
        self._changed()
        self.on_change = on_change

    def chosen(self) -> list[str]:
        return [self.items[k].text for k in self.group.value]

    def _changed(self, _change=None) -> None:
        chosen = self.chosen()
        if chosen:
            text = self.t("plan_file_title") + "\n\n" + "\n".join(f"[ ] {c}" for c in chosen) + "\n"
            self.listing.value = _download_link(text, "my-self-care-plan.txt", self.t("download_plan"))
        else:
            self.listing.value = ""
        if self.on_change:
            self.on_change(chosen)


def source_list(content: Content, t: Strings, settings: "LessonSettings | None" = None) -> w.HTML:
    """The sources, each a link when it has a web address; then who made the module and where to report an error.

    Authors and contact are the server's settings (`her2lesson serve --authors --contact`), read from the
    environment when not given: the notebooks and the dashboard call this with the content and strings only.
    """
    import re

    from ..settings import LessonSettings  # here, not at the top: only this aid needs the settings

    settings = settings or LessonSettings.from_env()

    def link(url: str, text: str, new_tab: bool = True) -> str:
        """An escaped link, for web and mail addresses only (never javascript: or data:); plain text otherwise."""
        if not re.match(r"(?i)(https?://|mailto:)", url):
            return escape(text)
        if not new_tab:
            return f'<a href="{escape(url)}" rel="noopener">{escape(text)}</a>'
        return (f'<a href="{escape(url)}" rel="noopener" target="_blank">{escape(text)}'
                f'<span class="h2l-sr-only"> {escape(t("link_new_tab"))}</span></a>')

    items = []
    for key, s in content.sources.items():
        note = f" {escape(s.note)}" if s.note else ""
        title = link(s.url, s.title) if s.url else escape(s.title)
        items.append(f'<li id="source-{escape(key)}"><strong>{title}</strong>. '
                     f"{escape(s.publisher)}, {s.year}.{note}</li>")
    about = []
    if settings.authors:
        about.append(escape(t("sources_made_by", authors=settings.authors)))
    if settings.contact:
        mail = re.fullmatch(r"[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+", settings.contact)
        shown = link(("mailto:" if mail else "") + settings.contact, settings.contact, new_tab=not mail)
        about.append(escape(t("sources_contact", contact="\x00")).replace("\x00", shown))
    made = f'<p class="h2l-made-by">{" ".join(about)}</p>' if about else ""
    return w.HTML(f'<h2>{escape(t("sources_title"))}</h2><ul class="h2l-sources">{"".join(items)}</ul>'
                  f"{made}").add_class("h2l-aid")
