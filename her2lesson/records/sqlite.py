"""The embedded default: one SQLite file, `records.sqlite3` in the data folder, shared by every kernel of a server.

Several kernels (processes) write to the same file, so: write-ahead logging (readers never block the writer), a
busy timeout (a writer waits for the lock rather than failing), writes that take the lock up front (BEGIN
IMMEDIATE, so two writers never deadlock), and a few retries on "database is locked" after that.
"""
from __future__ import annotations

import logging
import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from .errors import StoreError
from .sql import Cursor, SqlStore, schema

log = logging.getLogger("her2lesson.records")
T = TypeVar("T")

FILENAME = "records.sqlite3"
BUSY_TIMEOUT_MS = 10_000
LOCKED_TRIES = 6

# SQLite's column types for the shared schema (sql.py); AUTOINCREMENT never hands out an erased learner's id again
SCHEMA = schema({"id": "INTEGER PRIMARY KEY AUTOINCREMENT", "ref": "INTEGER", "real": "REAL", "bool": "INTEGER"})

MOVE_ASIDE = "stop the server, rename the file (for example to {name}.damaged) so that a new empty one is made, " \
             "or put back a copy from a backup"
WRITABLE = "give the user that runs her2lesson write access to that folder, or choose another with --data-dir " \
           "or HER2LESSON_DATA_DIR"


