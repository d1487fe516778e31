"""Settings chosen when the server starts, declared once: `her2lesson serve` makes its options from them, and every
kernel reads them back from the environment.

The kernel runs the dashboard notebook, so it cannot see `her2lesson serve`'s arguments directly; environment
variables are the one channel Voila passes from server to kernel.
"""
from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

PREFIX = "HER2LESSON_"


def percent(text: str) -> int:
    """A pass mark typed on the command line: a whole number from 1 to 100."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 100:
        raise argparse.ArgumentTypeError("must be a whole number from 1 to 100")
    return value


def _setting(default: Any, help: str, parse: Callable[[str], Any] | None = None, from_env: bool = False) -> Any:
    """A setting's default, its help text for `serve --help`, and how the command line reads it. `from_env`: the
    option's default comes from $HER2LESSON_<NAME> (a secret is better kept out of shell history)."""
    return field(default=default, metadata={"help": help, "parse": parse or type(default), "from_env": from_env})


@dataclass(frozen=True)
class LessonSettings:
    pass_mark: int = _setting(80, "final-check pass mark in percent: the share of final-check questions right on "
                                  "their one scored try needed for a certificate", parse=percent)
    provider: str = _setting("her2lesson open learning module", "who issues the certificate (an organisation's "
                                                                 "name)")
    contact_hours: float = _setting(1.0, "contact hours printed on the certificate")
    facilitator_code: str = _setting("", "code that opens facilitator mode, typed on the page (off when empty)",
                                     from_env=True)
    accreditation: str = _setting("", 'a line printed on the certificate, e.g. "Approved for 1.0 contact hour '
                                      'by ..." (none when empty)')
    authors: str = _setting("", "who wrote and reviewed the module, shown with the sources (not shown when empty)")
    contact: str = _setting("", "where to report an error (an e-mail address, a web address or plain words), "
                                "shown with the sources")

    @classmethod
    def add_options(cls, parser: argparse.ArgumentParser) -> None:
        """One command-line option per setting (--pass-mark, --provider, ...), with its help and default."""
        for each in fields(cls):
            meta = each.metadata
            env_name = PREFIX + each.name.upper()
            default = os.environ.get(env_name, each.default) if meta["from_env"] else each.default
            shown = f"${env_name}" if meta["from_env"] else repr(each.default) if each.default != "" else "empty"
            parser.add_argument("--" + each.name.replace("_", "-"), type=meta["parse"], default=default,
                                help=f"{meta['help']} (default: {shown})")

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> "LessonSettings":
        return cls(**{each.name: getattr(args, each.name) for each in fields(cls)})

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "LessonSettings":
        source: Mapping[str, str] = os.environ if env is None else env
        values: dict[str, Any] = {}
        for each in fields(cls):
            raw = source.get(PREFIX + each.name.upper())
            if raw is None:
                continue
            try:
                values[each.name] = each.metadata["parse"](raw)
            except (ValueError, argparse.ArgumentTypeError):
                continue  # a bad value falls back to the default rather than breaking a learner's page
        return cls(**values)

    def to_env(self) -> dict[str, str]:
        return {PREFIX + f.name.upper(): str(getattr(self, f.name)) for f in fields(self)}
