"""The Voila application that serves the dashboard, with production-minded defaults.

Why a subclass rather than plain `voila` on the command line:
- Voila's page sends its kernel-shutdown beacon with the `_xsrf` cookie, but the page handler never sets that
  cookie, so the beacon is refused (403) and every closed tab leaks a kernel (voila issue #1458). Our page handler
  issues the cookie with the page, which fixes the cause; idle culling stays on as the safety net.
- A `/health` endpoint reports the live kernel count, for load balancers and for the kernel-leak test.
- Weak networks: responses are compressed (static files packed once, in brotli where the browser takes it: see
  static_files.py), and the page's ~90 script files are cached by the browser
  (content-hashed names for a year; Voila's numbered chunks for a day, validated after), so a repeat visit
  fetches almost nothing; the kernel websocket is compressed too. Voila itself serves them uncompressed and
  uncached.
- Under JupyterHub (`--hub`, see hub.py) every route lives under the service's prefix and the page handler passes
  the signed-in hub user to the kernel as a one-way key (identity.py), in a request header only it may set.
"""
from __future__ import annotations

import atexit
import functools
import json
import logging
import os
import re
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import tornado.ioloop
import tornado.web
from jupyter_core.utils import ensure_async
from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.base.handlers import APIHandler, FileFindHandler, JupyterHandler
from traitlets import Bool, Integer, Unicode
from voila.app import Voila
from voila.request_info_handler import RequestInfoSocketHandler
from voila.static_file_handler import MultiStaticFileHandler, TemplateStaticFileHandler
from voila.tornado.handler import TornadoVoilaHandler
from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler

from . import class_ready, identity, kernel_fork, page_bundle
from .compiled_templates import use_compiled_templates
from .page_words import COOKIE, server_words
from .paths import SHARE_DIR, TEMPLATE_NAME
from .static_files import PACKED, PackedStatic
from .widgets.module import MODULE_DIR, ROUTE, SERVED_ENV


class Preloads:
    """Scripts the page asks for late, learned from the pages served so far, named in later pages' `Link` header.

    Why: the widget extensions' entry files and the lesson's widget modules are discovered one wave after another
    (the page's script, then each extension's entry, then our modules once the widget state arrives); on a phone's
    slow network each wave costs round trips while the line sits idle. Named at the top of the page, they all
    download from the start. Learned rather than listed by hand, so a new Voila or ipywidgets release needs no edit;
    a browser that already holds them in its cache fetches nothing. The page bundle (page_bundle.py) is named first,
    and the chunks inside it are never named on their own.
    """

    LIMIT = 40  # a bounded header, whatever visitors ask for

    def __init__(self) -> None:
        self.scripts: dict[str, str] = {}  # address -> "preload" (classic script) or "modulepreload"
        self.bundled: set[str] = set()  # paths served inside the page bundle

    def use_bundle(self, address: str, bundled: set[str]) -> None:
        """Name the page bundle first; forget any chunk learned before that it now holds."""
        self.bundled = bundled
        kept = {uri: rel for uri, rel in self.scripts.items() if uri.split("?", 1)[0] not in bundled}
        self.scripts = {address: "preload", **kept} if address else kept

    def saw(self, uri: str, module: bool = False) -> None:
        path = uri.split("?", 1)[0]
        if len(self.scripts) < self.LIMIT and path.endswith(".js") and path not in self.bundled:
            self.scripts.setdefault(uri, "modulepreload" if module else "preload")

    def header(self) -> str:
        return ", ".join(f"<{uri}>; rel={rel}" + ("; as=script" if rel == "preload" else "")
                         for uri, rel in self.scripts.items())


PRELOADS = Preloads()
log = logging.getLogger("her2lesson.server")


def pooled_kernels(manager: object) -> set[str]:
    """Kernels started ahead and not yet given to a page (Voila's preheated pool)."""
    return {kernel_id for pool in getattr(manager, "_pools", {}).values()
            for kernel_id in class_ready.started_ids(pool)}


async def drop_dead_pool_kernels(manager: Any) -> int:
    """Take out of the pool any entry whose kernel failed to start or has died since (killed, out of memory), and
    start a fresh one in its place: Voila would hand such a kernel to the next learner, whose page never worked."""
    dropped = 0
    for name, pool in list(getattr(manager, "_pools", {}).items()):
        for entry in list(pool):
            if not entry.done():
                continue
            kernel_id = None
            try:
                kernel_id = None if entry.exception() else entry.result().get("kernel_id")
                alive = kernel_id is not None and await ensure_async(manager.get_kernel(kernel_id).is_alive())
            except Exception:  # noqa: BLE001 - a kernel the manager no longer knows is not alive either
                alive = False
            if alive:
                continue
            pool.remove(entry)
            dropped += 1
            log.warning("a kernel in the pool had stopped; it was replaced before any learner got it")
            if kernel_id is not None:
                try:
                    await manager.shutdown_kernel(kernel_id, now=True)
                except Exception:  # noqa: BLE001 - already gone
                    pass
        if dropped:
            manager.fill_if_needed(delay=0, notebook_name=name)
    return dropped


