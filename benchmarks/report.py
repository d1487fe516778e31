"""The report: a run's raw results turned into typed summaries, the headline table and the Markdown report.

`summarise` reads the phases' samples (as run.py recorded them, or as loaded back from results/*.json), `table_rows`
makes the headline table of it, `render` the whole Markdown report and `document` the JSON written next to it.
"""
from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, TypedDict

import bench_burst
import bench_load
import bench_network
from bench_browser import PAGE_TIMEOUT_MS, PageResult, Resources
from bench_kernel import Breakdown
from bench_servers import ORDER, TARGETS, IdleInfo, ServerKey
from machine import MachineInfo
from phase_browser import BrowserPhase, ColdPage, LeakCheck
from phase_capacity import CapacityPhase

NAMES: dict[ServerKey, str] = {"baseline": "Plain Voila", "ours": "her2lesson"}


class Options(TypedDict, total=False):
    """`results["options"]`: run.py's command-line options (older results lack the later ones)."""

    runs: int
    quick: bool
    leak_pages: int
    leak_wait: float
    levels: list[float]
    level_seconds: float
    threshold: float
    load_timeout: float
    no_early_stop: bool
    breakdown_runs: int
    ours_args: str
    baseline_args: str
    no_browser: bool
    no_breakdown: bool
    no_capacity: bool
    no_network: bool
    no_burst: bool
    burst_sizes: list[int]
    burst_repeats: int
    network_runs: int
    out: str


class Results(TypedDict, total=False):
    """A run's raw results, as written to results/*.json (without its `summary` and `table`: see `document`)."""

    meta: MachineInfo
    options: Options
    browser: BrowserPhase
    chromium: str | None
    breakdown: dict[ServerKey, Breakdown]
    capacity: CapacityPhase
    network: bench_network.NetworkResults
    burst: bench_burst.BurstResults


# --- statistics -----------------------------------------------------------------------------------------------------
@dataclass
class Stats:
    """The spread of one measurement over pages (p95 by nearest rank)."""

    median: float
    min: float
    max: float
    n: int
    p95: float


def values(items: Iterable[Any], key: str | Callable[[Any], object]) -> list[float]:
    """The numbers `key` gives for each item (lists are flattened; None, NaN and non-numbers are left out)."""
    out: list[float] = []
    for item in items:
        v = key(item) if callable(key) else item.get(key)
        if isinstance(v, list):
            out.extend(x for x in v if isinstance(x, (int, float)))
        elif isinstance(v, (int, float)) and not (isinstance(v, float) and math.isnan(v)):
            out.append(v)
    return out


def median(xs: list[float]) -> float | None:
    """The median, or None for no values."""
    return statistics.median(xs) if xs else None


def stats(xs: list[float]) -> Stats | None:
    """Median, min, max, count and p95 of `xs`, or None for no values."""
    if not xs:
        return None
    return Stats(median=statistics.median(xs), min=min(xs), max=max(xs), n=len(xs),
                 p95=bench_load.nearest_rank(xs, 0.95))


