"""Learner records in the real page: nothing lost in a crash, resume after a restart, class results for educators."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from .conftest import axe_violations, open_dashboard, screenshot, start_server

pytestmark = pytest.mark.browser
CODE = re.compile(r"Your resume code:\s*([A-Z0-9]{3}-[A-Z0-9]{3}-[A-Z0-9]{3})")


def answer_by_mouse(page, question, right: bool = True) -> None:
    card = page.locator(".h2l-question").filter(has_text=question.prompt).first
    wanted = next(o.text for o in question.options if o.correct == right)
    card.get_by_role("radio", name=wanted, exact=True).check()
    card.get_by_role("button", name="Check").click()
    card.locator("[role=status]").filter(has_text="Correct" if right else "Not quite").wait_for()


def resume_code(page) -> str:
    box = page.locator(".h2l-code").filter(has_text="Your resume code")
    box.wait_for()
    text = box.inner_text()
    found = CODE.search(text)
    assert found, text
    return found.group(1)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request, tmp_path):
    """Where the records live: SQLite in a fresh folder, or a fresh database on the test PostgreSQL server."""
    if request.param == "sqlite":
        return {"server": {"data_dir": tmp_path}, "args": (), "cli": ("--data-dir", str(tmp_path))}
    url = request.getfixturevalue("database")
    return {"server": {}, "args": ("--database-url", url), "cli": ("--database-url", url)}


def single_choice(content, bank: str, n: int):
    return [q for q in content.banks[bank].questions
            if q.type in ("single", "truefalse") and q.audience in ("patient", "both")][:n]


def test_answers_survive_a_killed_server_and_resume_after_restart(browser, content, backend):
    first, second = single_choice(content, "causes", 2)
    server = start_server("records-a", *backend["args"], **backend["server"])
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = open_dashboard(ctx.new_page(), server, "track=patient&section=causes")
    answer_by_mouse(page, first, right=True)
    answer_by_mouse(page, second, right=False)
    code = resume_code(page)
    server.kill()  # mid-session: no clean shutdown, no chance to flush anything
    restarted = start_server("records-b", *backend["args"], **backend["server"],
                             port=int(server.url.rsplit(":", 1)[1].strip("/")))
    try:
        # the same browser comes back without typing the code
        page = open_dashboard(ctx.new_page(), restarted)
        assert resume_code(page) == code
        page.locator(".h2l-main h1").filter(has_text="What causes it").wait_for()
        for question, verdict in ((first, "Correct"), (second, "Not quite")):
            card = page.locator(".h2l-question").filter(has_text=question.prompt).first
            card.locator("[role=status]").filter(has_text=verdict).wait_for()
        ctx.close()
        # another device: type the code on the start screen
        other = browser.new_context(viewport={"width": 1280, "height": 900})
        page = open_dashboard(other.new_page(), restarted)
        page.get_by_role("button", name="Coming back? Use my resume code").click()
        page.get_by_label("Coming back? Type your resume code").fill(code.lower().replace("-", " "))
        page.get_by_role("button", name="Continue where I left off").click()
        page.locator(".h2l-main h1").filter(has_text="What causes it").wait_for()
        card = page.locator(".h2l-question").filter(has_text=first.prompt).first
        card.locator("[role=status]").filter(has_text="Correct").wait_for()
        screenshot(page, "records-resumed")
        other.close()
    finally:
        restarted.stop()


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "her2lesson", *args], capture_output=True, text=True, timeout=60)


def test_cohort_results_for_the_educator(browser, content, backend, tmp_path):
    created = run_cli("cohort", "create", "Ward 5, March", *backend["cli"])
    assert created.returncode == 0, created.stderr
    join = re.search(r"\?cohort=(\S+)", created.stdout).group(1)
    educator = re.search(r"Educator code: (\S+)", created.stdout).group(1)
    question = single_choice(content, "testing", 1)[0]
    server = start_server("cohort", *backend["args"], **backend["server"])
    try:
        for right in (True, False):
            ctx = browser.new_context()
            page = open_dashboard(ctx.new_page(), server, f"cohort={join}&track=patient&section=testing")
            page.locator(".h2l-live").filter(has_text="You joined the class: Ward 5, March").wait_for()
            answer_by_mouse(page, question, right)
            ctx.close()
        results = run_cli("results", educator, *backend["cli"], "--csv", str(tmp_path / "class.csv"))
        assert results.returncode == 0, results.stderr
        assert question.id in results.stdout
        questions_csv = (tmp_path / "class-questions.csv").read_text()
        row = next(line for line in questions_csv.splitlines() if line.startswith(question.id))
        assert ",2," in row, row  # two learners answered it

        ctx = browser.new_context(viewport={"width": 1280, "height": 900})
        page = open_dashboard(ctx.new_page(), server, "educator")
        page.get_by_label("Educator code").fill(educator)
        page.get_by_role("button", name="Show results").click()
        table = page.locator("table.h2l-table").first
        table.wait_for()
        assert question.prompt in table.inner_text()
        assert page.locator("svg.h2l-chart").count() == 1
        assert page.locator("a.h2l-download").count() == 2
        screenshot(page, "educator-results")
        assert axe_violations(page) == []
        ctx.close()
    finally:
        server.stop()
