"""All of the module's content, loaded and checked as one: what `her2lesson check` and the dashboard read.

Every problem is collected (not just the first), so an educator fixes a broken file in one pass; the server
refuses to start while any remain rather than serve half a module.
"""
from __future__ import annotations

import pickle
import re
from pathlib import Path
from typing import Any, Literal
from xml.etree import ElementTree

from pydantic import BaseModel, Field, ValidationError

from ..paths import content_dir
from . import plain, translations
from .errors import problems_from
from .notebooks import GLOSSARY_LINK, quiz_target, read_section, section_files
from .plain import ENGLISH, Content, to_plain
from .plain import SNAPSHOT_ENV as SNAPSHOT_ENV  # kept importable from here
from .plain import load_content as load_content  # kept importable from here
from .problems import Problem
from .schema import QUESTION, Bank, CaseQuestion, Model, Text
from .svgcheck import unsafe_parts
from .yamlfile import YamlFile, load_yaml

AIDS = ("help-card", "ihc-explainer", "question-builder", "self-care-plan", "source-list")


class Source(Model, plain.Source):
    title: Text
    publisher: Text
    year: int
    note: Text | None = None
    url: Text | None = None


class Term(Model, plain.Term):
    term: Text
    plain: Text
    say: Text | None = None


class FigureInfo(Model, plain.FigureInfo):
    file: Text
    title: Text
    caption: Text
    alt: Text
    source: Text


class Explained(Model, plain.Explained):
    label: Text
    patient: Text
    nurse: Text


class IhcExplainer(Model, plain.IhcExplainer):
    ihc: dict[str, Explained]
    ish: dict[str, Explained]
    source: Text


class CareQuestion(Model, plain.CareQuestion):
    id: Text
    text: Text


class CareQuestions(Model, plain.CareQuestions):
    questions: tuple[CareQuestion, ...]
    tips: tuple[Text, ...] = ()


class CarePlanItem(Model, plain.CarePlanItem):
    id: Text
    text: Text
    why: Text


class SelfCare(Model, plain.SelfCare):
    items: tuple[CarePlanItem, ...]


class HelpTier(Model, plain.HelpTier):
    id: Text
    icon: Text
    title: Text
    action: Text
    signs: tuple[Text, ...]
    source: Text


class HelpCard(Model, plain.HelpCard):
    """The when-to-get-help card: tiers of urgency, most urgent first, and the labels of its phone fields."""

    title: Text
    intro: Text
    tiers: tuple[HelpTier, ...]
    phone_label_day: Text
    phone_label_night: Text
    phone_note: Text


class Language(Model, plain.Language):
    name: Text
    tracks: tuple[Literal["patient", "nurse", "explore"], ...] = Field(min_length=1)


