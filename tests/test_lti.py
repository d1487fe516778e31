"""her2lesson as an LTI 1.3 tool, against a test platform built on the `lti1p3platform` package (its own keys, its
OIDC preflight, its signed launches, its token endpoint and deep-linking checks), with a tiny HTTP server for the
platform's JWKS, token and AGS score endpoints. The tool's routes run in a Tornado server in this process, with a
stand-in lesson page that reports whom the page handler's hook would hand the kernel."""
from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
import time
import types
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest
import requests
import tornado.ioloop
import tornado.web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration

from her2lesson.identity import ExternalLearner, learner_key
from her2lesson.lti import hop
from her2lesson.lti.config import load
from her2lesson.lti.tool import LtiTool
from her2lesson.records import open_store

ISSUER = "https://platform.test"
CLIENT_ID = "her2lesson-client"
DEPLOYMENT = "deployment-1"
SECRET = b"a test identity secret, 32 bytes"
LEARNER_ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR_ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


def pem_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


def loopback_port() -> int:
    """A free port in 9500-9599 (the range this project's LTI tests use)."""
    for port in range(9500, 9600):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 9500-9599")


# --- the test platform -------------------------------------------------------------------------------------------
class PlatformConf(LTI1P3PlatformConfAbstract):
    def init_platform_config(self, **kwargs: Any) -> None:
        self.registration = kwargs["registration"]

    def get_registration_by_params(self, **kwargs: Any) -> Registration:
        return self.registration


class Preflight(OIDCLoginAbstract):
    def set_lti_message_hint(self, **kwargs: Any) -> None:
        self._lti_message_hint = kwargs["hint"]

    def get_redirect(self, url: str) -> str:
        return url


class Launch(LTIAdvantageMessageLaunchAbstract):
    def render_launch_form(self, launch_data: dict, **kwargs: Any) -> dict:
        return launch_data


