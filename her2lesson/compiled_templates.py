"""The page templates compiled once per server, not once per page.

Why: Voila makes a new nbconvert exporter, and with it a new Jinja environment, for every page it renders and every
kernel it preheats, so the lesson's template and the ones it extends are parsed and compiled again each time: about
a third of a second of the server's one thread per page (py-spy, 2026-11-29), paid again by every learner of a class
arriving at once. Jinja's bytecode cache is the hook it offers for this; this one keeps the compiled code in memory,
keyed by the template, the environment's settings and a checksum of the source, so an edited template is compiled
afresh.
"""
from __future__ import annotations

import threading

import jinja2
import voila.notebook_renderer
from jinja2.bccache import Bucket
from voila.exporter import VoilaExporter


class CompiledTemplates(jinja2.BytecodeCache):
    """Compiled template code in memory (code objects are immutable, so environments can share them)."""

    def __init__(self) -> None:
        self._code: dict[tuple, tuple[str, object]] = {}
        self._lock = threading.Lock()
        self.compiled = 0  # how many times a template had to be compiled (read by the tests)

    @staticmethod
    def _key(bucket: Bucket) -> tuple:
        env = bucket.environment
        return bucket.key, env.is_async, tuple(sorted(env.extensions)), env.autoescape

    def load_bytecode(self, bucket: Bucket) -> None:
        hit = self._code.get(self._key(bucket))
        if hit is not None and hit[0] == bucket.checksum:
            bucket.code = hit[1]  # type: ignore[assignment]

    def dump_bytecode(self, bucket: Bucket) -> None:
        with self._lock:
            self.compiled += 1
            self._code[self._key(bucket)] = (bucket.checksum, bucket.code)


COMPILED = CompiledTemplates()


class LessonExporter(VoilaExporter):
    """Voila's exporter with the shared compiled templates."""

    def _create_environment(self) -> jinja2.Environment:
        environment = super()._create_environment()
        environment.bytecode_cache = COMPILED
        return environment


def use_compiled_templates() -> None:
    """Make Voila's page renderer build its exporters from LessonExporter. Voila names the exporter class in its
    renderer module and has no setting for it, so the name there is pointed at ours (once, at server start)."""
    voila.notebook_renderer.VoilaExporter = LessonExporter
