"""Small single-purpose widgets for what ipywidgets cannot do (anywidget modules, front end beside the Python)."""
from .entry import TextEntry
from .live import LiveRegion
from .question import QuestionForm
from .read_aloud import ReadAloud
from .storage import BrowserStore

__all__ = ["BrowserStore", "LiveRegion", "QuestionForm", "ReadAloud", "TextEntry"]