class Platform:
    """A learning platform for the tests: lti1p3platform signs and checks; this class holds what each launch is."""

    def __init__(self, tool_url: str, port: int):
        self.tool_url, self.port = tool_url, port
        self.url = f"http://127.0.0.1:{port}/"
        self.private, self.public = pem_pair()
        self.registration = (Registration().set_iss(ISSUER).set_client_id(CLIENT_ID).set_deployment_id(DEPLOYMENT)
                             .set_oidc_login_url(tool_url + "lti/login").set_launch_url(tool_url + "lti/launch")
                             .set_deeplink_launch_url(tool_url + "lti/launch")
                             .set_platform_private_key(self.private).set_platform_public_key(self.public)
                             .set_tool_key_set_url(tool_url + "lti/jwks"))
        self.conf = PlatformConf(registration=self.registration)
        self.specs: dict[str, dict] = {}
        self.scores: list[dict] = []
        self.score_status = 200
        self.deep_returns: list[str] = []
        self.frame_src = ""
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def platform_entry(self, key_file: Path) -> dict:
        return {"issuer": ISSUER, "client_id": CLIENT_ID, "deployment_ids": [DEPLOYMENT],
                "auth_login_url": self.url + "auth", "auth_token_url": self.url + "token",
                "key_set_url": self.url + "jwks"}

    def login_url(self, user: str, roles: list[str], *, context: str | None = "course-1", custom: dict | None = None,
                  ags: bool = True, deep: bool = False, target: str | None = None) -> str:
        """The platform's first step: the tool's OIDC login URL with iss, login_hint, lti_message_hint."""
        hint = f"launch-{len(self.specs)}"
        self.specs[hint] = {"user": user, "roles": roles, "context": context, "custom": custom, "ags": ags,
                            "deep": deep}
        login = Preflight(None, self.conf)
        login.set_lti_message_hint(hint=hint)
        if target:
            login.set_launch_url(target)
        return login.prepare_preflight_url(user)

    def authorize(self, params: dict[str, str]) -> dict:
        """The platform's auth endpoint: the signed id_token for the launch named by lti_message_hint."""
        spec = self.specs[params["lti_message_hint"]]
        assert params["login_hint"] == spec["user"] and params["redirect_uri"] == self.tool_url + "lti/launch"
        launch = Launch(types.SimpleNamespace(get_data=params, form_data={}), self.conf)
        launch.set_user_data(spec["user"], spec["roles"], full_name="Never Stored", email_address="no@example.org")
        launch.set_resource_link_claim("link-1")
        if spec["context"]:
            launch.set_launch_context_claim(spec["context"], context_title="Oncology nursing 2026")
        if spec["custom"]:
            launch.set_custom_parameters_claim(spec["custom"])
        if spec["ags"]:
            launch.set_ags(lineitems_url=self.url + "lineitems", lineitem_url=self.url + "lineitems/1/lineitem")
        if spec["deep"]:
            launch.set_dl(self.url + "deep-return", title="Add a module", accept_types={"ltiResourceLink"})
        return launch.lti_launch()

    def sign(self, claims: dict, key: str | None = None) -> str:
        return jwt.encode(claims, key or self.private, algorithm="RS256", headers={"kid": self.registration.get_kid()})

    def jwks(self) -> dict:
        return {"keys": self.registration.get_jwks()}

    def _handler(self) -> type:
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return None

            def _reply(self, status: int, body: Any, kind: str = "application/json") -> None:
                data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _form(self) -> dict:
                length = int(self.headers.get("Content-Length", 0))
                return {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}

            def do_GET(self) -> None:
                path = urlsplit(self.path)
                if path.path == "/jwks":
                    return self._reply(200, platform.jwks())
                if path.path == "/frame":  # a course page that frames the tool (the browser test)
                    html = (f'<!DOCTYPE html><html lang="en"><head><title>Course</title></head><body><h1>Course</h1>'
                            f'<iframe title="Module" src="{platform.frame_src}" width="1200" height="850"></iframe>'
                            "</body></html>")
                    return self._reply(200, html, "text/html")
                if path.path == "/auth":  # the browser's step: an auto-submitting form to the tool's launch URL
                    params = {k: v[0] for k, v in parse_qs(path.query).items()}
                    data = platform.authorize(params)
                    html = (f'<form id="f" method="post" action="{data["launch_url"]}">'
                            f'<input type="hidden" name="id_token" value="{data["id_token"]}">'
                            f'<input type="hidden" name="state" value="{data["state"]}"></form>'
                            "<script>document.getElementById('f').submit()</script>")
                    return self._reply(200, html, "text/html")
                self._reply(404, {})

            def do_POST(self) -> None:
                if self.path == "/token":
                    try:
                        return self._reply(200, platform.conf.get_access_token(self._form()))
                    except Exception as error:  # noqa: BLE001 - the tool is told
                        return self._reply(400, {"error": str(error)})
                if self.path == "/lineitems/1/lineitem/scores":
                    token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    length = int(self.headers.get("Content-Length", 0))
                    body = json.loads(self.rfile.read(length))
                    assert platform.conf.validate_token(token, ["https://purl.imsglobal.org/spec/lti-ags/scope/score"])
                    assert self.headers.get("Content-Type") == "application/vnd.ims.lis.v1.score+json"
                    platform.scores.append(body)
                    return self._reply(platform.score_status, {})
                if self.path == "/deep-return":
                    platform.deep_returns.append(self._form()["JWT"])
                    return self._reply(200, "<p>Added.</p>", "text/html")
                self._reply(404, {})

        return Handler


# --- the tool, in this process -----------------------------------------------------------------------------------
class PageProbe(tornado.web.RequestHandler):
    """Stands in for the lesson page: what the page handler's hook would hand the kernel."""

    def initialize(self, tool: LtiTool) -> None:
        self.tool = tool

    def get(self) -> None:
        learner = self.tool.page_learner(self)
        if self._finished:
            return
        self.finish({"learner": None if learner is None else learner.to_header()})