class _Loader:
    """Loads one language's content. English is the base (notebooks/, data/); another language mirrors it in
    notebooks/<lang>/ and data/<lang>/ and shares the sources and the strings catalogues with it."""

    def __init__(self, root: Path, lang: str = ENGLISH, base: _Loader | None = None):
        self.root = root
        self.lang = lang
        self.base = base
        self.data = "data" if base is None else f"data/{lang}"
        self.notebooks = "notebooks" if base is None else f"notebooks/{lang}"
        self.problems: list[Problem] = []
        self.content = Content(root, lang=lang)
        self.question_lines: dict[str, tuple[str, int]] = {}  # question id -> (file, line), for a translation's check
        self.language: plain.Language | None = None  # a translation's data/<lang>/language.yaml
        self.broken_ids: set[str] = set()  # questions that failed the schema
        self.checkpoints: dict[tuple[str, str], tuple[str, int]] = {}  # (bank, checkpoint) -> its first question
        self.broken_banks: set[str] = set()
        self.scored_at = ""  # where the scored bank says `scored: true`, once one does

    def label(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    def yaml(self, relative: str, required: bool = True) -> YamlFile | None:
        path = self.root / relative
        if not path.exists():
            if required:
                self.problems.append(Problem(relative, 1, "file", "is missing", "restore it from the repository"))
            return None
        yf, problems = load_yaml(path, relative)
        self.problems += problems
        return yf

    def model(self, yf: YamlFile, model: type[BaseModel], data: Any) -> Any:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            self.problems += problems_from(exc, yf)
            return None

    def mapping(self, relative: str, model: type[BaseModel], what: str) -> dict[str, Any]:
        yf = self.yaml(relative)
        if yf is None:
            return {}
        if not isinstance(yf.data, dict):
            self.problems.append(Problem(relative, 1, "file", f"must map each key to a {what}",
                                         "see docs/authoring.md"))
            return {}
        out = {}
        for key, value in yf.data.items():
            try:
                out[str(key)] = model.model_validate(value)
            except ValidationError as exc:
                for err in exc.errors():
                    field_name = ".".join(str(x) for x in err["loc"]) or what
                    self.problems.append(Problem(relative, yf.line_of((key, *err["loc"])), str(key),
                                                 f"`{field_name}`: {err['msg']}",
                                                 f"fix this {what} (see docs/authoring.md)"))
        return out

    def single(self, relative: str, model: type[BaseModel]) -> Any:
        yf = self.yaml(relative)
        if yf is None:
            return None
        try:
            return model.model_validate(yf.data)
        except ValidationError as exc:
            for err in exc.errors():
                field_name = ".".join(str(x) for x in err["loc"])
                self.problems.append(Problem(relative, yf.line_of(tuple(err["loc"])), field_name or "file",
                                             err["msg"], "see docs/authoring.md"))
            return None

    # --- the parts -------------------------------------------------------------------------------------------------
    def load(self) -> Content:
        c = self.content
        if self.base is None:
            c.sources = self.mapping("data/sources.yaml", Source, "source")
        else:
            c.sources, c.strings = self.base.content.sources, self.base.content.strings
        c.glossary = self.mapping(f"{self.data}/glossary.yaml", Term, "glossary term")
        c.figures = self.mapping(f"{self.data}/figures/figures.yaml", FigureInfo, "figure")
        c.ihc_explainer = self.single(f"{self.data}/aids/ihc_explainer.yaml", IhcExplainer)
        c.care_questions = self.single(f"{self.data}/aids/care_questions.yaml", CareQuestions)
        c.self_care = self.single(f"{self.data}/aids/self_care.yaml", SelfCare)
        c.help_card = self.single(f"{self.data}/aids/help_card.yaml", HelpCard)
        if self.base is None:
            self.load_strings()
        self.load_banks()
        if self.base is not None and self.language is not None:
            translations.fill_untranslated_banks(self.base.content, c, self.language)
        self.load_sections()
        self.cross_check()
        return c

    def load_strings(self) -> None:
        folder = self.root / "data" / "strings"
        for path in sorted(folder.glob("*.yaml")):
            yf = self.yaml(self.label(path))
            if yf is None:
                continue
            if not isinstance(yf.data, dict) or not all(isinstance(v, str) for v in yf.data.values()):
                self.problems.append(Problem(yf.label, 1, "file", "must map each key to one text",
                                             'write lines like check: "Check"'))
                continue
            self.content.strings[path.stem] = {str(k): v for k, v in yf.data.items()}
        english = self.content.strings.get("en")
        if english is None:
            self.problems.append(Problem("data/strings/en.yaml", 1, "file", "is missing", "restore it"))
            return
        for lang, table in self.content.strings.items():
            for key in sorted(set(english) - set(table)):
                self.problems.append(Problem(f"data/strings/{lang}.yaml", 1, key, "is not translated",
                                             f"add `{key}:` (English: {english[key]!r})"))

    def load_banks(self) -> None:
        seen: dict[str, str] = {}
        for path in sorted((self.root / self.data / "questions").glob("*.yaml")):
            yf = self.yaml(self.label(path))
            if yf is None:
                continue
            data = yf.data if isinstance(yf.data, dict) else {}
            items = data.get("questions")
            if not isinstance(items, list) or not items:
                self.problems.append(Problem(yf.label, yf.line_of(("questions",)), "questions",
                                             "has no list of questions", "add `questions:` with at least one question"))
                continue
            for key in sorted(set(data) - {"section", "questions", "scored"}, key=str):
                self.problems.append(Problem(yf.label, yf.line_of((key,)), str(key), f"unknown field `{key}`",
                                             "a bank has only `section`, `questions` and `scored`"))
            scored = data.get("scored", False)
            if not isinstance(scored, bool):
                self.problems.append(Problem(yf.label, yf.line_of(("scored",)), "scored",
                                             f"is {scored!r}, not true or false",
                                             "write `scored: true` for the scored final check, or leave it out"))
                scored = False
            if scored and self.scored_at:
                self.problems.append(Problem(yf.label, yf.line_of(("scored",)), "scored",
                                             f"a second scored bank (the first is at {self.scored_at})",
                                             "keep `scored: true` in one bank only: it is the final check"))
                scored = False
            elif scored:
                self.scored_at = f"{yf.label}:{yf.line_of(('scored',))}"
            section = str(data.get("section", ""))
            if section != path.stem:
                self.problems.append(Problem(yf.label, yf.line_of(("section",)), "section",
                                             f"says {section!r} but the file is {path.name}",
                                             f"write `section: {path.stem}` or rename the file"))
            questions = []
            before = len(self.problems)
            for i, item in enumerate(items):
                try:
                    q = QUESTION.validate_python(item)
                except ValidationError as exc:
                    self.problems += problems_from(exc, yf, ("questions", i))
                    if isinstance(item, dict) and isinstance(item.get("id"), str):
                        self.broken_ids.add(item["id"])  # its own problem is said: not "missing" as well
                    self.check_raw_source(yf, item, i)
                    continue
                questions.append(q)
                self.question_lines[q.id] = (yf.label, yf.line_of(("questions", i)))
                if q.checkpoint:
                    self.checkpoints.setdefault((path.stem, q.checkpoint),
                                                (yf.label, yf.line_of(("questions", i, "checkpoint"))))
                for qid in dict.fromkeys([q.id] + [a.id for a in q.answerables]):
                    if qid in seen:
                        self.problems.append(Problem(yf.label, yf.line_of(("questions", i, "id")), qid,
                                                     f"duplicate id, first used at {seen[qid]}",
                                                     "give this question a new id"))
                    else:
                        seen[qid] = f"{yf.label}:{yf.line_of(('questions', i))}"
                self.check_refs(yf, q, i)
            if self.base is not None and path.stem in self.base.content.banks:
                scored = self.base.content.banks[path.stem].scored  # the English bank says which one is scored
            self.content.banks[path.stem] = Bank.model_construct(section=path.stem, questions=tuple(questions),
                                                                 scored=scored)
            if len(self.problems) > before:
                self.broken_banks.add(path.stem)  # its quick checks may lack the questions that failed

    def check_raw_source(self, yf: YamlFile, item: object, i: int) -> None:
        """A question that failed the schema still gets its source checked, so one pass shows everything."""
        if (isinstance(item, dict) and isinstance(item.get("source"), str)
                and item["source"] not in self.content.sources):
            self.problems.append(Problem(yf.label, yf.line_of(("questions", i, "source")), str(item.get("id", i + 1)),
                                         f"source {item['source']!r} is not in data/sources.yaml",
                                         "use a key from data/sources.yaml or add the source there"))

    def check_refs(self, yf: YamlFile, q: Any, i: int) -> None:
        c = self.content
        sources: list[tuple[tuple[str | int, ...], str]] = [(("source",), q.source)]
        if isinstance(q, CaseQuestion):
            sources += [(("parts", j, "source"), p.source) for j, p in enumerate(q.answerables) if p.source]
        for loc, key in sources:
            if key not in c.sources:
                self.problems.append(Problem(yf.label, yf.line_of(("questions", i, *loc)), q.id,
                                             f"source {key!r} is not in data/sources.yaml",
                                             "use a key from data/sources.yaml or add the source there"))
        for j, key in enumerate(q.glossary):
            if key not in c.glossary:
                self.problems.append(Problem(yf.label, yf.line_of(("questions", i, "glossary", j)), q.id,
                                             f"glossary key {key!r} is not in {self.data}/glossary.yaml",
                                             f"use a key from {self.data}/glossary.yaml or add the term there"))
        if q.figure and not (self.root / self.data / "figures" / q.figure.file).exists():
            self.problems.append(Problem(yf.label, yf.line_of(("questions", i, "figure")), q.id,
                                         f"figure file {q.figure.file!r} does not exist",
                                         f"put the SVG in {self.data}/figures/ or fix the name"))

    def load_sections(self) -> None:
        folder = self.root / self.notebooks
        for path in section_files(folder):
            section, problems = read_section(path, self.label(path))
            self.problems += problems
            if section:
                self.content.sections.append(section)
        if not self.content.sections:
            self.problems.append(Problem(self.notebooks, 1, "folder", "has no section notebooks",
                                         "add notebooks named like 01_basics.ipynb"))
        ids = [s.id for s in self.content.sections]
        for s in self.content.sections:
            if ids.count(s.id) > 1:
                self.problems.append(Problem(s.file, 1, s.id, "another notebook uses the same section id",
                                             "give each notebook its own section id"))

    def cross_check(self) -> None:
        c = self.content
        placed: dict[tuple[str, str], str] = {}
        for s in c.sections:
            for b in s.blocks:
                bank, checkpoint = quiz_target(b.role) if b.kind == "quiz" else ("", "")
                if b.kind == "quiz" and bank not in c.banks and (self.root / self.data / "questions" /
                                                                 f"{bank}.yaml").exists():
                    continue  # the bank file is there but broken: its own problems say where, not this cell
                if b.kind == "quiz" and bank not in c.banks and self.base and bank in self.base.content.banks:
                    continue  # a translation without the English bank's counterpart: that problem is said once
                if b.kind == "quiz" and bank not in c.banks:
                    self.problems.append(Problem(s.file, b.line, s.id, f"quiz {bank!r} has no bank",
                                                 f"add {self.data}/questions/{bank}.yaml or fix the name"))
                elif b.kind == "quiz" and checkpoint and (bank, checkpoint) not in self.checkpoints \
                        and bank not in self.broken_banks \
                        and not (self.base and (bank, checkpoint) in self.base.checkpoints):
                    self.problems.append(Problem(s.file, b.line, s.id,
                                                 f"quiz {b.role!r}: no question in {bank}.yaml has "
                                                 f"`checkpoint: {checkpoint}`",
                                                 f"mark the questions to ask here with `checkpoint: {checkpoint}`, "
                                                 "or fix the name"))
                elif b.kind == "quiz" and checkpoint and (bank, checkpoint) in placed:
                    self.problems.append(Problem(s.file, b.line, s.id, f"quiz {b.role!r} is placed twice "
                                                 f"(also in {placed[(bank, checkpoint)]})",
                                                 "keep one cell per quick check"))
                elif b.kind == "quiz" and checkpoint:
                    placed[(bank, checkpoint)] = f"{s.file} cell {b.line}"
                elif b.kind == "aid" and b.role not in AIDS:
                    self.problems.append(Problem(s.file, b.line, s.id, f"unknown aid {b.role!r}",
                                                 f"use one of: {', '.join(AIDS)}"))
                elif b.kind == "figure" and b.role not in c.figures:
                    self.problems.append(Problem(s.file, b.line, s.id, f"figure {b.role!r} is not in figures.yaml",
                                                 f"add it to {self.data}/figures/figures.yaml or fix the name"))
                elif b.kind == "markdown":
                    for _, key in GLOSSARY_LINK.findall(b.text):
                        if key not in c.glossary:
                            self.problems.append(Problem(s.file, b.line, s.id,
                                                         f"glossary key {key!r} is not in {self.data}/glossary.yaml",
                                                         f"add the term to {self.data}/glossary.yaml or fix the key"))
        for (bank, checkpoint), (file, line) in self.checkpoints.items():
            if (bank, checkpoint) not in placed and bank in c.banks:
                self.problems.append(Problem(file, line, checkpoint, "this quick check is not placed in any notebook",
                                             f'add a code cell quiz("{bank}:{checkpoint}") after the text it asks '
                                             "about, or remove `checkpoint:`"))
        for tier in c.help_card.tiers if c.help_card else ():
            if tier.source not in c.sources:
                self.problems.append(Problem(f"{self.data}/aids/help_card.yaml", 1, tier.id,
                                             f"source {tier.source!r} is not in data/sources.yaml",
                                             "use a key from data/sources.yaml"))
        for name, fig in c.figures.items():
            path = self.root / self.data / "figures" / fig.file
            try:
                text = path.read_text(encoding="utf-8")
                unsafe = unsafe_parts(text)
                if unsafe:
                    self.problems.append(Problem(f"{self.data}/figures/figures.yaml", 1, name,
                                                 f"figure file {fig.file} has {'; '.join(unsafe)}",
                                                 "remove it: figures are drawings only, with no scripts, event "
                                                 "handlers, images or links to other places"))
                else:
                    c.svgs[name] = text
            except (OSError, ElementTree.ParseError, UnicodeDecodeError) as exc:
                self.problems.append(Problem(f"{self.data}/figures/figures.yaml", 1, name,
                                             f"figure file {fig.file} cannot be read as SVG: {exc}",
                                             "fix or replace the SVG file"))
            if fig.source not in c.sources:
                self.problems.append(Problem(f"{self.data}/figures/figures.yaml", 1, name,
                                             f"source {fig.source!r} is not in data/sources.yaml",
                                             "use a key from data/sources.yaml"))


LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[a-z]{2,4})?$")  # es, pt-br: a folder name under data/


