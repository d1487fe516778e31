"""A browser cannot make the kernel build widgets (a memory flood), while the lesson's own widgets still work."""
from __future__ import annotations

from her2lesson.dashboard.guard import WIDGET_TARGET, guard_widget_comms, refuse_widget_from_client


class FakeComm:
    closed = False

    def close(self):
        self.closed = True


class FakeManager:
    def __init__(self):
        self.targets = {}

    def register_target(self, name, handler):
        self.targets[name] = handler


def test_a_widget_named_by_the_browser_is_refused_without_building_it(monkeypatch):
    import comm

    manager = FakeManager()
    monkeypatch.setattr(comm, "get_comm_manager", lambda: manager)
    assert guard_widget_comms()
    assert manager.targets[WIDGET_TARGET] is refuse_widget_from_client
    flood = {"content": {"data": {"state": {"_model_name": "HTMLModel", "value": "x" * 5_000_000}}}}
    fake = FakeComm()
    refuse_widget_from_client(fake, flood)
    assert fake.closed


def test_outside_a_kernel_there_is_nothing_to_guard(monkeypatch):
    import comm

    monkeypatch.setattr(comm, "get_comm_manager", lambda: None)
    assert guard_widget_comms() is False


def test_a_real_kernel_refuses_a_widget_flood_and_keeps_its_own_widgets():
    """A real ipykernel: the guard in place, a client's comm_open with 5 MB of state builds nothing and is closed."""
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3")
    try:
        def run(code: str) -> str:
            out = []
            client.execute_interactive(code, output_hook=lambda m: out.append(m["content"].get("text", ""))
                                       if m["msg_type"] == "stream" else None, timeout=60)
            return "".join(out).strip()

        run("import ipywidgets, gc\nfrom ipywidgets.widgets.widget import _instances\n"
            "from her2lesson.dashboard.guard import guard_widget_comms\nprint(guard_widget_comms())")
        before = run("print(len(_instances))")
        state = {"_model_module": "@jupyter-widgets/controls", "_model_module_version": "2.0.0",
                 "_model_name": "HTMLModel", "_view_module": "@jupyter-widgets/controls",
                 "_view_module_version": "2.0.0", "_view_name": "HTMLView", "value": "x" * 5_000_000}
        msg = client.session.msg("comm_open", {"comm_id": "flood-1", "target_name": WIDGET_TARGET,
                                               "data": {"state": state, "buffer_paths": []}},
                                 metadata={"version": "2.1.0"})
        client.shell_channel.send(msg)
        closed = False
        for _ in range(50):
            try:
                reply = client.get_iopub_msg(timeout=0.5)
            except Exception:  # noqa: BLE001 - queue empty: keep waiting a little
                continue
            if reply["msg_type"] == "comm_close" and reply["content"].get("comm_id") == "flood-1":
                closed = True
                break
        assert closed, "the kernel closed the comm the browser opened"
        assert run("print(len(_instances))") == before, "no widget was built from the client's state"
        assert run("w = ipywidgets.HTML('ok'); print(len(_instances) > %s)" % before) == "True"
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def wait_for(condition, what: str, timeout: float = 30) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_error_output_goes_to_the_server_log_not_the_page(tmp_path):
    """A real ipykernel: after the guard, something written to stderr (a traceback) sends nothing to the browser."""
    import os

    from jupyter_client.manager import start_new_kernel

    server_log = tmp_path / "server.log"
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}  # ipykernel skips fd capture under it
    manager, client = start_new_kernel(kernel_name="python3", stderr=server_log.open("w"), env=env)
    try:
        def streams(code: str) -> list[tuple[str, str]]:
            seen = []
            client.execute_interactive(code, output_hook=lambda m: seen.append((m["content"]["name"],
                                                                                m["content"]["text"]))
                                       if m["msg_type"] == "stream" else None, timeout=60)
            return seen

        assert ("stderr", "before\n") in streams("import sys; print('before', file=sys.stderr)")
        streams("from her2lesson.dashboard.guard import keep_errors_off_the_page; keep_errors_off_the_page()")
        after = streams("import sys, traceback\ntry:\n    1/0\nexcept Exception:\n    traceback.print_exc()\n"
                        "print('after', file=sys.stderr)")
        assert not [text for name, text in after if name == "stderr"], after
        # ipykernel forwards what reaches file descriptor 2 a moment later, from a thread: the guard gives the
        # descriptor back to the server's log, so the text lands there and no pipe to the page is left in its place
        wait_for(lambda: "after" in server_log.read_text(), "the text in the server log")
        fd2 = streams("import os; print(os.readlink('/proc/self/fd/2'))")
        assert fd2 and "pipe:" not in fd2[0][1] and fd2[0][1].strip().endswith("server.log"), fd2

        # A hostile client's malformed control comm: the kernel logs a traceback with server paths, not to the page
        streams("import ipywidgets")
        opening = client.session.msg("comm_open", content={"comm_id": "c1", "target_name": "jupyter.widget.control",
                                                             "data": {}})
        client.shell_channel.send(opening)
        seen = []
        while True:
            message = client.get_iopub_msg(timeout=30)
            seen.append(message)
            if (message["msg_type"] == "status" and message["content"]["execution_state"] == "idle"
                    and message["parent_header"].get("msg_id") == opening["header"]["msg_id"]):
                break
        assert not [m for m in seen if m["msg_type"] == "stream"], seen
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