@pytest.fixture(scope="module")
def lti(tmp_path_factory) -> Iterator[types.SimpleNamespace]:
    folder = tmp_path_factory.mktemp("lti")
    tool_port, platform_port = loopback_port(), None
    with socket.socket() as s:  # keep the tool's port while the platform picks its own
        s.bind(("127.0.0.1", tool_port))
        platform_port = loopback_port()
    tool_url = f"http://127.0.0.1:{tool_port}/"
    platform = Platform(tool_url, platform_port)
    tool_private, _ = pem_pair()
    (folder / "tool.pem").write_text(tool_private)
    (folder / "lti.json").write_text(json.dumps({"tool": {"private_key_file": "tool.pem"},
                                                 "platforms": [platform.platform_entry(folder / "tool.pem")]}))
    data_dir = folder / "records"
    open_store(data_dir=data_dir).close()
    tool = LtiTool(load(folder / "lti.json"), SECRET, lambda: open_store(data_dir=data_dir, create=False),
                   "hop-secret-for-tests", "/")
    tool.grades.waits = (0.0,)
    app = tornado.web.Application([*tool.handlers(), (r"/", PageProbe, {"tool": tool})])
    started = threading.Event()
    holder: dict[str, Any] = {}

    def serve() -> None:
        asyncio.set_event_loop(asyncio.new_event_loop())
        holder["server"] = app.listen(tool_port, "127.0.0.1")
        holder["loop"] = tornado.ioloop.IOLoop.current()
        started.set()
        holder["loop"].start()

    threading.Thread(target=serve, daemon=True).start()
    assert started.wait(10)
    yield types.SimpleNamespace(tool=tool, platform=platform, url=tool_url, data_dir=data_dir)
    holder["loop"].add_callback(holder["loop"].stop)
    platform.server.shutdown()


def login(lti, browser: requests.Session, user: str, roles: list[str], **spec: Any) -> dict:
    """Steps 1-2: the platform sends the browser to the tool's login; the tool sends it on to the platform's auth
    URL with state and nonce. The platform's answer (id_token, state) is returned, not yet posted."""
    first = browser.get(lti.platform.login_url(user, roles, **spec), allow_redirects=False)
    assert first.status_code == 302, first.text
    location = urlsplit(first.headers["Location"])
    assert location.geturl().startswith(lti.platform.url + "auth")
    params = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert params["response_type"] == "id_token" and params["client_id"] == CLIENT_ID and params["nonce"]
    return lti.platform.authorize(params)


def post_launch(lti, browser: requests.Session, id_token: str, state: str) -> requests.Response:
    return browser.post(lti.url + "lti/launch", data={"id_token": id_token, "state": state}, allow_redirects=False)


def launch(lti, browser: requests.Session, user: str, roles: list[str], **spec: Any) -> requests.Response:
    data = login(lti, browser, user, roles, **spec)
    return post_launch(lti, browser, data["id_token"], data["state"])


def land(lti, browser: requests.Session, response: requests.Response) -> tuple[ExternalLearner | None, str]:
    """Follow the launch's redirect to the lesson page (and the page's own redirect that drops the token)."""
    assert response.status_code == 302, response.text
    url = lti.url + response.headers["Location"].lstrip("/")
    page = browser.get(url, allow_redirects=False)
    if page.status_code == 302:
        url = lti.url + page.headers["Location"].lstrip("/")
        page = browser.get(url, allow_redirects=False)
    assert page.status_code == 200, page.text
    return ExternalLearner.from_header(page.json()["learner"]), url


def claims(lti, data: dict) -> dict:
    return jwt.decode(data["id_token"], options={"verify_signature": False})


# --- launches ----------------------------------------------------------------------------------------------------
def test_a_learner_launch_lands_in_the_lesson_with_no_code_and_finds_the_same_record_again(lti):
    browser = requests.Session()
    response = launch(lti, browser, "learner-7", [LEARNER_ROLE])
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query["track"] == ["nurse"] and "lti_launch" in query
    learner, url = land(lti, browser, response)
    assert "lti_launch" not in url  # the cookie came back: the token was taken out of the address
    key = learner_key("lti", ISSUER + "|learner-7", SECRET)
    assert learner is not None and (learner.key, learner.source, learner.role) == (key, "lti", "learner")
    with open_store(data_dir=lti.data_dir) as store:
        record = store.find_external_learner(key)
        assert record is not None and record.track == "nurse"
        cohort = store.cohort(record.cohort_id)
        assert cohort is not None and cohort.join_code == learner.cohort and cohort.name == "Oncology nursing 2026"
        dump = "".join(str(row) for table in ("learners", "cohorts") for row in [store.count(table)])
    again = requests.Session()  # another device
    second, _ = land(lti, again, launch(lti, again, "learner-7", [LEARNER_ROLE]))
    assert second == learner
    with open_store(data_dir=lti.data_dir) as store:
        assert store.find_external_learner(key).id == record.id
        assert store.count("lti_contexts") == 1
    text = (lti.data_dir / "records.sqlite3").read_bytes()
    assert b"Never Stored" not in text and b"no@example.org" not in text and dump


