#!/usr/bin/env python3
"""The system packages `make test` needs that pip cannot install: Chromium, PostgreSQL's server, nginx, and
JupyterHub's proxy (configurable-http-proxy, an npm package).

`make deps` (which `make test` runs first) calls this. For each package it looks where the tests look. A missing one
is installed from the system's packages when the machine allows it (running as root, or password-less `sudo -n`, and
apt-get present): `apt-get update` once, then `apt-get install -y -qq`, output kept unless it fails; the npm package
the same way with `npm install -g` (npm present). Otherwise it
prints one block: the exact command to run and which tests are skipped until then, and exits 0 so `make test` runs
the rest. Under CI=true a package that is still missing is an error (exit 1): CI must never skip those tests.

Once: presence is checked on every run (a few file lookups, so a package removed later is always noticed), but
apt-get runs at most once per package. The stamp (.venv/.system-deps, JSON keyed on this script's content) records
each package apt-get was asked for and how it went; a package in it that is missing again (removed since, or apt-get
failed, e.g. Ubuntu has no chromium .deb) is reported with the command and the skipped tests, not handed to apt-get
on every `make test`. Deleting the stamp (or changing this script) lets apt-get try again. Nothing is recorded when
nothing was tried (no root, no sudo), so that case is checked afresh every time.

`--dry-run` (`make deps DRY_RUN=1`) says what would be installed and the commands it would run, and changes nothing.

Overrides, for tests that simulate another machine (none is needed in normal use):
  HER2LESSON_CHROMIUM       the Chromium the browser tests use (default /usr/bin/chromium; the tests read it too)
  HER2LESSON_INITDB_GLOB    where PostgreSQL's initdb is looked for (default /usr/lib/postgresql/*/bin/initdb)
  HER2LESSON_NGINX          the nginx binary (default: nginx on PATH, else /usr/sbin/nginx, as tests/browser does)
  HER2LESSON_APT_GET        the apt-get to run ("" for none; default apt-get on PATH)
  HER2LESSON_CHP            JupyterHub's proxy ("" for none; default configurable-http-proxy on PATH, as the hub does)
  HER2LESSON_NPM            the npm to run ("" for none; default npm on PATH)
  HER2LESSON_DEPS_PRIVILEGE root, sudo or none, instead of looking at the user id and `sudo -n true`
Python 3.11 standard library only; it runs before .venv exists.
"""
from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_STAMP = ROOT / ".venv" / ".system-deps"
APT_ENV = "DEBIAN_FRONTEND=noninteractive"


def _chromium() -> bool:
    # Exactly what tests/browser/conftest.py checks: a Chromium elsewhere on PATH would still leave them skipped.
    return Path(os.environ.get("HER2LESSON_CHROMIUM") or "/usr/bin/chromium").exists()


def _postgresql() -> bool:
    # As tests/postgres_server.py: initdb with pg_ctl and postgres beside it (the server package, not the client).
    pattern = os.environ.get("HER2LESSON_INITDB_GLOB") or "/usr/lib/postgresql/*/bin/initdb"
    return any((Path(p).parent / "pg_ctl").exists() and (Path(p).parent / "postgres").exists()
               for p in glob.glob(pattern))


def _nginx() -> bool:
    override = os.environ.get("HER2LESSON_NGINX")
    if override is not None:
        return bool(override) and Path(override).exists()
    return Path(shutil.which("nginx") or "/usr/sbin/nginx").exists()  # as tests/browser/test_deploy.py


def _proxy() -> bool:
    # What JupyterHub starts (tests/browser/test_jupyterhub.py checks the same): configurable-http-proxy on PATH.
    override = os.environ.get("HER2LESSON_CHP")
    if override is not None:
        return bool(override) and Path(override).exists()
    return shutil.which("configurable-http-proxy") is not None


@dataclass(frozen=True)
class Need:
    package: str  # the Debian (and Ubuntu) package name, or the npm package's with via="npm"
    present: Callable[[], bool]
    skipped: str  # the tests skipped without it
    via: str = "apt"  # what installs it: apt-get, or npm (the npm registry: not every npm package is a .deb)


NEEDS = (
    Need("chromium", _chromium, "tests/browser/ (every browser test) need chromium"),
    Need("postgresql", _postgresql,
         "tests/test_records_postgres.py, tests/test_certificate_postgres.py, tests/browser/test_deploy.py and the "
         "PostgreSQL runs of tests/browser/test_records_browser.py and tests/test_identity.py need postgresql"),
    Need("nginx", _nginx, "tests/browser/test_deploy.py needs nginx"),
    Need("configurable-http-proxy", _proxy, "tests/browser/test_jupyterhub.py needs configurable-http-proxy",
         via="npm"),
)
CHROMIUM_HINT = ("(Ubuntu has no chromium .deb, only a snap: any Chromium will do, named by "
                 "HER2LESSON_CHROMIUM=/path/to/chrome,\n e.g. one from `.venv/bin/python -m playwright install "
                 "chromium`.)")


