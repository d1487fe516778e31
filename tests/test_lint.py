"""The code is linted in every test run (ruff: pyflakes, pycodestyle, bugbear and import order; settings in
pyproject.toml), so an unused import, a name that is never defined or a bug-prone pattern fails `make test`."""
from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT


def test_ruff_finds_nothing():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "her2lesson", "tests", "benchmarks"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
