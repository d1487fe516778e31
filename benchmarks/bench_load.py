"""The load client for the capacity test: simulated learners, no browser.

One learner = GET the page (Voila answers only once the kernel has run the notebook), read the kernel id from the
page config JSON ("kernelId"), open the kernel's websocket as the page's own client opens it (Jupyter's v1 binary
protocol, permessage-deflate) and complete a kernel_info request/reply. Time from the
GET to the reply = time to a usable page (the static JavaScript a browser would also load is left out: browsers
cache it, and it costs the server little). Learners arrive evenly spaced at a given rate and keep their websocket
open until the level ends (a learner is still reading); then every kernel is shut down through Voila's own
shutdown endpoint with an _xsrf cookie and form field.
"""
from __future__ import annotations

import asyncio
import datetime
import json
import math
import re
import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, TypedDict
from urllib.parse import urlencode

from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import websocket_connect

KERNEL_ID = re.compile(r'"kernelId"\s*:\s*"([0-9a-fA-F-]{8,})"')
XSRF_COOKIE = re.compile(r"_xsrf=([^;]+)")


@dataclass
class Learner:
    index: int
    planned_at: float
    started: float | None = None
    html_s: float | None = None
    usable_s: float | None = None
    error: str | None = None
    kernel_id: str | None = None
    xsrf: str | None = None
    ws: Any = None  # the kernel websocket (tornado WebSocketClientConnection) once open
    done: bool = False
    expect: str | None = None  # text the learner's widgets must hold (their link's part): None = not checked
    params_kept: bool | None = None
    source: str | None = None  # the loopback address to connect from (127.0.0.2, ...): a different client address


@dataclass
class Level:
    rate_per_min: float
    planned: int
    learners: list[Learner] = field(default_factory=list)
    stopped_early: bool = False


class LevelSummary(TypedDict):
    """The learners of one level (`level_summary`); failed learners count as infinitely slow in the percentiles."""

    rate_per_min: float
    planned: int
    started: int
    completed: int
    failures: int
    failure_examples: list[str]
    stopped_early: bool
    p50_s: float
    p95_s: float
    max_s: float
    html_p50_s: float
    passed: bool
    times_s: list[float]


def nearest_rank(values: list[float], q: float) -> float:
    """The q-quantile by nearest rank (p95 of 10 values is the largest): a conservative tail figure."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def _message(msg_type: str, session: str, content: dict, metadata: dict | None = None) -> dict:
    """A Jupyter message for the kernel's shell channel, as a dict."""
    return {
        "header": {"msg_id": uuid.uuid4().hex, "username": "bench", "session": session, "msg_type": msg_type,
                   "version": "5.3", "date": datetime.datetime.now(datetime.timezone.utc).isoformat()},
        "parent_header": {}, "metadata": metadata or {}, "content": content, "channel": "shell", "buffers": [],
    }


def kernel_message(msg_type: str, session: str, content: dict, metadata: dict | None = None) -> tuple[str, str]:
    """A Jupyter message for the kernel websocket's shell channel: (its msg_id, its JSON text)."""
    msg = _message(msg_type, session, content, metadata)
    return msg["header"]["msg_id"], json.dumps(msg)


# What Voila's page speaks (JupyterLab's kernel client): the server passes the kernel's frames on without parsing
# them, where the older JSON protocol has it decode and re-encode every message.
V1 = "v1.kernel.websocket.jupyter.org"


def v1_message(msg_type: str, session: str, content: dict, metadata: dict | None = None) -> tuple[str, bytes]:
    """`kernel_message` in the v1 binary framing: a count, offsets, the channel name, then each JSON part."""
    msg = _message(msg_type, session, content, metadata)
    msg_id = msg["header"]["msg_id"]
    parts = [json.dumps(msg[key]).encode() for key in ("header", "parent_header", "metadata", "content")]
    channel = b"shell"
    offsets = [8 * (len(parts) + 3), 8 * (len(parts) + 3) + len(channel)]
    for part in parts:
        offsets.append(offsets[-1] + len(part))
    return msg_id, b"".join([len(offsets).to_bytes(8, "little"), *(o.to_bytes(8, "little") for o in offsets),
                             channel, *parts])


