"""Kernels forked from the warm zygote (her2lesson/kernel_fork.py): the same kernel the server would start the usual
way, as far as the server can tell, in a fraction of the CPU; and the usual start whenever the zygote cannot help."""
from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar

import psutil
import pytest
from jupyter_client.manager import AsyncKernelManager

from her2lesson import kernel_fork
from her2lesson.paths import SHARE_DIR

T = TypeVar("T")


def run_apart(coroutine: Coroutine[Any, Any, T]) -> T:
    """asyncio.run in a thread of its own: the browser tests' Playwright keeps an event loop running in this one
    for the whole session."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = asyncio.run(coroutine)
        except BaseException as error:  # noqa: BLE001 - raised again in the test's own thread
            outcome["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


@pytest.fixture
def zygote(monkeypatch) -> Iterator[kernel_fork.Zygote]:
    monkeypatch.setenv("JUPYTER_PATH", str(SHARE_DIR))  # the learner kernelspec, as `her2lesson serve` has it
    started = kernel_fork.start_zygote()
    deadline = time.monotonic() + 60
    while not started.ready():
        assert started.alive and time.monotonic() < deadline, "the zygote did not start listening"
        time.sleep(0.05)
    yield started
    started.stop()
    if kernel_fork.ZYGOTE is not None:  # a test may have made the server start a new one
        kernel_fork.ZYGOTE.stop()
    kernel_fork.ZYGOTE = None


async def run_code(manager: AsyncKernelManager, code: str) -> str:
    """Run `code` in the kernel; what it printed."""
    client = manager.client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=60)
        msg_id = client.execute(code)
        printed = []
        while True:
            message = await client.get_iopub_msg(timeout=60)
            if message["parent_header"].get("msg_id") != msg_id:
                continue
            if message["msg_type"] == "stream":
                printed.append(message["content"]["text"])
            if message["msg_type"] == "error":
                raise AssertionError("\n".join(message["content"]["traceback"]))
            if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
                return "".join(printed)
    finally:
        client.stop_channels()


REPORT = ("import json, os, comm\n"
          "print(json.dumps({'pid': os.getpid(), 'ppid': os.getppid(), 'pgid': os.getpgid(0),"
          " 'mine': os.environ.get('H2L_TEST_VALUE'), 'cwd': os.getcwd(),"
          " 'targets': sorted(comm.get_comm_manager().targets)}))")


def test_kernels_are_forked_with_their_own_environment_group_and_folder(zygote, tmp_path):
    async def scenario() -> list[dict]:
        reports = []
        for n in range(2):
            # an absolute socket path: the kernel runs in its own folder (a relative one would be found there)
            manager = AsyncKernelManager(kernel_name="python3", transport="ipc", ip=str(tmp_path / f"ipc{n}"))
            folder = tmp_path / f"k{n}"
            folder.mkdir()
            await manager.start_kernel(env={**os.environ, "H2L_TEST_VALUE": f"kernel-{n}"}, cwd=str(folder))
            try:
                assert isinstance(manager.provisioner, kernel_fork.ForkProvisioner)
                assert isinstance(manager.provisioner.process, kernel_fork.ForkedKernel), "started the usual way"
                report = json.loads(await run_code(manager, REPORT))
                report["folder"] = str(folder)
                report["provisioner_pid"] = manager.provisioner.pid
                reports.append(report)
                kernel = manager.provisioner.process
            finally:
                await manager.shutdown_kernel(now=True)
            assert kernel.returncode is not None, "the kernel's end was not reported"
        return reports

    reports = run_apart(scenario())
    for n, report in enumerate(reports):
        assert report["ppid"] == zygote.process.pid, "not a child of the zygote"
        assert report["pgid"] == report["pid"] == report["provisioner_pid"], "not in a process group of its own"
        assert report["mine"] == f"kernel-{n}", "the kernel did not get the environment it was started with"
        assert os.path.samefile(report["cwd"], report["folder"])
        # ipywidgets was imported before the kernel existed: its comm targets must be registered all the same
        assert {"jupyter.widget", "jupyter.widget.control"} <= set(report["targets"]), report["targets"]


def test_interrupt_and_kill_reach_a_forked_kernel_and_its_end_is_reported(zygote):
    async def scenario() -> tuple[str, int | None]:
        manager = AsyncKernelManager(kernel_name="python3", transport="ipc")
        await manager.start_kernel()
        client = manager.client()
        client.start_channels()
        try:
            await client.wait_for_ready(timeout=60)
            msg_id = client.execute("import time\nprint('sleeping', flush=True)\ntime.sleep(60)")
            while True:  # the sleep has begun
                message = await client.get_iopub_msg(timeout=60)
                if message["parent_header"].get("msg_id") == msg_id and message["msg_type"] == "stream":
                    break
            await manager.interrupt_kernel()
            while True:
                message = await client.get_iopub_msg(timeout=30)
                if message["parent_header"].get("msg_id") == msg_id and message["msg_type"] == "error":
                    error = message["content"]["ename"]
                    break
            pid = manager.provisioner.pid
            await manager.provisioner.kill()
            code = await asyncio.wait_for(manager.provisioner.wait(), 30)
            assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
            return error, code
        finally:
            client.stop_channels()
            await manager.cleanup_resources()

    error, code = run_apart(scenario())
    assert error == "KeyboardInterrupt"
    assert code == -signal.SIGKILL


def test_when_the_zygote_has_died_the_kernel_starts_the_usual_way_and_a_new_zygote_takes_over(zygote, caplog):
    zygote.stop()  # a zygote that died: the server must still start kernels

    async def start_one() -> tuple[dict, bool]:
        manager = AsyncKernelManager(kernel_name="python3", transport="ipc")
        await manager.start_kernel()
        try:
            forked = isinstance(manager.provisioner.process, kernel_fork.ForkedKernel)
            return json.loads(await run_code(manager, REPORT)), forked
        finally:
            await manager.shutdown_kernel(now=True)

    report, forked = run_apart(start_one())
    assert not forked and report["ppid"] == os.getpid()
    assert "it stopped" in caplog.text
    successor = kernel_fork.ZYGOTE
    assert successor is not None and successor is not zygote and successor.alive
    report, forked = run_apart(start_one())
    assert forked and report["ppid"] == successor.process.pid


def ask_zygote(zygote: kernel_fork.Zygote, request: object) -> tuple[dict, socket.socket]:
    """Send one raw request; the first answer, and the connection (still open)."""
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.settimeout(30)
    conn.connect(zygote.address)
    conn.sendall(json.dumps(request).encode() + b"\n")
    answer = conn.makefile("rb").readline()
    return json.loads(answer), conn


def lesson_request(**changes: object) -> dict:
    return {"argv": [sys.executable, "-m", "her2lesson.kernel", "-f", "/nonexistent/kernel.json"], "env": {},
            "cwd": "/", "deadline": time.monotonic() + 30, **changes}


def test_the_zygote_forks_only_the_lesson_kernel_and_survives_bad_requests(zygote):
    for request in ({"argv": [sys.executable, "-c", "print('anything')"], "env": {}, "cwd": "/",
                     "deadline": time.monotonic() + 30}, [], "text", lesson_request(env="not a mapping")):
        answer, conn = ask_zygote(zygote, request)
        conn.close()
        assert "pid" not in answer and answer["error"], answer
        assert zygote.alive, f"the zygote died of {request!r}"
    assert not psutil.Process(zygote.process.pid).children(), "something was forked"


def test_a_request_the_server_gave_up_on_forks_nothing(zygote):
    # The server waits a few seconds for an answer, then starts that kernel the usual way: a fork after that would be
    # a second kernel on the same connection file that the server does not know of.
    answer, conn = ask_zygote(zygote, lesson_request(deadline=time.monotonic() - 1))
    conn.close()
    assert "pid" not in answer and "too late" in answer["error"], answer
    assert not psutil.Process(zygote.process.pid).children(), "a kernel was forked for an abandoned request"


def test_a_kernel_whose_server_side_connection_closes_is_killed(zygote):
    answer, conn = ask_zygote(zygote, lesson_request())
    kernel = psutil.Process(answer["pid"])
    assert kernel.ppid() == zygote.process.pid
    conn.close()  # the server no longer knows this kernel
    gone, alive = psutil.wait_procs([kernel], timeout=30)
    assert not alive, "a kernel the server no longer knows of runs on"


def test_the_zygote_and_its_kernels_end_when_the_server_is_killed(tmp_path):
    # A stand-in server: starts the zygote, has it fork one kernel, reports both pids, then waits to be killed.
    script = textwrap.dedent(f"""
        import asyncio, json, os, sys, time
        os.environ["JUPYTER_PATH"] = {str(SHARE_DIR)!r}
        from jupyter_client.manager import AsyncKernelManager
        from her2lesson import kernel_fork

        async def main():
            zygote = kernel_fork.start_zygote()
            manager = AsyncKernelManager(kernel_name="python3", transport="ipc")
            await manager.start_kernel()
            print(json.dumps({{"zygote": zygote.process.pid, "kernel": manager.provisioner.pid,
                              "forked": isinstance(manager.provisioner.process, kernel_fork.ForkedKernel)}}),
                  flush=True)
            await asyncio.sleep(300)
        asyncio.run(main())
    """)
    server = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        pids = json.loads(server.stdout.readline())
        assert pids["forked"]
        left = [psutil.Process(pids["zygote"]), psutil.Process(pids["kernel"])]  # before they can end
        server.kill()  # a crash: no atexit, no shutdown
        server.wait(10)
        gone, alive = psutil.wait_procs(left, timeout=30)
        assert not alive, f"left running after the server died: {alive}"
    finally:
        server.kill()