class RefillTiming:
    """When the pool refills after a page takes a kernel: once that learner's page is up, unless others are coming.

    Why: a refill starts a kernel and runs the lesson in it, about 1.5 CPU-seconds. Voila starts it one second after
    the page took its kernel, in the middle of that page's loading, on the same cores the browser needs on a small
    machine (loopback, measured: 0.3 to 0.5 s of a 2.5 s page). A learner who arrives alone gets the machine to
    themselves and the refill waits a few seconds; when the pool has no other ready kernel, or another page was
    claimed within the last few seconds (a class arriving), it starts at once, as before.
    """

    AFTER_S = 4.0  # a page on loopback is usable in about 2.5 s
    ARRIVING_WITHIN_S = 5.0

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.last_claim = float("-inf")

    def delay(self, ready_left: int) -> float:
        """Seconds to wait before refilling, for a page claimed now that leaves `ready_left` ready kernels."""
        now = self.clock()
        alone = now - self.last_claim > self.ARRIVING_WITHIN_S
        self.last_claim = now
        return self.AFTER_S if alone and ready_left > 0 else 0.0


REFILL = RefillTiming()


def pool_places(manager: object) -> int:
    """How many kernels the pool holds or is starting (a kernel being started has no id in the pool yet)."""
    return sum(len(pool) for pool in getattr(manager, "_pools", {}).values())


def learner_kernels(manager: object) -> int:
    """Kernels that belong to a page (started for one, or taken from the pool by one). While the pool refills,
    a place whose kernel has not started yet makes this one short: the most learners may be passed by the
    pool's size, for a few seconds."""
    return max(0, len(manager.list_kernel_ids()) - pool_places(manager))  # type: ignore[attr-defined]


PLAIN_ERROR = ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Not available</title></head>'
               '<body><main><h1>Sorry, this page is not available</h1><p><a href="/">Go to the start of the module'
               '</a>.</p></main></body></html>')


class LessonErrorPages:
    """Every error any route answers with is the module's own plain page (404.html or error.html, in its look),
    never Tornado's bare page or a server detail. Mixed into each handler class the application routes to."""

    settings: dict

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        handler: Any = self
        name = "404.html" if status_code in (403, 404) else "error.html"  # "forbidden" tells a visitor nothing useful
        base_url = self.settings.get("base_url", "/")
        try:
            env = self.settings.get("voila_jinja2_env") or self.settings["jinja2_env"]  # the one with our templates
            html = env.get_template(name).render(base_url=base_url, **page_language(handler))
        except Exception:  # noqa: BLE001 - the error page itself must never fail
            html = PLAIN_ERROR
        for header in ("Content-Disposition", "Etag", "Last-Modified"):
            handler.clear_header(header)
        handler.set_header("Content-Type", "text/html; charset=UTF-8")
        handler.set_header("Cache-Control", "no-store")
        handler.finish(html)


def page_language(handler: Any) -> dict[str, Any]:
    """`lang` and `t` (the catalogue's words) for one of the server's own pages, in the learner's language."""
    words = server_words()
    try:
        asked = handler.get_argument("lang", None)
        remembered = handler.get_cookie(COOKIE)
        accept = handler.request.headers.get("Accept-Language")
    except Exception:  # noqa: BLE001 - a malformed request still gets a page, in English
        asked = remembered = accept = None
    lang = words.choose(asked, remembered, accept)
    return {"lang": lang, "t": words.strings(lang)}


def with_error_pages(handler: type) -> type:
    """The handler class with the module's error pages (a subclass; the class itself is left as it is)."""
    if issubclass(handler, (LessonErrorPages, APIHandler)):  # the kernel API answers its client in JSON
        return handler
    return type(handler.__name__, (LessonErrorPages, handler), {"__doc__": handler.__doc__})


class SafeTemplateStaticHandler(PackedStatic, TemplateStaticFileHandler):
    """Voila's /voila/templates/<template>/static/<file>: an address of another shape is a 404, not a 500."""

    def parse_url_path(self, url_path: str) -> str:
        if url_path.count("/") < 2:
            raise tornado.web.HTTPError(404)
        return super().parse_url_path(url_path)


class NotFoundHandler(tornado.web.RequestHandler):
    """Any address the module does not have."""

    def prepare(self) -> None:
        raise tornado.web.HTTPError(404)


