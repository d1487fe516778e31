"""The records kept in SQL, written once for both backends: the queries and the rules around them.

Schema versions: 1 learners, answers, cohorts; 2 adds `certificates` (an ID per certificate issued, for checking it
later); 3 adds `external_learners` (a learner that JupyterHub or a learning platform identified, by a one-way
key); 4 adds `lti_contexts` (a learning platform's course as a cohort) and `lti_grades` (where a launched learner's
final-check score goes, and what was sent).
Every CREATE is idempotent, so opening an older database adds what is missing and then records the new version, in
one transaction; a database written by a newer version is refused rather than misread.

A backend (sqlite.py, postgres.py) supplies the connection, the schema's column types, how a transaction is run
and retried, and how its errors read. Queries use `?` placeholders; the PostgreSQL backend translates them.
"""
from __future__ import annotations

import json
import logging
import math
import secrets
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol, TypeVar

from ..identity import KEY as EXTERNAL_KEY
from ..quiz.ledger import ScoredCheck
from . import codes
from .certificates import canonical_id, grouped_id, name_digest
from .errors import StoreError
from .models import ANSWER_KINDS, AnswerEvent, Cohort, IssuedCertificate, Learner, LearnerRecord
from .results import CohortResults, EventRow, LearnerRow, summarise

log = logging.getLogger("her2lesson.records")
T = TypeVar("T")

SCHEMA_VERSION = 4

