"""The dashboard driven from Python: tracks, navigation, what each audience sees, final check and certificate."""
from __future__ import annotations

import base64
import io
import re
from html import escape
from types import SimpleNamespace

import pytest

from her2lesson.dashboard import Dashboard
from her2lesson.dashboard.app import HANDOUT
from her2lesson.dashboard.events import Answered, PhonesChanged
from her2lesson.quiz.section import scored_check
from her2lesson.quiz.views import CaseView
from her2lesson.settings import LessonSettings

FINAL = "final-check"  # data/questions/final-check.yaml: the bank marked `scored: true`


def html_of(widget) -> str:
    """All HTML text under a widget (HTML widgets and question forms)."""
    parts = []
    for attr in ("value", "feedback_html", "legend", "html"):
        value = getattr(widget, attr, None)
        if isinstance(value, str):
            parts.append(value)
    for child in getattr(widget, "children", ()):
        parts.append(html_of(child))
    return "\n".join(parts)


def answer_all(quiz, right: bool = True) -> None:
    for view in quiz.question_views:
        q = view.q
        if q.type in ("single", "multiple", "truefalse"):
            chosen = [i for i, o in enumerate(q.options) if o.correct == right] or [0]
            view.set_answer(chosen if q.type == "multiple" else chosen[:1])
        elif q.type == "matching":
            matches = [p.match for p in q.pairs]
            view.set_answer(matches if right else matches[1:] + matches[:1])
        elif q.type == "ordering":
            order = list(range(len(q.steps)))
            view.set_answer(order if right else order[::-1])
        view.press("check")


def test_start_screen_offers_three_tracks(content):
    d = Dashboard(content)
    text = html_of(d.main)
    assert d.track is None and "How would you like to learn today?" in text
    assert d.nav.layout.display == "none"


def test_patient_track_has_no_final_check_and_ends_with_the_take_home_sheet(content):
    d = Dashboard(content, params={"track": "patient"})
    ids = [p.id for p in d.pages]
    assert FINAL not in ids and ids[-1] == HANDOUT and ids[0] == "welcome"
    nurse = Dashboard(content, params={"track": "nurse"})
    assert FINAL in [p.id for p in nurse.pages]


def test_section_link_opens_that_section(content):
    d = Dashboard(content, params={"track": "patient", "section": "testing"})
    assert d.current.id == "testing"
    assert "h2l-current" in d.nav_buttons[d.index]._dom_classes


def test_nurse_panels_only_on_the_nursing_track_and_behind_a_summary_when_exploring(content):
    patient = Dashboard(content, params={"track": "patient", "section": "testing"})
    nurse = Dashboard(content, params={"track": "nurse", "section": "testing"})
    explore = Dashboard(content, params={"track": "explore", "section": "testing"})
    assert "h2l-nurse" not in html_of(patient.main)
    assert 'class="h2l-box h2l-nurse"' in html_of(nurse.main)
    assert "<details class=\"h2l-box h2l-nurse\">" in html_of(explore.main)


def _group(content, track="patient", section="testing", code="ward5"):
    """A facilitator's projected view: the code typed on the page, then the group chosen."""
    d = Dashboard(content, LessonSettings(facilitator_code="ward5"), {"facilitator": ""})
    assert d.enter_facilitator(code)
    d.choose_track(track)
    d.go(d.position_of(section))
    return d


def test_the_facilitator_code_is_typed_and_a_code_in_the_link_does_nothing(content):
    settings = LessonSettings(facilitator_code="ward5")
    linked = Dashboard(content, settings, {"facilitator": "ward5", "section": "testing"})
    assert not linked.facilitator, "a code in the link must not open the group view"
    assert find(linked.main, lambda c: getattr(c, "label", "") == "Facilitator code")
    assert not linked.enter_facilitator("guess") and not linked.facilitator
    assert "not right" in linked.facilitator_status.html
    assert not linked.enter_facilitator("wärd5 \u202e") and not linked.enter_facilitator("")  # any text is safe
    assert linked.enter_facilitator("ward5") and linked.facilitator
    assert _button(linked.main, "I am a nurse or a nursing student"), "the facilitator picks the group"
    off = Dashboard(content, LessonSettings(), {"facilitator": ""})
    assert not off.enter_facilitator("") and "not set up" in off.facilitator_status.html


def _walk_part(d) -> str:
    """Press Next through the part on screen; the projected HTML of every step, until the next part opens."""
    start, texts = d.current.id, []
    for _ in range(60):
        texts.append(html_of(d.main))
        _button(d.main, "Next").click()
        if d.current.id != start:
            break
    return "".join(texts)


