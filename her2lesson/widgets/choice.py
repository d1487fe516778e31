"""A group of radio buttons or checkboxes with a proper fieldset and legend (ipywidgets' radios have no group)."""
from __future__ import annotations

from pathlib import Path

import anywidget
import traitlets


class ChoiceGroup(anywidget.AnyWidget):
    """`value` holds the indexes of the chosen options; anything else a client sends is dropped, never raised."""

    _esm = Path(__file__).with_name("choice.js")
    options = traitlets.List(traitlets.Unicode()).tag(sync=True)
    multiple = traitlets.Bool(False).tag(sync=True)
    legend = traitlets.Unicode("").tag(sync=True)
    disabled = traitlets.Bool(False).tag(sync=True)
    value = traitlets.List().tag(sync=True)

    @traitlets.validate("value")
    def _valid_value(self, proposal) -> list[int]:
        raw = proposal["value"] if isinstance(proposal["value"], (list, tuple)) else []
        n = len(self.options)
        picked: list[int] = []
        for item in raw:
            if isinstance(item, int) and not isinstance(item, bool) and 0 <= item < n and item not in picked:
                picked.append(item)
        if not self.multiple:
            picked = picked[-1:]
        return sorted(picked)
