"""Normal learners beside hostile visitors: does the class still get its pages?

    .venv/bin/python benchmarks/bench_hostile.py             # results/hostile.{md,json}

30 normal learners arrive over a minute (the load client of bench_load.py, with the link's part read back), while
two attackers run for the whole minute:
- **query-socket attack** (the probe's): two websockets to one made-up id on /voila/query/, a page fetched, the first
  socket closed; repeated. On plain Voila this could unhook a pool kernel so a later learner waited forever.
- **widget flood**: a page is fetched, its kernel's websocket opened, and `comm_open` messages to `jupyter.widget`
  with 1 MB of state each are sent as fast as the socket takes them; on a close the attacker starts again.
Reported: the normal learners' p50/p95, dead pages, lost parameters; how the attacks ended (sockets refused or
closed by the server, kernels' memory). Goal (issue #12): normal learners' p95 < 5 s, 0 dead pages, 0 lost.
Only her2lesson is measured: plain Voila has no defence to compare (it builds every widget it is sent).
"""
from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_load  # noqa: E402
from bench_burst import EXPECT, PATH  # noqa: E402
from bench_servers import MB, TARGETS, Server, start  # noqa: E402
from tornado.httpclient import HTTPRequest  # noqa: E402
from tornado.websocket import websocket_connect  # noqa: E402

LEARNERS, OVER_S, GOAL_P95_S = 30, 60.0, 5.0
FLOOD_STATE = "x" * (1024 * 1024)
# Attackers connect from loopback addresses of their own, as visitors on the internet have addresses of their own;
# the normal learners all share 127.0.0.1, like a class behind one hospital address.
QUERY_ATTACKER, FLOODER = "127.0.0.2", "127.0.0.3"


async def query_socket_attack(server: Server, stop: float, tally: dict) -> None:
    ws_base = server.url.replace("http://", "ws://") + "/voila/query/"
    while time.monotonic() < stop:
        made_up = str(uuid.uuid4())
        try:
            first = await websocket_connect(HTTPRequest(ws_base + made_up, network_interface=QUERY_ATTACKER))
            second = await websocket_connect(HTTPRequest(ws_base + made_up, network_interface=QUERY_ATTACKER))
            refused = await asyncio.wait_for(first.read_message(), 10) is None  # closed by the server: refused
            tally["query_refused" if refused else "query_accepted"] += 1
            victim = bench_load.Learner(-1, 0.0, source=QUERY_ATTACKER)
            await bench_load.one_learner(server.url, "/", victim, 60)
            first.close()
            second.close()
            if victim.ws is not None:
                victim.ws.close()
        except (OSError, asyncio.TimeoutError) as error:
            tally["query_errors"] += 1
            tally["last_error"] = str(error)[:200]
        await asyncio.sleep(1.0)


async def widget_flood(server: Server, stop: float, tally: dict) -> None:
    while time.monotonic() < stop:
        attacker = bench_load.Learner(-2, 0.0, source=FLOODER)
        await bench_load.one_learner(server.url, "/", attacker, 60)
        if attacker.ws is None:
            tally["flood_no_page"] += 1  # turned away (429) while the address is penalised
            await asyncio.sleep(1.0)
            continue
        session = uuid.uuid4().hex
        sent = 0
        try:
            while time.monotonic() < stop:
                _, message = bench_load.kernel_message("comm_open", session, {
                    "comm_id": uuid.uuid4().hex, "target_name": "jupyter.widget",
                    "data": {"state": {"_model_name": "TextModel", "_model_module": "@jupyter-widgets/controls",
                                       "value": FLOOD_STATE}, "buffer_paths": []}})
                await attacker.ws.write_message(message)
                sent += 1
                await asyncio.sleep(0)
        except Exception:  # noqa: BLE001 - the server closing the socket is the outcome we count
            tally["flood_closed_by_server"] += 1
        tally["flood_messages"] += sent
        attacker.ws.close()


async def _run(server: Server, attack: bool) -> tuple[bench_load.Level, dict]:
    tally: dict = {k: 0 for k in ("query_refused", "query_accepted", "query_errors", "flood_no_page",
                                  "flood_closed_by_server", "flood_messages")}
    stop = time.monotonic() + OVER_S
    attacks = [asyncio.ensure_future(query_socket_attack(server, stop, tally)),
               asyncio.ensure_future(widget_flood(server, stop, tally))] if attack else []
    level = bench_load.Level(LEARNERS * 60 / OVER_S, LEARNERS)
    gap = OVER_S / LEARNERS
    t0 = time.monotonic()
    tasks = []
    for i in range(LEARNERS):
        await asyncio.sleep(max(0.0, t0 + i * gap - time.monotonic()))
        learner = bench_load.Learner(i, i * gap, expect=EXPECT)
        level.learners.append(learner)
        tasks.append(asyncio.ensure_future(bench_load.one_learner(server.url, PATH, learner, 120)))
    await asyncio.gather(*tasks, *attacks)
    snap = server.snapshot()
    rss = [i["rss"] / MB for i in snap["procs"].values() if i["kernel"]]
    tally.update({"kernels": len(rss), "kernel_rss_mb_max": max(rss) if rss else None,
                  "kernel_rss_mb_median": statistics.median(rss) if rss else None,
                  "health_after": server.health_kernels()})
    await bench_load.close_level(server.url, level)
    return level, tally


def one_run(attack: bool) -> dict:
    server = start(TARGETS["ours"], "hostile" if attack else "hostile-control")
    try:
        level, tally = asyncio.run(_run(server, attack))
    finally:
        server.stop()
    summary: dict[str, Any] = dict(bench_load.level_summary(level, GOAL_P95_S))
    summary["lost_parameters"] = sum(1 for learner in level.learners if learner.params_kept is False)
    summary["attacks"] = tally
    return summary


def hostile_phase() -> dict:
    """The same class twice on fresh servers: with the attackers, and alone (what the attack costs)."""
    return {"attacked": one_run(True), "alone": one_run(False)}


def _row(name: str, r: dict) -> str:
    return (f"| {name} | {r['completed']} of {r['planned']} | {r['p50_s']:.2f} s | {r['p95_s']:.2f} s | "
            f"{r['max_s']:.2f} s | {r['failures']} | {r['lost_parameters']} | p95 < {GOAL_P95_S:g} s |")


def markdown(results: dict) -> str:
    result = results["attacked"]
    a = result["attacks"]
    return "\n".join([
        f"## Normal learners beside hostile visitors ({LEARNERS} learners over {OVER_S:g} s)", "",
        "| run | normal learners | p50 | p95 | worst | dead pages | lost parameters | goal |",
        "|---|---|---|---|---|---|---|---|",
        _row("with the attackers", result), _row("alone (control)", results["alone"]),
        "", f"Query-socket attack: {a['query_refused']} made-up ids refused, {a['query_accepted']} accepted, "
        f"{a['query_errors']} errors. Widget flood: the attacker queued {a['flood_messages']} widget openings of "
        f"1 MB (far smaller once deflated on the wire) before the server closed the connection "
        f"({a['flood_closed_by_server']} time(s)); {a['flood_no_page']} later tries got no page. Kernels at the end: "
        f"{a['kernels']}, largest {a['kernel_rss_mb_max']:.0f} MB, median {a['kernel_rss_mb_median']:.0f} MB "
        "(a flood that reached a kernel would show here).", ""])


def main() -> int:
    results = hostile_phase()
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    (out / "hostile.json").write_text(json.dumps(results, indent=1, default=str) + "\n", encoding="utf-8")
    (out / "hostile.md").write_text(markdown(results), encoding="utf-8")
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
