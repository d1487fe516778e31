"""`make bench`: her2lesson measured against plain Voila, side by side, in one run.

    .venv/bin/python benchmarks/run.py            # full run (~15-20 min on 2 cores): results/latest.{md,json}
    .venv/bin/python benchmarks/run.py --quick    # smoke run (3 runs, short capacity test): results/quick.*.tmp

Phases (benchmarks/README.md explains each measurement):
1. browser: both servers up; a warm-up page each, then N measured pages alternating baseline/ours (first contentful
   paint, time to a usable quiz, click to feedback, section changes, kernel memory, CPU per learner start), then
   more pages opened and closed until each server has seen --leak-pages pages; count the kernels left behind.
2. breakdown: kernel start and each step of the notebook timed with jupyter_client (no Voila, no browser).
3. capacity: for each arrival rate, a fresh server and a load client (no browser); stop at the first rate whose
   95th-percentile time to a usable page is over --threshold seconds.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime
import hashlib
import importlib.metadata
import json
import math
import os
import platform
import shlex
import statistics
import sys
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_browser  # noqa: E402
import bench_burst  # noqa: E402
import bench_kernel  # noqa: E402
import bench_load  # noqa: E402
import bench_network  # noqa: E402
import bench_servers  # noqa: E402
from bench_servers import MB, ROOT, TARGETS, Server, start, wait_all, wait_for_kernels, wait_quiet  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
ORDER = ("baseline", "ours")
T0 = time.monotonic()


def log(message: str) -> None:
    elapsed = time.monotonic() - T0
    print(f"[{int(elapsed // 60):02d}:{int(elapsed % 60):02d}] {message}", flush=True)


# --- statistics -------------------------------------------------------------------------------------------------
def values(items, key):
    out = []
    for item in items:
        v = key(item) if callable(key) else item.get(key)
        if isinstance(v, list):
            out.extend(x for x in v if isinstance(x, (int, float)))
        elif isinstance(v, (int, float)) and not (isinstance(v, float) and math.isnan(v)):
            out.append(v)
    return out


def median(xs):
    return statistics.median(xs) if xs else None


def stats(xs) -> dict | None:
    if not xs:
        return None
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "n": len(xs),
            "p95": bench_load.nearest_rank(xs, 0.95)}


def rounded(obj, digits: int = 4):
    if isinstance(obj, float):
        return str(obj) if math.isinf(obj) or math.isnan(obj) else round(obj, digits)  # strict JSON has no inf
    if isinstance(obj, dict):
        return {k: rounded(v, digits) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [rounded(v, digits) for v in obj]
    return obj


# --- machine --------------------------------------------------------------------------------------------------------
def _version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def _git_head() -> str | None:
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


def _source_digest() -> str:
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


def machine_info() -> dict:
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
        "packages": {name: _version(name) for name in ("voila", "ipywidgets", "jupyter_server", "ipykernel",
                                                       "jupyter_client", "tornado", "anywidget", "jupyterlab",
                                                       "playwright", "psutil", "her2lesson")},
        "git_head": _git_head(),
        "source_digest": _source_digest(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


# --- phase 1: browser -----------------------------------------------------------------------------------------------
def settle(pid: int | None) -> None:
    """After closing a measured page: let its kernel finish shutting down (or see it idle, i.e. left behind)."""
    time.sleep(1.0)
    if pid is None:
        return
    deadline = time.monotonic() + 5
    last = None
    while time.monotonic() < deadline:
        try:
            cpu = sum(psutil.Process(pid).cpu_times()[:2])
        except psutil.NoSuchProcess:
            return
        if last is not None and cpu - last < 0.01:
            return
        last = cpu
        time.sleep(0.5)


def brief(page: dict) -> str:
    if "error" in page:
        return "ERROR " + page["error"]
    parts = [f"usable {page['usable_s']:.2f} s", f"fcp {page['fcp_s']:.2f} s" if page.get("fcp_s") else "fcp -"]
    if "feedback" in page:
        parts.append(f"feedback {page['feedback']['ms']:.0f} ms")
    if "sections" in page:
        s = page["sections"]
        parts.append(f"section {s['first_visit_ms']:.0f}/{median(s['revisit_ms']):.0f} ms")
    if page.get("kernel_rss_mb"):
        parts.append(f"kernel {page['kernel_rss_mb']:.0f} MB")
    parts.append(f"cpu {page['cpu_s']:.2f} s")
    return ", ".join(parts)


def browser_phase(args) -> dict:
    servers: dict[str, Server] = {}
    out: dict = {"targets": {}}
    try:
        for key in ORDER:
            servers[key] = start(TARGETS[key], f"{key}-browser")
            idle = servers[key].idle
            log(f"{key}: server up in {servers[key].started_s:.1f} s on port {servers[key].port}, idle after "
                f"{idle['ready_s']:.1f} s with {idle['kernels']} kernels ({idle['kernels_rss_mb']:.0f} MB) and "
                f"{idle['server_rss_mb']:.0f} MB server RSS")
            out.setdefault("idle", {})[key] = idle
        b = bench_browser.launch()
        out["chromium"] = b.version
        try:
            per: dict[str, dict] = {k: {"runs": [], "extra_usable_s": [], "pages_opened": 0} for k in ORDER}
            for key in ORDER:  # the first page after a server start (cold caches, imports)
                page = bench_browser.open_page(b, servers[key], TARGETS[key], measure=False)
                per[key]["pages_opened"] += 1
                per[key]["cold"] = {k: page.get(k) for k in ("usable_s", "fcp_s", "html_done_s", "cpu_s", "error")}
                settle(page.get("kernel_pid"))
                per[key]["server_rss_after_warmup_mb"] = servers[key].snapshot()["server_rss"] / MB
                log(f"{key}: warm-up page: {brief(page)}")
            for i in range(args.runs):
                for key in (ORDER if i % 2 == 0 else ORDER[::-1]):  # alternate who goes first
                    page = bench_browser.open_page(b, servers[key], TARGETS[key], measure=True)
                    per[key]["pages_opened"] += 1
                    if per[key]["runs"]:
                        page.pop("resources", None)  # keep the request list of the first measured page only
                    per[key]["runs"].append(page)
                    settle(page.get("kernel_pid"))
                    log(f"{key}: run {i + 1}/{args.runs}: {brief(page)}")
            for key in ORDER:
                extra = max(0, args.leak_pages - per[key]["pages_opened"])
                if extra:
                    log(f"{key}: opening and closing {extra} more pages (kernel-leak check, {args.leak_pages} in all)")
                for _ in range(extra):
                    page = bench_browser.open_page(b, servers[key], TARGETS[key], measure=False)
                    per[key]["pages_opened"] += 1
                    if "error" in page:
                        per[key].setdefault("extra_errors", []).append(page["error"])
                    else:
                        per[key]["extra_usable_s"].append(page["usable_s"])
                    time.sleep(0.3)
        finally:
            bench_browser.close(b)
        right_after = {key: servers[key].kernel_count() - servers[key].idle_kernels for key in ORDER}
        waited = dict(zip(ORDER, wait_all([servers[key] for key in ORDER], args.leak_wait)))
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
                "seconds_to_zero": took, "waited_s": args.leak_wait,
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


# --- phase 2: breakdown ---------------------------------------------------------------------------------------------
def kernel_env(server: Server, args) -> dict[str, str]:
    """The HER2LESSON_* variables a kernel of this server really gets (read from a live kernel's environment)."""
    kernels = server.kernels()
    learner = None
    if not kernels:  # no preheated kernel: start one page's kernel with the load client
        learner = bench_load.Learner(-1, 0.0)
        asyncio.run(bench_load.one_learner(server.url, server.target.load_path, learner, args.load_timeout))
        kernels = server.kernels()
    env = {}
    for kernel in kernels[:1]:
        try:
            env = {k: v for k, v in kernel.environ().items() if k.startswith("HER2LESSON_")}
        except psutil.Error:
            env = {}
    if learner is not None:
        asyncio.run(bench_load.shutdown_kernel(server.url, learner))
    return env


def breakdown_phase(args) -> dict:
    out = {}
    for key in ORDER:
        server_env: dict[str, str] = {}
        server = start(TARGETS[key], f"{key}-breakdown") if key == "ours" else None
        try:
            if server is not None:
                server_env = kernel_env(server, args)
            out[key] = bench_kernel.breakdown(TARGETS[key], runs=args.breakdown_runs, server_env=server_env)
        finally:
            if server is not None:
                server.stop()
        runs = out[key]["runs"]
        steps = ", ".join(f"{label} {median([r['steps'][i]['s'] for r in runs]):.2f} s"
                          for i, label in enumerate(out[key]["steps"]))
        log(f"{key}: kernel ready {median([r['kernel_ready_s'] for r in runs]):.2f} s; {steps}")
    return out


# --- phase 3: capacity ----------------------------------------------------------------------------------------------
async def _level(server: Server, rate: float, args) -> dict:
    base = server.url
    path = server.target.load_path
    warm = bench_load.Learner(-1, 0.0)
    await bench_load.one_learner(base, path, warm, args.load_timeout)
    await bench_load.shutdown_kernel(base, warm)
    await asyncio.sleep(1.0)
    await asyncio.get_running_loop().run_in_executor(None, wait_quiet, server, 60.0)
    before = server.snapshot()
    level = await bench_load.run_level(base, path, rate, args.level_seconds, args.threshold, args.load_timeout,
                                       early_stop=not args.no_early_stop)
    after = server.snapshot()
    summary = bench_load.level_summary(level, args.threshold)
    kernels = [i for i in after["procs"].values() if i["kernel"]]
    started = max(1, summary["started"])
    summary.update({
        "warmup_s": warm.usable_s, "warmup_error": warm.error,
        "cpu_s_per_learner": bench_browser._cpu_between(before, after) / started,
        "kernels_at_end": len(kernels),
        "kernel_rss_mb_sum_at_end": sum(i["rss"] for i in kernels) / MB,
        "server_rss_mb_at_end": after["server_rss"] / MB,
        "server_rss_growth_per_learner_mb": (after["server_rss"] - before["server_rss"]) / MB / started,
        "wall_s": time.monotonic() - before["t"],
    })
    summary["shutdown_responses"] = await bench_load.close_level(base, level)
    return summary


def capacity_phase(args) -> dict:
    out: dict = {"threshold_s": args.threshold, "level_seconds": args.level_seconds, "levels": args.levels}
    for key in ORDER:
        levels = []
        for rate in args.levels:
            server = start(TARGETS[key], f"{key}-load-{rate:g}")
            try:
                summary = asyncio.run(_level(server, rate, args))
                left, took = wait_for_kernels(server, 20)
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
                    "all_levels_passed": len(passed) == len(args.levels)}
    return out


