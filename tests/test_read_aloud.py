"""Read-aloud's kernel side: the words it is given, the language, what it never reads, and stop on navigation.

The reading itself happens in the browser (readaloud.js); tests/browser/test_read_aloud_browser.py drives it with a
stand-in speech engine.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from her2lesson.content import check
from her2lesson.dashboard import Dashboard
from her2lesson.strings import Strings
from her2lesson.widgets import ReadAloud
from her2lesson.widgets.module import MODULE_DIR, esm_source
from her2lesson.widgets.read_aloud import PARTS, SKIP, STRING_KEYS, TARGET

ROOT = Path(__file__).resolve().parent.parent
ENGLISH = yaml.safe_load((ROOT / "data" / "strings" / "en.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def lesson():
    """The repository's content, whether or not a translation in progress is complete (not this file's concern)."""
    return check(ROOT)[0]


def test_every_word_of_the_control_comes_from_the_catalogue():
    missing = [key for key in STRING_KEYS if not isinstance(ENGLISH.get(key), str) or not ENGLISH[key].strip()]
    assert missing == []
    widget = ReadAloud(Strings(ENGLISH), "en")
    assert widget.strings == {key: ENGLISH[key] for key in STRING_KEYS}
    assert widget.strings["listen"] == "Listen"
    assert widget.strings["listen_unavailable"] == "Read-aloud is not available in this browser for this language."


def test_a_translation_gives_its_own_words_and_falls_back_to_english():
    t = Strings({"listen": "Escuchar"}, fallback=ENGLISH)
    widget = ReadAloud(t, "es")
    assert widget.lang == "es"
    assert widget.strings["listen"] == "Escuchar"
    assert widget.strings["listen_pause"] == ENGLISH["listen_pause"]


def test_without_a_language_it_reads_in_the_pages():
    widget = ReadAloud()
    assert widget.lang == "" and widget.strings == {}  # the module then reads <html lang>


def test_stop_is_a_counter_the_browser_watches():
    widget = ReadAloud(Strings(ENGLISH), "en")
    seen = []
    widget.observe(lambda change: seen.append(change["new"]), names="stops")
    widget.stop()
    widget.stop()
    assert widget.stops == 2 and seen == [1, 2], "every stop is a change, even twice in a row"


def test_the_browser_cannot_change_what_is_read_or_skipped():
    widget = ReadAloud(Strings(ENGLISH), "en")
    widget.set_state({"skip": "", "lang": "fr", "strings": {"listen": "<b>x</b>"}, "target": "body"})
    assert (widget.skip, widget.lang, widget.target) == (SKIP, "en", TARGET)
    assert widget.strings["listen"] == "Listen"


def test_nurse_panels_and_educator_notes_are_never_read():
    for cls in ("h2l-nurse", "h2l-educator"):
        assert f'[class*="{cls}"]' in SKIP
    assert ".h2l-def" in SKIP, "glossary definitions open on request: not read in the middle of a sentence"
    assert PARTS == ".h2l-section, .h2l-handout" and TARGET == ".h2l-main"


def test_the_module_is_served_by_the_widget_route():
    assert re.fullmatch(r"[a-z]+\.js", "readaloud.js"), "the server serves widget modules named by letters only"
    source = (MODULE_DIR / "readaloud.js").read_text(encoding="utf-8")
    assert esm_source("readaloud.js") in (source, ReadAloud._esm.default_value)
    for needed in ("speechSynthesis", "SpeechSynthesisUtterance", "voiceschanged", "change:stops",
                   'aria-pressed', 'aria-live', "MutationObserver"):
        assert needed in source, needed
    assert ReadAloud()._anywidget_id == "her2lesson.ReadAloud"


def test_the_dashboard_shows_it_above_the_part_and_stops_it_on_every_change_of_part(lesson):
    board = Dashboard(lesson, params={"track": "patient"})
    widget = board.read_aloud
    assert widget.lang == board.lang and widget.strings["listen"] == board.t("listen")
    column = board.body.children[1]
    assert column.children[:2] == (widget, board.main), "the control sits right above the part"
    before = widget.stops
    board.go(board.index + 1)  # Next
    board.go(board.index - 1)  # Previous
    board.go(len(board.pages) - 1)  # a part from the contents
    assert widget.stops == before + 3
