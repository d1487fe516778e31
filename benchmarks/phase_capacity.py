"""Phase 3, capacity: for each arrival rate, a fresh server and the load client of bench_load.py (no browser).

The ramp stops at the first rate whose 95th-percentile time to a usable page is over the threshold; the capacity is
the highest rate that passed.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import NotRequired, TypedDict

import bench_load
from bench_browser import cpu_between
from bench_load import LevelSummary
from bench_servers import MB, ORDER, Server, ServerKey, Target, start, wait_for_kernels, wait_quiet


@dataclass(frozen=True)
class CapacityOptions:
    """How the capacity phase runs (run.py's --levels, --level-seconds, --threshold, ...)."""

    levels: list[float]  # arrival rates per minute, in the order tried
    level_seconds: float
    threshold: float  # p95 limit in seconds
    load_timeout: float  # a learner fails after this many seconds
    early_stop: bool = True  # stop a level's arrivals once its p95 is certain to miss


class CapacityLevel(LevelSummary):
    """One level on a fresh server: the learners' figures and what the server held at the end."""

    warmup_s: float | None
    warmup_error: str | None
    cpu_s_per_learner: float
    kernels_at_end: int
    kernel_rss_mb_sum_at_end: float
    server_rss_mb_at_end: float
    server_rss_growth_per_learner_mb: float
    wall_s: float
    shutdown_responses: dict[str, int]
    kernels_left_after_shutdown: NotRequired[int]  # these two: once the server is quiet again
    health_kernels_after_shutdown: NotRequired[int | None]


class CapacityServer(TypedDict):
    """One server's ramp."""

    levels: list[CapacityLevel]
    capacity_per_min: float
    below_first_level: bool
    all_levels_passed: bool


class CapacityPhase(TypedDict, total=False):
    """`results["capacity"]`: the options, then one ramp per server."""

    threshold_s: float
    level_seconds: float
    levels: list[float]
    baseline: CapacityServer
    ours: CapacityServer


async def run_level(server: Server, rate: float, options: CapacityOptions) -> CapacityLevel:
    """A warm-up learner, then learners at `rate` per minute for the level's length; then their kernels shut down."""
    base = server.url
    path = server.target.load_path
    warm = bench_load.Learner(-1, 0.0)
    await bench_load.one_learner(base, path, warm, options.load_timeout)
    await bench_load.shutdown_kernel(base, warm)
    await asyncio.sleep(1.0)
    await asyncio.get_running_loop().run_in_executor(None, wait_quiet, server, 60.0)
    before = server.snapshot()
    level = await bench_load.run_level(base, path, rate, options.level_seconds, options.threshold,
                                       options.load_timeout, early_stop=options.early_stop)
    after = server.snapshot()
    summary = bench_load.level_summary(level, options.threshold)
    kernels = [i for i in after["procs"].values() if i["kernel"]]
    started = max(1, summary["started"])
    result: CapacityLevel = {
        **summary,
        "warmup_s": warm.usable_s, "warmup_error": warm.error,
        "cpu_s_per_learner": cpu_between(before, after) / started,
        "kernels_at_end": len(kernels),
        "kernel_rss_mb_sum_at_end": sum(i["rss"] for i in kernels) / MB,
        "server_rss_mb_at_end": after["server_rss"] / MB,
        "server_rss_growth_per_learner_mb": (after["server_rss"] - before["server_rss"]) / MB / started,
        "wall_s": time.monotonic() - before["t"],
        "shutdown_responses": await bench_load.close_level(base, level),
    }
    return result


def capacity_phase(targets: Mapping[ServerKey, Target], options: CapacityOptions,
                   log: Callable[[str], None] = print) -> CapacityPhase:
    """Phase 3: each server's ramp of arrival rates, each rate against a fresh server."""
    out: CapacityPhase = {"threshold_s": options.threshold, "level_seconds": options.level_seconds,
                          "levels": options.levels}
    for key in ORDER:
        levels: list[CapacityLevel] = []
        for rate in options.levels:
            server = start(targets[key], f"{key}-load-{rate:g}")
            try:
                summary = asyncio.run(run_level(server, rate, options))
                left, _ = wait_for_kernels(server, 20)
                summary["kernels_left_after_shutdown"] = left
                summary["health_kernels_after_shutdown"] = server.health_kernels()
            finally:
                server.stop()
            levels.append(summary)
            log(f"{key}: {rate:g}/min: p50 {summary['p50_s']:.2f} s, p95 {summary['p95_s']:.2f} s, "
                f"{summary['completed']}/{summary['planned']} done, {summary['failures']} failed"
                f"{', stopped early' if summary['stopped_early'] else ''}; {left} kernels left after shutdown "
                f"({summary['shutdown_responses']})")
            if not summary["passed"]:
                break
        passed = [lv["rate_per_min"] for lv in levels if lv["passed"]]
        out[key] = {"levels": levels, "capacity_per_min": max(passed) if passed else 0,
                    "below_first_level": not passed,
                    "all_levels_passed": len(passed) == len(options.levels)}
    return out
