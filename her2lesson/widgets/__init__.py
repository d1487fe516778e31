"""Small single-purpose widgets for what ipywidgets cannot do (anywidget modules, front end beside the Python)."""
from .live import LiveRegion

__all__ = ["LiveRegion"]
