"""her2lesson as an LTI 1.3 tool with LTI Advantage: `her2lesson serve --lti-config FILE`.

Routes under the base URL: /lti/login (OIDC login initiation, GET or POST), /lti/launch (the platform posts the signed
id_token), /lti/jwks (the tool's public keys), /lti/config (what an LMS administrator enters), /lti/deep-link (the
instructor's choice, returned as a signed LtiDeepLinkingResponse), /lti/score (a kernel's hop: a learner's score).
The JWT and OIDC checks are pylti1p3's (adapter.py is its Tornado adapter), with the state and nonce kept here.

A valid launch: the learner key is identity.learner_key("lti", iss + "|" + sub), no name or e-mail read or kept; the
course (iss + context id) is one cohort, made on its first launch; Learner opens the lesson (the nursing track unless
the link says otherwise), Instructor the educator view of that course with no code typed. The launch hands the
learner to the lesson page with a one-time launch token in the address, exchanged by the page handler, and a signed
page cookie (SameSite=None; Secure over HTTPS) for later pages; see tool.LtiTool.page_learner.

Grades: the learner's kernel tells the server its final-check score (hop.py); the server sends it to the line item
through Assignment and Grade Services (grades.py), records what was sent, and the educator view lists it.
"""
from __future__ import annotations

from typing import Any

from .hop import HOP_ENV  # standard library only: kernels import this package (hop.py), never pylti1p3

__all__ = ["HOP_ENV", "start"]


def start(path: str, secret: bytes, open_store: Any, base_url: str) -> Any:
    """The tool for this configuration file, with a fresh secret for the kernels' hop put in the environment (the
    kernels started after this inherit it)."""
    import os
    import secrets

    from .config import load
    from .tool import LtiTool

    hop_secret = secrets.token_hex(32)
    os.environ[HOP_ENV] = hop_secret
    return LtiTool(load(path), secret, open_store, hop_secret, base_url)