def test_the_projected_view_never_shows_notes_or_codes_and_nurse_panels_only_to_a_nursing_class(content):
    patients = _group(content, "patient")
    patients.show_code("K7M-4QX-9TD")
    everything = "".join(html_of(s) for s in [patients.widget] + [c for c in patients.cache.values()])
    shown = _walk_part(patients)
    assert patients.current.id == "questions", "Next after the last step opens the next part"
    assert "h2l-educator" not in shown and "Educator note" not in shown and "h2l-nurse" not in shown
    assert "K7M-4QX-9TD" not in everything and "K7M-4QX-9TD" not in html_of(patients.account)
    seen = _walk_part(_group(content, "nurse"))
    assert "h2l-nurse" in seen and "Educator note" not in seen


def test_a_group_sees_one_question_per_step_and_reveal_shows_it_unanswered(content):
    d = _group(content, "patient")
    quiz = d.quizzes["testing"]
    stage = d.cache["testing"].children[0]
    for _ in range(60):
        if find(stage, lambda c: "h2l-quiz" in getattr(c, "_dom_classes", ())):
            break
        _button(d.main, "Next").click()
    views = [v for q in (quiz, *d.checkpoints.get("testing", [])) for v in q.views]  # quick checks come first
    shown = [v for v in views if find(stage, lambda c, v=v: c is v.widget)]
    assert len(shown) == 1, "one question on screen"
    view = shown[0]
    target = view.parts[0] if hasattr(view, "parts") else view
    assert not target.record.checks
    _button(stage, "Reveal the answer").click()
    assert "The answer is" in target.form.feedback_html or "answer" in target.form.feedback_html.lower()
    assert target.record.revealed


def test_a_held_group_answer_is_released_by_reveal(content):
    d = _group(content, "patient")
    quiz = d.quizzes["testing"]
    view = quiz.question_views[0]
    view.set_answer([next(i for i, o in enumerate(view.q.options) if o.correct)])
    view.press("check")
    assert "facilitator will show" in view.form.feedback_html
    from her2lesson.dashboard.presenter import reveal_answer
    reveal_answer(view)
    assert "Correct" in view.form.feedback_html


def test_the_presenter_window_lists_the_steps_and_the_educator_notes(content):
    group = _group(content, "patient")
    presenter = Dashboard(content, LessonSettings(), {"presenter": "", "track": "patient", "section": "testing"})
    panel = html_of(presenter.main)
    count = len(group._steps(group.current))
    assert panel.count("<li data-step=") == count
    assert "Educator note" in panel
    assert "h2l-remote-next" in panel and not presenter.code


def test_next_previous_and_bad_indexes(content):
    d = Dashboard(content, params={"track": "patient"})
    assert d.prev_button.disabled
    d.next_button.click()
    assert d.index == 1
    for bad in (-1, 999, "2", None):
        d.go(bad)
    assert d.index == 1


def test_progress_marks_a_section_finished_when_its_quiz_is_answered(content):
    d = Dashboard(content, params={"track": "patient", "section": "causes"})
    button = d.nav_buttons[d.index]
    assert not button.description.startswith("\u2713")
    assert button.description.startswith("\u2022"), "seen, self-check not yet done"
    for quiz in (d.quizzes["causes"], *d.checkpoints.get("causes", [])):  # the end check and any quick checks
        answer_all(quiz)
    assert button.description.startswith("\u2713")
    assert re.search(r"1 of (\d+) parts seen", d.progress.value), "the link opened causes directly"
    d.go(d.index + 1)
    d.go(d.index + 1)
    assert re.search(r"3 of (\d+) parts seen", d.progress.value), "every part opened counts, quiz or not"
    assert f"Part {d.index + 1} of {len(d.pages)}" in d.where.value and "min" in d.where.value


def test_a_link_to_a_part_wins_over_the_resumed_place_and_says_welcome_back(content):
    d = Dashboard(content, params={"section": "testing"})
    d.restore({"track": "patient", "section": "outlook", "visited": ["welcome", "outlook"]}, [])
    assert d.current.id == "testing"
    assert "Welcome back" in d.notices.html
    plain = Dashboard(content, params={})
    plain.restore({"track": "patient", "section": "outlook", "visited": ["outlook"]}, [])
    assert plain.current.id == "outlook"


def find(widget, match):
    """The first widget in the tree under `widget` for which `match` is true (depth first), or None."""
    if match(widget):
        return widget
    for child in getattr(widget, "children", ()):
        found = find(child, match)
        if found is not None:
            return found
    return None


def _button(widget, label):
    return find(widget, lambda c: getattr(c, "description", None) == label)