def is_root() -> bool:
    forced = os.environ.get("HER2LESSON_DEPS_PRIVILEGE")
    return forced == "root" if forced else os.geteuid() == 0


def privilege() -> str:
    """root, sudo (password-less: `sudo -n`, which never asks for a password) or none."""
    forced = os.environ.get("HER2LESSON_DEPS_PRIVILEGE")
    if forced:
        return forced
    if is_root():
        return "root"
    if shutil.which("sudo"):
        try:
            done = subprocess.run(["sudo", "-n", "true"], stdin=subprocess.DEVNULL, capture_output=True, timeout=15)
        except (OSError, subprocess.TimeoutExpired):
            return "none"
        if done.returncode == 0:
            return "sudo"
    return "none"


def apt_get() -> str | None:
    override = os.environ.get("HER2LESSON_APT_GET")
    return (override or None) if override is not None else shutil.which("apt-get")


def npm() -> str | None:
    override = os.environ.get("HER2LESSON_NPM")
    return (override or None) if override is not None else shutil.which("npm")


def npm_command(npm_path: str, how: str, packages: list[str]) -> list[str]:
    prefix = ["sudo", "-n"] if how == "sudo" else []
    return [*prefix, npm_path, "install", "-g", "--no-fund", "--no-audit", "--loglevel=error", *packages]


def apt_commands(apt: str, how: str, packages: list[str]) -> list[list[str]]:
    prefix = ["sudo", "-n", "env", APT_ENV] if how == "sudo" else []  # sudo drops the caller's environment
    return [[*prefix, apt, "update", "-qq"], [*prefix, apt, "install", "-y", "-qq", *packages]]


def shown(command: list[str], how: str) -> str:
    return ("" if how == "sudo" else APT_ENV + " ") + shlex.join(command)


def script_key() -> str:
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


def read_stamp(path: Path) -> dict[str, str]:
    """The packages apt-get was already asked for by this version of the script: {package: outcome}."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data.get("tried", {}) if isinstance(data, dict) and data.get("script") == script_key() else {}


def write_stamp(path: Path, tried: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"script": script_key(), "tried": tried}, indent=1) + "\n")


def run_apt(command: list[str]) -> str | None:
    """Run one apt-get (or npm) command quietly; None when it worked, else the last lines it printed."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env, timeout=1800)
    except (OSError, subprocess.TimeoutExpired) as error:
        return str(error)
    if done.returncode == 0:
        return None
    lines = (done.stdout + done.stderr).strip().splitlines()
    return " / ".join(lines[-3:]) or f"exit status {done.returncode}"


def install_npm(npm_path: str, how: str, packages: list[str]) -> dict[str, str]:
    """npm install -g, all in one go. {package: "installed" or "failed: why"}."""
    failed = run_apt(npm_command(npm_path, how, packages))
    return {p: "installed" if failed is None else f"failed: {failed}" for p in packages}


def install(apt: str, how: str, packages: list[str]) -> dict[str, str]:
    """apt-get update once, then install all in one go; if that fails, one by one (so one package with no candidate,
    such as chromium on Ubuntu, does not keep the others out). {package: "installed" or "failed: why"}."""
    update, together = apt_commands(apt, how, packages)
    failed = run_apt(update)
    if failed:
        return {p: f"failed: apt-get update: {failed}" for p in packages}
    failed = run_apt(together)
    if not failed:
        return dict.fromkeys(packages, "installed")
    if len(packages) == 1:
        return {packages[0]: f"failed: {failed}"}
    outcome = {}
    for package in packages:
        alone = run_apt(apt_commands(apt, how, [package])[1])
        outcome[package] = "installed" if alone is None else f"failed: {alone}"
    return outcome


