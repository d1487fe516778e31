"""Learner records on a real PostgreSQL server that this file starts, uses and removes.

The server is Debian's `postgresql` package (binaries under /usr/lib/postgresql/*/bin), run as the `postgres` user
when the tests run as root (initdb refuses root), on a free loopback port with trust authentication, in a
temporary folder. Each test gets a new database. Outside CI a missing server skips these tests with the reason;
under CI=true it is a failure (.ci/run installs the package).
"""
from __future__ import annotations

import glob
import itertools
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from her2lesson import cli
from her2lesson.records import StoreError, open_store
from tests.test_records import Clock, TestStoreBehaviour  # noqa: F401 - collected here again, on PostgreSQL

pytestmark = pytest.mark.timeout(120)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI needs it (.ci/run installs Debian's postgresql package)", pytrace=False)
    pytest.skip(reason)


def _server_bin() -> Path | None:
    found = [Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")]
    found = [b for b in found if (b / "pg_ctl").exists() and (b / "postgres").exists()]
    return max(found, key=lambda b: int(re.sub(r"\D", "", b.parent.name) or 0)) if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, bindir: Path, root: Path, port: int, as_postgres: bool):
        self.bindir, self.root, self.port = bindir, root, port
        self.prefix = ["runuser", "-u", "postgres", "--"] if as_postgres else []
        self.data = root / "data"

    def run(self, tool: str, *args: str) -> None:
        done = subprocess.run([*self.prefix, str(self.bindir / tool), *args], cwd=self.root, capture_output=True,
                              text=True, timeout=90)
        if done.returncode:
            pytest.fail(f"{tool} failed ({done.returncode}): {done.stdout}{done.stderr}", pytrace=False)

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"


@pytest.fixture(scope="session")
def postgres() -> Iterator[Server]:
    bindir = _server_bin()
    if bindir is None:
        _unavailable("PostgreSQL server not installed (no /usr/lib/postgresql/*/bin/initdb; apt-get install postgresql)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("psycopg is not installed (pip install -e .)")
    as_postgres = os.geteuid() == 0
    if as_postgres:
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            _unavailable("no 'postgres' system user to run the server as (initdb refuses root)")
    root = Path(tempfile.mkdtemp(prefix="her2lesson-pg-"))
    if as_postgres:
        os.chown(root, user.pw_uid, user.pw_gid)
    server = Server(bindir, root, _free_port(), as_postgres)
    started = False
    try:
        server.run("initdb", "-D", str(server.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                   "--locale=C", "--no-sync")
        options = (f"-c listen_addresses=127.0.0.1 -p {server.port} -c unix_socket_directories={root} "
                   "-c fsync=off -c max_connections=120")
        server.run("pg_ctl", "-D", str(server.data), "-l", str(root / "server.log"), "-o", options, "-w", "-t", "60",
                   "start")
        started = True
        yield server
    finally:
        if started:
            server.run("pg_ctl", "-D", str(server.data), "-m", "fast", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


_databases = itertools.count(1)


@pytest.fixture
def database(postgres: Server) -> str:
    """A new, empty database on the test server; its URL."""
    import psycopg

    name = f"records_{os.getpid()}_{next(_databases)}"
    with psycopg.connect(postgres.url(), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return postgres.url(name)


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
    assert tables == {"meta", "cohorts", "learners", "answers"}
    assert versions == [("1",)]


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
    assert "basics-what" in out and "0% (0/1)" in out and "100% (1/1)" in out and learner.resume_code in out
    assert cli.main(["erase", learner.resume_code, "--database-url", database]) == 0
    assert cli.main(["erase", learner.resume_code, "--database-url", database]) == 1
    assert "No learner has that resume code" in capsys.readouterr().err
    assert cli.main(["results", "12345", "--database-url", database]) == 1
