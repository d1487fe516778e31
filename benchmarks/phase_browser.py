"""Phase 1, browser: both servers up, a warm-up page each, then measured pages alternating baseline/ours, then more
pages opened and closed until each server has seen `leak_pages`; then the kernels left behind are counted.

The page measurements themselves are bench_browser.py's; benchmarks/README.md explains each of them.
"""
from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping
from typing import TypedDict

import bench_browser
import psutil
from bench_browser import PageResult
from bench_servers import MB, ORDER, IdleInfo, Server, ServerKey, Target, start, wait_all


class ColdPage(TypedDict):
    """The first page after a server start (cold caches, imports): a few of its `PageResult` keys."""

    usable_s: float | None
    fcp_s: float | None
    html_done_s: float | None
    cpu_s: float | None
    error: str | None


class LeakCheck(TypedDict):
    """Kernels left after every page of one server was opened and closed."""

    pages: int
    kernels_right_after_last_close: int
    kernels_left: int
    idle_kernels: int
    health_kernels: int | None
    health_kernels_beyond_idle: int | None
    seconds_to_zero: float | None
    waited_s: float
    all_kernels_rss_mb: float


class BrowserTarget(TypedDict, total=False):
    """One server's pages: the measured ones in full, the extra (kernel-leak) ones by their time to usable."""

    runs: list[PageResult]
    extra_usable_s: list[float]
    pages_opened: int
    cold: ColdPage
    server_rss_after_warmup_mb: float
    extra_errors: list[str]
    leak: LeakCheck
    server_rss_end_mb: float
    server_rss_growth_per_page_lifetime_mb: float


class BrowserPhase(TypedDict, total=False):
    """`results["browser"]`."""

    targets: dict[ServerKey, BrowserTarget]
    idle: dict[ServerKey, IdleInfo]
    chromium: str


def settle(server: Server) -> None:
    """After closing a measured page: let the server finish what the page set off (its kernel shutting down, a pool
    refill, which her2lesson starts a few seconds after a lone learner's page), so that the next page, of either
    server, starts on a quiet machine and no server's background work lands in the other's measurement."""
    time.sleep(1.0)
    deadline = time.monotonic() + 20
    quiet_since = None
    last = None
    while time.monotonic() < deadline:
        cpu = 0.0
        for process in [server.proc(), *server.descendants()]:
            try:
                cpu += sum(process.cpu_times()[:2])
            except psutil.Error:
                pass
        now = time.monotonic()
        if last is not None and cpu - last < 0.02:
            quiet_since = quiet_since or now
            if now - quiet_since >= 5.0:  # quiet for longer than a refill waits to start
                return
        else:
            quiet_since = None
        last = cpu
        time.sleep(0.5)


def brief(page: PageResult) -> str:
    """One page's figures for the progress log."""
    if "error" in page:
        return "ERROR " + page["error"]
    fcp = page.get("fcp_s")
    parts = [f"usable {page['usable_s']:.2f} s", f"fcp {fcp:.2f} s" if fcp else "fcp -"]
    if "feedback" in page:
        parts.append(f"feedback {page['feedback']['ms']:.0f} ms")
    if "sections" in page:
        s = page["sections"]
        parts.append(f"section {s['first_visit_ms']:.0f}/{statistics.median(s['revisit_ms']):.0f} ms")
    rss = page.get("kernel_rss_mb")
    if rss:
        parts.append(f"kernel {rss:.0f} MB")
    parts.append(f"cpu {page['cpu_s']:.2f} s")
    return ", ".join(parts)