def test_start_fresh_asks_first(content):
    fresh = []
    d = Dashboard(content, params={"track": "patient"}, start_fresh=lambda: fresh.append(1), resume=lambda c: False)
    d.show_code("K7M-4QX-9TD")
    _button(d.account, "Not you? Start fresh").click()
    assert not fresh
    assert find(d.account, lambda c: "K7M-4QX-9TD" in getattr(c, "value", "") and "stay saved" in c.value)
    _button(d.account, "No, keep going").click()
    assert not fresh and _button(d.account, "Not you? Start fresh")
    _button(d.account, "Not you? Start fresh").click()
    _button(d.account, "Yes, start fresh").click()
    assert fresh == [1]


def test_coming_back_opens_the_code_box_below_the_three_paths(content):
    d = Dashboard(content, params={}, resume=lambda c: False)
    start = d.main.children[0]
    kinds = [type(c).__name__ for c in start.children]
    toggle = _button(start, "Coming back? Use my resume code")
    paths = [i for i, c in enumerate(start.children) if _button(c, "I am a nurse or a nursing student")]
    prompt = [i for i, c in enumerate(start.children) if find(c, lambda x: x is toggle)]
    assert paths and prompt and paths[0] < prompt[0], kinds
    entry = find(start, lambda c: getattr(c, "label", "") == "Coming back? Type your resume code")
    assert entry.layout.display == "none"
    toggle.click()
    assert entry.layout.display is None and toggle.layout.display == "none"


def test_display_settings_come_back_from_the_browser(content):
    d = Dashboard(content, params={"track": "patient"})
    d.display_store._message(d.display_store, {"loaded": "larger|1"}, None)
    assert d.size.value == "larger" and d.contrast.value is True
    assert "h2l-contrast" in d.widget._dom_classes
    d.size.value = "large"
    assert d.display_store.value == "large|1"


def test_answers_are_reported_as_they_happen(content):
    events = []
    d = Dashboard(content, params={"track": "patient", "section": "causes"}, listener=events.append)
    answer_all(d.quizzes["causes"])
    answers = [e for e in events if isinstance(e, Answered)]
    assert len(answers) == len(d.quizzes["causes"].question_views)
    assert all(a.correct is True and a.section == "causes" and a.action == "check" for a in answers)


@pytest.fixture
def records_dir(monkeypatch, tmp_path):
    """Where a certificate made on the page is recorded (the kernel finds its records through the environment)."""
    from her2lesson.records import DATA_DIR_ENV

    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "var"))
    return tmp_path / "var"


def _final(content, right: bool, settings=None):
    d = Dashboard(content, settings or LessonSettings(provider="Ward 5 Education", contact_hours=1.5),
                  params={"track": "nurse", "section": FINAL})
    answer_all(d.quizzes[FINAL], right)
    return d


def test_final_check_pass_gives_a_certificate_with_the_typed_name(content, records_dir):
    pypdf = pytest.importorskip("pypdf")
    d = _final(content, right=True)
    assert d.finish.passed and "You passed" in d.finish.status.html
    pdf = d.finish.make_certificate("  Ada   <b>Lovelace</b>\n")
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Ada <b>Lovelace</b>" in text and "100%" in text and "Ward 5 Education" in text and "1.5" in text
    link = d.finish.link.value
    assert "&lt;b&gt;Lovelace&lt;/b&gt;" in link and "<b>Lovelace" not in link, "the name is escaped on screen"
    assert base64.b64decode(link.split("base64,")[1].split('"')[0]).startswith(b"%PDF")
    assert d.certificate_name == "Ada <b>Lovelace</b>"


def test_certificate_name_is_bounded(content, records_dir):
    d = _final(content, right=True)
    d.finish.make_certificate("x" * 500)
    assert len(d.finish.name) == 80


def test_final_check_below_the_pass_mark_gives_no_certificate(content):
    d = _final(content, right=False)
    assert not d.finish.passed and "The pass mark is 80%" in d.finish.status.html
    assert d.finish.make_certificate("Ada") is None
    assert d.finish.entry not in d.finish.widget.children


def test_pass_mark_is_configurable(content):
    d = _final(content, right=False, settings=LessonSettings(pass_mark=1))
    assert "pass mark is 1%" in d.finish.status.html


def test_take_home_sheet_holds_the_questions_and_key_points(content):
    """On screen: the help card, the questions and the key points. The PDF: one page with the help tiers."""
    pypdf = pytest.importorskip("pypdf")
    d = Dashboard(content, params={"track": "patient", "section": "questions"})
    builder = next(w for w in d.cache["questions"].children if "h2l-aid" in getattr(w, "_dom_classes", ()))
    group = builder.children[1]
    group.value = [0, 2]
    entry = builder.children[2]
    entry._message(entry, {"action": "add", "text": "<script>alert(1)</script> Can I keep working?"}, None)
    d.go(d.position_of(HANDOUT))
    preview = d.handout.preview.value
    assert "&lt;script&gt;" in preview and "<script>" not in preview
    assert content.care_questions.questions[0].text in preview
    assert "Key points" in preview and content.help_card.tiers[0].title in preview
    pdf = d.handout.build_pdf()
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = " ".join(reader.pages[0].extract_text().split())
    assert "Can I keep working?" in text
    for tier in content.help_card.tiers:
        assert tier.title in text
    assert "100.4" in text and "911" in text and "988" in text
    assert len(reader.pages) == 1, "the take-home sheet is one page"


