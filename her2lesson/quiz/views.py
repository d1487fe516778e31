"""Quiz views: one QuestionForm widget per question, driven by the grading functions.

The form sends each action (Check, Try again, Show answer, Hint) together with the answer on screen, and the form
validates every value it receives (a client can send anything over the widget channel): an out-of-range or malformed
value counts as no answer, never as an error.

Feedback teaches without giving the answer away: a wrong try shows what the chosen option means and the hint, so a
second try is still the learner's own; the explanation ("Why") comes once they are right or ask for the answer.
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any, Generic, TypeVar

import ipywidgets as w

from ..content.plain import (
    NUMBER_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    CaseQuestion,
    MatchingQuestion,
    NumericQuestion,
    OrderingQuestion,
    TextQuestion,
    normal_text,
    show_number,
)
from ..strings import Strings
from ..widgets import QuestionForm
from ..widgets.lean import shared_layout
from .grading import (
    QuestionRecord,
    choice_is_right,
    matching_marks,
    numeric_match,
    ordering_marks,
    read_number,
    seeded_order,
    text_match,
    typed,
)
from .wording import after_verdict, quoted

RIGHT = '<span class="h2l-icon" aria-hidden="true">&#10003;</span>'
WRONG = '<span class="h2l-icon" aria-hidden="true">&#10007;</span>'
INFO = '<span class="h2l-icon" aria-hidden="true">&#8505;</span>'  # ℹ: in the fonts most systems have

Listener = Callable[[str, "QuestionRecord", object], None]
A = TypeVar("A", bound=Collection[Any])
"""A view's answer in bank terms: option indexes, the matches picked, step indexes by position, or the text typed."""


@dataclass(frozen=True)
class QuizOptions:
    """How a quiz behaves: practice (retry, hints, show answer) or exam (one scored try)."""

    seed: str = "default"
    exam: bool = False
    hold_feedback: bool = False  # facilitator mode: answers locked in, feedback shown when revealed
    source_title: Callable[[str], str] = lambda key: key


