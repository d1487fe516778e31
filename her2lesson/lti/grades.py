"""Scores back to the learning platform (LTI Assignment and Grade Services), from the server.

A score is recorded first (the line's status 'waiting' until sent), then POSTed to the line item's /scores with an
access token from the platform's token URL (a client-credentials grant signed with the tool's key: pylti1p3's
ServiceConnector). A failure is tried again (three tries, a few seconds apart) and then left 'failed' with the
platform's answer, for the educator to see and send again. The learner's answers are in the records whatever happens
here: the score is only a copy of what the ledger says.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import requests
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.grade import Grade
from pylti1p3.service_connector import ServiceConnector
from pylti1p3.tool_config import ToolConfAbstract

log = logging.getLogger("her2lesson.lti")

SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPES = (SCORE_SCOPE, "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly")
TRIES = 3
TIMEOUT = 15.0  # seconds for each request to the platform


class TimeoutSession(requests.Session):
    """pylti1p3 makes its requests without a timeout; a platform that hangs must not hold a thread for ever."""

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", TIMEOUT)
        return super().request(*args, **kwargs)


class GradeSender:
    def __init__(self, tool_conf: ToolConfAbstract, open_store: Callable[[], Any],
                 pause: Callable[[float], None] = time.sleep, waits: tuple[float, ...] = (2.0, 8.0)):
        self.tool_conf, self._open, self.pause, self.waits = tool_conf, open_store, pause, waits

    def send(self, learner_id: int, score: int) -> list[str]:
        """Record and send `score` (a whole percent) to each of the learner's grade lines; their statuses after."""
        with self._open() as store:
            lines = store.lti_grades(learner_id=learner_id)
        return [self._send_line(line, score) for line in lines]

    def _send_line(self, line: Any, score: int) -> str:
        detail = ""
        for attempt in range(1, TRIES + 1):
            try:
                self._post(line, score)
                self._record(line, score, "sent", attempt, "")
                log.info("LTI: a score was sent to a platform's grade line (try %d)", attempt)
                return "sent"
            except Exception as error:  # noqa: BLE001 - any failure is recorded and tried again
                detail = _describe(error)
                log.warning("LTI: sending a score failed (try %d of %d): %s", attempt, TRIES, detail)
                self._record(line, score, "failed", attempt, detail)
                if attempt < TRIES:
                    self.pause(self.waits[min(attempt - 1, len(self.waits) - 1)])
        return "failed"

    def _record(self, line: Any, score: int, status: str, tries: int, detail: str) -> None:
        try:
            with self._open() as store:
                store.lti_grade_result(line.learner_id, line.lineitem, score, status, tries, detail)
        except Exception:  # noqa: BLE001 - the records being away must not stop the sending
            log.exception("LTI: the grade line's status could not be recorded")

    def _post(self, line: Any, score: int) -> None:
        registration = self.tool_conf.find_registration_by_params(line.issuer, line.client_id)
        if registration is None:
            raise LookupError("the platform is no longer in the LTI configuration")
        connector = ServiceConnector(registration, TimeoutSession())
        claim: Any = {"scope": list(SCOPES), "lineitem": line.lineitem}
        service = AssignmentsGradesService(connector, claim)
        grade = (Grade().set_score_given(score).set_score_maximum(100).set_user_id(line.subject)
                 .set_activity_progress("Completed").set_grading_progress("FullyGraded")
                 .set_timestamp(datetime.now(timezone.utc).isoformat(timespec="milliseconds")))
        service.put_grade(grade)


def _describe(error: Exception) -> str:
    """The platform's answer in one short line (never the token)."""
    response = getattr(error, "response", None)
    if response is not None and getattr(response, "status_code", None):
        return f"the platform answered {response.status_code}: {str(getattr(response, 'text', ''))[:200]}"
    return f"{type(error).__name__}: {str(error)[:200]}"
