"""The dashboard: the single page that composes the section notebooks for one learner."""
from __future__ import annotations

from html import escape

import ipywidgets as w
from IPython.display import display

from ..content import ContentError, load_content
from ..settings import LessonSettings
from .app import Dashboard
from .request import query_params

__all__ = ["Dashboard", "show"]


def show() -> Dashboard | None:
    """Display the dashboard; on broken content show a plain message (the server's check should prevent it)."""
    try:
        dashboard = Dashboard(load_content(), LessonSettings.from_env(), query_params())
    except ContentError:
        display(w.HTML('<div class="h2l-error" role="alert">This module is being updated and cannot be shown '
                       'right now. Please try again later, or tell the person who runs it.</div>'))
        return None
    display(dashboard.widget)
    return dashboard
