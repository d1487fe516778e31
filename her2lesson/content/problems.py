"""A problem found in a content file, said so that an educator can fix it without reading code."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    item: str
    message: str
    fix: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.item}: {self.message} ({self.fix})"


class ContentError(Exception):
    """The content cannot be served as it is; `problems` says where and how to fix it."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