# --- summary and report ---------------------------------------------------------------------------------------------
def summarise(results: dict) -> dict:
    summary: dict = {}
    browser = results.get("browser", {}).get("targets", {})
    for key in ORDER:
        s: dict = {}
        data = browser.get(key)
        if data:
            runs = [r for r in data["runs"] if "error" not in r]
            s["errors"] = [r["error"] for r in data["runs"] if "error" in r]
            s["extra_page_errors"] = data.get("extra_errors", [])
            for name, getter in {
                "fcp_s": "fcp_s", "usable_s": "usable_s", "usable_wall_s": "usable_wall_s", "ttfb_s": "ttfb_s",
                "html_done_s": "html_done_s", "dcl_s": "dcl_s", "ws_created_s": "ws_created_s",
                "ws_open_s": "ws_open_s", "ws_messages_at_usable": "ws_messages_at_usable",
                "widgets_at_usable": "widgets_at_usable", "cpu_s": "cpu_s", "cpu_full_s": "cpu_full_s",
                "kernel_rss_mb": "kernel_rss_mb", "kernel_uss_mb": "kernel_uss_mb",
                "server_rss_growth_mb": "server_rss_growth_mb",
                "memory_per_learner_mb": lambda r: (r["kernel_rss_mb"] + max(0.0, r["server_rss_growth_mb"])
                                                    if r.get("kernel_rss_mb") is not None else None),
                "feedback_ms": lambda r: r.get("feedback", {}).get("ms"),
                "feedback_frame_ms": lambda r: r.get("feedback", {}).get("frame_ms"),
                "section_first_ms": lambda r: r.get("sections", {}).get("first_visit_ms"),
                "section_first_frame_ms": lambda r: r.get("sections", {}).get("first_visit_frame_ms"),
                "section_revisit_ms": lambda r: r.get("sections", {}).get("revisit_ms"),
                "section_revisit_frame_ms": lambda r: r.get("sections", {}).get("revisit_frame_ms"),
                "kernel_rss_after_sections_mb": "kernel_rss_after_sections_mb",
            }.items():
                s[name] = stats(values(runs, getter))
            s["usable_all_pages_s"] = stats(values(runs, "usable_s") + data.get("extra_usable_s", []))
            s["cold"] = data.get("cold")
            s["idle"] = results.get("browser", {}).get("idle", {}).get(key)
            s["leak"] = data.get("leak")
            s["server_rss_growth_per_page_lifetime_mb"] = data.get("server_rss_growth_per_page_lifetime_mb")
            first = next((r for r in data["runs"] if "resources" in r), None)
            s["resources"] = first["resources"] if first else None
        cap = results.get("capacity", {}).get(key)
        if cap:
            s["capacity_per_min"] = cap["capacity_per_min"]
            s["capacity_below_first_level"] = cap["below_first_level"]
            s["capacity_all_levels_passed"] = cap["all_levels_passed"]
        bd = results.get("breakdown", {}).get(key)
        if bd:
            s["breakdown"] = {"kernel_ready_s": median([r["kernel_ready_s"] for r in bd["runs"]]),
                              "steps": [{"step": label,
                                         "s": median([r["steps"][i]["s"] for r in bd["runs"]]),
                                         "comm_opens": median([r["steps"][i]["comm_opens"] for r in bd["runs"]]),
                                         "errors": sorted({r["steps"][i]["error"] for r in bd["runs"]
                                                           if r["steps"][i]["error"]})}
                                        for i, label in enumerate(bd["steps"])],
                              "kernel_rss_mb": median(values(bd["runs"], "kernel_rss_mb"))}
        summary[key] = s
    return summary