def test_help_card_opens_the_symptoms_and_treatment_parts(content):
    """The when-to-get-help card comes right after the main message, before any detail, in both parts."""
    for section_id in ("symptoms", "treatment"):
        roles = [(b.kind, b.role) for b in content.section(section_id).blocks]
        main = roles.index(("markdown", "main-message"))
        after = [r for r in roles[main + 1:] if r[0] != "markdown" or r[1] == "chunk"]
        assert after[0] == ("aid", "help-card"), f"{section_id}: {roles}"


def test_help_card_numbers_show_everywhere_and_are_kept(content):
    events = []
    d = Dashboard(content, params={"track": "patient", "section": "symptoms"}, listener=events.append)
    card = d.help_cards[0]
    assert "100.4" in card.figure.value and "911" in card.figure.value
    day = card.entries[0]
    day._message(day, {"action": "add", "text": "<b>555-0100</b> call me"}, None)
    assert d.phones["day"] == "555-0100"  # only what a phone number is written with
    assert "555-0100" in card.figure.value and "<b>" not in card.figure.value
    assert PhonesChanged({"day": "555-0100"}) in events
    d.go(d.position_of("treatment"))
    assert len(d.help_cards) == 2 and "555-0100" in d.help_cards[1].figure.value
    night = d.help_cards[1].entries[1]
    night._message(night, {"action": "add", "text": "+1 (555) 0199"}, None)
    assert "+1 (555) 0199" in d.help_cards[0].figure.value, "the other copy of the card shows it too"
    d.go(d.position_of(HANDOUT))
    assert "+1 (555) 0199" in d.handout.preview.value
    d.phones = {}
    restored = Dashboard(content, params={})
    restored.restore({"track": "patient", "section": "symptoms", "phones": {"day": "555-0100", "night": 7}}, [])
    assert restored.phones == {"day": "555-0100"}
    assert "555-0100" in restored.help_cards[0].figure.value


def test_own_questions_are_bounded_in_length_and_number(content):
    d = Dashboard(content, params={"track": "patient", "section": "questions"})
    builder = next(w for w in d.cache["questions"].children if "h2l-aid" in getattr(w, "_dom_classes", ()))
    entry = builder.children[2]
    entry._message(entry, {"action": "add", "text": "y" * 1000}, None)
    assert len(d.question_list[-1]) <= 303
    for k in range(30):
        entry._message(entry, {"action": "add", "text": f"q{k}"}, None)
    assert len(d.question_list) == 20
    entry._message(entry, {"action": "add", "text": 42}, None)  # not text: ignored with a message
    assert len(d.question_list) == 20


def test_case_questions_show_up_in_the_nursing_testing_quiz(content):
    d = Dashboard(content, params={"track": "nurse", "section": "testing"})
    assert any(isinstance(v, CaseView) for v in d.quizzes["testing"].views)


def test_a_learner_resumes_where_they_left_off(content, tmp_path):
    from her2lesson.dashboard.session import LearnerSession
    from her2lesson.records import open_store

    first = LearnerSession(lambda: open_store(data_dir=tmp_path))
    d = Dashboard(content, params={"track": "nurse", "section": "causes"}, listener=first.on_event, resume=first.resume)
    first.attach(d)
    first.browser._message(first.browser, {"loaded": None}, None)  # this browser had no code yet
    assert first.browser.value == d.code.replace("-", "") or d.code
    answer_all(d.quizzes["causes"])
    d.go(d.position_of("testing"))
    builder_page = d.position_of("questions")
    d.go(builder_page)

    again = LearnerSession(lambda: open_store(data_dir=tmp_path))
    d2 = Dashboard(content, listener=again.on_event, resume=again.resume)
    again.attach(d2)
    again.browser._message(again.browser, {"loaded": None}, None)
    assert d2.track is None, "a new browser starts fresh"
    assert again.resume(d.code.lower().replace("-", " "))
    assert d2.track == "nurse" and d2.current.id == "questions" and d2.code == d.code
    assert {"causes", "testing"} <= d2.visited
    restored = d2.quizzes["causes"]
    assert restored.score().answered == restored.score().total
    assert all("Correct" in v.form.feedback_html for v in restored.question_views)


