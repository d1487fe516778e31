"""pylti1p3's framework abstractions for Tornado: the request, cookies, a server-side launch store, the redirect, and
the OIDC login and message launch classes built on them. The JWT and OIDC checks themselves are pylti1p3's.

State and nonce. pylti1p3 binds the OIDC `state` to the browser with a cookie. Inside a learning platform's iframe on
another site, that cookie is not sent back when the browser blocks third-party cookies, or always over plain HTTP
(SameSite=None needs Secure). So the state is also remembered here, server-side, when the login hands it out, and a
launch whose state cookie did not come back is accepted only if its state is one this server issued in the last five
minutes and not yet used. The nonce is kept server-side only, and is spent by the launch that presents it: a second
launch with the same nonce is refused. The store lives in this server's memory: a launch must reach the server that
handled its login (one server, or sticky sessions behind a load balancer).
"""
from __future__ import annotations

import threading
import time
import typing as t
from typing import Any

from pylti1p3.cookie import CookieService
from pylti1p3.exception import LtiException
from pylti1p3.launch_data_storage.base import LaunchDataStorage
from pylti1p3.message_launch import MessageLaunch
from pylti1p3.oidc_login import OIDCLogin
from pylti1p3.redirect import Redirect
from pylti1p3.request import Request
from pylti1p3.session import SessionService
from pylti1p3.tool_config import ToolConfAbstract

STATE_SECONDS = 5 * 60  # as pylti1p3's own state cookie
MOST_KEPT = 50_000  # a flood of logins cannot grow the store without bound


class MemoryStorage(LaunchDataStorage[t.Any]):
    """pylti1p3's launch data storage, in this process, with expiry; no session cookie (keys are global)."""

    _session_cookie_name = ""

    def __init__(self, clock: t.Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.clock = clock
        self._values: dict[str, tuple[t.Any, float]] = {}
        self._lock = threading.Lock()

    def get_session_cookie_name(self) -> str | None:
        return None

    def can_set_keys_expiration(self) -> bool:
        return True

    def _sweep(self, now: float) -> None:
        if len(self._values) >= MOST_KEPT:
            self._values = {k: v for k, v in self._values.items() if v[1] > now}
            while len(self._values) >= MOST_KEPT:  # still full of live entries: the oldest give way
                self._values.pop(next(iter(self._values)))

    def set_value(self, key: str, value: t.Any, exp: int | None = None) -> None:
        now = self.clock()
        with self._lock:
            self._sweep(now)
            self._values[self._prepare_key(key)] = (value, now + (exp or STATE_SECONDS))

    def get_value(self, key: str) -> t.Any:
        with self._lock:
            found = self._values.get(self._prepare_key(key))
        return found[0] if found and found[1] > self.clock() else None

    def check_value(self, key: str) -> bool:
        return self.get_value(key) is not None

    def take(self, key: str) -> t.Any:
        """The value, removed: a second take finds nothing (a nonce, a state: once only)."""
        with self._lock:
            found = self._values.pop(self._prepare_key(key), None)
        return found[0] if found and found[1] > self.clock() else None


class OnceSessionService(SessionService):
    """pylti1p3's session service over MemoryStorage, spending each nonce the first time it is checked."""

    def __init__(self, request: Request, storage: MemoryStorage):
        super().__init__(request)
        self.set_data_storage(storage)
        self.storage = storage

    def check_nonce(self, nonce: str) -> bool:
        return bool(self.storage.take(self._get_key("nonce", nonce)))

    def remember_state(self, state: str) -> None:
        self._set_value(self._get_key("issued-" + state), True)

    def take_state(self, state: str) -> bool:
        return bool(self.storage.take(self._get_key("issued-" + state)))


class TornadoRequest(Request):
    """One Tornado request as pylti1p3 reads it: a parameter from the form body or the query, and the scheme."""

    def __init__(self, handler: t.Any):
        self.handler = handler

    @property
    def session(self) -> t.Any:
        return None

    def is_secure(self) -> bool:
        return self.handler.request.protocol == "https"

    def get_param(self, key: str) -> str:
        value = self.handler.get_body_argument(key, None) if self.handler.request.method == "POST" else None
        if value is None:
            value = self.handler.get_query_argument(key, None)
        return value or ""


class TornadoCookieService(CookieService):
    """pylti1p3's short-lived cookies (the OIDC state): SameSite=None and Secure over HTTPS, as a platform's iframe on
    another site needs; over plain HTTP a browser refuses SameSite=None without Secure, so Lax is set there (then the
    server-side state above is what lets a framed launch through)."""

    def __init__(self, handler: t.Any, session: OnceSessionService):
        self.handler = handler
        self.session = session

    def _name(self, name: str) -> str:
        return f"{self._cookie_prefix}-{name}"

    def get_cookie(self, name: str) -> str | None:
        return self.handler.get_cookie(self._name(name))

    def set_cookie(self, name: str, value: t.Union[str, int], exp: int | None = 3600) -> None:
        if name.startswith("state-"):
            self.session.remember_state(name)
        secure = self.handler.request.protocol == "https"
        self.handler.set_cookie(self._name(name), str(value), expires_days=(exp or 3600) / 86400,
                                path=self.handler.settings.get("base_url", "/"), httponly=True, secure=secure,
                                samesite="None" if secure else "Lax")


class TornadoRedirect(Redirect[str]):
    """The address to send the browser to; the handler does the sending."""

    def __init__(self, location: str):
        self.location = location

    def do_redirect(self) -> str:
        return self.location

    def do_js_redirect(self) -> str:
        return self.location

    def set_redirect_url(self, location: str) -> None:
        self.location = location

    def get_redirect_url(self) -> str:
        return self.location


class TornadoOIDCLogin(OIDCLogin[TornadoRequest, ToolConfAbstract, OnceSessionService, TornadoCookieService, str]):
    def get_redirect(self, url: str) -> Redirect[str]:
        return TornadoRedirect(url)


REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub", "nonce"]


class TornadoMessageLaunch(MessageLaunch[TornadoRequest, ToolConfAbstract, OnceSessionService,
                                         TornadoCookieService]):
    """pylti1p3's launch checks, plus: the state issued by this server's login (cookie, or server-side once only, see
    the module's docstring); `exp`, `iat`, `aud` and the nonce required; the audience must name the client id."""

    def __init__(self, request: TornadoRequest, tool_config: ToolConfAbstract, session_service: OnceSessionService,
                 cookie_service: TornadoCookieService):
        super().__init__(request, tool_config, session_service=session_service, cookie_service=cookie_service)
        options: Any = {"verify_aud": False, "require": REQUIRED_CLAIMS}  # PyJWT takes a list for "require"
        self.set_jwt_verify_options(options)

    def _get_request_param(self, key: str) -> str:
        return self._request.get_param(key)

    def validate_state(self) -> MessageLaunch:
        state = self._get_request_param("state")
        if not state:
            raise LtiException("Missing state param")
        issued_here = self._session_service.take_state(state)  # spent whichever way the state is confirmed
        if self._cookie_service.get_cookie(state) != state and not issued_here:
            raise LtiException("State not found")
        return self

    def validate_registration(self) -> MessageLaunch:
        super().validate_registration()
        body = self._get_jwt_body()
        aud = body.get("aud")
        audiences = aud if isinstance(aud, list) else [aud]
        client_id = self._registration.get_client_id() if self._registration else None
        if client_id not in audiences:
            raise LtiException("The audience does not name this tool's client id")
        if len(audiences) > 1 and body.get("azp") != client_id:  # OIDC: several audiences need azp
            raise LtiException("The authorized party (azp) is not this tool's client id")
        return self
