"""Exchange question banks with jupyterquiz's JSON format, the de facto quiz format in Jupyter.

jupyterquiz knows choice (`multiple_choice`, `many_choice`), `numeric` and `string` questions; matching and ordering
have no counterpart there and are left out of an export (the return value says which). Case parts are exported as
choice questions with the story in front. Answers given as code stay code both ways (an option with `code: true`).
What only her2lesson knows (audience, source, quick check, action, explanation, hint, unit) travels in an extra
`her2lesson` key that jupyterquiz ignores, so a bank sent out and brought back keeps it: export, import, export gives
the same JSON.

An import carries everything it can and refuses, question by question, what it cannot carry (a fuzzy text match, an
answer that is neither text nor code...), saying which question and why; nothing is dropped silently. What
jupyterquiz lacks (a source key, an explanation) is left for `her2lesson check` to ask for.
"""
from __future__ import annotations

import math
import re
from typing import Any

import yaml

from .plain import (
    Bank,
    CaseQuestion,
    ChoiceQuestion,
    NumericQuestion,
    Option,
    TextQuestion,
)

JQ_TYPES = {"single": "multiple_choice", "truefalse": "multiple_choice", "multiple": "many_choice"}
AUDIENCES = ("patient", "nurse", "both")
KNOWN_KEYS = {"question", "type", "answers", "precision", "code", "her2lesson"}
_MARKUP = re.compile(r"<[a-zA-Z/][^>]*>|\$[^$\s][^$]*\$")  # HTML tags or LaTeX, which jupyterquiz renders


class Refused(ValueError):
    """A question an import cannot carry, with the reason in plain words."""


# --- export -------------------------------------------------------------------------------------------------------
def _number(x: float) -> int | float:
    """38, not 38.0: numbers as an author writes them."""
    return int(x) if x.is_integer() and abs(x) < 1e15 else x


def _meta(question: Any, explanation: str, hint: str | None, **extra: Any) -> dict[str, Any]:
    ours: dict[str, Any] = {"audience": question.audience, "source": question.source}
    if question.checkpoint:
        ours["checkpoint"] = question.checkpoint
    if question.action:
        ours["action"] = True
    ours["explanation"] = explanation
    if hint:
        ours["hint"] = hint
    if question.glossary:
        ours["glossary"] = list(question.glossary)
    ours.update({k: v for k, v in extra.items() if v})
    return ours


def _head(prompt: str, kind: str, code: str | None) -> dict[str, Any]:
    head: dict[str, Any] = {"question": prompt, "type": kind}
    if code:
        head["code"] = code
    return head


def _option(o: Option) -> dict[str, Any]:
    return {"code" if o.code else "answer": o.text, "correct": o.correct, "feedback": o.feedback}


def _choice(prompt: str, q_type: str, options: tuple[Option, ...], question: Any, explanation: str,
            hint: str | None) -> dict[str, Any]:
    return {**_head(prompt, JQ_TYPES[q_type], question.code),
            "answers": [_option(o) for o in options],
            "her2lesson": _meta(question, explanation, hint)}


def _numeric(q: NumericQuestion) -> dict[str, Any]:
    out = _head(q.prompt, "numeric", q.code)
    if q.precision:
        out["precision"] = q.precision
    answers: list[dict[str, Any]] = []
    for a in q.answers:
        if a.range is not None:
            answers.append({"type": "range", "range": [_number(a.range[0]), _number(a.range[1])],
                            "correct": a.correct, "feedback": a.feedback})
        elif a.value is not None:
            answers.append({"type": "value", "value": _number(a.value), "correct": a.correct, "feedback": a.feedback})
    answers.append({"type": "default", "feedback": q.default_feedback})
    out["answers"] = answers
    out["her2lesson"] = _meta(q, q.explanation, q.hint, unit=q.unit)
    return out


