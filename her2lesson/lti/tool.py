"""The LTI 1.3 tool: its routes under the base URL, the launch that turns a platform's user into a learner, and
how that learner reaches the lesson page (see the package's docstring)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import tornado.ioloop
import tornado.web
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.lineitem import LineItem

from ..identity import ExternalLearner, learner_key
from . import pages
from .adapter import (
    MemoryStorage,
    OnceSessionService,
    TornadoCookieService,
    TornadoMessageLaunch,
    TornadoOIDCLogin,
    TornadoRequest,
)
from .config import LtiConfig
from .grades import SCOPES, GradeSender
from .hop import HOP_HEADER

log = logging.getLogger("her2lesson.lti")

COOKIE = "her2lesson-lti"
LAUNCH_PARAM = "lti_launch"
LAUNCH_SECONDS = 120  # a launch token's life: the browser uses it at once
PAGE_SECONDS = 8 * 3600  # the cookie's: a class session, not for ever
DEEP_SECONDS = 30 * 60  # an instructor choosing what to place
TRACKS = ("patient", "nurse", "explore")
DEFAULT_TRACK = "nurse"
SECTION = re.compile(r"[a-z0-9][a-z0-9_-]{0,59}")
CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
DL_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
MESSAGE_TYPES = ("LtiResourceLinkRequest", "LtiDeepLinkingRequest")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class LtiTool:
    """What --lti-config turns on. `secret`: the identity secret behind learner keys (identity.py); `hop_secret`:
    what the server's kernels present on /lti/score; `open_store`: the learner records, opened for one use."""

    def __init__(self, config: LtiConfig, secret: bytes, open_store: Callable[[], Any], hop_secret: str,
                 base_url: str = "/", clock: Callable[[], float] = time.time):
        self.config, self.secret, self.open_store = config, secret, open_store
        self.hop_secret, self.base_url, self.clock = hop_secret, base_url, clock
        self.tool_conf = config.tool_conf()
        self.storage = MemoryStorage()
        self.key_cache = MemoryStorage()
        self._sign_key = hmac.new(secret, b"her2lesson lti tokens", hashlib.sha256).digest()
        self._spent: dict[str, float] = {}
        self._lock = threading.Lock()
        self.grades = GradeSender(self.tool_conf, open_store)
        self.sending = ThreadPoolExecutor(max_workers=2, thread_name_prefix="lti-grades")

    # --- signed tokens: the launch token, the page cookie, the deep-linking choice ---------------------------------
    def sign(self, kind: str, payload: dict[str, Any], seconds: float) -> str:
        body = _b64(json.dumps({"k": kind, "x": self.clock() + seconds, "n": secrets.token_hex(8), "p": payload},
                               separators=(",", ":")).encode())
        return body + "." + _b64(hmac.new(self._sign_key, body.encode(), hashlib.sha256).digest())

    def verify(self, kind: str, token: str | None, once: bool = False) -> dict[str, Any] | None:
        """The payload of a token of this kind, signed here and not expired (and, with `once`, never seen before)."""
        if not token or len(token) > 8000 or token.count(".") != 1:
            return None
        body, mac = token.split(".")
        expected = _b64(hmac.new(self._sign_key, body.encode(), hashlib.sha256).digest())
        if not hmac.compare_digest(mac, expected):
            return None
        try:
            data = json.loads(_unb64(body))
        except ValueError:
            return None
        now = self.clock()
        if not isinstance(data, dict) or data.get("k") != kind or not float(data.get("x", 0)) > now:
            return None
        if once:
            with self._lock:
                self._spent = {n: x for n, x in self._spent.items() if x > now} if len(self._spent) > 10_000 \
                    else self._spent
                if data["n"] in self._spent:
                    return None
                self._spent[data["n"]] = float(data["x"])
        payload = data.get("p")
        return payload if isinstance(payload, dict) else None

    # --- addresses ---------------------------------------------------------------------------------------------------
    def url(self, handler: Any) -> str:
        """The module's public address (the configured one, else the request's own scheme and host)."""
        if self.config.url:
            return self.config.url
        return f"{handler.request.protocol}://{handler.request.host}{self.base_url}"

    def handlers(self) -> list[tuple]:
        base = self.base_url.rstrip("/")
        kwargs = {"tool": self}
        return [(f"{base}/lti/login", LoginHandler, kwargs), (f"{base}/lti/launch", LaunchHandler, kwargs),
                (f"{base}/lti/jwks", JwksHandler, kwargs), (f"{base}/lti/config", ConfigHandler, kwargs),
                (f"{base}/lti/deep-link", DeepLinkHandler, kwargs), (f"{base}/lti/score", ScoreHandler, kwargs)]

    # --- the lesson page's side -----------------------------------------------------------------------------------
    def page_learner(self, handler: Any) -> ExternalLearner | None:
        """Who an LTI launch made this page's visitor: the one-time launch token in the address (exchanged now, and
        taken out of the address by a redirect when the page cookie came back too), else the page cookie; None when
        neither says. A spent or false token with no cookie gets the plain "open it again" page (the handler is then
        finished)."""
        token = handler.get_query_argument(LAUNCH_PARAM, None)
        from_cookie = self._learner(self.verify("page", handler.get_cookie(COOKIE)))
        if token is None:
            return from_cookie
        from_token = self._learner(self.verify("launch", token, once=True))
        if from_cookie is not None and (from_token is None or from_token == from_cookie):
            handler.redirect(self._without_token(handler))  # the cookie carries them: a clean address
            return from_cookie
        if from_token is not None:
            return from_token  # no cookie in this frame: this page is theirs; a reload needs a new launch
        handler.set_status(403)
        handler.set_header("Cache-Control", "no-store")
        handler.finish(pages.message(_words(handler), "lti_new_window_title", "lti_new_window_text"))
        return None

    @staticmethod
    def _learner(payload: dict[str, Any] | None) -> ExternalLearner | None:
        return ExternalLearner.from_header(payload.get("learner")) if payload else None

    @staticmethod
    def _without_token(handler: Any) -> str:
        kept = [(k, v) for k, vs in parse_qs(handler.request.query, keep_blank_values=True).items()
                for v in vs if k != LAUNCH_PARAM]
        return handler.request.path + ("?" + urlencode(kept) if kept else "")

    def set_page_cookie(self, handler: Any, learner: ExternalLearner) -> None:
        """SameSite=None; Secure over HTTPS (the platform's frame is another site). Over plain HTTP a browser refuses
        SameSite=None, so the cookie is Lax: it then works in a new window or a same-site frame, and a cross-site
        frame relies on the launch token alone."""
        secure = handler.request.protocol == "https"
        handler.set_cookie(COOKIE, self.sign("page", {"learner": learner.to_header()}, PAGE_SECONDS),
                           path=self.base_url, httponly=True, secure=secure, samesite="None" if secure else "Lax",
                           expires=self.clock() + PAGE_SECONDS)

    # --- grades ------------------------------------------------------------------------------------------------------
    def score_arrived(self, learner_id: int, score: int) -> int:
        """Send the score to the learner's grade lines, in the background; how many lines there are."""
        with self.open_store() as store:
            lines = store.lti_grades(learner_id=learner_id)
            for line in lines:
                store.lti_grade_result(learner_id, line.lineitem, score, "waiting", line.tries, "")
        if lines:
            self.sending.submit(self.grades.send, learner_id, score)
        return len(lines)


