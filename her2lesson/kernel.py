"""The learner's kernel: ipykernel as usual, less what a lesson page never uses.

ipykernel imports its debugger (debugpy, about 7 MB in every kernel) whenever it can; a learner's page has no
debugger, and memory per learner is what limits a class on one machine. Making the import fail turns the debugger
off cleanly. The server's kernelspec (share/jupyter/kernels/python3/kernel.json) starts kernels through here, with
IPython's history database off and plain tracebacks (they go to the server's log; verbose ones cost megabytes).
"""
from __future__ import annotations

import sys


def main() -> None:
    sys.modules["debugpy"] = None  # type: ignore[assignment]  # `import debugpy` now fails: no debugger
    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    app.initialize()
    if "ipywidgets" in sys.modules:
        # Imported before this kernel existed (a kernel forked from the zygote, kernel_zygote.py): ipywidgets
        # registers its comm targets on import only inside a kernel, so register them now, or the page's widget
        # manager finds no `jupyter.widget.control` target and falls back to asking for each widget on its own.
        import ipywidgets

        ipywidgets.register_comm_target()
    app.start()


if __name__ == "__main__":
    main()
