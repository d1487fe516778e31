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
Then the weak-network and the class-arriving-at-once profiles (bench_network.py, bench_burst.py).
"""
from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path
from typing import cast

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_browser  # noqa: E402
import bench_burst  # noqa: E402
import bench_network  # noqa: E402
import machine  # noqa: E402
import report  # noqa: E402
from bench_servers import ORDER, ROOT, TARGETS, ServerKey, Target  # noqa: E402
from phase_breakdown import breakdown_phase  # noqa: E402
from phase_browser import browser_phase  # noqa: E402
from phase_capacity import CapacityOptions, capacity_phase  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
T0 = time.monotonic()


def log(message: str) -> None:
    """A progress line, stamped with the minutes and seconds since the run started."""
    elapsed = time.monotonic() - T0
    print(f"[{int(elapsed // 60):02d}:{int(elapsed % 60):02d}] {message}", flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line, with the defaults that depend on --quick filled in."""
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
    parser.add_argument("--rerender", type=Path, default=None, metavar="JSON",
                        help="measure nothing: write the Markdown report again from a results JSON (after a change "
                             "to the report's layout), e.g. benchmarks/results/latest.json")
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
    if args.out is None:
        partial = (args.quick or args.no_browser or args.no_capacity or args.no_breakdown or args.runs < 10
                   or args.leak_pages < 50 or bool(args.ours_args or args.baseline_args))
        args.out = "quick.tmp" if partial else "latest"
    return args


def targets_of(args: argparse.Namespace) -> dict[ServerKey, Target]:
    """Both servers, each with its extra command-line arguments (--ours-args, --baseline-args)."""
    extra = {"ours": shlex.split(args.ours_args), "baseline": shlex.split(args.baseline_args)}
    return {key: TARGETS[key].with_args(extra[key]) for key in ORDER}


def shown(path: Path) -> str:
    """`path` relative to the repository when it is inside it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def write(results: report.Results, md_path: Path, json_path: Path) -> list[report.TableRow]:
    """Summarise `results`, write the Markdown report and the JSON; the headline table's rows."""
    summary = report.summarise(results)
    rows = report.table_rows(summary, results["options"])
    md_path.write_text(report.render(results, summary, rows), encoding="utf-8")
    json_path.write_text(json.dumps(report.document(results, summary, rows), indent=1, default=str) + "\n",
                         encoding="utf-8")
    return rows


def rerender(path: Path) -> int:
    """Write the Markdown report again from a results JSON (after a change to the report's layout)."""
    results = cast(report.Results, json.loads(path.read_text(encoding="utf-8")))
    md_path = path.with_name(path.name.replace(".json", ".md"))
    rows = write(results, md_path, path)
    print(report.markdown_table(rows))
    print(f"\nWritten: {shown(md_path)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the phases the options select, then write results/<out>.md and .json."""
    args = parse_args(argv)
    if args.rerender is not None:
        return rerender(args.rerender.resolve())
    if not Path(bench_browser.CHROMIUM).exists() and not args.no_browser:
        print(f"Chromium not found at {bench_browser.CHROMIUM}: install it (apt-get install chromium) "
              "or run with --no-browser", file=sys.stderr)
        return 2
    targets = targets_of(args)
    options = {k: v for k, v in vars(args).items() if k != "rerender"}
    results: report.Results = {"meta": machine.machine_info(), "options": cast(report.Options, options)}
    log(f"her2lesson bench: {args.runs} runs, {args.leak_pages} pages per server, capacity levels "
        f"{','.join(f'{x:g}' for x in args.levels)}/min x {args.level_seconds:g} s")
    if not args.no_browser:
        results["browser"] = browser_phase(targets, args.runs, args.leak_pages, args.leak_wait, log)
        results["chromium"] = results["browser"].get("chromium")
    if not args.no_breakdown:
        results["breakdown"] = breakdown_phase(targets, args.breakdown_runs, args.load_timeout, log)
    if not args.no_capacity:
        results["capacity"] = capacity_phase(targets, CapacityOptions(
            levels=args.levels, level_seconds=args.level_seconds, threshold=args.threshold,
            load_timeout=args.load_timeout, early_stop=not args.no_early_stop), log)
    if not args.no_network and not args.no_browser:
        results["network"] = bench_network.network_phase(args.network_runs, log, targets)
    if not args.no_burst:
        results["burst"] = bench_burst.burst_phase(args.burst_sizes, args.burst_repeats, args.load_timeout * 3, log,
                                                   targets)
    meta = results["meta"]
    meta["load_average_at_end"] = machine.load_average()
    meta["duration_s"] = time.monotonic() - T0
    meta["source_digest_at_end"] = machine.source_digest()
    if meta["source_digest_at_end"] != meta["source_digest"]:
        log("WARNING: her2lesson's code changed during the run: the phases measured different code")
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = args.out
    md_path = RESULTS / (f"{name}.md" if not name.endswith(".tmp") else f"{name[:-4]}.md.tmp")
    json_path = RESULTS / (f"{name}.json" if not name.endswith(".tmp") else f"{name[:-4]}.json.tmp")
    rows = write(results, md_path, json_path)
    print()
    print(report.markdown_table(rows))
    print(f"\nWritten: {shown(md_path)}, {shown(json_path)} ({meta['duration_s'] / 60:.1f} min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
