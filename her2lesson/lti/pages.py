"""The LTI routes' own plain pages: a refused launch, "open it in a new window", the deep-linking chooser and the
form that returns the choice to the platform. No script but the one-line auto-submit of a signed form, no
traceback, no server detail. Words come from the catalogue (data/strings), in the page's language; a key the
catalogue lacks falls back to the English written here."""
from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

ENGLISH = {
    "lti_refused_title": "This link from your course did not open",
    "lti_refused_text": "The module could not confirm who you are from your course. Go back to your course and open "
                        "the module again. If it keeps happening, tell the person who runs your course.",
    "lti_new_window_title": "Open the module in a new window",
    "lti_new_window_text": "Your browser did not keep your sign-in from the course inside this frame. Go back to your "
                           "course and open the module again. If that does not help, open it in a new window: your "
                           "course has a setting for that, or ask the person who runs it.",
    "lti_educator_no_course": "Open the module from inside a course: the educator's view shows one course's class.",
    "lti_deep_title": "Choose what to add to your course",
    "lti_deep_intro": "Add the whole module, one track, or one part. Each item you add is its own link in the course; "
                      "the whole module and each track send the final-check score to the gradebook.",
    "lti_deep_whole": "The whole module (learners choose their track)",
    "lti_deep_track_nurse": "The nursing track",
    "lti_deep_track_patient": "The patient track",
    "lti_deep_section": "One part:",
    "lti_deep_add": "Add to the course",
    "lti_deep_sending": "Sending your choice to the course...",
}


def say(t: Any, key: str, **values: object) -> str:
    return t(key, **values) if t is not None and key in t else ENGLISH[key].format(**values)


def page(lang: str, title: str, body: str) -> str:
    return (f'<!DOCTYPE html><html lang="{escape(lang)}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{escape(title)}</title><style>body{{font:18px/1.5 system-ui,sans-serif;max-width:40rem;'
            'margin:2rem auto;padding:0 1rem;color:#1a1a1a}button{font:inherit;min-height:44px;padding:.4rem 1rem}'
            'label{display:block;margin:.4rem 0}</style></head>'
            f'<body><main><h1>{escape(title)}</h1>{body}</main></body></html>')


def message(words: dict, title_key: str, text_key: str) -> str:
    t = words.get("t")
    return page(words.get("lang", "en"), say(t, title_key), f"<p>{escape(say(t, text_key))}</p>")


def chooser(words: dict, action: str, token: str, sections: Sequence[tuple[str, str]]) -> str:
    """The instructor's choice: the whole module, a track, or one part; POSTed with the signed deep-linking token."""
    t = words.get("t")
    options = "".join(f'<option value="{escape(sid)}">{escape(title)}</option>' for sid, title in sections)
    radios = "".join(
        f'<label><input type="radio" name="choice" value="{value}"{" checked" if value == "whole" else ""}> '
        f'{escape(say(t, key))}</label>'
        for value, key in (("whole", "lti_deep_whole"), ("nurse", "lti_deep_track_nurse"),
                           ("patient", "lti_deep_track_patient")))
    body = (f"<p>{escape(say(t, 'lti_deep_intro'))}</p>"
            f'<form method="post" action="{escape(action)}"><fieldset><legend>{escape(say(t, "lti_deep_title"))}'
            f'</legend>{radios}<label><input type="radio" name="choice" value="section"> '
            f'{escape(say(t, "lti_deep_section"))} '
            f'<select name="section" aria-label="{escape(say(t, "lti_deep_section"))}">'
            f'{options}</select></label></fieldset><input type="hidden" name="dl" value="{escape(token)}">'
            f'<p><button type="submit">{escape(say(t, "lti_deep_add"))}</button></p></form>')
    return page(words.get("lang", "en"), say(t, "lti_deep_title"), body)


def return_form(words: dict, return_url: str, jwt: str) -> str:
    """The signed LtiDeepLinkingResponse, posted back to the platform at once (a button if scripts are off)."""
    t = words.get("t")
    body = (f'<form id="h2l-dl" method="post" action="{escape(return_url)}">'
            f'<input type="hidden" name="JWT" value="{escape(jwt)}">'
            f'<p>{escape(say(t, "lti_deep_sending"))}</p><noscript><button type="submit">'
            f'{escape(say(t, "lti_deep_add"))}</button></noscript></form>'
            "<script>document.getElementById('h2l-dl').submit()</script>")
    return page(words.get("lang", "en"), say(t, "lti_deep_title"), body)
