"""A warm parent for learners' kernels: imports the kernel's code once, then forks a kernel for each request.

Why: a kernel started from nothing spends about 0.6 s of CPU importing ipykernel, ipywidgets and the lesson before it
can build a page. When a class arrives without warning, 30 such starts queue on two cores. A fork of a process that
has already imported all that starts in milliseconds, and the imported code stays shared between kernels (less
memory per learner). The server (kernel_fork.py) starts this process once and asks it for kernels over a Unix socket
in a private folder.

Protocol, one connection per kernel: the server sends one JSON line {"argv": [...], "env": {...}, "cwd": "...",
"deadline": T} (T on the machine's monotonic clock, which all processes share); this process answers {"pid": N} once
the kernel is in its own session, and {"exit": code} when the kernel ends. A request past its deadline is refused (the
server has started that kernel the usual way by then), and a kernel whose connection closes, or whose pid could not be
sent, is killed: no kernel ever runs that the server does not know of.

Nothing that starts a thread, an event loop or a ZeroMQ context may run here before a fork: a child would inherit
it half-made.
"""
from __future__ import annotations

import gc
import json
import os
import select
import signal
import socket
import sys
import time
from typing import Any

KERNEL_MODULE = "her2lesson.kernel"
READ_LIMIT = 1 << 20  # one request: argv, environment and folder
READ_WITHIN_S = 5.0
PRELOAD = (KERNEL_MODULE, "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.comm", "ipywidgets", "anywidget",
           "her2lesson.dashboard")


def preload() -> None:
    """Import what every kernel imports, as `her2lesson.kernel` would (without its debugger)."""
    sys.modules["debugpy"] = None  # type: ignore[assignment]
    for name in PRELOAD:
        __import__(name)
    from .content.plain import SNAPSHOT_ENV, load_content

    if os.environ.get(SNAPSHOT_ENV):  # the content the server checked and pinned at start: the same for every kernel
        try:
            load_content()
        except Exception:  # noqa: BLE001 - each kernel then loads it itself, and shows its own plain message
            pass


def _read_request(conn: socket.socket) -> dict[str, Any]:
    """One request, read within READ_WITHIN_S in all (a stalled sender cannot hold up the others)."""
    until = time.monotonic() + READ_WITHIN_S
    data = b""
    while not data.endswith(b"\n"):
        left = until - time.monotonic()
        if left <= 0:
            raise TimeoutError("the request did not arrive in time")
        conn.settimeout(left)
        part = conn.recv(65536)
        if not part:
            raise ConnectionError("the server closed the connection before its request ended")
        data += part
        if len(data) > READ_LIMIT:
            raise ValueError("request too long")
    request = json.loads(data)
    if not isinstance(request, dict):
        raise ValueError("a request is a JSON object")
    argv = request.get("argv")
    if not (isinstance(argv, list) and len(argv) >= 3 and argv[1:3] == ["-m", KERNEL_MODULE]
            and all(isinstance(a, str) for a in argv)):
        raise ValueError(f"only `python -m {KERNEL_MODULE} ...` kernels are forked here")
    if not isinstance(request.get("env"), dict) or not isinstance(request.get("cwd"), str):
        raise ValueError("a request names the kernel's environment and folder")
    if not isinstance(request.get("deadline"), (int, float)) or time.monotonic() > request["deadline"]:
        raise TimeoutError("the request came too late: the server no longer waits for it")
    return request