def _words(handler: Any) -> dict[str, Any]:
    from ..server import page_language

    try:
        return page_language(handler)
    except Exception:  # noqa: BLE001 - the page shows in English at least
        return {"lang": "en", "t": None}


class LtiHandler(tornado.web.RequestHandler):
    """The LTI routes: the platform posts across sites, so no XSRF cookie; the id_token's signature, the state and
    the nonce, or a token signed here, are what guard them."""

    def initialize(self, tool: LtiTool) -> None:
        self.tool = tool

    def check_xsrf_cookie(self) -> None:
        return None

    def set_default_headers(self) -> None:
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Referrer-Policy", "no-referrer")

    def refuse(self, status: int, why: str, text_key: str = "lti_refused_text") -> None:
        log.warning("LTI: refused (%d): %s", status, why[:300])
        self.set_status(status)
        self.finish(pages.message(_words(self), "lti_refused_title", text_key))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.finish(pages.message(_words(self), "lti_refused_title", "lti_refused_text"))

    def services(self) -> tuple[TornadoRequest, OnceSessionService, TornadoCookieService]:
        request = TornadoRequest(self)
        session = OnceSessionService(request, self.tool.storage)
        return request, session, TornadoCookieService(self, session)


class LoginHandler(LtiHandler):
    """OIDC login initiation (third-party initiated login), GET or POST: a redirect to the platform's auth URL."""

    def get(self) -> None:
        request, session, cookies = self.services()
        try:
            location = TornadoOIDCLogin(request, self.tool.tool_conf, session, cookies).redirect(
                self.tool.url(self) + "lti/launch")
        except Exception as error:  # noqa: BLE001 - an unknown issuer or client, a missing hint: a plain refusal
            return self.refuse(400, f"login: {error}")
        self.redirect(location)

    post = get


