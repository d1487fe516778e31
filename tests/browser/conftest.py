"""Browser fixtures: a real `her2lesson serve` on a free loopback port, driven by headless Chromium.

Outside CI a missing Chromium skips these tests with the reason; under CI=true it is a failure.
"""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output"
CHROMIUM = os.environ.get("HER2LESSON_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
PAGE_READY_MS = 90_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition: Callable[[], object], timeout: float, what: str, interval: float = 0.25) -> object:
    """Poll `condition` until it returns something truthy; fail saying `what` if `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: Path
    data_dir: Path | None = None

    def health(self) -> dict:
        with urllib.request.urlopen(self.url + "health", timeout=5) as response:
            return json.load(response)

    def kernels(self) -> int:
        return int(self.health()["kernels"])

    def kernel_processes(self) -> list:
        """The learners' kernels: forked from the server's zygote (named `h2l-kernel`), or started the usual way
        (`python -m her2lesson.kernel -f CONNECTION_FILE`)."""
        import psutil

        found = []
        for process in psutil.Process(self.process.pid).children(recursive=True):
            try:
                if process.name() == "h2l-kernel" or "-f" in process.cmdline():
                    found.append(process)
            except psutil.NoSuchProcess:
                pass
        return found

    def connection_folder(self) -> Path:
        """Where Voila keeps the kernels' connection files (it says so in the log as it starts)."""
        said = re.search(r"Storing connection files in (\S+?)\.?$", self.log.read_text(), re.MULTILINE)
        assert said, "the server did not say where its connection files are"
        return Path(said.group(1))

    def kill(self) -> None:
        """SIGKILL the server and its kernels (which run in sessions of their own), as a crash would."""
        import psutil

        family = psutil.Process(self.process.pid).children(recursive=True)
        os.killpg(self.process.pid, signal.SIGKILL)
        for child in family:
            try:
                child.kill()
            except psutil.NoSuchProcess:
                pass
        self.process.wait(timeout=20)
        psutil.wait_procs(family, timeout=20)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def start_server(name: str, *args: str, env: dict[str, str] | None = None, data_dir: Path | None = None,
                 port: int | None = None) -> Server:
    """`her2lesson serve` on a free port, with its own learner records (a fresh folder unless one is given)."""
    port = port or free_port()
    OUTPUT.mkdir(exist_ok=True)
    log = OUTPUT / f"server-{name}.log"
    if data_dir is None and "--database-url" not in args:
        data_dir = Path(tempfile.mkdtemp(prefix=f"h2l-{name}-"))
    records = ["--data-dir", str(data_dir)] if data_dir is not None else []
    process = subprocess.Popen([sys.executable, "-m", "her2lesson", "serve", "--port", str(port), *records, *args],
                               stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
                               env={**os.environ, **(env or {})})
    server = Server(f"http://127.0.0.1:{port}/", process, log, data_dir)

    def up() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"the server exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            return server.health()["status"] == "ok"
        except OSError:
            return False

    wait_until(up, 60, "the server to answer /health")
    return server


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    s = start_server("main", "--cull-idle", "3600", "--facilitator-code", "group-code-42")
    yield s
    s.stop()


@pytest.fixture(scope="session")
def playwright_instance():
    if not Path(CHROMIUM).exists():
        reason = f"Chromium not found at {CHROMIUM}: install Debian's chromium package (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance):
    b = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield b
    b.close()


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    return context.new_page()


def open_dashboard(page, server: Server | str, query: str = ""):
    """Open the dashboard (of a Server, or at a base URL such as a load balancer's) and wait until it shows."""
    base = server if isinstance(server, str) else server.url
    page.goto(base + (f"?{query}" if query else ""))
    page.locator(".h2l-app").wait_for(state="visible", timeout=PAGE_READY_MS)
    return page


def screenshot(page, name: str) -> Path:
    folder = OUTPUT / "screens"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


AXE_JS = None


def axe_violations(page, selector: str | None = None) -> list[dict]:
    """Run axe-core (shipped by the axe-playwright-python package) for WCAG 2.x A and AA rules."""
    global AXE_JS
    if AXE_JS is None:
        import axe_playwright_python

        AXE_JS = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")
    page.evaluate(AXE_JS)
    context = json.dumps(selector) if selector else "document"
    result = page.evaluate(
        "async () => await axe.run(%s, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}, resultTypes: ['violations']})" % context)
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]} for v in result["violations"]]
