"""The lesson served from a real JupyterHub, as deploy/jupyterhub_config.py sets it up: a hub-managed service.

A JupyterHub (with its configurable-http-proxy) runs on loopback with the shipped example configuration, a few
settings changed for the test (ports, a short idle cull, one kernel kept ready, a fresh records folder). A learner
signs in through the hub's login form in headless Chromium, lands on the lesson under /services/her2lesson/, answers
a question, closes the tab: the kernel is gone (the shutdown beacon passed the hub's sign-in). On another device (a
fresh browser) the same hub user signs in again and finds the answer, with no resume code anywhere; that tab vanishes
without closing, and its kernel is culled. The records hold a one-way key, never the user name.

Outside CI a missing jupyterhub or configurable-http-proxy skips this with the reason; under CI=true it fails.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .conftest import OUTPUT, ROOT, screenshot, wait_until

pytestmark = pytest.mark.browser

CONFIG = ROOT / "deploy" / "jupyterhub_config.py"
SERVICE = "/services/her2lesson/"
PASSWORD = "class-password-42"
USER = "zoe-learner"  # letters outside 0-9a-f, so it cannot hide inside a hex key in the records file
CULL = 8  # seconds: the idle cull of a vanished tab's kernel (checked every 5 s)
BEACON_S = 6  # a closed tab's kernel goes at once (the beacon), well before the cull could take it
PAGE_MS = 90_000


def _missing() -> str | None:
    try:
        import jupyterhub  # noqa: F401
    except ImportError:
        return "jupyterhub is not installed: pip install -e '.[test]'"
    if shutil.which("configurable-http-proxy") is None:
        return ("configurable-http-proxy (JupyterHub's proxy) is not on PATH: npm install -g configurable-http-proxy "
                "(`make deps` does it)")
    return None


@pytest.fixture(scope="module")
def hub_tools() -> None:
    reason = _missing()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


def loopback_ports(n: int) -> list[int]:
    """n free loopback ports from 9100-9199 (the range this project's tests may take on a shared machine)."""
    found: list[int] = []
    for port in random.sample(range(9100, 9200), 100):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        found.append(port)
        if len(found) == n:
            return found
    raise AssertionError("no free loopback ports in 9100-9199")


class Hub:
    def __init__(self, folder: Path):
        self.folder = folder
        self.records = folder / "records"
        self.public, hub_api, proxy_api, self.lesson_port = loopback_ports(4)
        self.url = f"http://127.0.0.1:{self.public}"
        self.log = OUTPUT / "jupyterhub.log"
        (folder / "test_config.py").write_text(f"""
load_subconfig({str(CONFIG)!r})  # the shipped example, then what a test changes
c.JupyterHub.bind_url = "http://127.0.0.1:{self.public}"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{hub_api}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api}"
service = c.JupyterHub.services[0]
service["url"] = "http://127.0.0.1:{self.lesson_port}"
command = service["command"]
command[command.index("--cull-idle") + 1] = "{CULL}"
command[command.index("--pool-size") + 1] = "1"
command += ["--data-dir", {str(self.records)!r}]
""")
        OUTPUT.mkdir(exist_ok=True)
        env = {**os.environ, "HER2LESSON_HUB_PASSWORD": PASSWORD}
        env.pop("HER2LESSON_DATABASE_URL", None)
        self.process = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(folder / "test_config.py")],
                                        cwd=folder, env=env, stdout=self.log.open("w"), stderr=subprocess.STDOUT,
                                        start_new_session=True)

    def health(self) -> dict:
        with urllib.request.urlopen(self.url + SERVICE + "health", timeout=5) as response:
            return json.load(response)

    def kernels(self) -> int:
        return int(self.health()["kernels"])

    def up(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"JupyterHub exited with {self.process.returncode}:\n{self.log.read_text()[-4000:]}")
        try:
            return self.health()["status"] == "ok"
        except (OSError, ValueError):
            return False

    def stop(self) -> None:
        """SIGTERM: the hub stops its service and proxy; anything left in the group after 40 s is killed."""
        import psutil

        family = psutil.Process(self.process.pid).children(recursive=True) if self.process.poll() is None else []
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        for child in family:
            try:
                child.kill()
            except psutil.NoSuchProcess:
                pass


