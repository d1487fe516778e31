"""Every sentence is ours: the shared originality tool finds no run of 8+ words shared with the article."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT.parent / "shared" / "tools" / "originality.py"


def test_no_sentence_is_shared_with_the_source_article():
    if not TOOL.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the originality tool is missing at {TOOL}")
        pytest.skip(f"the originality tool is not beside this checkout ({TOOL})")
    result = subprocess.run([sys.executable, str(TOOL), str(ROOT)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "0 shared run(s)" in result.stdout