class LaunchHandler(LtiHandler):
    """The platform's form post of the signed id_token (after the login above)."""

    async def post(self) -> None:
        request, session, cookies = self.services()
        launch = TornadoMessageLaunch(request, self.tool.tool_conf, session, cookies)
        launch.set_public_key_caching(self.tool.key_cache, cache_lifetime=3600)
        try:  # fetching the platform's keys is a network call: not on the server's event loop
            data: dict[str, Any] = dict(await tornado.ioloop.IOLoop.current().run_in_executor(
                None, launch.get_launch_data))
            kind = data.get(CLAIM + "message_type")
            if kind not in MESSAGE_TYPES:
                raise ValueError(f"message type {kind!r} is not one this tool takes")
        except Exception as error:  # noqa: BLE001 - every failed check is the same plain refusal
            return self.refuse(403, f"launch: {error}")
        educator = any((launch.check_teacher_access(), launch.check_staff_access(),
                        launch.check_teaching_assistant_access(), launch.check_designer_access()))
        if kind == "LtiDeepLinkingRequest":
            return self._deep_linking(launch, data, educator)
        context = data.get(CLAIM + "context") or {}
        if educator and not context.get("id"):
            return self.refuse(403, "an instructor's launch without a course", "lti_educator_no_course")
        try:
            learner, query = await tornado.ioloop.IOLoop.current().run_in_executor(
                None, self._learner, data, context, educator)
        except Exception:  # noqa: BLE001 - the records cannot be reached: a plain page, the log says why
            log.exception("LTI: the launch could not reach the learner records")
            return self.refuse(503, "the learner records are not available")
        self.tool.set_page_cookie(self, learner)
        query[LAUNCH_PARAM] = self.tool.sign("launch", {"learner": learner.to_header()}, LAUNCH_SECONDS)
        self.redirect(self.tool.base_url + "?" + urlencode(query))

    def _learner(self, data: dict, context: dict, educator: bool) -> tuple[ExternalLearner, dict[str, str]]:
        """The learner (or educator) this launch is, their record made if new, the course's cohort made if new."""
        issuer, subject = str(data["iss"]), str(data["sub"])
        key = learner_key("lti", issuer + "|" + subject, self.tool.secret)
        with self.tool.open_store() as store:
            cohort = None
            if context.get("id"):
                title = str(context.get("title") or context.get("label") or "Course")[:120].strip() or "Course"
                cohort = store.lti_cohort(issuer, str(context["id"]), "".join(c for c in title if c.isprintable()))
            if educator:
                assert cohort is not None
                return ExternalLearner(key, "lti", "educator", cohort.join_code), {"educator": ""}
            track, section = _placement(data)
            record = store.external_learner(key, "lti", track, cohort.id if cohort else None)
            ags = data.get(AGS_CLAIM) or {}
            if ags.get("lineitem") and SCOPES[0] in (ags.get("scope") or []):
                aud = data.get("aud")
                client_id = aud[0] if isinstance(aud, list) else aud
                store.lti_grade_link(record.id, str(ags["lineitem"]), issuer, str(client_id), subject)
        query = {"track": track, **({"section": section} if section else {})}
        return ExternalLearner(key, "lti", "learner", cohort.join_code if cohort else None), query

    def _deep_linking(self, launch: TornadoMessageLaunch, data: dict, educator: bool) -> None:
        if not educator:
            return self.refuse(403, "a deep-linking launch by someone who is not an instructor")
        settings = data.get(DL_CLAIM) or {}
        if not str(settings.get("deep_link_return_url", "")).startswith(("https://", "http://")):
            return self.refuse(400, "a deep-linking launch without a return address")
        aud = data.get("aud")
        token = self.tool.sign("deep", {"iss": data["iss"], "client_id": aud[0] if isinstance(aud, list) else aud,
                                        "deployment_id": data.get(CLAIM + "deployment_id"), "settings": settings},
                               DEEP_SECONDS)
        self.finish(pages.chooser(_words(self), self.tool.base_url + "lti/deep-link", token, _sections()))


