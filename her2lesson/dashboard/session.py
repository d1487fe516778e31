"""One learner's records: saved as things happen, resumed from a code or from this browser's storage.

The record is anonymous (a random resume code). Free text the learner typed (their own questions) is kept only if
they tick "keep", and a certificate name is never stored. If the store fails, learning goes on in memory and the
learner is told plainly that progress is not being saved; nothing raises into the page.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..quiz.ledger import RESET_KEY
from ..records import Store
from ..records.models import ANSWER_KINDS
from ..widgets import BrowserStore

if TYPE_CHECKING:
    from .app import Dashboard

log = logging.getLogger(__name__)


class LearnerSession:
    def __init__(self, open_store: Callable[[], Store], cohort_code: str | None = None):
        self._open = open_store
        self._store: Store | None = None
        self.failed = False
        self.learner = None
        self.cohort_id: int | None = None
        self.cohort_code = cohort_code
        self.state: dict[str, Any] = {"visited": []}
        self.ready = False
        self.dashboard: Dashboard | None = None
        self.browser = BrowserStore(on_loaded=self._browser_loaded)

    # --- wiring ---------------------------------------------------------------------------------------------------
    def attach(self, dashboard: "Dashboard") -> None:
        self.dashboard = dashboard
        if self.cohort_code:
            cohort = self._call(lambda s: s.cohort_by_join_code(self.cohort_code))
            if cohort is None:
                dashboard.notice(dashboard.t("cohort_unknown"))
            else:
                self.cohort_id = cohort.id
                dashboard.notice(dashboard.t("cohort_joined", name=cohort.name))

    def store(self) -> Store | None:
        if self._store is None and not self.failed:
            try:
                self._store = self._open()
            except Exception:  # noqa: BLE001 - any failure to open: keep teaching, say progress is not saved
                log.exception("learner records could not be opened")
                self._failed()
        return self._store

    def _call(self, work: Callable[[Store], Any]) -> Any:
        store = self.store()
        if store is None:
            return None
        try:
            return work(store)
        except Exception:  # noqa: BLE001 - same: never break the learner's page
            log.exception("learner records could not be written")
            self._failed()
            return None

    def _failed(self) -> None:
        if not self.failed:
            self.failed = True
            if self.dashboard:
                self.dashboard.notice(self.dashboard.t("records_unavailable"))

    # --- events from the dashboard --------------------------------------------------------------------------------
    def on_event(self, kind: str, data: dict[str, Any]) -> None:
        if kind == "track":
            self.state["track"] = data["track"]
        elif kind == "section":
            self.state["section"] = data["section"]
            if data["section"] not in self.state["visited"]:
                self.state["visited"].append(data["section"])
        elif kind == "questions":
            keep = bool(data.get("keep_own"))
            own = set(data.get("own", ()))
            self.state["questions"] = [q for q in data["questions"] if keep or q not in own]
            self.state["keep_own"] = keep
        elif kind == "plan":
            self.state["plan"] = list(data["plan"])
        elif kind == "phones":
            self.state["phones"] = dict(data["phones"])
        elif kind == "final_reset":
            self.state[RESET_KEY] = time.time()
        elif kind != "answer":
            return  # e.g. a certificate name: never stored
        if kind == "answer":
            if data["action"] not in ANSWER_KINDS:
                return  # "Try again" only clears the screen; the record keeps every check
            if self._ensure_learner():
                self._call(lambda s: s.record_answer(self.learner.id, data["question"], data["action"],
                                                     data.get("correct"), section=data.get("section", ""),
                                                     answer=data.get("answer")))
            return
        if self.learner is not None or (self.ready and self.state.get("track")):
            if self._ensure_learner():
                self._call(lambda s: s.save_state(self.learner.id, self.state))

    def _ensure_learner(self) -> bool:
        if self.learner is not None:
            return True
        learner = self._call(lambda s: s.create_learner(self.state.get("track", "patient"), self.cohort_id))
        if learner is None:
            return False
        self.learner = learner
        if self.dashboard:
            self.state["seed"] = self.dashboard.seed  # the same option order when they come back
        self._call(lambda s: s.save_state(learner.id, self.state))
        self.browser.remember(learner.resume_code)
        if self.dashboard:
            self.dashboard.show_code(learner.resume_code)
        return True

    # --- resuming -------------------------------------------------------------------------------------------------
    def _browser_loaded(self, code: str | None) -> None:
        self.ready = True
        if code and self.learner is None and self.resume(code, quiet=True):
            return
        if code and self.learner is None:
            self.browser.forget()  # erased or purged since: start fresh
        if self.learner is None and self.state.get("track"):
            if self._ensure_learner():
                self._call(lambda s: s.save_state(self.learner.id, self.state))

    def start_fresh(self) -> None:
        """Not you? Forget this browser's code and clear the page; the old record stays for its owner."""
        self.learner = None
        self.state = {"visited": []}
        self.browser.forget()
        if self.dashboard:
            self.dashboard.reset()

    def resume(self, code: str, quiet: bool = False) -> bool:
        """Load the learner with this code and put the dashboard back as they left it."""
        learner = self._call(lambda s: s.find_learner(code))
        if learner is not None and quiet and self.cohort_id is not None and learner.cohort_id != self.cohort_id:
            learner = None  # a class link starts a record counted in that class, not this browser's old one
        if learner is None:
            if not quiet and self.dashboard:
                self.dashboard.notice(self.dashboard.t("resume_unknown"))
            return False
        record = self._call(lambda s: s.load(learner.id))
        if record is None:
            return False
        self.learner = learner
        self.state = {"visited": [], **record.state}
        self.browser.remember(learner.resume_code)
        if self.dashboard:
            self.dashboard.restore(self.state, record.answers)
            self.dashboard.show_code(learner.resume_code)
        self._call(lambda s: s.save_state(learner.id, self.state))  # touches last-seen
        return True
