"""Start and stop the two servers under test, and read their process trees (psutil).

A `Target` says how to start one server (plain Voila on the baseline notebook, or `her2lesson serve`, each with
any extra command-line arguments: `Target.with_args`) and which selectors mark its quiz in the page. Servers run in
their own session on a free loopback port; their logs go to test-output/bench/ (ignored by git).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, TypedDict

import psutil

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / "benchmarks"
LOG_DIR = ROOT / "test-output" / "bench"
MB = 1024 * 1024
KERNEL_FILE = re.compile(r"kernel-([0-9a-fA-F-]{8,})\.json")
ServerKey = Literal["baseline", "ours"]
ORDER: tuple[ServerKey, ServerKey] = ("baseline", "ours")  # the order of every side-by-side loop and table


class ProcInfo(TypedDict):
    """One descendant of a server in a snapshot."""

    cpu: float  # CPU seconds, user + system
    rss: int  # bytes
    kernel: bool
    kernel_id: str | None


class Snapshot(TypedDict):
    """CPU seconds and RSS of a server and each of its descendants at one moment (`Server.snapshot`)."""

    t: float  # time.monotonic()
    procs: dict[int, ProcInfo]
    server_cpu: float
    server_rss: int


class IdleInfo(TypedDict, total=False):
    """A server once started and quiet: what it holds with no learner (`start`)."""

    quiet_after_s: float | None
    kernels: int
    server_rss_mb: float
    kernels_rss_mb: float
    health_kernels: int | None
    ready_s: float


@dataclass(frozen=True)
class Target:
    key: str  # "baseline" | "ours"
    label: str
    page_path: str  # what the browser opens
    load_path: str  # what the load client fetches
    usable: str  # selector: the first quiz control, once visible and enabled the quiz is usable
    quiz_scope: str  # selector: the quiz (or its first question) for click-to-feedback
    choose: str  # selector inside quiz_scope: the option to choose before Check
    check_button: str  # selector inside quiz_scope
    feedback: str  # selector inside quiz_scope: gets text when feedback arrives
    has_health: bool
    sections: bool  # has in-page sections to switch between
    extra_args: tuple[str, ...] = ()  # appended to the command line, e.g. ("--pool-size", "2")

    def with_args(self, args: Sequence[str]) -> Target:
        """This target started with `args` appended to its command line (run.py --ours-args / --baseline-args)."""
        return replace(self, extra_args=tuple(args))

    def command(self, port: int) -> list[str]:
        extra = self.extra_args
        if self.key == "baseline":
            return [sys.executable, "-m", "voila", str(BENCH_DIR / "baseline.ipynb"), "--port", str(port),
                    "--no-browser", *extra]
        return [sys.executable, "-m", "her2lesson", "serve", "--port", str(port), *extra]


BASELINE = Target(
    key="baseline", label="plain Voila (benchmarks/baseline.ipynb)", page_path="/", load_path="/",
    usable='.bench-question input[type="radio"]', quiz_scope=".bench-quiz",
    choose='.bench-question input[type="radio"]', check_button=".bench-check", feedback=".bench-feedback",
    has_health=False, sections=False)

OURS = Target(
    key="ours", label="her2lesson serve", page_path="/?track=patient&section=testing", load_path="/?track=patient",
    usable=".h2l-question input", quiz_scope=".h2l-question",
    choose="input", check_button='button[data-action="check"]', feedback='[role="status"]',
    has_health=True, sections=True)

TARGETS: dict[ServerKey, Target] = {"baseline": BASELINE, "ours": OURS}


FORKED_KERNEL_NAME = "h2l-kernel"  # what her2lesson's kernels, forked from its zygote, call themselves
KERNEL_SOCKET = re.compile(r"kernel-([0-9a-fA-F-]{36})-ipc")


def is_kernel(process: psutil.Process) -> bool:
    """A kernel process: plain Voila's (ipykernel), or her2lesson's, forked from its zygote (whose command line it
    keeps: see her2lesson/kernel_zygote.py) or started the usual way (`python -m her2lesson.kernel`)."""
    argv = process.cmdline()
    return (process.name() == FORKED_KERNEL_NAME or "her2lesson.kernel" in argv
            or any("ipykernel" in arg for arg in argv))


def kernel_id_of(process: psutil.Process) -> str | None:
    """The kernel's id: from its connection file on the command line, else (a forked kernel) from the names of the
    Unix sockets it listens on, which carry the connection file's name."""
    found = KERNEL_FILE.search(" ".join(process.cmdline()))
    if found:
        return found.group(1)
    for connection in process.net_connections(kind="unix"):
        found = KERNEL_SOCKET.search(connection.laddr or "")
        if found:
            return found.group(1)
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


