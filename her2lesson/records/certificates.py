"""Checking a certificate of completion by its ID, the same way for the command line and the educator view.

The records keep what the certificate says (date, score, pass mark, provider, contact hours) but not the learner's
name: only a salted, deliberately slow hash of it, so that a verifier who types the name can be told whether it
matches, while a copy of the database does not give the names back (nor lets a list of names be tried quickly).
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass
from typing import Protocol

from . import codes
from .models import IssuedCertificate

DIGEST_SCHEME = "pbkdf2-sha256"
DIGEST_ROUNDS = 100_000  # a tenth of a second or so per try: nothing for one check, slow for a list of names


def normal_name(name: str) -> str:
    """A name as compared: Unicode-normalised, case and spacing ignored ("ada  LOVELACE" is "Ada Lovelace")."""
    return " ".join(unicodedata.normalize("NFKC", str(name or "")).casefold().split())


def name_digest(name: str, salt: bytes | None = None, rounds: int = DIGEST_ROUNDS) -> str:
    """`pbkdf2-sha256$rounds$salt$hash` of the normalised name; a new random salt for each certificate."""
    salt = secrets.token_bytes(16) if salt is None else salt
    digest = hashlib.pbkdf2_hmac("sha256", normal_name(name).encode(), salt, rounds)
    return f"{DIGEST_SCHEME}${rounds}${salt.hex()}${digest.hex()}"


def name_matches(name: str, stored: str) -> bool:
    """Whether `name` is the name whose digest was stored (False for an empty or unreadable digest)."""
    try:
        scheme, rounds, salt, _ = stored.split("$")
        if scheme != DIGEST_SCHEME:
            return False
        again = name_digest(name, bytes.fromhex(salt), int(rounds))
    except ValueError:
        return False
    return hmac.compare_digest(again, stored)


def canonical_id(text: str) -> str | None:
    """A typed certificate ID in its stored form, or None if it cannot be one (so no lookup is made)."""
    canonical = codes.normalise(str(text or "")[:40])
    return canonical if codes.is_canonical(canonical, codes.CERTIFICATE_LENGTH) else None


def grouped_id(canonical: str) -> str:
    return codes.grouped(canonical, 4)


@dataclass(frozen=True)
class Verification:
    """The answer to "is this certificate genuine?", for one ID and optionally the name printed on it."""

    typed_id: str
    certificate: IssuedCertificate | None
    name_match: bool | None = None
    """None when no name was given to check."""

    @property
    def genuine(self) -> bool:
        """Issued by these records, and (when a name was given) to that name."""
        return self.certificate is not None and self.name_match is not False


class CertificateLookup(Protocol):
    """What verify() needs of a store (both backends have it)."""

    def certificate(self, code: str) -> IssuedCertificate | None: ...


def verify(store: CertificateLookup, typed_id: str, name: str | None = None) -> Verification:
    """Look the ID up; with a name, also say whether it is the name the certificate was issued to."""
    typed = " ".join(str(typed_id or "").split())[:40]
    found = store.certificate(typed) if canonical_id(typed) else None
    match = None if found is None or not (name or "").strip() else name_matches(name or "", found.name_digest)
    return Verification(typed, found, match)