def test_a_store_that_fails_never_breaks_the_page(content):
    from her2lesson.dashboard.session import LearnerSession

    def broken():
        raise OSError("disk on fire")

    session = LearnerSession(broken)
    d = Dashboard(content, params={"track": "patient", "section": "causes"}, listener=session.on_event)
    session.attach(d)
    answer_all(d.quizzes["causes"])
    assert "cannot be saved right now" in d.notices.html


def test_answers_given_while_the_store_is_away_are_written_when_it_returns(content, tmp_path, caplog):
    import logging

    from her2lesson.dashboard.session import LearnerSession
    from her2lesson.records import open_store

    real = open_store(data_dir=tmp_path)
    down = {"now": True}

    def opener():
        if down["now"]:
            raise OSError("database is down")
        return real

    caplog.set_level(logging.WARNING, logger="her2lesson.dashboard.session")
    session = LearnerSession(opener)
    d = Dashboard(content, params={"track": "patient", "section": "causes"}, listener=session.on_event)
    session.attach(d)
    session.browser._message(session.browser, {"loaded": None}, None)  # the page is drawn
    answer_all(d.quizzes["causes"])
    answered = d.quizzes["causes"].score().answered
    assert "cannot be saved right now" in d.notices.html and not d.code and session.pending
    assert any("database is down" in r.getMessage() for r in caplog.records), "the server's log says why"
    down["now"] = False
    d.go(d.index + 1)  # the learner's next change finds the store back
    assert not session.pending and "saved again" in d.notices.html and d.code, "told, and given a resume code"
    record = real.load(session.learner.id)
    assert len(record.answers) == answered and record.state["section"] == d.current.id
    assert any("saving again" in r.getMessage() for r in caplog.records)


def test_ihc_explainer_asks_for_ish_only_after_2_plus_and_speaks_the_track(content):
    from her2lesson.dashboard.aids import IhcExplainer
    from her2lesson.strings import Strings

    t = Strings.for_language(content.strings)
    patient = IhcExplainer(content, "patient", t)
    patient.ihc.value = [patient.ihc_keys.index("3+")]
    from html import escape

    assert escape(content.ihc_explainer.ihc["3+"].patient) in patient.out.html
    assert patient.ish_box.children == ()
    patient.ihc.value = [patient.ihc_keys.index("2+")]
    assert patient.ish_box.children == (patient.ish,) and "Pick an ISH result" in patient.out.html
    patient.ish.value = [patient.ish_keys.index("positive")]
    assert "ISH positive" in patient.out.html
    nurse = IhcExplainer(content, "nurse", t)
    nurse.ihc.value = [nurse.ihc_keys.index("2+")]
    assert patient.out.html != nurse.out.html


def test_try_again_is_not_mistaken_for_a_storage_failure(content, tmp_path):
    from her2lesson.dashboard.session import LearnerSession
    from her2lesson.records import open_store

    session = LearnerSession(lambda: open_store(data_dir=tmp_path))
    d = Dashboard(content, params={"track": "patient", "section": "causes"}, listener=session.on_event)
    session.attach(d)
    view = next(v for v in d.quizzes["causes"].question_views if v.q.type == "single")
    view.set_answer([next(i for i, o in enumerate(view.q.options) if not o.correct)])
    view.press("check")
    view.press("retry")
    view.set_answer([next(i for i, o in enumerate(view.q.options) if o.correct)])
    view.press("check")
    assert not session.failed and d.notices.html == ""
    events = session.store().load(session.learner.id).answers
    assert [e.correct for e in events] == [False, True]


def _session_dashboard(content, tmp_path, **params):
    from her2lesson.dashboard.session import LearnerSession
    from her2lesson.records import open_store

    session = LearnerSession(lambda: open_store(data_dir=tmp_path), cohort_code=params.pop("cohort", None))
    d = Dashboard(content, params=params, listener=session.on_event, resume=session.resume,
                  start_fresh=session.start_fresh)
    session.attach(d)
    return session, d


def test_a_failed_final_check_can_be_taken_again_and_stays_fresh_after_resume(content, tmp_path):
    session, d = _session_dashboard(content, tmp_path, track="nurse", section=FINAL)
    answer_all(d.quizzes[FINAL], right=False)
    assert d.finish.retake_button in d.finish.widget.children
    d.finish.retake_button.click()
    fresh = d.quizzes[FINAL]
    assert fresh.score().answered == 0 and all(not v.form.disabled for v in fresh.question_views)
    answer_all(fresh, right=True)
    assert d.finish.passed
    again, d2 = _session_dashboard(content, tmp_path)
    assert again.resume(d.code)
    d2.go(d2.position_of(FINAL))
    assert d2.quizzes[FINAL].score().right_first_time == d2.quizzes[FINAL].score().total
    assert d2.seed == d.seed, "options come back in the same order"


