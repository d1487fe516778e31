"""Two tabs (or two devices) of one learner: what each one changed is kept.

Each page's kernel holds the learner's state and used to save it whole, so the later save silently dropped what the
other tab had added (a kept question, a ticked plan step). A save now merges three ways: the state as stored now
(the other tab's changes included), the state this tab last loaded or saved (its base), and this tab's state (its
own changes since). Lists keep both tabs' additions and removals; phone numbers merge by entry; any other value
takes this tab's value if this tab changed it, else the stored one.
"""
from __future__ import annotations

import copy
from typing import Any

LIST_KEYS = ("visited", "questions", "plan")
MAPPING_KEYS = ("phones",)


def merge_list(stored: list, base: list, mine: list) -> list:
    """The stored list with this tab's removals taken out and its additions put at the end, in its order."""
    removed = [item for item in base if item not in mine]
    added = [item for item in mine if item not in base]
    merged = [item for item in stored if item not in removed]
    return merged + [item for item in added if item not in merged]


def merge_mapping(stored: dict, base: dict, mine: dict) -> dict:
    merged = dict(stored)
    for key in set(base) | set(mine):
        if key not in mine:
            merged.pop(key, None)  # this tab removed it
        elif mine[key] != base.get(key):
            merged[key] = mine[key]
    return merged


def merge(stored: dict[str, Any], base: dict[str, Any], mine: dict[str, Any]) -> dict[str, Any]:
    """What to save: the stored state with this tab's changes since `base` applied."""
    merged = copy.deepcopy(stored)
    for key in set(base) | set(mine):
        old, new, there = base.get(key), mine.get(key), stored.get(key)
        if key in LIST_KEYS and isinstance(new, list):
            merged[key] = merge_list(there if isinstance(there, list) else [], old if isinstance(old, list) else [],
                                     new)
        elif key in MAPPING_KEYS and isinstance(new, dict):
            merged[key] = merge_mapping(there if isinstance(there, dict) else {},
                                        old if isinstance(old, dict) else {}, new)
        elif new != old:
            if key in mine:
                merged[key] = copy.deepcopy(new)
            else:
                merged.pop(key, None)
    return merged


def others_changes(merged: dict[str, Any], mine: dict[str, Any]) -> bool:
    """True when the merged lists or numbers hold something this tab does not show: another tab changed them."""
    return any(merged.get(key) != mine.get(key) for key in (*LIST_KEYS, *MAPPING_KEYS) if key in merged)
