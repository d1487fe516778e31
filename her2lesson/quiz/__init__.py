"""The quiz engine: grading (pure), question views (widgets) and a section's self-check."""
from .grading import QuestionRecord, Score, score
from .section import QuizView, questions_for
from .views import QuizOptions, make_view

__all__ = ["QuestionRecord", "QuizOptions", "QuizView", "Score", "make_view", "questions_for", "score"]
