"""The dashboard: the single page that composes the section notebooks for one learner."""
from __future__ import annotations

from typing import TYPE_CHECKING

import ipywidgets as w
from IPython.display import display

from ..content import ContentError, load_content
from ..records import open_store
from ..settings import LessonSettings
from ..strings import Strings
from ..widgets.lean import lean_layouts
from .app import Dashboard
from .guard import guard_widget_comms, keep_errors_off_the_page
from .request import external_learner, query_params
from .session import LearnerSession

if TYPE_CHECKING:
    from .educator import EducatorView

__all__ = ["Dashboard", "show"]

UNAVAILABLE = ('<div class="h2l-error" role="alert">This module is being updated and cannot be shown right now. '
               'Please try again later, or tell the person who runs it.</div>')


def show() -> Dashboard | EducatorView | None:
    """Display the page this request asked for: the learner's dashboard, or the educator's class results."""
    guard_widget_comms()  # the browser may use the lesson's widgets, never make new ones
    keep_errors_off_the_page()  # tracebacks go to the server's log, never to the learner's page
    lean_layouts()  # a smaller first widget state on a phone's network
    try:
        content = load_content()
    except ContentError:
        display(w.HTML(UNAVAILABLE))  # the server's check at start-up should make this unreachable
        return None
    params = query_params()
    session = LearnerSession(lambda: open_store(create=False), cohort_code=params.get("cohort"),
                             external=external_learner())
    if "educator" in params:
        from .educator import EducatorView  # only the educator's page: not loaded in every learner's kernel

        view = EducatorView(content, Strings.for_language(content.strings, params.get("lang", "en")), session.store)
        display(view.widget)
        return view
    if "presenter" in params:  # the facilitator's notes window: nothing to record, no code, no resume
        presenter = Dashboard(content, LessonSettings.from_env(), params, lang=params.get("lang", "en"))
        display(presenter.widget)
        return presenter
    dashboard = Dashboard(content, LessonSettings.from_env(), params, lang=params.get("lang", "en"),
                          listener=session.on_event,
                          resume=session.resume, start_fresh=session.start_fresh)
    session.attach(dashboard)
    dashboard.widget.children = (*dashboard.widget.children, session.browser)
    display(dashboard.widget)
    return dashboard
