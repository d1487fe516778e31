"""The words of the pages the server itself shows (loading screen, busy and error pages), in the learner's language.

The lesson's own words come from the kernel; these pages appear before a kernel answers, or instead of one, so
the server reads the same catalogues (data/strings/<lang>.yaml) from the checked content. The language is the
page's `?lang=`, else the one the learner chose before (a cookie), else the browser's first language the module
has, else English: a third language needs only its files.
"""
from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field

from .strings import Strings

ENGLISH = "en"
COOKIE = "her2lesson-lang"
LOADING_KEYS = ("app_title", "loading_ready", "loading_noscript", "cell_error")  # what the lesson page's loading
# screen shows before the kernel answers (index.html.j2 swaps them in by the page's ?lang=)


@dataclass(frozen=True)
class PageWords:
    catalogues: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    names: Mapping[str, str] = field(default_factory=dict)  # code -> the language's name in itself

    @classmethod
    def from_content(cls) -> PageWords:
        """From the content the server checked at start (its snapshot); English-only words if it cannot be read."""
        try:
            from .content import load_content

            content = load_content()
        except Exception:  # noqa: BLE001 - the busy and error pages must show, in English at least
            return cls()
        names = {code: language.name for code, language in content.languages.items() if code in content.strings}
        return cls(content.strings, names or {ENGLISH: "English"})

    def has(self, lang: str | None) -> bool:
        return bool(lang) and lang in self.names

    def strings(self, lang: str) -> Strings:
        return Strings.for_language(self.catalogues, lang if self.has(lang) else ENGLISH)

    def choose(self, asked: str | None, remembered: str | None, accept_language: str | None) -> str:
        """The page's language: asked in the link, else remembered, else the browser's, else English."""
        for lang in (asked, remembered):
            if self.has(lang):
                return str(lang)
        for part in (accept_language or "").split(","):
            code = part.split(";")[0].strip().lower()
            for candidate in (code, code.split("-")[0]):
                if self.has(candidate):
                    return candidate
        return ENGLISH

    def loading(self) -> dict[str, dict[str, str]]:
        """Each language's loading-screen words, for the lesson page's template (rendered before any request)."""
        return {lang: {key: self.strings(lang)(key) for key in LOADING_KEYS} for lang in self.names}


@functools.lru_cache(maxsize=1)
def server_words() -> PageWords:
    return PageWords.from_content()
