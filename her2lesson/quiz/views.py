"""Quiz widgets: one view per question, built from ipywidgets plus a live region for feedback.

Every callback validates what arrives from the browser (a client can send any value over the widget channel):
a value that is not one of the offered choices is treated as no answer, never as an error.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

import ipywidgets as w

from ..content.schema import CasePart, CaseQuestion, ChoiceQuestion, MatchingQuestion, OrderingQuestion
from ..strings import Strings
from ..widgets import LiveRegion
from .grading import QuestionRecord, choice_is_right, matching_marks, ordering_marks, seeded_order

RIGHT = '<span class="h2l-icon" aria-hidden="true">&#10003;</span>'
WRONG = '<span class="h2l-icon" aria-hidden="true">&#10007;</span>'
INFO = '<span class="h2l-icon" aria-hidden="true">&#9432;</span>'

Listener = Callable[[str, "QuestionRecord", object], None]


@dataclass(frozen=True)
class QuizOptions:
    """How a quiz behaves: practice (retry, hints, show answer) or exam (one scored try)."""

    seed: str = "default"
    exam: bool = False
    hold_feedback: bool = False  # facilitator mode: answers locked in, feedback shown when revealed
    source_title: Callable[[str], str] = lambda key: key


def _html(text: str, cls: str) -> w.HTML:
    return w.HTML(value=text, layout=w.Layout(width="100%")).add_class(cls)


def _button(label: str, cls: str, handler: Callable[[], None]) -> w.Button:
    button = w.Button(description=label, layout=w.Layout(width="auto", min_height="44px"))
    button.add_class("h2l-button").add_class(cls)

    def click(_: w.Button) -> None:
        handler()

    button.on_click(click)
    return button


class QuestionView:
    """Shared behaviour: check, try again, show answer, hint; subclasses own the answer control."""

    kind_hint_key = "choose_one"

    def __init__(self, question, number: int, total: int, strings: Strings, options: QuizOptions,
                 record: QuestionRecord | None = None, listener: Listener | None = None, source: str | None = None,
                 heading_key: str = "question_n_of_m"):
        self.q = question
        self.t = strings
        self.options = options
        self.record = record or QuestionRecord(question.id)
        self.listener = listener
        self.source = source or getattr(question, "source", None) or ""
        self.locked = False
        self.feedback = LiveRegion()
        self.feedback.add_class("h2l-feedback-box")
        heading = self.t(heading_key, n=number, m=total) if total > 1 else ""
        self.prompt = _html(
            (f'<p class="h2l-qnum">{escape(heading)}</p>' if heading else "")
            + f'<p class="h2l-prompt">{escape(question.prompt)}</p>'
            + f'<p class="h2l-instruction">{escape(self.t(self.kind_hint_key))}</p>', "h2l-question-text")
        self.check_button = _button(self.t("check"), "h2l-primary", self.check)
        self.retry_button = _button(self.t("try_again"), "h2l-secondary", self.retry)
        self.reveal_button = _button(self.t("show_answer"), "h2l-secondary", self.reveal)
        self.hint_button = _button(self.t("hint"), "h2l-secondary", self.show_hint)
        self.control = self.build_control()
        self.buttons = w.HBox(layout=w.Layout(flex_flow="row wrap"))
        self.buttons.add_class("h2l-buttons")
        self.widget = w.VBox([self.prompt, self.control, self.buttons, self.feedback],
                             layout=w.Layout(width="100%"))
        self.widget.add_class("h2l-question")
        self._refresh_buttons()

    # --- subclass hooks -------------------------------------------------------------------------------------------
    def build_control(self) -> w.Widget:
        raise NotImplementedError

    def answer(self) -> object | None:
        """The learner's answer in bank terms, or None when it is incomplete or invalid."""
        raise NotImplementedError

    def is_right(self, answer: object) -> bool:
        raise NotImplementedError

    def feedback_html(self, answer: object, right: bool) -> str:
        raise NotImplementedError

    def answer_html(self) -> str:
        raise NotImplementedError

    def incomplete_message(self) -> str:
        return self.t("no_choice")

    def set_enabled(self, enabled: bool) -> None:
        raise NotImplementedError

    def set_answer(self, answer: object) -> None:
        """Put an answer into the control (used to resume, and by tests standing in for a learner)."""
        raise NotImplementedError

    # --- behaviour ------------------------------------------------------------------------------------------------
    def check(self) -> None:
        if self.locked:
            return
        answer = self.answer()
        if answer is None:
            self.feedback.say(f"<p>{INFO} {escape(self.incomplete_message())}</p>", "h2l-live h2l-info")
            return
        right = self.is_right(answer)
        self.record.checks.append(right)
        self.locked = True
        self.set_enabled(False)
        if self.options.hold_feedback:
            self.feedback.say(f"<p>{INFO} {escape(self.t('answer_held'))}</p>", "h2l-live h2l-info")
            self._held = (answer, right)
        else:
            self._show_verdict(answer, right)
        self._refresh_buttons()
        self._notify("check", answer)

    def release(self) -> None:
        """Facilitator reveals the group's answer: show the feedback that was held back."""
        held = getattr(self, "_held", None)
        if held is not None:
            self._held = None
            self._show_verdict(*held)
            self._refresh_buttons()

    def _show_verdict(self, answer: object, right: bool) -> None:
        verdict = (f'<p class="h2l-verdict">{RIGHT} {escape(self.t("correct"))}</p>' if right
                   else f'<p class="h2l-verdict">{WRONG} {escape(self.t("not_quite"))}</p>')
        body = self.feedback_html(answer, right)
        self.feedback.say(verdict + body + self._why(), "h2l-live " + ("h2l-right" if right else "h2l-wrong"))

    def _why(self) -> str:
        source = self.options.source_title(self.source) if self.source else ""
        text = f'<p class="h2l-why"><strong>{escape(self.t("why"))}</strong> {escape(self.q.explanation)}</p>'
        if source:
            text += f'<p class="h2l-source">{escape(self.t("source"))} {escape(source)}</p>'
        return text

    def retry(self) -> None:
        if self.options.exam or not self.locked:
            return
        self.locked = False
        self.set_enabled(True)
        self.feedback.say("", "h2l-live")
        self._refresh_buttons()
        self._notify("retry", None)

    def reveal(self) -> None:
        if self.options.exam:
            return
        self.record.revealed = True
        self.locked = True
        self.set_enabled(False)
        self.feedback.say(f'<p class="h2l-verdict">{INFO} {escape(self.t("the_answer_is"))}</p>'
                          + self.answer_html() + self._why(), "h2l-live h2l-info")
        self._refresh_buttons()
        self._notify("reveal", None)

    def show_hint(self) -> None:
        hint = getattr(self.q, "hint", None)
        if hint and not self.options.exam:
            self.feedback.say(f'<p>{INFO} <strong>{escape(self.t("hint"))}:</strong> {escape(hint)}</p>',
                              "h2l-live h2l-info")

    def _refresh_buttons(self) -> None:
        checked = bool(self.record.checks)
        last_right = checked and self.record.checks[-1]
        held = getattr(self, "_held", None) is not None
        buttons: list[w.Widget] = []
        if not self.locked:
            buttons.append(self.check_button)
            if getattr(self.q, "hint", None) and not self.options.exam:
                buttons.append(self.hint_button)
        if not self.options.exam and not held:
            if self.locked and not last_right and not self.record.revealed:
                buttons.append(self.retry_button)
            if not self.record.revealed and not (self.locked and last_right):
                buttons.append(self.reveal_button)
        self.buttons.children = tuple(buttons)

    def _notify(self, kind: str, answer: object) -> None:
        if self.listener:
            self.listener(kind, self.record, answer)


