"""Turn pydantic's validation errors into Problems that name the file, line, item and fix."""
from __future__ import annotations

import difflib
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from .plain import QUESTION_TYPES
from .problems import Problem
from .schema import Rule
from .yamlfile import YamlFile

FIELD_FIXES = {
    "explanation": "add `explanation:` saying why the answer is right, in plain words",
    "source": "add `source:` with a key from data/sources.yaml",
    "prompt": "add `prompt:` with the question text",
    "options": "add `options:`, each with `text`, `correct` and `feedback`",
    "feedback": "add `feedback:` saying why this option is right or wrong",
    "audience": "add `audience:` patient, nurse or both",
    "id": "add `id:` in lower case with dashes, unique across all banks",
    "type": f"add `type:` one of {', '.join(QUESTION_TYPES)}",
    "answers": "add `answers:`: for a number question each with `value` or `range`, `correct` and `feedback`; "
               "for a short-answer question each with `text` and `correct`",
    "default_feedback": "add `default_feedback:` saying what to think about when the answer is none of `answers`, "
                        "without giving the answer",
    "correct": "add `correct: true` or `correct: false`",
    "text": "add `text:` with the words",
}


def _clean_loc(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """Drop the union tags pydantic puts in locations (questions.3.single.options -> questions.3.options).

    Only right after a question's index: `text` is also a field (options.1.text), not only a question type."""
    out: list[Any] = []
    for i, part in enumerate(loc):
        if part in QUESTION_TYPES and i > 1 and isinstance(loc[i - 1], int) and loc[i - 2] == "questions":
            continue
        if isinstance(part, str) and part.startswith("function-"):
            continue
        out.append(part)
    return tuple(out)


def _item(data: Any, loc: tuple[Any, ...]) -> str:
    """The id of the question (and part) the location is in, else a readable position."""
    names: list[str] = []
    node = data
    for i, part in enumerate(loc):
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(part, int) and i > 0 and loc[i - 1] in ("questions", "parts"):
            names.append(node.get("id", f"{loc[i - 1][:-1]} {part + 1}") if isinstance(node, dict)
                         else f"{loc[i - 1][:-1]} {part + 1}")
    return "/".join(str(n) for n in names) or "file"


def _misspellings(errors: list[tuple[ErrorDetails, tuple[Any, ...]]]) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """Unknown field -> the missing field beside it that it is a misspelling of (`feedbak` for `feedback`)."""
    missing = [loc for err, loc in errors if err["type"] == "missing" and loc and isinstance(loc[-1], str)]
    out = {}
    for err, loc in errors:
        if err["type"] != "extra_forbidden" or not loc or not isinstance(loc[-1], str):
            continue
        near = [m for m in missing if m[:-1] == loc[:-1]
                and difflib.SequenceMatcher(None, m[-1], loc[-1]).ratio() >= 0.75]
        if near:
            out[loc] = near[0]
    return out


def _rule_at(err: ErrorDetails) -> tuple[Any, ...]:
    """Where inside the model a broken rule points (an answer's own line), when the rule says."""
    rule = (err.get("ctx") or {}).get("error")
    return rule.at if err["type"] == "value_error" and isinstance(rule, Rule) else ()


def problems_from(error: ValidationError, yf: YamlFile, prefix: tuple[Any, ...] = ()) -> list[Problem]:
    problems = []
    errors = [(err, _clean_loc(prefix + tuple(err["loc"])) + _rule_at(err)) for err in error.errors()]
    misspelt = _misspellings(errors)
    for err, loc in errors:
        kind = err["type"]
        if loc in misspelt.values():
            continue  # a missing field that is there under a misspelt name: said once, at that name's line
        if loc in misspelt:
            wanted = misspelt[loc][-1]
            problems.append(Problem(yf.label, yf.line_of(loc), _item(yf.data, loc),
                                    f"unknown field `{loc[-1]}`: did you mean `{wanted}`?", f"rename it `{wanted}`"))
            continue
        if kind in ("too_short", "too_long") and any(other[:len(loc)] == loc and len(other) > len(loc)
                                                     for _e, other in errors):
            continue  # "has 1 entries" only because another entry is broken: that entry's own problem says so
        field = next((p for p in reversed(loc) if isinstance(p, str)), "value")
        if kind == "missing":
            message, fix = f"missing `{field}`", FIELD_FIXES.get(field, f"add `{field}:` (see docs/authoring.md)")
        elif kind == "extra_forbidden":
            message, fix = f"unknown field `{field}`", "remove it or correct its spelling (fields: docs/authoring.md)"
        elif kind == "string_too_short":
            message, fix = f"`{field}` is empty", "write the text"
        elif kind == "string_pattern_mismatch":
            message, fix = (f"`{field}` {err.get('input')!r} is not a valid id",
                            "use lower case letters, digits and dashes")
        elif kind in ("union_tag_invalid", "union_tag_not_found"):
            tag = (err.get("ctx") or {}).get("tag")
            message = f"unknown question type {tag!r}" if tag else "missing `type`"
            fix = f"use one of: {', '.join(QUESTION_TYPES)}"
        elif kind == "literal_error":
            message, fix = f"`{field}` cannot be {err.get('input')!r}", f"use {err['ctx']['expected']}"
        elif kind in ("too_short", "too_long"):
            message = f"`{field}` has {err['ctx'].get('actual_length')} entries"
            fix = (f"give at least {err['ctx']['min_length']}" if kind == "too_short"
                   else f"give at most {err['ctx']['max_length']}")
        elif kind == "bool_type" or kind == "bool_parsing":
            message, fix = f"`{field}` must be true or false", "write true or false"
        elif kind in ("float_type", "float_parsing", "finite_number"):
            message, fix = (f"`{field}` must be a number, not {err.get('input')!r}",
                            "write digits with a point for decimals, without quotes, e.g. 100.4")
        elif kind in ("int_type", "int_parsing", "int_from_float"):
            message, fix = f"`{field}` must be a whole number, not {err.get('input')!r}", "write digits, e.g. 4"
        elif kind == "value_error" and "|" in str(err.get("ctx", {}).get("error", "")):
            message, fix = str(err["ctx"]["error"]).split("|", 1)
        else:
            message, fix = f"`{field}`: {err['msg']}", "see docs/authoring.md"
        problems.append(Problem(yf.label, yf.line_of(loc), _item(yf.data, loc), message, fix))
    return problems
