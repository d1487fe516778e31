"""Getting the server ready for a class that arrives at once.

When an educator says "open the link now", thirty learners arrive within seconds. A learner whose page finds a
preheated kernel waiting is reading in a second or two; one who finds the pool empty waits while a kernel starts
cold, and on two cores thirty cold starts queue for twenty seconds. So an educator can say ahead "N learners are
coming" (the educator view, or `her2lesson cohort ready N`): the pool grows to N, within the server's learner cap and
the memory the machine has free, and shrinks back when they have arrived or the time asked for has passed.

The server side lives here (`ClassReadiness`, driven by the page handler and a periodic tick); `ask_server` is the
client side, used by the educator view inside a kernel and by the command line.
"""
from __future__ import annotations

import json
import logging
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Collection, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger("her2lesson.class_ready")

ROUTE = "her2lesson/ready"
DEFAULT_MINUTES = 30
MOST_MINUTES = 240
MOST_LEARNERS = 500
KERNEL_MB = 100  # a learner's kernel with headroom (measured: about 72 MB resident)
MEMORY_SHARE = 0.7  # of the memory free now, the most a prepared pool may take


@dataclass(frozen=True)
class Readiness:
    """What an educator is told: how many places were asked for, granted, ready now and still starting."""

    asked: int
    granted: int
    ready: int
    starting: int
    minutes_left: int
    limited_by: str  # "" | "learner cap" | "memory"

    def as_json(self) -> str:
        return json.dumps(asdict(self))