# --- choice questions: single, multiple, true/false -------------------------------------------------------------
class ChoiceView(QuestionView):
    def __init__(self, question: ChoiceQuestion | CasePart, *args, **kwargs):
        self.kind_hint_key = "choose_all" if question.type == "multiple" else "choose_one"
        super().__init__(question, *args, **kwargs)

    def build_control(self) -> w.Widget:
        q = self.q
        n = len(q.options)
        self.order = list(range(n)) if q.type == "truefalse" else seeded_order(n, self.options.seed, q.id)
        if q.type == "multiple":
            self.boxes = [w.Checkbox(value=False, description=q.options[i].text, indent=False,
                                     layout=w.Layout(width="100%")) for i in self.order]
            for box in self.boxes:
                box.add_class("h2l-choice")
            control = w.VBox(self.boxes)
        else:
            self.radio = w.RadioButtons(options=[(q.options[i].text, i) for i in self.order], value=None,
                                        layout=w.Layout(width="100%"))
            self.radio.add_class("h2l-choice")
            control = self.radio
        control.add_class("h2l-control")
        return control

    def chosen(self) -> frozenset[int]:
        if self.q.type == "multiple":
            return frozenset(i for i, box in zip(self.order, self.boxes) if box.value is True)
        value = self.radio.value
        return frozenset([value]) if isinstance(value, int) and 0 <= value < len(self.q.options) else frozenset()

    def answer(self) -> frozenset[int] | None:
        chosen = self.chosen()
        return chosen or None

    def is_right(self, answer: frozenset[int]) -> bool:
        return choice_is_right(self.q, answer)

    def feedback_html(self, answer: frozenset[int], right: bool) -> str:
        items = []
        for i in self.order:
            if i in answer:
                option = self.q.options[i]
                mark = RIGHT if option.correct else WRONG
                items.append(f"<li>{mark} <strong>{escape(option.text)}</strong>: {escape(option.feedback)}</li>")
        text = f'<ul class="h2l-option-feedback">{"".join(items)}</ul>'
        if self.q.type == "multiple" and not right:
            missed = sum(1 for i, o in enumerate(self.q.options) if o.correct and i not in answer)
            if missed:
                text += f"<p>{escape(self.t('missed_some', n=missed))}</p>"
        return text

    def answer_html(self) -> str:
        items = [f"<li>{RIGHT} <strong>{escape(self.q.options[i].text)}</strong>: "
                 f"{escape(self.q.options[i].feedback)}</li>" for i in self.order if self.q.options[i].correct]
        return f'<ul class="h2l-option-feedback">{"".join(items)}</ul>'

    def set_enabled(self, enabled: bool) -> None:
        if self.q.type == "multiple":
            for box in self.boxes:
                box.disabled = not enabled
        else:
            self.radio.disabled = not enabled

    def set_answer(self, answer: object) -> None:
        chosen = {i for i in (answer or ()) if isinstance(i, int) and 0 <= i < len(self.q.options)}
        if self.q.type == "multiple":
            for i, box in zip(self.order, self.boxes):
                box.value = i in chosen
        else:
            self.radio.value = next(iter(chosen), None) if len(chosen) == 1 else None


