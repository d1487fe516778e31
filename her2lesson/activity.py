"""Kernel activity read from the two small message headers, not from the whole message.

Why: the server watches every kernel's output stream to know when it was last active and whether it is busy (the
idle culler reads both). jupyter_server's watcher checks each message's signature again and decodes its header,
parent header and metadata, turning every date in them into a datetime; a page's widget state is one message of about
0.2 MB. When a class of thirty arrives at once this was the largest single cost on the server's one thread (py-spy,
2026-11-29: 28% of its busy time in a prepared burst), while the page's own client needs none of it: Voila's page
speaks Jupyter's v1 websocket protocol, in which the server passes the kernel's frames on without decoding them.

Here only the header and the parent header are parsed, as plain JSON, and a status message's small content. The
signature is not checked a second time: these frames come from the server's own kernels over Unix sockets in a
folder only the server's user can open (`--KernelManager.transport=ipc`). The rules are jupyter_server's own:
last_activity on every tracked message (or any while busy), execution_state from status messages.
"""
from __future__ import annotations

import json
from typing import Any

from jupyter_server._tz import utcnow
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

DELIMITER = b"<IDS|MSG>"


def headers(frames: list[Any]) -> tuple[dict, dict, int]:
    """The header and parent header of a Jupyter message as it comes off ZMQ, and where its parts start."""
    parts = [bytes(frame) for frame in frames]  # zmq Frames or bytes
    start = parts.index(DELIMITER) + 2  # after the delimiter and the signature
    return json.loads(parts[start]), json.loads(parts[start + 1]) or {}, start


class LeanActivityKernelManager(AsyncMappingKernelManager):
    """jupyter_server's kernel manager with a cheaper activity watcher (see the module's docstring)."""

    def start_watching_activity(self, kernel_id: str) -> None:
        kernel = self._kernels[kernel_id]
        kernel.reason = ""
        kernel.last_activity = utcnow()
        kernel._activity_stream = kernel.connect_iopub()

        def record_activity(frames: list[Any]) -> None:
            try:
                header, parent, start = headers(frames)
                msg_type = header.get("msg_type")
                parent_type = parent.get("msg_type")
            except (ValueError, IndexError, AttributeError):
                return  # not a Jupyter message: nothing to learn from it
            if (self.track_message_type(msg_type) or self.track_message_type(parent_type)
                    or kernel.execution_state == "busy"):
                self.last_kernel_activity = kernel.last_activity = utcnow()
            if msg_type == "status":
                try:
                    state = json.loads(bytes(frames[start + 3]))["execution_state"]
                except (ValueError, IndexError, KeyError, TypeError):
                    return
                if self.track_message_type(parent_type):
                    kernel.execution_state = state
                elif kernel.execution_state == "starting" and state != "starting":
                    kernel.execution_state = "idle"  # jupyter_server's rule: after starting, idle unless tracked

        kernel._activity_stream.on_recv(record_activity)