class QuestionView(Generic[A]):
    """Shared behaviour: check, try again, show answer, hint; subclasses map answers (of type A) to and from the
    form."""

    kind = "single"
    instruction_key = "choose_one"

    def __init__(self, question, number: int, total: int, strings: Strings, options: QuizOptions,
                 record: QuestionRecord | None = None, listener: Listener | None = None, source: str | None = None,
                 heading: str | None = None):
        self.q = question
        self.t = strings
        self.options = options
        self.record = record or QuestionRecord(question.id)
        self.listener = listener
        self.source = source or getattr(question, "source", None) or ""
        self.locked = False
        self.answerables: list[QuestionView[Any]] = [self]  # what is answered and stored here: this question
        self._held: tuple[A, bool] | None = None
        if heading is None:
            heading = strings("question_n_of_m", n=number, m=total) if total > 1 else ""
        self.form = QuestionForm(on_action=self._act, kind=self.kind, placeholder=strings("choose_placeholder"),
                                 number=heading, code=getattr(question, "code", None) or "",
                                 legend=question.prompt, instruction=strings(self.instruction_key))
        self.setup()
        self.form.add_class("h2l-question")
        self.widget: w.Widget = self.form
        self._restore()
        self._refresh_buttons()

    def _restore(self) -> None:
        """Show a resumed learner's question as they left it: last answer, its feedback, locked."""
        if self.record.revealed:
            self.reveal(notify=False)
        elif self.record.checks and self.record.answers:
            self.set_answer(self.record.answers[-1])
            answer = self.answer()
            if answer is not None:  # graded again: the bank may have changed since the learner answered
                self.locked = True
                self.form.disabled = True
                self._show_verdict(answer, self.is_right(answer))

    # --- subclass hooks -------------------------------------------------------------------------------------------
    def setup(self) -> None:
        """Fill the form's options or rows (in this learner's shuffled order)."""
        raise NotImplementedError

    def answer(self, raw: list | None = None) -> A | None:
        """The learner's answer in bank terms, or None when it is incomplete: from `raw`, the form's value as the
        browser sent it with the button press, or else from what the form shows now."""
        raise NotImplementedError

    def is_right(self, answer: A) -> bool:
        raise NotImplementedError

    def feedback_html(self, answer: A, right: bool) -> str:
        """What the learner's own answer means, part by part; never the right answer to a wrong try."""
        raise NotImplementedError

    def answer_html(self) -> str:
        raise NotImplementedError

    def set_answer(self, answer: object) -> None:
        """Show an answer given in bank terms (to resume, and for tests standing in for a learner)."""
        raise NotImplementedError

    def incomplete_message(self) -> str:
        return self.t("no_choice")

    def stored(self, answer: A) -> object:
        """The answer as the records keep it (JSON): option indexes sorted, rows and steps as lists."""
        return sorted(answer) if isinstance(answer, frozenset) else list(answer)

    # --- behaviour ------------------------------------------------------------------------------------------------
    def press(self, action: str) -> None:
        """Press a button as the learner would, with the answer now on screen."""
        self.form.press(action)

    def _act(self, action: str, value: list) -> None:
        """A button pressed in the browser, with the answer on screen then: that answer is the one graded."""
        if action == "check":
            self.check(value)
            return
        {"retry": self.retry, "reveal": self.reveal, "hint": self.show_hint}.get(action, lambda: None)()

    def _say(self, html: str, cls: str) -> None:
        self.form.feedback_class = cls
        if html == self.form.feedback_html:
            # The same words again (Check pressed twice with nothing chosen): traitlets would send nothing, so the
            # page would stay "working" and a screen reader would hear nothing. Clear, then say it again.
            self.form.feedback_html = ""
        self.form.feedback_html = html

    def check(self, raw: list | None = None) -> None:
        if self.locked:
            return
        answer = self.answer(raw)
        if answer is None:
            self._say(f"<p>{INFO} {escape(self.incomplete_message())}</p>", "h2l-info")
            return
        right = self.is_right(answer)
        self.record.checks.append(right)
        self.record.answers.append(self.stored(answer))
        self._notify("check", answer)  # stored before the learner sees feedback: shown means saved
        self.locked = True
        self.form.disabled = True
        if self.options.hold_feedback:
            self._held = (answer, right)
            self._say(f"<p>{INFO} {escape(self.t('answer_held'))}</p>", "h2l-info")
        else:
            self._show_verdict(answer, right)
        self._refresh_buttons()

    @property
    def held(self) -> bool:
        """A group's answer is waiting for the facilitator to reveal it."""
        return self._held is not None

    def release(self) -> None:
        """Facilitator reveals the group's answer: show the feedback that was held back."""
        if self._held is not None:
            held, self._held = self._held, None
            self._show_verdict(*held, settled=True)  # the facilitator chose to show the answers
            self._refresh_buttons()

    def verdict(self, right: bool) -> str:
        """The words said first: "Correct." or "Not quite." (from the catalogue)."""
        return self.t("correct" if right else "not_quite")

    def _show_verdict(self, answer: A, right: bool, settled: bool | None = None) -> None:
        """Verdict and what the answer means; then "Why" once settled (right by default), else the hint."""
        settled = right if settled is None else settled
        verdict = f'<p class="h2l-verdict">{RIGHT if right else WRONG} {escape(self.verdict(right))}</p>'
        after = self._why() if settled else self._hint_html()
        self._say(verdict + self.feedback_html(answer, right) + after, "h2l-right" if right else "h2l-wrong")

    def _why(self) -> str:
        source = self.options.source_title(self.source) if self.source else ""
        text = f'<p class="h2l-why"><strong>{escape(self.t("why"))}</strong> {escape(self.q.explanation)}</p>'
        if source:
            text += f'<p class="h2l-source">{escape(self.t("source"))} {escape(source)}</p>'
        return text

    def retry(self) -> None:
        if self.options.exam or not self.locked or self.record.revealed:
            return
        self.locked = False
        self.form.disabled = False
        self._say("", "")
        self._refresh_buttons()
        self._notify("retry", None)

    def reveal(self, notify: bool = True) -> None:
        if self.options.exam:
            return
        self.record.revealed = True
        if notify:
            self._notify("reveal", None)
        self.locked = True
        self._held = None
        self.form.disabled = True
        self._say(f'<p class="h2l-verdict">{INFO} {escape(self.t("the_answer_is"))}</p>'
                  + self.answer_html() + self._why(), "h2l-info")
        self._refresh_buttons()

    def _hint_html(self) -> str:
        """The question's hint, if it has one and hints are allowed (never in the scored final check)."""
        hint = getattr(self.q, "hint", None)
        if not hint or self.options.exam:
            return ""
        return f'<p class="h2l-hint">{INFO} <strong>{escape(self.t("hint"))}:</strong> {escape(hint)}</p>'

    def show_hint(self) -> None:
        hint = self._hint_html()
        if hint and not self.locked:
            self._say(hint, "h2l-info")

    def _refresh_buttons(self) -> None:
        last_right = bool(self.record.checks) and self.record.checks[-1]
        practice = not self.options.exam and self._held is None
        buttons = []
        if not self.locked:
            buttons.append({"action": "check", "label": self.t("check"), "primary": True})
            if getattr(self.q, "hint", None) and not self.options.exam:
                buttons.append({"action": "hint", "label": self.t("hint"), "primary": False})
        if practice and self.locked and not last_right and not self.record.revealed:
            buttons.append({"action": "retry", "label": self.t("try_again"), "primary": True})
        if practice and not self.record.revealed and not (self.locked and last_right):
            buttons.append({"action": "reveal", "label": self.t("show_answer"), "primary": False})
        self.form.buttons = buttons

    @property
    def actions(self) -> list[str]:
        return [b["action"] for b in self.form.buttons]

    def _notify(self, kind: str, answer: object) -> None:
        if self.listener:
            self.listener(kind, self.record, answer)


