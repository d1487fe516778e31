"""The checked content as a learner's kernel holds it: plain records, without pydantic or yaml.

Checking the files (library.py, with the pydantic models of schema.py) happens once, when the server starts; each
kernel then unpickles the snapshot it wrote and needs only this module. Importing pydantic and building the models
would cost every learner's kernel about 10 MB.

Each pydantic model is a subclass of the record of the same name here (`schema.Option(Model, plain.Option)`), so
code typed with these records accepts checked models too, and mypy checks that the two agree. `to_plain` turns
checked models into these records for the snapshot; tests/test_plain_snapshot.py checks that each model has a record
with the same fields.
"""
from __future__ import annotations

import dataclasses
import functools
import math
import os
import pickle
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .notebooks import Section
from .problems import ContentError

SNAPSHOT_ENV = "HER2LESSON_CONTENT_SNAPSHOT"

Audience = Literal["patient", "nurse", "both"]
ChoiceType = Literal["single", "multiple", "truefalse"]
CHOICE_TYPES = ("single", "multiple", "truefalse")
TYPED_TYPES = ("numeric", "text")  # the learner types the answer
QUESTION_TYPES = (*CHOICE_TYPES, "matching", "ordering", "case", *TYPED_TYPES)
MAX_PRECISION = 15  # significant digits a float holds
TEXT_MAX_LENGTH = 100  # the longest short answer a learner can type (and the longest accepted answer)
NUMBER_MAX_LENGTH = 40  # the longest number a learner can type


def round_significant(x: float, digits: int) -> float:
    """`x` to `digits` significant digits, as JavaScript's Number(x.toPrecision(digits)) (jupyterquiz's rule)."""
    return float(f"{x:.{digits}g}")


def show_number(x: float) -> str:
    """A number as an author wrote it: 100.4, 38 (not 38.0), 0.0001."""
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(x)


_END_MARKS = re.compile(r"[\s.!?,;:]+$")


def normal_text(text: str, match_case: bool = False) -> str:
    """A short answer as compared: spaces collapsed, end marks (. ! ? , ; :) dropped, any case unless asked."""
    out = _END_MARKS.sub("", " ".join(unicodedata.normalize("NFKC", text).split()))
    return out if match_case else out.casefold()


class Record:
    """A read-only record whose fields are its annotations (and its parents' in this module).

    Not a dataclass: a pydantic model cannot also be a (frozen, slotted) dataclass, and each model subclasses one."""

    __slots__ = ()

    def __init__(self, **values: Any) -> None:
        names = record_fields(type(self))
        if set(values) != set(names):
            raise TypeError(f"{type(self).__name__} takes exactly the fields {', '.join(names)}")
        for name in names:
            object.__setattr__(self, name, values[name])

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and vars(other) == vars(self)

    def __hash__(self) -> int:
        return hash((type(self), *vars(self).values()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in vars(self).items())})"


def record_fields(cls: type) -> tuple[str, ...]:
    """The field names of a record class of this module, parents' first."""
    names: dict[str, None] = {}
    for klass in reversed(cls.__mro__):
        if klass.__module__ == __name__ and issubclass(klass, Record):
            names.update(dict.fromkeys(klass.__annotations__))  # its own (Python 3.10+)
    return tuple(names)


# --- questions (schema.py) --------------------------------------------------------------------------------------
class Option(Record):
    text: str
    correct: bool
    feedback: str
    code: bool


class Figure(Record):
    file: str
    alt: str


class CasePart(Record):
    id: str
    type: ChoiceType
    prompt: str
    options: tuple[Option, ...]
    explanation: str
    hint: str | None
    source: str | None


class QuestionBase(Record):
    id: str
    audience: Audience
    prompt: str
    explanation: str
    source: str
    hint: str | None
    glossary: tuple[str, ...]
    figure: Figure | None
    action: bool
    checkpoint: str | None
    code: str | None

    @property
    def answerables(self) -> tuple[Any, ...]:
        """What a learner answers and the store records under its own id: the question, or each part of a case.

        The one place a case is taken apart: views, scores, results, checks and retakes all read it from here.
        """
        return (self,)


class ChoiceQuestion(QuestionBase):
    type: ChoiceType
    options: tuple[Option, ...]


class Pair(Record):
    item: str
    match: str


class MatchingQuestion(QuestionBase):
    type: Literal["matching"]
    pairs: tuple[Pair, ...]
    distractors: tuple[str, ...]

    @property
    def choices(self) -> tuple[str, ...]:
        return tuple(p.match for p in self.pairs) + self.distractors


class OrderingQuestion(QuestionBase):
    type: Literal["ordering"]
    steps: tuple[str, ...]


class CaseQuestion(QuestionBase):
    type: Literal["case"]
    story: str
    parts: tuple[CasePart, ...]

    @property
    def answerables(self) -> tuple[Any, ...]:
        return self.parts


class NumericAnswer(Record):
    """One number (`value`) or the numbers from `range[0]` up to, not including, `range[1]` (as jupyterquiz)."""

    value: float | None
    range: tuple[float, float] | None
    correct: bool
    feedback: str

    def matches(self, x: float) -> bool:
        if self.value is not None:
            return x == self.value
        low, high = self.range or (math.inf, -math.inf)
        return low <= x < high


class NumericQuestion(QuestionBase):
    type: Literal["numeric"]
    answers: tuple[NumericAnswer, ...]
    default_feedback: str  # for a number no answer holds
    precision: int | None  # significant digits compared (jupyterquiz's)
    unit: str | None  # shown after the box, e.g. "°F"


class TextAnswer(Record):
    text: str
    correct: bool
    feedback: str | None
    match_case: bool


