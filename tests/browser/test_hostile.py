"""A hostile visitor with a websocket client cannot hang a learner's page through /voila/query/<id>."""
from __future__ import annotations

import uuid

import pytest

from .conftest import open_dashboard, start_server, wait_until

pytestmark = pytest.mark.browser


def _ws(server) -> str:
    return server.url.replace("http://", "ws://") + "voila/query/"


def test_only_a_kernel_of_this_server_may_wait_for_a_request(server):
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    with connect(_ws(server) + str(uuid.uuid4()), open_timeout=10) as socket:
        with pytest.raises(ConnectionClosed) as closed:
            socket.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008


def test_the_query_socket_attack_does_not_leave_a_learner_waiting(browser):
    """The probe's attack: two sockets to one made-up id, a page view, the pool refilled, the first socket closed.

    With Voila's handler this unhooked the newest pool kernel and a later learner waited forever.
    """
    from websockets.sync.client import connect

    server = start_server("hostile", "--pool-size", "2")
    try:
        made_up = str(uuid.uuid4())
        ctx = browser.new_context()
        with connect(_ws(server) + made_up, open_timeout=10) as first, \
                connect(_ws(server) + made_up, open_timeout=10):
            open_dashboard(ctx.new_page(), server, "track=patient")
            wait_until(lambda: server.kernels() >= 3, 90, "the pool to refill")
            first.close()
        for _ in range(3):  # every learner after the attack gets a working page, with their link's part
            page = open_dashboard(ctx.new_page(), server, "track=patient&section=causes")
            page.locator(".h2l-main h1").filter(has_text="What causes it").wait_for(timeout=60_000)
        ctx.close()
    finally:
        server.stop()