def _become_kernel(request: dict[str, Any], inherited: list[int], ready_fd: int) -> None:
    """In the forked child: a session of its own, the request's environment, then ipykernel. Never returns."""
    code = 1
    try:
        os.setsid()  # its own process group: the server signals the group, as it does for any kernel
        os.close(ready_fd)  # tells the parent the session exists
        try:  # `top` and `ps -o comm` tell kernels from their parent (the full command line stays the parent's)
            with open("/proc/self/comm", "w") as comm:
                comm.write("h2l-kernel")
        except OSError:
            pass
        signal.set_wakeup_fd(-1)
        for signum in (signal.SIGCHLD, signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_DFL)
        for fd in inherited:
            try:
                os.close(fd)
            except OSError:
                pass
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        env = {str(k): str(v) for k, v in request["env"].items()}
        os.environ.clear()
        os.environ.update(env)
        os.chdir(request["cwd"])
        # ipykernel read JPY_PARENT_PID when this process imported it, so the parent is given on the command line:
        # the kernel ends if this process ends (ipykernel's parent poller), as it would if the server ended
        sys.argv = [sys.modules[KERNEL_MODULE].__file__ or KERNEL_MODULE, *request["argv"][3:],
                    f"--IPKernelApp.parent_handle={os.getppid()}"]
        sys.modules[KERNEL_MODULE].main()
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except BaseException:  # noqa: BLE001 - whatever happens, the child must not run on as a copy of this loop
        import traceback

        traceback.print_exc()
    finally:
        try:
            import atexit

            atexit._run_exitfuncs()  # what a kernel's normal exit runs (ipykernel closes its sockets and threads)
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def serve(path: str, parent_pid: int) -> None:
    """Answer fork requests until the server that started this process is gone."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # wakes select() through the pipe when a kernel ends
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is for the server; it stops its kernels itself
    kernels: dict[int, socket.socket] = {}  # kernel pid -> the connection to tell when it ends
    own = [listener.fileno(), wake_r, wake_w]
    while os.getppid() == parent_pid:
        watched = {conn.fileno(): pid for pid, conn in kernels.items() if conn.fileno() >= 0}
        readable, _, _ = select.select([listener.fileno(), wake_r, *watched], [], [], 0.5)
        if wake_r in readable:
            os.read(wake_r, 4096)
        _reap(kernels)
        for fd in readable:
            if fd in watched and watched[fd] in kernels:
                _server_side_closed(watched[fd], kernels)
        if listener.fileno() in readable:
            try:
                conn, _ = listener.accept()
            except OSError:  # out of files for a moment: the server's own timeout starts that kernel the usual way
                continue
            try:
                _fork_one(conn, kernels, own)
            except Exception as error:  # noqa: BLE001 - one bad request must not end every learner's kernel
                _send(conn, {"error": f"cannot fork: {error}"})
                conn.close()


def _server_side_closed(pid: int, kernels: dict[int, socket.socket]) -> None:
    """The server only speaks first; a readable kernel connection means it closed: it no longer knows this kernel."""
    conn = kernels[pid]
    try:
        conn.setblocking(False)
        if conn.recv(1):
            return  # nothing is expected, but nothing is lost either
    except BlockingIOError:
        return
    except OSError:
        pass
    _kill_group(pid)
    conn.close()  # the exit is reaped as usual, and told to no one


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass


def _fork_one(conn: socket.socket, kernels: dict[int, socket.socket], own_fds: list[int]) -> None:
    try:
        request = _read_request(conn)
    except (OSError, ValueError) as error:
        _send(conn, {"error": str(error)})
        conn.close()
        return
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(ready_r)
        _become_kernel(request, [*own_fds, conn.fileno(), *(k.fileno() for k in kernels.values())], ready_w)
    os.close(ready_w)
    os.read(ready_r, 1)  # returns at EOF: the child has its own session (or has died)
    os.close(ready_r)
    kernels[pid] = conn
    if not _send(conn, {"pid": pid}):
        _kill_group(pid)  # the server gave up on this request: a kernel it does not know of must not run


def _send(conn: socket.socket, message: dict[str, Any]) -> bool:
    try:
        conn.settimeout(5)
        conn.sendall(json.dumps(message).encode() + b"\n")
        return True
    except OSError:
        return False


def _reap(kernels: dict[int, socket.socket]) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        conn = kernels.pop(pid, None)
        if conn is not None and conn.fileno() >= 0:
            _send(conn, {"exit": os.waitstatus_to_exitcode(status)})
            conn.close()


def main() -> None:
    path, parent_pid = sys.argv[1], int(sys.argv[2])
    preload()
    # What was imported stays as it is for the life of every kernel: out of the collector's sight, a kernel's
    # collections neither walk it nor touch (and so copy) the memory pages it shares with the others.
    gc.collect()
    gc.freeze()
    serve(path, parent_pid)


if __name__ == "__main__":
    main()