def _decode(frame: str | bytes) -> dict:
    """A kernel websocket frame: JSON text (the older protocol) or the v1 binary framing."""
    if isinstance(frame, str):
        return json.loads(frame)
    count = int.from_bytes(frame[:8], "little")
    offsets = [int.from_bytes(frame[8 * (i + 1):8 * (i + 2)], "little") for i in range(count)]
    parts = [frame[offsets[i]:offsets[i + 1]] for i in range(1, count - 1)]
    msg = {key: json.loads(part) for key, part in zip(("header", "parent_header", "metadata", "content"), parts)}
    msg["channel"] = frame[offsets[0]:offsets[1]].decode()
    return msg


async def widget_text(ws, session: str, deadline: float) -> str:
    """Every widget's state as the page's widget manager asks for it (jupyter.widget.control, request_states)."""
    comm_id = uuid.uuid4().hex
    _, opening = v1_message("comm_open", session, {"comm_id": comm_id, "target_name": "jupyter.widget.control",
                                               "data": {}}, metadata={"version": "1.0.0"})
    await ws.write_message(opening, binary=True)
    _, asking = v1_message("comm_msg", session, {"comm_id": comm_id, "data": {"method": "request_states"}})
    await ws.write_message(asking, binary=True)
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise asyncio.TimeoutError()
        frame = await asyncio.wait_for(ws.read_message(), left)
        if frame is None:
            raise RuntimeError("websocket closed before the widget states came")
        data = _decode(frame)
        content = data.get("content", {})
        if content.get("comm_id") == comm_id and content.get("data", {}).get("method") == "update_states":
            return json.dumps(content["data"].get("states", {}))


def _client() -> AsyncHTTPClient:
    AsyncHTTPClient.configure(None, max_clients=1000)
    return AsyncHTTPClient()


async def one_learner(base: str, path: str, learner: Learner, timeout: float) -> None:
    http = _client()
    learner.started = time.monotonic()
    try:
        response = await asyncio.wait_for(
            http.fetch(HTTPRequest(base + path, request_timeout=timeout, connect_timeout=timeout,
                                   network_interface=learner.source), raise_error=False),
            timeout)
        learner.html_s = time.monotonic() - learner.started
        if response.code != 200:
            raise RuntimeError(f"GET {path}: HTTP {response.code}")
        match = KERNEL_ID.search(response.body.decode("utf-8", "replace"))
        if not match:
            raise RuntimeError("no kernelId in the page")
        learner.kernel_id = match.group(1)
        for header in response.headers.get_list("Set-Cookie"):
            found = XSRF_COOKIE.search(header)
            if found:
                learner.xsrf = found.group(1)
        session = uuid.uuid4().hex
        ws_url = base.replace("http://", "ws://") + f"/api/kernels/{learner.kernel_id}/channels?session_id={session}"
        left = max(1.0, timeout - (time.monotonic() - learner.started))
        learner.ws = await asyncio.wait_for(websocket_connect(
            HTTPRequest(ws_url, connect_timeout=left, network_interface=learner.source), subprotocols=[V1],
            compression_options={}), left)
        msg_id, request = v1_message("kernel_info_request", session, {})
        await learner.ws.write_message(request, binary=True)
        while True:
            left = timeout - (time.monotonic() - learner.started)
            if left <= 0:
                raise asyncio.TimeoutError()
            message = await asyncio.wait_for(learner.ws.read_message(), left)
            if message is None:
                raise RuntimeError("websocket closed before kernel_info_reply")
            data = _decode(message)
            if data.get("msg_type") == "kernel_info_reply" or data.get("header", {}).get("msg_type") == \
                    "kernel_info_reply":
                if data.get("parent_header", {}).get("msg_id") == msg_id:
                    break
        learner.usable_s = time.monotonic() - learner.started
        if learner.expect is not None:
            text = await widget_text(learner.ws, session, learner.started + timeout)
            learner.params_kept = learner.expect in text
    except asyncio.TimeoutError:
        learner.error = f"timeout after {timeout:.0f} s"
    except Exception as error:  # noqa: BLE001 - a failed learner is a result, not a crash
        learner.error = f"{type(error).__name__}: {str(error)[:200]}"
    finally:
        learner.done = True


