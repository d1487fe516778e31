"""Interface words from the catalogue in data/strings/<lang>.yaml: a translation is a new file, not a code change."""
from __future__ import annotations

from collections.abc import Mapping


class Strings:
    def __init__(self, table: Mapping[str, str], fallback: Mapping[str, str] | None = None):
        self._table = dict(fallback or {}) | dict(table)

    def __call__(self, key: str, **values: object) -> str:
        text = self._table.get(key, key)
        try:
            return text.format(**values) if values else text
        except (KeyError, IndexError, ValueError):
            return text

    @classmethod
    def for_language(cls, catalogues: Mapping[str, Mapping[str, str]], lang: str = "en") -> "Strings":
        english = catalogues.get("en", {})
        return cls(catalogues.get(lang, english), fallback=english)