@pytest.fixture
def hub(hub_tools, tmp_path):
    running = Hub(tmp_path)
    try:
        wait_until(running.up, 60, "JupyterHub and the lesson service to answer /health through the hub's proxy")
        yield running
    finally:
        running.stop()


def sign_in_and_open(browser, hub: Hub, query: str = ""):
    """A fresh browser (another device): the lesson's address, the hub's login form, then the lesson."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.goto(hub.url + SERVICE + (f"?{query}" if query else ""))
    page.locator("#username_input").wait_for(timeout=30_000)  # not signed in: the hub asks who this is
    assert "/hub/login" in page.url
    page.fill("#username_input", USER)
    page.fill("#password_input", PASSWORD)
    page.click("#login_submit")
    page.locator(".h2l-app").wait_for(state="visible", timeout=PAGE_MS)
    assert page.url.startswith(hub.url + SERVICE), page.url
    return ctx, page


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is the answer to look at, not to follow."""

    def redirect_request(self, *args, **kwargs):
        return None


def patient_question(content):
    return next(q for q in content.banks["testing"].questions
                if q.audience in ("patient", "both") and q.type == "single")


def test_a_hub_user_learns_leaves_and_comes_back_to_their_answers_with_no_code(browser, hub, content):
    # Nobody signed in: the lesson sends the visitor to the hub, never shows a page or starts a kernel.
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.build_opener(NoRedirect).open(hub.url + SERVICE, timeout=10)
    assert refused.value.code == 302 and "/hub/api/oauth2/authorize" in refused.value.headers["Location"]
    pool = wait_until(lambda: hub.kernels() == 1 and 1, 60, "the one kernel kept ready")

    question = patient_question(content)
    right = next(o for o in question.options if o.correct)
    ctx, page = sign_in_and_open(browser, hub, "track=patient&section=testing")
    card = page.locator(".h2l-question").filter(has_text=question.prompt).first
    card.get_by_role("radio", name=right.text, exact=True).check()
    card.get_by_role("button", name="Check").click()
    card.locator("[role=status]").filter(has_text="Correct").wait_for()
    assert page.locator(".h2l-code").count() == 0, "a hub user has no resume code to keep"
    assert page.get_by_role("button", name="Coming back? Use my resume code").count() == 0
    screenshot(page, "jupyterhub-answered")
    page.close(run_before_unload=True)  # the tab is closed: its beacon shuts the kernel down
    ctx.close()
    wait_until(lambda: hub.kernels() == pool, BEACON_S, "the closed tab's kernel to be shut down by its beacon")

    ctx, page = sign_in_and_open(browser, hub)  # another device: no cookie, no stored code
    page.locator(".h2l-main h1").filter(has_text="Testing for HER2").first.wait_for(timeout=30_000)
    card = page.locator(".h2l-question").filter(has_text=question.prompt).first
    card.locator("[role=status]").filter(has_text="Correct").wait_for()
    assert page.locator(".h2l-code").count() == 0
    screenshot(page, "jupyterhub-resumed")
    assert hub.kernels() == pool + 1
    ctx.close()  # the tab vanishes without unloading (a crash, a lost network): only the idle cull frees it
    wait_until(lambda: hub.kernels() == pool, CULL + 25, "the vanished tab's kernel to be culled")

    with sqlite3.connect(hub.records / "records.sqlite3") as db:
        assert db.execute("SELECT source, length(key) FROM external_learners").fetchall() == [("hub", 64)]
        assert db.execute("SELECT COUNT(*) FROM learners").fetchone() == (1,)
        assert db.execute("SELECT question_id, correct FROM answers").fetchall() == [(question.id, 1)]
    stored = b"".join(p.read_bytes() for p in hub.records.iterdir() if p.is_file())
    assert USER.encode() not in stored, "the records never hold the hub user's name"
