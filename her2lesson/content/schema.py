"""The question-bank format (close to jupyterquiz's JSON), as typed models.

Unknown fields are refused rather than ignored: a misspelt `feedbak` must not silently drop a learner's feedback.
Each model is a subclass of the plain record of the same name (plain.py), which holds the fields' meaning (such as
`MatchingQuestion.choices`) and is what a learner's kernel loads; the model adds the checks.
"""
from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, field_validator, model_validator

from . import plain
from .plain import MAX_PRECISION, TEXT_MAX_LENGTH, Audience, normal_text, round_significant, show_number
from .plain import NUMBER_MAX_LENGTH as NUMBER_MAX_LENGTH  # kept importable from here

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]
Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]  # a YAML number (not "12", not true)


class Rule(ValueError):
    """A content rule broken: what is wrong, and how to fix it; `at` is where, below the model that raised it
    (("answers", 2, "value") points `her2lesson check` at that answer's own line)."""

    def __init__(self, message: str, fix: str, at: tuple[str | int, ...] = ()):
        super().__init__(f"{message}|{fix}")
        self.at = at


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(Model, plain.Option):
    text: Text
    correct: bool
    feedback: Text
    code: bool = False  # the text is code: shown in a code font, as written (jupyterquiz's `code` answers)


class Figure(Model, plain.Figure):
    file: Text
    alt: Text


def _check_choices(kind: str, options: tuple[Option, ...]) -> None:
    right = sum(o.correct for o in options)
    if kind == "single" and right != 1:
        raise Rule(f"a single-choice question needs exactly one correct option, found {right}",
                   "mark one option `correct: true` and the others `correct: false`, or use type: multiple")
    if kind == "multiple" and right < 1:
        raise Rule("a choose-all-that-apply question has no correct option", "mark at least one `correct: true`")
    if kind == "truefalse":
        texts = sorted(o.text for o in options)
        if texts != ["False", "True"] or right != 1:
            raise Rule("a true/false question needs two options, True and False, one of them correct",
                       "write options with text \"True\" and \"False\" and mark one `correct: true`")
    if len({o.text for o in options}) != len(options):
        raise Rule("two options have the same text", "make every option's text different")


class CasePart(Model, plain.CasePart):
    id: Id
    type: Literal["single", "multiple", "truefalse"]
    prompt: Text
    options: tuple[Option, ...] = Field(min_length=2)
    explanation: Text
    hint: Text | None = None
    source: Text | None = None

    @model_validator(mode="after")
    def _choices(self) -> "CasePart":
        _check_choices(self.type, self.options)
        return self


class QuestionBase(Model, plain.QuestionBase):
    id: Id
    audience: Audience
    prompt: Text
    explanation: Text
    source: Text
    hint: Text | None = None
    glossary: tuple[Text, ...] = ()
    figure: Figure | None = None
    action: bool = False  # teaches what to do (teach-back of an action), not a fact to recall
    checkpoint: Id | None = None  # asked at quiz("<bank>:<checkpoint>") inside the part, not in its end check
    code: Text | None = None  # code shown with the question, under its prompt (jupyterquiz's question `code`)


class ChoiceQuestion(QuestionBase, plain.ChoiceQuestion):
    type: Literal["single", "multiple", "truefalse"]
    options: tuple[Option, ...] = Field(min_length=2)

    @model_validator(mode="after")
    def _choices(self) -> "ChoiceQuestion":
        _check_choices(self.type, self.options)
        return self


class Pair(Model, plain.Pair):
    item: Text
    match: Text


class MatchingQuestion(QuestionBase, plain.MatchingQuestion):
    type: Literal["matching"]
    pairs: tuple[Pair, ...] = Field(min_length=3, max_length=6)
    distractors: tuple[Text, ...] = ()

    @model_validator(mode="after")
    def _distinct(self) -> "MatchingQuestion":
        matches = [p.match for p in self.pairs] + list(self.distractors)
        if len(set(matches)) != len(matches) or len({p.item for p in self.pairs}) != len(self.pairs):
            raise Rule("two items or two matches are the same",
                       "give every item and every match (and distractor) a different text")
        return self


class OrderingQuestion(QuestionBase, plain.OrderingQuestion):
    type: Literal["ordering"]
    steps: tuple[Text, ...] = Field(min_length=3, max_length=6)

    @model_validator(mode="after")
    def _distinct(self) -> "OrderingQuestion":
        if len(set(self.steps)) != len(self.steps):
            raise Rule("two steps have the same text", "make every step's text different")
        return self


class CaseQuestion(QuestionBase, plain.CaseQuestion):
    type: Literal["case"]
    prompt: Text = "Read the story, then answer each part."
    story: Text
    parts: tuple[CasePart, ...] = Field(min_length=2, max_length=4)