def _load_translation(base: _Loader, lang: str) -> list[Problem]:
    """One language's content, checked on its own and then item for item against the English."""
    loader = _Loader(base.root, lang, base)
    language = loader.single(f"data/{lang}/language.yaml", Language)
    if language is None:
        return loader.problems
    loader.language = language
    content = loader.load()
    english = base.content
    loader.problems += translations.compare_sections(english, content, lang, language.name)
    loader.problems += translations.compare_banks(english, content, lang, language, loader.question_lines,
                                                  loader.broken_ids)
    loader.problems += translations.compare_keys("glossary term", english.glossary, content.glossary,
                                                 f"data/{lang}/glossary.yaml", lang, language.name)
    loader.problems += translations.compare_keys("figure", english.figures, content.figures,
                                                 f"data/{lang}/figures/figures.yaml", lang, language.name)
    if lang not in english.strings:
        loader.problems.append(Problem(f"data/strings/{lang}.yaml", 1, "file", f"is missing ({language.name})",
                                       "copy data/strings/en.yaml and translate its values"))
    english.translations[lang] = content
    english.languages[lang] = language
    return loader.problems


def check(root: Path | None = None) -> tuple[Content, list[Problem]]:
    """Load everything under `root` and return it with every problem found (none means ready to serve).

    English first, then each language with a data/<lang>/language.yaml. The content holds the checked pydantic
    models; `load_content` and `write_snapshot` turn them into plain records."""
    loader = _Loader((root or content_dir()).resolve())
    content = loader.load()
    content.languages[ENGLISH] = plain.Language(name="English", tracks=tuple(plain.TRACK_AUDIENCES))
    problems = loader.problems
    data = loader.root / "data"
    for folder in sorted(p for p in data.iterdir() if p.is_dir() and (p / "language.yaml").exists()):
        if LANGUAGE_CODE.match(folder.name) and folder.name != ENGLISH:
            problems += _load_translation(loader, folder.name)
        else:
            problems.append(Problem(f"data/{folder.name}/language.yaml", 1, folder.name,
                                    "is not a language code such as es or pt-br",
                                    "name the folder after the language's code, in lower case"))
    return content, sorted(problems)


def write_snapshot(content: Content, folder: Path) -> Path:
    """Save checked content for the server's kernels: each loads it in milliseconds instead of checking again.

    It also pins what learners see to what was checked when the server started: an edit made while it runs cannot
    put a broken file in front of a learner (restart the server to publish changes).
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "content.pickle"
    # plain records: a kernel unpickles them without importing pydantic (see plain.py)
    path.write_bytes(pickle.dumps(to_plain(content), protocol=pickle.HIGHEST_PROTOCOL))
    return path