class AddressLimits:
    """Page starts per client address: each page starts a kernel, the scarce thing on two cores.

    A class behind one hospital address arrives together, so the bucket is wide (120 pages at once, then two a
    second); a script fetching pages in a loop is held to that. An address whose connection was closed for
    flooding its kernel gets no new page for a minute, so it cannot simply start again on a fresh kernel."""

    BURST, PER_SECOND, PENALTY_S, MOST_ADDRESSES = 120.0, 2.0, 60.0, 10_000
    CODE_TRIES, CODE_WINDOW_S = 10, 600.0  # wrong educator codes one address may send in ten minutes

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.buckets: dict[str, tuple[float, float]] = {}  # address -> (tokens, when refilled)
        self.penalised: dict[str, float] = {}  # address -> until
        self.wrong_codes: dict[str, list[float]] = {}  # address -> when it sent a wrong educator code, recent ones

    def codes_blocked(self, address: str) -> bool:
        """Whether this address sent too many wrong educator codes lately (then it is refused for a while)."""
        now = self.clock()
        recent = [t for t in self.wrong_codes.get(address, ()) if now - t < self.CODE_WINDOW_S]
        if recent:
            self.wrong_codes[address] = recent
        else:
            self.wrong_codes.pop(address, None)
        return len(recent) >= self.CODE_TRIES

    def wrong_code(self, address: str) -> int:
        """Count a wrong educator code; how many this address sent within the window. The table stays bounded."""
        now = self.clock()
        if len(self.wrong_codes) >= self.MOST_ADDRESSES:  # forget the expired, then the longest quiet
            kept = sorted(((ts[-1], a) for a, ts in self.wrong_codes.items() if now - ts[-1] < self.CODE_WINDOW_S))
            self.wrong_codes = {a: self.wrong_codes[a] for _, a in kept[-(self.MOST_ADDRESSES - 1):]}
        recent = [t for t in self.wrong_codes.get(address, ()) if now - t < self.CODE_WINDOW_S] + [now]
        self.wrong_codes[address] = recent[-self.CODE_TRIES:]
        return len(recent)

    def allow_page(self, address: str) -> bool:
        now = self.clock()
        if self.penalised.get(address, 0.0) > now:
            return False
        tokens, then = self.buckets.get(address, (self.BURST, now))
        tokens = min(self.BURST, tokens + (now - then) * self.PER_SECOND)
        if len(self.buckets) >= self.MOST_ADDRESSES:  # forget full buckets: they hold nothing worth keeping
            self.buckets = {a: b for a, b in self.buckets.items() if b[0] < self.BURST}
        if tokens < 1:
            self.buckets[address] = (tokens, now)
            return False
        self.buckets[address] = (tokens - 1, now)
        return True

    def flooded(self, address: str) -> None:
        self.penalised[address] = self.clock() + self.PENALTY_S
        if len(self.penalised) > self.MOST_ADDRESSES:
            now = self.clock()
            self.penalised = {a: until for a, until in self.penalised.items() if until > now}


ADDRESSES = AddressLimits()


class LessonPageHandler(TornadoVoilaHandler):
    """Voila's page handler, plus the `_xsrf` cookie the page's shutdown beacon reads and the preload header; a
    plain "the module is full" page (503, Retry-After) when this server already holds its most learners."""

    async def prepare(self) -> None:
        await super().prepare()
        if self._finished:
            return  # under the hub: a visitor not signed in was sent to its login
        if self.path_args and self.path_args[0]:
            # Voila redirects any other address to /voila/files/..., which the lesson does not serve
            raise tornado.web.HTTPError(404)
        if self.request.method == "GET" and self._to_chosen_language():
            return
        if self.request.method == "GET":
            await drop_dead_pool_kernels(self.kernel_manager)
        app = self.settings.get("her2lesson")
        most = getattr(app, "max_learners", 0)
        held = learner_kernels(self.kernel_manager) if most and self.request.method == "GET" else 0
        if most and held >= most:
            log.warning("the module is full: %d learners' kernels (most %d); a page was turned away", held, most)
            self._turn_away(503, "503.html")
            return
        if self.request.method == "GET" and not ADDRESSES.allow_page(self.request.remote_ip or "?"):
            log.warning("too many pages from one address in a short time; a page was turned away")
            self._turn_away(429, "429.html")
            return
        readiness = getattr(app, "readiness", None)
        if readiness is not None and self.request.method == "GET":
            readiness.page_claimed()
        if self.request.method == "GET" and hasattr(self.kernel_manager, "fill_delay"):
            ready_left = len(class_ready.ready_ids(self.kernel_manager)) - 1
            self.kernel_manager.fill_delay = REFILL.delay(ready_left)  # read by Voila when this page takes its kernel
        self._name_the_learner(app)
        if self._finished:
            return  # an LTI launch token: sent on to the address without it, or a plain "open it again" page
        self.xsrf_token  # noqa: B018 - reading the token sets the cookie on this response
        if PRELOADS.scripts:
            self.set_header("Link", PRELOADS.header())

    def _name_the_learner(self, app: Any) -> None:
        """Who the learner is, if the hub says (Voila copies this one header into the request the kernel reads);
        a copy the browser sent is dropped first, always, so no visitor can choose whose record they get."""
        headers = self.request.headers
        if identity.HEADER in headers:
            del headers[identity.HEADER]
        learner = app.external_learner(self) if app is not None else None
        if learner is not None:
            headers[identity.HEADER] = learner.to_header()

    def _to_chosen_language(self) -> bool:
        """A language picked in a link is remembered (a cookie, a year); a link without one opens in the language
        picked before, by a redirect before any kernel is claimed. True when redirected."""
        words = server_words()
        asked = self.get_argument("lang", None)
        if words.has(asked):
            self.set_cookie(COOKIE, str(asked), expires_days=365, path=self.base_url or "/", samesite="Lax",
                            httponly=True)
            return False
        remembered = self.get_cookie(COOKIE)
        if asked is None and words.has(remembered) and remembered != "en":
            query = self.request.query
            self.redirect(f"{self.request.path}?{query + '&' if query else ''}{urlencode({'lang': remembered})}")
            return True
        return False

    def _turn_away(self, status: int, template: str) -> None:
        """A plain page that says to wait a minute, never a page that hangs."""
        self.set_status(status)
        self.set_header("Retry-After", "60")
        self.set_header("Cache-Control", "no-store")
        self.finish(self.render_template(template, base_url=self.base_url, **page_language(self)))

    def set_default_headers(self) -> None:
        super().set_default_headers()
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Referrer-Policy", "no-referrer")