def test_the_educator_sees_the_score_the_learner_sees_after_a_retake(content, tmp_path):
    """One ledger: the retaken final check counts from its new start and on first answers, on the learner's page,
    after a resume, and in the educator's results (which once showed 100% beside the learner's 52%)."""
    from her2lesson.dashboard.finish import FinishPanel
    from her2lesson.records import open_store

    with open_store(data_dir=tmp_path) as store:
        ward = store.create_cohort("Ward 5")
    session, d = _session_dashboard(content, tmp_path, track="nurse", section=FINAL, cohort=ward.join_code)
    answer_all(d.quizzes[FINAL], right=False)
    d.finish.retake_button.click()
    first, *rest = d.quizzes[FINAL].question_views
    answer_all(SimpleNamespace(question_views=[first]), right=False)
    first.press("retry")
    answer_all(SimpleNamespace(question_views=[first]), right=True)  # right in the end, not on the first try
    answer_all(SimpleNamespace(question_views=rest), right=True)
    learner_sees = FinishPanel.percent(d.quizzes[FINAL].score())
    assert 0 < learner_sees < 100
    again, d2 = _session_dashboard(content, tmp_path)
    assert again.resume(d.code)
    d2.go(d2.position_of(FINAL))
    assert FinishPanel.percent(d2.quizzes[FINAL].score()) == learner_sees
    with open_store(data_dir=tmp_path) as store:
        results = store.results(ward.id, scored=scored_check(content))
    assert [p.final_percent for p in results.learners] == [learner_sees]


def _with_quick_check(root, bank: str, notebook: str, audiences: tuple[str, ...], name: str = "zz-quick"):
    """Mark one question of a bank copy (for these audiences, not yet in a quick check) as a quick check, placed
    right after the part's objectives."""
    import nbformat
    import yaml

    from her2lesson.content import check

    path = root / "data" / "questions" / f"{bank}.yaml"
    data = yaml.safe_load(path.read_text())
    question_index = next(i for i, q in enumerate(data["questions"])
                          if q["audience"] in audiences and "checkpoint" not in q)
    data["questions"][question_index]["checkpoint"] = name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    qid = data["questions"][question_index]["id"]
    translated = root / "data" / "es" / "questions" / f"{bank}.yaml"  # the Spanish module mirrors the change
    spanish = yaml.safe_load(translated.read_text())
    for q in spanish["questions"]:
        q.update({"checkpoint": name} if q["id"] == qid else {})
    translated.write_text(yaml.safe_dump(spanish, sort_keys=False, allow_unicode=True), encoding="utf-8")
    for nb_path in (root / "notebooks" / notebook, root / "notebooks" / "es" / notebook):
        nb = nbformat.read(nb_path, as_version=4)
        at = next(i for i, c in enumerate(nb.cells) if "objectives" in c.metadata.get("tags", [])) + 1
        nb.cells.insert(at, nbformat.v4.new_code_cell(f'quiz("{bank}:{name}")'))
        nbformat.write(nb, nb_path)
    loaded, problems = check(root)
    assert not problems, problems
    return loaded, data["questions"][question_index]["id"]


def test_a_quick_check_inside_a_part_asks_its_own_questions_and_counts_for_progress(content_copy):
    loaded, qid = _with_quick_check(content_copy, "causes", "02_causes.ipynb", ("patient", "both"))
    d = Dashboard(loaded, params={"track": "patient", "section": "causes"})
    quick = next(q for q in d.checkpoints["causes"] if [v.q.id for v in q.question_views] == [qid])
    end = d.quizzes["causes"]
    assert [v.q.id for v in quick.question_views] == [qid]
    assert qid not in [v.q.id for v in end.question_views], "asked once: inside the part, not again at its end"
    children = list(d.main.children[0].children)
    assert children.index(quick.widget) < children.index(end.widget)
    assert "Quick check" in quick.widget.children[0].value
    answer_all(end)
    for other in d.checkpoints["causes"]:
        if other is not quick:
            answer_all(other)
    assert not d.finished(d.current), "the quick check is part of the part's self-check"
    answer_all(quick)
    assert d.finished(d.current)
    assert quick.score_line.value == "" and end.score_line.value, "a running score only for the end check"


def test_a_quick_check_with_nothing_for_this_track_shows_nothing(content_copy):
    loaded, _qid = _with_quick_check(content_copy, "testing", "04_testing.ipynb", ("nurse",))
    patient = Dashboard(loaded, params={"track": "patient", "section": "testing"})
    nurse = Dashboard(loaded, params={"track": "nurse", "section": "testing"})
    assert len(nurse.checkpoints.get("testing", [])) == len(patient.checkpoints.get("testing", [])) + 1


