"""Learner records on the embedded SQLite store, and the `her2lesson` records commands.

`TestStoreBehaviour` holds what every backend must do; tests/test_records_postgres.py runs the same class against
a real PostgreSQL server by giving it its own `make_store` fixture.
"""
from __future__ import annotations

import csv
import dataclasses
import io
import logging
import multiprocessing
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from her2lesson import cli
from her2lesson.quiz.ledger import ScoredCheck
from her2lesson.records import DATA_DIR_ENV, DATABASE_URL_ENV, StoreError, codes, locate, open_store, store_env
from her2lesson.records.sql import SCHEMA_VERSION

FINAL = "final-check"  # data/questions/final-check.yaml: the bank marked `scored: true`

ROOT = Path(__file__).resolve().parent.parent
SESSIONS = 30
ANSWERS_EACH = 20
CODE = re.compile(rf"^[{codes.ALPHABET}]{{3}}-[{codes.ALPHABET}]{{3}}-[{codes.ALPHABET}]{{3}}$")


class Clock:
    """A clock the test moves by hand, so that retention is tested without waiting."""

    def __init__(self, now: float = 1_800_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, days: float) -> None:
        self.now += days * 86400


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_store(tmp_path: Path, clock: Clock):
    """Open a new connection to one SQLite store per call, as separate kernels would; all closed at the end."""
    opened = []

    def make(use_clock: Callable[[], float] | None = clock):
        store = open_store(None, tmp_path / "var", **({"clock": use_clock} if use_clock else {}))
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


# --- one concurrent session, at module level so that a forked process can run it ------------------------------------
def _session(make: Callable, cohort_id: int, k: int, barrier) -> int:
    """One learner's page: its own store connection, then answers given all at once with everyone else."""
    store = make(None)
    try:
        learner = store.create_learner("nurse", cohort_id)
        barrier.wait(timeout=60)
        for i in range(ANSWERS_EACH):
            kind = "reveal" if i % 5 == 4 else "check"
            saved = store.record_answer(learner.id, f"q{i:02d}", kind, i % 2 == 0, section="basics",
                                        answer={"session": k, "i": i})
            assert saved
        assert store.save_state(learner.id, {"track": "nurse", "visited": ["welcome", "basics"], "session": k})
        return learner.id
    finally:
        store.close()


def _process_session(make, cohort_id, k, barrier, out) -> None:
    out.put(_session(make, cohort_id, k, barrier))


