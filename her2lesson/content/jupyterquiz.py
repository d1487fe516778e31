"""Exchange question banks with jupyterquiz's JSON format, the de facto quiz format in Jupyter.

jupyterquiz knows single and many choice; matching and ordering have no counterpart there and are left out of an
export (the return value says which). Case parts are exported as choice questions with the story in front.
An import keeps everything jupyterquiz has and leaves what it lacks (a source key) for `her2lesson check` to ask for.
What only her2lesson knows (audience, source, quick check, action) travels in an extra `her2lesson` key that
jupyterquiz ignores, so a bank sent out and brought back keeps it.
"""
from __future__ import annotations

import re
from typing import Any, TypedDict

from .schema import Bank, CaseQuestion, ChoiceQuestion

JQ_TYPES = {"single": "multiple_choice", "truefalse": "multiple_choice", "multiple": "many_choice"}


AUDIENCES = ("patient", "nurse", "both")


class _ImportedOption(TypedDict):
    """One option of an imported question, as the bank's YAML has it."""
    text: str
    correct: bool
    feedback: str


def _choice(prompt: str, q_type: str, options, question: Any) -> dict[str, Any]:
    ours: dict[str, Any] = {"audience": question.audience, "source": question.source}
    if question.checkpoint:
        ours["checkpoint"] = question.checkpoint
    if question.action:
        ours["action"] = True
    return {"question": prompt, "type": JQ_TYPES[q_type],
            "answers": [{"answer": o.text, "correct": o.correct, "feedback": o.feedback} for o in options],
            "her2lesson": ours}


def _ours(item: dict[str, Any]) -> dict[str, Any]:
    """The her2lesson-only fields an export carried, checked (anything odd is left out for `check` to ask for)."""
    meta = item.get("her2lesson")
    meta = meta if isinstance(meta, dict) else {}
    out: dict[str, Any] = {"audience": meta.get("audience") if meta.get("audience") in AUDIENCES else "both"}
    for key in ("checkpoint", "source"):
        if isinstance(meta.get(key), str) and meta[key]:
            out[key] = meta[key]
    if meta.get("action") is True:
        out["action"] = True
    return out


def export_bank(bank: Bank) -> tuple[list[dict[str, Any]], list[str]]:
    """(jupyterquiz questions, ids of questions that could not be expressed)."""
    out: list[dict[str, Any]] = []
    skipped: list[str] = []
    for q in bank.questions:
        if isinstance(q, ChoiceQuestion):
            out.append(_choice(q.prompt, q.type, q.options, q))
        elif isinstance(q, CaseQuestion):
            out += [_choice(f"{q.story}\n\n{p.prompt}", p.type, p.options, q) for p in q.parts]
        else:
            skipped.append(q.id)
    return out, skipped


def _slug(text: str) -> str:
    words = re.findall(r"[a-z0-9]+", text.lower())[:5]
    return "-".join(words) or "question"


def import_questions(items: object, section: str) -> tuple[dict[str, Any], list[str]]:
    """A bank (as plain data, ready to write as YAML) from jupyterquiz JSON, plus notes on what was skipped."""
    notes: list[str] = []
    questions: list[dict[str, Any]] = []
    taken: set[str] = set()
    for n, item in enumerate(items if isinstance(items, list) else [], start=1):
        if not isinstance(item, dict) or item.get("type") not in ("multiple_choice", "many_choice"):
            notes.append(f"question {n}: type {item.get('type') if isinstance(item, dict) else '?'!r} "
                         "is not a choice question; skipped")
            continue
        answers = [a for a in item.get("answers", []) if isinstance(a, dict)]
        options: list[_ImportedOption] = [{"text": str(a.get("answer", "")).strip(), "correct": bool(a.get("correct")),
                    "feedback": str(a.get("feedback", "")).strip()} for a in answers]
        right = [o for o in options if o["correct"]]
        kind = "multiple" if item["type"] == "many_choice" or len(right) != 1 else "single"
        base = qid = f"{section}-{_slug(str(item.get('question', '')))}"
        k = 2
        while qid in taken:
            qid, k = f"{base}-{k}", k + 1
        taken.add(qid)
        ours = _ours(item)
        questions.append({
            "id": qid, "audience": ours.pop("audience"), **({"checkpoint": ours.pop("checkpoint")}
                                                            if "checkpoint" in ours else {}),
            "type": kind, **({"action": ours.pop("action")} if "action" in ours else {}),
            "prompt": str(item.get("question", "")).strip(),
            "options": options,
            # jupyterquiz has no general explanation: start from the right answers' feedback, for an author to edit.
            "explanation": " ".join(o["feedback"] for o in right if o["feedback"]),
            **ours,  # the source, when the export carried one
        })
    return {"section": section, "questions": questions}, notes
