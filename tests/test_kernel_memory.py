"""What a learner's kernel imports, since each learner has one (issue #12): no pydantic, no yaml, no websocket
package. A kernel loads the checked snapshot as plain records, and reads its request with a small standard-library
websocket client (dashboard/request.py), tested here against a real Tornado server as Voila runs one."""
from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import socket
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
import tornado.httpserver
import tornado.netutil
import tornado.web
import tornado.websocket

from her2lesson.content.library import SNAPSHOT_ENV, write_snapshot
from her2lesson.dashboard import request

KERNEL = textwrap.dedent("""
    import json, sys
    import psutil
    from her2lesson.dashboard import Dashboard, show  # what the lesson's notebook imports
    from her2lesson.content import load_content
    from her2lesson.settings import LessonSettings

    content = load_content()
    for track in ("patient", "nurse"):
        dashboard = Dashboard(content, LessonSettings(), {"track": track, "section": "testing"})
        for page in range(len(dashboard.pages)):  # every part, as a learner going through the lesson
            dashboard.go(page)
    memory = psutil.Process().memory_full_info()
    print(json.dumps({"modules": sorted(sys.modules), "rss": memory.rss, "uss": memory.uss}))
""")


def test_a_kernel_showing_the_lesson_imports_neither_pydantic_nor_yaml(content, tmp_path):
    env = dict(os.environ, **{SNAPSHOT_ENV: str(write_snapshot(content, tmp_path)),
                              "HER2LESSON_CONTENT_DIR": str(tmp_path / "nowhere")})  # the files are not read
    env.pop("VOILA_PREHEAT", None)
    done = subprocess.run([sys.executable, "-c", KERNEL], env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    tops = {name.split(".")[0] for name in report["modules"]}
    assert not tops & {"pydantic", "pydantic_core", "yaml", "websockets"}, sorted(tops)
    assert "her2lesson.content.library" not in report["modules"]
    print(f"kernel-like process: RSS {report['rss'] / 2**20:.1f} MB, USS {report['uss'] / 2**20:.1f} MB")


# --- the request, over Voila's /voila/query websocket --------------------------------------------------------------
@contextmanager
def tornado_server(handler: type[tornado.websocket.WebSocketHandler]) -> Iterator[int]:
    """A Tornado server with `handler` at /voila/query/<kernel id>, on a free loopback port, in a thread."""
    sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
    port = sockets[0].getsockname()[1]
    loop = asyncio.new_event_loop()
    started = threading.Event()

    async def start() -> tornado.httpserver.HTTPServer:
        server = tornado.httpserver.HTTPServer(tornado.web.Application([(r"/voila/query/(.*)", handler)]))
        server.add_sockets(sockets)
        return server

    def run() -> None:
        asyncio.set_event_loop(loop)
        server = loop.run_until_complete(start())
        started.set()
        loop.run_forever()
        server.stop()
        loop.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    started.wait(10)
    try:
        yield port
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


@pytest.fixture
def preheated(monkeypatch) -> Callable[[int], None]:
    """A preheated kernel's environment, pointing at a server on `port`."""
    def point_at(port: int) -> None:
        for key, value in {"VOILA_PREHEAT": "True", "VOILA_APP_IP": "127.0.0.1", "VOILA_APP_PORT": str(port),
                           "VOILA_KERNEL_ID": "k-1", "VOILA_SERVER_URL": "/", "QUERY_STRING": "",
                           "SCRIPT_NAME": ""}.items():  # set here so that what the server sends is undone
            monkeypatch.setenv(key, value)
        monkeypatch.delenv("VOILA_WS_BASE_URL", raising=False)
    return point_at


class Sends(tornado.websocket.WebSocketHandler):
    """As Voila: the request info once the page claims the kernel (here after a ping, which must be answered)."""

    kernels: list[str] = []
    pongs = 0

    def open(self, kernel_id: str) -> None:
        Sends.kernels.append(kernel_id)
        self.ping(b"are you there")

    def on_pong(self, data: bytes) -> None:
        Sends.pongs += 1
        self.write_message({"QUERY_STRING": "track=nurse&section=testing", "SCRIPT_NAME": "/"})


def test_a_preheated_kernel_reads_its_request_from_the_server(preheated):
    with tornado_server(Sends) as port:
        preheated(port)
        assert request.query_params() == {"track": "nurse", "section": "testing"}
    assert Sends.kernels == ["k-1"] and Sends.pongs == 1
    assert os.environ["SCRIPT_NAME"] == "/"


class Closes(tornado.websocket.WebSocketHandler):
    opened = 0

    def open(self, kernel_id: str) -> None:
        Closes.opened += 1
        self.close()


def test_a_server_that_closes_without_the_request_is_tried_again_then_the_start_page_shows(preheated, monkeypatch):
    monkeypatch.setattr(request, "CONNECT_FOR", 1.2)
    with tornado_server(Closes) as port:
        preheated(port)
        assert request.query_params() == {}
    assert Closes.opened >= 2, "tried again"


def test_no_server_at_all_shows_the_start_page(preheated, monkeypatch):
    monkeypatch.setattr(request, "CONNECT_FOR", 0.6)
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    preheated(port)
    assert request.query_params() == {}


def test_a_message_in_fragments_is_put_together():
    """Tornado sends whole messages; another server may split one into a text frame and continuations."""
    message = json.dumps({"QUERY_STRING": "section=testing"}).encode()
    with socket.create_server(("127.0.0.1", 0)) as server:
        def serve() -> None:
            conn, _ = server.accept()
            with conn, conn.makefile("rb") as stream:
                lines = iter(stream.readline, b"\r\n")
                key = next(line.split(b":")[1].strip() for line in lines
                           if line.lower().startswith(b"sec-websocket-key"))
                list(lines)  # the rest of the request
                accept = base64.b64encode(hashlib.sha1(key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())
                conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                             b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n")
                first, rest = message[:5], message[5:]
                conn.sendall(bytes([0x01, len(first)]) + first + bytes([0x89, 0]) + bytes([0x80, len(rest)]) + rest)
                stream.read(6)  # the pong to the ping between the fragments

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        assert request._receive_text("127.0.0.1", server.getsockname()[1], "/voila/query/k") == message.decode()
        thread.join(10)