YEAR = 365 * 24 * 3600
DAY = 24 * 3600
HASHED_NAME = re.compile(r"[.-][0-9a-f]{8,}\.(?:js|css|woff2?|svg)$")  # remoteEntry.c8c9eed2cdefdeac.js, 7.2a0c...js
VOILA_CHUNK = re.compile(r"^\d+\.voila\.js$")  # Voila's numbered chunks: they change only with Voila's version


def cache_seconds(path: str, versioned: bool) -> int:
    """How long a browser may keep a static file without asking again (0: ask every time, a 304 if unchanged)."""
    name = path.rsplit("/", 1)[-1]
    if versioned or HASHED_NAME.search(name):
        return YEAR
    if VOILA_CHUNK.match(name):
        return DAY
    return 0


class CachedStaticHandler(PackedStatic, MultiStaticFileHandler):
    """Voila's /voila/static files with browser caching (its entry script stays revalidated every visit)."""

    def get_cache_time(self, path: str, modified: object, mime_type: str) -> int:
        return cache_seconds(path, "v" in self.request.arguments)


class CachedExtensionHandler(PackedStatic, FileFindHandler):
    """The widget extensions' files: content-hashed names, so they can be kept for a year."""

    def set_headers(self) -> None:
        super().set_headers()  # reached only for a file that exists
        PRELOADS.saw(self.request.uri)
        seconds = cache_seconds(self.request.path, "v" in self.request.arguments)
        if seconds:
            self.set_header("Cache-Control", f"public, max-age={seconds}, immutable")


class WidgetModuleHandler(PackedStatic, tornado.web.StaticFileHandler):
    """The lesson's widget modules (question, entry, live, storage), fetched once per browser instead of being sent
    inside every widget's state. Addresses carry a content hash (`?v=`), so a year's caching is safe."""

    def initialize(self) -> None:  # type: ignore[override]
        super().initialize(path=str(MODULE_DIR))

    def get_cache_time(self, path: str, modified: object, mime_type: str) -> int:
        return cache_seconds(path, "v" in self.request.arguments)

    def set_extra_headers(self, path: str) -> None:
        self.set_header("X-Content-Type-Options", "nosniff")
        PRELOADS.saw(self.request.uri, module=True)


class BundleHandler(PackedStatic, tornado.web.StaticFileHandler):
    """The page bundle (page_bundle.py): one file, named by its content's digest, so kept for a year."""

    def get_cache_time(self, path: str, modified: object, mime_type: str) -> int:
        return YEAR

    def set_extra_headers(self, path: str) -> None:
        self.set_header("X-Content-Type-Options", "nosniff")


# The lesson has no mathematics, yet Voila's page loads MathJax 3 (~140 kB compressed, three script files) only to
# typeset an empty element at start-up. Given a MathJax address, Voila's page picks its MathJax 2 typesetter
# instead, which loads that one script: this stand-in, which typesets nothing.
NO_MATH = "her2lesson/no-math.js"
NO_MATH_SCRIPT = ("""// her2lesson: the lesson has no mathematics, so the page's typesetter is a stand-in """
                  """that does nothing.
window.MathJax = { Hub: { config: {}, Config() {}, Configured() {}, Queue() {}, Register: { StartupHook() {} } },
                   Ajax: {}, InputJax: { TeX: { resetEquationNumbers() {} } } };
""")