class TextQuestion(QuestionBase):
    type: Literal["text"]
    answers: tuple[TextAnswer, ...]
    default_feedback: str  # for an answer none of `answers` matches


Question = ChoiceQuestion | MatchingQuestion | OrderingQuestion | CaseQuestion | NumericQuestion | TextQuestion


class Bank(Record):
    section: str
    questions: tuple[Question, ...]
    scored: bool  # the scored check (one try per question, a pass mark, a certificate); any bank may be, one at most

    def answerables(self) -> list[Any]:
        """Every question and case part a learner answers, in order (see `QuestionBase.answerables`)."""
        return [a for q in self.questions for a in q.answerables]


# --- glossary, sources, figures and aids (library.py) -----------------------------------------------------------
class Source(Record):
    title: str
    publisher: str
    year: int
    note: str | None
    url: str | None


class Term(Record):
    term: str
    plain: str
    say: str | None


class FigureInfo(Record):
    file: str
    title: str
    caption: str
    alt: str
    source: str


class Explained(Record):
    label: str
    patient: str
    nurse: str


class IhcExplainer(Record):
    ihc: Mapping[str, Explained]
    ish: Mapping[str, Explained]
    source: str


class CareQuestion(Record):
    id: str
    text: str


class CareQuestions(Record):
    questions: tuple[CareQuestion, ...]
    tips: tuple[str, ...]


class CarePlanItem(Record):
    id: str
    text: str
    why: str


class SelfCare(Record):
    items: tuple[CarePlanItem, ...]


class HelpTier(Record):
    id: str
    icon: str
    title: str
    action: str
    signs: tuple[str, ...]
    source: str


class HelpCard(Record):
    """The when-to-get-help card: tiers of urgency, most urgent first, and the labels of its phone fields."""

    title: str
    intro: str
    tiers: tuple[HelpTier, ...]
    phone_label_day: str
    phone_label_night: str
    phone_note: str


TRACK_AUDIENCES = {"patient": ("patient", "both"), "nurse": ("nurse", "both"), "explore": ("patient", "both")}


class Language(Record):
    """A language of the module (data/<lang>/language.yaml; English is built in): its name in itself, and the
    tracks it covers (a track it does not cover is shown in English, with a note saying so)."""

    name: str
    tracks: tuple[str, ...]


ENGLISH = "en"


@dataclass
class Content:
    root: Path
    sections: list[Section] = field(default_factory=list)
    banks: dict[str, Bank] = field(default_factory=dict)
    glossary: dict[str, Term] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    figures: dict[str, FigureInfo] = field(default_factory=dict)
    strings: dict[str, dict[str, str]] = field(default_factory=dict)
    ihc_explainer: IhcExplainer | None = None
    care_questions: CareQuestions | None = None
    self_care: SelfCare | None = None
    help_card: HelpCard | None = None
    svgs: dict[str, str] = field(default_factory=dict)  # figure name -> the SVG text as checked
    lang: str = ENGLISH
    languages: dict[str, Language] = field(default_factory=dict)  # code -> language, English first (on the base)
    translations: dict[str, Content] = field(default_factory=dict)  # code -> that language's content (on the base)

    def in_language(self, lang: str) -> Content:
        """This content in `lang` (the English content when there is no such translation)."""
        return self.translations.get(lang, self)

    def covers(self, lang: str, track: str) -> bool:
        """Whether `lang` teaches `track` in its own words (English teaches every track)."""
        language = self.languages.get(lang)
        return lang == ENGLISH or (language is not None and track in language.tracks)

    def section(self, section_id: str) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)

    @property
    def scored_bank(self) -> Bank | None:
        """The bank marked `scored: true` (the nursing track's final check in this module), if any."""
        return next((b for b in self.banks.values() if b.scored), None)

    def svg(self, name: str) -> str:
        return self.svgs[name]


# --- from checked models to records -----------------------------------------------------------------------------
def _record_class(cls: type) -> type[Record]:
    """The record class a model class (or a record class) is: the first of its parents defined here."""
    return next(k for k in cls.__mro__ if k.__module__ == __name__ and issubclass(k, Record))


def _plain(value: Any) -> Any:
    if isinstance(value, Content):
        return to_plain(value)  # a translation
    if isinstance(value, Record):
        cls = _record_class(type(value))
        return cls(**{name: _plain(getattr(value, name)) for name in record_fields(cls)})
    if hasattr(type(value), "model_fields"):
        raise TypeError(f"{type(value).__name__} has no plain record in {__name__}: add one")
    if isinstance(value, (tuple, list)):
        return type(value)(_plain(v) for v in value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def to_plain(content: Content) -> Content:
    """The content with each checked model in it (nested ones too) replaced by its plain record."""
    fields = {f.name: _plain(getattr(content, f.name)) for f in dataclasses.fields(content)}
    return dataclasses.replace(content, **fields)


@functools.lru_cache(maxsize=4)
def load_content(root: Path | None = None) -> Content:
    """The checked content as records, cached per kernel; raises ContentError listing every problem.

    In a server's kernel, the snapshot the server wrote; elsewhere (a notebook run on its own, tests) the files,
    checked here (which imports pydantic and yaml).
    """
    snapshot = os.environ.get(SNAPSHOT_ENV)
    if root is None and snapshot:
        try:
            loaded = pickle.loads(Path(snapshot).read_bytes())  # written by our own server, in a private folder
            if isinstance(loaded, Content):
                return loaded
        except (OSError, pickle.UnpicklingError, AttributeError, EOFError, ImportError):
            pass  # fall back to checking the files
    from .library import check

    content, problems = check(root)
    if problems:
        raise ContentError(problems)
    return to_plain(content)
