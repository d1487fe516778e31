"""Certificates on a real PostgreSQL server: the same checks as on SQLite (see tests/test_certificate.py).

The server and a new database per test come from tests/postgres_server.py (skipped with the reason outside CI when
PostgreSQL is not installed).
"""
from __future__ import annotations

import pytest

from tests.test_certificate import TestCertificateRecords  # noqa: F401 - collected here again, on PostgreSQL
from tests.test_records import Clock
from tests.test_records_postgres import make_store  # noqa: F401 - the PostgreSQL fixture, shared

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def where(database: str) -> list[str]:
    """The command-line options that open the same database as `make_store`."""
    return ["--database-url", database]
