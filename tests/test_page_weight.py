"""What a page view sends over a phone's network: widget modules by address, lean layouts, no MathJax, preloads."""
from __future__ import annotations

import asyncio
import concurrent.futures

import ipywidgets as w

from her2lesson.dashboard.app import PREPARE_DELAY, Dashboard
from her2lesson.server import NO_MATH, Preloads, without_mathjax
from her2lesson.widgets.lean import lean_layouts
from her2lesson.widgets.module import MODULE_DIR, esm_source, module_version


def test_served_kernels_send_a_small_loader_instead_of_the_module(monkeypatch):
    monkeypatch.setenv("HER2LESSON_WIDGET_MODULES", "1")
    loader = esm_source("question.js")
    source = (MODULE_DIR / "question.js").read_text()
    assert len(loader) < len(source) / 5
    assert f"her2lesson/widgets/question.js?v={module_version('question.js')}" in loader
    monkeypatch.delenv("HER2LESSON_WIDGET_MODULES")
    assert esm_source("question.js") == source, "JupyterLab and nbval get the module inline"


def test_a_widget_is_not_a_new_class_per_instance():
    from her2lesson.widgets import QuestionForm

    first, second = QuestionForm(), QuestionForm()
    assert type(first) is type(second) is QuestionForm, "anywidget's per-instance add_traits is skipped"
    assert first._anywidget_id == "her2lesson.QuestionForm" and first._esm


def test_a_changed_module_gets_a_new_address(tmp_path, monkeypatch):
    import her2lesson.widgets.module as module

    (tmp_path / "x.js").write_text("export default {}")
    monkeypatch.setattr(module, "MODULE_DIR", tmp_path)
    before = module.module_version("x.js")
    (tmp_path / "x.js").write_text("export default { render() {} }")
    assert module.module_version("x.js") != before


def test_layouts_send_only_what_was_set(monkeypatch):
    monkeypatch.setattr(w.Layout, "get_state", w.Layout.get_state)  # put back after this test
    lean_layouts()
    state = w.Layout(width="100%").get_state()
    assert state["width"] == "100%" and state["_model_name"] == "LayoutModel"
    assert "height" not in state and "display" not in state
    assert w.Layout().get_state("display") == {"display": None}, "a change back to unset is still sent"


def test_the_page_config_points_mathjax_at_the_stand_in():
    config = without_mathjax({"fullMathjaxUrl": "https://cdn.example/mathjax.js", "other": 1}, base_url="/base/")
    assert config["fullMathjaxUrl"] == f"/base/{NO_MATH}" and config["other"] == 1
    assert config["mathjaxConfig"], "both set: the page then picks the typesetter that loads this one address"


def test_preloads_are_bounded_scripts_only_in_first_seen_order():
    preloads = Preloads()
    preloads.saw("/voila/labextensions/a/static/remoteEntry.1.js")
    preloads.saw("/her2lesson/widgets/question.js?v=abc", module=True)
    preloads.saw("/voila/labextensions/a/static/style.css")
    preloads.saw("/voila/labextensions/a/static/remoteEntry.1.js")
    assert preloads.header() == ("</voila/labextensions/a/static/remoteEntry.1.js>; rel=preload; as=script, "
                                 "</her2lesson/widgets/question.js?v=abc>; rel=modulepreload")
    for i in range(100):
        preloads.saw(f"/x/{i}.js")
    assert len(preloads.scripts) == Preloads.LIMIT


def test_the_next_part_is_built_ahead_only_once_the_page_is_drawn(content):
    async def run() -> tuple[bool, bool]:
        d = Dashboard(content, params={"track": "patient"})
        following = d.pages[d.index + 1].id
        await asyncio.sleep(PREPARE_DELAY * 2)
        before = following in d.cache  # a pool kernel must not send it with the first page
        d._display_loaded(None)  # the browser reports in: the page is drawn
        await asyncio.sleep(PREPARE_DELAY * 2)
        return before, following in d.cache

    # in a thread of its own: earlier browser tests in this process may hold the main thread's event loop
    with concurrent.futures.ThreadPoolExecutor(1) as worker:
        before, after = worker.submit(asyncio.run, run()).result(timeout=60)
    assert not before and after
