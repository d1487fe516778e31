"""Does a translation match the English module item for item? What `her2lesson check` asks of each language.

A language other than English mirrors the English files (notebooks/<lang>/, data/<lang>/, data/strings/<lang>.yaml).
Every part, question, term, figure and aid of the English module needs its counterpart with the same id, so a
learner never meets a hole; the questions a language leaves out are only those of tracks it does not cover (a
Spanish patient track needs no nurse-only question). Each problem names the file, the line, the language and a fix.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from .notebooks import Section
from .plain import TRACK_AUDIENCES, Bank, Content, Language
from .problems import Problem


def audiences(tracks: Iterable[str]) -> set[str]:
    """The question audiences a language's tracks show (patient and explore show `patient` and `both`)."""
    return {a for t in tracks for a in TRACK_AUDIENCES.get(t, ())}


def needed_ids(bank: Bank, tracks: Iterable[str]) -> list[str]:
    """The English bank's question ids a language covering `tracks` must translate, in order."""
    shown = audiences(tracks)
    return [q.id for q in bank.questions if q.audience in shown]


def _shape(section: Section) -> list[tuple[str, str]]:
    """A part's cells as (kind, role): Markdown by role, calls by what they show; the words may differ."""
    return [(b.kind, b.role if b.kind != "markdown" or b.role != "chunk" else "") for b in section.blocks]


def compare_sections(english: Content, translated: Content, lang: str, name: str) -> list[Problem]:
    problems: list[Problem] = []
    theirs = {s.id: s for s in translated.sections}
    for ours in english.sections:
        file = ours.file.replace("notebooks/", f"notebooks/{lang}/", 1)
        other = theirs.get(ours.id)
        if other is None:
            problems.append(Problem(file, 1, ours.id, f"the {name} ({lang}) counterpart of {ours.file} is missing",
                                    f"copy {ours.file} to {file} and translate its Markdown cells"))
            continue
        a, b = _shape(ours), _shape(other)
        for k, (mine, yours) in enumerate(zip(a, b)):
            if mine != yours:
                line = other.blocks[k].line
                problems.append(Problem(other.file, line, f"cell {line}",
                                        f"is {_say(yours)} but the English cell {ours.blocks[k].line} is {_say(mine)}"
                                        f" ({name}, {lang})", f"keep the cells in the order of {ours.file}"))
                break
        else:
            if len(a) != len(b):
                problems.append(Problem(other.file, 1, ours.id,
                                        f"has {len(b)} cells with content where {ours.file} has {len(a)} "
                                        f"({name}, {lang})", f"keep the cells of {ours.file}, one for one"))
    for extra in sorted(set(theirs) - {s.id for s in english.sections}):
        problems.append(Problem(theirs[extra].file, 1, extra, f"no English part has the section id {extra!r} ({lang})",
                                "use the section id of the English notebook it translates"))
    return problems


def _say(shape: tuple[str, str]) -> str:
    kind, role = shape
    if kind == "markdown":
        return f"a Markdown cell tagged {role!r}" if role else "an untagged Markdown cell"
    return f"{kind}({role!r})"


def compare_banks(english: Content, translated: Content, lang: str, language: Language,
                  line_of: Mapping[str, tuple[str, int]], broken: Iterable[str] = ()) -> list[Problem]:
    """Each English bank's questions for the language's tracks, with the same ids, types and right answers.

    `line_of` gives each translated question id its (file, line); `broken` are ids whose own problem is already
    said (they failed the schema), so they are not called missing as well."""
    broken = set(broken)
    problems: list[Problem] = []
    for bank_id, ours in english.banks.items():
        need = needed_ids(ours, language.tracks)
        file = f"data/{lang}/questions/{bank_id}.yaml"
        theirs = translated.banks.get(bank_id)
        if theirs is None:
            if need:
                problems.append(Problem(file, 1, bank_id, f"the {language.name} ({lang}) bank is missing",
                                        f"translate the questions {', '.join(need[:3])}{'...' if len(need) > 3 else ''}"
                                        f" of data/questions/{bank_id}.yaml into {file}"))
            continue
        by_id = {q.id: q for q in ours.questions}
        have = [q.id for q in theirs.questions]
        for qid in need:
            if qid not in have and qid not in broken:
                problems.append(Problem(file, 1, qid, f"has no {language.name} ({lang}) counterpart",
                                        f"translate question {qid} of data/questions/{bank_id}.yaml"))
        for q in theirs.questions:
            where, line = line_of.get(q.id, (file, 1))
            original = by_id.get(q.id)
            if original is None or q.id not in need:
                problems.append(Problem(where, line, q.id, f"is not a question of data/questions/{bank_id}.yaml "
                                        f"for the tracks {lang} covers ({', '.join(language.tracks)})",
                                        "use the id of the English question it translates, or remove it"))
                continue
            problems += _compare_question(original, q, where, line, lang)
    return problems


def _compare_question(ours: object, theirs: object, file: str, line: int, lang: str) -> list[Problem]:
    """Same type, same right answers, same structure: only the words may change."""
    qid = getattr(ours, "id", "?")
    if getattr(ours, "type", None) != getattr(theirs, "type", None):
        return [Problem(file, line, qid, f"is a {getattr(theirs, 'type', '?')} question but the English one is a "
                        f"{getattr(ours, 'type', '?')} ({lang})", f"write `type: {getattr(ours, 'type', '?')}`")]
    for a, b in zip(ours.answerables, theirs.answerables):  # type: ignore[attr-defined]
        mine = [o.correct for o in getattr(a, "options", ())]
        yours = [o.correct for o in getattr(b, "options", ())]
        if mine != yours:
            return [Problem(file, line, b.id, f"its options' right answers {yours} differ from the English {mine} "
                            f"({lang})", "keep the options in the English order, with the same `correct:` marks")]
        for name in ("pairs", "steps", "answers"):
            if len(getattr(a, name, ())) != len(getattr(b, name, ())):
                return [Problem(file, line, b.id, f"has {len(getattr(b, name, ()))} {name} where the English has "
                                f"{len(getattr(a, name, ()))} ({lang})", f"translate each of the English {name}")]
    if len(ours.answerables) != len(theirs.answerables):  # type: ignore[attr-defined]
        return [Problem(file, line, qid, f"has a different number of case parts from the English ({lang})",
                        "translate each part of the English case")]
    return []


def compare_keys(what: str, english: Mapping[str, object], translated: Mapping[str, object], file: str,
                 lang: str, name: str) -> list[Problem]:
    """Glossary terms and figures: the same keys as the English file."""
    problems = [Problem(file, 1, key, f"has no {name} ({lang}) counterpart of this {what}",
                        f"add `{key}:` translated from the English file")
                for key in english if key not in translated]
    problems += [Problem(file, 1, key, f"is not a {what} of the English file ({lang})",
                         "use the English key, or remove it") for key in translated if key not in english]
    return problems


def fill_untranslated_banks(english: Content, translated: Content, language: Language) -> None:
    """English banks with no question for the language's tracks (the nurse-only final check for a patient-track
    language) get an empty counterpart, so their parts are placed and hidden exactly as in English."""
    for bank_id, ours in english.banks.items():
        if bank_id not in translated.banks and not needed_ids(ours, language.tracks):
            translated.banks[bank_id] = Bank(section=ours.section, questions=(), scored=ours.scored)
