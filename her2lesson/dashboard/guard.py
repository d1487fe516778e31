"""What the page's kernel keeps from the browser: it takes no widgets from it, and sends it no error output.

Every widget of the lesson is made by the kernel. ipywidgets would still build any widget class a client names in a
`comm_open` to `jupyter.widget`, with any state: a visitor with a websocket client could fill a kernel's memory
(the probe took one from 73 to 298 MB in 9 s). Such requests are refused here, with one log line and nothing sent
back but the comm's close.
"""
from __future__ import annotations

import logging
import os
import sys
from typing import Any

log = logging.getLogger(__name__)
WIDGET_TARGET = "jupyter.widget"


def refuse_widget_from_client(comm: Any, msg: dict) -> None:
    """Close a widget comm the browser tried to open, without building anything from its state."""
    log.warning("refused a widget that the browser tried to create")
    try:
        comm.close()
    except Exception:  # noqa: BLE001 - nothing more to do for a comm that is already gone
        pass


def guard_widget_comms() -> bool:
    """Replace ipywidgets' handler for browser-opened widget comms (the control comm, which syncs state, stays)."""
    try:
        from comm import get_comm_manager

        manager = get_comm_manager()
    except Exception:  # noqa: BLE001 - outside a kernel there is nothing to guard
        return False
    if manager is None or not hasattr(manager, "register_target"):
        return False
    manager.register_target(WIDGET_TARGET, refuse_widget_from_client)
    return True


def keep_errors_off_the_page() -> bool:
    """Send the kernel's error output to the server's log, not over the websocket to the learner's page.

    In a kernel, stderr is a stream to the browser: a traceback there showed server paths to anyone reading the
    websocket. The process's own stderr is the server's log file, where an operator can read it.
    """
    real = sys.__stderr__
    if real is None or sys.stderr is real:
        return False
    page: Any = sys.stderr  # ipykernel's OutStream
    sys.stderr = real
    # ipykernel also watches file descriptor 2 itself (a pipe in its place, read by a thread that forwards to the
    # page), so even the real stderr reached the websocket, a moment later. Put the real descriptor back.
    if getattr(page, "_should_watch", False):
        try:
            page._should_watch = False
            os.write(page._original_stdstream_fd, b"\0")  # wakes the thread, which now stops without forwarding
            page.watch_fd_thread.join(timeout=5)
            os.dup2(page._original_stdstream_copy, page._original_stdstream_fd)
        except (AttributeError, OSError):
            log.warning("could not stop the kernel forwarding its error output to the page")
    # Log handlers made at kernel start hold the page's stream itself: the kernel's own error lines (a malformed
    # comm_open from a hostile client logs a traceback) would still reach the websocket through them.
    loggers = [logging.getLogger()] + [value for value in logging.Logger.manager.loggerDict.values()
                                       if isinstance(value, logging.Logger)]
    for each in loggers:
        for handler in each.handlers:
            if isinstance(handler, logging.StreamHandler) and handler.stream is page:
                handler.setStream(real)
    return True