# --- matching ---------------------------------------------------------------------------------------------------
class MatchingView(QuestionView):
    kind_hint_key = "pick_matches"

    def build_control(self) -> w.Widget:
        q: MatchingQuestion = self.q
        choices = list(q.choices)
        order = seeded_order(len(choices), self.options.seed, q.id)
        offered = [(self.t("choose_placeholder"), None)] + [(choices[i], choices[i]) for i in order]
        self.dropdowns = []
        rows = []
        for pair in q.pairs:
            dropdown = w.Dropdown(options=offered, value=None, description=pair.item,
                                  style={"description_width": "initial"}, layout=w.Layout(width="auto"))
            dropdown.add_class("h2l-match")
            self.dropdowns.append(dropdown)
            rows.append(dropdown)
        box = w.VBox(rows)
        box.add_class("h2l-control")
        return box

    def picked(self) -> list[str | None]:
        valid = set(self.q.choices)
        return [d.value if d.value in valid else None for d in self.dropdowns]

    def answer(self) -> list[str] | None:
        picked = self.picked()
        return None if any(p is None for p in picked) else picked

    def incomplete_message(self) -> str:
        return self.t("need_all_matches")

    def is_right(self, answer: list[str]) -> bool:
        return all(matching_marks(self.q, answer))

    def feedback_html(self, answer: list[str], right: bool) -> str:
        marks = matching_marks(self.q, answer)
        items = []
        for pair, picked, ok in zip(self.q.pairs, answer, marks):
            items.append(f"<li>{RIGHT if ok else WRONG} {escape(pair.item)} &rarr; {escape(picked)}"
                         f"{'' if ok else ' (' + escape(self.t('not_a_match')) + ')'}</li>")
        return f'<ul class="h2l-option-feedback">{"".join(items)}</ul>'

    def answer_html(self) -> str:
        items = [f"<li>{escape(p.item)} &rarr; <strong>{escape(p.match)}</strong></li>" for p in self.q.pairs]
        return f'<ul class="h2l-option-feedback">{"".join(items)}</ul>'

    def set_enabled(self, enabled: bool) -> None:
        for d in self.dropdowns:
            d.disabled = not enabled

    def set_answer(self, answer: object) -> None:
        valid = set(self.q.choices)
        for i, d in enumerate(self.dropdowns):
            value = answer[i] if isinstance(answer, (list, tuple)) and i < len(answer) else None
            d.value = value if value in valid else None


