"""Shared fixtures: the repository's content, and throwaway copies of it to break on purpose."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from her2lesson.content import Content, check

from .postgres_server import database, postgres  # noqa: F401 - fixtures shared by records and browser tests

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def content() -> Content:
    loaded, problems = check(ROOT)
    assert not problems, "\n".join(map(str, problems))
    return loaded


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    """A copy of notebooks/ and data/ that a test may break."""
    for part in ("data", "notebooks"):
        shutil.copytree(ROOT / part, tmp_path / part, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return tmp_path
