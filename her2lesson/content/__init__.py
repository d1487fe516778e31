"""Loading and checking the module's content (notebooks and data/)."""
from .library import Content, check, load_content
from .problems import ContentError, Problem

__all__ = ["Content", "ContentError", "Problem", "check", "load_content"]