def without_mathjax(page_config: dict, base_url: str = "/", **_kwargs: object) -> dict:
    """Voila's page-config hook: point the page's typesetter at the stand-in (see NO_MATH)."""
    page_config["fullMathjaxUrl"] = base_url.rstrip("/") + "/" + NO_MATH
    page_config["mathjaxConfig"] = "none"
    return page_config


class NoMathHandler(tornado.web.RequestHandler):
    """Serves NO_MATH_SCRIPT (whatever the query string), cached for a day."""

    def get(self) -> None:
        self.set_header("Content-Type", "text/javascript; charset=utf-8")
        self.set_header("Cache-Control", f"public, max-age={DAY}")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.finish(NO_MATH_SCRIPT)


CONNECTED: set[str] = set()  # kernels that a page's websocket has reached at least once


class LessonKernelSocket(VoilaKernelWebsocketHandler):
    """The kernel websocket, noting which kernels a page reached (see Sweeper) and closing a connection that
    floods its kernel: a learner's clicks send a few messages a second; a script can send thousands, and every
    kernel shares the machine's two cores."""

    BURST, PER_SECOND = 300, 60.0  # a token bucket per connection
    BYTES_PER_TOKEN = 4096  # a message costs a token, and one more per 4 kB: a page's messages are under 1 kB
    LARGEST = 64 * 1024  # a bigger message closes the connection (and penalises the address): no page sends one
    MAX_MESSAGE = 2 * 1024 * 1024  # tornado itself drops the connection past this, before reading it all

    @property
    def max_message_size(self) -> int:
        return self.MAX_MESSAGE

    async def open(self, kernel_id: str) -> None:
        CONNECTED.add(kernel_id)
        self._tokens, self._refilled = float(self.BURST), time.monotonic()
        await super().open(kernel_id)

    def on_message(self, ws_message: str | bytes) -> None:
        now = time.monotonic()
        self._tokens = min(self.BURST, self._tokens + (now - self._refilled) * self.PER_SECOND)
        self._refilled = now
        cost = 1 + len(ws_message) / self.BYTES_PER_TOKEN
        if self._tokens < cost or len(ws_message) > self.LARGEST:
            log.warning("kernel %s: a connection sent more than any page does; it was closed, and its address "
                        "gets no new page for a minute", getattr(self, "kernel_id", "?"))
            ADDRESSES.flooded(self.request.remote_ip or "?")
            self.close(code=1008, reason="too many messages")
            return
        self._tokens -= cost
        super().on_message(ws_message)


class Sweeper:
    """Shuts down kernels whose page never connected: a page fetched by a script (or a browser that gave up)
    takes a kernel from the pool, and without this it would hold that kernel until the idle cull, minutes later,
    so a few hundred fetches could fill the server. A kernel in the pool, or one a page has reached, is left."""

    def __init__(self, manager: object, grace_seconds: int):
        self.manager = manager
        self.grace = grace_seconds
        self.first_seen: dict[str, float] = {}

    async def sweep(self) -> None:
        await drop_dead_pool_kernels(self.manager)
        now = time.monotonic()
        live = set(self.manager.list_kernel_ids())  # type: ignore[attr-defined]
        pooled = pooled_kernels(self.manager)
        waiting = live - pooled - CONNECTED
        self.first_seen = {k: self.first_seen.get(k, now) for k in waiting}
        CONNECTED.intersection_update(live)
        starting = pool_places(self.manager) - len(pooled)  # pool kernels not ready yet
        newest_first = sorted(self.first_seen, key=self.first_seen.__getitem__, reverse=True)
        for kernel_id in newest_first[max(0, starting):]:  # the newest may be the pool's, still starting
            since = self.first_seen[kernel_id]
            if now - since >= self.grace:
                log.warning("kernel %s: its page never connected in %d s; shut down", kernel_id, self.grace)
                del self.first_seen[kernel_id]
                try:
                    await self.manager.shutdown_kernel(kernel_id)  # type: ignore[attr-defined]
                except Exception:  # noqa: BLE001 - already gone
                    pass


class RequestWaiterHandler(RequestInfoSocketHandler):
    """Voila's /voila/query/<kernel> socket, where a preheated kernel waits to learn which page claimed it.

    Voila's own handler lets any visitor register for any id and, on close, removes whichever waiter was added last
    when its own entry was replaced: two sockets to a made-up id could unhook a real pool kernel, whose learner then
    waited forever. Here only a kernel this server runs may wait, the first waiter for an id keeps it, and closing a
    socket removes only its own entry.
    """

    def open(self, kernel_id: str) -> None:
        waiters = RequestInfoSocketHandler._waiters
        manager = self.settings.get("kernel_manager")
        known = manager is not None and kernel_id in manager
        if not known or waiters.get(kernel_id) not in (None, self):
            self.close(code=1008, reason="not a waiting kernel")
            return
        super().open(kernel_id)

    def on_close(self) -> None:
        waiters = RequestInfoSocketHandler._waiters
        for kernel_id, waiter in list(waiters.items()):
            if waiter is self:
                del waiters[kernel_id]


