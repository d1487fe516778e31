"""Write her2lesson/page_chunks.json: the script chunks real lesson pages fetch, for the page bundle (page_bundle.py).

    .venv/bin/python tools/page_chunks.py          # after a Voila, ipywidgets or anywidget upgrade

It starts the module with no bundle, opens pages in headless Chromium (the start screen and a quiz, on both
tracks), waits until each is quiet, and records every chunk file fetched with its SHA-256. A browser test in
tests/browser/test_places.py (a page fetches only what it uses) fails when the list needs writing again.
"""
from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from her2lesson.page_bundle import MANIFEST, MANIFEST_ENV, chunk_address  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
PAGES = ("/", "/?track=patient&section=testing", "/?track=nurse&section=treatments")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def record(base: str) -> dict[str, str]:
    """Every chunk the pages fetch, with the SHA-256 of the file as sent."""
    found: dict[str, str] = {}

    def seen(response) -> None:
        address = chunk_address(response.url, base)
        if address and response.ok:
            found[address] = hashlib.sha256(response.body()).hexdigest()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for path in PAGES:
            context = browser.new_context()  # an empty cache for each page
            page = context.new_page()
            page.on("response", seen)
            page.goto(base + path.lstrip("/"), wait_until="load", timeout=120_000)
            page.wait_for_selector("#rendered_cells:not([style*='none'])", timeout=120_000)
            page.wait_for_load_state("networkidle", timeout=120_000)
            context.close()
        browser.close()
    return found


def main() -> int:
    port = free_port()
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, MANIFEST_ENV: str(Path(data) / "none.json")}  # no bundle: every chunk is fetched
        server = subprocess.Popen([sys.executable, "-m", "her2lesson", "serve", "--port", str(port), "--data-dir",
                                   data], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}/"
            for _ in range(120):
                try:
                    urllib.request.urlopen(base + "health", timeout=2)
                    break
                except OSError:
                    time.sleep(0.5)
            chunks = record(base)
        finally:
            server.terminate()
            server.wait(timeout=30)
    entries = [{"address": address, "sha256": digest} for address, digest in sorted(chunks.items())]
    MANIFEST.write_text(json.dumps({"written_by": "tools/page_chunks.py", "chunks": entries}, indent=1) + "\n",
                        encoding="utf-8")
    print(f"{len(entries)} chunks written to {MANIFEST.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
