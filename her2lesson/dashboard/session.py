"""One learner's records: saved as things happen, resumed from a code or from this browser's storage.

The record is anonymous (a random resume code). A learner whom JupyterHub (or, later, a learning platform) already
identified has no code to keep or type: their record is found by the one-way key the server gave this kernel
(identity.py), on any device. Free text the learner typed (their own questions) is kept only if they tick "keep",
and a certificate name is never stored. If the store fails (database down, disk full), learning
goes on: every change is kept in order and written when the store answers again (tried again after each change
and on a timer that backs off), the learner is told plainly while progress is not being saved and again when it
is, and the server's log gets one line for each. Nothing raises into the page.
"""
from __future__ import annotations

import asyncio
import copy
import logging
import time
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from ..identity import ExternalLearner
from ..quiz.ledger import RESET_KEY
from ..records import Store
from ..records.models import ANSWER_KINDS, Learner
from ..widgets import BrowserStore
from . import two_tabs
from .events import (
    Answered,
    FinalCheckRestarted,
    LearnerEvent,
    PartVisited,
    PhonesChanged,
    PlanChanged,
    QuestionsChanged,
    TrackChosen,
)

if TYPE_CHECKING:
    from .app import Dashboard

log = logging.getLogger(__name__)

MAX_CODE_TRIES = 10  # wrong resume codes one page may type: guessing stays hopeless, a typo costs nothing
MAX_PENDING = 2000  # changes kept while the store is away (a whole module's answers, many times over)
RETRY_FIRST, RETRY_MOST = 2.0, 60.0  # seconds between tries while the store is away: doubling, up to the most


