"""The lean kernel-activity watcher reaches the same busy/idle state and activity times as jupyter_server's own."""
from __future__ import annotations

import datetime

from jupyter_client.session import Session
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

from her2lesson.activity import LeanActivityKernelManager, headers

KEY = b"a-test-key"


class Stream:
    def on_recv(self, callback) -> None:
        self.callback = callback


class Kernel:
    """What the watchers use of a kernel: its session and its IOPub stream."""

    def __init__(self) -> None:
        self.session = Session(key=KEY)
        self.execution_state = "starting"
        self.last_activity = None

    def connect_iopub(self) -> Stream:
        self.stream = Stream()
        return self.stream


def message(sender: Session, msg_type: str, parent_type: str | None = None, content: dict | None = None) -> list:
    parent = sender.msg(parent_type, {}) if parent_type else None
    msg = sender.msg(msg_type, content or {}, parent=parent)
    return [b"kernel.x." + msg_type.encode(), *sender.serialize(msg)]


def watched(manager_class: type) -> tuple[object, Kernel]:
    manager = manager_class()
    kernel = Kernel()
    manager._kernels["k"] = kernel
    manager.start_watching_activity("k")
    return manager, kernel


def test_headers_are_read_after_the_delimiter_and_signature():
    sender = Session(key=KEY)
    header, parent, start = headers(message(sender, "status", "execute_request", {"execution_state": "busy"}))
    assert header["msg_type"] == "status" and parent["msg_type"] == "execute_request" and start == 3


def test_the_lean_watcher_agrees_with_jupyter_servers_message_by_message():
    sender = Session(key=KEY)
    steps = [
        message(sender, "status", None, {"execution_state": "starting"}),
        message(sender, "status", "kernel_info_request", {"execution_state": "idle"}),
        message(sender, "status", "execute_request", {"execution_state": "busy"}),
        message(sender, "comm_open", "execute_request", {"comm_id": "c", "data": {"state": {"value": "x" * 5000}}}),
        message(sender, "stream", "execute_request", {"name": "stdout", "text": "hi"}),
        message(sender, "status", "execute_request", {"execution_state": "idle"}),
        message(sender, "status", "comm_info_request", {"execution_state": "busy"}),
        message(sender, "status", "comm_info_request", {"execution_state": "idle"}),
    ]
    their_kernel, our_kernel = watched(AsyncMappingKernelManager)[1], watched(LeanActivityKernelManager)[1]
    for frames in steps:
        their_kernel.last_activity = our_kernel.last_activity = None
        their_kernel.stream.callback(list(frames))
        our_kernel.stream.callback(list(frames))
        assert our_kernel.execution_state == their_kernel.execution_state, frames[0]
        assert (our_kernel.last_activity is None) == (their_kernel.last_activity is None), frames[0]
        if our_kernel.last_activity is not None:
            assert isinstance(our_kernel.last_activity, datetime.datetime)
    assert our_kernel.execution_state == "idle"


def test_a_frame_that_is_not_a_jupyter_message_is_ignored():
    _manager, kernel = watched(LeanActivityKernelManager)
    kernel.stream.callback([b"junk"])
    kernel.stream.callback([b"id", b"<IDS|MSG>", b"sig", b"not json", b"{}", b"{}", b"{}"])
    assert kernel.execution_state == "starting" and kernel.last_activity is not None  # set when watching began