def test_a_page_may_type_only_so_many_wrong_resume_codes(content, tmp_path):
    from her2lesson.dashboard.session import MAX_CODE_TRIES

    owner, d1 = _session_dashboard(content, tmp_path, track="patient", section="causes")
    owner.browser._message(owner.browser, {"loaded": None}, None)
    answer_all(d1.quizzes["causes"])
    real_code = d1.code
    guesser, d = _session_dashboard(content, tmp_path)
    for _ in range(MAX_CODE_TRIES):
        assert not guesser.resume("ZZZ-ZZZ-ZZZ")
        assert "could not find that code" in d.notices.html
    assert not guesser.resume(real_code), "after ten wrong codes, not even a right one opens on this page"
    assert "too many codes" in d.notices.html
    again, d2 = _session_dashboard(content, tmp_path)
    assert again.resume(real_code), "a new page (a reload) may try again"


def test_not_you_starts_fresh_on_a_shared_device(content, tmp_path):
    session, d = _session_dashboard(content, tmp_path, track="patient", section="causes")
    session.browser._message(session.browser, {"loaded": None}, None)
    answer_all(d.quizzes["causes"])
    old = d.code
    assert old and session.browser.value
    session.start_fresh()
    assert d.track is None and d.code == "" and not d.records and session.browser.value == ""
    assert find(d.main, lambda c: getattr(c, "label", "") == "Coming back? Type your resume code")
    d.choose_track("patient")
    session.browser._message(session.browser, {"loaded": None}, None)
    assert d.code and d.code != old


def test_a_class_link_does_not_resume_a_record_from_outside_the_class(content, tmp_path):
    from her2lesson.records import open_store

    first, d1 = _session_dashboard(content, tmp_path, track="patient")
    first.browser._message(first.browser, {"loaded": None}, None)
    with open_store(data_dir=tmp_path) as store:
        cohort = store.create_cohort("Ward 5")
    joined, d2 = _session_dashboard(content, tmp_path, cohort=cohort.join_code, track="patient")
    joined.browser._message(joined.browser, {"loaded": d1.code}, None)
    assert d2.code and d2.code != d1.code
    assert joined.learner.cohort_id == cohort.id


def test_sources_are_escaped_links_and_name_the_authors_and_contact(content):
    from her2lesson.content.library import Source
    from her2lesson.dashboard.aids import source_list
    from her2lesson.strings import Strings

    t = Strings.for_language(content.strings)
    html = source_list(content, t, LessonSettings()).value
    with_url = [s for s in content.sources.values() if s.url]
    assert with_url and html.count('rel="noopener" target="_blank"') == len(with_url)
    for s in with_url:
        assert f'<a href="{escape(s.url)}" rel="noopener" target="_blank">{escape(s.title)}' in html
    assert "h2l-made-by" not in html, "nothing about the makers when the settings leave them empty"

    tricky = dict(content.sources)
    tricky["evil"] = Source(title='Quotes " and <tags>', publisher="P", year=2024, url='https://x.org/?a=1&b="2"')
    tricky["script"] = Source(title="Not a link", publisher="P", year=2024, url="javascript:alert(1)")
    html = source_list(SimpleNamespace(sources=tricky), t, LessonSettings(
        authors="Ward 5 <nurses> & pharmacists", contact="errors@ward5.example.org")).value
    assert '<a href="https://x.org/?a=1&amp;b=&quot;2&quot;" rel="noopener" target="_blank">' \
           'Quotes &quot; and &lt;tags&gt;' in html
    assert "javascript:" not in html and "Not a link" in html
    assert "Made and reviewed by Ward 5 &lt;nurses&gt; &amp; pharmacists." in html
    assert 'To report an error, contact <a href="mailto:errors@ward5.example.org" rel="noopener">' in html
    web = source_list(SimpleNamespace(sources={}), t, LessonSettings(contact="https://ward5.example.org/report")).value
    assert '<a href="https://ward5.example.org/report" rel="noopener" target="_blank">' in web
    plain = source_list(SimpleNamespace(sources={}), t, LessonSettings(contact="the ward <desk>")).value
    assert "contact the ward &lt;desk&gt;." in plain and "<a" not in plain


def test_sources_read_the_makers_from_the_server_settings(content, monkeypatch):
    from her2lesson.dashboard.aids import source_list
    from her2lesson.strings import Strings

    monkeypatch.setenv("HER2LESSON_AUTHORS", "The Ward 5 team")
    monkeypatch.setenv("HER2LESSON_CONTACT", "desk@ward5.example.org")
    html = source_list(content, Strings.for_language(content.strings)).value
    assert "Made and reviewed by The Ward 5 team." in html and "mailto:desk@ward5.example.org" in html
    d = Dashboard(content, params={"track": "patient", "section": "sources"})
    assert "The Ward 5 team" in html_of(d.main)


