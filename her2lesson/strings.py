"""Interface words from the catalogue in data/strings/<lang>.yaml: a translation is a new file, not a code change."""
from __future__ import annotations

from collections.abc import Mapping


class Strings:
    def __init__(self, table: Mapping[str, str], fallback: Mapping[str, str] | None = None):
        self._table = dict(fallback or {}) | dict(table)

    def __contains__(self, key: object) -> bool:
        return key in self._table

    def __call__(self, key: str, **values: object) -> str:
        text = self._table.get(key, key)
        try:
            return text.format(**values) if values else text
        except (KeyError, IndexError, ValueError):
            return text

    def plural(self, key: str, n: int, **values: object) -> str:
        """`key_one` when n is 1, else `key_many`, filled with {n}: the words for a count come from the catalogue,
        so a translation writes its own singular and plural instead of an English "answer(s)"."""
        return self(f"{key}_one" if n == 1 else f"{key}_many", n=n, **values)

    @classmethod
    def for_language(cls, catalogues: Mapping[str, Mapping[str, str]], lang: str = "en") -> "Strings":
        english = catalogues.get("en", {})
        return cls(catalogues.get(lang, english), fallback=english)
