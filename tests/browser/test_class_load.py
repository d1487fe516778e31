"""A class arriving at once: the educator gets the server ready, and the class's pages find kernels waiting."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from her2lesson.class_ready import ask_server

from .conftest import axe_violations, open_dashboard, screenshot, start_server

pytestmark = pytest.mark.browser


def _cli(*args: str, code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "her2lesson", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "HER2LESSON_EDUCATOR_CODE": code}, stdin=subprocess.DEVNULL)


def test_the_educator_gets_the_server_ready_for_a_class_and_it_shrinks_back_as_they_arrive(browser, tmp_path):
    created = _cli("cohort", "create", "Ward 5", "--data-dir", str(tmp_path), code="")
    educator = re.search(r"Educator code: (\S+)", created.stdout).group(1)
    server = start_server("class-ready", "--pool-size", "1", "--unconnected-grace", "300", data_dir=tmp_path)
    try:
        refused = _cli("cohort", "ready", "3", "--url", server.url, code="NOT-A-CODE")
        assert refused.returncode == 1 and "does not open a class" in refused.stderr, refused
        assert "wrong educator code" in server.log.read_text() and "NOT-A-CODE" not in server.log.read_text()

        ctx = browser.new_context(viewport={"width": 1280, "height": 900})
        page = open_dashboard(ctx.new_page(), server, "educator")
        page.get_by_label("Educator code").fill(educator)
        page.get_by_role("button", name="Show results").click()
        page.get_by_label("How many learners will open the link together?").fill("4")
        page.get_by_role("button", name="Get ready").click()
        # the panel follows the kernels starting until all four wait
        page.locator(".h2l-class-ready .h2l-live").filter(has_text="Ready: 4 places are waiting").wait_for(
            timeout=120_000)
        screenshot(page, "educator-class-ready")
        assert axe_violations(page, ".h2l-class-ready") == []
        said = _cli("cohort", "ready", "4", "--url", server.url, code=educator)
        assert said.returncode == 0 and "Getting ready for 4 learners" in said.stdout, said

        def arrive(i: int) -> str:
            with urllib.request.urlopen(server.url + f"?track=patient&section=causes&n={i}", timeout=120) as page:
                return page.read().decode()

        with ThreadPoolExecutor(4) as class_arriving:
            pages = list(class_arriving.map(arrive, range(4)))
        assert all("kernelId" in html for html in pages)
        status = ask_server(server.url, educator)
        assert status.granted == 0  # the whole class arrived: no places are kept any more
        assert status.ready + status.starting == 1  # the pool is back to its usual size, not refilled to 4
        log = server.log.read_text()
        assert "getting ready for a class: 4 learners asked, 4 places" in log
        ctx.close()
    finally:
        server.stop()
