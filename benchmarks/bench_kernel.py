"""Where a page's server-side time goes: kernel start, then each step of the notebook, timed with jupyter_client.

No Voila here: a kernel is started as Voila starts one (same kernelspec, the notebook's folder as working directory,
the request's query string in QUERY_STRING), then the notebook's code runs in steps, each timed from execute_request
to execute_reply. The number of comm_open messages is the number of widget models the page must then sync.
"""
from __future__ import annotations

import os
import time
from pathlib import Path
from queue import Empty
from typing import NotRequired, TypedDict

import nbformat
import psutil
from bench_servers import LOG_DIR, MB, ROOT, Target
from jupyter_client import KernelManager


class StepTiming(TypedDict):
    """One step of the notebook: seconds from execute_request to idle, widget models created, the first error."""

    step: str
    s: float
    comm_opens: int
    error: str | None


class BreakdownRun(TypedDict):
    """One kernel started and the notebook run in it."""

    kernel_ready_s: float
    steps: list[StepTiming]
    kernel_rss_mb: NotRequired[float]


class Breakdown(TypedDict):
    """`breakdown`'s result for one server: every run, the step labels, which server variables the kernels got."""

    runs: list[BreakdownRun]
    steps: list[str]
    server_env_keys: list[str]


def _steps(target: Target) -> tuple[Path, list[tuple[str, str]], dict[str, str]]:
    if target.key == "baseline":
        notebook = ROOT / "benchmarks" / "baseline.ipynb"
        env: dict[str, str] = {}
        steps = [("import ipywidgets", "import ipywidgets")]
    else:
        notebook = ROOT / "notebooks" / "dashboard.ipynb"
        env = {"HER2LESSON_CONTENT_DIR": str(ROOT), "QUERY_STRING": target.page_path.split("?", 1)[1]}
        steps = [("import ipywidgets", "import ipywidgets"),
                 ("import her2lesson.dashboard", "import her2lesson.dashboard")]
    nb = nbformat.read(notebook, as_version=4)
    code = "\n\n".join(c.source for c in nb.cells if c.cell_type == "code")
    steps.append(("run the notebook's code cells", code))
    return notebook, steps, env


def _execute(kc, code: str, timeout: float = 120) -> tuple[float, int, str | None]:
    t0 = time.perf_counter()
    msg_id = kc.execute(code, store_history=False)
    comm_opens, error = 0, None
    deadline = time.monotonic() + timeout
    while True:
        try:
            msg = kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
        except Empty:
            return time.perf_counter() - t0, comm_opens, "timeout"
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind = msg["msg_type"]
        if kind == "comm_open":
            comm_opens += 1
        elif kind == "error":
            error = f'{msg["content"]["ename"]}: {msg["content"]["evalue"]}'[:200]
        elif kind == "status" and msg["content"]["execution_state"] == "idle":
            return time.perf_counter() - t0, comm_opens, error


def breakdown(target: Target, runs: int = 3, server_env: dict[str, str] | None = None) -> Breakdown:
    """`server_env`: the HER2LESSON_* variables the real server hands its kernels (e.g. a content snapshot)."""
    notebook, steps, extra_env = _steps(target)
    extra_env = {**(server_env or {}), **extra_env}
    samples: list[BreakdownRun] = []
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    kernel_log = (LOG_DIR / f"kernel-breakdown-{target.key}.log").open("w")
    for _ in range(runs):
        km = KernelManager(kernel_name="python3")
        t0 = time.perf_counter()
        km.start_kernel(cwd=str(notebook.parent), env={**os.environ, **extra_env}, stdout=kernel_log,
                        stderr=kernel_log)
        kc = km.client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=60)
            sample: BreakdownRun = {"kernel_ready_s": time.perf_counter() - t0, "steps": []}
            for label, code in steps:
                seconds, comms, error = _execute(kc, code)
                sample["steps"].append({"step": label, "s": seconds, "comm_opens": comms, "error": error})
            pid = getattr(km.provisioner, "pid", None) if km.provisioner else None
            if pid:
                sample["kernel_rss_mb"] = psutil.Process(pid).memory_info().rss / MB
            samples.append(sample)
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
    kernel_log.close()
    return {"runs": samples, "steps": [s for s, _ in steps], "server_env_keys": sorted(server_env or {})}
