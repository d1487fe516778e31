"""Learners' kernels forked from a warm parent (kernel_zygote.py) instead of started from nothing.

The server starts one zygote when it starts (`start_zygote`); the kernelspec names `ForkProvisioner`, which asks the
zygote for each kernel and falls back to jupyter_client's usual start whenever there is no zygote, it does not
answer in time, or the command is not the lesson's kernel. Either way the server sees the same kernel: its own
process group, the same signals, the same connection file, an exit code when it ends.
"""
from __future__ import annotations

import asyncio
import atexit
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from jupyter_client.connect import KernelConnectionInfo
from jupyter_client.provisioning import LocalProvisioner

from .kernel_zygote import KERNEL_MODULE

log = logging.getLogger("her2lesson.kernel")
ANSWER_TIMEOUT_S = 5.0  # a fork takes milliseconds; past this the zygote is stuck and kernels start the usual way
READY_TIMEOUT_S = 30.0  # the zygote's imports, on a busy machine


class Zygote:
    """The warm parent process: where it listens, and whether it is there."""

    def __init__(self, process: subprocess.Popen, address: Path) -> None:
        self.process, self.directory, self.address = process, address.parent, str(address)

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def ready(self) -> bool:
        return self.alive and os.path.exists(self.address)

    def stop(self) -> None:
        if self.alive:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.directory, ignore_errors=True)


ZYGOTE: Zygote | None = None


def start_zygote() -> Zygote:
    """Start the one zygote of this server, with this process's environment (call it after secrets are removed)."""
    global ZYGOTE
    if ZYGOTE is not None and ZYGOTE.alive:
        return ZYGOTE
    address = Path(tempfile.mkdtemp(prefix="her2lesson-kernels-")) / "zygote.sock"  # 0700: only this user reaches it
    process = subprocess.Popen([sys.executable, "-m", "her2lesson.kernel_zygote", str(address), str(os.getpid())],
                               stdin=subprocess.DEVNULL, start_new_session=True)
    ZYGOTE = Zygote(process, address)
    atexit.register(ZYGOTE.stop)
    return ZYGOTE


class ForkedKernel:
    """What LocalProvisioner expects of its `process` (Popen's poll, wait, signals), for a kernel the zygote forked.

    The kernel is the zygote's child, not ours: its exit code arrives on the connection that asked for it.
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int, conn: socket.socket, pending: bytes = b"") -> None:
        self.pid, self.conn, self.buffer = pid, conn, pending
        self.returncode: int | None = None
        conn.setblocking(False)

    def poll(self) -> int | None:
        if self.returncode is not None:
            return self.returncode
        while b"\n" not in self.buffer:
            try:
                part = self.conn.recv(4096)
            except BlockingIOError:
                return None
            except OSError:
                part = b""
            if not part:  # the zygote is gone without a word: ask the system whether the kernel is
                return self._gone_without_word()
            self.buffer += part
        line, _, self.buffer = self.buffer.partition(b"\n")
        try:
            self.returncode = int(json.loads(line)["exit"])
        except (ValueError, KeyError, TypeError):
            self.returncode = -1
        self.conn.close()
        return self.returncode

    def _gone_without_word(self) -> int | None:
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            self.returncode = -1
            self.conn.close()
            return self.returncode
        except PermissionError:
            pass
        return None

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while (code := self.poll()) is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(KERNEL_MODULE, timeout or 0)
            time.sleep(0.05)
        return code

    def send_signal(self, signum: int) -> None:
        """Like Popen's: a kernel that has ended is not signalled (its pid may belong to another process by now)."""
        if self.poll() is None:
            try:
                os.kill(self.pid, signum)
            except ProcessLookupError:
                pass  # it ended a moment ago; its exit code is on the way

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


async def fork_kernel(zygote: Zygote, cmd: list[str], env: dict[str, str], cwd: str) -> ForkedKernel:
    """Ask the zygote for a kernel; raises OSError, ValueError or TimeoutError when it cannot give one."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    while not zygote.ready():  # only while the server starts: the zygote is still importing
        if not zygote.alive or loop.time() > started + READY_TIMEOUT_S:
            raise OSError("the kernel zygote is not running")
        await asyncio.sleep(0.05)
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.setblocking(False)
    until = time.monotonic() + ANSWER_TIMEOUT_S  # the zygote refuses the request after this, so no kernel is orphaned

    def left() -> float:
        return max(0.0, until - time.monotonic())

    try:
        request = json.dumps({"argv": cmd, "env": env, "cwd": cwd, "deadline": until}).encode() + b"\n"
        await asyncio.wait_for(loop.sock_connect(conn, zygote.address), left())
        await asyncio.wait_for(loop.sock_sendall(conn, request), left())
        data = b""
        while b"\n" not in data:
            part = await asyncio.wait_for(loop.sock_recv(conn, 4096), left())
            if not part:
                raise OSError("the kernel zygote closed the connection")
            data += part
        line, _, rest = data.partition(b"\n")
        answer = json.loads(line)
        if "pid" not in answer:
            raise ValueError(answer.get("error", "no pid in the zygote's answer"))
        return ForkedKernel(int(answer["pid"]), conn, rest)
    except BaseException:
        conn.close()
        raise


class ForkProvisioner(LocalProvisioner):
    """LocalProvisioner whose kernels come from the zygote when there is one (see the module's docstring)."""

    async def send_signal(self, signum: int) -> None:
        """The kernel's group, as LocalProvisioner does, but never once the kernel has ended (its group's id may be
        another process's by then: the zygote reaps its kernels at once, so no zombie holds the number)."""
        if isinstance(self.process, ForkedKernel) and self.process.poll() is not None:
            return
        await super().send_signal(signum)

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> KernelConnectionInfo:
        zygote = ZYGOTE
        if zygote is None or cmd[1:3] != ["-m", KERNEL_MODULE]:
            return await super().launch_kernel(cmd, **kwargs)
        if not zygote.alive:  # it died: a new one for the kernels to come, and this one starts the usual way
            log.warning("kernel zygote: it stopped (exit code %s); starting a new one", zygote.process.returncode)
            start_zygote()
            return await super().launch_kernel(cmd, **kwargs)
        env = dict(kwargs.get("env") or os.environ)
        cwd = str(kwargs.get("cwd") or os.getcwd())
        try:
            kernel = await fork_kernel(zygote, cmd, env, cwd)
        except (OSError, ValueError, asyncio.TimeoutError) as error:
            log.warning("kernel zygote: %s; this kernel starts the usual way", error)
            return await super().launch_kernel(cmd, **kwargs)
        self.process = kernel  # type: ignore[assignment]  # Popen's interface, for a process that is not our child
        self.pid = self.pgid = kernel.pid  # the child made its own session before the zygote answered
        self.cwd = cwd
        return self.connection_info