def _sessions_in_threads(make, cohort_id: int) -> list[int]:
    barrier = threading.Barrier(SESSIONS)
    ids: list[int] = []
    errors: list[BaseException] = []

    def run(k: int) -> None:
        try:
            ids.append(_session(make, cohort_id, k, barrier))
        except BaseException as error:  # noqa: BLE001 - reported below, with the others
            errors.append(error)
            barrier.abort()

    threads = [threading.Thread(target=run, args=(k,)) for k in range(SESSIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    return ids


def _sessions_in_processes(make, cohort_id: int) -> list[int]:
    ctx = multiprocessing.get_context("fork")
    barrier, out = ctx.Barrier(SESSIONS), ctx.Queue()
    procs = [ctx.Process(target=_process_session, args=(make, cohort_id, k, barrier, out)) for k in range(SESSIONS)]
    for p in procs:
        p.start()
    ids = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert [p.exitcode for p in procs] == [0] * SESSIONS
    return ids


class TestStoreBehaviour:
    """What every store must do, whatever the backend."""

    def test_schema_is_created_on_open_and_opening_again_keeps_it(self, make_store):
        store = make_store()
        assert store.schema_version() == SCHEMA_VERSION
        assert [store.count(t) for t in ("learners", "answers", "cohorts", "certificates")] == [0, 0, 0, 0]
        learner = store.create_learner("patient")
        again = make_store()
        assert again.schema_version() == SCHEMA_VERSION
        assert again.find_learner(learner.resume_code).id == learner.id

    def test_servers_opening_a_new_store_together_all_succeed(self, make_store):
        barrier, errors, stores = threading.Barrier(8), [], []

        def run() -> None:
            try:
                barrier.wait(timeout=30)
                stores.append(make_store())
            except BaseException as error:  # noqa: BLE001
                errors.append(error)

        threads = [threading.Thread(target=run) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert not errors and len(stores) == 8
        assert {s.schema_version() for s in stores} == {SCHEMA_VERSION}

    def test_every_answer_is_kept_in_order_across_reopening(self, make_store, clock):
        store = make_store()
        learner = store.create_learner("nurse")
        given = [("basics-what", "check", False, [2]), ("basics-what", "check", True, [0]),
                 ("testing-ihc", "reveal", None, None), ("testing-ihc", "check", True, {"order": [1, 0, 2]})]
        for question, kind, correct, answer in given:
            clock.advance(0.001)
            assert store.record_answer(learner.id, question, kind, correct, section=question.split("-")[0],
                                       answer=answer)
        store.close()

        record = make_store().load(learner.id)
        assert [(a.question_id, a.kind, a.correct, a.answer) for a in record.answers] == given
        assert [a.section for a in record.answers] == ["basics", "basics", "testing", "testing"]
        assert [a.at for a in record.answers] == sorted(a.at for a in record.answers)
        assert record.learner.resume_code == learner.resume_code

    def test_a_reveal_is_stored_without_a_verdict(self, make_store):
        store = make_store()
        learner = store.create_learner("patient")
        store.record_answer(learner.id, "q", "reveal", True)
        assert store.load(learner.id).answers[0].correct is None
        with pytest.raises(ValueError):
            store.record_answer(learner.id, "q", "hint", None)
        with pytest.raises(ValueError):
            store.record_answer(learner.id, "q", "check", None)  # a check always has a verdict
        assert len(store.load(learner.id).answers) == 1

    def test_resume_codes_are_short_readable_and_unique(self, make_store):
        store = make_store()
        found = [store.create_learner("patient").resume_code for _ in range(300)]
        assert all(CODE.match(code) for code in found), [c for c in found if not CODE.match(c)]
        assert not set("".join(found)) & set("0O1IL")
        assert len(set(found)) == len(found) == store.count("learners")

    def test_a_code_that_is_taken_already_is_drawn_again(self, make_store, monkeypatch):
        store = make_store()
        drawn = iter(["AAAAAAAAA", "AAAAAAAAA", "BBBBBBBBB"])
        monkeypatch.setattr(codes, "new_resume_code", lambda: next(drawn))
        first, second = store.create_learner("patient"), store.create_learner("patient")
        assert (first.resume_code, second.resume_code) == ("AAA-AAA-AAA", "BBB-BBB-BBB")

    def test_lookup_ignores_case_spaces_and_dashes(self, make_store):
        store = make_store()
        learner = store.create_learner("explore")
        plain = learner.resume_code.replace("-", "")
        for typed in (learner.resume_code, learner.resume_code.lower(), plain, plain.lower(),
                      f" {plain[:3]} {plain[3:6]} {plain[6:]} ", f"{plain[:4].lower()}-{plain[4:]}"):
            assert store.find_learner(typed).id == learner.id, typed
        other = ("2" if plain[0] != "2" else "3") + plain[1:]
        assert store.find_learner(other) is None
        for nonsense in ("", "K7M-4QX", "K7M-4QX-9TD-22", "O0O-1I1-LLL", "'; DROP TABLE learners; --"):
            assert store.find_learner(nonsense) is None
        assert store.count("learners") == 1

    def test_state_round_trips_and_replaces_the_last_one(self, make_store):
        store = make_store()
        learner = store.create_learner("patient")
        state = {"track": "nurse", "section": "testing", "visited": ["welcome", "basics", "testing"],
                 "questions": ["Which drug comes next for me?", "Can I keep working?"],
                 "plan": {"rest": ["short walks"], "support": "a café group ☕"}, "certificate_name": "Zoë Ng"}
        assert store.save_state(learner.id, state)
        record = make_store().load(learner.id)
        assert record.state == state
        assert record.learner.track == "nurse"  # the track follows the state
        assert store.save_state(learner.id, {"track": "nurse", "section": "welcome"})
        assert store.load(learner.id).state == {"track": "nurse", "section": "welcome"}
        assert store.save_state(learner.id + 1000, state) is False
        with pytest.raises(ValueError):
            store.save_state(learner.id, {"questions": ["x" * 70_000]})
        with pytest.raises(TypeError):
            store.save_state(learner.id, {"when": object()})
        assert store.load(learner.id + 1000) is None

    def test_last_seen_moves_with_each_save_answer_and_resume(self, make_store, clock):
        store = make_store()
        learner = store.create_learner("patient")
        assert learner.last_seen == learner.created_at == clock.now
        for step in (lambda: store.record_answer(learner.id, "q", "check", True),
                     lambda: store.save_state(learner.id, {}),
                     lambda: store.find_learner(learner.resume_code)):
            clock.advance(1)
            step()
            assert store.load(learner.id).learner.last_seen == clock.now

    def test_cohorts_have_unguessable_codes_and_are_found_by_them(self, make_store):
        store = make_store()
        ward, other = store.create_cohort("  Ward 5, March "), store.create_cohort("Evening class")
        assert ward.name == "Ward 5, March"
        assert codes.is_canonical(ward.join_code, codes.JOIN_LENGTH)
        educator = codes.normalise(ward.educator_code)
        assert codes.is_canonical(educator, codes.EDUCATOR_LENGTH) and len(educator) > len(ward.join_code)
        assert re.fullmatch(r"(\w{4}-){4}\w{4}", ward.educator_code)
        assert len({ward.join_code, other.join_code, ward.educator_code, other.educator_code}) == 4

        by_join = store.cohort_by_join_code(ward.join_code.lower())
        assert (by_join.id, by_join.name, by_join.join_code) == (ward.id, ward.name, ward.join_code)
        assert by_join.educator_code == ""  # whoever has only the join link never sees the educator code
        assert store.cohort_by_educator_code(educator.lower()).id == ward.id
        assert store.cohort_by_educator_code(ward.educator_code).educator_code == ward.educator_code
        assert store.cohort(other.id).name == "Evening class"
        assert store.cohort_by_join_code(ward.educator_code) is None
        assert store.cohort_by_educator_code(ward.join_code) is None
        assert store.cohort_by_educator_code(other.educator_code).id == other.id
        for bad in ("", " ", "x" * 500, "bad\nname"):
            with pytest.raises(ValueError):
                store.create_cohort(bad)

    def test_a_learner_joins_only_an_existing_cohort(self, make_store):
        store = make_store()
        cohort = store.create_cohort("Ward 5")
        assert store.create_learner("nurse", cohort.id).cohort_id == cohort.id
        with pytest.raises(LookupError):
            store.create_learner("nurse", cohort.id + 1000)
        with pytest.raises(LookupError):
            store.results(cohort.id + 1000)

    def test_results_on_a_known_set_of_answers(self, make_store):
        store, results = _known_cohort(make_store())
        assert [q.question_id for q in results.questions] == ["final-dose", "basics-what", "testing-ihc",
                                                              "final-monitor"]
        stats = {q.question_id: (q.section, q.learners, q.attempts, q.right_first_time, q.right_in_the_end)
                 for q in results.questions}
        assert stats == {"basics-what": ("basics", 3, 3, 1, 2), "testing-ihc": ("testing", 2, 2, 2, 2),
                         "final-dose": ("final-check", 2, 3, 0, 0), "final-monitor": ("final-check", 1, 1, 1, 1)}
        basics = results.questions[1]
        assert (round(basics.first_rate, 3), round(basics.end_rate, 3)) == (0.333, 0.667)

        by_name = {results.learners[i].resume_code: results.learners[i] for i in range(3)}
        assert list(by_name) == sorted(by_name)
        rows = {store.find_learner(code).id: p for code, p in by_name.items()}
        a, b, c = (rows[i] for i in sorted(rows))
        assert (a.sections_visited, a.questions_answered, a.final_right, a.final_answered) == (3, 4, 1, 2)
        assert (b.sections_visited, b.questions_answered, b.final_right, b.final_answered) == (1, 3, 0, 1)
        assert (c.sections_visited, c.questions_answered, c.final_answered) == (0, 1, 0)
        assert (a.final_percent, b.final_percent, c.final_percent) == (50, 0, None)
        with_total = store.results(results.cohort.id, scored=ScoredCheck(FINAL, {"nurse": 4}))
        assert [p.final_percent for p in with_total.learners if p.resume_code == a.resume_code] == [25]

    def test_results_as_csv_tables_with_header_rows(self, make_store, tmp_path):
        _, results = _known_cohort(make_store())
        questions = list(csv.DictReader(io.StringIO(results.questions_csv())))
        assert [q["question"] for q in questions] == [q.question_id for q in results.questions]
        assert questions[1] == {"question": "basics-what", "question_text": "", "section": "basics",
                                "learners_answering": "3", "attempts": "3", "right_first_time": "1",
                                "right_first_time_percent": "33.3", "right_in_the_end": "2",
                                "right_in_the_end_percent": "66.7"}
        named = dataclasses.replace(results, prompts={"basics-what": "=What is HER2?"})
        rows = {row["question"]: row for row in csv.DictReader(io.StringIO(named.questions_csv()))}
        assert rows["basics-what"]["question_text"] == "'=What is HER2?", "named, and never run as a formula"
        learners = list(csv.DictReader(io.StringIO(results.learners_csv())))
        assert [row["learner"] for row in learners] == [p.label for p in results.learners]
        assert not any(p.resume_code in results.learners_csv() for p in results.learners), "codes open records"
        assert {row["questions_answered"] for row in learners} == {"4", "3", "1"}
        assert all(set(row) >= {"learner", "sections_visited", "final_check_percent"} for row in learners)
        assert not any("name" in column for column in learners[0])

        written = results.to_csv(tmp_path / "ward5.csv")
        assert [p.name for p in written] == ["ward5-questions.csv", "ward5-learners.csv"]
        assert written[0].read_bytes() == results.questions_csv().encode("utf-8")
        assert written[1].read_text(encoding="utf-8").splitlines()[0].startswith("learner,track,")

    def test_csv_cells_never_start_a_formula(self, make_store):
        store = make_store()
        cohort = store.create_cohort("Ward")
        learner = store.create_learner("nurse", cohort.id)
        store.record_answer(learner.id, "=HYPERLINK(\"x\")", "check", True, section="@basics")
        row = list(csv.reader(io.StringIO(store.results(cohort.id).questions_csv())))[1]
        assert row[:3] == ["'=HYPERLINK(\"x\")", "", "'@basics"]

    def test_erase_deletes_one_learner_completely(self, make_store):
        store = make_store()
        gone, kept = store.create_learner("patient"), store.create_learner("patient")
        for learner in (gone, kept):
            store.record_answer(learner.id, "q1", "check", False, answer=[1])
            store.record_answer(learner.id, "q1", "check", True, answer=[0])
            store.save_state(learner.id, {"certificate_name": "Sam"})
        assert store.erase(gone.resume_code.lower().replace("-", " "))
        other = make_store()
        assert other.find_learner(gone.resume_code) is None and other.load(gone.id) is None
        assert other.count("answers") == 2 and other.count("learners") == 1
        assert len(other.load(kept.id).answers) == 2
        assert other.erase(gone.resume_code) is False
        assert other.erase("nonsense") is False
        # a page still open for the erased learner cannot write again, and never into someone else's record
        assert store.record_answer(gone.id, "q2", "check", True) is False
        assert store.save_state(gone.id, {"section": "x"}) is False
        newcomer = store.create_learner("patient")
        assert newcomer.id != gone.id
        assert other.count("answers") == 2

    def test_purge_removes_learners_not_seen_for_that_long(self, make_store, clock):
        store = make_store()
        old, recent, returning = (store.create_learner("patient") for _ in range(3))
        for learner in (old, recent, returning):
            store.record_answer(learner.id, "q", "check", True)
        clock.advance(30)
        store.record_answer(recent.id, "q", "check", True)
        clock.advance(10)
        assert store.find_learner(returning.resume_code)  # resuming counts as being seen
        assert store.purge(39) == 1  # old: 40 days; recent: 10 days; returning: just now
        assert store.find_learner(old.resume_code) is None
        assert store.count("answers") == 3  # old's answer went with it
        assert store.purge(39) == 0
        assert store.purge(5) == 1 and store.count("learners") == 1
        assert store.load(returning.id).answers  # untouched
        with pytest.raises(ValueError):
            store.purge(-1)

    def test_logs_hold_no_full_code_and_no_free_text(self, make_store, caplog):
        caplog.set_level(logging.DEBUG, logger="her2lesson")
        store = make_store()
        cohort = store.create_cohort("Ward 5, March")
        learner = store.create_learner("nurse", cohort.id)
        store.record_answer(learner.id, "q", "check", False, answer={"typed": "my husband Tom"})
        store.save_state(learner.id, {"certificate_name": "Ada Lovelace", "questions": ["Is my liver OK?"]})
        store.erase(learner.resume_code)
        store.purge(0)
        text = caplog.text
        assert "learner created" in text and "learner erased" in text
        for secret in (learner.resume_code, codes.normalise(learner.resume_code), cohort.educator_code,
                       codes.normalise(cohort.educator_code), cohort.join_code, "Tom", "Ada", "liver", "Ward 5"):
            assert secret not in text

    @pytest.mark.parametrize("how", ["threads", "processes"])
    def test_thirty_learners_answering_at_once_lose_no_answer(self, make_store, how):
        store = make_store(None)
        cohort = store.create_cohort("Busy class")
        run = _sessions_in_threads if how == "threads" else _sessions_in_processes
        ids = run(make_store, cohort.id)

        assert len(set(ids)) == SESSIONS
        assert store.count("learners") == SESSIONS
        assert store.count("answers") == SESSIONS * ANSWERS_EACH
        for learner_id in ids:
            record = store.load(learner_id)
            assert [a.answer["i"] for a in record.answers] == list(range(ANSWERS_EACH))
            assert len({a.answer["session"] for a in record.answers}) == 1
            assert record.state["session"] == record.answers[0].answer["session"]
        results = store.results(cohort.id)
        assert len(results.learners) == SESSIONS
        assert {p.questions_answered for p in results.learners} == {ANSWERS_EACH}
        assert {q.learners for q in results.questions} == {SESSIONS}
        assert len({p.resume_code for p in results.learners}) == SESSIONS


def _known_cohort(store):
    """Three learners of one cohort with answers worked out by hand, plus learners who must not count."""
    cohort, elsewhere = store.create_cohort("Ward 5, March"), store.create_cohort("Another ward")
    a, b, c = (store.create_learner("nurse", cohort.id) for _ in range(3))
    outsider, loner = store.create_learner("nurse", elsewhere.id), store.create_learner("nurse")
    given = [
        (a, "basics-what", "basics", "check", False), (a, "basics-what", "basics", "check", True),
        (b, "basics-what", "basics", "check", True), (c, "basics-what", "basics", "reveal", None),
        (a, "testing-ihc", "testing", "check", True), (b, "testing-ihc", "testing", "check", True),
        (a, "final-dose", "final-check", "check", False), (b, "final-dose", "final-check", "check", False),
        (b, "final-dose", "final-check", "check", False), (b, "final-dose", "final-check", "reveal", None),
        (a, "final-monitor", "final-check", "check", True),
        (outsider, "basics-what", "basics", "check", False), (loner, "testing-ihc", "testing", "check", False),
    ]
    for learner, question, section, kind, correct in given:
        store.record_answer(learner.id, question, kind, correct, section=section)
    store.save_state(a.id, {"visited": ["welcome", "basics", "testing", "basics"], "certificate_name": "A. Nurse"})
    store.save_state(b.id, {"visited": ["welcome"]})
    return store, store.results(cohort.id, scored=ScoredCheck(FINAL))


# --- SQLite only ------------------------------------------------------------------------------------------------------
def test_sqlite_file_is_in_wal_mode_with_a_busy_timeout(make_store, tmp_path):
    store = make_store()
    assert store.journal_mode() == "wal"
    assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    raw = sqlite3.connect(tmp_path / "var" / "records.sqlite3")
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"  # kept in the file itself
        tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"meta", "learners", "answers", "cohorts"} <= tables
    finally:
        raw.close()


def test_the_records_are_private_to_the_server_user(make_store, tmp_path):
    store = make_store()
    store.create_learner("patient")
    for path in [tmp_path / "var", *(tmp_path / "var").iterdir()]:
        assert path.stat().st_mode & 0o077 == 0, f"{path} is readable by others"


def test_educator_codes_are_not_stored_in_plain(make_store, tmp_path):
    store = make_store()
    cohort = store.create_cohort("Ward 5")
    store.close()
    stored = b"".join(p.read_bytes() for p in (tmp_path / "var").iterdir())
    assert codes.normalise(cohort.educator_code).encode() not in stored
    assert cohort.join_code.encode() in stored


def test_erased_answers_do_not_linger_in_the_file(make_store, tmp_path):
    store = make_store()
    learner = store.create_learner("patient")
    store.save_state(learner.id, {"certificate_name": "Unforgettable Name"})
    store.record_answer(learner.id, "q", "check", True, answer={"typed": "private words"})
    store.erase(learner.resume_code)
    store.close()
    stored = b"".join(p.read_bytes() for p in (tmp_path / "var").iterdir())
    assert b"Unforgettable Name" not in stored and b"private words" not in stored


def _one_line_store_error(data_dir: Path) -> StoreError:
    with pytest.raises(StoreError) as caught:
        open_store(None, data_dir)
    message = str(caught.value)
    assert "\n" not in message and "Fix:" in message
    return caught.value


def test_a_file_that_is_not_a_database_gives_a_clear_message(tmp_path):
    (tmp_path / "records.sqlite3").write_bytes(b"these are not the records you are looking for\n" * 100)
    error = _one_line_store_error(tmp_path)
    assert error.where == str(tmp_path / "records.sqlite3")
    assert "damaged" in error.problem and "rename" in error.fix


def test_a_damaged_database_gives_a_clear_message(tmp_path):
    store = open_store(None, tmp_path)
    store.create_learner("patient")
    store.close()
    path = tmp_path / "records.sqlite3"
    data = bytearray(path.read_bytes())
    data[100:] = b"\xa5" * (len(data) - 100)  # keep the header, ruin every page
    path.write_bytes(bytes(data))
    error = _one_line_store_error(tmp_path)
    assert str(path) in str(error) and "damaged" in error.problem


def test_a_data_folder_that_cannot_be_made_gives_a_clear_message(tmp_path):
    (tmp_path / "a-file").write_text("in the way")
    error = _one_line_store_error(tmp_path / "a-file" / "var")
    assert "a-file" in error.where and "--data-dir" in error.fix


def _as_other_user(work: Callable[[], str]) -> str:
    """Run `work` as a user without write access (root may write anywhere, so a forked child drops to nobody)."""
    if os.geteuid() != 0:
        return work()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: give up root, report in one line, leave without running pytest's teardown
        try:
            os.close(read)
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            result = work()
        except BaseException as error:  # noqa: BLE001
            result = f"unexpected {type(error).__name__}: {error}"
        os.write(write, result.encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        result = pipe.read().decode()
    os.waitpid(pid, 0)
    return result


def test_an_unwritable_data_folder_gives_a_clear_message():
    base = Path(tempfile.mkdtemp(prefix="her2lesson-ro-"))
    try:
        locked = base / "var"
        locked.mkdir()
        base.chmod(0o755)
        locked.chmod(0o555)

        def attempt() -> str:
            try:
                open_store(None, locked).close()
            except StoreError as error:
                return str(error)
            return "opened"

        message = _as_other_user(attempt)
        assert message.startswith(f"{locked}: the data folder is not writable"), message
        assert "\n" not in message and "HER2LESSON_DATA_DIR" in message
    finally:
        shutil.rmtree(base, ignore_errors=True)


# --- where the records are ------------------------------------------------------------------------------------------
def test_where_the_records_are_explicit_first_then_environment_then_content(monkeypatch, tmp_path):
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    monkeypatch.setenv("HER2LESSON_CONTENT_DIR", str(tmp_path / "content"))
    assert locate() == (tmp_path / "content" / "var" / "records.sqlite3").resolve()
    assert locate(content_root=tmp_path / "c2") == tmp_path / "c2" / "var" / "records.sqlite3"
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "env-dir"))
    assert locate() == tmp_path / "env-dir" / "records.sqlite3"
    monkeypatch.setenv(DATABASE_URL_ENV, "postgresql://h2l@db.internal/records")
    assert locate() == "postgresql://h2l@db.internal/records"
    assert locate(data_dir=tmp_path / "flag") == tmp_path / "flag" / "records.sqlite3"
    assert locate("postgresql://other/x", tmp_path / "flag") == "postgresql://other/x"
    assert store_env("postgresql://h/x", tmp_path) == {DATABASE_URL_ENV: "postgresql://h/x",
                                                       DATA_DIR_ENV: str(tmp_path.resolve())}


def test_the_default_store_is_sqlite_under_var_in_the_content_folder(monkeypatch, tmp_path):
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    monkeypatch.setenv("HER2LESSON_CONTENT_DIR", str(tmp_path))
    open_store(None, None).close()
    assert (tmp_path / "var" / "records.sqlite3").is_file()


def test_an_unknown_database_url_is_refused_clearly():
    with pytest.raises(StoreError, match="'mysql' is not a database"):
        open_store("mysql://root:pw@localhost/db", None)


# --- the commands ---------------------------------------------------------------------------------------------------
def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cohort_create_prints_the_name_link_and_educator_code(capsys, tmp_path):
    code, out, err = run_cli(capsys, "cohort", "create", "Ward 5, March", "--data-dir", str(tmp_path))
    assert code == 0 and not err
    link = re.search(r"http://127\.0\.0\.1:8866/\?cohort=(\w+)", out)
    educator = re.search(r"Educator code: ([\w-]+)", out)
    assert "Ward 5, March" in out and link and educator
    with open_store(None, tmp_path) as store:
        by_join = store.cohort_by_join_code(link.group(1))
        assert by_join.name == "Ward 5, March"
        assert store.cohort_by_educator_code(educator.group(1)).id == by_join.id

    code, out, _ = run_cli(capsys, "cohort", "create", "Night", "--host", "ward.example.org", "--port", "9000",
                           "--data-dir", str(tmp_path))
    assert code == 0 and re.search(r"http://ward\.example\.org:9000/\?cohort=\w{10}\b", out)


def test_results_prints_both_tables_and_writes_csv(capsys, tmp_path, content):
    from her2lesson.quiz.section import scored_items

    real = content.banks["basics"].questions[0]  # a question of the content: the results name it by its words
    with open_store(None, tmp_path) as store:
        _, results = _known_cohort(store)
        spare = store.create_cohort("spare")
        store.record_answer(store.find_learner(results.learners[0].resume_code).id, real.id, "check", True,
                            section="basics")
    cohort_id = results.cohort.id

    code, out, err = run_cli(capsys, "results", str(cohort_id), "--data-dir", str(tmp_path),
                             "--csv", str(tmp_path / "ward.csv"))
    assert code == 0 and not err
    lines = out.splitlines()
    assert lines[0] == "Cohort: Ward 5, March (id %d), 3 learner(s)" % cohort_id
    order = [q.question_id for q in results.questions]
    positions = [next(i for i, line in enumerate(lines) if line.startswith(q)) for q in order]
    assert positions == sorted(positions)  # most missed first
    basics = next(line for line in lines if line.startswith("basics-what"))
    assert "33% (1/3)" in basics and "67% (2/3)" in basics
    final_total = scored_items(content.banks["final-check"], "nurse")  # case parts count one each
    assert f"/{final_total})" in out  # the score is out of the whole final check, read from the content
    for progress in results.learners:
        assert progress.label in out and progress.resume_code not in out  # a code opens a record: never shown
    assert "A. Nurse" not in out
    assert real.prompt[:40] in next(line for line in lines if line.startswith(real.id))
    questions = {row["question"]: row for row in csv.DictReader(io.StringIO(
        (tmp_path / "ward-questions.csv").read_text(encoding="utf-8")))}
    assert questions[real.id]["question_text"] == real.prompt and questions[real.id]["section"] == "basics"
    assert questions["basics-what"]["question_text"] == "", "a question no longer in the content keeps its id"
    assert (tmp_path / "ward-learners.csv").read_text().startswith("learner,track,")

    code, out, _ = run_cli(capsys, "results", spare.educator_code.lower(), "--data-dir", str(tmp_path))
    assert code == 0 and "Cohort: spare" in out and "(no learners have joined yet)" in out


def test_results_for_an_unknown_cohort_says_so_and_exits_1(capsys, tmp_path):
    for unknown in ("999", "ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ", "not-a-code"):
        code, out, err = run_cli(capsys, "results", unknown, "--data-dir", str(tmp_path))
        assert code == 1 and not out
        assert err.startswith("No cohort has the educator code or id") and "Traceback" not in err


def test_erase_and_purge_commands(capsys, tmp_path):
    past = Clock(1_000_000_000.0)  # long ago
    with open_store(None, tmp_path, clock=past) as store:
        old = [store.create_learner("patient") for _ in range(2)]
        store.record_answer(old[0].id, "q", "check", True)
    with open_store(None, tmp_path) as store:
        fresh = store.create_learner("patient")

    code, out, _ = run_cli(capsys, "erase", fresh.resume_code.lower(), "--data-dir", str(tmp_path))
    assert code == 0 and "Erased" in out and fresh.resume_code not in out
    code, out, err = run_cli(capsys, "erase", fresh.resume_code, "--data-dir", str(tmp_path))
    assert code == 1 and "No learner has that resume code" in err

    code, out, _ = run_cli(capsys, "purge", "--older-than", "30", "--data-dir", str(tmp_path))
    assert code == 0 and out.startswith("Removed 2 learner record(s)")
    with open_store(None, tmp_path) as store:
        assert store.count("learners") == 0 and store.count("answers") == 0
    with pytest.raises(SystemExit) as refused:
        cli.main(["purge", "--older-than", "0", "--data-dir", str(tmp_path)])
    assert refused.value.code == 2


def test_a_damaged_records_file_stops_a_command_with_one_line(tmp_path):
    (tmp_path / "records.sqlite3").write_bytes(b"\x00garbage" * 512)
    done = subprocess.run([sys.executable, "-m", "her2lesson", "results", "1", "--data-dir", str(tmp_path)],
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 1 and not done.stdout
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert done.stderr.startswith(str(tmp_path / "records.sqlite3")) and "Traceback" not in done.stderr


def test_a_removed_records_file_is_reported_and_never_silently_replaced(tmp_path):
    folder = tmp_path / "var"
    store = open_store(data_dir=folder)
    learner = store.create_learner("patient")
    path = Path(store.location)
    aside = path.with_name("aside.sqlite")
    path.rename(aside)  # as if someone removed the data folder's file while the server ran
    with pytest.raises(StoreError, match="removed or replaced"):
        store.record_answer(learner.id, "q", "check", True)
    with pytest.raises(StoreError, match="missing"):
        open_store(data_dir=folder, create=False)  # a learner's kernel does not start an empty one
    aside.rename(path)  # put back: the same file, and writing goes on
    assert store.record_answer(learner.id, "q", "check", True)
    assert len(store.load(learner.id).answers) == 1


def test_a_hub_user_is_erased_by_user_name(capsys, tmp_path, monkeypatch):
    """A learner who signs in through JupyterHub never sees a resume code: `erase --hub-user NAME` finds them by the
    same one-way key the server uses, and erases only them."""
    from her2lesson import identity

    monkeypatch.delenv(identity.SECRET_ENV, raising=False)
    with open_store(None, tmp_path) as store:
        secret = store.identity_secret()  # what the server uses when the site sets no secret
        ana = store.external_learner(identity.learner_key("hub", "ana", secret), "hub", "nurse")
        store.record_answer(ana.id, "q", "check", True)
        ben = store.external_learner(identity.learner_key("hub", "ben", secret), "hub", "nurse")
    code, out, _ = run_cli(capsys, "erase", "--hub-user", "ana", "--data-dir", str(tmp_path))
    assert code == 0 and "Erased" in out and "ana" not in out
    with open_store(None, tmp_path) as store:
        assert store.count("learners") == 1 and store.count("answers") == 0 and store.load(ben.id) is not None
    code, _, err = run_cli(capsys, "erase", "--hub-user", "ana", "--data-dir", str(tmp_path))
    assert code == 1 and "nothing was erased" in err
    code, _, err = run_cli(capsys, "erase", "--data-dir", str(tmp_path))
    assert code == 1 and "--hub-user" in err
