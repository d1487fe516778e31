"""`make deps` (tools/system_deps.py) on simulated machines: nothing installed, no root, CI, root or sudo, all present.

Every run here points the script at files in a temporary folder (HER2LESSON_CHROMIUM, HER2LESSON_INITDB_GLOB,
HER2LESSON_NGINX, HER2LESSON_CHP), sets who it runs as (HER2LESSON_DEPS_PRIVILEGE) and gives it a fake apt-get and a
fake npm that only log their arguments and "install" by creating those files, so nothing here needs or touches the
machine's real packages. JupyterHub's proxy (from npm) is present unless a test removes it.
"""
from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

SCRIPT = ROOT / "tools" / "system_deps.py"
ALL = ("chromium", "postgresql", "nginx")

FAKE_APT = """#!/bin/sh
PATH=/usr/bin:/bin
echo "$DEBIAN_FRONTEND $*" >> "$FAKE_APT_LOG"
[ "$1" = install ] || exit 0
for p in "$@"; do
  if [ "$p" = chromium ] && [ -n "$FAKE_APT_NO_CHROMIUM" ]; then
    echo "E: Unable to locate package chromium" >&2; exit 100
  fi
done
for p in "$@"; do
  case "$p" in
    chromium) mkdir -p "$(dirname "$HER2LESSON_CHROMIUM")" && : > "$HER2LESSON_CHROMIUM" ;;
    nginx) mkdir -p "$(dirname "$HER2LESSON_NGINX")" && : > "$HER2LESSON_NGINX" ;;
    postgresql) mkdir -p "$FAKE_PG_BIN" && : > "$FAKE_PG_BIN/initdb" && : > "$FAKE_PG_BIN/pg_ctl" \
                && : > "$FAKE_PG_BIN/postgres" ;;
  esac
done
"""
FAKE_NPM = """#!/bin/sh
PATH=/usr/bin:/bin
echo "$*" >> "$FAKE_NPM_LOG"
mkdir -p "$(dirname "$HER2LESSON_CHP")" && : > "$HER2LESSON_CHP"
"""


class Machine:
    """A simulated machine: where the packages would be, who we are, and a fake apt-get that logs its calls."""

    def __init__(self, tmp: Path, privilege: str = "none"):
        self.tmp, self.privilege = tmp, privilege
        self.chromium, self.nginx = tmp / "usr/bin/chromium", tmp / "usr/sbin/nginx"
        self.pg_bin = tmp / "usr/lib/postgresql/17/bin"
        self.stamp, self.log = tmp / "venv/.system-deps", tmp / "apt.log"
        self.apt, self.npm, self.npm_log = tmp / "fakebin/apt-get", tmp / "fakebin/npm", tmp / "npm.log"
        self.apt.parent.mkdir(parents=True)
        for path, script in ((self.apt, FAKE_APT), (self.npm, FAKE_NPM)):
            path.write_text(script)
            path.chmod(0o755)
        self.chp = tmp / "usr/local/bin/configurable-http-proxy"
        self.install("configurable-http-proxy")
        (tmp / "emptybin").mkdir()
        self.extra: dict[str, str] = {}

    def install(self, *packages: str) -> None:
        for package in packages:
            paths = {"chromium": [self.chromium], "nginx": [self.nginx], "configurable-http-proxy": [self.chp],
                     "postgresql": [self.pg_bin / tool for tool in ("initdb", "pg_ctl", "postgres")]}[package]
            for path in paths:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.touch()

    def run(self, *args: str, ci: bool = False) -> subprocess.CompletedProcess:
        env = {
            "PATH": str(self.tmp / "emptybin"),  # no nginx, sudo or apt-get found by name
            "HER2LESSON_CHROMIUM": str(self.chromium),
            "HER2LESSON_INITDB_GLOB": str(self.tmp / "usr/lib/postgresql/*/bin/initdb"),
            "HER2LESSON_NGINX": str(self.nginx),
            "HER2LESSON_APT_GET": str(self.apt),
            "HER2LESSON_CHP": str(self.chp), "HER2LESSON_NPM": str(self.npm), "FAKE_NPM_LOG": str(self.npm_log),
            "HER2LESSON_DEPS_PRIVILEGE": self.privilege,
            "FAKE_APT_LOG": str(self.log), "FAKE_PG_BIN": str(self.pg_bin),
            **({"CI": "true"} if ci else {}), **self.extra,
        }
        return subprocess.run([sys.executable, "-S", str(SCRIPT), "--stamp", str(self.stamp), *args], env=env,
                              capture_output=True, text=True, timeout=30)

    def apt_calls(self) -> list[str]:
        return self.log.read_text().splitlines() if self.log.exists() else []


@pytest.fixture
def machine(tmp_path: Path) -> Machine:
    return Machine(tmp_path)


def skipped_lines(out: str) -> list[str]:
    return out.split("Until then `make test` skips these tests:\n", 1)[1].strip().splitlines()


