"""Phase 2, breakdown: kernel start and each step of the notebook timed with jupyter_client (no Voila, no browser).

The kernels get the environment a real server gives its own: for ours, the HER2LESSON_* variables are read from a
live kernel of a running `her2lesson serve` (bench_kernel.py does the timing).
"""
from __future__ import annotations

import asyncio
import statistics
from collections.abc import Callable, Mapping

import bench_kernel
import bench_load
import psutil
from bench_kernel import Breakdown
from bench_servers import ORDER, Server, ServerKey, Target, start


def _her2lesson_env(kernels: list[psutil.Process]) -> dict[str, str]:
    """The HER2LESSON_* variables in the environment of the first of `kernels` (empty if none or unreadable)."""
    for kernel in kernels[:1]:
        try:
            return {k: v for k, v in kernel.environ().items() if k.startswith("HER2LESSON_")}
        except psutil.Error:
            return {}
    return {}


async def _env_of_new_kernel(server: Server, load_timeout: float) -> dict[str, str]:
    """Start one page's kernel with the load client, read its environment, shut it down (all on one event loop)."""
    learner = bench_load.Learner(-1, 0.0)
    await bench_load.one_learner(server.url, server.target.load_path, learner, load_timeout)
    try:
        return _her2lesson_env(server.kernels())
    finally:
        await bench_load.shutdown_kernel(server.url, learner)


def kernel_env(server: Server, load_timeout: float) -> dict[str, str]:
    """The HER2LESSON_* variables a kernel of this server really gets (read from a live kernel's environment)."""
    kernels = server.kernels()
    if kernels:
        return _her2lesson_env(kernels)
    return asyncio.run(_env_of_new_kernel(server, load_timeout))  # no preheated kernel: start one


def breakdown_phase(targets: Mapping[ServerKey, Target], runs: int, load_timeout: float,
                    log: Callable[[str], None] = print) -> dict[ServerKey, Breakdown]:
    """Phase 2: `runs` kernels per server, each running the notebook step by step."""
    out: dict[ServerKey, Breakdown] = {}
    for key in ORDER:
        server_env: dict[str, str] = {}
        server = start(targets[key], f"{key}-breakdown") if key == "ours" else None
        try:
            if server is not None:
                server_env = kernel_env(server, load_timeout)
            out[key] = bench_kernel.breakdown(targets[key], runs=runs, server_env=server_env)
        finally:
            if server is not None:
                server.stop()
        samples = out[key]["runs"]
        steps = ", ".join(f"{label} {statistics.median([r['steps'][i]['s'] for r in samples]):.2f} s"
                          for i, label in enumerate(out[key]["steps"]))
        log(f"{key}: kernel ready {statistics.median([r['kernel_ready_s'] for r in samples]):.2f} s; {steps}")
    return out