# The one schema both backends create, with the column types where the two SQL dialects differ named in braces:
# {id} a key that is never reused (an erased learner's id is never given to someone else, so a page still holding
# it cannot write into another person's record), {ref} a column holding such a key, {real} a float, {bool} a flag.
SCHEMA_TEMPLATE = [
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS cohorts (
        id {id},
        name TEXT NOT NULL,
        join_code TEXT NOT NULL UNIQUE,
        educator_hash TEXT NOT NULL UNIQUE,
        created_at {real} NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS learners (
        id {id},
        resume_code TEXT NOT NULL UNIQUE,
        track TEXT NOT NULL,
        cohort_id {ref} REFERENCES cohorts (id) ON DELETE SET NULL,
        state TEXT NOT NULL,
        created_at {real} NOT NULL,
        last_seen {real} NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS learners_cohort ON learners (cohort_id)",
    "CREATE INDEX IF NOT EXISTS learners_last_seen ON learners (last_seen)",
    """CREATE TABLE IF NOT EXISTS answers (
        id {id},
        learner_id {ref} NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
        section TEXT NOT NULL,
        question_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('check', 'reveal')),
        correct {bool},
        answer TEXT,
        at {real} NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS answers_learner ON answers (learner_id, id)",
    # Version 2. Not tied to a learner: erasing a learner's answers leaves the certificates they were given valid.
    """CREATE TABLE IF NOT EXISTS certificates (
        id {id},
        code TEXT NOT NULL UNIQUE,
        issued_on TEXT NOT NULL,
        score INTEGER NOT NULL,
        pass_mark INTEGER NOT NULL,
        provider TEXT NOT NULL,
        contact_hours {real} NOT NULL,
        name_hash TEXT NOT NULL,
        created_at {real} NOT NULL)""",
    # Version 3. A learner someone else identified (identity.py): found by its key, no resume code typed. The key is
    # one-way (an HMAC), so no user name is stored; the binding goes with its learner when they are erased or purged.
    """CREATE TABLE IF NOT EXISTS external_learners (
        key TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        learner_id {ref} NOT NULL UNIQUE REFERENCES learners (id) ON DELETE CASCADE,
        created_at {real} NOT NULL)""",
    # Version 4. LTI (her2lesson/lti/): a platform's course (issuer + context id) is one cohort, made on its first
    # launch. A launched learner's grade line (Assignment and Grade Services): the line item, and the platform's `sub`
    # for that learner, which a score must name (an opaque id, never a name or an e-mail); the last score, its status
    # ('waiting' for a score, 'sent', 'failed'), tries and the platform's answer, for the educator's view.
    """CREATE TABLE IF NOT EXISTS lti_contexts (
        issuer TEXT NOT NULL,
        context_id TEXT NOT NULL,
        cohort_id {ref} NOT NULL UNIQUE REFERENCES cohorts (id) ON DELETE CASCADE,
        created_at {real} NOT NULL,
        PRIMARY KEY (issuer, context_id))""",
    """CREATE TABLE IF NOT EXISTS lti_grades (
        learner_id {ref} NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
        lineitem TEXT NOT NULL,
        issuer TEXT NOT NULL,
        client_id TEXT NOT NULL,
        subject TEXT NOT NULL,
        score INTEGER,
        status TEXT NOT NULL,
        tries INTEGER NOT NULL,
        detail TEXT NOT NULL,
        updated_at {real} NOT NULL,
        PRIMARY KEY (learner_id, lineitem))""",
]


def schema(types: dict[str, str]) -> list[str]:
    """The CREATE statements in one dialect, given its column types for {id}, {ref}, {real} and {bool}."""
    return [statement.format(**types) for statement in SCHEMA_TEMPLATE]
MAX_STATE_BYTES = 64 * 1024  # a learner's state is a few KB; the bound keeps one page from filling the disk
MAX_ANSWER_BYTES = 4 * 1024
MAX_ID = 200
MAX_TRACK = 40
MAX_COHORT_NAME = 120
MAX_PROVIDER = 200
TABLES = ("learners", "answers", "cohorts", "certificates", "external_learners", "lti_contexts", "lti_grades")
GRADE_STATUSES = ("waiting", "sent", "failed")
MAX_LTI_TEXT = 2000  # an issuer, a context id, a line item's address, a subject


@dataclass(frozen=True)
class LtiGrade:
    """A launched learner's grade line on a learning platform, and what was last sent to it."""

    learner_id: int
    lineitem: str
    issuer: str
    client_id: str
    subject: str
    """The platform's opaque id for the learner (the `sub` a score names); never a name or an e-mail."""
    score: int | None
    status: str
    tries: int
    detail: str
    updated_at: float
    label: str = ""
    """The learner as the educator's results show them (the first letters of the resume code)."""
CODE_TRIES = 8  # a new random code colliding even once is very unlikely; eight in a row means something is wrong


class Cursor(Protocol):
    """What the shared queries use of a DB-API cursor (sqlite3's, or psycopg's taking `?` placeholders)."""

    @property
    def rowcount(self) -> int: ...

    def execute(self, sql: str, params: tuple[Any, ...] = ..., /) -> Any: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...


def _dumps(value: Any, limit: int, what: str) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    if len(text.encode()) > limit:
        raise ValueError(f"{what} is {len(text.encode())} bytes as JSON, more than the {limit} allowed")
    return text


def _bounded(text: str, limit: int, what: str) -> str:
    if not isinstance(text, str) or not text.strip() or len(text) > limit:
        raise ValueError(f"{what} must be non-empty text of at most {limit} characters")
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise ValueError(f"{what} must not hold control characters")
    return text.strip()


class SqlStore(ABC):
    """The learner-records store (see store.Store for the interface), over any DB-API connection."""

    location: str
    """Where the records are, for messages (a file path, or user@host:port/db without a password)."""

    def __init__(self, clock: Callable[[], float]):
        self.clock = clock

    # --- what a backend supplies -----------------------------------------------------------------------------------
    @abstractmethod
    def _schema(self) -> list[str]:
        """CREATE statements, each idempotent (IF NOT EXISTS)."""

    @abstractmethod
    def _run(self, work: Callable[[Cursor], T], write: bool = True) -> T:
        """Run `work` in one transaction, committed before returning; retry what the backend knows is safe to retry."""

    @abstractmethod
    def _insert_id(self, cur: Cursor, sql: str, params: tuple[Any, ...]) -> int:
        """Run an INSERT and return the new row's id."""

    @abstractmethod
    def _is_duplicate(self, error: Exception) -> bool:
        """Whether `error` is a unique-constraint violation (a new random code met an old one)."""

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> "SqlStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- schema ----------------------------------------------------------------------------------------------------
    def _create_schema(self, lock: str | None = None) -> None:
        def work(cur: Cursor) -> None:
            if lock:
                cur.execute(lock)
            for statement in self._schema():
                cur.execute(statement)
            cur.execute("SELECT value FROM meta WHERE key = 'schema_version'")
            row = cur.fetchone()
            if row is None:
                cur.execute("INSERT INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            elif int(row[0]) > SCHEMA_VERSION:
                raise StoreError(self.location, f"the records were written by a newer her2lesson (schema version "
                                 f"{row[0]}, this one knows {SCHEMA_VERSION})", "upgrade her2lesson on this server")
            elif int(row[0]) < SCHEMA_VERSION:  # the CREATEs above added the new tables; nothing old changes
                cur.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))
                log.info("records: schema upgraded from version %s to %s", row[0], SCHEMA_VERSION)
        self._run(work)

    def schema_version(self) -> int:
        def work(cur: Cursor) -> int:
            cur.execute("SELECT value FROM meta WHERE key = 'schema_version'")
            return int(cur.fetchone()[0])
        return self._run(work, write=False)

    # --- learners --------------------------------------------------------------------------------------------------
    def _insert_learner(self, cur: Cursor, track: str, cohort_id: int | None, now: float) -> Learner:
        """A new learner row with a fresh resume code, in a class that must exist (one way, for every kind)."""
        if cohort_id is not None:
            cur.execute("SELECT 1 FROM cohorts WHERE id = ?", (cohort_id,))
            if cur.fetchone() is None:
                raise LookupError(f"no cohort with id {cohort_id}")
        code = codes.new_resume_code()
        new_id = self._insert_id(cur, "INSERT INTO learners (resume_code, track, cohort_id, state, created_at, "
                                      "last_seen) VALUES (?, ?, ?, '{}', ?, ?)", (code, track, cohort_id, now, now))
        return Learner(new_id, codes.grouped(code), track, cohort_id, now, now)

    def create_learner(self, track: str, cohort_id: int | None = None) -> Learner:
        track = _bounded(track, MAX_TRACK, "track")
        now = self.clock()

        def work(cur: Cursor) -> Learner:
            return self._insert_learner(cur, track, cohort_id, now)

        learner = self._with_new_code(work)
        log.info("learner created: %s, track %s", codes.short(learner.resume_code), track)
        return learner

    def _with_new_code(self, work: Callable[[Cursor], T]) -> T:
        for _ in range(CODE_TRIES - 1):
            try:
                return self._run(work)
            except Exception as error:  # noqa: BLE001 - only a duplicate code is retried; the rest is re-raised
                if not self._is_duplicate(error):
                    raise
        return self._run(work)

    def _learner(self, row: Any) -> Learner:
        return Learner(int(row[0]), codes.grouped(row[1]), row[2], None if row[3] is None else int(row[3]),
                       float(row[4]), float(row[5]))

    def find_learner(self, code: str) -> Learner | None:
        """The learner with this resume code (case, spaces and dashes ignored); resuming counts as being seen."""
        canonical = codes.normalise(code)
        if not codes.is_canonical(canonical, codes.RESUME_LENGTH):
            return None
        now = self.clock()

        def work(cur: Cursor) -> Learner | None:
            cur.execute("UPDATE learners SET last_seen = ? WHERE resume_code = ?", (now, canonical))
            cur.execute("SELECT id, resume_code, track, cohort_id, created_at, last_seen FROM learners "
                        "WHERE resume_code = ?", (canonical,))
            row = cur.fetchone()
            return None if row is None else self._learner(row)
        return self._run(work)

    # --- learners someone else identified (identity.py) -----------------------------------------------------------
    def find_external_learner(self, key: str, cohort_id: int | None = None) -> Learner | None:
        """The learner bound to this one-way key (JupyterHub, an LTI launch); being found counts as being seen.

        With `cohort_id` (the page came by a class's link), a learner in no class yet is counted in that class from
        now on; one already in a class stays there (one record per person)."""
        if not isinstance(key, str) or not EXTERNAL_KEY.fullmatch(key):
            return None
        now = self.clock()

        def work(cur: Cursor) -> Learner | None:
            return self._external_by_key(cur, key, now, cohort_id)
        return self._run(work)

    def _external_by_key(self, cur: Cursor, key: str, now: float, cohort_id: int | None) -> Learner | None:
        cur.execute("UPDATE learners SET last_seen = ?, cohort_id = COALESCE(cohort_id, ?) WHERE id = "
                    "(SELECT learner_id FROM external_learners WHERE key = ?)", (now, cohort_id, key))
        cur.execute("SELECT l.id, l.resume_code, l.track, l.cohort_id, l.created_at, l.last_seen FROM learners l "
                    "JOIN external_learners e ON e.learner_id = l.id WHERE e.key = ?", (key,))
        row = cur.fetchone()
        return None if row is None else self._learner(row)

    def external_learner(self, key: str, source: str, track: str, cohort_id: int | None = None) -> Learner:
        """The learner bound to this key (see find_external_learner), made now if there is none, with a resume code
        they are never shown.

        Two pages of one person making it at once get the same learner: the key is unique, so the second insert
        fails and that page finds the first one's learner.
        """
        if not isinstance(key, str) or not EXTERNAL_KEY.fullmatch(key):
            raise ValueError("the key must be 64 lower-case hex digits")
        source = _bounded(source, MAX_TRACK, "source")
        track = _bounded(track, MAX_TRACK, "track")
        now = self.clock()

        def work(cur: Cursor) -> tuple[Learner, bool]:
            found = self._external_by_key(cur, key, now, cohort_id)
            if found is not None:
                return found, False
            learner = self._insert_learner(cur, track, cohort_id, now)
            cur.execute("INSERT INTO external_learners (key, source, learner_id, created_at) VALUES (?, ?, ?, ?)",
                        (key, source, learner.id, now))
            return learner, True

        learner, created = self._with_new_code(work)  # a duplicate key or code: tried again, then the key is found
        if created:
            log.info("learner created for a %s identity: %s, track %s", source, codes.short(learner.resume_code),
                     track)
        return learner

    def identity_secret(self) -> bytes:
        """The secret behind the learners' one-way keys when the site sets none (identity.SECRET_ENV): made once,
        at random, and kept with the records, so every server sharing them derives the same keys."""
        def work(cur: Cursor) -> str:
            cur.execute("SELECT value FROM meta WHERE key = 'identity_secret'")
            row = cur.fetchone()
            if row is not None:
                return str(row[0])
            cur.execute("INSERT INTO meta (key, value) VALUES ('identity_secret', ?)", (secrets.token_hex(32),))
            cur.execute("SELECT value FROM meta WHERE key = 'identity_secret'")
            return str(cur.fetchone()[0])
        return self._with_new_code(work).encode()  # two servers at once: the second insert fails, then reads

    def load_state(self, learner_id: int) -> dict[str, Any] | None:
        """The learner's saved state alone (no answers): what a save merges with. None if there is no such learner."""
        def work(cur: Cursor) -> dict[str, Any] | None:
            cur.execute("SELECT state FROM learners WHERE id = ?", (learner_id,))
            row = cur.fetchone()
            return None if row is None else json.loads(row[0])
        return self._run(work, write=False)

    def save_state(self, learner_id: int, state: dict[str, Any]) -> bool:
        """Replace the learner's saved state. False if the learner no longer exists (erased or purged)."""
        if not isinstance(state, dict):
            raise TypeError("state must be a dict (a JSON object)")
        text = _dumps(state, MAX_STATE_BYTES, "the learner's state")
        track = state.get("track")
        track = track if isinstance(track, str) and 0 < len(track) <= MAX_TRACK else None
        now = self.clock()

        def work(cur: Cursor) -> bool:
            cur.execute("UPDATE learners SET state = ?, last_seen = ?, track = COALESCE(?, track) WHERE id = ?",
                        (text, now, track, learner_id))
            return cur.rowcount == 1
        return self._run(work)

    def record_answer(self, learner_id: int, question_id: str, kind: str, correct: bool | None = None, *,
                      section: str = "", answer: Any = None) -> bool:
        """Append one answer event (a Check or a Show answer), committed before this returns.

        False if the learner no longer exists (erased or purged): the dashboard should stop saving, not fail.
        """
        if kind not in ANSWER_KINDS:
            raise ValueError(f"kind must be one of {ANSWER_KINDS}, not {kind!r}")
        if kind == "check" and not isinstance(correct, bool):
            raise ValueError("a check needs correct=True or False")
        question_id = _bounded(question_id, MAX_ID, "question id")
        section = section.strip()[:MAX_ID] if isinstance(section, str) else ""
        answer_text = None if answer is None else _dumps(answer, MAX_ANSWER_BYTES, "the answer")
        right = correct if kind == "check" else None
        now = self.clock()

        def work(cur: Cursor) -> bool:
            cur.execute("UPDATE learners SET last_seen = ? WHERE id = ?", (now, learner_id))
            if cur.rowcount != 1:
                return False
            cur.execute("INSERT INTO answers (learner_id, section, question_id, kind, correct, answer, at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (learner_id, section, question_id, kind, right, answer_text, now))
            return True
        return self._run(work)

    def load(self, learner_id: int) -> LearnerRecord | None:
        """The learner, their state and all their answer events in the order given; None if there is no such learner."""
        def work(cur: Cursor) -> LearnerRecord | None:
            cur.execute("SELECT id, resume_code, track, cohort_id, created_at, last_seen, state FROM learners "
                        "WHERE id = ?", (learner_id,))
            row = cur.fetchone()
            if row is None:
                return None
            cur.execute("SELECT question_id, kind, correct, section, answer, at FROM answers WHERE learner_id = ? "
                        "ORDER BY id", (learner_id,))
            events = [AnswerEvent(q, k, None if c is None else bool(c), s, None if a is None else json.loads(a),
                                  float(at)) for q, k, c, s, a, at in cur.fetchall()]
            return LearnerRecord(self._learner(row), json.loads(row[6]), events)
        return self._run(work, write=False)

    # --- cohorts ---------------------------------------------------------------------------------------------------
    def create_cohort(self, name: str) -> Cohort:
        name = _bounded(name, MAX_COHORT_NAME, "cohort name")
        now = self.clock()

        def work(cur: Cursor) -> Cohort:
            join, educator = codes.new_join_code(), codes.new_educator_code()
            new_id = self._insert_id(cur, "INSERT INTO cohorts (name, join_code, educator_hash, created_at) "
                                          "VALUES (?, ?, ?, ?)", (name, join, codes.educator_digest(educator), now))
            return Cohort(new_id, name, join, codes.grouped(educator, 4))

        cohort = self._with_new_code(work)
        log.info("cohort created: id %s", cohort.id)
        return cohort

    def _cohort_where(self, where: str, value: Any) -> Cohort | None:
        def work(cur: Cursor) -> Cohort | None:
            cur.execute(f"SELECT id, name, join_code FROM cohorts WHERE {where} = ?", (value,))
            row = cur.fetchone()
            return None if row is None else Cohort(int(row[0]), row[1], row[2])
        return self._run(work, write=False)

    def cohort(self, cohort_id: int) -> Cohort | None:
        return self._cohort_where("id", int(cohort_id))

    def cohort_by_join_code(self, code: str) -> Cohort | None:
        canonical = codes.normalise(code)
        if not codes.is_canonical(canonical, codes.JOIN_LENGTH):
            return None
        return self._cohort_where("join_code", canonical)

    def cohort_by_educator_code(self, code: str) -> Cohort | None:
        canonical = codes.normalise(code)
        if not codes.is_canonical(canonical, codes.EDUCATOR_LENGTH):
            return None
        found = self._cohort_where("educator_hash", codes.educator_digest(canonical))
        if found is None:
            return None
        return Cohort(found.id, found.name, found.join_code, codes.grouped(canonical, 4))

    def results(self, cohort_id: int, *, scored: ScoredCheck | None = None, lang: str | None = None) -> CohortResults:
        """Per question (most missed first) and per learner (by resume code only) results of one cohort."""
        cohort = self.cohort(cohort_id)
        if cohort is None:
            raise LookupError(f"no cohort with id {cohort_id}")

        def work(cur: Cursor) -> tuple[list[LearnerRow], list[EventRow]]:
            cur.execute("SELECT id, resume_code, track, state, last_seen FROM learners WHERE cohort_id = ?",
                        (cohort.id,))
            learners = [LearnerRow(int(i), c, t, s, float(ls)) for i, c, t, s, ls in cur.fetchall()]
            cur.execute("SELECT a.learner_id, a.section, a.question_id, a.kind, a.correct, a.at FROM answers a "
                        "JOIN learners l ON l.id = a.learner_id WHERE l.cohort_id = ? ORDER BY a.id", (cohort.id,))
            events = [EventRow(int(i), s, q, k, None if c is None else bool(c), float(at))
                      for i, s, q, k, c, at in cur.fetchall()]
            return learners, events

        learners, events = self._run(work, write=False)
        return summarise(cohort, learners, events, scored, lang)

    # --- a learning platform's courses and grade lines (her2lesson/lti/) --------------------------------------------
    def lti_cohort(self, issuer: str, context_id: str, name: str) -> Cohort:
        """The cohort of a platform's course, made (named `name`) on its first launch; the same one every time after.
        Two first launches at once: the second insert fails on the key, and that launch finds the first one's."""
        issuer = _bounded(issuer, MAX_LTI_TEXT, "issuer")
        context_id = _bounded(context_id, MAX_LTI_TEXT, "context id")
        name = _bounded(name, MAX_COHORT_NAME, "cohort name")
        now = self.clock()

        def work(cur: Cursor) -> Cohort:
            cur.execute("SELECT c.id, c.name, c.join_code FROM cohorts c JOIN lti_contexts x ON x.cohort_id = c.id "
                        "WHERE x.issuer = ? AND x.context_id = ?", (issuer, context_id))
            row = cur.fetchone()
            if row is not None:
                return Cohort(int(row[0]), row[1], row[2])
            join, educator = codes.new_join_code(), codes.new_educator_code()
            new_id = self._insert_id(cur, "INSERT INTO cohorts (name, join_code, educator_hash, created_at) "
                                          "VALUES (?, ?, ?, ?)", (name, join, codes.educator_digest(educator), now))
            cur.execute("INSERT INTO lti_contexts (issuer, context_id, cohort_id, created_at) VALUES (?, ?, ?, ?)",
                        (issuer, context_id, new_id, now))
            log.info("cohort created for a learning platform's course: id %s", new_id)
            return Cohort(new_id, name, join)
        return self._with_new_code(work)

    def lti_grade_link(self, learner_id: int, lineitem: str, issuer: str, client_id: str, subject: str) -> None:
        """Remember (or refresh) where this learner's score goes; a score already recorded is kept."""
        values = [_bounded(v, MAX_LTI_TEXT, what) for v, what in ((lineitem, "line item"), (issuer, "issuer"),
                                                                  (client_id, "client id"), (subject, "subject"))]
        now = self.clock()

        def work(cur: Cursor) -> None:
            cur.execute("UPDATE lti_grades SET issuer = ?, client_id = ?, subject = ? WHERE learner_id = ? AND "
                        "lineitem = ?", (values[1], values[2], values[3], learner_id, values[0]))
            if cur.rowcount == 0:
                cur.execute("INSERT INTO lti_grades (learner_id, lineitem, issuer, client_id, subject, score, status, "
                            "tries, detail, updated_at) VALUES (?, ?, ?, ?, ?, NULL, 'waiting', 0, '', ?)",
                            (learner_id, values[0], values[1], values[2], values[3], now))
        self._with_new_code(work)  # two launches at once: the second insert fails on the key, then updates

    def lti_grade_result(self, learner_id: int, lineitem: str, score: int, status: str, tries: int,
                         detail: str) -> bool:
        """Record a score sent (or being sent, or failed) to one grade line; False if there is no such line."""
        if status not in GRADE_STATUSES:
            raise ValueError(f"status must be one of {GRADE_STATUSES}")
        if not (isinstance(score, int) and 0 <= score <= 100):
            raise ValueError("score must be a whole percent, 0-100")
        now = self.clock()

        def work(cur: Cursor) -> bool:
            cur.execute("UPDATE lti_grades SET score = ?, status = ?, tries = ?, detail = ?, updated_at = ? "
                        "WHERE learner_id = ? AND lineitem = ?",
                        (score, status, int(tries), str(detail)[:500], now, learner_id, lineitem))
            return cur.rowcount == 1
        return self._run(work)

    def lti_grades(self, *, learner_id: int | None = None, cohort_id: int | None = None) -> list[LtiGrade]:
        """One learner's grade lines, or a cohort's (for the educator), oldest change first."""
        if (learner_id is None) == (cohort_id is None):
            raise ValueError("give learner_id or cohort_id")
        where, value = ("g.learner_id", learner_id) if learner_id is not None else ("l.cohort_id", cohort_id)

        def work(cur: Cursor) -> list[LtiGrade]:
            cur.execute("SELECT g.learner_id, g.lineitem, g.issuer, g.client_id, g.subject, g.score, g.status, "
                        "g.tries, g.detail, g.updated_at, l.resume_code FROM lti_grades g JOIN learners l ON "
                        f"l.id = g.learner_id WHERE {where} = ? ORDER BY g.updated_at, g.learner_id", (value,))
            return [LtiGrade(int(r[0]), r[1], r[2], r[3], r[4], None if r[5] is None else int(r[5]), r[6], int(r[7]),
                             r[8], float(r[9]), codes.short(codes.grouped(r[10]))) for r in cur.fetchall()]
        return self._run(work, write=False)

    # --- certificates ----------------------------------------------------------------------------------------------
    def issue_certificate(self, *, score: int, pass_mark: int, provider: str, contact_hours: float, issued: date,
                          name: str) -> IssuedCertificate:
        """Record a certificate and give it a new random ID. The name is kept only as a salted hash.

        Certificates stand apart from learners (no learner id): erasing or purging a learner's answers must not
        make the certificate they were given fail its check.
        """
        if not (isinstance(score, int) and 0 <= score <= 100 and isinstance(pass_mark, int) and 0 < pass_mark <= 100):
            raise ValueError("score must be 0-100 and pass_mark 1-100 (whole percents)")
        if not isinstance(issued, date):
            raise TypeError("issued must be a date")
        provider = _bounded(provider, MAX_PROVIDER, "provider")
        hours = float(contact_hours)
        if not math.isfinite(hours) or hours < 0:
            raise ValueError("contact_hours must be a number, 0 or more")
        digest = name_digest(name)  # slow on purpose: done before the transaction, not while holding the lock
        now = self.clock()

        def work(cur: Cursor) -> IssuedCertificate:
            code = codes.new_certificate_code()
            self._insert_id(cur, "INSERT INTO certificates (code, issued_on, score, pass_mark, provider, "
                                 "contact_hours, name_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            (code, issued.isoformat(), score, pass_mark, provider, hours, digest, now))
            return IssuedCertificate(grouped_id(code), issued, score, pass_mark, provider, hours, digest)

        certificate = self._with_new_code(work)
        log.info("certificate issued: %s", codes.short(certificate.id))
        return certificate

    def certificate(self, code: str) -> IssuedCertificate | None:
        """The certificate with this ID (case, spaces and dashes ignored), or None."""
        canonical = canonical_id(code)
        if canonical is None:
            return None

        def work(cur: Cursor) -> IssuedCertificate | None:
            cur.execute("SELECT issued_on, score, pass_mark, provider, contact_hours, name_hash FROM certificates "
                        "WHERE code = ?", (canonical,))
            row = cur.fetchone()
            if row is None:
                return None
            return IssuedCertificate(grouped_id(canonical), date.fromisoformat(row[0]), int(row[1]), int(row[2]),
                                     row[3], float(row[4]), row[5])
        return self._run(work, write=False)

    # --- privacy ---------------------------------------------------------------------------------------------------
    def erase(self, code: str) -> bool:
        """Delete one learner's record completely, answers too. False if no learner has this code."""
        canonical = codes.normalise(code)
        if not codes.is_canonical(canonical, codes.RESUME_LENGTH):
            return False

        def work(cur: Cursor) -> bool:
            cur.execute("DELETE FROM answers WHERE learner_id IN (SELECT id FROM learners WHERE resume_code = ?)",
                        (canonical,))
            cur.execute("DELETE FROM learners WHERE resume_code = ?", (canonical,))
            return cur.rowcount == 1
        erased = self._run(work)
        if erased:
            log.info("learner erased: %s", codes.short(canonical))
            self._after_delete()
        return erased

    def purge(self, older_than_days: float) -> int:
        """Remove every learner not seen for `older_than_days` days (answers too); return how many."""
        if not isinstance(older_than_days, (int, float)) or math.isnan(older_than_days) or older_than_days < 0:
            raise ValueError("older_than_days must be a number of days, 0 or more")
        cutoff = self.clock() - older_than_days * 86400

        def work(cur: Cursor) -> int:
            # The answers go with their learner through ON DELETE CASCADE, in the same statement, so a learner
            # who comes back while the purge runs keeps both their record and their answers.
            cur.execute("DELETE FROM learners WHERE last_seen < ?", (cutoff,))
            return max(cur.rowcount, 0)
        removed = self._run(work)
        if removed:
            log.info("purged %d learner record(s) not seen for %s day(s)", removed, older_than_days)
            self._after_delete()
        return removed

    def _after_delete(self) -> None:
        """A backend's chance to drop old copies of deleted rows (SQLite: checkpoint the write-ahead log)."""
        return None

    def count(self, table: str) -> int:
        """Rows in one of the store's tables (for checks and monitoring)."""
        if table not in TABLES:
            raise ValueError(f"unknown table {table!r}")
        def work(cur: Cursor) -> int:
            cur.execute(f"SELECT COUNT(*) FROM {table}")
            return int(cur.fetchone()[0])
        return self._run(work, write=False)
