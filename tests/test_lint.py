"""The code is linted and type-checked in every test run (ruff: pyflakes, pycodestyle, bugbear and import order;
mypy on her2lesson/; settings for both in pyproject.toml), so an unused import, a name that is never defined, a
bug-prone pattern or a type error fails `make test`."""
from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT


def test_ruff_finds_nothing():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "her2lesson", "tests", "benchmarks",
                             "tools"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_finds_nothing():
    """mypy with pyproject.toml's [tool.mypy] settings (files, strictness, which imports have no types)."""
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