def rounded(obj: Any, digits: int = 4) -> Any:
    """`obj` with its floats rounded for the JSON file (inf and NaN as strings: strict JSON has neither)."""
    if isinstance(obj, float):
        return str(obj) if math.isinf(obj) or math.isnan(obj) else round(obj, digits)
    if isinstance(obj, dict):
        return {k: rounded(v, digits) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [rounded(v, digits) for v in obj]
    return obj


# --- summaries ------------------------------------------------------------------------------------------------------
def memory_per_learner(r: PageResult) -> float | None:
    """What one more learner costs: the page's kernel RSS plus the server's RSS growth (if it grew)."""
    rss = r.get("kernel_rss_mb")
    return rss + max(0.0, r["server_rss_growth_mb"]) if rss is not None else None


# Each browser measurement summarised over a server's measured pages: its PageResult key, or how to read it.
BROWSER_STATS: dict[str, str | Callable[[PageResult], object]] = {
    "fcp_s": "fcp_s", "usable_s": "usable_s", "usable_wall_s": "usable_wall_s", "ttfb_s": "ttfb_s",
    "html_done_s": "html_done_s", "dcl_s": "dcl_s", "ws_created_s": "ws_created_s",
    "ws_open_s": "ws_open_s", "ws_messages_at_usable": "ws_messages_at_usable",
    "widgets_at_usable": "widgets_at_usable", "cpu_s": "cpu_s", "cpu_full_s": "cpu_full_s",
    "kernel_rss_mb": "kernel_rss_mb", "kernel_uss_mb": "kernel_uss_mb",
    "server_rss_growth_mb": "server_rss_growth_mb",
    "memory_per_learner_mb": memory_per_learner,
    "feedback_ms": lambda r: r.get("feedback", {}).get("ms"),
    "feedback_frame_ms": lambda r: r.get("feedback", {}).get("frame_ms"),
    "section_first_ms": lambda r: r.get("sections", {}).get("first_visit_ms"),
    "section_first_frame_ms": lambda r: r.get("sections", {}).get("first_visit_frame_ms"),
    "section_revisit_ms": lambda r: r.get("sections", {}).get("revisit_ms"),
    "section_revisit_frame_ms": lambda r: r.get("sections", {}).get("revisit_frame_ms"),
    "kernel_rss_after_sections_mb": "kernel_rss_after_sections_mb",
}


@dataclass
class BrowserSummary:
    """One server's browser phase: a `Stats` per measurement over its measured pages (None: never measured)."""

    errors: list[str]
    extra_page_errors: list[str]
    fcp_s: Stats | None
    usable_s: Stats | None
    usable_wall_s: Stats | None
    ttfb_s: Stats | None
    html_done_s: Stats | None
    dcl_s: Stats | None
    ws_created_s: Stats | None
    ws_open_s: Stats | None
    ws_messages_at_usable: Stats | None
    widgets_at_usable: Stats | None
    cpu_s: Stats | None
    cpu_full_s: Stats | None
    kernel_rss_mb: Stats | None
    kernel_uss_mb: Stats | None
    server_rss_growth_mb: Stats | None
    memory_per_learner_mb: Stats | None
    feedback_ms: Stats | None
    feedback_frame_ms: Stats | None
    section_first_ms: Stats | None
    section_first_frame_ms: Stats | None
    section_revisit_ms: Stats | None
    section_revisit_frame_ms: Stats | None
    kernel_rss_after_sections_mb: Stats | None
    usable_all_pages_s: Stats | None  # measured and extra (kernel-leak) pages
    cold: ColdPage | None
    idle: IdleInfo | None
    leak: LeakCheck | None
    server_rss_growth_per_page_lifetime_mb: float | None
    resources: Resources | None  # of the first measured page

    def median(self, name: str) -> float | None:
        """The median of the measurement `name` (a BROWSER_STATS key), or None."""
        found: Stats | None = getattr(self, name)
        return found.median if found is not None else None


@dataclass
class CapacitySummary:
    """One server's capacity: the highest arrival rate that passed."""

    capacity_per_min: float
    below_first_level: bool
    all_levels_passed: bool


@dataclass
class StepSummary:
    """One step of the notebook, medians over the breakdown's runs."""

    step: str
    s: float | None
    comm_opens: float | None
    errors: list[str]


@dataclass
class BreakdownSummary:
    """One server's breakdown, medians over its runs."""

    kernel_ready_s: float | None
    steps: list[StepSummary]
    kernel_rss_mb: float | None


@dataclass
class ServerSummary:
    """Everything summarised for one server; a phase that did not run is None."""

    browser: BrowserSummary | None = None
    capacity: CapacitySummary | None = None
    breakdown: BreakdownSummary | None = None

    def median(self, name: str) -> float | None:
        """The median of the browser measurement `name`, or None."""
        return self.browser.median(name) if self.browser is not None else None

    def to_json(self) -> dict[str, Any]:
        """The summary as results/*.json holds it: one flat object per server."""
        out: dict[str, Any] = asdict(self.browser) if self.browser is not None else {}
        if self.capacity is not None:
            out.update({"capacity_per_min": self.capacity.capacity_per_min,
                        "capacity_below_first_level": self.capacity.below_first_level,
                        "capacity_all_levels_passed": self.capacity.all_levels_passed})
        if self.breakdown is not None:
            out["breakdown"] = asdict(self.breakdown)
        return out


def summarise_browser(phase: BrowserPhase, key: ServerKey) -> BrowserSummary | None:
    """One server's browser phase, or None if it has no pages there."""
    data = phase.get("targets", {}).get(key)
    if not data:
        return None
    runs = [r for r in data["runs"] if "error" not in r]
    first = next((r for r in data["runs"] if "resources" in r), None)
    return BrowserSummary(
        errors=[r["error"] for r in data["runs"] if "error" in r],
        extra_page_errors=data.get("extra_errors", []),
        **{name: stats(values(runs, getter)) for name, getter in BROWSER_STATS.items()},
        usable_all_pages_s=stats(values(runs, "usable_s") + data.get("extra_usable_s", [])),
        cold=data.get("cold"),
        idle=phase.get("idle", {}).get(key),
        leak=data.get("leak"),
        server_rss_growth_per_page_lifetime_mb=data.get("server_rss_growth_per_page_lifetime_mb"),
        resources=first["resources"] if first else None,
    )


def summarise_breakdown(bd: Breakdown) -> BreakdownSummary:
    """Medians of one server's breakdown runs."""
    runs = bd["runs"]
    return BreakdownSummary(
        kernel_ready_s=median([r["kernel_ready_s"] for r in runs]),
        steps=[StepSummary(step=label, s=median([r["steps"][i]["s"] for r in runs]),
                           comm_opens=median([r["steps"][i]["comm_opens"] for r in runs]),
                           errors=sorted({r["steps"][i]["error"] or "" for r in runs if r["steps"][i]["error"]}))
               for i, label in enumerate(bd["steps"])],
        kernel_rss_mb=median(values(runs, "kernel_rss_mb")))


def summarise(results: Results) -> dict[ServerKey, ServerSummary]:
    """Each server's summary of every phase that ran."""
    summary: dict[ServerKey, ServerSummary] = {}
    for key in ORDER:
        s = ServerSummary(browser=summarise_browser(results.get("browser", {}), key))
        cap = results.get("capacity", {}).get(key)
        if cap:
            s.capacity = CapacitySummary(capacity_per_min=cap["capacity_per_min"],
                                         below_first_level=cap["below_first_level"],
                                         all_levels_passed=cap["all_levels_passed"])
        bd = results.get("breakdown", {}).get(key)
        if bd:
            s.breakdown = summarise_breakdown(bd)
        summary[key] = s
    return summary


# --- the headline table ---------------------------------------------------------------------------------------------
Cell = float | str | None


@dataclass
class TableRow:
    """One row of the headline table: both servers' medians, their ratio and the target."""

    metric: str
    unit: str
    baseline: Cell
    ours: Cell
    ratio: float | None
    target: str
    met: bool | None  # None: no target, or nothing measured
    digits: int


def table_rows(summary: Mapping[ServerKey, ServerSummary], options: Options) -> list[TableRow]:
    """The headline table of a run's summary."""
    b, o = summary.get("baseline", ServerSummary()), summary.get("ours", ServerSummary())
    rows: list[TableRow] = []

    def row(metric: str, unit: str, bv: Cell, ov: Cell, target: str, met: bool | None, digits: int = 2,
            with_ratio: bool = True) -> None:
        ratio = (ov / bv if with_ratio and isinstance(bv, (int, float)) and isinstance(ov, (int, float)) and bv
                 else None)
        rows.append(TableRow(metric=metric, unit=unit, baseline=bv, ours=ov, ratio=ratio, target=target, met=met,
                             digits=digits))

    def at_most(value: float | None, limit: float) -> bool | None:
        return None if value is None else value <= limit

    ob, oo = b.median("usable_s"), o.median("usable_s")
    row("First contentful paint", "s", b.median("fcp_s"), o.median("fcp_s"), "<= 0.5 s",
        at_most(o.median("fcp_s"), 0.5))
    ratio = oo / ob if ob and oo else None
    row("Time to a usable quiz", "s", ob, oo, "<= 0.6x plain Voila", at_most(ratio, 0.6))
    row("Click to feedback", "ms", b.median("feedback_ms"), o.median("feedback_ms"), "<= 60 ms",
        at_most(o.median("feedback_ms"), 60), 0)
    row("Section change, first visit (built on open)", "ms", None, o.median("section_first_ms"), "<= 150 ms",
        at_most(o.median("section_first_ms"), 150), 0)
    row("Section change, revisit (cached)", "ms", None, o.median("section_revisit_ms"), "<= 150 ms",
        at_most(o.median("section_revisit_ms"), 150), 0)
    row("Memory per learner (kernel RSS + server RSS growth)", "MB", b.median("memory_per_learner_mb"),
        o.median("memory_per_learner_mb"), "<= 60 MB", at_most(o.median("memory_per_learner_mb"), 60), 0)
    row("- kernel RSS when usable", "MB", b.median("kernel_rss_mb"), o.median("kernel_rss_mb"), "", None, 0)
    row("- kernel USS when usable (memory only this kernel holds)", "MB", b.median("kernel_uss_mb"),
        o.median("kernel_uss_mb"), "", None, 0)
    row("- server RSS growth per learner", "MB", b.median("server_rss_growth_mb"), o.median("server_rss_growth_mb"),
        "", None, 1)
    row("Server + kernel CPU per learner start (request to usable)", "CPU-s", b.median("cpu_s"), o.median("cpu_s"),
        "", None)
    row("- including the work it sets off (e.g. pool refill), until idle", "CPU-s", b.median("cpu_full_s"),
        o.median("cpu_full_s"), "", None)

    def footprint(s: ServerSummary) -> float | None:
        idle = s.browser.idle if s.browser is not None else None
        return idle["server_rss_mb"] + idle["kernels_rss_mb"] if idle else None

    row("Idle server footprint (server + preheated kernels, RSS)", "MB", footprint(b), footprint(o), "", None, 0)
    eb = len(b.browser.errors) if b.browser is not None else None
    eo = len(o.browser.errors) if o.browser is not None else None
    row(f"Measured pages that failed (not usable within {PAGE_TIMEOUT_MS // 1000} s, or a step timed out)", "",
        eb, eo, "0", None if eo is None else eo == 0, 0, with_ratio=False)
    lb: Mapping[str, Any] = (b.browser.leak if b.browser is not None else None) or {}
    lo: Mapping[str, Any] = (o.browser.leak if o.browser is not None else None) or {}
    pages = lo.get("pages") or lb.get("pages") or options.get("leak_pages")
    row(f"Kernels left after {pages} pages opened and closed", "", lb.get("kernels_left"), lo.get("kernels_left"),
        "0", None if lo.get("kernels_left") is None else lo.get("kernels_left") == 0, 0, with_ratio=False)
    levels = options.get("levels") or [0]

    def capacity(s: ServerSummary) -> Cell:
        if s.capacity is None:
            return None
        if s.capacity.below_first_level:
            return f"< {levels[0]:g}"
        value = s.capacity.capacity_per_min
        return f">= {value:g}" if s.capacity.all_levels_passed else value

    row(f"Capacity: learners starting per minute with p95 < {options.get('threshold', 5):g} s", "/min",
        capacity(b), capacity(o), "", None, 0, with_ratio=False)

    def cold(s: ServerSummary) -> float | None:
        page = s.browser.cold if s.browser is not None else None
        return page["usable_s"] if page else None

    row("First page after a server start (cold)", "s", cold(b), cold(o), "", None)
    return rows


def fmt(v: object, digits: int) -> str:
    """A number with `digits` decimals ("-" for None, "inf" for infinity); anything else as text."""
    if v is None:
        return "-"
    if isinstance(v, float) and math.isinf(v):
        return "inf"
    if isinstance(v, (int, float)):
        return f"{v:.{digits}f}"
    return str(v)


def markdown_table(rows: list[TableRow]) -> str:
    """The headline table in Markdown."""
    lines = ["| Metric | Plain Voila (median) | her2lesson (median) | Ratio ours/baseline | Target | Met? |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        unit = f" {r.unit}" if r.unit else ""
        b = fmt(r.baseline, r.digits) + (unit if r.baseline is not None else "")
        o = fmt(r.ours, r.digits) + (unit if r.ours is not None else "")
        ratio = f"{r.ratio:.2f}x" if r.ratio is not None else "-"
        met = {True: "yes", False: "**no**", None: "-"}[r.met]
        lines.append(f"| {r.metric} | {b} | {o} | {ratio} | {r.target or '-'} | {met} |")
    return "\n".join(lines)


# --- the Markdown report --------------------------------------------------------------------------------------------
def _timeline(b: BrowserSummary | None, o: BrowserSummary | None) -> list[str]:
    """Where the time to a usable quiz goes: page milestones and what the page loaded."""

    def m(s: BrowserSummary | None, name: str) -> float | None:
        return s.median(name) if s is not None else None

    out = ["## Where the time to a usable quiz goes (medians, seconds from navigation start)", "",
           "| Milestone | Plain Voila | her2lesson |", "|---|---|---|"]
    for label, name in [("First byte of the page", "ttfb_s"), ("First contentful paint", "fcp_s"),
                        ("Page HTML complete (kernel started, notebook executed)", "html_done_s"),
                        ("DOMContentLoaded", "dcl_s"), ("Kernel websocket created", "ws_created_s"),
                        ("Kernel websocket open", "ws_open_s"), ("Quiz usable", "usable_s"),
                        ("Quiz usable, seen from Playwright", "usable_wall_s")]:
        out.append(f"| {label} | {fmt(m(b, name), 2)} | {fmt(m(o, name), 2)} |")
    out.append(f"| Websocket messages received by then | {fmt(m(b, 'ws_messages_at_usable'), 0)} | "
               f"{fmt(m(o, 'ws_messages_at_usable'), 0)} |")
    out.append(f"| Widget DOM nodes (.lm-Widget) by then | {fmt(m(b, 'widgets_at_usable'), 0)} | "
               f"{fmt(m(o, 'widgets_at_usable'), 0)} |")
    rb: Resources | dict = (b.resources if b is not None else None) or {}
    ro: Resources | dict = (o.resources if o is not None else None) or {}
    out.append(f"| Requests after the page (count / KB) | {rb.get('requests', '-')} / "
               f"{(rb.get('bytes') or 0) // 1024} | {ro.get('requests', '-')} / {(ro.get('bytes') or 0) // 1024} |")
    out.append(f"| Labextensions loaded | {', '.join(rb.get('labextensions', [])) or '-'} | "
               f"{', '.join(ro.get('labextensions', [])) or '-'} |")
    out += ["", "Requests by kind (first measured page; count, KB, first start to last end in ms):", ""]
    for name, res in (("Plain Voila", rb), ("her2lesson", ro)):
        kinds = "; ".join(f"{k}: {g['count']}, {g['bytes'] // 1024} KB, {g['first_start_ms']:.0f}-"
                          f"{g['last_end_ms']:.0f}" for k, g in sorted((res.get("by_kind") or {}).items()))
        out.append(f"- {name}: {kinds or '-'}")
    out.append("")
    return out


def _breakdown(bb: BreakdownSummary | None, ob: BreakdownSummary | None) -> list[str]:
    """Kernel start and each step of the notebook, side by side."""
    out = ["## Server side: kernel start and notebook execution (jupyter_client with the environment the server "
           "gives its kernels, no Voila; medians)", "",
           "| Step | Plain Voila | her2lesson |", "|---|---|---|"]
    out.append(f"| Kernel start until ready | {fmt(bb.kernel_ready_s if bb else None, 2)} s | "
               f"{fmt(ob.kernel_ready_s if ob else None, 2)} s |")
    b_steps, o_steps = bb.steps if bb else [], ob.steps if ob else []
    for label in dict.fromkeys([s.step for s in o_steps] + [s.step for s in b_steps]):
        cells = []
        for steps in (b_steps, o_steps):
            step = next((s for s in steps if s.step == label), None)
            cells.append("-" if step is None else f"{step.s:.2f} s, {step.comm_opens:.0f} widget models"
                         + (f" (error: {step.errors[0]})" if step.errors else ""))
        out.append(f"| {label} | {cells[0]} | {cells[1]} |")
    out.append(f"| Kernel RSS after running | {fmt(bb.kernel_rss_mb if bb else None, 0)} MB | "
               f"{fmt(ob.kernel_rss_mb if ob else None, 0)} MB |")
    out.append("")
    return out


def _capacity(cap: CapacityPhase) -> list[str]:
    """Every level of both ramps, then each server's capacity."""
    out = [f"## Capacity (load client, arrivals evenly spaced over {cap['level_seconds']:g} s, fresh server per "
           f"level, threshold p95 < {cap['threshold_s']:g} s)", "",
           "| Server | Rate /min | Started/planned | p50 s | p95 s | max s | Failures | CPU-s per learner | "
           "Kernel RSS sum MB | Kernels left | Passed |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for key in ORDER:
        ramp = cap.get(key)
        for lv in ramp["levels"] if ramp else []:
            out.append(f"| {NAMES[key]} | {lv['rate_per_min']:g} | "
                       f"{lv['started']}/{lv['planned']}{' (stopped early)' if lv['stopped_early'] else ''} | "
                       f"{fmt(lv['p50_s'], 2)} | {fmt(lv['p95_s'], 2)} | {fmt(lv['max_s'], 2)} | "
                       f"{lv['failures']} | {fmt(lv['cpu_s_per_learner'], 2)} | "
                       f"{fmt(lv['kernel_rss_mb_sum_at_end'], 0)} | {lv.get('kernels_left_after_shutdown')} | "
                       f"{'yes' if lv['passed'] else 'no'} |")
    for key in ORDER:
        c = cap.get(key)
        if c:
            figure = (f"below {cap['levels'][0]:g}/min (the lowest rate tried)" if c["below_first_level"] else
                      (f"at least {c['capacity_per_min']:g}/min (every level passed)" if c["all_levels_passed"]
                       else f"{c['capacity_per_min']:g}/min"))
            out.append(f"\n- {NAMES[key]}: capacity {figure}")
    out.append("")
    return out


def _details(name: str, s: BrowserSummary) -> list[str]:
    """One server's other browser figures: kernels left, all pages, animation frames, cold page, failures."""
    out = []
    leak = s.leak
    if leak:
        out.append(f"- {name}: {leak['pages']} pages: {leak['kernels_right_after_last_close']} kernel(s) left "
                   f"right after the last close, {leak['kernels_left']} after waiting"
                   + (f" {leak['seconds_to_zero']:.1f} s" if leak.get("seconds_to_zero") is not None else
                      f" (no count dropped for 10 s; limit {leak['waited_s']:g} s)")
                   + (f" (/health: {leak['health_kernels']} in all)" if leak.get("health_kernels") is not None
                      else "")
                   + f"; {leak['idle_kernels']} idle (preheated) kernels not counted; all kernels then held "
                     f"{leak['all_kernels_rss_mb']:.0f} MB; server RSS grew "
                     f"{fmt(s.server_rss_growth_per_page_lifetime_mb, 2)} MB per page over the run.")
    if s.usable_all_pages_s:
        u = s.usable_all_pages_s
        out.append(f"- {name}: time to a usable quiz over all {u.n} warm pages: median {u.median:.2f} s, "
                   f"p95 {u.p95:.2f} s, max {u.max:.2f} s.")
    if s.feedback_frame_ms or s.section_first_frame_ms:
        out.append(f"- {name}: to the next animation frame: feedback {fmt(s.median('feedback_frame_ms'), 0)} ms, "
                   f"section first visit {fmt(s.median('section_first_frame_ms'), 0)} ms, revisit "
                   f"{fmt(s.median('section_revisit_frame_ms'), 0)} ms.")
    after_sections = s.median("kernel_rss_after_sections_mb")
    if after_sections is not None:
        out.append(f"- {name}: kernel RSS after the section changes: {after_sections:.0f} MB.")
    if s.cold:
        c = s.cold
        out.append(f"- {name}: first page after the server started: usable {fmt(c.get('usable_s'), 2)} s, "
                   f"HTML complete {fmt(c.get('html_done_s'), 2)} s, CPU {fmt(c.get('cpu_s'), 2)} s.")
    if s.errors:
        out.append(f"- {name}: {len(s.errors)} measured page(s) failed, e.g. {s.errors[0]}")
    if s.extra_page_errors:
        out.append(f"- {name}: {len(s.extra_page_errors)} of the extra (kernel-leak) pages failed, e.g. "
                   f"{s.extra_page_errors[0]}")
    return out


def markdown_report(results: Results, summary: Mapping[ServerKey, ServerSummary], rows: list[TableRow]) -> str:
    """The report of the three main phases: table, machine, timeline, breakdown, capacity, other details."""
    meta, options = results["meta"], results["options"]
    pk = meta["packages"]
    out = [f"# Benchmark results ({meta['date_utc']})", "",
           f"her2lesson (`her2lesson serve`, `{TARGETS['ours'].page_path}`) against plain Voila "
           f"(`python -m voila benchmarks/baseline.ipynb`, default settings), measured side by side in one run. "
           f"Medians of {options['runs']} pages each unless noted. Method: benchmarks/README.md.", "",
           markdown_table(rows), "",
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
    if meta.get("source_digest_at_end") and meta.get("source_digest_at_end") != meta["source_digest"]:
        out[2:2] = ["**Warning: her2lesson's code changed during this run (engine digest "
                    f"{meta['source_digest']} at start, {meta.get('source_digest_at_end')} at end): phases may have "
                    "measured different code. Run again on a quiet tree.**", ""]
    b, o = summary.get("baseline", ServerSummary()), summary.get("ours", ServerSummary())
    if b.median("usable_s") is not None or o.median("usable_s") is not None:
        out += _timeline(b.browser, o.browser)
    if b.breakdown or o.breakdown:
        out += _breakdown(b.breakdown, o.breakdown)
    cap = results.get("capacity")
    if cap:
        out += _capacity(cap)
    out += ["## Other details", ""]
    for key in ORDER:
        browser = summary[key].browser if key in summary else None
        if browser is not None:
            out += _details(NAMES[key], browser)
    return "\n".join(out) + "\n"


def render(results: Results, summary: Mapping[ServerKey, ServerSummary], rows: list[TableRow]) -> str:
    """The whole Markdown report: the main phases', then the weak network's and the burst's, if they ran."""
    md = markdown_report(results, summary, rows)
    if "network" in results:
        md += "\n" + bench_network.markdown(results["network"])
    if "burst" in results:
        md += "\n" + bench_burst.markdown(results["burst"])
    return md


def document(results: Results, summary: Mapping[ServerKey, ServerSummary], rows: list[TableRow]) -> dict[str, Any]:
    """The JSON file's content: the raw results, then the summary and the table (floats rounded)."""
    raw = {k: v for k, v in results.items() if k not in ("summary", "table")}
    return rounded({**raw, "summary": {key: s.to_json() for key, s in summary.items()},
                    "table": [asdict(r) for r in rows]})