def test_a_frame_without_cookies_gets_the_page_by_its_token_once_then_the_open_again_page(lti):
    browser = requests.Session()
    response = launch(lti, browser, "learner-8", [LEARNER_ROLE], custom={"track": "patient", "section": "testing"})
    target = lti.url + response.headers["Location"].lstrip("/")
    assert parse_qs(urlsplit(target).query)["track"] == ["patient"]
    assert parse_qs(urlsplit(target).query)["section"] == ["testing"]
    framed = requests.Session()  # no cookie from the launch reaches the frame
    page = framed.get(target, allow_redirects=False)
    assert page.status_code == 200
    assert ExternalLearner.from_header(page.json()["learner"]).key == learner_key("lti", ISSUER + "|learner-8", SECRET)
    reload = framed.get(target, allow_redirects=False)  # the token is spent
    assert reload.status_code == 403 and "new window" in reload.text and "Traceback" not in reload.text


def test_an_instructor_launch_opens_the_educator_view_of_that_course(lti):
    learner_browser, browser = requests.Session(), requests.Session()
    learner, _ = land(lti, learner_browser, launch(lti, learner_browser, "learner-9", [LEARNER_ROLE],
                                                   context="course-2"))
    response = launch(lti, browser, "teacher-1", [INSTRUCTOR_ROLE], context="course-2")
    assert "educator" in parse_qs(urlsplit(response.headers["Location"]).query, keep_blank_values=True)
    educator, _ = land(lti, browser, response)
    assert educator is not None and educator.role == "educator" and educator.cohort == learner.cohort


def test_an_instructor_launch_without_a_course_is_refused_plainly(lti):
    browser = requests.Session()
    response = launch(lti, browser, "teacher-2", [INSTRUCTOR_ROLE], context=None)
    assert response.status_code == 403 and "inside a course" in response.text


def test_deep_linking_places_one_section_as_a_course_item(lti):
    browser = requests.Session()
    response = launch(lti, browser, "teacher-1", [INSTRUCTOR_ROLE], deep=True, ags=False)
    assert response.status_code == 200 and 'name="choice"' in response.text
    token = re.search(r'name="dl" value="([^"]+)"', response.text).group(1)
    section = re.search(r'<option value="([^"]+)"', response.text).group(1)
    answer = browser.post(lti.url + "lti/deep-link", data={"dl": token, "choice": "section", "section": section})
    assert answer.status_code == 200
    assert re.search(r'action="([^"]+)"', answer.text).group(1) == lti.platform.url + "deep-return"
    signed = re.search(r'name="JWT" value="([^"]+)"', answer.text).group(1)
    items = lti.platform.conf.validate_deeplinking_resp({"JWT": signed})  # the platform checks the tool's signature
    assert len(items) == 1 and items[0]["type"] == "ltiResourceLink"
    assert items[0]["custom"] == {"section": section} and items[0]["url"].endswith(f"?section={section}")
    whole = browser.post(lti.url + "lti/deep-link", data={"dl": token, "choice": "nurse"})
    items = lti.platform.conf.validate_deeplinking_resp(
        {"JWT": re.search(r'name="JWT" value="([^"]+)"', whole.text).group(1)})
    assert items[0]["custom"] == {"track": "nurse"} and items[0]["lineItem"]["scoreMaximum"] == 100
    forged = browser.post(lti.url + "lti/deep-link", data={"dl": token[:-2] + "xx", "choice": "whole"})
    assert forged.status_code == 403