def test_nothing_installed_and_no_root_prints_the_command_and_the_skipped_tests(machine):
    for args in ((), ("--dry-run",)):
        done = machine.run(*args)
        assert done.returncode == 0, done.stderr
        assert "\n    sudo apt-get install chromium postgresql nginx\n" in done.stdout
        assert "not root, and sudo is missing or needs a password" in done.stdout
        skipped = skipped_lines(done.stdout)
        assert len(skipped) == 3
        assert skipped[0].startswith("tests/browser/ (every browser test)") and skipped[0].endswith("chromium")
        assert "tests/test_records_postgres.py" in skipped[1] and skipped[1].endswith("need postgresql")
        assert skipped[2].strip() == "tests/browser/test_deploy.py needs nginx"
    assert machine.apt_calls() == [] and not machine.stamp.exists()  # nothing tried, so nothing remembered


def test_only_the_missing_packages_are_named(machine):
    machine.install("chromium", "nginx")
    done = machine.run()
    assert done.returncode == 0
    assert "\n    sudo apt-get install postgresql\n" in done.stdout
    skipped = skipped_lines(done.stdout)
    assert len(skipped) == 1 and skipped[0].endswith("need postgresql")
    assert "chromium" not in done.stdout.split("Install them with")[1]


def test_under_ci_a_package_that_cannot_be_installed_is_an_error(machine):
    for args in ((), ("--dry-run",)):
        done = machine.run(*args, ci=True)
        assert done.returncode == 1
        assert "CI=true: chromium, postgresql, nginx must be installed; CI never skips these tests." in done.stderr
        assert "sudo apt-get install chromium postgresql nginx" in done.stdout
    assert machine.apt_calls() == []


def test_all_present_says_nothing_to_do(machine):
    machine.install(*ALL)
    for ci in (False, True):
        done = machine.run(ci=ci)
        assert done.returncode == 0, done.stderr
        assert done.stdout == ("System packages for the tests (chromium, postgresql, nginx, configurable-http-proxy): "
                               "all present, nothing to do.\n")
    assert machine.apt_calls() == [] and not machine.stamp.exists()


@pytest.mark.parametrize("privilege, prefix", [("root", "DEBIAN_FRONTEND=noninteractive "),
                                               ("sudo", "sudo -n env DEBIAN_FRONTEND=noninteractive ")])
def test_dry_run_as_root_or_with_sudo_prints_the_apt_commands_and_runs_nothing(tmp_path, privilege, prefix):
    machine = Machine(tmp_path, privilege)
    machine.install("nginx")
    done = machine.run("--dry-run", ci=True)  # under CI too: it would install them, so this is no error
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "Dry run: would install chromium, postgresql from the system's packages, running:",
        f"    {prefix}{machine.apt} update -qq",
        f"    {prefix}{machine.apt} install -y -qq chromium postgresql",
        "Nothing was changed.",
    ]
    assert machine.apt_calls() == [] and not machine.stamp.exists() and not machine.chromium.exists()


