"""The page's kernel takes no widgets from the browser.

Every widget of the lesson is made by the kernel. ipywidgets would still build any widget class a client names in a
`comm_open` to `jupyter.widget`, with any state: a visitor with a websocket client could fill a kernel's memory
(the probe took one from 73 to 298 MB in 9 s). Such requests are refused here, with one log line and nothing sent
back but the comm's close.
"""
from __future__ import annotations

import logging
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