# --- choice questions: single, multiple, true/false -------------------------------------------------------------
class ChoiceView(QuestionView[frozenset[int]]):
    def __init__(self, question, *args, **kwargs):
        multiple = question.type == "multiple"
        self.kind = "multiple" if multiple else "single"
        self.instruction_key = "choose_all" if multiple else "choose_one"
        super().__init__(question, *args, **kwargs)

    def setup(self) -> None:
        q = self.q
        n = len(q.options)
        self.order = list(range(n)) if q.type == "truefalse" else seeded_order(n, self.options.seed, q.id)
        self.form.options = [self.option_text(i) for i in self.order]
        self.form.code_options = [k for k, i in enumerate(self.order) if q.options[i].code]

    def option_text(self, i: int) -> str:
        """An option's words; a true/false question's two are the catalogue's (the bank says True and False in
        every language, so the check and the exports read one pair)."""
        text = self.q.options[i].text
        return self.t(f"option_{text.lower()}") if self.q.type == "truefalse" else text

    def chosen(self, raw: list | None = None) -> frozenset[int]:
        return frozenset(self.order[k] for k in (self.form.value if raw is None else raw))

    def answer(self, raw: list | None = None) -> frozenset[int] | None:
        return self.chosen(raw) or None

    def is_right(self, answer: frozenset[int]) -> bool:
        return choice_is_right(self.q, answer)

    def _option_list(self, chosen: frozenset[int], said: str = "") -> str:
        """Each of these options, quoted, with its own feedback (without a repeat of the verdict `said`)."""
        items = []
        for i in self.order:
            if i in chosen:
                option = self.q.options[i]
                shown = (f'<code class="h2l-option-code">{escape(option.text)}</code>' if option.code
                         else f"<strong>{escape(quoted(self.t, self.option_text(i)))}</strong>")
                items.append(f"<li>{RIGHT if option.correct else WRONG} {shown} "
                             f"{escape(after_verdict(option.feedback, said))}</li>")
        return f'<ul class="h2l-option-feedback">{"".join(items)}</ul>'

    def feedback_html(self, answer: frozenset[int], right: bool) -> str:
        text = self._option_list(answer, self.verdict(right))
        if self.q.type == "multiple" and not right and not self.options.exam:
            missed = sum(1 for i, o in enumerate(self.q.options) if o.correct and i not in answer)
            if missed:
                text += f"<p>{escape(self.t.plural('missed', missed))}</p>"
        return text

    def answer_html(self) -> str:
        return self._option_list(frozenset(i for i, o in enumerate(self.q.options) if o.correct))

    def set_answer(self, answer: object) -> None:
        chosen = [i for i in (answer if isinstance(answer, (list, tuple, set, frozenset)) else ())
                  if isinstance(i, int) and 0 <= i < len(self.q.options)]
        self.form.value = [self.order.index(i) for i in chosen]