class HealthHandler(JupyterHandler):
    """`GET /health`: is the server up, and how many kernels does it hold."""

    auth_resource = "health"

    def initialize(self, port: int = 0) -> None:
        self.port = port

    @allow_unauthenticated
    def get(self) -> None:
        kernels = list(self.kernel_manager.list_kernel_ids())
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        # the port tells instances apart behind a load balancer
        self.finish(json.dumps({"status": "ok", "kernels": len(kernels), "port": self.port}))


class ReadyHandler(tornado.web.RequestHandler):
    """POST /her2lesson/ready {"educator_code", "learners", "minutes"}: keep kernels ready for a class coming now.

    Without "learners" it only reports how ready the server is. Any cohort's educator code opens it (the pool is the
    whole server's); wrong codes are counted per client address and then refused for a while, with a log line that
    names no code."""

    def initialize(self, readiness: class_ready.ClassReadiness) -> None:
        self.readiness = readiness

    def check_xsrf_cookie(self) -> None:
        """The code travels in the body, no cookie grants anything here, so a cross-site form gains nothing."""

    def set_default_headers(self) -> None:
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")

    def _refuse(self, status: int, message: str) -> None:
        self.set_status(status)
        self.finish(json.dumps({"message": message}))

    def _code_opens_a_cohort(self, code: str) -> bool:
        from .records import open_store

        with open_store(create=False) as store:
            return store.cohort_by_educator_code(code) is not None

    async def post(self) -> None:
        client = self.request.remote_ip or "?"
        if ADDRESSES.codes_blocked(client):
            return self._refuse(429, "Too many wrong educator codes. Try again in ten minutes.")
        try:
            body = json.loads(self.request.body[:4096] or b"{}")
            code = str(body.get("educator_code", ""))[:64].strip()
            learners = body.get("learners")
            minutes = float(body.get("minutes", class_ready.DEFAULT_MINUTES))
            learners = None if learners is None else int(learners)
        except (ValueError, TypeError, AttributeError):
            return self._refuse(400, "Send JSON: educator_code, and learners (a whole number) to get ready.")
        try:
            known = bool(code) and await tornado.ioloop.IOLoop.current().run_in_executor(
                None, self._code_opens_a_cohort, code)
        except Exception:  # noqa: BLE001 - a store that fails is logged, and the educator told plainly
            log.warning("getting ready for a class: the learner records could not be read")
            return self._refuse(503, "The learner records cannot be read just now, so the code cannot be checked.")
        if not known:
            log.warning("getting ready for a class: a wrong educator code (%d of %d tries from one address)",
                        ADDRESSES.wrong_code(client), ADDRESSES.CODE_TRIES)
            return self._refuse(403, "That educator code does not open a class on this server.")
        if not self.readiness.supported:
            return self._refuse(409, "This server runs without kernels kept ready (--pool-size 0), so it cannot "
                                     "get ready for a class.")
        status = self.readiness.status() if learners is None else self.readiness.ask(learners, minutes)
        self.finish(status.as_json())


