"""Learners someone else identified (identity.py): a JupyterHub user today, an LTI launch later.

The one-way key and its header, the records' `external_learners` table on SQLite and PostgreSQL (found or made once,
even by two pages at once; gone with its learner; added to an older database), the learner's session (no resume
code, the record found again on another device), and the page handler that alone may say who the learner is.
tests/browser/test_jupyterhub.py runs all of it behind a real hub.
"""
from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest
from tornado.httputil import HTTPHeaders

from her2lesson import cli, identity
from her2lesson.dashboard import Dashboard
from her2lesson.dashboard.session import LearnerSession
from her2lesson.identity import ExternalLearner, learner_key
from her2lesson.records import open_store
from her2lesson.records.sql import SCHEMA_VERSION

SECRET = b"a-test-secret-of-32-characters!!"
KEY = learner_key("hub", "zoe", SECRET)


# --- the key and the header -------------------------------------------------------------------------------------
def test_the_key_is_one_way_stable_and_different_for_each_person_source_and_secret():
    assert KEY == learner_key("hub", "zoe", SECRET) and identity.KEY.fullmatch(KEY)
    assert "zoe" not in KEY
    others = {learner_key("hub", "zoe2", SECRET), learner_key("lti", "zoe", SECRET),
              learner_key("hub", "zoe", SECRET[::-1])}
    assert KEY not in others and len(others) == 3
    with pytest.raises(ValueError):
        learner_key("hub", "zoe", b"short")


def test_the_header_carries_the_learner_and_anything_malformed_is_no_learner():
    learner = ExternalLearner(KEY, "hub", cohort="ABC-DEF-GHJ-K")
    assert ExternalLearner.from_header(learner.to_header()) == learner
    assert learner.to_header().isascii()
    for bad in (None, "", "{", "[]", '{"key": "x", "source": "hub"}', '{"key": "%s", "source": "web"}' % KEY,
                '{"key": "%s", "source": "hub", "role": "admin"}' % KEY, '{"source": "hub"}', "x" * 1000,
                '{"key": "%s", "source": "hub", "cohort": "<script>"}' % KEY):
        assert ExternalLearner.from_header(bad) is None, bad
    assert identity.from_environ({identity.ENV: learner.to_header()}) == learner
    assert identity.from_environ({}) is None


def test_a_secret_from_the_environment_must_be_long_enough():
    assert identity.secret_from_env({}) is None
    assert identity.secret_from_env({identity.SECRET_ENV: "x" * 40}) == b"x" * 40
    with pytest.raises(ValueError, match="shorter"):
        identity.secret_from_env({identity.SECRET_ENV: "short"})


# --- the records, on both backends ------------------------------------------------------------------------------
@pytest.fixture(params=["sqlite", "postgresql"])
def make_store(request, tmp_path):
    where = ({"data_dir": tmp_path / "var"} if request.param == "sqlite"
             else {"url": request.getfixturevalue("database")})
    opened = []

    def make():
        store = open_store(**where)
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


def test_an_external_learner_is_made_once_and_found_again(make_store):
    store = make_store()
    assert store.find_external_learner(KEY) is None
    made = store.external_learner(KEY, "hub", "nurse")
    assert store.external_learner(KEY, "hub", "patient").id == made.id  # found: the record keeps its own track
    again = make_store().find_external_learner(KEY)  # another kernel
    assert again.id == made.id and again.track == "nurse"
    assert store.find_external_learner(learner_key("hub", "someone-else", SECRET)) is None
    for malformed in ("", "zoe", KEY.upper(), KEY[:-1], None):
        assert store.find_external_learner(malformed) is None
    with pytest.raises(ValueError):
        store.external_learner("zoe", "hub", "nurse")
    assert store.count("external_learners") == 1 and store.count("learners") == 1


def test_two_pages_making_the_same_learner_at_once_get_one_record(make_store):
    stores = [make_store() for _ in range(6)]
    barrier, found, errors = threading.Barrier(len(stores)), [], []

    def page(store) -> None:
        try:
            barrier.wait(timeout=30)
            found.append(store.external_learner(KEY, "hub", "patient").id)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=page, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors and len(set(found)) == 1 and len(found) == len(stores)
    assert stores[0].count("learners") == 1


def test_a_class_link_counts_a_learner_in_no_class_and_leaves_one_in_a_class_where_they_are(make_store):
    store = make_store()
    ward, other = store.create_cohort("Ward 5"), store.create_cohort("Ward 6")
    learner = store.external_learner(KEY, "hub", "nurse")
    assert learner.cohort_id is None
    assert store.find_external_learner(KEY, ward.id).cohort_id == ward.id
    assert store.find_external_learner(KEY, other.id).cohort_id == ward.id  # one record per person
    assert store.results(ward.id).learners and not store.results(other.id).learners


def test_erasing_or_purging_the_learner_takes_the_binding_too(make_store):
    store = make_store()
    learner = store.external_learner(KEY, "hub", "nurse")
    assert store.erase(learner.resume_code)
    assert store.count("external_learners") == 0 and store.find_external_learner(KEY) is None
    fresh = store.external_learner(KEY, "hub", "nurse")
    assert fresh.id != learner.id
    store.clock = lambda: 4_000_000_000.0  # years later
    assert store.purge(30) == 1
    assert store.count("external_learners") == 0


def test_the_records_secret_is_made_once_and_shared_by_every_server(make_store):
    first = make_store().identity_secret()
    assert len(first) >= 32
    assert make_store().identity_secret() == first


