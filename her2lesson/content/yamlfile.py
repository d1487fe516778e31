"""YAML loading that remembers where each value sits, so problems can name a line."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .problems import Problem

# libyaml's parser when PyYAML was built with it (the wheels are): several times faster than the pure-Python one.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class YamlFile:
    path: Path
    label: str
    data: Any
    node: yaml.Node | None

    def line_of(self, loc: tuple[Any, ...]) -> int:
        """1-based line of the deepest node that `loc` (keys and list indexes) reaches."""
        node = self.node
        line = node.start_mark.line + 1 if node is not None else 1
        for key in loc:
            child = None
            if isinstance(node, yaml.MappingNode):
                child = next((v for k, v in node.value if k.value == str(key)), None)
                if child is None:  # point at the key itself when the value is what is missing
                    child = next((k for k, _ in node.value if k.value == str(key)), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
                child = node.value[key]
            if child is None:
                break
            node, line = child, child.start_mark.line + 1
        return line


def load_yaml(path: Path, label: str) -> tuple[YamlFile | None, list[Problem]]:
    """Parse one YAML file; a syntax error becomes a Problem, never an exception."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(label, 1, "file", f"cannot be read: {exc}", "check the file exists and is UTF-8 text")]
    try:
        node = yaml.compose(text, Loader=_LOADER)
        data = yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        what = getattr(exc, "problem", None) or str(exc)
        return None, [Problem(label, line, "file", f"is not valid YAML: {what}",
                              "check indentation and quotes; put text with ':' or '#' in double quotes")]
    return YamlFile(path, label, data, node), []
