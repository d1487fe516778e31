"""Learner records on a real PostgreSQL server that this file starts, uses and removes.

The server is Debian's `postgresql` package (binaries under /usr/lib/postgresql/*/bin), run as the `postgres` user
when the tests run as root (initdb refuses root), on a free loopback port with trust authentication, in a
temporary folder. Each test gets a new database. Outside CI a missing server skips these tests with the reason;
under CI=true it is a failure (.ci/run installs the package).
"""
from __future__ import annotations

import re

import pytest

from her2lesson import cli
from her2lesson.records import StoreError, open_store
from her2lesson.records.sql import SCHEMA_VERSION
from tests.postgres_server import _free_port
from tests.test_records import Clock, TestStoreBehaviour  # noqa: F401 - collected here again, on PostgreSQL

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_store(database: str, clock: Clock):
    """Open a new connection to the test database per call, as separate servers would; all closed at the end."""
    opened = []

    def make(use_clock=clock):
        store = open_store(database, None, **({"clock": use_clock} if use_clock else {}))
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


def test_the_schema_is_made_of_the_expected_tables(make_store, database):
    import psycopg

    make_store()
    make_store()  # again: nothing is created twice
    with psycopg.connect(database) as conn:
        tables = {r[0] for r in conn.execute("SELECT table_name FROM information_schema.tables "
                                             "WHERE table_schema = 'public'")}
        versions = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
    assert tables == {"meta", "cohorts", "learners", "answers", "certificates", "external_learners", "lti_contexts",
                      "lti_grades"}
    assert versions == [(str(SCHEMA_VERSION),)]


def test_a_dropped_connection_is_opened_again(make_store, database):
    import psycopg

    store = make_store()
    learner = store.create_learner("nurse")
    with psycopg.connect(database, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      "WHERE application_name = 'her2lesson' AND datname = current_database()")
    assert store.record_answer(learner.id, "q", "check", True)  # reconnects, and the answer is kept
    assert len(make_store().load(learner.id).answers) == 1


def test_an_unreachable_server_gives_one_line_without_the_password():
    url = f"postgresql://educator:s3cret-pw@127.0.0.1:{_free_port()}/records"
    with pytest.raises(StoreError) as caught:
        open_store(url, None)
    message = str(caught.value)
    assert message.startswith("PostgreSQL educator@127.0.0.1:") and "cannot connect" in message
    assert "s3cret-pw" not in message and "\n" not in message and "--database-url" in message


def test_the_commands_work_against_postgresql(capsys, database):
    assert cli.main(["cohort", "create", "Ward 5, March", "--database-url", database]) == 0
    out = capsys.readouterr().out
    educator = re.search(r"Educator code: ([\w-]+)", out).group(1)
    with open_store(database, None) as store:
        cohort = store.cohort_by_educator_code(educator)
        learner = store.create_learner("nurse", cohort.id)
        store.record_answer(learner.id, "basics-what", "check", False, section="basics")
        store.record_answer(learner.id, "basics-what", "check", True, section="basics")
    assert cli.main(["results", educator, "--database-url", database]) == 0
    out = capsys.readouterr().out
    assert "basics-what" in out and "0% (0/1)" in out and "100% (1/1)" in out and learner.resume_code not in out
    assert cli.main(["erase", learner.resume_code, "--database-url", database]) == 0
    assert cli.main(["erase", learner.resume_code, "--database-url", database]) == 1
    assert "No learner has that resume code" in capsys.readouterr().err
    assert cli.main(["results", "12345", "--database-url", database]) == 1


def test_a_course_and_its_grade_lines_on_postgresql(make_store):
    """The LTI tables on PostgreSQL: one cohort per course, however many launches; a grade line per learner and
    line item, its score and status kept; a second server sees the same."""
    store, other = make_store(), make_store()
    course = store.lti_cohort("https://lms.example", "course-7", "Ward 5 nursing")
    assert other.lti_cohort("https://lms.example", "course-7", "another name").id == course.id
    learner = store.create_learner("nurse", course.id)
    store.lti_grade_link(learner.id, "https://lms.example/lineitems/1", "https://lms.example", "client-1", "sub-42")
    store.lti_grade_link(learner.id, "https://lms.example/lineitems/1", "https://lms.example", "client-1", "sub-42")
    assert store.lti_grade_result(learner.id, "https://lms.example/lineitems/1", 84, "sent", 1, "")
    assert not store.lti_grade_result(learner.id, "https://lms.example/lineitems/9", 84, "sent", 1, "")
    (line,) = other.lti_grades(cohort_id=course.id)
    assert (line.learner_id, line.subject, line.score, line.status, line.tries) == (learner.id, "sub-42", 84, "sent", 1)