def test_a_finished_learners_score_reaches_the_platforms_gradebook(lti):
    browser = requests.Session()
    learner, _ = land(lti, browser, launch(lti, browser, "learner-10", [LEARNER_ROLE], context="course-3"))
    hop_url = lti.url + hop.ROUTE
    refused = requests.post(hop_url, json={"score": 80, "key": learner.key}, headers={hop.HOP_HEADER: "wrong"})
    assert refused.status_code == 403
    before = len(lti.platform.scores)
    sent = requests.post(hop_url, json={"score": 80, "key": learner.key},
                         headers={hop.HOP_HEADER: lti.tool.hop_secret})
    assert sent.json() == {"lines": 1}
    deadline = time.monotonic() + 30
    while len(lti.platform.scores) == before and time.monotonic() < deadline:
        time.sleep(0.1)
    score = lti.platform.scores[-1]
    assert (score["scoreGiven"], score["scoreMaximum"], score["userId"]) == (80, 100, "learner-10")
    assert score["gradingProgress"] == "FullyGraded" and score["activityProgress"] == "Completed"
    with open_store(data_dir=lti.data_dir) as store:
        record = store.find_external_learner(learner.key)
        deadline = time.monotonic() + 10
        while store.lti_grades(learner_id=record.id)[0].status != "sent" and time.monotonic() < deadline:
            time.sleep(0.1)
        (line,) = store.lti_grades(learner_id=record.id)
    assert (line.score, line.status, line.tries) == (80, "sent", 1)
    assert line.lineitem == lti.platform.url + "lineitems/1/lineitem"


def test_a_platform_that_fails_leaves_the_grade_failed_for_the_educator_to_send_again(lti):
    browser = requests.Session()
    learner, _ = land(lti, browser, launch(lti, browser, "learner-11", [LEARNER_ROLE], context="course-4"))
    with open_store(data_dir=lti.data_dir) as store:
        record = store.find_external_learner(learner.key)
    lti.platform.score_status = 500
    try:
        assert lti.tool.grades.send(record.id, 55) == ["failed"]
    finally:
        lti.platform.score_status = 200
    with open_store(data_dir=lti.data_dir) as store:
        (line,) = store.lti_grades(cohort_id=record.cohort_id)
        assert (line.score, line.status, line.tries) == (55, "failed", 3) and "500" in line.detail
        assert store.find_external_learner(learner.key) is not None  # the learner's record is untouched
    assert lti.tool.grades.send(record.id, 55) == ["sent"]  # "send again"


# --- refused launches --------------------------------------------------------------------------------------------
def assert_refused(response: requests.Response) -> None:
    assert response.status_code == 403, response.text
    assert "did not open" in response.text and "Traceback" not in response.text and "Exception" not in response.text


def test_a_token_signed_with_another_key_is_refused(lti):
    browser = requests.Session()
    data = login(lti, browser, "forger", [LEARNER_ROLE])
    other, _ = pem_pair()
    assert_refused(post_launch(lti, browser, lti.platform.sign(claims(lti, data), other), data["state"]))


def test_a_replayed_nonce_is_refused(lti):
    browser = requests.Session()
    data = login(lti, browser, "learner-12", [LEARNER_ROLE])
    assert post_launch(lti, browser, data["id_token"], data["state"]).status_code == 302
    assert_refused(post_launch(lti, browser, data["id_token"], data["state"]))
    fresh = login(lti, browser, "learner-12", [LEARNER_ROLE])  # a new state, the old nonce
    body = {**claims(lti, fresh), "nonce": claims(lti, data)["nonce"]}
    assert_refused(post_launch(lti, browser, lti.platform.sign(body), fresh["state"]))


def test_a_wrong_audience_is_refused(lti):
    browser = requests.Session()
    data = login(lti, browser, "learner-13", [LEARNER_ROLE])
    body = {**claims(lti, data), "aud": "another-tool", "azp": "another-tool"}
    assert_refused(post_launch(lti, browser, lti.platform.sign(body), data["state"]))


