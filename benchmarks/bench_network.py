"""Weak-network profile: a learner on a phone's mobile data (1.6 Mbps down, 0.75 Mbps up, 150 ms), both servers.

A first visit opens the page in a fresh browser context (empty cache); a repeat visit opens it again in the same
context (what a learner who comes back the next day has). Each is timed to a usable quiz inside the page, and the
bytes that crossed the network are counted from Chromium's own accounting (CDP `Network.loadingFinished`,
compressed sizes as sent). Goals (issue: places of use): first visit <= 8 s and <= 1.5 MB, repeat visit <= 3 s.

Run alone: `python benchmarks/bench_network.py [--runs N]`; `make bench` runs it as one of its phases.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypedDict

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_browser  # noqa: E402
from bench_servers import ORDER, TARGETS, Server, ServerKey, Target, start  # noqa: E402

PROFILE = {"offline": False, "latency": 150, "downloadThroughput": 1_600_000 / 8, "uploadThroughput": 750_000 / 8}
GOALS = {"first_s": 8.0, "first_mb": 1.5, "repeat_s": 3.0}


class Visit(TypedDict, total=False):
    """One page view under the profile; a failed one has only `error`."""

    usable_s: float
    wall_s: float
    requests: int
    http_mb: float
    websocket_mb: float
    error: str


class Visits(TypedDict):
    """One server's first visits (empty cache) and repeat visits (same browser context)."""

    first: list[Visit]
    repeat: list[Visit]


class NetworkResults(TypedDict, total=False):
    """`network_phase`'s result (`results["network"]` of run.py); `summary` holds medians per server."""

    profile: dict[str, float | bool]
    goals: dict[str, float]
    targets: dict[ServerKey, Visits]
    summary: dict[str, dict[str, Any]]


