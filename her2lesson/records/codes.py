"""Codes people read aloud and type: resume codes for learners, join and educator codes for cohorts, certificate IDs.

The codes are random (from `secrets`) so that they say nothing about the person and cannot be guessed. The
alphabet leaves out characters that look or sound alike (0/O, 1/I/L) and U (so that no word is spelled by chance).
Codes are stored in their canonical form (upper case, no dashes) and shown in groups, "K7M-4QX-9TD".
"""
from __future__ import annotations

import hashlib
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
RESUME_LENGTH = 9  # 30**9, about 2e13 codes (44 bits): enough that guessing one is hopeless
JOIN_LENGTH = 10  # in a link given to a class: unguessable, still short
EDUCATOR_LENGTH = 20  # opens a whole class's results: about 98 bits
CERTIFICATE_LENGTH = 12  # printed on a certificate, read aloud to whoever checks it: about 59 bits, shown 4-4-4


def _random(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def normalise(text: str) -> str:
    """What a person typed, as stored: case, spaces and dashes do not matter."""
    return "".join(text.split()).replace("-", "").replace("\u2010", "").replace("\u2013", "").upper()


def grouped(code: str, size: int = 3) -> str:
    """A canonical code shown in groups: "K7M4QX9TD" -> "K7M-4QX-9TD"."""
    return "-".join(code[i:i + size] for i in range(0, len(code), size))


def is_canonical(code: str, length: int) -> bool:
    return len(code) == length and all(c in ALPHABET for c in code)


def new_resume_code() -> str:
    return _random(RESUME_LENGTH)


def new_join_code() -> str:
    return _random(JOIN_LENGTH)


def new_educator_code() -> str:
    return _random(EDUCATOR_LENGTH)


def new_certificate_code() -> str:
    return _random(CERTIFICATE_LENGTH)


def educator_digest(canonical: str) -> str:
    """Educator codes are stored only as a hash: a copy of the database does not open a class's results."""
    return hashlib.sha256(f"her2lesson-educator:{canonical}".encode()).hexdigest()


def short(code: str) -> str:
    """A code as it may appear in a log: enough to tell two apart in one session, not enough to use."""
    return normalise(code)[:3] + "\u2026"