# --- matching ---------------------------------------------------------------------------------------------------
class MatchingView(QuestionView[list[str]]):
    """Each item gets a list of the matches to choose from: works by keyboard, no dragging."""

    kind = "select"
    instruction_key = "pick_matches"

    def setup(self) -> None:
        q: MatchingQuestion = self.q
        self.choices = [q.choices[i] for i in seeded_order(len(q.choices), self.options.seed, q.id)]
        self.form.rows = [{"label": p.item, "choices": self.choices} for p in q.pairs]
        self.form.value = [None] * len(q.pairs)

    def picked(self, raw: list | None = None) -> list[str | None]:
        return [None if k is None else self.choices[k] for k in (self.form.value if raw is None else raw)]

    def answer(self, raw: list | None = None) -> list[str] | None:
        picked = self.picked(raw)
        chosen = [p for p in picked if p is not None]
        return chosen if picked and len(chosen) == len(picked) else None

    def incomplete_message(self) -> str:
        return self.t("need_all_matches")

    def is_right(self, answer: list[str]) -> bool:
        return all(matching_marks(self.q, answer))

    def feedback_html(self, answer: list[str], right: bool) -> str:
        marks = matching_marks(self.q, answer)
        items = [f"<li>{RIGHT if ok else WRONG} {escape(pair.item)} &rarr; {escape(picked)}"
                 f"{'' if ok else ' (' + escape(self.t('not_a_match')) + ')'}</li>"
                 for pair, picked, ok in zip(self.q.pairs, answer, marks)]
        return f'<ul class="h2l-option-feedback">{"".join(items)}</ul>'

    def answer_html(self) -> str:
        items = [f"<li>{escape(p.item)} &rarr; <strong>{escape(p.match)}</strong></li>" for p in self.q.pairs]
        return f'<ul class="h2l-option-feedback">{"".join(items)}</ul>'

    def set_answer(self, answer: object) -> None:
        given = list(answer) if isinstance(answer, (list, tuple)) else []
        self.form.value = [self.choices.index(given[r]) if r < len(given) and given[r] in self.choices else None
                           for r in range(len(self.q.pairs))]


# --- ordering ---------------------------------------------------------------------------------------------------
class OrderingView(QuestionView[list[int]]):
    """Each step gets its place (1, 2, 3...) from a list: works by keyboard, and focus never jumps."""

    kind = "select"
    instruction_key = "put_in_order"

    def setup(self) -> None:
        q: OrderingQuestion = self.q
        n = len(q.steps)
        self.shown = seeded_order(n, self.options.seed, q.id, avoid_identity=True)
        places = [str(k + 1) for k in range(n)]
        self.form.rows = [{"label": q.steps[i], "choices": places} for i in self.shown]
        self.form.value = [None] * n

    def answer(self, raw: list | None = None) -> list[int] | None:
        """Step indexes (bank order) by position, or None unless each position is used exactly once."""
        n = len(self.q.steps)
        by_position: dict[int, int] = {}
        for step_index, place in zip(self.shown, self.form.value if raw is None else raw):
            if place is None or place in by_position:
                return None
            by_position[place] = step_index
        return [by_position[k] for k in range(n)] if len(by_position) == n else None

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

    def set_answer(self, answer: object) -> None:
        """`answer` is step indexes by position, as `answer()` returns."""
        steps = list(answer) if isinstance(answer, (list, tuple)) else []
        self.form.value = [steps.index(i) if i in steps else None for i in self.shown]


# --- typed answers: a number, or a word or short phrase ---------------------------------------------------------
class TypedView(QuestionView[str]):
    """One labelled box. The answer is the text as typed (cut to the box's length): that is what the records keep,
    and it is read only to grade it, so a changed bank grades the same words again on resume."""

    max_length = TEXT_MAX_LENGTH

    def setup(self) -> None:
        self.form.max_length = self.max_length
        self.form.unit = getattr(self.q, "unit", None) or ""
        self.form.value = [""]

    def typed(self, raw: list | None = None) -> str:
        value = self.form.value if raw is None else raw
        return typed(value[0] if value else "", self.max_length)

    def match(self, answer: str) -> int | None:
        """The index of the bank's answer that the typed one is, or None (the default feedback)."""
        raise NotImplementedError

    def is_right(self, answer: str) -> bool:
        k = self.match(answer)
        return k is not None and self.q.answers[k].correct

    def stored(self, answer: str) -> object:
        return answer

    def shown(self, answer: str) -> str:
        """The learner's words, quoted as they typed them (escaped)."""
        return escape(quoted(self.t, answer.strip()))

    def feedback_html(self, answer: str, right: bool) -> str:
        k = self.match(answer)
        feedback = self.q.answers[k].feedback if k is not None else self.q.default_feedback
        said = escape(after_verdict(feedback, self.verdict(right))) if feedback else ""
        return (f'<ul class="h2l-option-feedback"><li>{RIGHT if right else WRONG} '
                f"<strong>{self.shown(answer)}</strong> {said}</li></ul>")

    def right_answers(self) -> list[str]:
        raise NotImplementedError

    def answer_html(self) -> str:
        items = []
        for text, answer in zip(self.right_answers(), (a for a in self.q.answers if a.correct)):
            feedback = f" {escape(answer.feedback)}" if answer.feedback else ""
            items.append(f"<li>{RIGHT} <strong>{escape(text)}</strong>{feedback}</li>")
        return f'<ul class="h2l-option-feedback">{"".join(items)}</ul>'

    def set_answer(self, answer: object) -> None:
        self.form.value = [typed(answer, self.max_length)]


