"""Section Markdown to HTML, with glossary words turned into pop-ups that open by keyboard or mouse."""
from __future__ import annotations

import itertools
import re
from html import escape
from typing import cast

import mistune

from ..content.notebooks import GLOSSARY_LINK
from ..content.plain import Term

_markdown = mistune.create_markdown(escape=True, plugins=["table", "strikethrough"])
_ids = itertools.count(1)


def _render(text: str) -> str:
    """HTML from Markdown: mistune types a call's result for every renderer; the HTML renderer's is a str."""
    return cast(str, _markdown(text))


def glossary_button(word: str, term: Term, say_label: str) -> str:
    """A term button plus its definition; static/her2lesson.js toggles it (Enter, Space, click; Esc closes)."""
    n = next(_ids)
    say = f' <span class="h2l-say">({escape(say_label)} {escape(term.say)})</span>' if term.say else ""
    return (f'<span class="h2l-gloss"><button type="button" class="h2l-term" aria-expanded="false" '
            f'aria-controls="h2l-def-{n}" '
            f'aria-describedby="h2l-def-{n}">{escape(word)}</button>'
            f'<span class="h2l-def" id="h2l-def-{n}" role="note" hidden>'
            f'<strong>{escape(term.term)}</strong>{say}: {escape(term.plain)}</span></span>')


def to_html(markdown: str, glossary: dict[str, Term], say_label: str = "say") -> str:
    """Render trusted section Markdown; raw HTML in it is escaped, glossary links become pop-ups."""
    placeholders: dict[str, str] = {}

    def swap(match: re.Match[str]) -> str:
        word, key = match.group(1), match.group(2)
        term = glossary.get(key)
        if term is None:
            return word
        token = f"H2LTERM{len(placeholders)}X"
        placeholders[token] = glossary_button(word, term, say_label)
        return token

    html = _render(GLOSSARY_LINK.sub(swap, markdown))
    for token, button in placeholders.items():
        html = html.replace(token, button)
    return html
