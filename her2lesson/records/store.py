"""Which store to open, and the one interface both backends give.

Where the records are, first match wins (an explicit choice beats the environment, which beats the default):
1. a `url` argument (`--database-url`): PostgreSQL;
2. a `data_dir` argument (`--data-dir`): SQLite in `data_dir/records.sqlite3`;
3. HER2LESSON_DATABASE_URL, then HER2LESSON_DATA_DIR, from the environment (how `her2lesson serve` reaches its
   kernels, as with the other settings);
4. SQLite in `<content dir>/var/records.sqlite3` (`var/` is not committed).
"""
from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from ..paths import content_dir
from ..quiz.ledger import ScoredCheck
from .errors import StoreError
from .models import Cohort, IssuedCertificate, Learner, LearnerRecord
from .results import CohortResults
from .sql import LtiGrade

DATA_DIR_ENV = "HER2LESSON_DATA_DIR"
DATABASE_URL_ENV = "HER2LESSON_DATABASE_URL"
POSTGRES_SCHEMES = ("postgresql://", "postgres://")


@runtime_checkable
class Store(Protocol):
    """Learner records: resume codes (or a one-way key from JupyterHub or a learning platform), saved state, answer
    events, cohorts and their results, certificates issued."""

    location: str

    def create_learner(self, track: str, cohort_id: int | None = None) -> Learner: ...
    def find_learner(self, code: str) -> Learner | None: ...
    def find_external_learner(self, key: str, cohort_id: int | None = None) -> Learner | None: ...
    def external_learner(self, key: str, source: str, track: str, cohort_id: int | None = None) -> Learner: ...
    def identity_secret(self) -> bytes: ...
    def load_state(self, learner_id: int) -> dict[str, Any] | None: ...
    def save_state(self, learner_id: int, state: dict[str, Any]) -> bool: ...
    def record_answer(self, learner_id: int, question_id: str, kind: str, correct: bool | None = None, *,
                      section: str = "", answer: Any = None) -> bool: ...
    def load(self, learner_id: int) -> LearnerRecord | None: ...
    def create_cohort(self, name: str) -> Cohort: ...
    def cohort(self, cohort_id: int) -> Cohort | None: ...
    def cohort_by_join_code(self, code: str) -> Cohort | None: ...
    def cohort_by_educator_code(self, code: str) -> Cohort | None: ...
    def results(self, cohort_id: int, *, scored: ScoredCheck | None = None,
                lang: str | None = None) -> CohortResults: ...
    def issue_certificate(self, *, score: int, pass_mark: int, provider: str, contact_hours: float, issued: date,
                          name: str) -> IssuedCertificate: ...
    def certificate(self, code: str) -> IssuedCertificate | None: ...
    def lti_cohort(self, issuer: str, context_id: str, name: str) -> Cohort: ...
    def lti_grade_link(self, learner_id: int, lineitem: str, issuer: str, client_id: str, subject: str) -> None: ...
    def lti_grade_result(self, learner_id: int, lineitem: str, score: int, status: str, tries: int,
                         detail: str) -> bool: ...
    def lti_grades(self, *, learner_id: int | None = None, cohort_id: int | None = None) -> list[LtiGrade]: ...
    def erase(self, code: str) -> bool: ...
    def purge(self, older_than_days: float) -> int: ...
    def count(self, table: str) -> int: ...
    def schema_version(self) -> int: ...
    def close(self) -> None: ...
    def __enter__(self) -> Store: ...  # `with open_store() as store:` closes the store after
    def __exit__(self, *exc: object) -> None: ...


def default_data_dir(content_root: Path | None = None) -> Path:
    """HER2LESSON_DATA_DIR, or `var/` in the content folder."""
    configured = os.environ.get(DATA_DIR_ENV)
    return Path(configured) if configured else (content_root or content_dir()) / "var"


def locate(url: str | None = None, data_dir: Path | None = None, content_root: Path | None = None) -> str | Path:
    """A PostgreSQL URL, or the path of the SQLite file (see the module's docstring for the order)."""
    if url:
        return url
    if data_dir is not None:
        return Path(data_dir) / "records.sqlite3"
    env_url = os.environ.get(DATABASE_URL_ENV)
    if env_url:
        return env_url
    return default_data_dir(content_root) / "records.sqlite3"


def add_store_options(parser: argparse.ArgumentParser) -> None:
    """--data-dir and --database-url, for `serve` and every records command alike."""
    parser.add_argument("--data-dir", type=Path, default=None,
                        help=f"folder of the SQLite learner records (default: ${DATA_DIR_ENV}, or var/ in the "
                             f"content folder)")
    parser.add_argument("--database-url", default=None,
                        help=f"postgresql://user@host:port/dbname to keep the records in PostgreSQL instead, shared "
                             f"by several servers (default: ${DATABASE_URL_ENV})")


def store_env(url: str | None, data_dir: Path | None) -> dict[str, str]:
    """The environment that makes a kernel open the same store (for `her2lesson serve` to pass on)."""
    env = {}
    if url:
        env[DATABASE_URL_ENV] = url
    if data_dir is not None:
        env[DATA_DIR_ENV] = str(Path(data_dir).resolve())
    return env


def open_store(url: str | None = None, data_dir: Path | None = None, *, content_root: Path | None = None,
               clock: Callable[[], float] = time.time, create: bool = True) -> Store:
    """Open (and on first use create) the learner records. Raises StoreError with a one-line message.

    `create=False` is for learners' kernels: the server made the records at start, so a missing SQLite file is an
    error to report, not a reason to start an empty one.
    """
    where = locate(url, data_dir, content_root)
    if isinstance(where, Path):
        from .sqlite import SQLiteStore
        return SQLiteStore(where, clock=clock, create=create)
    if where.startswith(POSTGRES_SCHEMES):
        from .postgres import PostgresStore
        return PostgresStore(where, clock=clock)
    scheme = where.split(":", 1)[0] if ":" in where else where[:20]
    raise StoreError("--database-url", f"'{scheme}' is not a database her2lesson can use",
                     "give a postgresql://user@host:port/dbname URL, or leave it out to use SQLite in the data folder")
