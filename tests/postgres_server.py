"""A real PostgreSQL server for tests: started once per test session, a new database per test, removed at the end.

Debian's `postgresql` package (binaries under /usr/lib/postgresql/*/bin), run as the `postgres` user when the tests
run as root (initdb refuses root), on a free loopback port with trust authentication, in a temporary folder.
Outside CI a missing server skips with the reason; under CI=true it is a failure (.ci/run installs the package).
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
        _unavailable("PostgreSQL server not installed (no /usr/lib/postgresql/*/bin/initdb; "
                     "apt-get install postgresql)")
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


