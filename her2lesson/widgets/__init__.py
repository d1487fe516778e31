"""Small single-purpose widgets for what ipywidgets cannot do (anywidget modules, front end beside the Python)."""
from .choice import ChoiceGroup
from .entry import TextEntry
from .live import LiveRegion
from .question import QuestionForm

__all__ = ["ChoiceGroup", "LiveRegion", "QuestionForm", "TextEntry"]