class LessonVoila(Voila):
    """Voila with the lesson's page handler and a health endpoint."""

    name = "her2lesson"
    replacements = {TornadoVoilaHandler: LessonPageHandler, MultiStaticFileHandler: CachedStaticHandler,
                    TemplateStaticFileHandler: SafeTemplateStaticHandler,
                    RequestInfoSocketHandler: RequestWaiterHandler, VoilaKernelWebsocketHandler: LessonKernelSocket}
    max_learners = Integer(150, help="most learners' kernels at once; more pages get 'the module is full' "
                                     "(0: no limit)").tag(config=True)
    unconnected_grace = Integer(60, help="seconds a page's kernel may wait for its page to connect").tag(config=True)
    behind_proxy = Bool(False, help="take the client's address from X-Forwarded-For / X-Real-IP (only when a "
                                    "proxy such as deploy/nginx.conf is the one way in)").tag(config=True)
    hub = Bool(False, help="a JupyterHub-managed service: the hub signs learners in (see hub.py)").tag(config=True)
    identity_secret = b""  # the secret behind hub learners' keys (set at start with --hub)
    lti_config = Unicode("", help="an LTI 1.3 tool configuration file (her2lesson/lti/): turns on /lti/...").tag(
        config=True)
    lti: Any = None  # the LTI tool (lti.tool.LtiTool), with --lti-config
    bundle: page_bundle.PageBundle | None = None  # made at start

    def external_learner(self, handler: Any) -> identity.ExternalLearner | None:
        """Who an LTI launch or the hub says the page's visitor is (None: an anonymous learner, with a resume code)."""
        if self.lti is not None:
            learner = self.lti.page_learner(handler)
            if learner is not None or handler._finished:
                return learner
        if not self.hub:
            return None
        from .hub import hub_learner

        return hub_learner(handler.current_user, self.identity_secret)

    def listen(self) -> None:
        if self.behind_proxy:  # else every learner has the proxy's address, and shares one page-start limit
            self.app.listen = functools.partial(self.app.listen, xheaders=True)
        super().listen()

    def init_settings(self) -> dict:
        self.voila_configuration.page_config_hook = without_mathjax
        use_compiled_templates()  # before the kernel pool renders its first page
        self._make_page_bundle()
        # the loading screen's words in each language: the page is rendered before a request says which one
        self.voila_configuration.config.VoilaConfiguration.resources = {
            "her2lesson_words": server_words().loading(),
            "her2lesson_bundle": self.bundle.address(self.base_url) if self.bundle else ""}
        if self.hub:  # before the kernel pool starts: kernels inherit this process's environment
            from .hub import take_secrets
            from .records import open_store

            self.identity_secret = take_secrets(self, open_store)
        if self.lti_config:  # before the kernel pool starts too: the kernels' hop secret is in the environment
            from . import lti
            from .records import open_store

            if not self.identity_secret:
                self.identity_secret = identity.secret_from_env() or b""
                os.environ.pop(identity.SECRET_ENV, None)
                if not self.identity_secret:
                    with open_store(create=False) as store:
                        self.identity_secret = store.identity_secret()
            self.lti = lti.start(self.lti_config, self.identity_secret, lambda: open_store(create=False),
                                 self.base_url)
        # Kernels are forked from a warm parent (kernel_fork.py); it copies this process's environment, so it starts
        # after the secrets above have left it, and before the pool asks for its first kernel.
        kernel_fork.start_zygote()
        settings = super().init_settings()
        settings["default_handler_class"] = with_error_pages(NotFoundHandler)
        if self.lti is not None:  # the platforms' pages frame the module (Jupyter's default allows only this site)
            settings.setdefault("headers", {})["Content-Security-Policy"] = self.lti.config.frame_policy()
        settings["compress_response"] = True  # gzip: read by tornado when the application is made
        # permessage-deflate on the kernel websocket: the page's widget state (~440 kB, mostly the same small
        # front-end modules repeated per widget) shrinks to a fraction on a phone's network
        settings["websocket_compression_options"] = {}
        return settings

    def _make_page_bundle(self) -> None:
        """The page's chunks in one file (page_bundle.py), packed at once so the first learner gets it in brotli."""
        manifest = Path(os.environ.get(page_bundle.MANIFEST_ENV) or page_bundle.MANIFEST)
        self.bundle = page_bundle.build(self.static_paths, self.labextensions_path, manifest)
        atexit.register(shutil.rmtree, self.bundle.directory, True)
        if self.bundle.left_out:
            log.warning("page bundle: %d of %d chunks not found unchanged (another Voila or extension release?); "
                        "pages fetch those one by one. Run tools/page_chunks.py to list them again.",
                        len(self.bundle.left_out), len(self.bundle.left_out) + len(self.bundle.included))
        if self.bundle.name:
            base = self.base_url.rstrip("/") + "/"
            PRELOADS.use_bundle(self.bundle.address(self.base_url),
                                {base + address for address in self.bundle.included})
            PACKED.pack_soon(str(self.bundle.directory / self.bundle.name))

    def init_handlers(self) -> list:
        # The lesson's own log lines (a full module, a class getting ready, a failed write) go where Voila's go,
        # in its format, at INFO; before this, only warnings reached stderr, bare, through logging's last resort.
        ours = logging.getLogger("her2lesson")
        ours.handlers, ours.propagate = list(self.log.handlers), False
        ours.setLevel(logging.INFO)
        handlers = []
        for spec in super().init_handlers():
            if spec[0].endswith(("/login", "/logout", "/voila/files/(.*)")):
                continue  # no sign-in, and no files beside the notebook: the lesson serves neither
            if len(spec) > 1 and spec[1] in self.replacements:
                spec = (spec[0], self.replacements[spec[1]], *spec[2:])
            elif len(spec) > 1 and spec[1] is FileFindHandler and "labextensions" in spec[0]:
                spec = (spec[0], CachedExtensionHandler, *spec[2:])
            handlers.append(spec)
        sweeper = Sweeper(self.kernel_manager, self.unconnected_grace)
        tornado.ioloop.PeriodicCallback(sweeper.sweep, max(1000, self.unconnected_grace * 250)).start()
        self.readiness = class_ready.ClassReadiness(self.kernel_manager, self.max_learners,
                                                    lambda: learner_kernels(self.kernel_manager),
                                                    waiting=lambda: RequestInfoSocketHandler._waiters.keys())
        tornado.ioloop.PeriodicCallback(self.readiness.tick, 1000).start()  # grows the pool a few at a time
        base = self.server_url.rstrip("/")
        # Before the catch-all page route, so /health is not taken for a file.
        handlers.insert(0, (f"{base}/health", HealthHandler, {"port": self.port}))
        handlers.insert(1, (f"{base}/{NO_MATH}", NoMathHandler))
        handlers.insert(2, (f"{base}/{ROUTE}([a-z]+\\.js)", WidgetModuleHandler))  # names only: no other file
        handlers.insert(3, (f"{base}/{class_ready.ROUTE}", ReadyHandler, {"readiness": self.readiness}))
        at = 4
        if self.bundle is not None and self.bundle.name:
            handlers.insert(at, (f"{base}/{page_bundle.ROUTE}(page-chunks\\.[0-9a-f]{{16}}\\.js)", BundleHandler,
                                 {"path": str(self.bundle.directory)}))
            at += 1
        if self.lti is not None:
            handlers[at:at] = self.lti.handlers()
        return [(spec[0], with_error_pages(spec[1]), *spec[2:]) for spec in handlers]


