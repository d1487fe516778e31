"""The one error the records layer raises for a store it cannot use, said so that whoever runs the server can fix it.

A server that starts must print one clear line (which file, what is wrong, how to fix it), never a traceback: so
every driver error met while opening or using a store is turned into a StoreError with that line as its message.
"""
from __future__ import annotations


class StoreError(Exception):
    """The learner records cannot be read or written; the message names the place, the problem and the fix."""

    def __init__(self, where: str, problem: str, fix: str):
        self.where, self.problem, self.fix = where, problem, fix
        super().__init__(f"{where}: {problem}. Fix: {fix}")
