"""What a page view sends over a phone's network and costs the server: widget modules by address, lean layouts, no
MathJax, preloads, one bundle of chunks, files packed once, templates compiled once."""
from __future__ import annotations

import asyncio
import concurrent.futures
import gzip
import hashlib
import json
import re

import brotli
import ipywidgets as w
import jinja2
import pytest

from her2lesson import page_bundle
from her2lesson.compiled_templates import COMPILED, CompiledTemplates, LessonExporter, use_compiled_templates
from her2lesson.dashboard.app import PREPARE_DELAY, Dashboard
from her2lesson.server import NO_MATH, Preloads, without_mathjax
from her2lesson.static_files import PackedFiles, accepted_encodings
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


def test_the_page_bundle_is_named_first_and_its_chunks_never_on_their_own():
    preloads = Preloads()
    preloads.saw("/voila/labextensions/a/static/7.abc.js?v=abc")
    preloads.saw("/voila/labextensions/a/static/remoteEntry.1.js")
    preloads.use_bundle("/her2lesson/bundle/page-chunks.0123456789abcdef.js",
                        {"/voila/labextensions/a/static/7.abc.js"})
    preloads.saw("/voila/labextensions/a/static/7.abc.js?v=abc")
    assert preloads.header() == ("</her2lesson/bundle/page-chunks.0123456789abcdef.js>; rel=preload; as=script, "
                                 "</voila/labextensions/a/static/remoteEntry.1.js>; rel=preload; as=script")


def _manifest(path, entries):
    path.write_text(json.dumps({"chunks": entries}))
    return path


def test_the_bundle_holds_the_listed_chunks_found_unchanged_and_leaves_out_the_rest(tmp_path):
    static, extensions = tmp_path / "static", tmp_path / "ext"
    (extensions / "w" / "static").mkdir(parents=True)
    static.mkdir()
    one, seven = b"(self.c=self.c||[]).push([[1],{}])", b"(self.d=self.d||[]).push([[7],{}])"
    (static / "1.voila.js").write_bytes(one)
    (static / "2.voila.js").write_bytes(b"changed since the list was written")
    (extensions / "w" / "static" / "7.ab.js").write_bytes(seven)
    entries = [{"address": "voila/static/1.voila.js", "sha256": hashlib.sha256(one).hexdigest()},
               {"address": "voila/static/2.voila.js", "sha256": "0" * 64},
               {"address": "voila/static/3.voila.js", "sha256": "0" * 64},
               {"address": "voila/labextensions/w/static/7.ab.js", "sha256": hashlib.sha256(seven).hexdigest()},
               {"address": "voila/labextensions/../../etc/passwd", "sha256": "0" * 64}]
    bundle = page_bundle.build([str(static)], [str(extensions)], _manifest(tmp_path / "m.json", entries),
                               tmp_path / "out")
    assert bundle.included == ["voila/static/1.voila.js", "voila/labextensions/w/static/7.ab.js"]
    assert bundle.left_out == ["voila/static/2.voila.js", "voila/static/3.voila.js",
                               "voila/labextensions/../../etc/passwd"]
    body = (tmp_path / "out" / bundle.name).read_bytes()
    assert body == b"\n;" + one + b"\n;" + seven
    assert re.fullmatch(r"page-chunks\.[0-9a-f]{16}\.js", bundle.name)
    assert bundle.address("/lesson/") == f"/lesson/her2lesson/bundle/{bundle.name}"
    empty = page_bundle.build([str(static)], [], _manifest(tmp_path / "none.json", []), tmp_path / "out2")
    assert empty.name == "" and empty.address("/") == "", "nothing listed: no bundle, and the page loads as before"


def test_the_shipped_chunk_list_is_well_formed():
    entries = page_bundle.read_manifest()
    assert len(entries) > 20
    for entry in entries:
        assert page_bundle.CHUNK.match(entry["address"]) and re.fullmatch(r"[0-9a-f]{64}", entry["sha256"]), entry