def _visit(context, server: Server, target: Target) -> Visit:
    """One page view under the profile: seconds to a usable quiz, and bytes over the wire."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", PROFILE)
    sizes: list[float] = []
    cdp.on("Network.loadingFinished", lambda event: sizes.append(event.get("encodedDataLength", 0)))
    frames = {"bytes": 0.0}
    cdp.on("Network.webSocketFrameReceived",
           lambda event: frames.__setitem__("bytes", frames["bytes"] + len(event["response"].get("payloadData", ""))))
    out: Visit = {}
    try:
        t0 = time.perf_counter()
        page.goto(server.url + target.page_path, wait_until="commit", timeout=bench_browser.PAGE_TIMEOUT_MS)
        page.wait_for_function("window.__bench && window.__bench.usable !== null",
                               timeout=bench_browser.PAGE_TIMEOUT_MS, polling=50)
        out["usable_s"] = page.evaluate("window.__bench.usable") / 1000
        out["wall_s"] = time.perf_counter() - t0
        out["requests"] = len(sizes)
        out["http_mb"] = sum(sizes) / 1e6
        out["websocket_mb"] = frames["bytes"] / 1e6
    except Exception as error:  # noqa: BLE001 - a page that never became usable is a recorded failure
        out["error"] = f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"
    finally:
        try:
            page.close(run_before_unload=True)
        except Exception:  # noqa: BLE001
            pass
    return out


def network_phase(runs: int, log: Callable[[str], None] = print,
                  targets: Mapping[ServerKey, Target] = TARGETS) -> NetworkResults:
    """Both servers, `runs` first visits and repeat visits each, alternating who goes first."""
    servers = {key: start(targets[key], f"{key}-network") for key in ORDER}
    results: NetworkResults = {"profile": PROFILE, "goals": GOALS,
                               "targets": {k: {"first": [], "repeat": []} for k in ORDER}}
    b = bench_browser.launch()
    try:
        for i in range(runs):
            for key in (ORDER if i % 2 == 0 else ORDER[::-1]):
                target = targets[key]
                context = b.browser.new_context(viewport=bench_browser.VIEWPORT)
                context.add_init_script(bench_browser.INIT_JS.replace("__CFG__", json.dumps({"usable": target.usable})))
                first = _visit(context, servers[key], target)
                repeat = _visit(context, servers[key], target)
                context.close()
                results["targets"][key]["first"].append(first)
                results["targets"][key]["repeat"].append(repeat)
                log(f"network {key} run {i + 1}/{runs}: first {first.get('usable_s', first.get('error'))} s "
                    f"{first.get('http_mb', 0):.2f} MB, repeat {repeat.get('usable_s', repeat.get('error'))} s "
                    f"{repeat.get('http_mb', 0):.2f} MB")
                time.sleep(2)  # let the pool refill, as between learners
    finally:
        bench_browser.close(b)
        for server in servers.values():
            server.stop()
    results["summary"] = summarise(results)
    return results


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def summarise(results: NetworkResults) -> dict[str, dict[str, Any]]:
    """Medians per server and kind of visit, and how many visits failed."""
    out: dict[str, dict[str, Any]] = {}
    for key, visits in results["targets"].items():
        row: dict[str, Any] = {}
        for kind in ("first", "repeat"):
            ok = [v for v in visits[kind] if "error" not in v]
            row[f"{kind}_s"] = _median([v["usable_s"] for v in ok])
            row[f"{kind}_mb"] = _median([v["http_mb"] for v in ok])
            row[f"{kind}_requests"] = _median([v["requests"] for v in ok])
            row[f"{kind}_ws_mb"] = _median([v.get("websocket_mb", 0.0) for v in ok])
            row[f"{kind}_failed"] = len(visits[kind]) - len(ok)
        out[key] = row
    return out


def markdown(results: NetworkResults) -> str:
    """The weak-network section of the report."""
    s = results["summary"]
    base, ours = s.get("baseline", {}), s.get("ours", {})

    def fmt(v, unit):
        return "-" if v is None else f"{v:.2f} {unit}"

    def ratio(a, b):
        return "-" if not a or not b else f"{a / b:.2f}x"

    lines = ["## Weak network (1.6 Mbps down, 0.75 Mbps up, 150 ms; medians)", "",
             "| | her2lesson | plain Voila | ratio | goal |", "|---|---|---|---|---|"]
    for kind, label in (("first", "first visit, empty cache"), ("repeat", "repeat visit, same browser")):
        goal_s = GOALS[f"{kind}_s"]
        lines.append(f"| {label}: usable quiz | {fmt(ours.get(f'{kind}_s'), 's')} | {fmt(base.get(f'{kind}_s'), 's')} "
                     f"| {ratio(ours.get(f'{kind}_s'), base.get(f'{kind}_s'))} | <= {goal_s:g} s |")
        lines.append(f"| {label}: transferred | {fmt(ours.get(f'{kind}_mb'), 'MB')} | "
                     f"{fmt(base.get(f'{kind}_mb'), 'MB')} | {ratio(ours.get(f'{kind}_mb'), base.get(f'{kind}_mb'))} "
                     f"| {'<= 1.5 MB' if kind == 'first' else ''} |")
        lines.append(f"| {label}: requests | {ours.get(f'{kind}_requests', '-')} | "
                     f"{base.get(f'{kind}_requests', '-')} | | |")
        lines.append(f"| {label}: kernel websocket payload (before deflate) | {fmt(ours.get(f'{kind}_ws_mb'), 'MB')} | "
                     f"{fmt(base.get(f'{kind}_ws_mb'), 'MB')} | | |")
    failed = sum(row.get("first_failed", 0) + row.get("repeat_failed", 0) for row in s.values())
    lines += ["", f"Pages that never became usable: {failed}. \"Transferred\" counts HTTP bytes as sent "
              "(compressed); the websocket's payload is counted before permessage-deflate, whose compressed size "
              "Chromium does not report.",
              ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rerender", action="store_true", help="write network.md again from network.json")
    args = parser.parse_args()
    out = Path(__file__).resolve().parent / "results"
    if args.rerender:
        results = json.loads((out / "network.json").read_text(encoding="utf-8"))
        results["summary"] = summarise(results)
        (out / "network.md").write_text(markdown(results), encoding="utf-8")
        print(markdown(results))
        return 0
    results = network_phase(args.runs)
    out.mkdir(exist_ok=True)
    (out / "network.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    (out / "network.md").write_text(markdown(results), encoding="utf-8")
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