def test_serve_options_reach_the_settings():
    from her2lesson.cli import build_parser

    args = build_parser().parse_args(["serve", "--accreditation", "Approved by X", "--authors", "A and B",
                                      "--contact", "c@example.org"])
    assert (args.accreditation, args.authors, args.contact) == ("Approved by X", "A and B", "c@example.org")
    env = LessonSettings(accreditation="Approved by X", authors="A and B", contact="c@example.org").to_env()
    assert LessonSettings.from_env(env).accreditation == "Approved by X"
    assert [f for f in LessonSettings.__dataclass_fields__][-3:] == ["accreditation", "authors", "contact"]


def test_every_setting_is_one_serve_option_that_reaches_the_kernel_unchanged():
    """Declared once (settings.py): each setting is a `serve` option, and the kernel reads back what serve passed;
    a bad value in the environment falls back to the default instead of breaking a learner's page."""
    from dataclasses import fields

    from her2lesson.cli import build_parser

    args = build_parser().parse_args(["serve", "--pass-mark", "75", "--provider", "Ward 5", "--contact-hours", "1.5",
                                      "--facilitator-code", "group-7", "--accreditation", "A", "--authors", "B",
                                      "--contact", "C"])
    settings = LessonSettings.from_args(args)
    assert settings == LessonSettings(75, "Ward 5", 1.5, "group-7", "A", "B", "C")
    assert LessonSettings.from_env(settings.to_env()) == settings
    assert {"--" + f.name.replace("_", "-") for f in fields(LessonSettings)} <= set(
        build_parser()._subparsers._group_actions[0].choices["serve"]._option_string_actions)
    assert LessonSettings.from_env({"HER2LESSON_PASS_MARK": "150"}).pass_mark == 80
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--pass-mark", "0"])


def test_the_educator_csv_names_each_question_by_its_words(content, tmp_path):
    import csv

    from her2lesson.dashboard.educator import EducatorView
    from her2lesson.records import open_store
    from her2lesson.strings import Strings

    question = content.banks["testing"].questions[0]
    with open_store(None, tmp_path) as store:
        cohort = store.create_cohort("Ward 5")
        learner = store.create_learner("nurse", cohort.id)
        store.record_answer(learner.id, question.id, "check", False, section="testing")
    view = EducatorView(content, Strings.for_language(content.strings), lambda: open_store(None, tmp_path))
    view.open(cohort.educator_code)
    link = re.search(r'download="class-questions.csv" href="data:text/csv;charset=utf-8;base64,([^"]+)"',
                     view.report.value)
    rows = list(csv.DictReader(io.StringIO(base64.b64decode(link.group(1)).decode("utf-8"))))
    assert [(r["question"], r["question_text"]) for r in rows] == [(question.id, question.prompt)]
    assert escape(question.prompt[:40]) in view.report.value


def test_own_questions_can_be_removed(content):
    d = Dashboard(content, params={"track": "patient", "section": "questions"})
    builder = next(w for w in d.cache["questions"].children if "h2l-aid" in getattr(w, "_dom_classes", ()))
    entry = find(builder, lambda c: getattr(c, "label", "") == "My own question")
    for text in ("Can I work?", "Can I travel?"):
        entry._message(entry, {"action": "add", "text": text}, None)
    assert d.question_list[-2:] == ["Can I work?", "Can I travel?"]
    _button(builder, "Remove question 1").click()
    assert "Can I work?" not in d.question_list and "Can I travel?" in d.question_list
    assert _button(builder, "Remove question 2") is None and _button(builder, "Remove question 1")


def test_any_bank_can_be_the_scored_one(content_copy):
    """The scored check is what the content marks `scored: true`, not a name in the engine: moved to `testing`,
    that part's check takes one try per question and the old final-check part is an ordinary part."""
    from her2lesson.content import check
    for name, scored in (("final-check", False), ("testing", True)):
        path = content_copy / "data" / "questions" / f"{name}.yaml"
        text = path.read_text(encoding="utf-8").replace("\nscored: true  ", "\n# was scored  ")
        path.write_text(text.replace("\nquestions:\n", "\nscored: true\nquestions:\n", 1) if scored else text,
                        encoding="utf-8")
    content, problems = check(content_copy)
    assert not problems, problems
    assert content.scored_bank.section == "testing" and scored_check(content).total("nurse") > 0
    d = Dashboard(content, LessonSettings(), params={"track": "nurse", "section": "testing"})
    quiz = d.quizzes["testing"]
    assert quiz.views[0].options.exam and d.finish is not None
    answer_all(quiz, right=False)
    assert all(v.locked for v in quiz.question_views)  # one scored try each: no "try again"
    d.go(d.position_of(FINAL))
    assert not d.quizzes[FINAL].views[0].options.exam