class NumericView(TypedView):
    """A number: a point or a decimal comma, the unit typed or not; text that is no number is not an answer."""

    kind = "number"
    instruction_key = "type_number"
    max_length = NUMBER_MAX_LENGTH
    q: NumericQuestion

    def answer(self, raw: list | None = None) -> str | None:
        text = self.typed(raw)
        return text if read_number(text, self.q.unit) is not None else None

    def incomplete_message(self) -> str:
        return self.t("not_a_number" if self.typed().strip() else "no_number")

    def match(self, answer: str) -> int | None:
        number = read_number(answer, self.q.unit)
        return None if number is None else numeric_match(self.q, number)

    def right_answers(self) -> list[str]:
        unit = f" {self.q.unit}" if self.q.unit else ""
        out = []
        for a in self.q.answers:
            if a.correct and a.range is not None:
                out.append(self.t("number_range", low=show_number(a.range[0]), high=show_number(a.range[1])) + unit)
            elif a.correct and a.value is not None:
                out.append(show_number(a.value) + unit)
        return out


class TextView(TypedView):
    """A word or short phrase, compared without regard to case (unless the bank asks), spaces or end marks."""

    kind = "text"
    instruction_key = "type_words"
    q: TextQuestion

    def answer(self, raw: list | None = None) -> str | None:
        text = self.typed(raw)
        return text if normal_text(text) else None

    def incomplete_message(self) -> str:
        return self.t("no_words")

    def match(self, answer: str) -> int | None:
        return text_match(self.q, answer)

    def right_answers(self) -> list[str]:
        return [a.text for a in self.q.answers if a.correct]


# --- case scenario ----------------------------------------------------------------------------------------------
class CaseView:
    """A short patient story with linked questions; each part is scored like a question of its own, so each part
    has its own question number: `number` is the first part's, and the story is headed with the range."""

    def __init__(self, question: CaseQuestion, number: int, total: int, strings: Strings, options: QuizOptions,
                 records: dict[str, QuestionRecord], listener: Listener | None = None):
        self.q = question
        count = len(question.parts)
        last = number + count - 1
        total = max(total, last)
        heading = strings("questions_n_to_k_of_m", n=number, k=last, m=total)
        story = w.HTML((f'<p class="h2l-qnum">{escape(heading)}</p>' if heading else "")
                       + f'<p class="h2l-case-label">{escape(strings("case_story"))}</p>'
                       + f'<blockquote class="h2l-story">{escape(question.story)}</blockquote>'
                       + f'<p class="h2l-prompt">{escape(question.prompt)}</p>')
        self.parts = [
            ChoiceView(part, number + k, total, strings, options,
                       records.setdefault(part.id, QuestionRecord(part.id)), listener,
                       source=part.source or question.source,
                       heading=strings("case_part_n_of_m", n=number + k, m=total, k=k + 1, parts=count))
            for k, part in enumerate(question.parts)
        ]
        self.widget = w.VBox([story] + [p.widget for p in self.parts], layout=shared_layout(width="100%"))
        self.widget.add_class("h2l-case")
        self.answerables: list[QuestionView[Any]] = list(self.parts)  # as the content's `answerables`: each part


AnyView = QuestionView[Any] | CaseView
"""What make_view gives: a question's view, or a case's (a view per part)."""


def make_view(question, number: int, total: int, strings: Strings, options: QuizOptions,
              records: dict[str, QuestionRecord], listener: Listener | None = None) -> AnyView:
    """The right view for a question's type, sharing the learner's records.

    `number` and `total` count scored answers (see `weight`): a case takes one number per part.
    """
    if isinstance(question, CaseQuestion):
        return CaseView(question, number, total, strings, options, records, listener)
    record = records.setdefault(question.id, QuestionRecord(question.id))
    by_type: dict[str, type[QuestionView[Any]]] = {"matching": MatchingView, "ordering": OrderingView,
                                                   "numeric": NumericView, "text": TextView}
    cls = by_type.get(question.type, ChoiceView)
    return cls(question, number, total, strings, options, record, listener)


def weight(question) -> int:
    """How many scored answers a question holds: one, or one per part of a case (each is answered and stored)."""
    return len(question.answerables)


def views_records(views: Sequence[AnyView]) -> list[QuestionRecord]:
    return [a.record for view in views for a in view.answerables]