@dataclass
class Server:
    target: Target
    port: int
    process: subprocess.Popen
    log: Path
    started_s: float = 0.0
    known_pids: set[int] = field(default_factory=set)
    idle_kernels: int = 0  # kernels held with no learner (a preheated pool): not leaks
    idle: IdleInfo = field(default_factory=IdleInfo)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    # --- process tree ---------------------------------------------------------------------------------------------
    def proc(self) -> psutil.Process:
        return psutil.Process(self.pid)

    def descendants(self) -> list[psutil.Process]:
        try:
            kids = self.proc().children(recursive=True)
        except psutil.NoSuchProcess:
            return []
        self.known_pids.update(k.pid for k in kids)
        return kids

    def kernels(self) -> list[psutil.Process]:
        out = []
        for p in self.descendants():
            try:
                if is_kernel(p):
                    out.append(p)
            except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
                continue
        return out

    def kernel_count(self) -> int:
        return len(self.kernels())

    def health_kernels(self) -> int | None:
        if not self.target.has_health:
            return None
        try:
            status, body = http_get(self.url + "/health")
            return int(json.loads(body)["kernels"]) if status == 200 else None
        except (OSError, ValueError, KeyError):
            return None

    def snapshot(self) -> Snapshot:
        """CPU seconds and RSS of the server and each descendant, right now."""
        snap: Snapshot = {"t": time.monotonic(), "procs": {}, "server_cpu": 0.0, "server_rss": 0}
        try:
            server = self.proc()
            with server.oneshot():
                cpu = server.cpu_times()
                snap["server_cpu"] = cpu.user + cpu.system
                snap["server_rss"] = server.memory_info().rss
        except psutil.NoSuchProcess:
            pass  # a server that is gone counts as zero
        for p in self.descendants():
            try:
                with p.oneshot():
                    cpu = p.cpu_times()
                    kernel = is_kernel(p)
                    snap["procs"][p.pid] = {"cpu": cpu.user + cpu.system, "rss": p.memory_info().rss,
                                            "kernel": kernel, "kernel_id": kernel_id_of(p) if kernel else None}
            except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
                continue
        return snap

    # --- lifecycle ------------------------------------------------------------------------------------------------
    def stop(self, timeout: float = 20.0) -> dict:
        """SIGTERM the server (Voila shuts its kernels down), then kill by pid whatever of its tree is left."""
        tree = {p.pid for p in self.descendants()} | self.known_pids
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        deadline = time.monotonic() + 10
        left = []
        while True:
            left = [pid for pid in tree if psutil.pid_exists(pid) and _is_ours(pid)]
            if not left or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        for pid in left:  # only processes this server started, by pid
            try:
                psutil.Process(pid).kill()
            except psutil.NoSuchProcess:
                pass
        return {"killed_after_stop": len(left)}


