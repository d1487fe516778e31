"""Loading and checking the module's content (notebooks and data/).

A learner's kernel only loads checked content (plain.py); checking it (`check`) imports pydantic and yaml, so it is
imported on first use, not with this package.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .plain import Content, load_content
from .problems import ContentError, Problem

if TYPE_CHECKING:
    from .library import check

__all__ = ["Content", "ContentError", "Problem", "check", "load_content"]


def __getattr__(name: str) -> Any:
    if name == "check":
        from .library import check

        return check
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