def _text(q: TextQuestion) -> dict[str, Any]:
    answers: list[dict[str, Any]] = []
    for a in q.answers:
        answer: dict[str, Any] = {"answer": a.text, "correct": a.correct}
        if a.feedback:
            answer["feedback"] = a.feedback
        if a.match_case:
            answer["match_case"] = True
        answers.append(answer)
    answers.append({"type": "default", "feedback": q.default_feedback})
    return {**_head(q.prompt, "string", q.code), "answers": answers, "her2lesson": _meta(q, q.explanation, q.hint)}


def export_bank(bank: Bank) -> tuple[list[dict[str, Any]], list[str]]:
    """(jupyterquiz questions, ids of questions that could not be expressed)."""
    out: list[dict[str, Any]] = []
    skipped: list[str] = []
    for q in bank.questions:
        if isinstance(q, ChoiceQuestion):
            out.append(_choice(q.prompt, q.type, q.options, q, q.explanation, q.hint))
        elif isinstance(q, CaseQuestion):
            out += [_choice(f"{q.story}\n\n{p.prompt}", p.type, p.options, q, p.explanation, p.hint)
                    for p in q.answerables]
        elif isinstance(q, NumericQuestion):
            out.append(_numeric(q))
        elif isinstance(q, TextQuestion):
            out.append(_text(q))
        else:
            skipped.append(q.id)
    return out, skipped


# --- import -------------------------------------------------------------------------------------------------------
def _slug(text: str) -> str:
    words = re.findall(r"[a-z0-9]+", text.lower())[:5]
    return "-".join(words) or "question"


