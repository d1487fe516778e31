"""The machine and the code a run measured: cores, memory, package versions, git HEAD, a digest of the engine."""
from __future__ import annotations

import datetime
import hashlib
import importlib.metadata
import os
import platform
from pathlib import Path
from typing import NotRequired, TypedDict

import psutil
from bench_servers import ROOT

PACKAGES = ("voila", "ipywidgets", "jupyter_server", "ipykernel", "jupyter_client", "tornado", "anywidget",
            "jupyterlab", "playwright", "psutil", "her2lesson")


class MachineInfo(TypedDict):
    """`results["meta"]`: taken at the start of a run; the last three keys are added at its end."""

    date_utc: str
    cores_logical: int | None
    cores_physical: int | None
    cpu_model: str | None
    memory_gb: float
    os: str
    python: str
    packages: dict[str, str | None]
    git_head: str | None
    source_digest: str
    load_average_at_start: list[float]
    load_average_at_end: NotRequired[list[float]]
    duration_s: NotRequired[float]
    source_digest_at_end: NotRequired[str]


def version(name: str) -> str | None:
    """The installed version of a distribution, or None."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def git_head() -> str | None:
    """The commit checked out, read from .git's files (the working tree may differ from it)."""
    head = ROOT / ".git" / "HEAD"
    try:
        text = head.read_text().strip()
        if not text.startswith("ref:"):
            return text
        ref = text.split(" ", 1)[1]
        path = ROOT / ".git" / ref
        if path.exists():
            return path.read_text().strip()
        packed = ROOT / ".git" / "packed-refs"
        for line in packed.read_text().splitlines() if packed.exists() else []:
            if line.endswith(" " + ref):
                return line.split(" ", 1)[0]
    except OSError:
        return None
    return None


def source_digest() -> str:
    """A short hash of the engine and its template: tells runs of different working trees apart."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "her2lesson").rglob("*")):
        if path.is_file() and path.suffix in (".py", ".js", ".css", ".j2", ".html", ".json"):
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    for path in [ROOT / "notebooks" / "dashboard.ipynb"]:
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages, rounded."""
    return [round(x, 2) for x in os.getloadavg()]


def machine_info() -> MachineInfo:
    """The machine and source at the start of a run."""
    model = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "date_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "cores_logical": os.cpu_count(),
        "cores_physical": psutil.cpu_count(logical=False),
        "cpu_model": model,
        "memory_gb": round(psutil.virtual_memory().total / 1024 ** 3, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "packages": {name: version(name) for name in PACKAGES},
        "git_head": git_head(),
        "source_digest": source_digest(),
        "load_average_at_start": load_average(),
    }
