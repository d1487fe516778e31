"""What the learner's page asked for (`?section=testing&track=nurse`), with or without preheated kernels."""
from __future__ import annotations

import os
from urllib.parse import parse_qs

MAX_VALUE = 100


def query_params() -> dict[str, str]:
    """First value of each query parameter, each bounded in length; empty outside Voila."""
    query = os.environ.get("QUERY_STRING", "")
    if os.environ.get("VOILA_PREHEAT") == "True":  # a preheated kernel learns its request only when it is claimed
        try:
            from voila.utils import wait_for_request

            query = (wait_for_request() or {}).get("QUERY_STRING", "") or ""
        except Exception:  # noqa: BLE001 - no request info: show the start page
            query = ""
    parsed = parse_qs(query[:2000], keep_blank_values=True)
    return {k[:MAX_VALUE]: v[0][:MAX_VALUE] for k, v in parsed.items()}
