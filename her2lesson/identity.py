"""A learner someone else has already identified: a JupyterHub user today, an LTI launch from a learning platform later.

Such a learner types no resume code: the server that authenticated the request turns who they are into a one-way
key (HMAC-SHA256 of "<source>:<subject>" with a server secret), and their record is found by that key, on any
device, every time. No user name is stored: the records hold the key, which cannot be turned back into the name
without the secret.

How the key reaches the learner's kernel: the page handler (server.py) removes any `X-Her2lesson-Learner` header a
client sent, then, for an authenticated request, adds its own. Voila copies that one header into the request it
hands the kernel (`VoilaConfiguration.http_header_envs`): in the kernel's environment for a kernel started for the
page, or over the server-side /voila/query socket for a preheated one. So the key never travels in a URL, a cookie or
the page, and a browser cannot choose it.

The kernel imports this module: standard library only.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

HEADER = "X-Her2lesson-Learner"  # set by the page handler alone; any copy a client sends is dropped
ENV = "HTTP_X_HER2LESSON_LEARNER"  # what Voila names that header in the kernel's environment (RFC 3875)
SECRET_ENV = "HER2LESSON_IDENTITY_SECRET"  # the key's secret, if the site keeps it outside the records
SOURCES = ("hub", "lti")
ROLES = ("learner", "educator")
KEY = re.compile(r"[0-9a-f]{64}")
COHORT = re.compile(r"[A-Za-z0-9 -]{1,40}")  # a cohort's join code, as typed or grouped
MIN_SECRET = 16  # characters: a secret shorter than this is refused, not used


@dataclass(frozen=True)
class ExternalLearner:
    """Who the request is, as the server that authenticated it says: a key, never a name."""

    key: str
    """64 hex digits: HMAC-SHA256 of "<source>:<subject>" (see learner_key)."""
    source: str
    """Who vouches for the learner: "hub" (JupyterHub), "lti" (a learning platform's launch)."""
    role: str = "learner"
    cohort: str | None = None
    """A cohort's join code the learner belongs to (an LTI course, say); None: no class, or from the page's link."""

    def __post_init__(self) -> None:
        if not isinstance(self.key, str) or not KEY.fullmatch(self.key):
            raise ValueError("key must be 64 lower-case hex digits")
        if self.source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}")
        if self.role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}")
        if self.cohort is not None and not (isinstance(self.cohort, str) and COHORT.fullmatch(self.cohort)):
            raise ValueError("cohort must be a join code")

    def to_header(self) -> str:
        """The header's value: compact ASCII JSON."""
        fields = {"key": self.key, "source": self.source, "role": self.role}
        if self.cohort is not None:
            fields["cohort"] = self.cohort
        return json.dumps(fields, separators=(",", ":"), ensure_ascii=True)

    @classmethod
    def from_header(cls, text: str | None) -> ExternalLearner | None:
        """The learner the header names; None for no header or anything malformed (never raises)."""
        if not text or len(text) > 400:
            return None
        try:
            fields = json.loads(text)
            return cls(fields["key"], fields["source"], fields.get("role", "learner"), fields.get("cohort"))
        except (ValueError, TypeError, KeyError, AttributeError):
            return None


def learner_key(source: str, subject: str, secret: bytes) -> str:
    """The one-way key of a learner whom `source` knows as `subject` (a hub user name; an LTI issuer and subject)."""
    if len(secret) < MIN_SECRET:
        raise ValueError(f"the secret must be at least {MIN_SECRET} bytes")
    return hmac.new(secret, f"{source}:{subject}".encode(), hashlib.sha256).hexdigest()


def from_environ(env: Mapping[str, str] | None = None) -> ExternalLearner | None:
    """In a learner's kernel, once the request is known (dashboard/request.py): the external learner, if any."""
    return ExternalLearner.from_header((os.environ if env is None else env).get(ENV))


def new_secret() -> str:
    return secrets.token_hex(32)


def secret_from_env(env: Mapping[str, str] | None = None) -> bytes | None:
    """$HER2LESSON_IDENTITY_SECRET, if set; a value too short to be a secret is an error, not a fallback."""
    value = (os.environ if env is None else env).get(SECRET_ENV, "").strip()
    if not value:
        return None
    if len(value) < MIN_SECRET:
        raise ValueError(f"${SECRET_ENV} is shorter than {MIN_SECRET} characters: use e.g. `openssl rand -hex 32`")
    return value.encode()