# --- ordering ---------------------------------------------------------------------------------------------------
class OrderingView(QuestionView):
    """Each step gets a position from a list: works by keyboard, and focus never jumps."""

    kind_hint_key = "put_in_order"

    def build_control(self) -> w.Widget:
        q: OrderingQuestion = self.q
        n = len(q.steps)
        self.shown = seeded_order(n, self.options.seed, q.id, avoid_identity=True)
        positions = [(self.t("choose_placeholder"), None)] + [(str(k + 1), k) for k in range(n)]
        self.dropdowns = []
        for step_index in self.shown:
            dropdown = w.Dropdown(options=positions, value=None, description=q.steps[step_index],
                                  style={"description_width": "initial"}, layout=w.Layout(width="auto"))
            dropdown.add_class("h2l-order")
            self.dropdowns.append(dropdown)
        box = w.VBox(self.dropdowns)
        box.add_class("h2l-control")
        return box

    def answer(self) -> list[int] | None:
        """Step indexes (bank order) by position, or None unless each position is used exactly once."""
        n = len(self.q.steps)
        by_position: dict[int, int] = {}
        for step_index, d in zip(self.shown, self.dropdowns):
            if not isinstance(d.value, int) or not 0 <= d.value < n or d.value in by_position:
                return None
            by_position[d.value] = step_index
        return [by_position[k] for k in range(n)]

    def incomplete_message(self) -> str:
        return self.t("need_unique_positions", n=len(self.q.steps))

    def is_right(self, answer: list[int]) -> bool:
        return all(ordering_marks(self.q, answer))

    def feedback_html(self, answer: list[int], right: bool) -> str:
        marks = ordering_marks(self.q, answer)
        items = [f"<li>{RIGHT if ok else WRONG} {escape(self.q.steps[step])}</li>" for step, ok in zip(answer, marks)]
        return f'<p>{escape(self.t("your_order"))}</p><ol class="h2l-option-feedback">{"".join(items)}</ol>'

    def answer_html(self) -> str:
        items = "".join(f"<li>{escape(step)}</li>" for step in self.q.steps)
        return f'<ol class="h2l-option-feedback">{items}</ol>'

    def set_enabled(self, enabled: bool) -> None:
        for d in self.dropdowns:
            d.disabled = not enabled

    def set_answer(self, answer: object) -> None:
        """`answer` is step indexes by position (as `answer()` returns)."""
        n = len(self.q.steps)
        steps = list(answer) if isinstance(answer, (list, tuple)) else []
        for step_index, d in zip(self.shown, self.dropdowns):
            d.value = steps.index(step_index) if step_index in steps and steps.index(step_index) < n else None


# --- case scenario ----------------------------------------------------------------------------------------------
class CaseView:
    """A short patient story with linked questions; each part is scored like a question of its own."""

    def __init__(self, question: CaseQuestion, number: int, total: int, strings: Strings, options: QuizOptions,
                 records: dict[str, QuestionRecord], listener: Listener | None = None):
        self.q = question
        heading = strings("question_n_of_m", n=number, m=total) if total > 1 else ""
        story = _html((f'<p class="h2l-qnum">{escape(heading)}</p>' if heading else "")
                      + f'<p class="h2l-case-label">{escape(strings("case_story"))}</p>'
                      + f'<blockquote class="h2l-story">{escape(question.story)}</blockquote>'
                      + f'<p class="h2l-prompt">{escape(question.prompt)}</p>', "h2l-question-text")
        self.parts = [
            ChoiceView(part, k + 1, len(question.parts), strings, options, records.setdefault(part.id,
                       QuestionRecord(part.id)), listener, source=part.source or question.source,
                       heading_key="part_n_of_m")
            for k, part in enumerate(question.parts)
        ]
        self.widget = w.VBox([story] + [p.widget for p in self.parts], layout=w.Layout(width="100%"))
        self.widget.add_class("h2l-question").add_class("h2l-case")

    @property
    def records(self) -> list[QuestionRecord]:
        return [p.record for p in self.parts]


def make_view(question, number: int, total: int, strings: Strings, options: QuizOptions,
              records: dict[str, QuestionRecord], listener: Listener | None = None):
    """The right view for a question's type, sharing the learner's records."""
    if isinstance(question, CaseQuestion):
        return CaseView(question, number, total, strings, options, records, listener)
    record = records.setdefault(question.id, QuestionRecord(question.id))
    cls = {"matching": MatchingView, "ordering": OrderingView}.get(question.type, ChoiceView)
    return cls(question, number, total, strings, options, record, listener)


def views_records(views: Sequence[object]) -> list[QuestionRecord]:
    out: list[QuestionRecord] = []
    for view in views:
        out += view.records if isinstance(view, CaseView) else [view.record]
    return out