def _is_number(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _words(x: object, what: str) -> str:
    """Text from JSON: a string, or a number written as one (jupyterquiz shows either)."""
    if isinstance(x, str):
        return x.strip()
    if _is_number(x):
        return str(x)
    raise Refused(f"{what} is not text")


def _ours(item: dict[str, Any]) -> dict[str, Any]:
    """The her2lesson-only fields an export carried, checked (anything odd is left out for `check` to ask for)."""
    meta = item.get("her2lesson")
    meta = meta if isinstance(meta, dict) else {}
    out: dict[str, Any] = {"audience": meta.get("audience") if meta.get("audience") in AUDIENCES else "both"}
    for key in ("checkpoint", "source", "explanation", "hint", "unit"):
        if isinstance(meta.get(key), str) and meta[key].strip():
            out[key] = meta[key].strip()
    if meta.get("action") is True:
        out["action"] = True
    glossary = meta.get("glossary")
    if isinstance(glossary, list) and glossary and all(isinstance(g, str) for g in glossary):
        out["glossary"] = list(glossary)
    return out


def _feedback(answer: dict[str, Any], what: str) -> str | None:
    """An answer's feedback, or None when it has none (`check` then asks for it where it is required)."""
    feedback = answer.get("feedback")
    if feedback is None:
        return None
    text = _words(feedback, f"the feedback of {what}")
    return text or None


def _answers(item: dict[str, Any]) -> list[dict[str, Any]]:
    answers = item.get("answers")
    if not isinstance(answers, list) or not answers:
        raise Refused("it has no answers")
    for k, answer in enumerate(answers, start=1):
        if not isinstance(answer, dict):
            raise Refused(f"answer {k} is not an answer (a JSON object)")
    return answers


def _choice_fields(item: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    options: list[dict[str, Any]] = []
    for k, a in enumerate(_answers(item), start=1):
        if "answer" in a and "code" in a:
            raise Refused(f"answer {k} has both text and code; an option here shows one of them")
        if "code" in a:
            option: dict[str, Any] = {"text": _words(a["code"], f"the code of answer {k}"), "code": True}
        elif "answer" in a:
            option = {"text": _words(a["answer"], f"answer {k}")}
        else:
            raise Refused(f"answer {k} has neither `answer` (text) nor `code`")
        if not option["text"]:
            raise Refused(f"answer {k} is empty")
        option["correct"] = a.get("correct") is True
        option["feedback"] = _feedback(a, f"answer {k}") or ""  # `check` asks for it: every option explains
        notes += [f"answer {k}: `{key}` left out" for key in sorted(set(a) - {"answer", "code", "correct", "feedback"})]
        options.append(option)
    right = [o for o in options if o["correct"]]
    texts = sorted(o["text"] for o in options)
    if item["type"] == "many_choice" or len(right) != 1:
        kind = "multiple"
    elif texts == ["False", "True"] and not any(o.get("code") for o in options):
        kind = "truefalse"
    else:
        kind = "single"
    # Order options by the fields her2lesson writes (text, code, correct, feedback).
    options = [{key: o[key] for key in ("text", "code", "correct", "feedback") if key in o} for o in options]
    return {"type": kind, "options": options, "_right_feedback": [o["feedback"] for o in right]}


def _numeric_fields(item: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    answers: list[dict[str, Any]] = []
    default: str | None = None
    for k, a in enumerate(_answers(item), start=1):
        if a.get("type") == "default":
            default = _feedback(a, "the default answer")
            continue
        if "value" in a:  # jupyterquiz looks for `value`, then `range`, whatever `type` says
            if not _is_number(a["value"]):
                raise Refused(f"answer {k}: the value {a['value']!r} is not a number")
            answer: dict[str, Any] = {"value": a["value"]}
        elif "range" in a:
            bounds = a["range"]
            if not (isinstance(bounds, list) and len(bounds) == 2 and all(map(_is_number, bounds))):
                raise Refused(f"answer {k}: the range {bounds!r} is not two numbers")
            answer = {"range": list(bounds)}
        else:
            raise Refused(f"answer {k} is neither a value, a range nor the default")
        answer["correct"] = a.get("correct") is True
        feedback = _feedback(a, f"answer {k}")
        if feedback:
            answer["feedback"] = feedback  # when missing, `check` asks for it at this answer's line
        notes += [f"answer {k}: `{key}` left out" for key in sorted(set(a) - {"type", "value", "range", "correct",
                                                                              "feedback"})]
        answers.append(answer)
    if not answers:
        raise Refused("it has no value or range to compare with, only a default")
    out: dict[str, Any] = {"type": "numeric", "answers": answers}
    precision = item.get("precision")
    if precision is not None:
        if isinstance(precision, int) and not isinstance(precision, bool):
            out["precision"] = precision
        else:
            raise Refused(f"its precision {precision!r} is not a whole number")
    if default:
        out["default_feedback"] = default
    out["_right_feedback"] = [a.get("feedback", "") for a in answers if a["correct"]]
    return out


def _string_fields(item: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    answers: list[dict[str, Any]] = []
    default: str | None = None
    for k, a in enumerate(_answers(item), start=1):
        if a.get("type") == "default":
            default = _feedback(a, "the default answer")
            continue
        if a.get("fuzzy_threshold") not in (None, 1, 1.0):
            raise Refused(f"answer {k} accepts near misses (`fuzzy_threshold`); her2lesson compares the words, "
                          "ignoring only case, spaces and end marks")
        if "answer" not in a:
            raise Refused(f"answer {k} has no `answer` text")
        answer: dict[str, Any] = {"text": _words(a["answer"], f"answer {k}"), "correct": a.get("correct") is True}
        if not answer["text"]:
            raise Refused(f"answer {k} is empty")
        feedback = _feedback(a, f"answer {k}")
        if feedback:
            answer["feedback"] = feedback
        if a.get("match_case") is True:
            answer["match_case"] = True
        notes += [f"answer {k}: `{key}` left out" for key in sorted(set(a) - {"answer", "correct", "feedback",
                                                                              "match_case", "fuzzy_threshold"})]
        answers.append(answer)
    if not answers:
        raise Refused("it has no answer to compare with, only a default")
    out: dict[str, Any] = {"type": "text", "answers": answers}
    if default:
        out["default_feedback"] = default
    out["_right_feedback"] = [a.get("feedback", "") for a in answers if a["correct"]]
    return out


FIELDS = {"multiple_choice": _choice_fields, "many_choice": _choice_fields, "numeric": _numeric_fields,
          "string": _string_fields}
ORDER = ("id", "audience", "checkpoint", "type", "action", "prompt", "code", "options", "answers", "precision", "unit",
         "default_feedback", "explanation", "hint", "source", "glossary")


def _import_one(item: object, section: str, taken: set[str], notes: list[str]) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise Refused("it is not a question (a JSON object)")
    kind = item.get("type")
    if kind not in FIELDS:
        raise Refused(f"its type {kind!r} has no counterpart here (known: {', '.join(FIELDS)})")
    prompt = _words(item.get("question", ""), "the question")
    if not prompt:
        raise Refused("it has no question text")
    fields = FIELDS[kind](item, notes)
    right_feedback = [f for f in fields.pop("_right_feedback") if f]
    ours = _ours(item)
    if kind != "numeric" and "unit" in ours:
        del ours["unit"]
    code = item.get("code")
    if code is not None:
        if not isinstance(code, str):
            raise Refused("its `code` is not text")
        if code.strip():
            fields["code"] = code.strip()
    if "precision" in item and kind != "numeric":
        notes.append("`precision` left out: it is for numeric questions")
    notes += [f"`{key}` left out" for key in sorted(set(item) - KNOWN_KEYS, key=str)]
    shown = [prompt] + [o["text"] for o in fields.get("options", ()) if not o.get("code")]
    if any(_MARKUP.search(text) for text in shown):
        notes.append("it has HTML or LaTeX, which is shown here as it is written: check how it reads")
    base = qid = f"{section}-{_slug(prompt)}"
    k = 2
    while qid in taken:
        qid, k = f"{base}-{k}", k + 1
    taken.add(qid)
    # jupyterquiz has no general explanation: unless an export carried one, start from the right answers'
    # feedback, for an author to edit (none: `check` asks for one).
    explanation = ours.pop("explanation", None) or " ".join(right_feedback)
    question = {"id": qid, "prompt": prompt, **fields, **ours}
    if explanation:
        question["explanation"] = explanation
    return {key: question[key] for key in ORDER if key in question}


def _label(n: int, item: object) -> str:
    """"question 3 (numeric: “How many ...”)": which question a note is about, as the file numbers them."""
    if not isinstance(item, dict):
        return f"question {n}"
    text = " ".join(str(item.get("question", "")).split())
    text = text if len(text) <= 50 else text[:47].rstrip() + "..."
    return f"question {n} ({item.get('type', 'no type')}: “{text}”)"


def import_questions(items: object, section: str) -> tuple[dict[str, Any], list[str]]:
    """A bank (as plain data, ready to write as YAML) from jupyterquiz JSON, plus a note on each question that was
    not imported (and why) and on anything left out of one that was."""
    notes: list[str] = []
    questions: list[dict[str, Any]] = []
    taken: set[str] = set()
    if not isinstance(items, list):
        return {"section": section, "questions": []}, ["the file is not a list of questions ([...])"]
    for n, item in enumerate(items, start=1):
        own: list[str] = []
        try:
            questions.append(_import_one(item, section, taken, own))
        except Refused as why:
            notes.append(f"{_label(n, item)}: not imported: {why}")
            continue
        notes += [f"{_label(n, item)}: {note}" for note in own]
    return {"section": section, "questions": questions}, notes


class _BankDumper(yaml.SafeDumper):
    """YAML as an author writes a bank: code as a block, a range or glossary on one line ([95, 100.4])."""


def _scalar_list(dumper: yaml.SafeDumper, data: list) -> yaml.Node:
    short = all(isinstance(x, (int, float, str)) and "\n" not in str(x) for x in data) and len(str(data)) <= 60
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=short or None)


def _block_text(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|" if "\n" in data else None)


_BankDumper.add_representer(list, _scalar_list)
_BankDumper.add_representer(str, _block_text)


def bank_yaml(bank: dict[str, Any]) -> str:
    """An imported bank as the YAML file to write."""
    return yaml.dump(bank, Dumper=_BankDumper, sort_keys=False, allow_unicode=True, width=110)
