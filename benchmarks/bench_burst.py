"""A class arriving at once: N learners open the link within 5 seconds ("open the link now").

    .venv/bin/python benchmarks/bench_burst.py               # 30 and 60 learners, 2 repeats: results/burst.{md,json}
    .venv/bin/python benchmarks/bench_burst.py --repeats 1 --sizes 30

Profiles, each on a fresh server: plain Voila with its defaults (the yardstick), her2lesson unprepared (its usual
pool of 2 preheated kernels), and her2lesson prepared (the educator said "N learners are coming" first, through
the same endpoint the educator view and `her2lesson cohort ready N` use, and the bench waited until the places were
ready). A learner is the load client of bench_load.py: GET the page, open the kernel's websocket, a kernel_info
round trip ("usable"), and for her2lesson the widget states read back to check that the learner got the part their
link asked for (`?section=causes`: a lost parameter shows the start page instead).

Goals (issue #12): 0 dead pages, 0 lost parameters; prepared p95 <= 3 s for 30 learners; unprepared p95 <= 20 s.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypedDict

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_load  # noqa: E402
from bench_servers import LOG_DIR, MB, ROOT, TARGETS, Server, ServerKey, Target, start  # noqa: E402

from her2lesson.class_ready import ask_server  # noqa: E402

ARRIVE_S = 5.0
PATH = "/?track=patient&section=causes"
EXPECT = "<h1>What causes it</h1>"  # the part the link asks for, as its heading widget holds it
GOALS = {"prepared_p95_s": 3.0, "unprepared_p95_s": 20.0}
PROFILES: tuple[tuple[ServerKey, bool], ...] = (("baseline", False), ("ours", False), ("ours", True))


class BurstResults(TypedDict):
    """`burst_phase`'s result (`results["burst"]` of run.py): one entry in `runs` per profile, size and repeat."""

    arrive_s: float
    sizes: list[int]
    repeats: int
    goals: dict[str, float]
    runs: list[dict]


def _cohort_code(server: Server) -> str:
    """A cohort in this server's records (the bench's throwaway folder), for its educator code."""
    records = LOG_DIR / f"records-{server.log.stem.removeprefix('server-')}"
    out = subprocess.run([sys.executable, "-m", "her2lesson", "cohort", "create", "bench class", "--data-dir",
                          str(records)], capture_output=True, text=True, timeout=60, cwd=ROOT, check=True).stdout
    found = re.search(r"Educator code: (\S+)", out)
    if not found:
        raise RuntimeError(f"no educator code in: {out}")
    return found.group(1)


def prepare(server: Server, learners: int, timeout: float = 600) -> dict:
    """Ask the server to get ready for the class and wait until every place granted is ready."""
    code = _cohort_code(server)
    t0 = time.monotonic()
    status = ask_server(server.url, code, learners, minutes=30)
    while status.ready < status.granted and time.monotonic() - t0 < timeout:
        time.sleep(1)
        status = ask_server(server.url, code)
    return {"granted": status.granted, "ready": status.ready, "limited_by": status.limited_by,
            "prepare_s": time.monotonic() - t0}


async def _burst(server: Server, learners: int, timeout: float, check: bool) -> tuple[bench_load.Level, dict]:
    path = PATH if server.target.key == "ours" else server.target.load_path
    level = bench_load.Level(learners * 60 / ARRIVE_S, learners)
    gap = ARRIVE_S / learners
    t0 = time.monotonic()
    tasks = []
    for i in range(learners):
        await asyncio.sleep(max(0.0, t0 + i * gap - time.monotonic()))
        learner = bench_load.Learner(i, i * gap, expect=EXPECT if check else None)
        level.learners.append(learner)
        tasks.append(asyncio.ensure_future(bench_load.one_learner(server.url, path, learner, timeout)))
    await asyncio.gather(*tasks)
    snap = server.snapshot()
    kernels = [i for i in snap["procs"].values() if i["kernel"]]
    memory = {"kernels": len(kernels), "kernel_rss_mb_median": statistics.median(i["rss"] for i in kernels) / MB
              if kernels else None}
    await bench_load.close_level(server.url, level)
    return level, memory


