"""Lean widget state: layouts that send only what was set, and one shared layout and style for widgets that set none.

Every ipywidgets control carries a Layout model with ~45 CSS properties, nearly all unset (None in Python, null as
the browser's layout model starts them). Sending only the set ones makes the first page's widget state a third
smaller on a phone's network; what the browser draws is the same.

Each control also makes its own Layout, and a button, label or checkbox its own style, even when it never sets
anything in them, and most of the layouts the lesson sets are the same few (width 100%, a 44 px button): on the
testing part, 101 of the page's 169 widget models were layouts and styles. Each is a message the kernel sends, the
server reads and relays, and the browser turns into a model. Widgets now share one layout for each set of
properties (`shared_layout`) and one default style of each kind (a model may have many views). A shared one is
frozen: a widget whose layout changes gets its own copy first, through `own_layout`.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as w

_original_get_state = w.Layout.get_state
FROZEN = "_h2l_shared"


def _lean_get_state(self: w.Layout, key: Any = None, drop_defaults: bool = False) -> dict:
    state = _original_get_state(self, key, drop_defaults)
    if key is None:  # a whole state (a new widget, or the page asking for all): unset properties stay out
        state = {k: v for k, v in state.items() if v is not None or k.startswith("_")}
    return state


def _frozen_class(klass: type) -> type:
    """`klass` whose synced properties cannot be changed once it is shared."""

    class Shared(klass):
        def __setattr__(self, name: str, value: Any) -> None:
            if getattr(self, FROZEN, False) and name in self.keys and not name.startswith("_"):
                raise AttributeError(f"this {klass.__name__} is shared by other widgets: give the widget its own "
                                     "copy first (her2lesson.widgets.lean.own_layout)")
            super().__setattr__(name, value)

    Shared.__name__ = Shared.__qualname__ = f"Shared{klass.__name__}"
    return Shared


_frozen_layout = _frozen_class(w.Layout)


def _shared_default(klass: type) -> Callable[[], Any]:
    """A default maker that hands out one frozen instance, made again if it was closed (Widget.close_all)."""
    if klass is w.Layout:
        return shared_layout
    frozen = _frozen_class(klass)
    held: dict[str, Any] = {}

    def make() -> Any:
        instance = held.get("it")
        if instance is None or instance.comm is None:
            instance = frozen()
            setattr(instance, FROZEN, True)
            held["it"] = instance
        return instance

    return make


def _style_traits() -> list[Any]:
    """The `style` traits of ipywidgets' controls (one per kind of style: buttons, labels, checkboxes, ...)."""
    found: dict[int, Any] = {}
    for value in vars(w).values():
        if isinstance(value, type) and issubclass(value, w.DOMWidget):
            widget_class: Any = value
            trait = widget_class.class_traits().get("style")
            if trait is not None and getattr(trait, "klass", None) is not None:
                found[id(trait)] = trait
    return list(found.values())


_SHARED_LAYOUTS: dict[tuple, Any] = {}


def shared_layout(**properties: str) -> w.Layout:
    """One frozen Layout for each set of properties (`shared_layout(width="100%")`), shared by every widget that
    asks for the same; a widget that later changes its layout gets its own copy first, through `own_layout`."""
    key = tuple(sorted(properties.items()))
    layout = _SHARED_LAYOUTS.get(key)
    if layout is None or layout.comm is None:
        layout = _frozen_layout(**properties)
        setattr(layout, FROZEN, True)
        _SHARED_LAYOUTS[key] = layout
    return layout


def own_layout(widget: w.DOMWidget) -> w.Layout:
    """The widget's own layout, a copy made for it if it shares one; change a layout only through this."""
    shared = widget.layout
    if getattr(shared, FROZEN, False):
        widget.layout = w.Layout(**{k: v for k, v in shared.get_state().items()
                                    if not k.startswith("_") and v is not None})
    return widget.layout


def lean_layouts() -> None:
    """Turn it on for this kernel (the dashboard does, once); a change to one property is still always sent."""
    w.Layout.get_state = _lean_get_state
    layout = w.DOMWidget.class_traits()["layout"]
    if not hasattr(layout, "_h2l_make"):
        layout.make_dynamic_default = layout._h2l_make = _shared_default(w.Layout)
    for style in _style_traits():
        if not hasattr(style, "_h2l_make"):
            style.make_dynamic_default = style._h2l_make = _shared_default(style.klass)
