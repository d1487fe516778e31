"""The question-bank format (close to jupyterquiz's JSON), as typed models.

Unknown fields are refused rather than ignored: a misspelt `feedbak` must not silently drop a learner's feedback.
"""
from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, model_validator

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]
Audience = Literal["patient", "nurse", "both"]
CHOICE_TYPES = ("single", "multiple", "truefalse")
QUESTION_TYPES = (*CHOICE_TYPES, "matching", "ordering", "case")


class Rule(ValueError):
    """A content rule broken: what is wrong, and how to fix it."""

    def __init__(self, message: str, fix: str):
        super().__init__(f"{message}|{fix}")


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(Model):
    text: Text
    correct: bool
    feedback: Text


class Figure(Model):
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


class CasePart(Model):
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


class QuestionBase(Model):
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


class ChoiceQuestion(QuestionBase):
    type: Literal["single", "multiple", "truefalse"]
    options: tuple[Option, ...] = Field(min_length=2)

    @model_validator(mode="after")
    def _choices(self) -> "ChoiceQuestion":
        _check_choices(self.type, self.options)
        return self


class Pair(Model):
    item: Text
    match: Text


class MatchingQuestion(QuestionBase):
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

    @property
    def choices(self) -> tuple[str, ...]:
        return tuple(p.match for p in self.pairs) + self.distractors


class OrderingQuestion(QuestionBase):
    type: Literal["ordering"]
    steps: tuple[Text, ...] = Field(min_length=3, max_length=6)

    @model_validator(mode="after")
    def _distinct(self) -> "OrderingQuestion":
        if len(set(self.steps)) != len(self.steps):
            raise Rule("two steps have the same text", "make every step's text different")
        return self


class CaseQuestion(QuestionBase):
    type: Literal["case"]
    prompt: Text = "Read the story, then answer each part."
    story: Text
    parts: tuple[CasePart, ...] = Field(min_length=2, max_length=4)


Question = Annotated[
    Union[ChoiceQuestion, MatchingQuestion, OrderingQuestion, CaseQuestion], Field(discriminator="type")
]


QUESTION = TypeAdapter(Question)


class Bank(Model):
    """A section's questions. Built question by question, so one broken question does not hide the others."""

    section: Id
    questions: tuple[Question, ...] = ()