def test_as_root_it_installs_the_missing_packages_once_and_reports_one_removed_later(tmp_path):
    machine = Machine(tmp_path, "root")
    machine.install("nginx")
    done = machine.run(ci=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert machine.apt_calls() == ["noninteractive update -qq", "noninteractive install -y -qq chromium postgresql"]
    assert "Installed; all present." in done.stdout
    assert machine.chromium.exists() and (machine.pg_bin / "initdb").exists()

    again = machine.run()
    assert again.returncode == 0 and "nothing to do" in again.stdout
    assert len(machine.apt_calls()) == 2  # a second `make test` does not run apt-get

    machine.chromium.unlink()  # removed by hand later: noticed and said, not reinstalled behind the user's back
    removed = machine.run()
    assert removed.returncode == 0
    assert "chromium: `make deps` had apt-get install it before, so it was removed since" in removed.stdout
    assert "\n    apt-get install chromium\n" in removed.stdout  # root: no sudo in the command
    assert skipped_lines(removed.stdout)[0].startswith("tests/browser/")
    assert len(machine.apt_calls()) == 2
    assert machine.run(ci=True).returncode == 1  # and CI still refuses to skip the browser tests

    machine.stamp.unlink()  # what the message says to do to let apt-get try again
    assert machine.run().returncode == 0 and machine.chromium.exists()
    assert machine.apt_calls()[2:] == ["noninteractive update -qq", "noninteractive install -y -qq chromium"]


def test_a_package_apt_cannot_find_does_not_keep_the_others_out_and_is_not_retried(tmp_path):
    machine = Machine(tmp_path, "root")
    machine.extra["FAKE_APT_NO_CHROMIUM"] = "1"  # as on Ubuntu, which has no chromium .deb
    done = machine.run()
    assert done.returncode == 0
    install = "noninteractive install -y -qq "
    assert machine.apt_calls() == ["noninteractive update -qq", install + "chromium postgresql nginx",
                                   install + "chromium", install + "postgresql", install + "nginx"]
    assert machine.nginx.exists() and (machine.pg_bin / "postgres").exists() and not machine.chromium.exists()
    assert "chromium: apt-get could not install it (E: Unable to locate package chromium)" in done.stdout
    assert "HER2LESSON_CHROMIUM=/path/to/chrome" in done.stdout
    assert [line.split()[0] for line in skipped_lines(done.stdout)] == ["tests/browser/"]

    later = machine.run()
    assert len(machine.apt_calls()) == 5  # apt-get had its one go
    assert "apt-get could not install it (E: Unable to locate package chromium); not tried again" in later.stdout
    assert machine.run(ci=True).returncode == 1


def test_jupyterhubs_proxy_comes_from_npm_once_and_a_dry_run_only_names_the_command(tmp_path):
    machine = Machine(tmp_path, "root")
    machine.install(*ALL)
    machine.chp.unlink()
    dry = machine.run("--dry-run", ci=True)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines() == [
        "Dry run: would install configurable-http-proxy from the npm registry, running:",
        f"    {machine.npm} install -g --no-fund --no-audit --loglevel=error configurable-http-proxy",
        "Nothing was changed.",
    ]
    assert not machine.npm_log.exists() and not machine.chp.exists()
    done = machine.run(ci=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Installed; all present." in done.stdout and machine.chp.exists()
    assert machine.npm_log.read_text().splitlines() == [
        "install -g --no-fund --no-audit --loglevel=error configurable-http-proxy"]
    assert machine.apt_calls() == []  # not a Debian package here: apt-get is not asked
    machine.chp.unlink()  # removed later: said, not installed again behind the user's back
    later = machine.run()
    assert "configurable-http-proxy: `make deps` had npm install it before" in later.stdout
    assert skipped_lines(later.stdout) == ["tests/browser/test_jupyterhub.py needs configurable-http-proxy"]
    assert len(machine.npm_log.read_text().splitlines()) == 1


def test_without_npm_it_names_the_npm_command_and_ci_refuses_to_skip(tmp_path):
    machine = Machine(tmp_path, "root")
    machine.install("chromium", "postgresql")
    machine.chp.unlink()
    machine.extra["HER2LESSON_NPM"] = ""
    done = machine.run(ci=True)
    assert done.returncode == 1
    assert machine.apt_calls()[-1] == "noninteractive install -y -qq nginx"  # what apt-get can do is still done
    assert "make cannot install configurable-http-proxy here: npm was not found." in done.stdout
    assert "\n    npm install -g configurable-http-proxy\n" in done.stdout
    assert "CI=true: configurable-http-proxy must be installed" in done.stderr


def test_without_apt_get_it_says_so_and_names_the_debian_command(machine):
    machine.privilege = "root"
    machine.extra["HER2LESSON_APT_GET"] = ""
    done = machine.run()
    assert done.returncode == 0
    assert "make cannot install them here: apt-get was not found." in done.stdout
    assert "with your system's package manager; on Debian or Ubuntu:\n    apt-get install chromium postgresql nginx\n" \
        in done.stdout
    assert machine.apt_calls() == []


def test_the_skipped_tests_it_names_are_the_ones_that_need_each_package():
    spec = importlib.util.spec_from_file_location("system_deps", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    named = {need.package: set(re.findall(r"tests/[\w/]+(?:\.py|/)", need.skipped)) for need in module.NEEDS}
    for paths in named.values():
        assert all((ROOT / path).exists() for path in paths), paths
    assert named["chromium"] == {"tests/browser/"}
    files = [p for p in sorted((ROOT / "tests").rglob("test_*.py")) if p.name != "test_system_deps.py"]
    # A test file needs PostgreSQL when it asks for the `database` fixture or builds on the PostgreSQL test files.
    uses_pg = re.compile(r"def \w+\([^)]*\bdatabase\b|getfixturevalue\(\"database\"\)|"
                         r"from \S*(postgres_server|test_records_postgres) import")
    assert named["postgresql"] == {str(p.relative_to(ROOT)) for p in files if uses_pg.search(p.read_text())}
    # ...and nginx when it asks for the `nginx_binary` fixture (manifests that merely name ingress-nginx do not)
    uses_nginx = re.compile(r"def \w+\([^)]*\bnginx_binary\b")
    assert named["nginx"] == {str(p.relative_to(ROOT)) for p in files if uses_nginx.search(p.read_text())}


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_test_runs_deps_before_pytest_and_make_serve_does_not():
    def planned(*args: str) -> str:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))}
        return subprocess.run(["make", "-n", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=30).stdout

    test = planned("test")
    assert test.index("tools/system_deps.py") < test.index("-m pytest")
    assert "tools/system_deps.py" not in planned("serve")
    assert re.search(r"tools/system_deps\.py .*--dry-run", planned("deps", "DRY_RUN=1"))
    assert "--dry-run" not in planned("deps")


def test_ci_runs_make_test_with_ci_set_and_installs_nothing_itself():
    run = (ROOT / ".ci" / "run").read_text()
    commands = [line for line in run.splitlines() if line.strip() and not line.startswith("#")]
    assert commands == ["set -euo pipefail", 'cd "$(dirname "$0")/.."', 'export CI="${CI:-true}"', "make test"]