def _m(s: dict, name: str):
    v = s.get(name)
    return v["median"] if isinstance(v, dict) else v


def table_rows(summary: dict, options: dict) -> list[dict]:
    b, o = summary.get("baseline", {}), summary.get("ours", {})
    rows = []

    def row(metric, unit, bv, ov, target, met, digits=2, with_ratio=True):
        ratio = (ov / bv if with_ratio and isinstance(bv, (int, float)) and isinstance(ov, (int, float)) and bv
                 else None)
        rows.append({"metric": metric, "unit": unit, "baseline": bv, "ours": ov, "ratio": ratio, "target": target,
                     "met": met, "digits": digits})

    def at_most(value, limit):
        return None if value is None else value <= limit

    ob, oo = _m(b, "usable_s"), _m(o, "usable_s")
    row("First contentful paint", "s", _m(b, "fcp_s"), _m(o, "fcp_s"), "<= 0.5 s", at_most(_m(o, "fcp_s"), 0.5))
    ratio = oo / ob if ob and oo else None
    row("Time to a usable quiz", "s", ob, oo, "<= 0.6x plain Voila", at_most(ratio, 0.6))
    row("Click to feedback", "ms", _m(b, "feedback_ms"), _m(o, "feedback_ms"), "<= 60 ms",
        at_most(_m(o, "feedback_ms"), 60), 0)
    row("Section change, first visit (built on open)", "ms", None, _m(o, "section_first_ms"), "<= 150 ms",
        at_most(_m(o, "section_first_ms"), 150), 0)
    row("Section change, revisit (cached)", "ms", None, _m(o, "section_revisit_ms"), "<= 150 ms",
        at_most(_m(o, "section_revisit_ms"), 150), 0)
    row("Memory per learner (kernel RSS + server RSS growth)", "MB", _m(b, "memory_per_learner_mb"),
        _m(o, "memory_per_learner_mb"), "<= 60 MB", at_most(_m(o, "memory_per_learner_mb"), 60), 0)
    row("- kernel RSS when usable", "MB", _m(b, "kernel_rss_mb"), _m(o, "kernel_rss_mb"), "", None, 0)
    row("- kernel USS when usable (memory only this kernel holds)", "MB", _m(b, "kernel_uss_mb"),
        _m(o, "kernel_uss_mb"), "", None, 0)
    row("- server RSS growth per learner", "MB", _m(b, "server_rss_growth_mb"), _m(o, "server_rss_growth_mb"),
        "", None, 1)
    row("Server + kernel CPU per learner start (request to usable)", "CPU-s", _m(b, "cpu_s"), _m(o, "cpu_s"),
        "", None)
    row("- including the work it sets off (e.g. pool refill), until idle", "CPU-s", _m(b, "cpu_full_s"),
        _m(o, "cpu_full_s"), "", None)

    def footprint(s):
        idle = s.get("idle")
        return idle["server_rss_mb"] + idle["kernels_rss_mb"] if idle else None

    row("Idle server footprint (server + preheated kernels, RSS)", "MB", footprint(b), footprint(o), "", None, 0)
    eb, eo = b.get("errors"), o.get("errors")
    row(f"Measured pages that failed (not usable within {bench_browser.PAGE_TIMEOUT_MS // 1000} s, or a step "
        "timed out)", "", None if eb is None else len(eb), None if eo is None else len(eo), "0",
        None if eo is None else len(eo) == 0, 0, with_ratio=False)
    lb, lo = b.get("leak") or {}, o.get("leak") or {}
    pages = lo.get("pages") or lb.get("pages") or options.get("leak_pages")
    row(f"Kernels left after {pages} pages opened and closed", "", lb.get("kernels_left"), lo.get("kernels_left"),
        "0", None if lo.get("kernels_left") is None else lo.get("kernels_left") == 0, 0, with_ratio=False)
    cb, co = b.get("capacity_per_min"), o.get("capacity_per_min")
    levels = options.get("levels") or [0]

    def capacity(s, value):
        if value is None:
            return None
        if s.get("capacity_below_first_level"):
            return f"< {levels[0]:g}"
        return f">= {value:g}" if s.get("capacity_all_levels_passed") else value

    row(f"Capacity: learners starting per minute with p95 < {options.get('threshold', 5):g} s", "/min",
        capacity(b, cb), capacity(o, co), "", None, 0, with_ratio=False)
    row("First page after a server start (cold)", "s", (b.get("cold") or {}).get("usable_s"),
        (o.get("cold") or {}).get("usable_s"), "", None)
    return rows