def voila_argv(notebook: str, host: str, port: int, cull_idle_seconds: int, pool_size: int,
               max_learners: int = 150, unconnected_grace: int = 60, behind_proxy: bool = False,
               base_url: str = "/", hub: bool = False, lti_config: str = "") -> list[str]:
    """The Voila settings that make a public lesson server; one place, so tests and `serve` agree."""
    argv = [
        notebook,
        f"--port={port}",
        f"--Voila.ip={host}",
        f"--Voila.base_url={base_url}",  # every route, page, file and websocket under it (a hub's /services/NAME/)
        "--no-browser",
        "--Voila.port_retries=0",  # the port asked for, or a clear failure: never a different port in silence
        f"--template={TEMPLATE_NAME}",
        "--theme=light",
        "--VoilaConfiguration.show_tracebacks=False",
        "--VoilaConfiguration.allow_template_override=NO",
        "--VoilaConfiguration.allow_theme_override=NO",
        # Load only the front-end extensions the lesson uses (widgets, anywidget), not every one installed.
        "--VoilaConfiguration.extension_allowlist=@jupyter-widgets/jupyterlab-manager",
        "--VoilaConfiguration.extension_allowlist=anywidget",
        "--VoilaConfiguration.extension_allowlist=@voila-dashboards/widgets-manager8",
        # Culling: a kernel whose page is gone (no open connection) and idle is shut down.
        f"--MappingKernelManager.cull_idle_timeout={cull_idle_seconds}",
        f"--MappingKernelManager.cull_interval={max(5, min(60, cull_idle_seconds // 2 or 5))}",
        "--MappingKernelManager.cull_connected=False",
        "--MappingKernelManager.cull_busy=False",
        # Kernels talk to the server over Unix sockets in Voila's private (0700) connection folder, named after the
        # kernel's id: two kernels can never be handed the same TCP port by a race between picking and binding it.
        "--KernelManager.transport=ipc",
        # Activity read from message headers only (activity.py): the server's largest cost when a class arrives
        "--VoilaConfiguration.multi_kernel_manager_class=her2lesson.activity.LeanActivityKernelManager",
        f"--LessonVoila.max_learners={max_learners}",
        f"--LessonVoila.unconnected_grace={unconnected_grace}",
        f"--LessonVoila.behind_proxy={behind_proxy}",
        # The one request header the kernel is given: who the learner is, set by LessonPageHandler alone
        f"--VoilaConfiguration.http_header_envs={identity.HEADER}",
    ]
    if lti_config:
        argv.append(f"--LessonVoila.lti_config={lti_config}")
    if hub:
        argv += ["--LessonVoila.hub=True", "--LessonVoila.identity_provider_class=her2lesson.hub.HubIdentity",
                 "--LessonVoila.authorizer_class=her2lesson.hub.HubAuthorizer"]
    if pool_size > 0:
        argv += ["--preheat_kernel=True", f"--pool_size={pool_size}"]
    return argv


def run(argv: Sequence[str]) -> None:
    """Start the server in this process (blocks until stopped)."""
    # Our template lives inside the package: put its share/jupyter first on the Jupyter data path.
    existing = os.environ.get("JUPYTER_PATH", "")
    os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(SHARE_DIR), existing) if p)
    os.environ[SERVED_ENV] = "1"  # our kernels load widget modules from WidgetModuleHandler
    LessonVoila.launch_instance(list(argv))