async def shutdown_kernel(base: str, learner: Learner) -> str:
    """Voila's shutdown endpoint (what the page's beacon calls), with a matching _xsrf cookie and form field."""
    if learner.ws is not None:
        learner.ws.close()
    if not learner.kernel_id:
        return "none"
    token = learner.xsrf or secrets.token_hex(16)  # plain Voila sets no cookie: any matching pair passes
    http = _client()
    request = HTTPRequest(base + f"/voila/api/shutdown/{learner.kernel_id}", method="POST",
                          body=urlencode({"_xsrf": token}), headers={"Cookie": f"_xsrf={token}",
                                                                     "Content-Type":
                                                                         "application/x-www-form-urlencoded"},
                          request_timeout=30)
    response = await http.fetch(request, raise_error=False)
    return str(response.code)


async def run_level(base: str, path: str, rate_per_min: float, seconds: float, threshold_s: float,
                    timeout: float, early_stop: bool = True) -> Level:
    """Learners arrive evenly spaced for `seconds` at `rate_per_min`; stop arrivals once p95 > threshold is certain."""
    planned = max(1, round(rate_per_min * seconds / 60))
    level = Level(rate_per_min, planned)
    allowed_slow = planned - math.ceil(0.95 * planned)
    gap = 60.0 / rate_per_min
    t0 = time.monotonic()
    tasks = []
    for i in range(planned):
        at = t0 + i * gap
        while True:
            now = time.monotonic()
            if early_stop and _certainly_slow(level, now, threshold_s) > allowed_slow:
                level.stopped_early = True
                break
            if now >= at:
                break
            await asyncio.sleep(min(0.1, at - now))
        if level.stopped_early:
            break
        learner = Learner(i, at - t0)
        level.learners.append(learner)
        tasks.append(asyncio.ensure_future(one_learner(base, path, learner, timeout)))
    if tasks:
        await asyncio.gather(*tasks)
    return level


def _certainly_slow(level: Level, now: float, threshold_s: float) -> int:
    slow = 0
    for learner in level.learners:
        if learner.error or (learner.usable_s is not None and learner.usable_s > threshold_s):
            slow += 1
        elif not learner.done and learner.started is not None and now - learner.started > threshold_s:
            slow += 1
    return slow


async def close_level(base: str, level: Level) -> dict:
    codes = await asyncio.gather(*(shutdown_kernel(base, learner) for learner in level.learners),
                                 return_exceptions=True)
    summary: dict[str, int] = {}
    for code in codes:
        key = code if isinstance(code, str) else type(code).__name__
        summary[key] = summary.get(key, 0) + 1
    return summary


def level_summary(level: Level, threshold_s: float) -> LevelSummary:
    times = [l.usable_s for l in level.learners if l.usable_s is not None]
    failures = [l for l in level.learners if l.error]
    # failures count as infinitely slow in the percentiles
    ranked = times + [math.inf] * len(failures)
    p95 = nearest_rank(ranked, 0.95)
    return {
        "rate_per_min": level.rate_per_min,
        "planned": level.planned,
        "started": len(level.learners),
        "completed": len(times),
        "failures": len(failures),
        "failure_examples": sorted({l.error for l in failures if l.error})[:3],
        "stopped_early": level.stopped_early,
        "p50_s": nearest_rank(ranked, 0.50),
        "p95_s": p95,
        "max_s": max(ranked) if ranked else math.nan,
        "html_p50_s": nearest_rank([l.html_s for l in level.learners if l.html_s is not None], 0.5),
        "passed": bool(ranked) and not failures and not level.stopped_early
                  and len(level.learners) == level.planned and p95 < threshold_s,
        "times_s": [round(t, 3) for t in times],
    }