def _is_ours(pid: int) -> bool:
    try:
        p = psutil.Process(pid)
        return p.status() != psutil.STATUS_ZOMBIE and any("ipykernel" in c or "voila" in c or "her2lesson" in c
                                                           for c in p.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def start(target: Target, name: str, timeout: float = 120.0) -> Server:
    """Start `target` on a free port (log: test-output/bench/server-`name`.log) and wait until it is idle."""
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = LOG_DIR / f"server-{name}.log"
    t0 = time.monotonic()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if target.key == "ours":
        # Learner records of simulated learners go to a throwaway folder, never to var/ or a shared database.
        records = LOG_DIR / f"records-{name}"
        shutil.rmtree(records, ignore_errors=True)
        records.mkdir(parents=True)
        env["HER2LESSON_DATA_DIR"] = str(records)
        env.pop("HER2LESSON_DATABASE_URL", None)
    process = subprocess.Popen(target.command(port), cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, start_new_session=True, env=env)
    server = Server(target, port, process, log)
    # A readiness probe that starts no kernel: /health for ours, a static file for plain Voila.
    probe = server.url + ("/health" if target.has_health else "/voila/static/voila.js")
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{target.key} server exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            status, _ = http_get(probe, timeout=2)
            if status == 200:
                break
        except OSError:
            pass
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"{target.key} server did not answer {probe} within {timeout:.0f} s")
        time.sleep(0.2)
    server.started_s = time.monotonic() - t0
    # A preheated pool fills after the server answers: wait for it (and any start-up work) to finish.
    time.sleep(2.0)
    server.idle = {"quiet_after_s": wait_quiet(server, 120.0)}
    snap = server.snapshot()
    kernels = [i for i in snap["procs"].values() if i["kernel"]]
    server.idle_kernels = len(kernels)
    server.idle.update({"kernels": len(kernels), "server_rss_mb": snap["server_rss"] / MB,
                        "kernels_rss_mb": sum(i["rss"] for i in kernels) / MB,
                        "health_kernels": server.health_kernels(), "ready_s": time.monotonic() - t0})
    return server


def busy_cpu(before: Snapshot, after: Snapshot) -> float:
    """CPU seconds used between two snapshots by the server and the processes alive in both."""
    used = after["server_cpu"] - before["server_cpu"]
    for pid, info in after["procs"].items():
        if pid in before["procs"]:
            used += info["cpu"] - before["procs"][pid]["cpu"]
    return used


def wait_quiet(server: Server, timeout: float, window: float = 0.5, limit: float = 0.05) -> float | None:
    """Wait until the server and its kernels use < `limit` CPU-s per `window` twice running; seconds taken."""
    t0 = time.monotonic()
    last = server.snapshot()
    quiet = 0
    while time.monotonic() - t0 < timeout:
        time.sleep(window)
        now = server.snapshot()
        new = set(now["procs"]) - set(last["procs"])
        quiet = quiet + 1 if busy_cpu(last, now) < limit and not new else 0
        last = now
        if quiet >= 2:
            return time.monotonic() - t0
    return None


def wait_for_kernels(server: Server, timeout: float) -> tuple[int, float | None]:
    """Poll until the server holds no more kernels than when idle (its preheated pool, if any).

    Returns (kernels beyond the idle count, seconds taken or None if the wait timed out)."""
    return wait_all([server], timeout)[0]


def wait_all(servers: list[Server], timeout: float, stable: float = 10.0) -> list[tuple[int, float | None]]:
    """The same for several servers at once: one wait, bounded by `timeout`, that also ends once no server's count
    has dropped for `stable` seconds (kernels that are shutting down go within a second or two)."""
    t0 = time.monotonic()
    done: dict[int, tuple[int, float | None]] = {}
    last_counts: dict[int, int] = {}
    last_drop = t0
    while True:
        for i, server in enumerate(servers):
            if i not in done:
                n = server.kernel_count() - server.idle_kernels
                if n < last_counts.get(i, n + 1):
                    last_drop = time.monotonic()
                last_counts[i] = n
                if n <= 0:
                    done[i] = (max(0, n), time.monotonic() - t0)
        if len(done) == len(servers):
            break
        if time.monotonic() - t0 > timeout or time.monotonic() - last_drop > stable:
            for i, server in enumerate(servers):
                done.setdefault(i, (server.kernel_count() - server.idle_kernels, None))
            break
        time.sleep(0.25)
    return [done[i] for i in range(len(servers))]