def one_profile(key: ServerKey, prepared: bool, learners: int, timeout: float, target: Target | None = None) -> dict:
    """One profile on a fresh server (`target`: the server to start, by default TARGETS[key])."""
    server = start(target or TARGETS[key], f"burst-{key}-{'prepared' if prepared else 'cold'}-{learners}")
    try:
        preparation = prepare(server, learners) if prepared else None
        level, memory = asyncio.run(_burst(server, learners, timeout, check=key == "ours"))
    finally:
        server.stop()
    summary: dict[str, Any] = dict(bench_load.level_summary(level, GOALS["prepared_p95_s"] if prepared
                                                            else GOALS["unprepared_p95_s"]))
    checked = [learner for learner in level.learners if learner.params_kept is not None]
    summary.update({
        "target": key, "prepared": prepared, "learners": learners, "preparation": preparation, "memory": memory,
        "lost_parameters": sum(1 for learner in checked if not learner.params_kept), "checked_parameters":
        len(checked), "times_s": sorted(learner.usable_s for learner in level.learners if learner.usable_s),
    })
    return summary


def burst_phase(sizes: list[int], repeats: int, timeout: float, say: Callable[[str], None] = print,
                targets: Mapping[ServerKey, Target] = TARGETS) -> BurstResults:
    """Every profile for every class size, `repeats` times."""
    runs = []
    for repeat in range(repeats):
        for learners in sizes:
            for key, prepared in PROFILES:
                result = one_profile(key, prepared, learners, timeout, targets[key])
                result["repeat"] = repeat + 1
                runs.append(result)
                say(f"burst {learners} in {ARRIVE_S:g} s, {label(key, prepared)}: p50 {result['p50_s']:.2f} s, "
                    f"p95 {result['p95_s']:.2f} s, {result['failures']} dead, {result['lost_parameters']} lost "
                    f"parameters" + (f"; prepared {result['preparation']['ready']} in "
                                     f"{result['preparation']['prepare_s']:.0f} s" if prepared else ""))
    return {"arrive_s": ARRIVE_S, "sizes": sizes, "repeats": repeats, "goals": GOALS, "runs": runs}


def label(key: str, prepared: bool) -> str:
    if key == "baseline":
        return "plain Voila"
    return "her2lesson, prepared" if prepared else "her2lesson, unprepared"


def markdown(results: BurstResults) -> str:
    """The burst section of the report."""
    lines = [f"## A class arriving at once: N learners within {results['arrive_s']:g} s", "",
             f"{results['repeats']} repeat(s) per row; each run on a fresh server; medians over repeats of each "
             "run's p50/p95 (nearest rank; a dead page counts as infinitely slow). \"Lost parameters\": learners "
             "whose page did not show the part their link asked for.", "",
             "| learners | server | p50 | p95 | worst | dead pages | lost parameters | kernel RSS (median) | "
             "goal |", "|---|---|---|---|---|---|---|---|---|"]
    for learners in results["sizes"]:
        for key, prepared in PROFILES:
            rows = [r for r in results["runs"] if r["learners"] == learners and r["target"] == key
                    and r["prepared"] == prepared]
            if not rows:
                continue
            goal = ""
            if key == "ours":
                goal = f"p95 <= {results['goals']['prepared_p95_s' if prepared else 'unprepared_p95_s']:g} s"
            rss = [r["memory"]["kernel_rss_mb_median"] for r in rows if r["memory"]["kernel_rss_mb_median"]]
            rss_text = f"{statistics.median(rss):.0f} MB" if rss else "-"
            lost = (f"{sum(r['lost_parameters'] for r in rows)} of {sum(r['checked_parameters'] for r in rows)}"
                    if key == "ours" else "not checked")
            lines.append(
                f"| {learners} | {label(key, prepared)} | {statistics.median(r['p50_s'] for r in rows):.2f} s | "
                f"{statistics.median(r['p95_s'] for r in rows):.2f} s | {max(r['max_s'] for r in rows):.2f} s | "
                f"{sum(r['failures'] for r in rows)} | {lost} | {rss_text} | {goal} |")
    prepared_runs = [r for r in results["runs"] if r["prepared"]]
    if prepared_runs:
        limited = sorted({r["preparation"]["limited_by"] for r in prepared_runs if r["preparation"]["limited_by"]})
        lines += ["", "Getting ready took " + ", ".join(
            f"{r['preparation']['prepare_s']:.0f} s for {r['preparation']['ready']} places" for r in prepared_runs)
            + (f" (limited by {', '.join(limited)})" if limited else "") + "."]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")], default=[30, 60])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=180.0, help="a learner's page is dead after this long")
    parser.add_argument("--rerender", action="store_true", help="write burst.md again from burst.json")
    args = parser.parse_args()
    out = Path(__file__).resolve().parent / "results"
    if args.rerender:
        results = json.loads((out / "burst.json").read_text(encoding="utf-8"))
    else:
        results = burst_phase(args.sizes, args.repeats, args.timeout)
        out.mkdir(exist_ok=True)
        (out / "burst.json").write_text(json.dumps(results, indent=1, default=str) + "\n", encoding="utf-8")
    (out / "burst.md").write_text(markdown(results), encoding="utf-8")
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
