"""A hostile visitor with a websocket client cannot hang a learner's page through /voila/query/<id>."""
from __future__ import annotations

import re
import uuid

import pytest

from .conftest import axe_violations, open_dashboard, start_server, wait_until

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


def test_a_full_server_says_so_and_pages_that_never_connect_give_their_kernel_back(browser):
    """Kernels are the scarce thing: a page fetched by a script holds one only until the grace time, and past the
    most learners a visitor gets a plain 'busy' page (503, Retry-After), never a page that hangs."""
    import urllib.error
    import urllib.request

    server = start_server("capacity", "--pool-size", "1", "--max-learners", "2", "--unconnected-grace", "12")
    try:
        wait_until(lambda: server.kernels() >= 1, 90, "the pool to fill")
        ctx = browser.new_context()
        learner = open_dashboard(ctx.new_page(), server, "track=patient&section=causes")
        learner.locator(".h2l-question input").first.wait_for()
        urllib.request.urlopen(server.url, timeout=60).read()  # a script takes a second kernel, never connects
        wait_until(lambda: server.kernels() >= 3, 90, "the pool to refill")  # the count is exact once it has
        with pytest.raises(urllib.error.HTTPError) as full:
            urllib.request.urlopen(server.url, timeout=60)
        assert full.value.code == 503 and full.value.headers["Retry-After"] == "60"
        busy = full.value.read().decode()
        assert "The module is busy right now" in busy and "try again" in busy and "Traceback" not in busy
        # the script's kernel is shut down after the grace time; the learner's connected one stays
        def room() -> bool:
            try:
                return urllib.request.urlopen(server.url, timeout=60).status == 200
            except urllib.error.HTTPError as error:
                if error.code != 503:
                    raise  # anything but "busy" is a failure
                return False

        wait_until(room, 60, "room for a new page once the unconnected kernel is gone")
        view = learner.locator(".h2l-question").first
        view.locator("input").first.check()
        view.get_by_role("button", name="Check").click()
        view.locator(".h2l-live").filter(has_text=re.compile(r"\w")).wait_for(timeout=30_000)
        assert "module is full" in server.log.read_text() and "never connected" in server.log.read_text()
        ctx.close()
    finally:
        server.stop()


@pytest.mark.parametrize("flood", ["many small messages", "one large message"])
def test_a_connection_that_floods_its_kernel_is_closed_and_the_page_goes_on(browser, flood):
    """The flooding connection is closed (1008), the learner's own connection goes on, and the flooding address
    gets a plain 'wait a minute' page (429) instead of a fresh kernel to flood."""
    server = start_server("flood")
    try:
        ctx = browser.new_context()
        page = open_dashboard(ctx.new_page(), server, "track=patient&section=causes")
        _flood_then_go_on(page, flood)
        turned_away = ctx.new_page()
        response = turned_away.goto(server.url + "?track=patient")
        assert response.status == 429 and response.headers.get("retry-after") == "60"
        turned_away.get_by_role("heading", name="Please wait a minute").wait_for()
        assert axe_violations(turned_away) == []
        assert "its address gets no new page for a minute" in server.log.read_text()
        ctx.close()
    finally:
        server.stop()


def _flood_then_go_on(page, flood: str) -> None:
    page.locator(".h2l-question input").first.wait_for()
    big = flood == "one large message"
    code = page.evaluate("""async (big) => {
        const id = JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId;
        const url = location.origin.replace('http', 'ws') + '/api/kernels/' + id + '/channels?session_id=flood';
        const socket = new WebSocket(url);
        await new Promise(resolve => { socket.onopen = resolve; });
        const closed = new Promise(resolve => { socket.onclose = event => resolve(event.code); });
        const message = JSON.stringify({header: {msg_id: 'x', msg_type: 'kernel_info_request', session: 'flood',
            username: '', version: '5.3', date: ''}, parent_header: {}, metadata: {}, content: {}, channel: 'shell',
            padding: big ? 'x'.repeat(1024 * 1024) : ''});
        for (let i = 0; i < (big ? 1 : 2000) && socket.readyState === 1; i++) socket.send(message);
        return await closed;
    }""", big)
    assert code == 1008
    view = page.locator(".h2l-question").first  # the learner's own connection is untouched
    view.locator("input").first.check()
    view.get_by_role("button", name="Check").click()
    view.locator(".h2l-live").filter(has_text=re.compile(r"\w")).wait_for(timeout=30_000)


