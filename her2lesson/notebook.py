"""What a section notebook's code cells call, so a notebook also runs on its own (JupyterLab, Voila, nbval).

The dashboard does not run these cells; it reads them and places the same widgets itself.
"""
from __future__ import annotations

from pathlib import Path

from IPython.display import HTML, display

from .content import Content
from .content import load_content as load_all
from .content.notebooks import quiz_target
from .dashboard.aids import HelpCard, IhcExplainer, QuestionBuilder, SelfCarePlan, source_list
from .dashboard.sections import figure_html
from .quiz import QuizOptions, QuizView
from .strings import Strings


def _language() -> str:
    """The notebook's language: a kernel runs in the notebook's folder, and notebooks/es/ holds the Spanish ones."""
    here = Path.cwd()
    return here.name if here.parent.name == "notebooks" and here.name in load_all().translations else "en"


def load_content() -> Content:
    """The content in the notebook's own language, so a Spanish notebook shows Spanish questions and aids."""
    return load_all().in_language(_language())


def _strings() -> Strings:
    return Strings.for_language(load_all().strings, _language())


def quiz(name: str, track: str = "patient"):
    """`quiz("testing")`: the part's end check; `quiz("testing:score-2plus")`: a quick check inside the part."""
    content = load_content()
    bank, checkpoint = quiz_target(name)
    view = QuizView(content.banks[bank], track, _strings(),
                    QuizOptions(source_title=lambda k: content.sources[k].title if k in content.sources else k),
                    title_key="checkpoint_heading" if checkpoint else "quiz_heading", checkpoint=checkpoint)
    display(view.widget)
    return view


def aid(name: str, track: str = "patient"):
    content, t = load_content(), _strings()
    makers = {
        "help-card": lambda: HelpCard(content, t).widget,
        "ihc-explainer": lambda: IhcExplainer(content, track, t).widget,
        "question-builder": lambda: QuestionBuilder(content, t).widget,
        "self-care-plan": lambda: SelfCarePlan(content, t).widget,
        "source-list": lambda: source_list(content, t),
    }
    widget = makers[name]()
    display(widget)
    return widget


def figure(name: str) -> None:
    display(HTML(figure_html(name, load_content(), _strings())))
