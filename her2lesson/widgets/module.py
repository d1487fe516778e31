"""Where a widget's front-end module comes from: one cacheable file from our server, or inline elsewhere.

Why: anywidget sends a widget's module source with every instance's state. A section with twelve questions sent the
same 7 kB module twelve times on every page view, and the browser evaluated it twelve times. Under `her2lesson serve`
each instance carries a 300-byte loader instead, and the browser fetches the module once (content-hashed, cached for
a year). In JupyterLab or under nbval no such route exists, so the source goes inline as before.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import anywidget
import traitlets

SERVED_ENV = "HER2LESSON_WIDGET_MODULES"  # "1" in kernels that `her2lesson serve` starts
ROUTE = "her2lesson/widgets/"  # under the server's base URL
MODULE_DIR = Path(__file__).resolve().parent

# The page's body says where the server's base is (Voila's `data-base-url` ends in "voila/"); a module imported from
# a blob URL cannot resolve a relative path by itself, so the loader builds the absolute address.
LOADER = """const base = new URL(document.body.dataset.baseUrl || "/voila/", location.href);
const loading = import(new URL("../__ROUTE____FILE__", base).href);
export default {
  async initialize(context) { const m = (await loading).default; return m.initialize && m.initialize(context); },
  async render(context) { const m = (await loading).default; return m.render(context); },
};
"""


def module_version(name: str) -> str:
    """A short content hash: a changed module gets a new address, so a year's caching never serves a stale one."""
    return hashlib.sha256((MODULE_DIR / name).read_bytes()).hexdigest()[:16]


def esm_source(name: str) -> str:
    """What the widget whose module is `name` (a file beside this one) sends as its `_esm`."""
    if os.environ.get(SERVED_ENV) != "1":
        return (MODULE_DIR / name).read_text(encoding="utf-8")
    return LOADER.replace("__ROUTE__", ROUTE).replace("__FILE__", f"{name}?v={module_version(name)}")


def esm(name: str) -> traitlets.Unicode:
    """The `_esm` trait for a LessonWidget class."""
    return traitlets.Unicode(esm_source(name)).tag(sync=True)


def widget_id(name: str) -> traitlets.Unicode:
    """The `_anywidget_id` trait for a LessonWidget class (anywidget keys a widget's styles by it)."""
    return traitlets.Unicode(f"her2lesson.{name}").tag(sync=True)


class LessonWidget(anywidget.AnyWidget):
    """anywidget without a new Python class for every instance.

    anywidget gives each instance its `_esm` and `_anywidget_id` with `add_traits`, which builds a subclass per
    widget (about 10 ms each: a part with 24 questions took a quarter of a second to build in the kernel). A
    LessonWidget declares both on its class (`esm(...)`, `widget_id(...)`), and traits a class already has are
    not added again.
    """

    def add_traits(self, **traits: Any) -> None:
        new = {name: trait for name, trait in traits.items() if not self.has_trait(name)}
        if new:
            super().add_traits(**new)