def free_memory_mb(meminfo: Path = Path("/proc/meminfo"), cgroup: Path = Path("/sys/fs/cgroup")) -> int | None:
    """Memory this server can still use: the machine's MemAvailable, or less inside a container whose cgroup has a
    limit (a pod's /proc/meminfo shows the whole node); None where neither can be read."""
    free: int | None = None
    try:
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                free = int(line.split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        free = None
    try:
        limit = (cgroup / "memory.max").read_text().strip()
        if limit != "max":
            room = (int(limit) - int((cgroup / "memory.current").read_text())) // (1024 * 1024)
            free = room if free is None else min(free, room)
    except (OSError, ValueError):
        pass
    return free


def _pool_entries(manager: Any) -> list[Any]:
    pools = getattr(manager, "_pools", {})
    return list(pools.get(getattr(manager, "notebook_path", None), []))


def started_ids(entries: Iterable[Any]) -> list[str]:
    """Kernel ids of Voila pool entries that have finished starting, in pool order (oldest first)."""
    ids = []
    for entry in entries:
        if entry.done() and not entry.cancelled() and entry.exception() is None:
            kernel_id = entry.result().get("kernel_id")
            if kernel_id:
                ids.append(kernel_id)
    return ids


def ready_ids(manager: Any) -> list[str]:
    """Ids of the pool's kernels that have finished starting, oldest first."""
    return started_ids(_pool_entries(manager))


class ClassReadiness:
    """Grows and shrinks Voila's preheated pool for a class that is coming."""

    STARTING_AT_ONCE = 2 * (os.cpu_count() or 2)  # kernels started together while the pool grows

    def __init__(self, manager: Any, max_learners: int, learners_now: Callable[[], int],
                 waiting: Callable[[], Collection[str]] | None = None,
                 clock: Callable[[], float] = time.monotonic, free_mb: Callable[[], int | None] = free_memory_mb):
        """`waiting`: ids of kernels that have run the lesson up to the point where it waits for its learner's
        request (Voila's /voila/query sockets). A kernel in the pool before that still has seconds of work to do:
        counted as starting, so "ready" means a page will really open at once. None: every started kernel."""
        self.manager, self.max_learners, self.learners_now = manager, max_learners, learners_now
        self.waiting = waiting
        self.clock, self.free_mb = clock, free_mb
        self.usual = self._size()  # the pool size the server was started with
        self.asked = 0
        self.remaining = 0  # learners of the announced class who have not arrived yet
        self.until = 0.0
        self.limited_by = ""

    @property
    def supported(self) -> bool:
        """Only a server started with a pool (`--pool-size` > 0) can keep kernels ready."""
        return hasattr(self.manager, "fill_if_needed") and self.usual > 0

    def _config(self) -> dict:
        return self.manager.kernel_pools_config.setdefault("default", {})

    def _size(self) -> int:
        try:
            return int(self._config().get("pool_size", 0))
        except AttributeError:
            return 0

    def _set_size(self, size: int) -> None:
        self._config()["pool_size"] = size

    def _grant(self, learners: int) -> int:
        """The places this server can hold for the class: within its learner cap and the memory free now."""
        granted, self.limited_by = learners, ""
        if self.max_learners:
            room = max(0, self.max_learners - self.learners_now())
            if room < granted:
                granted, self.limited_by = room, "learner cap"
        free = self.free_mb()
        if free is not None:
            pooled = len(_pool_entries(self.manager))
            room = pooled + int(free * MEMORY_SHARE) // KERNEL_MB
            if room < granted:
                granted, self.limited_by = room, "memory"
        return max(granted, self.usual)

    def ask(self, learners: int, minutes: float = DEFAULT_MINUTES) -> Readiness:
        """An educator announces a class of `learners` arriving within `minutes`."""
        learners = max(0, min(int(learners), MOST_LEARNERS))
        minutes = max(1.0, min(float(minutes), MOST_MINUTES))
        self.asked = learners
        self.remaining = self._grant(learners) if learners else 0  # 0: the class was called off
        self.until = self.clock() + 60 * minutes if learners else 0.0
        log.info("getting ready for a class: %d learners asked, %d places for %g minutes%s", learners,
                 self.remaining, minutes, f" (limited by {self.limited_by})" if self.limited_by else "")
        self._apply()
        return self.status()

    def page_claimed(self) -> None:
        """A learner's page was served: one fewer of the class still to come (the pool then refills to fewer)."""
        if self.remaining:
            self.remaining -= 1
            self._set_size(min(self._size(), max(self.usual, self.remaining)))  # only ever shrinks here

    def _waiting_count(self) -> int:
        started = ready_ids(self.manager)
        if self.waiting is None:
            return len(started)
        waiting = set(self.waiting())
        return sum(1 for kernel_id in started if kernel_id in waiting)

    def _apply(self) -> None:
        """Grow the pool toward the places granted a few kernels at a time: sixty kernels started at once on two
        cores each take a minute, and the server itself stops answering (an educator's page, /health) meanwhile."""
        target = max(self.usual, self.remaining)
        entries = len(_pool_entries(self.manager))
        starting = entries - self._waiting_count()
        size = min(target, max(self.usual, entries + max(0, self.STARTING_AT_ONCE - starting)))
        self._set_size(size)
        if entries < size:
            self.manager.fill_if_needed(delay=0, notebook_name=self.manager.notebook_path)

    async def tick(self) -> None:
        """Periodic: when the time asked for has passed, stop keeping places; hand back ready kernels beyond the
        usual pool (kernels still starting are left to finish, and go at the next tick)."""
        if self.remaining and self.clock() >= self.until:
            log.info("the class time is over: %d places not taken are given back", self.remaining)
            self.remaining = 0
        if not self.supported:
            return
        target = max(self.usual, self.remaining)
        surplus = len(_pool_entries(self.manager)) - target
        if surplus < 0:
            self._apply()  # still growing toward the class: the next few
            return
        self._set_size(target)
        for kernel_id in list(reversed(ready_ids(self.manager)))[:surplus]:
            await self.manager.shutdown_kernel(kernel_id)

    def status(self) -> Readiness:
        entries = _pool_entries(self.manager)
        ready = self._waiting_count()
        left = max(0, round((self.until - self.clock()) / 60)) if self.remaining else 0
        return Readiness(asked=self.asked if self.remaining else 0, granted=self.remaining, ready=ready,
                         starting=max(0, len(entries) - ready), minutes_left=left, limited_by=self.limited_by)


SELF_URL_ENV = "HER2LESSON_SERVER_URL"  # how a kernel reaches its own server (set by `her2lesson serve`)


def own_server_url(host: str, port: int) -> str:
    """The address a kernel on this machine uses to reach the server listening on host:port."""
    local = "127.0.0.1" if host in ("", "0.0.0.0") else "::1" if host == "::" else host
    shown = f"[{local}]" if ":" in local else local
    return f"http://{shown}:{port}/"


class ReadyRefused(Exception):
    """The server said no or could not be reached. `kind` names the case for a catalogue sentence ("code", "busy",
    "no_pool", "records", "unreachable"); the message is the server's plain English, for the command line."""

    STATUS_KINDS = {403: "code", 429: "busy", 409: "no_pool", 503: "records"}

    def __init__(self, message: str, kind: str = "unreachable"):
        super().__init__(message)
        self.kind = kind


def ask_server(base_url: str, educator_code: str, learners: int | None = None, minutes: float = DEFAULT_MINUTES,
               timeout: float = 10) -> Readiness:
    """POST to a running server's ready endpoint; with `learners` None, only ask how ready it is."""
    body: dict[str, Any] = {"educator_code": educator_code}
    if learners is not None:
        body.update(learners=learners, minutes=minutes)
    request = urllib.request.Request(base_url.rstrip("/") + "/" + ROUTE, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Readiness(**json.load(response))
    except urllib.error.HTTPError as error:
        try:
            message = json.load(error).get("message", "")
        except (ValueError, AttributeError):
            message = ""
        raise ReadyRefused(message or f"the server answered {error.code}",
                           ReadyRefused.STATUS_KINDS.get(error.code, "unreachable")) from None
    except (OSError, ValueError, TypeError) as error:
        raise ReadyRefused(f"could not reach the server at {base_url}: {error}", "unreachable") from None