def _fmt(v, digits):
    if v is None:
        return "-"
    if isinstance(v, float) and math.isinf(v):
        return "inf"
    if isinstance(v, (int, float)):
        return f"{v:.{digits}f}"
    return str(v)


def markdown_table(rows: list[dict]) -> str:
    lines = ["| Metric | Plain Voila (median) | her2lesson (median) | Ratio ours/baseline | Target | Met? |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        unit = f" {r['unit']}" if r["unit"] else ""
        b = _fmt(r["baseline"], r["digits"]) + (unit if r["baseline"] is not None else "")
        o = _fmt(r["ours"], r["digits"]) + (unit if r["ours"] is not None else "")
        ratio = f"{r['ratio']:.2f}x" if r["ratio"] is not None else "-"
        met = {True: "yes", False: "**no**", None: "-"}[r["met"]]
        lines.append(f"| {r['metric']} | {b} | {o} | {ratio} | {r['target'] or '-'} | {met} |")
    return "\n".join(lines)


def markdown_report(results: dict) -> str:
    meta, summary, options = results["meta"], results["summary"], results["options"]
    pk = meta["packages"]
    out = [f"# Benchmark results ({meta['date_utc']})", "",
           f"her2lesson (`her2lesson serve`, `{TARGETS['ours'].page_path}`) against plain Voila "
           f"(`python -m voila benchmarks/baseline.ipynb`, default settings), measured side by side in one run. "
           f"Medians of {options['runs']} pages each unless noted. Method: benchmarks/README.md.", "",
           markdown_table(results["table"]), "",
           "## Machine", "",
           f"- {meta['cores_logical']} logical cores ({meta['cores_physical']} physical), {meta['cpu_model']}, "
           f"{meta['memory_gb']} GB RAM; {meta['os']}",
           f"- Python {meta['python']}, Voila {pk['voila']}, ipywidgets {pk['ipywidgets']}, "
           f"jupyter_server {pk['jupyter_server']}, ipykernel {pk['ipykernel']}, tornado {pk['tornado']}, "
           f"anywidget {pk['anywidget']}, Playwright {pk['playwright']}, Chromium {results.get('chromium', '-')}",
           f"- Load average at start {meta['load_average_at_start']}, at end {meta.get('load_average_at_end')}; "
           f"bench took {meta.get('duration_s', 0) / 60:.1f} min",
           f"- Source: git HEAD {(meta['git_head'] or '-')[:12]} (working tree may differ), "
           f"engine digest {meta['source_digest']}",
           f"- Extra server arguments: her2lesson `{options.get('ours_args') or 'none'}`, "
           f"plain Voila `{options.get('baseline_args') or 'none'}`", ""]
    if meta.get("source_digest_at_end") and meta["source_digest_at_end"] != meta["source_digest"]:
        out[2:2] = ["**Warning: her2lesson's code changed during this run (engine digest "
                    f"{meta['source_digest']} at start, {meta['source_digest_at_end']} at end): phases may have "
                    "measured different code. Run again on a quiet tree.**", ""]
    b, o = summary.get("baseline", {}), summary.get("ours", {})
    if b.get("usable_s") or o.get("usable_s"):
        out += ["## Where the time to a usable quiz goes (medians, seconds from navigation start)", "",
                "| Milestone | Plain Voila | her2lesson |", "|---|---|---|"]
        for label, name in [("First byte of the page", "ttfb_s"), ("First contentful paint", "fcp_s"),
                            ("Page HTML complete (kernel started, notebook executed)", "html_done_s"),
                            ("DOMContentLoaded", "dcl_s"), ("Kernel websocket created", "ws_created_s"),
                            ("Kernel websocket open", "ws_open_s"), ("Quiz usable", "usable_s"),
                            ("Quiz usable, seen from Playwright", "usable_wall_s")]:
            out.append(f"| {label} | {_fmt(_m(b, name), 2)} | {_fmt(_m(o, name), 2)} |")
        out.append(f"| Websocket messages received by then | {_fmt(_m(b, 'ws_messages_at_usable'), 0)} | "
                   f"{_fmt(_m(o, 'ws_messages_at_usable'), 0)} |")
        out.append(f"| Widget DOM nodes (.lm-Widget) by then | {_fmt(_m(b, 'widgets_at_usable'), 0)} | "
                   f"{_fmt(_m(o, 'widgets_at_usable'), 0)} |")
        rb, ro = b.get("resources") or {}, o.get("resources") or {}
        out.append(f"| Requests after the page (count / KB) | {rb.get('requests', '-')} / "
                   f"{(rb.get('bytes') or 0) // 1024} | {ro.get('requests', '-')} / {(ro.get('bytes') or 0) // 1024} |")
        out.append(f"| Labextensions loaded | {', '.join(rb.get('labextensions', [])) or '-'} | "
                   f"{', '.join(ro.get('labextensions', [])) or '-'} |")
        out += ["", "Requests by kind (first measured page; count, KB, first start to last end in ms):", ""]
        for key, res in (("Plain Voila", rb), ("her2lesson", ro)):
            kinds = "; ".join(f"{k}: {g['count']}, {g['bytes'] // 1024} KB, {g['first_start_ms']:.0f}-"
                              f"{g['last_end_ms']:.0f}" for k, g in sorted((res.get("by_kind") or {}).items()))
            out.append(f"- {key}: {kinds or '-'}")
        out.append("")
    if b.get("breakdown") or o.get("breakdown"):
        out += ["## Server side: kernel start and notebook execution (jupyter_client with the environment the server "
                "gives its kernels, no Voila; medians)", "",
                "| Step | Plain Voila | her2lesson |", "|---|---|---|"]
        bb, ob = b.get("breakdown") or {}, o.get("breakdown") or {}
        out.append(f"| Kernel start until ready | {_fmt(bb.get('kernel_ready_s'), 2)} s | "
                   f"{_fmt(ob.get('kernel_ready_s'), 2)} s |")
        labels = list(dict.fromkeys([s["step"] for s in ob.get("steps", [])] + [s["step"] for s in
                                                                                  bb.get("steps", [])]))
        for label in labels:
            cells = []
            for side in (bb, ob):
                step = next((s for s in side.get("steps", []) if s["step"] == label), None)
                cells.append("-" if step is None else f"{step['s']:.2f} s, {step['comm_opens']:.0f} widget models"
                             + (f" (error: {step['errors'][0]})" if step["errors"] else ""))
            out.append(f"| {label} | {cells[0]} | {cells[1]} |")
        out.append(f"| Kernel RSS after running | {_fmt(bb.get('kernel_rss_mb'), 0)} MB | "
                   f"{_fmt(ob.get('kernel_rss_mb'), 0)} MB |")
        out.append("")
    cap = results.get("capacity")
    if cap:
        out += [f"## Capacity (load client, arrivals evenly spaced over {cap['level_seconds']:g} s, fresh server per "
                f"level, threshold p95 < {cap['threshold_s']:g} s)", "",
                "| Server | Rate /min | Started/planned | p50 s | p95 s | max s | Failures | CPU-s per learner | "
                "Kernel RSS sum MB | Kernels left | Passed |", "|---|---|---|---|---|---|---|---|---|---|---|"]
        for key in ORDER:
            for lv in (cap.get(key) or {}).get("levels", []):
                out.append(f"| {'Plain Voila' if key == 'baseline' else 'her2lesson'} | {lv['rate_per_min']:g} | "
                           f"{lv['started']}/{lv['planned']}{' (stopped early)' if lv['stopped_early'] else ''} | "
                           f"{_fmt(lv['p50_s'], 2)} | {_fmt(lv['p95_s'], 2)} | {_fmt(lv['max_s'], 2)} | "
                           f"{lv['failures']} | {_fmt(lv['cpu_s_per_learner'], 2)} | "
                           f"{_fmt(lv['kernel_rss_mb_sum_at_end'], 0)} | {lv['kernels_left_after_shutdown']} | "
                           f"{'yes' if lv['passed'] else 'no'} |")
        for key in ORDER:
            c = cap.get(key)
            if c:
                figure = (f"below {cap['levels'][0]:g}/min (the lowest rate tried)" if c["below_first_level"] else
                          (f"at least {c['capacity_per_min']:g}/min (every level passed)" if c["all_levels_passed"]
                           else f"{c['capacity_per_min']:g}/min"))
                out.append(f"\n- {'Plain Voila' if key == 'baseline' else 'her2lesson'}: capacity {figure}")
        out.append("")
    out += ["## Other details", ""]
    for key, name in (("baseline", "Plain Voila"), ("ours", "her2lesson")):
        s = summary.get(key, {})
        leak = s.get("leak") or {}
        if leak:
            out.append(f"- {name}: {leak['pages']} pages: {leak['kernels_right_after_last_close']} kernel(s) left "
                       f"right after the last close, {leak['kernels_left']} after waiting"
                       + (f" {leak['seconds_to_zero']:.1f} s" if leak.get("seconds_to_zero") is not None else
                          f" (no count dropped for 10 s; limit {leak['waited_s']:g} s)")
                       + (f" (/health: {leak['health_kernels']} in all)" if leak.get("health_kernels") is not None
                          else "")
                       + f"; {leak['idle_kernels']} idle (preheated) kernels not counted; all kernels then held "
                         f"{leak['all_kernels_rss_mb']:.0f} MB; server RSS grew "
                         f"{_fmt(s.get('server_rss_growth_per_page_lifetime_mb'), 2)} MB per page over the run.")
        if s.get("usable_all_pages_s"):
            u = s["usable_all_pages_s"]
            out.append(f"- {name}: time to a usable quiz over all {u['n']} warm pages: median {u['median']:.2f} s, "
                       f"p95 {u['p95']:.2f} s, max {u['max']:.2f} s.")
        if s.get("feedback_frame_ms") or s.get("section_first_frame_ms"):
            out.append(f"- {name}: to the next animation frame: feedback {_fmt(_m(s, 'feedback_frame_ms'), 0)} ms, "
                       f"section first visit {_fmt(_m(s, 'section_first_frame_ms'), 0)} ms, revisit "
                       f"{_fmt(_m(s, 'section_revisit_frame_ms'), 0)} ms.")
        if s.get("kernel_rss_after_sections_mb"):
            out.append(f"- {name}: kernel RSS after the section changes: "
                       f"{_m(s, 'kernel_rss_after_sections_mb'):.0f} MB.")
        if s.get("cold"):
            c = s["cold"]
            out.append(f"- {name}: first page after the server started: usable {_fmt(c.get('usable_s'), 2)} s, "
                       f"HTML complete {_fmt(c.get('html_done_s'), 2)} s, CPU {_fmt(c.get('cpu_s'), 2)} s.")
        if s.get("errors"):
            out.append(f"- {name}: {len(s['errors'])} measured page(s) failed, e.g. {s['errors'][0]}")
        if s.get("extra_page_errors"):
            out.append(f"- {name}: {len(s['extra_page_errors'])} of the extra (kernel-leak) pages failed, e.g. "
                       f"{s['extra_page_errors'][0]}")
    return "\n".join(out) + "\n"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=None, help="measured pages per server (default 10; 3 with --quick)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 3 runs, 10 pages, short capacity test")
    parser.add_argument("--leak-pages", type=int, default=None,
                        help="pages opened and closed per server, measured ones included (default 50)")
    parser.add_argument("--leak-wait", type=float, default=30, help="seconds to wait for kernels to shut down")
    parser.add_argument("--levels", type=lambda s: [float(x) for x in s.split(",")], default=None,
                        help="arrival rates per minute for the capacity test (default 10,20,30,45,60)")
    parser.add_argument("--level-seconds", type=float, default=None, help="length of each level (default 60)")
    parser.add_argument("--threshold", type=float, default=5.0, help="p95 limit in seconds (default 5)")
    parser.add_argument("--load-timeout", type=float, default=60.0, help="a learner fails after this many seconds")
    parser.add_argument("--no-early-stop", action="store_true",
                        help="run every level to its end even once its p95 is certain to miss the threshold")
    parser.add_argument("--breakdown-runs", type=int, default=3)
    parser.add_argument("--ours-args", default="", help='extra arguments for `her2lesson serve`, e.g. "--pool-size 2"')
    parser.add_argument("--baseline-args", default="", help='extra arguments for plain Voila, e.g. '
                                                            '"--preheat_kernel=True --pool_size=2"')
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--no-breakdown", action="store_true")
    parser.add_argument("--no-capacity", action="store_true")
    parser.add_argument("--no-network", action="store_true", help="skip the weak-network profile (1.6 Mbps, 150 ms)")
    parser.add_argument("--no-burst", action="store_true", help="skip the class-arriving-at-once profile")
    parser.add_argument("--burst-sizes", type=lambda s: [int(x) for x in s.split(",")], default=None,
                        help="learners arriving within 5 s (default 30,60; 10 with --quick)")
    parser.add_argument("--burst-repeats", type=int, default=None, help="runs per burst profile (default 2; 1 quick)")
    parser.add_argument("--network-runs", type=int, default=None, help="visits per server on the weak network "
                                                                         "(default 5; 1 with --quick)")
    parser.add_argument("--out", default=None,
                        help="results name under benchmarks/results/ (default: latest for a full run, "
                             "quick.tmp otherwise; *.tmp is ignored by git)")
    args = parser.parse_args(argv)
    if args.runs is None:
        args.runs = 3 if args.quick else 10
    if args.network_runs is None:
        args.network_runs = 1 if args.quick else 5
    if args.burst_sizes is None:
        args.burst_sizes = [10] if args.quick else [30, 60]
    if args.burst_repeats is None:
        args.burst_repeats = 1 if args.quick else 2
    if args.leak_pages is None:
        args.leak_pages = 10 if args.quick else 50
    if args.levels is None:
        args.levels = [10, 30] if args.quick else [10, 20, 30, 45, 60]
    if args.level_seconds is None:
        args.level_seconds = 30 if args.quick else 60
    bench_servers.EXTRA_ARGS.update({"ours": shlex.split(args.ours_args), "baseline": shlex.split(args.baseline_args)})
    if args.out is None:
        partial = (args.quick or args.no_browser or args.no_capacity or args.no_breakdown or args.runs < 10
                   or args.leak_pages < 50 or bool(args.ours_args or args.baseline_args))
        args.out = "quick.tmp" if partial else "latest"
    return args