def test_a_database_from_before_external_learners_is_upgraded_keeping_its_records(make_store):
    old = make_store()
    learner = old.create_learner("patient")
    old._run(lambda cur: cur.execute("DROP TABLE external_learners"))
    old._run(lambda cur: cur.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'"))
    upgraded = make_store()
    assert upgraded.schema_version() == SCHEMA_VERSION == 4
    assert upgraded.find_learner(learner.resume_code).id == learner.id
    assert upgraded.external_learner(KEY, "hub", "nurse").id != learner.id


# --- the learner's session ----------------------------------------------------------------------------------------
def _page(content, tmp_path, external, **params):
    session = LearnerSession(lambda: open_store(data_dir=tmp_path), external=external)
    d = Dashboard(content, params=params, listener=session.on_event, resume=session.resume,
                  start_fresh=session.start_fresh)
    session.attach(d)
    return session, d


def test_a_hub_learner_has_no_code_and_finds_their_answers_on_another_device(content, tmp_path):
    hub = ExternalLearner(KEY, "hub")
    session, d = _page(content, tmp_path, hub, track="patient", section="causes")
    assert d.resume is None and d.start_fresh is None and d.account.children == ()
    session.browser._message(session.browser, {"loaded": "K7M4QX9TD"}, None)  # a code this browser kept: not theirs
    assert session.browser.value == ""  # this browser is given no code to remember
    view = next(v for v in d.quizzes["causes"].question_views if v.q.type == "single")
    view.set_answer([next(i for i, o in enumerate(view.q.options) if o.correct)])
    view.press("check")
    assert session.learner is not None and not d.code and session.browser.value == ""
    assert not session.resume(session.learner.resume_code), "a hub learner is never found by a code"
    store = session.store()
    assert store.find_external_learner(KEY).id == session.learner.id

    other, d2 = _page(content, tmp_path, hub)  # another device: no link, nothing in its browser
    assert other.learner is not None and other.learner.id == session.learner.id
    assert d2.track == "patient" and d2.current.id == "causes" and not d2.code
    restored = next(v for v in d2.quizzes["causes"].question_views if v.q.id == view.q.id)
    assert "Correct" in restored.form.feedback_html
    assert store.count("learners") == 1

    stranger, d3 = _page(content, tmp_path, ExternalLearner(learner_key("hub", "ann", SECRET), "hub"))
    assert stranger.learner is None and d3.track is None  # someone else starts at the start, with no box for a code
    assert "h2l-resume" not in classes(d3.widget) and "h2l-track" in classes(d3.widget)


def classes(widget) -> set[str]:
    """Every CSS class on the page's widgets."""
    found = set(getattr(widget, "_dom_classes", ()))
    for child in getattr(widget, "children", ()):
        found |= classes(child)
    return found


# --- the server: only the page handler says who the learner is ------------------------------------------------------
def test_the_page_handler_drops_a_header_the_browser_sent_and_sets_the_hubs_own():
    from her2lesson.server import LessonPageHandler, LessonVoila, voila_argv

    forged = ExternalLearner(learner_key("hub", "victim", SECRET), "hub").to_header()
    handler = SimpleNamespace(request=SimpleNamespace(headers=HTTPHeaders({identity.HEADER: forged})))
    anonymous = SimpleNamespace(external_learner=lambda _handler: None)
    LessonPageHandler._name_the_learner(handler, anonymous)
    assert identity.HEADER not in handler.request.headers
    handler.request.headers.add(identity.HEADER, forged)
    hub = SimpleNamespace(external_learner=lambda _handler: ExternalLearner(KEY, "hub"))
    LessonPageHandler._name_the_learner(handler, hub)
    assert handler.request.headers.get_list(identity.HEADER) == [ExternalLearner(KEY, "hub").to_header()]
    assert LessonVoila().external_learner(handler) is None  # not a hub service: every learner is anonymous

    argv = voila_argv("nb.ipynb", "127.0.0.1", 9100, 600, 2, base_url="/services/her2lesson/", hub=True)
    assert f"--VoilaConfiguration.http_header_envs={identity.HEADER}" in argv
    assert "--Voila.base_url=/services/her2lesson/" in argv and "--LessonVoila.hub=True" in argv
    assert not any("hub" in a.lower() for a in voila_argv("nb.ipynb", "127.0.0.1", 9100, 600, 2))


def test_the_hub_user_becomes_a_key_and_nobody_signed_in_is_no_learner():
    pytest.importorskip("jupyterhub")
    from her2lesson.hub import hub_learner

    assert hub_learner(SimpleNamespace(username="zoe"), SECRET) == ExternalLearner(KEY, "hub")
    assert hub_learner(None, SECRET) is None


def test_serve_with_hub_outside_a_hub_or_with_a_bad_base_url_stops_with_one_line(monkeypatch, capsys):
    pytest.importorskip("jupyterhub")
    for name in ("JUPYTERHUB_API_TOKEN", "JUPYTERHUB_SERVICE_PREFIX", "JUPYTERHUB_CLIENT_ID", "JUPYTERHUB_API_URL"):
        monkeypatch.delenv(name, raising=False)
    assert cli.main(["serve", "--hub"]) == 1
    err = capsys.readouterr().err
    assert "run `her2lesson serve --hub` from JupyterHub" in err and "JUPYTERHUB_API_TOKEN" in err
    assert cli.main(["serve", "--base-url", "lesson"]) == 1
    assert "starts and ends with /" in capsys.readouterr().err