def test_kernels_reach_the_server_over_private_unix_sockets_so_ports_cannot_collide(page, server):
    """The probe saw two kernels handed the same TCP port in a burst (picked, released, then bound by another):
    the server froze. Kernels now use Unix sockets named after their own id, in a folder only the server can read."""
    import json
    import stat
    from pathlib import Path

    open_dashboard(page, server, "track=patient")
    page.get_by_role("heading", level=1).first.wait_for(timeout=60_000)
    assert server.kernel_processes(), "no kernel process found"
    connections = sorted(server.connection_folder().glob("kernel-*.json"))
    assert connections, "no connection file found"
    for connection in connections:
        info = json.loads(connection.read_text())
        assert info["transport"] == "ipc", info
        assert Path(info["ip"]).name.startswith(connection.stem), info["ip"]  # named after this kernel alone
        folder = connection.parent
        assert stat.S_IMODE(folder.stat().st_mode) & 0o077 == 0, oct(folder.stat().st_mode)
        assert Path(f"{info['ip']}-{info['shell_port']}").is_socket()


@pytest.mark.parametrize("behind_proxy", [True, False])
def test_behind_a_proxy_the_limits_fall_on_the_flooding_learner_not_on_everyone(behind_proxy):
    """Behind a reverse proxy every learner arrives from its address: with --behind-proxy the address in
    X-Forwarded-For is the one limited, so one visitor's flood does not turn the whole class away."""
    import urllib.error
    import urllib.request

    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    def get(forwarded_for: str) -> int:
        request = urllib.request.Request(server.url + "?track=patient", headers={"X-Forwarded-For": forwarded_for})
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                html = response.read().decode()
                pages.append(re.search(r'"kernelId"\s*:\s*"([0-9a-f-]+)"', html).group(1))
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    server = start_server("proxy", *(["--behind-proxy"] if behind_proxy else []))
    pages: list[str] = []
    try:
        assert get("203.0.113.7") == 200
        url = server.url.replace("http://", "ws://") + f"api/kernels/{pages[0]}/channels?session_id=flood"
        with connect(url, additional_headers={"X-Forwarded-For": "203.0.113.7"}, max_size=None) as socket:
            socket.send("x" * (100 * 1024))  # larger than any message a page sends
            with pytest.raises(ConnectionClosed):
                socket.recv(timeout=90)
        assert get("203.0.113.7") == 429  # the flooding visitor waits a minute
        assert get("198.51.100.20") == (200 if behind_proxy else 429)  # another learner, through the same proxy
    finally:
        server.stop()


def test_a_pool_kernel_that_died_is_never_handed_to_a_learner(browser):
    """A preheated kernel killed while it waits (out of memory, an operator's kill) was still in Voila's pool; the
    next learner got it and a page that never worked."""
    import signal

    server = start_server("dead-pool", "--pool-size", "1")
    try:
        def pool_kernel():
            found = server.kernel_processes()
            return found[0] if len(found) == 1 else None

        victim = wait_until(pool_kernel, 90, "the pool kernel to start")
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=20)
        ctx = browser.new_context()
        page = open_dashboard(ctx.new_page(), server, "track=patient&section=causes")
        page.locator(".h2l-main h1").filter(has_text="What causes it").wait_for(timeout=90_000)
        assert "a kernel in the pool had stopped" in server.log.read_text()
        ctx.close()
    finally:
        server.stop()
