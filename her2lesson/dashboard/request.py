"""What the learner's page asked for (`?section=testing&track=nurse`), with or without preheated kernels; and who the
server says the learner is, when a hub authenticated them (identity.py)."""
from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
import time
from typing import BinaryIO
from urllib.parse import parse_qs

from ..identity import ExternalLearner, from_environ

MAX_VALUE = 100
CONNECT_FOR = 60.0  # seconds a claimed kernel keeps trying to reach the server (a class arriving at once is slow)
OPEN_TIMEOUT = 10.0  # seconds to connect and open the websocket, each try
MAX_MESSAGE = 1 << 20  # the request info is a few hundred bytes
_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455's, for Sec-WebSocket-Accept
CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA  # frame opcodes


def _exactly(stream: BinaryIO, n: int) -> bytes:
    data = stream.read(n)
    if len(data) < n:
        raise ConnectionError("the server closed the connection")
    return data


def _read_frame(stream: BinaryIO) -> tuple[bool, int, bytes]:
    """(final fragment, opcode, payload) of the next frame."""
    head = _exactly(stream, 2)
    length = head[1] & 0x7F
    if length >= 126:
        length = int.from_bytes(_exactly(stream, 2 if length == 126 else 8), "big")
    if length > MAX_MESSAGE:
        raise ConnectionError(f"a websocket frame of {length} bytes")
    mask = _exactly(stream, 4) if head[1] & 0x80 else b""  # a server does not mask its frames, but may
    payload = _exactly(stream, length)
    if mask:
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bool(head[0] & 0x80), head[0] & 0x0F, payload


def _send_control(sock: socket.socket, opcode: int, payload: bytes = b"") -> None:
    """A control frame (at most 125 bytes), masked as a client's frames must be."""
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload[:125]))
    sock.sendall(bytes([0x80 | opcode, 0x80 | len(masked)]) + mask + masked)


def _receive_text(host: str, port: int, path: str, tls: bool = False) -> str:
    """The first message on a websocket: a minimal RFC 6455 client, enough for Voila's /voila/query socket.

    Connecting and the opening handshake each time out after OPEN_TIMEOUT; the message may then take as long as it
    takes (a preheated kernel waits in the pool until a learner claims it). The server's pings are answered. Any
    failure, the server closing first included, is an OSError.
    """
    sock = socket.create_connection((host, port), timeout=OPEN_TIMEOUT)
    if tls:
        import ssl

        sock = ssl.create_default_context().wrap_socket(sock, server_hostname=host)
    with sock, sock.makefile("rb") as stream:  # one buffer: a message sent right after the handshake is not lost
        key = base64.b64encode(os.urandom(16)).decode()
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode())
        status = stream.readline(1000).decode("latin-1").split()
        headers = {}
        while (line := stream.readline(8000).decode("latin-1")).strip():
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        accept = base64.b64encode(hashlib.sha1((key + _GUID).encode()).digest()).decode()
        if status[1:2] != ["101"] or headers.get("sec-websocket-accept") != accept:
            raise ConnectionError(f"the server refused the websocket: {' '.join(status[1:])}")
        sock.settimeout(None)
        message = b""
        while True:
            final, opcode, payload = _read_frame(stream)
            if opcode == PING:
                _send_control(sock, PONG, payload)
            elif opcode == CLOSE:
                raise ConnectionError("the server closed the websocket before sending the request")
            elif opcode in (TEXT, BINARY, CONTINUATION):
                message += payload
                if len(message) > MAX_MESSAGE:
                    raise ConnectionError("the request is too long")
                if final:
                    break
        try:
            _send_control(sock, CLOSE, (1000).to_bytes(2, "big"))  # a normal closure
        except OSError:
            pass
        return message.decode()


def _wait_for_request() -> None:
    """Block until a learner's page claims this preheated kernel; then put that request into os.environ.

    Voila sends the request over its /voila/query websocket. We read it with a few lines of standard library
    (_receive_text) rather than `voila.utils.wait_for_request`, whose import pulls the whole server stack (about
    50 MB) into every kernel, or a websocket package (about 1 MB more).
    """
    env = os.environ
    base = env.get("VOILA_WS_BASE_URL") or env.get("VOILA_SERVER_URL", "/")
    host, port = env.get("VOILA_APP_IP", "127.0.0.1"), int(env.get("VOILA_APP_PORT", "8866"))
    path = f"{base}voila/query/{env['VOILA_KERNEL_ID']}"
    deadline = time.monotonic() + CONNECT_FOR
    while True:
        try:
            info = json.loads(_receive_text(host, port, path, tls=env.get("VOILA_WS_PROTOCOL") == "wss"))
            break  # it waited for as long as this kernel sat in the pool
        except (OSError, TimeoutError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)  # a busy server: try again rather than lose the learner's link parameters
    env.update({str(k): str(v) for k, v in info.items()})


def query_params() -> dict[str, str]:
    """First value of each query parameter, each bounded in length; empty outside Voila."""
    if os.environ.get("VOILA_PREHEAT") == "True":  # a preheated kernel learns its request only when it is claimed
        try:
            _wait_for_request()
        except Exception:  # noqa: BLE001 - no request info: show the start page
            return {}
    query = os.environ.get("QUERY_STRING", "")
    parsed = parse_qs(query[:2000], keep_blank_values=True)
    return {k[:MAX_VALUE]: v[0][:MAX_VALUE] for k, v in parsed.items()}


def external_learner() -> ExternalLearner | None:
    """The learner JupyterHub (or a learning platform) identified for this page, from the request the server handed
    this kernel; None for an anonymous page. Call it after query_params(), which waits for a preheated kernel's
    request."""
    return from_environ()