def _locked(error: sqlite3.Error) -> bool:
    text = str(error).lower()
    return isinstance(error, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


class SQLiteStore(SqlStore):
    def __init__(self, path: Path, clock: Callable[[], float] = time.time, busy_timeout_ms: int = BUSY_TIMEOUT_MS,
                 create: bool = True):
        super().__init__(clock)
        self.path = Path(path)
        self.location = str(self.path)
        self._lock = threading.RLock()
        if not create and not self.path.is_file():
            # A learner's kernel never starts an empty file: the server made it at start, so a missing one was
            # removed, and a new one would hide that (and the learners' answers would silently be gone).
            raise StoreError(str(self.path), "the records file is missing (it was there when the server started)",
                             "put it back from a backup, or restart the server to begin a new, empty one")
        self._check_place()
        try:
            self.conn = sqlite3.connect(self.path, timeout=busy_timeout_ms / 1000, isolation_level=None,
                                        check_same_thread=False)
        except sqlite3.Error as error:
            raise self._explain(error) from None
        self._inode = self._file_id()  # the file this store writes to; see _still_there
        try:
            self._pragmas(busy_timeout_ms)
            self._create_schema()
        except BaseException:
            self.conn.close()
            raise

    def _file_id(self) -> tuple[int, int] | None:
        try:
            found = os.stat(self.path)
        except OSError:
            return None
        return found.st_dev, found.st_ino

    def _still_there(self) -> None:
        """Writing to a records file that was deleted or replaced would succeed, and be lost: refuse instead."""
        if self._file_id() != self._inode:
            raise StoreError(str(self.path), "the records file was removed or replaced while the server ran",
                             "put it back from a backup, or restart the server to begin a new, empty one")

    def _check_place(self) -> None:
        """Say plainly when the folder or the file cannot be used, before SQLite says something vaguer."""
        folder = self.path.parent
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)  # records are for this server's user alone
        except OSError as error:
            raise StoreError(str(folder), f"cannot create the data folder ({error.strerror or error})",
                             WRITABLE) from None
        if not os.access(folder, os.W_OK | os.X_OK):
            raise StoreError(str(folder), "the data folder is not writable (the records file and its write-ahead "
                             "log are kept there)", WRITABLE)
        if self.path.exists() and not self.path.is_file():
            raise StoreError(str(self.path), "is not a file", f"remove or rename it so that {FILENAME} can be made")
        if self.path.exists() and not os.access(self.path, os.R_OK | os.W_OK):
            raise StoreError(str(self.path), "the records file is not readable and writable",
                             "give the user that runs her2lesson read and write access to it")
        if not self.path.exists():
            try:  # made private before SQLite makes it; its write-ahead log then gets the same mode
                os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
            except OSError as error:
                raise StoreError(str(self.path), f"cannot create the records file ({error.strerror or error})",
                                 WRITABLE) from None

    def _pragmas(self, busy_timeout_ms: int) -> None:
        def pragma(sql: str) -> Any:
            for attempt in range(LOCKED_TRIES):
                try:
                    row = self.conn.execute(sql).fetchone()
                    return row[0] if row else None
                except sqlite3.Error as error:
                    if not _locked(error) or attempt == LOCKED_TRIES - 1:
                        raise self._explain(error) from None
                    self._pause(attempt)
        pragma(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        mode = pragma("PRAGMA journal_mode = WAL")
        if str(mode).lower() != "wal":
            log.warning("records: SQLite kept journal mode %s (WAL needs a local file system)", mode)
        pragma("PRAGMA foreign_keys = ON")
        pragma("PRAGMA secure_delete = ON")  # erased records are overwritten, not just unlinked

    def journal_mode(self) -> str:
        with self._lock:
            return str(self.conn.execute("PRAGMA journal_mode").fetchone()[0]).lower()

    def _schema(self) -> list[str]:
        return SCHEMA

    @staticmethod
    def _pause(attempt: int) -> None:
        time.sleep(random.uniform(0.01, 0.05) * (2 ** attempt))

    def _run(self, work: Callable[[Cursor], T], write: bool = True) -> T:
        with self._lock:
            self._still_there()
            for attempt in range(LOCKED_TRIES):
                cur = self.conn.cursor()
                try:
                    cur.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                    result = work(cur)
                    cur.execute("COMMIT")
                    return result
                except sqlite3.IntegrityError:
                    self._rollback()
                    raise
                except sqlite3.Error as error:
                    self._rollback()
                    if _locked(error) and attempt < LOCKED_TRIES - 1:
                        log.info("records: database is locked, trying again (%d)", attempt + 1)
                        self._pause(attempt)
                        continue
                    raise self._explain(error) from None
                except BaseException:
                    self._rollback()
                    raise
                finally:
                    cur.close()
        raise AssertionError("unreachable")

    def _rollback(self) -> None:
        if self.conn.in_transaction:
            try:
                self.conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass

    def _insert_id(self, cur: Cursor, sql: str, params: tuple[Any, ...]) -> int:
        cur.execute(sql, params)
        return int(cur.lastrowid)  # type: ignore[attr-defined]

    def _is_duplicate(self, error: Exception) -> bool:
        return isinstance(error, sqlite3.IntegrityError) and "UNIQUE" in str(error)

    def _explain(self, error: sqlite3.Error) -> StoreError:
        text = str(error)
        lower = text.lower()
        if "not a database" in lower or "malformed" in lower or "corrupt" in lower:
            return StoreError(self.location, f"the records file is damaged or is not a her2lesson records file "
                              f"({text})", MOVE_ASIDE.format(name=self.path.name))
        if "readonly" in lower or "read-only" in lower or "unable to open" in lower or "permission" in lower:
            return StoreError(self.location, f"cannot write the records file ({text})", WRITABLE)
        if _locked(error):
            return StoreError(self.location, f"the records file stayed locked by another program ({text})",
                              "stop whatever else holds it open (another copy of the server, a backup tool)")
        if "disk" in lower or "full" in lower:
            return StoreError(self.location, f"cannot write the records file ({text})",
                              "free some disk space, or choose another folder with --data-dir")
        return StoreError(self.location, f"SQLite failed ({text})", MOVE_ASIDE.format(name=self.path.name))

    def _after_delete(self) -> None:
        with self._lock:
            try:
                self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.Error:
                pass  # best effort: a busy log is checkpointed later by SQLite itself

    def close(self) -> None:
        with self._lock:
            self.conn.close()
