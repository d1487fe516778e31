"""deploy/nginx.conf on loopback: two instances behind nginx, sticky sessions, one shared PostgreSQL record store."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import urllib.request
from pathlib import Path

import pytest

from .conftest import ROOT, free_port, open_dashboard, start_server, wait_until

pytestmark = pytest.mark.browser
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


@pytest.fixture
def nginx_binary() -> str:
    if not Path(NGINX).exists():
        reason = "nginx not installed (apt-get install nginx)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return NGINX


def health_via(url: str, route: str) -> dict:
    request = urllib.request.Request(url + "health", headers={"Cookie": f"h2l_route={route}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def test_two_instances_behind_nginx_share_one_record_store(browser, content, database, nginx_binary, tmp_path):
    a = start_server("deploy-a", "--database-url", database, "--pool-size", "1", "--behind-proxy")
    b = start_server("deploy-b", "--database-url", database, "--pool-size", "1", "--behind-proxy")
    port = free_port()
    ports = [int(s.url.rsplit(":", 1)[1].strip("/")) for s in (a, b)]
    config = (ROOT / "deploy" / "nginx.conf").read_text()
    config = config.replace("server 127.0.0.1:8866;", f"server 127.0.0.1:{ports[0]};")
    config = config.replace("server 127.0.0.1:8867;", f"server 127.0.0.1:{ports[1]};")
    config = config.replace("listen 127.0.0.1:8080;", f"listen 127.0.0.1:{port};")
    assert str(ports[0]) in config and str(port) in config, "the shipped config has the placeholders we fill in"
    (tmp_path / "logs").mkdir()
    (tmp_path / "nginx.conf").write_text(config)
    nginx = subprocess.Popen([nginx_binary, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"),
                              "-g", f"daemon off; pid {tmp_path}/nginx.pid; error_log {tmp_path}/logs/error.log;"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until(lambda: _up(url), 30, "nginx to answer")
        # Sticky: the same route always reaches the same instance; different routes spread over both.
        routes: dict[int, str] = {}
        for k in range(40):
            got = health_via(url, f"learner-{k}")["port"]
            assert health_via(url, f"learner-{k}")["port"] == got
            routes.setdefault(got, f"learner-{k}")
            if len(routes) == 2:
                break
        assert set(routes) == set(ports), "both instances take learners"

        question = next(q for q in content.banks["causes"].questions if q.type == "single")
        right = next(o.text for o in question.options if o.correct)
        ctx = browser.new_context()
        ctx.add_cookies([{"name": "h2l_route", "value": routes[ports[0]], "url": url}])
        page = open_dashboard(ctx.new_page(), url, "track=patient&section=causes")
        card = page.locator(".h2l-question").filter(has_text=question.prompt).first
        card.get_by_role("radio", name=right, exact=True).check()
        card.get_by_role("button", name="Check").click()  # the kernel's websocket goes through nginx
        card.locator("[role=status]").filter(has_text="Correct").wait_for()
        code = re.search(r"([A-Z0-9]{3}-[A-Z0-9]{3}-[A-Z0-9]{3})",
                         page.locator(".h2l-code").filter(has_text="Your resume code").inner_text()).group(1)
        ctx.close()

        other = browser.new_context()  # another device, pinned to the other instance
        other.add_cookies([{"name": "h2l_route", "value": routes[ports[1]], "url": url}])
        page = open_dashboard(other.new_page(), url)
        page.get_by_role("button", name="Coming back? Use my resume code").click()
        page.get_by_label("Coming back? Type your resume code").fill(code)
        page.get_by_role("button", name="Continue where I left off").click()
        card = page.locator(".h2l-question").filter(has_text=question.prompt).first
        card.locator("[role=status]").filter(has_text="Correct").wait_for()
        other.close()
    finally:
        nginx.terminate()
        nginx.wait(timeout=20)
        a.stop()
        b.stop()


def _up(url: str) -> bool:
    try:
        return health_via(url, "probe")["status"] == "ok"
    except OSError:
        return False
