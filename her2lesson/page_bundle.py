"""The page's script chunks in one file, fetched once instead of about seventy times.

Why: Voila's front end and the widget extensions are webpack builds split into chunks, which the page discovers and
fetches one by one (57 from Voila and 12 from the extensions for the lesson's first screen). Each is a request: on a
phone's network a round trip in a queue of six, on the server a turn of its one thread (on loopback, fetching them
took about a second of a 2.5 s page). Webpack lets chunks arrive before its runtime: a chunk file only pushes its
modules onto a global list, which the runtime reads when it starts, and a chunk it already holds it never fetches.
So the page loads one bundle of the chunks its first screen needs, just before Voila's script; a chunk not in the
bundle is still fetched the usual way.

Which chunks: `page_chunks.json`, written by `tools/page_chunks.py` from what real pages fetch, with each file's
SHA-256. A file that is not the one recorded (another Voila or extension release) is left out, so an old list can
make the page slower, never wrong; a browser test says when the list should be written again.
"""
from __future__ import annotations

import hashlib
import json
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

MANIFEST = Path(__file__).with_name("page_chunks.json")
MANIFEST_ENV = "HER2LESSON_PAGE_CHUNKS"  # another list for the server to read (tools/page_chunks.py gives it none)
ROUTE = "her2lesson/bundle/"  # under the server's base URL
VOILA_STATIC = "voila/static/"
EXTENSIONS = "voila/labextensions/"
# A chunk: Voila's numbered files, or an extension's files other than its entry (remoteEntry), which Voila loads
CHUNK = re.compile(r"^(voila/static/\d+\.voila\.js|voila/labextensions/.+/static/(?!remoteEntry\.)[\w.-]+\.js)$")


def chunk_address(url: str, base: str) -> str | None:
    """The address under the server's base URL (`base`, ending in /), if `url` is a chunk file."""
    if not url.startswith(base):
        return None
    address = url[len(base):].split("?", 1)[0].split("#", 1)[0]
    return address if CHUNK.match(address) else None


@dataclass
class PageBundle:
    """The bundle as served: its file, its address under the base URL, and what went into it."""

    directory: Path
    name: str = ""  # page-chunks.<digest>.js; empty when nothing could be bundled
    included: list[str] = field(default_factory=list)  # addresses (under the base URL) now served inside it
    left_out: list[str] = field(default_factory=list)  # in the list, but missing or changed on this machine

    def address(self, base_url: str) -> str:
        return f"{base_url.rstrip('/')}/{ROUTE}{self.name}" if self.name else ""


def read_manifest(path: Path = MANIFEST) -> list[dict[str, str]]:
    """The recorded chunks: [{"address": "voila/static/5764.voila.js", "sha256": "..."}, ...]; [] if none."""
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))["chunks"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    return [e for e in entries if isinstance(e, dict) and {"address", "sha256"} <= e.keys()]


def find_file(address: str, static_paths: Sequence[str], extension_paths: Sequence[str]) -> Path | None:
    """The file the server would send for `address`, searched where Voila's own handlers search."""
    if address.startswith(VOILA_STATIC):
        rest, roots = address[len(VOILA_STATIC):], static_paths
    elif address.startswith(EXTENSIONS):
        rest, roots = address[len(EXTENSIONS):], extension_paths
    else:
        return None
    if ".." in Path(rest).parts:
        return None
    for root in roots:
        candidate = Path(root) / rest
        if candidate.is_file():
            return candidate
    return None


def build(static_paths: Sequence[str], extension_paths: Sequence[str], manifest: Path = MANIFEST,
          directory: Path | None = None) -> PageBundle:
    """Write the bundle of every recorded chunk found unchanged on this machine; named by its content's digest."""
    directory = directory or Path(tempfile.mkdtemp(prefix="her2lesson-bundle-"))
    directory.mkdir(parents=True, exist_ok=True)
    bundle = PageBundle(directory)
    parts: list[bytes] = []
    for entry in read_manifest(manifest):
        found = find_file(entry["address"], static_paths, extension_paths)
        data = found.read_bytes() if found else b""
        if not found or hashlib.sha256(data).hexdigest() != entry["sha256"]:
            bundle.left_out.append(entry["address"])
            continue
        # each chunk is one statement; a newline and a semicolon keep a missing final one from joining the next
        parts.append(b"\n;" + data)
        bundle.included.append(entry["address"])
    if parts:
        body = b"".join(parts)
        bundle.name = f"page-chunks.{hashlib.sha256(body).hexdigest()[:16]}.js"
        (directory / bundle.name).write_bytes(body)
    return bundle
