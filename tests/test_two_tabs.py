"""Two tabs (or devices) of one learner: what each one changed is kept, and the later tab is told."""
from __future__ import annotations

from her2lesson.dashboard import Dashboard
from her2lesson.dashboard.two_tabs import merge, merge_list, others_changes


def test_lists_keep_both_tabs_additions_and_removals():
    base = ["Can I work?", "Can I travel?"]
    stored = ["Can I work?", "Can I travel?", "Is it in my bones?"]  # the other tab added one
    mine = ["Can I work?", "What is T-DXd?"]  # this tab removed one and added one
    assert merge_list(stored, base, mine) == ["Can I work?", "Is it in my bones?", "What is T-DXd?"]


def test_single_values_take_this_tabs_change_else_the_stored_one():
    base = {"section": "testing", "keep_own": False, "phones": {"day": "555-0100"}}
    stored = {"section": "treatment", "keep_own": True, "phones": {"day": "555-0100", "night": "555-0199"}}
    mine = {"section": "testing", "keep_own": False, "phones": {"day": "555-0111"}}
    merged = merge(stored, base, mine)
    assert merged["section"] == "treatment" and merged["keep_own"] is True  # this tab did not change them
    assert merged["phones"] == {"day": "555-0111", "night": "555-0199"}
    assert others_changes(merged, mine) and not others_changes(mine, mine)


def _tab(content, tmp_path, code: str | None = None):
    from her2lesson.dashboard.session import LearnerSession
    from her2lesson.records import open_store

    session = LearnerSession(lambda: open_store(data_dir=tmp_path))
    dashboard = Dashboard(content, params={"track": "patient", "section": "questions"}, listener=session.on_event,
                          resume=session.resume)
    session.attach(dashboard)
    session.browser._message(session.browser, {"loaded": code}, None)  # this browser's saved code, if any
    return session, dashboard


def _builder(dashboard: Dashboard):
    return next(w for w in dashboard.cache["questions"].children if "h2l-aid" in getattr(w, "_dom_classes", ()))


def _add_question(dashboard: Dashboard, text: str) -> None:
    from tests.test_dashboard import find

    entry = find(_builder(dashboard), lambda c: getattr(c, "label", "") == "My own question")
    entry._message(entry, {"action": "add", "text": text}, None)


def _keep_own_questions(dashboard: Dashboard) -> None:
    import ipywidgets as w

    from tests.test_dashboard import find

    find(_builder(dashboard), lambda c: isinstance(c, w.Checkbox)).value = True


def test_two_tabs_of_one_learner_each_keep_their_own_question(content, tmp_path):
    first, page_a = _tab(content, tmp_path)
    _keep_own_questions(page_a)
    _add_question(page_a, "Can I work?")
    code = page_a.code
    second, page_b = _tab(content, tmp_path, code.replace("-", ""))  # the same browser, a second tab
    assert "Can I work?" in page_b.question_list
    _add_question(page_a, "Can I travel?")  # tab A again: tab B does not show it
    _add_question(page_b, "Is it in my bones?")  # tab B saves its whole list, which lacks "Can I travel?"
    assert "another tab" in page_b.notices.html  # the later tab is told, in plain words

    third, page_c = _tab(content, tmp_path, code.replace("-", ""))  # the learner comes back later
    assert {"Can I work?", "Can I travel?", "Is it in my bones?"} <= set(page_c.question_list)