def test_accepted_encodings_leave_out_what_the_client_refuses():
    assert accepted_encodings("gzip, deflate, br;q=0, zstd") == {"gzip", "deflate", "zstd"}
    assert accepted_encodings("br;q=0.5, GZIP") == {"br", "gzip"}
    assert accepted_encodings("") == set()


def test_a_file_is_packed_once_in_the_background_and_again_when_it_changes(tmp_path):
    packed = PackedFiles()
    script = tmp_path / "a.js"
    script.write_text("let answer = 42;\n" * 500)
    assert packed.get(str(script), {"br", "gzip"}) is None, "not packed yet: sent as before"
    packed.wait()
    encoding, body = packed.get(str(script), {"br", "gzip"})
    assert encoding == "br" and brotli.decompress(body) == script.read_bytes() and len(body) < 200
    encoding, body = packed.get(str(script), {"gzip"})
    assert encoding == "gzip" and gzip.decompress(body) == script.read_bytes()
    script.write_text("let answer = 43;\n" * 600)
    assert packed.get(str(script), {"br"}) is None, "a changed file is never sent from the old packing"
    packed.wait()
    assert brotli.decompress(packed.get(str(script), {"br"})[1]) == script.read_bytes()
    (tmp_path / "b.png").write_bytes(b"\x89PNG")
    assert packed.get(str(tmp_path / "b.png"), {"br"}) is None and not packed._pending, "images are not packed"


def test_templates_are_compiled_once_across_environments_and_again_when_edited():
    cache = CompiledTemplates()
    sources = {"page.html": "<p>{{ 1 + n }}</p>"}

    def render() -> str:
        env = jinja2.Environment(loader=jinja2.DictLoader(sources), bytecode_cache=cache, autoescape=True)
        return env.get_template("page.html").render(n=1)

    assert render() == render() == "<p>2</p>" and cache.compiled == 1
    sources["page.html"] = "<p>{{ 2 + n }}</p>"
    assert render() == "<p>3</p>" and cache.compiled == 2


def test_voila_renders_pages_with_the_shared_compiled_templates():
    import voila.notebook_renderer

    use_compiled_templates()
    assert voila.notebook_renderer.VoilaExporter is LessonExporter
    exporter = LessonExporter(template_paths=[], template_name="lab")
    assert exporter.environment.bytecode_cache is COMPILED


def test_widgets_share_their_layouts_and_styles_and_a_change_gets_its_own_copy(monkeypatch):
    from her2lesson.widgets.lean import own_layout, shared_layout

    monkeypatch.setattr(w.Layout, "get_state", w.Layout.get_state)
    lean_layouts()
    first, second = w.Button(), w.HTML()
    assert first.layout is second.layout, "one layout for the widgets that set none"
    assert w.Button().style is first.style and w.HTML().style is second.style
    wide = w.VBox(layout=shared_layout(width="100%"))
    assert w.HTML(layout=shared_layout(width="100%")).layout is wide.layout
    with pytest.raises(AttributeError, match="shared"):
        wide.layout.display = "none"  # would hide every widget that shares it
    own_layout(wide).display = "none"
    assert wide.layout.display == "none" and wide.layout.width == "100%", "the copy keeps what was set"
    assert shared_layout(width="100%").display is None and own_layout(wide) is wide.layout
    w.Widget.close_all()
    assert w.Button().layout.comm is not None, "a closed shared layout is made again"


def test_a_lesson_page_sends_fewer_than_a_hundred_widget_models(content, monkeypatch):
    monkeypatch.setattr(w.Layout, "get_state", w.Layout.get_state)
    lean_layouts()
    before = set(w.widgets.widget._instances)
    Dashboard(content, params={"track": "patient", "section": "testing"})
    made = set(w.widgets.widget._instances) - before
    assert len(made) < 100, f"{len(made)} models (169 before layouts and styles were shared)"