class NumericAnswer(Model, plain.NumericAnswer):
    """One number (`value`) or the numbers from `range[0]` up to, not including, `range[1]` (as jupyterquiz)."""

    value: Number | None = None
    range: tuple[Number, Number] | None = None
    correct: bool
    feedback: Text

    @model_validator(mode="after")
    def _one_kind(self) -> "NumericAnswer":
        if (self.value is None) == (self.range is None):
            raise Rule("an answer needs `value:` or `range:`, one of the two",
                       "write `value: 12.5` for one number, or `range: [10, 20]` for 10 up to (not including) 20")
        if self.range is not None:
            low, high = self.range
            if low > high:
                raise Rule(f"range [{show_number(low)}, {show_number(high)}] runs backwards",
                           f"write the lower number first: range: [{show_number(high)}, {show_number(low)}]",
                           at=("range",))
            if low == high:
                raise Rule(f"range [{show_number(low)}, {show_number(high)}] holds no number (a range includes "
                           "its low end, not its high end)", f"write `value: {show_number(low)}` for one number",
                           at=("range",))
        return self


class NumericQuestion(QuestionBase, plain.NumericQuestion):
    """The learner types a number; the first answer that holds it gives the verdict and feedback (as jupyterquiz)."""

    type: Literal["numeric"]
    answers: tuple[NumericAnswer, ...] = Field(min_length=1)
    default_feedback: Text  # for a number no answer holds
    precision: Annotated[int, Field(strict=True)] | None = None  # significant digits compared (jupyterquiz's)
    unit: Text | None = None  # shown after the box, e.g. "°F"

    @field_validator("precision")
    @classmethod
    def _precision(cls, value: int | None) -> int | None:
        if value is not None and not 1 <= value <= MAX_PRECISION:
            raise Rule(f"precision {value} is not from 1 to {MAX_PRECISION}",
                       "write how many significant digits to compare, e.g. `precision: 4` for 100.4, "
                       "or leave `precision:` out to compare numbers exactly")
        return value

    @model_validator(mode="after")
    def _answers(self) -> "NumericQuestion":
        if not any(a.correct for a in self.answers):
            raise Rule("a number question needs at least one correct value or range",
                       "mark the right `value:` or `range:` with `correct: true`", at=("answers",))
        for j, a in enumerate(self.answers):
            if self.precision and a.value is not None and round_significant(a.value, self.precision) != a.value:
                raise Rule(f"value {show_number(a.value)} has more significant digits than `precision: "
                           f"{self.precision}`, so no typed number can match it",
                           f"raise `precision:` or round the value to {self.precision} digits",
                           at=("answers", j, "value"))
        return self


class TextAnswer(Model, plain.TextAnswer):
    """A word or short phrase: accepted (`correct: true`) or a known wrong answer with its own feedback."""

    text: Text
    correct: bool
    feedback: Text | None = None  # optional for an accepted answer ("Why" follows); required for a wrong one
    match_case: bool = False

    @model_validator(mode="after")
    def _wrong_has_feedback(self) -> "TextAnswer":
        if not self.correct and self.feedback is None:
            raise Rule("a known wrong answer has no `feedback`",
                       "add `feedback:` saying why that answer is not right, without giving the answer")
        if len(self.text) > TEXT_MAX_LENGTH:
            raise Rule(f"the answer is {len(self.text)} characters; a learner can type {TEXT_MAX_LENGTH} at most",
                       "use a word or a short phrase", at=("text",))
        if not normal_text(self.text):
            raise Rule("the answer is only punctuation", "write a word or a number", at=("text",))
        return self


class TextQuestion(QuestionBase, plain.TextQuestion):
    """The learner types a word or short phrase: compared ignoring case (unless `match_case`), spaces and end marks."""

    type: Literal["text"]
    answers: tuple[TextAnswer, ...] = Field(min_length=1)
    default_feedback: Text  # for an answer none of `answers` matches

    @model_validator(mode="after")
    def _answers(self) -> "TextQuestion":
        if not any(a.correct for a in self.answers):
            raise Rule("a short-answer question needs at least one accepted answer",
                       "add the word or phrase you accept as an answer with `correct: true`", at=("answers",))
        seen: dict[str, int] = {}
        for j, a in enumerate(self.answers):
            key = normal_text(a.text, a.match_case)
            if key in seen:
                raise Rule(f"answer {j + 1} is the same as answer {seen[key] + 1} once case, spaces and end marks "
                           "are ignored", "remove one of them", at=("answers", j, "text"))
            seen[key] = j
        return self


Question = Annotated[
    Union[ChoiceQuestion, MatchingQuestion, OrderingQuestion, CaseQuestion, NumericQuestion, TextQuestion],
    Field(discriminator="type"),
]


QUESTION = TypeAdapter(Question)


class Bank(Model, plain.Bank):
    """A section's questions. Built question by question, so one broken question does not hide the others."""

    section: Id
    questions: tuple[Question, ...] = ()
    scored: bool = False
