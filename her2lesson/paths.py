"""Where the module's content and the package's own assets live.

Content (notebooks and data) sits beside the package in a source checkout; a deployment can point elsewhere with
HER2LESSON_CONTENT_DIR, which `her2lesson serve --content-dir` sets for the kernels it starts.
"""
from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
SHARE_DIR = PACKAGE_DIR / "share" / "jupyter"
TEMPLATE_NAME = "her2lesson"
CONTENT_ENV = "HER2LESSON_CONTENT_DIR"


def content_dir() -> Path:
    """The folder that holds `notebooks/` and `data/`."""
    configured = os.environ.get(CONTENT_ENV)
    return Path(configured).resolve() if configured else PACKAGE_DIR.parent


def data_dir() -> Path:
    return content_dir() / "data"


def notebooks_dir() -> Path:
    return content_dir() / "notebooks"


def dashboard_notebook() -> Path:
    """The one page a learner opens: it composes the section notebooks."""
    return notebooks_dir() / "dashboard.ipynb"
