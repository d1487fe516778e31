"""Read the section notebooks into typed blocks the dashboard can show without running them.

A notebook stays the single source of a section's words: authors edit it in JupyterLab, and the dashboard reads
it with nbformat. Code cells may hold only one call (`quiz("testing")`, `aid(...)`, `figure(...)`) so the dashboard
knows what to place there without executing author code in the learner's kernel.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from .problems import Problem

ROLES = ("title", "main-message", "objectives", "do-this", "unknown", "nurse", "educator", "key-points")
CALLS = ("quiz", "aid", "figure")
PATIENT_ROLES = ("title", "main-message", "objectives", "chunk", "do-this", "unknown", "key-points")
GLOSSARY_LINK = re.compile(r"\[([^\]]+)\]\(glossary:([a-z0-9-]+)\)")
NOTEBOOK_NAME = re.compile(r"^\d\d_[a-z0-9_]+\.ipynb$")


@dataclass(frozen=True)
class Block:
    """One cell: Markdown with its role, or a call to show a quiz, aid or figure."""

    kind: str  # "markdown" or one of CALLS
    role: str  # for markdown: a ROLES entry or "chunk"; for calls: the argument
    text: str
    line: int  # cell number, 1-based, for messages

    @property
    def patient_facing(self) -> bool:
        return self.kind == "markdown" and self.role in PATIENT_ROLES


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    minutes: int
    file: str
    blocks: tuple[Block, ...]

    def calls(self, kind: str) -> list[str]:
        return [b.role for b in self.blocks if b.kind == kind]

    def banks(self) -> list[str]:
        """The question banks this part's quiz cells draw on, each once."""
        return list(dict.fromkeys(quiz_target(role)[0] for role in self.calls("quiz")))

    def markdown(self, *roles: str) -> list[Block]:
        return [b for b in self.blocks if b.kind == "markdown" and (not roles or b.role in roles)]


def quiz_target(role: str) -> tuple[str, str]:
    """`quiz("treatment")` shows the bank's end-of-part check; `quiz("treatment:plans")` a quick check inside the
    part, made of the bank's questions marked `checkpoint: plans` (so a phone learner meets a question every few
    screens, about what they just read). Returns (bank, checkpoint); the checkpoint is "" for the end-of-part check.
    """
    bank, _, checkpoint = role.partition(":")
    return bank, checkpoint


def _call_of(source: str) -> tuple[str, str] | None:
    """`quiz("testing")` -> ("quiz", "testing"); None when the cell is anything else."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Expr):
        return None
    call = tree.body[0].value
    if (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in CALLS
            and len(call.args) == 1 and not call.keywords and isinstance(call.args[0], ast.Constant)
            and isinstance(call.args[0].value, str)):
        return call.func.id, call.args[0].value
    return None


def _is_setup(source: str) -> bool:
    return source.strip().startswith("from her2lesson.notebook import")


def read_section(path: Path, label: str) -> tuple[Section | None, list[Problem]]:
    import nbformat  # only here: checking notebooks needs it, serving a checked snapshot does not

    problems: list[Problem] = []
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # nbformat raises several kinds for a broken file
        return None, [Problem(label, 1, "notebook", f"cannot be read: {exc}",
                              "open it in JupyterLab and save it again")]
    meta = nb.metadata.get("her2lesson", {})
    section_id = meta.get("section")
    if not section_id:
        return None, [Problem(label, 1, "notebook", "has no section id in its metadata",
                              'add metadata "her2lesson": {"section": ..., "title": ..., "minutes": ...}')]
    blocks: list[Block] = []
    for number, cell in enumerate(nb.cells, start=1):
        source = cell.source.strip()
        if not source:
            continue
        if cell.cell_type == "markdown":
            tags = [t for t in cell.metadata.get("tags", []) if t in ROLES]
            if len(tags) > 1:
                problems.append(Problem(label, number, f"cell {number}", f"has two role tags {tags}",
                                        "keep one tag per cell"))
            blocks.append(Block("markdown", tags[0] if tags else "chunk", source, number))
        elif cell.cell_type == "code":
            if _is_setup(source):
                continue
            call = _call_of(source)
            if call is None:
                problems.append(Problem(label, number, f"cell {number}",
                                        "code cell is not a single quiz(...), aid(...) or figure(...) call",
                                        'write one call such as quiz("testing"), or move the text to a Markdown cell'))
                continue
            blocks.append(Block(call[0], call[1], source, number))
    title = next((b.text.lstrip("# ").strip() for b in blocks if b.kind == "markdown" and b.role == "title"), "")
    title = meta.get("title") or title
    if not title:
        problems.append(Problem(label, 1, section_id, "has no title", 'add a first Markdown cell tagged "title"'))
    try:
        minutes = int(meta.get("minutes", 5))
    except (TypeError, ValueError):
        minutes = 5
        problems.append(Problem(label, 1, section_id, "`minutes` in the metadata is not a number",
                                "write a whole number"))
    return Section(section_id, title, minutes, label, tuple(blocks)), problems


def section_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.ipynb") if NOTEBOOK_NAME.match(p.name))
