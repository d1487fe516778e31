"""The hop from a learner's kernel to its server: "this LTI learner's final-check score is N". The kernel knows the
score (the ledger's first-try score, as the certificate prints it); only the server holds the platform's grade
service and the tool's key. The kernel POSTs to the server's /lti/score over loopback, with the secret
`her2lesson serve` gave its kernels; the server records the score and sends it (grades.py).

The kernel imports this module: standard library only.
"""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.request

HOP_ENV = "HER2LESSON_LTI_HOP"  # the secret the server gives its kernels (set only with --lti-config)
HOP_HEADER = "X-Her2lesson-Hop"
ROUTE = "lti/score"
SERVER_URL_ENV = "HER2LESSON_SERVER_URL"  # class_ready.SELF_URL_ENV: how a kernel reaches its own server


class HopFailed(Exception):
    """The server could not be reached or said no; the message says which, in plain words."""


def available(env: dict[str, str] | None = None) -> bool:
    """Whether this kernel's server sends scores to a learning platform."""
    source = os.environ if env is None else env
    return bool(source.get(HOP_ENV) and source.get(SERVER_URL_ENV))


def send_score(score: int, *, key: str | None = None, learner_id: int | None = None, timeout: float = 10) -> dict:
    """Tell the server a launched learner's score (by their key, or, from the educator's view, by record id);
    the server's answer: how many grade lines it will send to ({"lines": n})."""
    secret, base = os.environ.get(HOP_ENV, ""), os.environ.get(SERVER_URL_ENV, "")
    if not secret or not base:
        raise HopFailed("this page was not started by a server with --lti-config")
    body = {"score": int(score), "key": key, "learner_id": learner_id}
    request = urllib.request.Request(base.rstrip("/") + "/" + ROUTE, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", HOP_HEADER: secret})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return dict(json.load(response))
    except urllib.error.HTTPError as error:
        raise HopFailed(f"the server answered {error.code}") from None
    except (OSError, ValueError) as error:
        raise HopFailed(f"could not reach the server: {error}") from None