def browser_phase(targets: Mapping[ServerKey, Target], runs: int, leak_pages: int, leak_wait: float,
                  log: Callable[[str], None] = print) -> BrowserPhase:
    """Phase 1: `runs` measured pages per server, `leak_pages` pages in all, then up to `leak_wait` s for kernels."""
    servers: dict[ServerKey, Server] = {}
    out: BrowserPhase = {"targets": {}}
    try:
        for key in ORDER:
            servers[key] = start(targets[key], f"{key}-browser")
            idle = servers[key].idle
            log(f"{key}: server up in {servers[key].started_s:.1f} s on port {servers[key].port}, idle after "
                f"{idle['ready_s']:.1f} s with {idle['kernels']} kernels ({idle['kernels_rss_mb']:.0f} MB) and "
                f"{idle['server_rss_mb']:.0f} MB server RSS")
            out.setdefault("idle", {})[key] = idle
        b = bench_browser.launch()
        out["chromium"] = b.version
        try:
            per: dict[ServerKey, BrowserTarget] = {k: {"runs": [], "extra_usable_s": [], "pages_opened": 0}
                                                   for k in ORDER}
            for key in ORDER:  # the first page after a server start (cold caches, imports)
                page = bench_browser.open_page(b, servers[key], targets[key], measure=False)
                per[key]["pages_opened"] += 1
                per[key]["cold"] = {"usable_s": page.get("usable_s"), "fcp_s": page.get("fcp_s"),
                                    "html_done_s": page.get("html_done_s"), "cpu_s": page.get("cpu_s"),
                                    "error": page.get("error")}
                settle(servers[key])
                per[key]["server_rss_after_warmup_mb"] = servers[key].snapshot()["server_rss"] / MB
                log(f"{key}: warm-up page: {brief(page)}")
            for i in range(runs):
                for key in (ORDER if i % 2 == 0 else ORDER[::-1]):  # alternate who goes first
                    page = bench_browser.open_page(b, servers[key], targets[key], measure=True)
                    per[key]["pages_opened"] += 1
                    if per[key]["runs"]:
                        page.pop("resources", None)  # keep the request list of the first measured page only
                    per[key]["runs"].append(page)
                    settle(servers[key])
                    log(f"{key}: run {i + 1}/{runs}: {brief(page)}")
            for key in ORDER:
                extra = max(0, leak_pages - per[key]["pages_opened"])
                if extra:
                    log(f"{key}: opening and closing {extra} more pages (kernel-leak check, {leak_pages} in all)")
                for _ in range(extra):
                    page = bench_browser.open_page(b, servers[key], targets[key], measure=False)
                    per[key]["pages_opened"] += 1
                    if "error" in page:
                        per[key].setdefault("extra_errors", []).append(page["error"])
                    else:
                        per[key]["extra_usable_s"].append(page["usable_s"])
                    time.sleep(0.3)
        finally:
            bench_browser.close(b)
        right_after = {key: servers[key].kernel_count() - servers[key].idle_kernels for key in ORDER}
        waited = dict(zip(ORDER, wait_all([servers[key] for key in ORDER], leak_wait)))
        for key in ORDER:
            server = servers[key]
            left, took = waited[key]
            snap = server.snapshot()
            health = server.health_kernels()
            idle_health = server.idle.get("health_kernels")
            per[key]["leak"] = {
                "pages": per[key]["pages_opened"], "kernels_right_after_last_close": right_after[key],
                "kernels_left": left, "idle_kernels": server.idle_kernels, "health_kernels": health,
                "health_kernels_beyond_idle": None if health is None or idle_health is None else health - idle_health,
                "seconds_to_zero": took, "waited_s": leak_wait,
                "all_kernels_rss_mb": sum(i["rss"] for i in snap["procs"].values() if i["kernel"]) / MB,
            }
            lifetime = (snap["server_rss"] / MB - per[key]["server_rss_after_warmup_mb"])
            per[key]["server_rss_end_mb"] = snap["server_rss"] / MB
            per[key]["server_rss_growth_per_page_lifetime_mb"] = lifetime / max(1, per[key]["pages_opened"] - 1)
            log(f"{key}: {per[key]['pages_opened']} pages opened and closed: {left} kernels left beyond the "
                f"{server.idle_kernels} idle ones (/health: {per[key]['leak']['health_kernels']})")
        out["targets"] = per
    finally:
        for server in servers.values():
            server.stop()
    return out