def rerender(path: Path) -> int:
    """Write the Markdown report again from a results JSON (after a change to the report's layout)."""
    results = json.loads(path.read_text(encoding="utf-8"))
    results["summary"] = summarise(results)
    results["table"] = table_rows(results["summary"], results["options"])
    md_path = path.with_name(path.name.replace(".json", ".md"))
    md_path.write_text(markdown_report(results), encoding="utf-8")
    path.write_text(json.dumps(rounded(results), indent=1, default=str) + "\n", encoding="utf-8")
    print(markdown_table(results["table"]))
    print(f"\nWritten: {md_path.relative_to(ROOT)}")
    return 0


def main(argv=None) -> int:
    if argv is None and len(sys.argv) == 3 and sys.argv[1] == "--rerender":
        return rerender(Path(sys.argv[2]).resolve())
    args = parse_args(argv)
    if not Path(bench_browser.CHROMIUM).exists() and not args.no_browser:
        print(f"Chromium not found at {bench_browser.CHROMIUM}: install it (apt-get install chromium) "
              "or run with --no-browser", file=sys.stderr)
        return 2
    results: dict = {"meta": machine_info(), "options": {k: v for k, v in vars(args).items()}}
    log(f"her2lesson bench: {args.runs} runs, {args.leak_pages} pages per server, capacity levels "
        f"{','.join(f'{x:g}' for x in args.levels)}/min x {args.level_seconds:g} s")
    if not args.no_browser:
        results["browser"] = browser_phase(args)
        results["chromium"] = results["browser"].get("chromium")
    if not args.no_breakdown:
        results["breakdown"] = breakdown_phase(args)
    if not args.no_capacity:
        results["capacity"] = capacity_phase(args)
    if not args.no_network and not args.no_browser:
        results["network"] = bench_network.network_phase(args.network_runs, log)
    if not args.no_burst:
        results["burst"] = bench_burst.burst_phase(args.burst_sizes, args.burst_repeats, args.load_timeout * 3, log)
    results["meta"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    results["meta"]["duration_s"] = time.monotonic() - T0
    results["meta"]["source_digest_at_end"] = _source_digest()
    if results["meta"]["source_digest_at_end"] != results["meta"]["source_digest"]:
        log("WARNING: her2lesson's code changed during the run: the phases measured different code")
    results["summary"] = summarise(results)
    results["table"] = table_rows(results["summary"], results["options"])
    RESULTS.mkdir(parents=True, exist_ok=True)
    md = markdown_report(results)
    if "network" in results:
        md += "\n" + bench_network.markdown(results["network"])
    if "burst" in results:
        md += "\n" + bench_burst.markdown(results["burst"])
    name = args.out
    md_path = RESULTS / (f"{name}.md" if not name.endswith(".tmp") else f"{name[:-4]}.md.tmp")
    json_path = RESULTS / (f"{name}.json" if not name.endswith(".tmp") else f"{name[:-4]}.json.tmp")
    md_path.write_text(md, encoding="utf-8")
    json_path.write_text(json.dumps(rounded(results), indent=1, default=str) + "\n", encoding="utf-8")
    print()
    print(markdown_table(results["table"]))
    print(f"\nWritten: {md_path.relative_to(ROOT)}, {json_path.relative_to(ROOT)} "
          f"({results['meta']['duration_s'] / 60:.1f} min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
