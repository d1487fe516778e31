"""A learner launched from a learning platform finishes the final check: their kernel hands the score, the one
the certificate prints, to its server over loopback (lti/hop.py), once, and a server that cannot be reached changes
nothing on the learner's page."""
from __future__ import annotations

import json
import threading
from html import escape
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from her2lesson import identity
from her2lesson.dashboard import Dashboard
from her2lesson.dashboard.finish import FinishPanel
from her2lesson.lti import hop
from her2lesson.settings import LessonSettings
from tests.test_dashboard import FINAL, answer_all


class FakeServer:
    """The server's /lti/score route, recording what each kernel hands it."""

    def __init__(self, secret: str):
        received: list[tuple[str, dict]] = []
        self.received = received
        self.arrived = threading.Event()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                received.append((self.path, body))
                ok = self.headers.get(hop.HOP_HEADER) == secret
                self.send_response(200 if ok else 403)
                self.end_headers()
                self.wfile.write(b'{"lines": 1}')
                outer.arrived.set()

            def log_message(self, *args: object) -> None:
                pass

        outer = self
        self.httpd = HTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def close(self) -> None:
        self.httpd.shutdown()


@pytest.fixture
def launched(monkeypatch):
    key = identity.learner_key("lti", "https://lms.example|student-7", b"s" * 32)
    learner = identity.ExternalLearner(key, "lti", "learner")
    monkeypatch.setenv(identity.ENV, learner.to_header())
    server = FakeServer("hop-secret-123")
    monkeypatch.setenv(hop.HOP_ENV, "hop-secret-123")
    monkeypatch.setenv(hop.SERVER_URL_ENV, server.url)
    yield key, server
    server.close()


def test_a_launched_learner_s_final_score_reaches_the_server_once(content, launched):
    key, server = launched
    d = Dashboard(content, LessonSettings(pass_mark=80), params={"track": "nurse", "section": FINAL})
    answer_all(d.quizzes[FINAL], right=True)
    assert server.arrived.wait(10), "no score reached the server"
    shown = FinishPanel.percent(d.quizzes[FINAL].score())
    assert server.received == [("/" + hop.ROUTE, {"score": shown, "key": key, "learner_id": None})]
    d.finish.update(d.quizzes[FINAL].score())  # the same score again: not sent twice
    assert len(server.received) == 1


def test_an_unreachable_server_changes_nothing_for_the_learner(content, launched, monkeypatch):
    monkeypatch.setenv(hop.SERVER_URL_ENV, "http://127.0.0.1:9/")  # nothing listens there
    d = Dashboard(content, LessonSettings(pass_mark=80), params={"track": "nurse", "section": FINAL})
    answer_all(d.quizzes[FINAL], right=True)
    shown = FinishPanel.percent(d.quizzes[FINAL].score())
    assert escape(d.t("final_passed", score=shown, mark=80)) in d.finish.status.html  # the verdict, as ever
    with pytest.raises(hop.HopFailed):
        hop.send_score(90, key=launched[0], timeout=2)


def test_an_anonymous_learner_sends_nothing(content, monkeypatch):
    calls: list[object] = []
    monkeypatch.setattr(hop, "send_score", lambda *a, **k: calls.append((a, k)))
    monkeypatch.setenv(hop.HOP_ENV, "x" * 16)
    monkeypatch.setenv(hop.SERVER_URL_ENV, "http://127.0.0.1:9/")
    monkeypatch.delenv(identity.ENV, raising=False)
    d = Dashboard(content, LessonSettings(), params={"track": "nurse", "section": FINAL})
    answer_all(d.quizzes[FINAL], right=True)
    assert d.finish.status.html and calls == []  # scored and shown, and no score handed on
    assert not [t for t in threading.enumerate() if t.name == "lti-score"]  # nor about to be