class LearnerSession:
    def __init__(self, open_store: Callable[[], Store], cohort_code: str | None = None,
                 external: ExternalLearner | None = None):
        self._open = open_store
        self.external = external  # who the hub (or platform) says this is: then no resume code at all
        self._store: Store | None = None
        self.failed = False  # True while changes wait for the store
        self.pending: list[Callable[[Store], Any]] = []  # those changes, in order
        self._retry_in = RETRY_FIRST
        self._retry_timer: asyncio.TimerHandle | None = None
        self.wrong_codes = 0
        self.learner: Learner | None = None
        self.cohort_id: int | None = None
        self.cohort_code = cohort_code or (external.cohort if external else None)
        self.state: dict[str, Any] = {"visited": []}
        self.base: dict[str, Any] = {}  # the state as this tab last loaded or saved it (see two_tabs.py)
        self.told_other_tab = False
        self.ready = False
        self.dashboard: Dashboard | None = None
        self.browser = BrowserStore(on_loaded=self._browser_loaded)

    # --- wiring ---------------------------------------------------------------------------------------------------
    def attach(self, dashboard: "Dashboard") -> None:
        self.dashboard = dashboard
        code = self.cohort_code
        if code:
            cohort = self._call(lambda s: s.cohort_by_join_code(code))
            if cohort is None:
                dashboard.notice(dashboard.t("cohort_unknown"))
            else:
                self.cohort_id = cohort.id
                dashboard.notice(dashboard.t("cohort_joined", name=cohort.name))
        if self.external is not None:
            # No "coming back?" box and no "not you?": the hub says who this is, on every device.
            dashboard.resume = dashboard.start_fresh = None
            if not self._resume_external():
                if dashboard.track is None and not dashboard.wants_facilitator:
                    dashboard.show_start()  # drawn again, without the resume box
                else:
                    dashboard.show_code("")

    def store(self) -> Store | None:
        if self._store is None:
            try:
                self._store = self._open()
            except Exception as error:  # noqa: BLE001 - any failure to open: keep teaching, say progress is not saved
                self._failed(f"cannot open: {error}")
        return self._store

    def _call(self, work: Callable[[Store], Any]) -> Any:
        """Read or write now; on failure None (the caller decides whether to keep the change for later)."""
        store = self.store()
        if store is None:
            return None
        try:
            return work(store)
        except Exception as error:  # noqa: BLE001 - same: never break the learner's page
            self._failed(f"cannot write: {type(error).__name__}: {str(error)[:200]}")
            self._store = None  # open afresh next time (a restarted database, a recreated folder)
            return None

    def _write(self, work: Callable[[Store], Any]) -> None:
        """A change to keep: written now if nothing waits before it, else queued behind what does."""
        if len(self.pending) >= MAX_PENDING:
            self.pending.pop(0)  # bounded: the oldest change gives way (logged when it happens)
            log.warning("learner records: more than %d changes waiting; the oldest was dropped", MAX_PENDING)
        self.pending.append(work)
        if self.failed and self._retry_timer is not None:
            return  # the store is away and a try is already planned: do not make the learner wait on it now
        self.flush()

    def flush(self) -> bool:
        """Write what waits, in order; True when nothing is left waiting."""
        while self.pending:
            if self.learner is None and not self._create_learner():
                break
            if self._call(self.pending[0]) is None:
                break
            self.pending.pop(0)
        if self.pending:
            self._schedule_retry()
            return False
        if self.failed:
            self.failed = False
            self._retry_in = RETRY_FIRST
            log.warning("learner records: saving again; every waiting change is written")
            if self.dashboard:
                self.dashboard.notice(self.dashboard.t("records_back"))
        return True

    def _schedule_retry(self) -> None:
        """Try again later on the kernel's event loop (outside a kernel: on the learner's next change)."""
        if self._retry_timer is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        delay, self._retry_in = self._retry_in, min(self._retry_in * 2, RETRY_MOST)

        def retry() -> None:
            self._retry_timer = None
            self.flush()

        self._retry_timer = loop.call_later(delay, retry)

    def _failed(self, why: str) -> None:
        if not self.failed:
            self.failed = True
            log.warning("learner records: %s; the learner's changes wait and are tried again", why)
            if self.dashboard:
                self.dashboard.notice(self.dashboard.t("records_unavailable"))

    # --- events from the dashboard --------------------------------------------------------------------------------
    def on_event(self, event: LearnerEvent) -> None:
        """Store what the learner did: an answer as an event of its own, anything else in the saved state."""
        match event:
            case Answered():
                if event.action in ANSWER_KINDS:  # "Try again" only clears the screen; the record keeps every check
                    self._write(partial(self._record_answer, event))
                return
            case TrackChosen(track):
                self.state["track"] = track
                self.state["lang"] = self.dashboard.lang if self.dashboard else "en"  # for results by language
            case PartVisited(section):
                self.state["section"] = section
                if section not in self.state["visited"]:
                    self.state["visited"].append(section)
            case QuestionsChanged(questions, own, keep_own):
                self.state["questions"] = [q for q in questions if keep_own or q not in own]
                self.state["keep_own"] = keep_own
            case PlanChanged(plan):
                self.state["plan"] = list(plan)
            case PhonesChanged(phones):
                self.state["phones"] = dict(phones)
            case FinalCheckRestarted():
                self.state[RESET_KEY] = time.time()
        if self.learner is not None or (self.ready and self.state.get("track")):
            self._save_state()

    def _record_answer(self, event: Answered, store: Store) -> bool:
        return store.record_answer(self._learner_id(), event.question, event.action, event.correct,
                                   section=event.section, answer=event.answer)

    def _save_state(self) -> None:
        """Queue a save of the state as it is when written (one waiting save is enough)."""
        if self._state_save not in self.pending:
            self._write(self._state_save)
        else:
            self.flush()

    def _state_save(self, store: Store) -> bool:
        """Save this tab's changes into the stored state, keeping what another tab of this learner saved meanwhile."""
        learner_id = self._learner_id()
        stored = store.load_state(learner_id)
        if stored is None:
            return False  # erased or purged: nothing to merge with, nothing to save
        merged = two_tabs.merge(stored, self.base, self.state)
        saved = store.save_state(learner_id, merged)
        if saved:
            self.base = copy.deepcopy(self.state)
            if two_tabs.others_changes(merged, self.state) and not self.told_other_tab and self.dashboard:
                self.told_other_tab = True
                self.dashboard.notice(self.dashboard.t("other_tab"))
        return saved

    def _learner_id(self) -> int:
        """The learner's ID, for a queued change: flush() creates the learner before it writes any change."""
        if self.learner is None:
            raise RuntimeError("no learner record yet")  # caught by _call: the change waits, as on any failure
        return self.learner.id

    def _create_learner(self) -> bool:
        track, external = self.state.get("track", "patient"), self.external
        if external is not None:  # found, or made bound to the key, in one go (another tab may have just made it)
            learner = self._call(lambda s: s.external_learner(external.key, external.source, track, self.cohort_id))
        else:
            learner = self._call(lambda s: s.create_learner(track, self.cohort_id))
        if learner is None:
            return False
        self.learner = learner
        if self.dashboard:
            self.state["seed"] = self.dashboard.seed  # the same option order when they come back
        if self._state_save not in self.pending:
            self.pending.insert(0, self._state_save)
        if external is not None:
            return True  # no code to remember in this browser or to show
        self.browser.remember(learner.resume_code)
        if self.dashboard:
            self.dashboard.show_code(learner.resume_code)
        return True

    # --- resuming -------------------------------------------------------------------------------------------------
    def _browser_loaded(self, code: str | None) -> None:
        self.ready = True
        if self.external is not None:  # a code this browser kept from before is not this learner's: left alone
            if self.learner is None and self.state.get("track"):
                self._save_state()
            return
        if code and self.learner is None and self.resume(code, quiet=True):
            return
        if code and self.learner is None:
            self.browser.forget()  # erased or purged since: start fresh
        if self.learner is None and self.state.get("track"):
            self._save_state()

    def start_fresh(self) -> None:
        """Not you? Forget this browser's code and clear the page; the old record stays for its owner."""
        if self.external is not None:
            return  # the hub says who this is: signing out of the hub is the way to change learner
        self.flush()  # the previous learner's waiting changes go to their record first, if they can
        self.pending.clear()
        self.learner = None
        self.state = {"visited": []}
        self.base = {}
        self.told_other_tab = False
        self.browser.forget()
        if self.dashboard:
            self.dashboard.reset()

    def resume(self, code: str, quiet: bool = False) -> bool:
        """Load the learner with this code and put the dashboard back as they left it."""
        if self.external is not None:
            return False  # their record is found by the hub's identity, never by a code
        if not quiet and self.wrong_codes >= MAX_CODE_TRIES:
            if self.dashboard:
                self.dashboard.notice(self.dashboard.t("resume_too_many"))
            log.warning("a page typed %d wrong resume codes; it may try no more", self.wrong_codes)
            return False
        learner = self._call(lambda s: s.find_learner(code))
        if learner is None and self.failed:
            return False  # the store is away: the learner has already been told, the code may well be right
        if learner is not None and quiet and self.cohort_id is not None and learner.cohort_id != self.cohort_id:
            learner = None  # a class link starts a record counted in that class, not this browser's old one
        if learner is None:
            if not quiet:
                self.wrong_codes += 1
            if not quiet and self.dashboard:
                self.dashboard.notice(self.dashboard.t("resume_unknown"))
            return False
        if not self._load(learner):
            return False
        self.browser.remember(learner.resume_code)
        if self.dashboard:
            self.dashboard.show_code(learner.resume_code)
        return True

    def _resume_external(self) -> bool:
        """The record bound to the hub's (or platform's) key, put back as they left it; False if there is none yet."""
        external = self.external
        assert external is not None
        learner = self._call(lambda s: s.find_external_learner(external.key, self.cohort_id))
        return learner is not None and self._load(learner)

    def _load(self, learner: Learner) -> bool:
        """Make `learner` this page's learner, with their saved state and answers on the dashboard."""
        record = self._call(lambda s: s.load(learner.id))
        if record is None:
            return False
        self.learner = learner
        self.state = {"visited": [], **record.state}
        self.base = copy.deepcopy(self.state)
        if self.dashboard:
            self.dashboard.restore(self.state, record.answers)
        self._save_state()  # touches last-seen
        return True
