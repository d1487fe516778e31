"""The learners' kernel: the server's kernelspec starts ipykernel without its debugger and IPython's history."""
from __future__ import annotations

import json

import psutil
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import start_new_kernel

from her2lesson.paths import SHARE_DIR


def test_the_servers_kernel_runs_without_debugger_or_history(monkeypatch):
    monkeypatch.setenv("JUPYTER_PATH", str(SHARE_DIR))  # what `her2lesson serve` does before Voila starts
    spec = KernelSpecManager().get_kernel_spec("python3")
    assert spec.argv[1:3] == ["-m", "her2lesson.kernel"], spec.argv
    manager, client = start_new_kernel(kernel_name="python3")
    try:
        seen: list[str] = []
        client.execute_interactive(
            "import sys, json, IPython\n"
            "print(json.dumps({'debugpy': sys.modules.get('debugpy') is not None,\n"
            "                  'debugger': 'ipykernel.debugger' in sys.modules and\n"
            "                  sys.modules['ipykernel.debugger'] is not None and\n"
            "                  getattr(get_ipython().kernel, 'debugger', None) is not None,\n"
            "                  'history': IPython.get_ipython().history_manager.enabled}))",
            output_hook=lambda m: seen.append(m["content"].get("text", "")) if m["msg_type"] == "stream" else None,
            timeout=60)
        state = json.loads("".join(seen))
        assert state == {"debugpy": False, "debugger": False, "history": False}, state
        kernel = psutil.Process(manager.provisioner.process.pid)
        assert not any("debugpy" in m.path for m in kernel.memory_maps()), "debugpy's code is loaded"
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
