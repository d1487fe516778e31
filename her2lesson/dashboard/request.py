"""What the learner's page asked for (`?section=testing&track=nurse`), with or without preheated kernels."""
from __future__ import annotations

import os
from urllib.parse import parse_qs

MAX_VALUE = 100


def query_params() -> dict[str, str]:
    """First value of each query parameter, each bounded in length; empty outside Voila."""
    if os.environ.get("VOILA_PREHEAT") == "True":  # a preheated kernel learns its request only when it is claimed
        try:
            from voila.utils import wait_for_request

            wait_for_request()  # blocks until a learner's page claims this kernel; puts the request in os.environ
        except Exception:  # noqa: BLE001 - no request info: show the start page
            return {}
    query = os.environ.get("QUERY_STRING", "")
    parsed = parse_qs(query[:2000], keep_blank_values=True)
    return {k[:MAX_VALUE]: v[0][:MAX_VALUE] for k, v in parsed.items()}