def test_an_expired_token_is_refused(lti):
    browser = requests.Session()
    data = login(lti, browser, "learner-14", [LEARNER_ROLE])
    body = {**claims(lti, data), "iat": int(time.time()) - 3600, "exp": int(time.time()) - 1800}
    assert_refused(post_launch(lti, browser, lti.platform.sign(body), data["state"]))


def test_a_state_the_tool_never_issued_is_refused(lti):
    browser = requests.Session()
    data = login(lti, browser, "learner-15", [LEARNER_ROLE])
    assert_refused(requests.post(lti.url + "lti/launch", data={"id_token": data["id_token"], "state": "state-made-up"},
                                 allow_redirects=False))


def test_the_tools_keys_and_the_administrators_configuration_are_published(lti):
    keys = requests.get(lti.url + "lti/jwks").json()["keys"]
    assert keys[0]["kty"] == "RSA" and keys[0]["alg"] == "RS256" and "d" not in keys[0]
    config = requests.get(lti.url + "lti/config").json()
    assert config["oidc_initiation_url"] == lti.url + "lti/login"
    assert config["redirect_uris"] == [lti.url + "lti/launch"] and config["jwks_uri"] == lti.url + "lti/jwks"
    assert "https://purl.imsglobal.org/spec/lti-ags/scope/score" in config["scopes"]
    unknown = requests.get(lti.url + "lti/login?" + urlencode({"iss": "https://unknown.test", "login_hint": "x"}))
    assert unknown.status_code == 400 and "Traceback" not in unknown.text


def test_records_from_before_lti_are_upgraded_keeping_their_learners(tmp_path):
    from her2lesson.records.sql import SCHEMA_VERSION

    old = open_store(data_dir=tmp_path)
    learner = old.external_learner("b" * 64, "hub", "nurse")
    old._run(lambda cur: cur.execute("DROP TABLE lti_grades"))
    old._run(lambda cur: cur.execute("DROP TABLE lti_contexts"))
    old._run(lambda cur: cur.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'"))
    old.close()
    with open_store(data_dir=tmp_path) as upgraded:
        assert upgraded.schema_version() == SCHEMA_VERSION == 4
        assert upgraded.find_external_learner("b" * 64).id == learner.id
        cohort = upgraded.lti_cohort(ISSUER, "course-x", "A course")
        assert upgraded.lti_cohort(ISSUER, "course-x", "Renamed") == cohort
        upgraded.lti_grade_link(learner.id, "https://platform.test/li", ISSUER, CLIENT_ID, "sub-1")
        assert upgraded.erase(learner.resume_code) and upgraded.count("lti_grades") == 0


def test_the_educator_view_opens_an_lti_course_with_no_code_and_lists_its_grade_lines(content, tmp_path):
    from her2lesson.dashboard.educator import EducatorView
    from her2lesson.strings import Strings

    store = open_store(data_dir=tmp_path)
    cohort = store.lti_cohort(ISSUER, "course-9", "Ward 9 induction")
    learner = store.external_learner("c" * 64, "lti", "nurse", cohort.id)
    store.lti_grade_link(learner.id, "https://platform.test/li", ISSUER, CLIENT_ID, "sub-9")
    store.lti_grade_result(learner.id, "https://platform.test/li", 70, "failed", 3, "the platform answered 500")
    sent: list = []
    view = EducatorView(content, Strings.for_language(content.strings), lambda: store,
                        external=ExternalLearner("d" * 64, "lti", "educator", cohort.join_code))
    view.grades._send = lambda score, **kw: sent.append((score, kw)) or {"lines": 1}
    assert view.cohort is not None and view.cohort.id == cohort.id  # no code typed
    assert view.ready.widget not in view.results_box.children  # "get ready" needs a typed code
    assert view.grades.widget.layout.display is None and "70%" in view.grades.table.value
    assert "500" in view.grades.table.value and len(view.grades.buttons.children) == 1
    assert view.grades.send_again(learner.id) is False and not sent  # no final check answered: nothing to send
    anonymous = EducatorView(content, Strings.for_language(content.strings), lambda: store)
    assert anonymous.cohort is None
    store.close()
