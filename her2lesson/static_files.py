"""The page's static files, compressed once per server and sent from memory, in brotli where the browser takes it.

Why: a first visit loads about a hundred script files (Voila's front end, the widget extensions, the lesson's own
modules). Tornado's `compress_response` gzips each one again for every visitor, on the server's one thread: about
half a second of CPU per page, while learners wait for their pages and the kernel pool refills. Packed once and kept,
a file costs a dictionary lookup; and brotli at its best setting is about 15% smaller than gzip, which on a phone's
1.6 Mbps line is close to a second of the first visit.

Packing is done in one worker thread (brotli and zlib let go of the interpreter lock while they work), so the event
loop never waits for it: until a file is packed, it is sent as before, gzipped on the fly.
"""
from __future__ import annotations

import gzip
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

try:
    import brotli  # type: ignore[import-untyped]
except ImportError:  # brotli is a dependency; without it the files still go out gzipped
    brotli = None

# What is worth compressing; images and fonts here are already compressed formats, or tiny.
PACKABLE = (".js", ".mjs", ".css", ".json", ".svg", ".html", ".map", ".txt")


def accepted_encodings(header: str) -> set[str]:
    """The content codings an Accept-Encoding header accepts (a coding given q=0 is refused)."""
    out: set[str] = set()
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        q = params.strip().removeprefix("q=") if params.strip().startswith("q=") else "1"
        try:
            refused = float(q) == 0
        except ValueError:
            refused = False
        if name and not refused:
            out.add(name.strip().lower())
    return out


class PackedFiles:
    """Each file's gzip and brotli forms, made on first request in the background, kept while the file is unchanged.

    Bounded in bytes: past the budget, further files are simply sent gzipped on the fly, as Tornado does."""

    def __init__(self, budget_bytes: int = 64 * 1024 * 1024) -> None:
        self.budget = budget_bytes
        self.used = 0
        self._packed: dict[tuple[str, str], tuple[tuple[int, int], bytes]] = {}
        self._pending: set[str] = set()
        self._lock = threading.Lock()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="her2lesson-pack")

    def encodings(self) -> tuple[str, ...]:
        """The codings offered, best first."""
        return ("br", "gzip") if brotli is not None else ("gzip",)

    def get(self, path: str, accepted: set[str]) -> tuple[str, bytes] | None:
        """The best packed form of `path` the client accepts, or None (and packing is set going) if there is none
        yet, the file changed, or it is not worth packing."""
        if not path.endswith(PACKABLE):
            return None
        try:
            stat = os.stat(path)
        except OSError:
            return None
        stamp = (stat.st_size, stat.st_mtime_ns)
        for encoding in self.encodings():
            if encoding not in accepted:
                continue
            entry = self._packed.get((path, encoding))
            if entry is not None and entry[0] == stamp:
                return encoding, entry[1]
        self._pack_later(path, stamp)
        return None

    def pack_soon(self, path: str) -> None:
        """Start packing `path` now, before anyone asks for it (the page bundle, at server start)."""
        try:
            stat = os.stat(path)
        except OSError:
            return
        self._pack_later(path, (stat.st_size, stat.st_mtime_ns))

    def _pack_later(self, path: str, stamp: tuple[int, int]) -> None:
        with self._lock:
            if path in self._pending or self.used >= self.budget:
                return
            self._pending.add(path)
        self._worker.submit(self._pack, path, stamp)

    def _pack(self, path: str, stamp: tuple[int, int]) -> None:
        try:
            with open(path, "rb") as handle:
                raw = handle.read()
            forms = {"gzip": gzip.compress(raw, compresslevel=9, mtime=0)}
            if brotli is not None:
                forms["br"] = brotli.compress(raw, quality=11)
            with self._lock:
                for encoding, data in forms.items():
                    old = self._packed.get((path, encoding))
                    self.used += len(data) - (len(old[1]) if old else 0)
                    self._packed[(path, encoding)] = (stamp, data)
        except OSError:
            pass  # gone or unreadable: the handler sends its own answer for that
        finally:
            with self._lock:
                self._pending.discard(path)

    def wait(self) -> None:
        """Block until everything asked for so far is packed (for tests)."""
        self._worker.submit(lambda: None).result()


PACKED = PackedFiles()


class PackedStatic:
    """Mixed into a Tornado StaticFileHandler: the body comes from PACKED when a packed form is ready.

    A range request is answered from the file itself, uncompressed: byte ranges of a compressed body would not be
    the ranges asked for."""

    _packed_body: tuple[str, bytes] | None = None

    def get_content_size(self) -> int:
        handler: Any = self
        self._packed_body = None
        if "Range" not in handler.request.headers and handler.request.method == "GET":
            self._packed_body = PACKED.get(handler.absolute_path,
                                           accepted_encodings(handler.request.headers.get("Accept-Encoding", "")))
        if self._packed_body is None:
            return super().get_content_size()  # type: ignore[misc]
        handler.set_header("Content-Encoding", self._packed_body[0])  # Tornado's gzip then leaves it alone
        return len(self._packed_body[1])

    def get_content(self, abspath: str, start: int | None = None, end: int | None = None) -> Any:
        if self._packed_body is not None:
            return self._packed_body[1][start:end]
        return super().get_content(abspath, start, end)  # type: ignore[misc]
