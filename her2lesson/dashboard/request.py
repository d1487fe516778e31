"""What the learner's page asked for (`?section=testing&track=nurse`), with or without preheated kernels."""
from __future__ import annotations

import json
import os
import time
from urllib.parse import parse_qs

MAX_VALUE = 100
CONNECT_FOR = 60.0  # seconds a claimed kernel keeps trying to reach the server (a class arriving at once is slow)


def _wait_for_request() -> None:
    """Block until a learner's page claims this preheated kernel; then put that request into os.environ.

    Voila sends the request over its /voila/query websocket. We read it with the small `websockets` client rather
    than `voila.utils.wait_for_request`, whose import pulls the whole server stack (about 50 MB) into every kernel.
    """
    from websockets.sync.client import connect

    env = os.environ
    base = env.get("VOILA_WS_BASE_URL") or env.get("VOILA_SERVER_URL", "/")
    url = (f"{env.get('VOILA_WS_PROTOCOL', 'ws')}://{env.get('VOILA_APP_IP', '127.0.0.1')}:"
           f"{env.get('VOILA_APP_PORT', '8866')}{base}voila/query/{env['VOILA_KERNEL_ID']}")
    deadline = time.monotonic() + CONNECT_FOR
    while True:
        try:
            with connect(url, open_timeout=10) as socket:
                info = json.loads(socket.recv())  # waits for as long as this kernel sits in the pool
            break
        except (OSError, TimeoutError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)  # a busy server: try again rather than lose the learner's link parameters
    env.update({str(k): str(v) for k, v in info.items()})


def query_params() -> dict[str, str]:
    """First value of each query parameter, each bounded in length; empty outside Voila."""
    if os.environ.get("VOILA_PREHEAT") == "True":  # a preheated kernel learns its request only when it is claimed
        try:
            _wait_for_request()
        except Exception:  # noqa: BLE001 - no request info: show the start page
            return {}
    query = os.environ.get("QUERY_STRING", "")
    parsed = parse_qs(query[:2000], keep_blank_values=True)
    return {k[:MAX_VALUE]: v[0][:MAX_VALUE] for k, v in parsed.items()}