def report(still: list[Need], why: list[str], apt: str | None) -> None:
    """The one block printed when packages are missing and stay missing: the command, and the tests skipped."""
    names = [n.package for n in still if n.via == "apt"]
    from_npm = [n.package for n in still if n.via == "npm"]
    sudo = "" if is_root() else "sudo "
    command = sudo + "apt-get install " + " ".join(names)
    print(f"Missing system packages for the tests: {', '.join(n.package for n in still)}.", *why, sep="\n")
    if names and apt:
        print(f"Install them with:\n    {command}")
    elif names:
        print(f"Install them with your system's package manager; on Debian or Ubuntu:\n    {command}")
    if from_npm:
        print(f"Install {', '.join(from_npm)} from the npm registry (Node.js and npm first if missing: {sudo}apt-get "
              f"install npm):\n    {sudo}npm install -g {' '.join(from_npm)}")
    if "chromium" in names:
        print(CHROMIUM_HINT)
    print("Until then `make test` skips these tests:")
    for need in still:
        print(f"    {need.skipped}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dry-run", action="store_true", help="say what would be installed; change nothing")
    parser.add_argument("--stamp", type=Path, default=DEFAULT_STAMP, help="where apt-get attempts are recorded")
    args = parser.parse_args(argv)
    ci = os.environ.get("CI") == "true"

    missing = [n for n in NEEDS if not n.present()]
    if not missing:
        print(f"System packages for the tests ({', '.join(n.package for n in NEEDS)}): all present, nothing to do.")
        return 0

    tried = read_stamp(args.stamp)
    again = [n for n in missing if n.package in tried]  # apt-get had its one go at these
    fresh = [n for n in missing if n.package not in tried]
    tool = {"apt": "apt-get", "npm": "npm"}
    why = [f"{n.package}: `make deps` had {tool[n.via]} install it before, so it was removed since; it is not "
           f"installed again by itself (delete {args.stamp} to let it)" if tried[n.package] == "installed" else
           f"{n.package}: {tool[n.via]} could not install it ({tried[n.package].removeprefix('failed: ')}); not tried "
           f"again by itself (delete {args.stamp} to let it)" for n in again]
    how = privilege() if fresh else "none"
    apt, npm_path = apt_get(), npm()
    fresh_npm = [n for n in fresh if n.via == "npm"]
    fresh = [n for n in fresh if n.via == "apt"]
    still = list(missing)
    if fresh and how in ("root", "sudo") and apt:
        packages = [n.package for n in fresh]
        if args.dry_run:
            print(f"Dry run: would install {', '.join(packages)} from the system's packages, running:")
            for command in apt_commands(apt, how, packages):
                print(f"    {shown(command, how)}")
            print("Nothing was changed.")
            still = [n for n in still if n not in fresh]
        else:
            print(f"Installing {', '.join(packages)} for the tests (apt-get, quietly, once)...", flush=True)
            outcome = install(apt, how, packages)
            tried = {**tried, **outcome}
            write_stamp(args.stamp, tried)
            still = [n for n in missing if not n.present()]
            why += [f"{n.package}: apt-get could not install it ({outcome[n.package].removeprefix('failed: ')})"
                    for n in still if outcome.get(n.package, "installed") != "installed"]
            why += [f"{n.package}: apt-get installed the package but the tests still do not find it"
                    for n in still if outcome.get(n.package) == "installed"]
            if not still:
                print("Installed; all present.")
    elif fresh:
        why.append("make cannot install them here: " + (
            "apt-get was not found" if not apt else "not root, and sudo is missing or needs a password") + ".")
    if fresh_npm and how in ("root", "sudo") and npm_path:
        packages = [n.package for n in fresh_npm]
        if args.dry_run:
            print(f"Dry run: would install {', '.join(packages)} from the npm registry, running:")
            print(f"    {shlex.join(npm_command(npm_path, how, packages))}")
            print("Nothing was changed.")
            still = [n for n in still if n not in fresh_npm]
        else:
            print(f"Installing {', '.join(packages)} for the tests (npm, quietly, once)...", flush=True)
            outcome = install_npm(npm_path, how, packages)
            write_stamp(args.stamp, {**tried, **outcome})
            still = [n for n in missing if not n.present()]
            why += [f"{n.package}: npm could not install it ({outcome[n.package].removeprefix('failed: ')})"
                    for n in still if outcome.get(n.package, "installed") != "installed"]
            why += [f"{n.package}: npm installed it but the tests still do not find it on PATH"
                    for n in still if outcome.get(n.package) == "installed"]
            if not still:
                print("Installed; all present.")
    elif fresh_npm:
        why.append("make cannot install " + ", ".join(n.package for n in fresh_npm) + " here: " + (
            "npm was not found" if not npm_path else "not root, and sudo is missing or needs a password") + ".")
    if not still:
        return 0
    report(still, why, apt)
    if ci:
        print(f"CI=true: {', '.join(n.package for n in still)} must be installed; CI never skips these tests.",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
