"""Settings chosen when the server starts, handed to every kernel through the environment.

The kernel runs the dashboard notebook, so it cannot see `her2lesson serve`'s arguments directly; environment
variables are the one channel Voila passes from server to kernel.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

PREFIX = "HER2LESSON_"


@dataclass(frozen=True)
class LessonSettings:
    pass_mark: int = 80
    """Percent of final-check questions right on their one scored try needed for a certificate."""
    provider: str = "her2lesson open learning module"
    """Who issues the certificate (an organisation's name)."""
    contact_hours: float = 1.0
    """Contact hours printed on the certificate."""
    facilitator_code: str = ""
    """Code that opens facilitator mode (empty: facilitator mode is off)."""
    accreditation: str = ""
    """A line printed on the certificate, e.g. who accredits the contact hours (empty: no line)."""
    authors: str = ""
    """Who wrote and reviewed the module, shown with the sources (empty: not shown)."""
    contact: str = ""
    """Where to report an error (an e-mail address, a web address or plain words), shown with the sources."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "LessonSettings":
        source: Mapping[str, str] = os.environ if env is None else env
        values: dict[str, Any] = {}
        for field in fields(cls):
            raw = source.get(PREFIX + field.name.upper())
            if raw is None:
                continue
            convert = {"int": int, "float": float}.get(str(field.type), str)
            try:
                values[field.name] = convert(raw)
            except ValueError:
                continue  # a bad value falls back to the default rather than breaking a learner's page
        settings = cls(**values)
        return settings if 0 < settings.pass_mark <= 100 else cls(**{**values, "pass_mark": cls.pass_mark})

    def to_env(self) -> dict[str, str]:
        return {PREFIX + f.name.upper(): str(getattr(self, f.name)) for f in fields(self)}