def _placement(data: dict) -> tuple[str, str]:
    """The track and part a link asks for: its custom parameters, else its target address; else the nursing track."""
    custom = data.get(CLAIM + "custom") or {}
    query = {k: v[0] for k, v in parse_qs(urlsplit(str(data.get(CLAIM + "target_link_uri", ""))).query).items()}
    track = str(custom.get("track") or query.get("track") or DEFAULT_TRACK)
    section = str(custom.get("section") or query.get("section") or "")
    return (track if track in TRACKS else DEFAULT_TRACK), (section if SECTION.fullmatch(section) else "")


def _sections() -> list[tuple[str, str]]:
    try:
        from ..content import load_content

        return [(s.id, s.title) for s in load_content().sections]
    except Exception:  # noqa: BLE001 - the chooser still offers the module and the tracks
        return []


class DeepLinkHandler(LtiHandler):
    """The instructor's choice, returned to the platform as a signed LtiDeepLinkingResponse."""

    def post(self) -> None:
        payload = self.tool.verify("deep", self.get_body_argument("dl", None))
        if payload is None:
            return self.refuse(403, "deep linking: a missing, false or expired choice token")
        registration = self.tool.tool_conf.find_registration_by_params(payload["iss"], payload["client_id"])
        if registration is None:
            return self.refuse(403, "deep linking: the platform is no longer configured")
        choice = self.get_body_argument("choice", "whole")
        sections = dict(_sections())
        section = self.get_body_argument("section", "")
        base = self.tool.url(self)
        words = _words(self)
        t = words.get("t")
        if choice == "section" and section in sections:
            title, custom, scored = sections[section], {"section": section}, False
        elif choice in ("nurse", "patient"):
            title, custom, scored = pages.say(t, f"lti_deep_track_{choice}"), {"track": choice}, True
        else:
            title, custom, scored = (t("app_title") if t is not None and "app_title" in t else "her2lesson"), {}, True
        resource = (DeepLinkResource().set_url(base + ("?" + urlencode(custom) if custom else ""))
                    .set_title(title).set_custom_params(custom))
        if scored:  # the final check's score goes to a gradebook column of its own
            resource.set_lineitem(LineItem().set_score_maximum(100).set_label(title)
                                  .set_resource_id(custom.get("track", "module")))
        from pylti1p3.deep_link import DeepLink

        deep = DeepLink(registration, str(payload["deployment_id"]), payload["settings"])
        self.finish(pages.return_form(words, str(payload["settings"]["deep_link_return_url"]),
                                      deep.get_response_jwt([resource])))


class JwksHandler(LtiHandler):
    def get(self) -> None:
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "public, max-age=3600")
        self.finish(json.dumps(self.tool.config.jwks()))


class ConfigHandler(LtiHandler):
    """What an LMS administrator enters: the addresses, the redirect URI, the scopes (and the IMS JSON form)."""

    def get(self) -> None:
        base = self.tool.url(self)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({
            "title": "her2lesson", "description": "An interactive learning module about metastatic HER2-positive "
                                                  "breast cancer",
            "oidc_initiation_url": base + "lti/login", "target_link_uri": base + "lti/launch",
            "redirect_uris": [base + "lti/launch"], "jwks_uri": base + "lti/jwks",
            "deep_linking_url": base + "lti/launch",
            "scopes": list(SCOPES),
            "messages": [{"type": "LtiResourceLinkRequest", "target_link_uri": base + "lti/launch"},
                         {"type": "LtiDeepLinkingRequest", "target_link_uri": base + "lti/launch"}],
            "claims": ["iss", "sub"], "privacy": "no names or e-mail addresses are read or kept",
        }, indent=2))


class ScoreHandler(LtiHandler):
    """POST from one of this server's kernels over loopback (hop.py): a launched learner's final-check score."""

    async def post(self) -> None:
        if self.request.remote_ip not in ("127.0.0.1", "::1") or not hmac.compare_digest(
                self.request.headers.get(HOP_HEADER, ""), self.tool.hop_secret):
            raise tornado.web.HTTPError(403)
        try:
            body = json.loads(self.request.body[:2048])
            score = int(body["score"])
            key, learner_id = body.get("key"), body.get("learner_id")
            if not 0 <= score <= 100:
                raise ValueError
        except (ValueError, TypeError, KeyError):
            raise tornado.web.HTTPError(400) from None

        def work() -> int:
            found = learner_id
            if key is not None:
                with self.tool.open_store() as store:
                    learner = store.find_external_learner(str(key))
                found = learner.id if learner is not None else None
            return self.tool.score_arrived(int(found), score) if found is not None else 0

        lines = await tornado.ioloop.IOLoop.current().run_in_executor(None, work)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"lines": lines}))
