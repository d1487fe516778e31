"""Certificates of completion: the PDF, the ID the records keep for it, and checking it (command and educator view).

`TestCertificateRecords` holds what every store must do; tests/test_certificate_postgres.py runs it on PostgreSQL.
"""
from __future__ import annotations

import io
import re
import sqlite3
from datetime import date
from types import SimpleNamespace

import pytest

from her2lesson import cli
from her2lesson.dashboard import Dashboard
from her2lesson.dashboard.educator import EducatorView
from her2lesson.documents import MAX_NAME, Certificate, _document, certificate_pdf, name_lines
from her2lesson.records import DATA_DIR_ENV, codes, open_store, verify
from her2lesson.records.certificates import name_matches
from her2lesson.records.sql import SCHEMA_VERSION
from her2lesson.settings import LessonSettings
from tests.test_dashboard import FINAL, answer_all, html_of
from tests.test_records import Clock, make_store  # noqa: F401 - the SQLite fixture, shared

ID = re.compile(rf"\b[{codes.ALPHABET}]{{4}}-[{codes.ALPHABET}]{{4}}-[{codes.ALPHABET}]{{4}}\b")
LONG_NAME = "Bartholomew Maximilian Fitzgerald-Worthington Montgomery-Smythe Alexandrovich II"  # 80 characters
SETTINGS = LessonSettings(provider="Ward 5 Education", contact_hours=1.5,
                          accreditation="Approved for 1.5 nursing contact hours by the Example Board of Nursing")


@pytest.fixture
def clock() -> Clock:
    return Clock()


def pdf_text(pdf: bytes) -> str:
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return reader.pages[0].extract_text()


def issue(store, name: str = "Ada Lovelace", score: int = 92):
    return store.issue_certificate(score=score, pass_mark=80, provider="Ward 5 Education", contact_hours=1.5,
                                   issued=date(2026, 3, 14), name=name)


# --- the records ----------------------------------------------------------------------------------------------------
class TestCertificateRecords:
    """What every store must do with certificates, whatever the backend."""

    def test_an_issued_certificate_is_found_by_its_id_and_a_made_up_one_is_not(self, make_store):
        store = make_store()
        cert = issue(store)
        assert ID.fullmatch(cert.id)
        found = make_store().certificate(cert.id.lower().replace("-", " "))
        assert (found.id, found.issued, found.score, found.pass_mark, found.provider, found.contact_hours) == \
            (cert.id, date(2026, 3, 14), 92, 80, "Ward 5 Education", 1.5)
        assert store.certificate("ZZZZ-ZZZZ-ZZZZ") is None and store.certificate("not an id") is None
        assert issue(store).id != cert.id
        assert store.count("certificates") == 2

    def test_the_name_is_kept_only_as_a_salted_hash_that_confirms_it(self, make_store):
        store = make_store()
        first, second = issue(store, "Ada Lovelace"), issue(store, "Ada Lovelace")
        assert "Ada" not in first.name_digest and first.name_digest != second.name_digest, "salted per certificate"
        assert verify(store, first.id, "  ada   LOVELACE ").name_match is True
        mismatch = verify(store, first.id, "Grace Hopper")
        assert mismatch.name_match is False and not mismatch.genuine
        plain = verify(store, first.id)
        assert plain.genuine and plain.name_match is None
        assert not verify(store, "K7M4-QX9T-D2A8").genuine

    def test_erasing_and_purging_learners_leave_certificates_checkable(self, make_store, clock):
        store = make_store()
        learner = store.create_learner("nurse")
        cert = issue(store)
        store.erase(learner.resume_code)
        clock.advance(400)
        store.purge(30)
        assert verify(store, cert.id).genuine

    def test_a_database_from_before_certificates_is_upgraded_keeping_its_records(self, make_store):
        old = make_store()
        learner = old.create_learner("nurse")
        old._run(lambda cur: cur.execute("DROP TABLE certificates"))
        old._run(lambda cur: cur.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'"))
        assert old.schema_version() == 1
        upgraded = make_store()
        assert upgraded.schema_version() == SCHEMA_VERSION == 4
        assert upgraded.find_learner(learner.resume_code).id == learner.id
        assert verify(upgraded, issue(upgraded).id).genuine

    def test_a_database_from_a_newer_version_is_refused(self, make_store):
        from her2lesson.records import StoreError

        store = make_store()
        store._run(lambda cur: cur.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'"))
        with pytest.raises(StoreError, match="newer her2lesson"):
            make_store()

    def test_verify_command_says_genuine_with_date_score_and_provider(self, make_store, capsys, where):
        cert = issue(make_store())
        assert cli.main(["verify", cert.id.lower(), *where]) == 0
        out = capsys.readouterr().out
        assert out.startswith(f"Certificate {cert.id}: genuine.")
        assert "2026-03-14" in out and "92% (pass mark 80%)" in out and "Ward 5 Education" in out
        assert cli.main(["verify", cert.id, "--name", "ADA lovelace", *where]) == 0
        assert "Name: matches" in capsys.readouterr().out
        assert cli.main(["verify", cert.id, "--name", "Grace Hopper", *where]) == 1
        assert "NOT to that name" in capsys.readouterr().out
        for made_up in ("K7M4-QX9T-D2A8", "hello"):
            assert cli.main(["verify", made_up, *where]) == 1
            out, err = capsys.readouterr()
            assert out.startswith("Not genuine") and "Traceback" not in err


@pytest.fixture
def where(tmp_path) -> list[str]:
    """The command-line options that open the same SQLite store as `make_store`."""
    return ["--data-dir", str(tmp_path / "var")]


def test_certificates_hold_no_name_in_the_file(make_store, tmp_path):
    issue(make_store(), "Zebedee Quixote")
    make_store()._after_delete()  # checkpoint the write-ahead log into the file
    data = b"".join(p.read_bytes() for p in (tmp_path / "var").glob("records.sqlite3*"))
    assert b"Zebedee" not in data and b"zebedee" not in data
    columns = {row[1] for row in sqlite3.connect(tmp_path / "var" / "records.sqlite3")
               .execute("PRAGMA table_info(certificates)")}
    assert not any("name" == c for c in columns) and "name_hash" in columns


def test_a_name_digest_that_cannot_be_read_never_matches():
    assert not name_matches("Ada", "") and not name_matches("Ada", "md5$1$00$00") and not name_matches("Ada", "x$y")


# --- the PDF --------------------------------------------------------------------------------------------------------
def _certificate(name: str = "Ada Lovelace", **extra) -> Certificate:
    values = dict(module_title="Metastatic HER2-positive breast cancer", name=name, score_percent=92,
                  provider=SETTINGS.provider, contact_hours=1.5, issued=date(2026, 3, 14), pass_mark=80,
                  accreditation=SETTINGS.accreditation, certificate_id="K7M4-QX9T-D2A8",
                  verify_note="To check this certificate, ask Ward 5 Education: her2lesson verify K7M4-QX9T-D2A8")
    return Certificate(**{**values, **extra})


def test_the_pdf_shows_the_id_how_to_check_it_the_provider_and_the_accreditation():
    text = pdf_text(certificate_pdf(_certificate()))
    flat = " ".join(text.split())
    for expected in ("K7M4-QX9T-D2A8", "her2lesson verify", "Ward 5 Education", SETTINGS.accreditation,
                     "92% (pass mark 80%)", "1.5", "2026-03-14", "Ada Lovelace", "Certificate ID"):
        assert expected in flat, expected


def test_the_pdf_is_one_landscape_page():
    pypdf = pytest.importorskip("pypdf")
    page = pypdf.PdfReader(io.BytesIO(certificate_pdf(_certificate()))).pages[0]
    assert float(page.mediabox.width) > float(page.mediabox.height)


def test_without_an_id_the_pdf_offers_no_way_to_check_it():
    text = pdf_text(certificate_pdf(_certificate(certificate_id="", verify_note="")))
    assert "Certificate ID" not in text and "verify" not in text and "Ward 5 Education" in text


@pytest.mark.parametrize("name", [LONG_NAME, "Maria-Guadalupe Alexandra Wolfeschlegelsteinhausenbergerdorff de la Cruz",
                                  "W" * 40 + " " + "M" * 39, "x" * MAX_NAME, "Ana de la Cruz y Fernández-Ölmez " * 3])
def test_a_long_name_is_never_cut_mid_word(name):
    name = " ".join(name.split())[:MAX_NAME].strip()
    doc = _document("L")
    size, lines = name_lines(doc, name, 230)
    assert " ".join(lines) == name, "lines break only between words"
    doc.style(size, True)
    assert all(doc.get_string_width(doc.text_of(line)) <= 230 + 0.01 for line in lines), "each line fits"
    assert size >= 10 or len(name.split()) == 1
    words = set(" ".join(pdf_text(certificate_pdf(_certificate(name))).split()).split(" "))
    assert set(name.split()) <= words, "every word of the name is printed whole"


def test_a_short_name_is_one_large_line_and_a_long_one_shrinks_before_it_wraps():
    doc = _document("L")
    short_size, short = name_lines(doc, "Ada Lovelace", 230)
    long_size, long = name_lines(doc, LONG_NAME, 230)
    assert short == ["Ada Lovelace"] and short_size == 30
    assert len(LONG_NAME) == MAX_NAME and long_size < short_size and len(long) == 2
    widths = [doc.get_string_width(line) for line in long]
    assert min(widths) > 0.5 * max(widths), "the lines are balanced, no lone word"


# --- the dashboard: a pass makes a certificate with an ID ----------------------------------------------------------
@pytest.fixture
def records(monkeypatch, tmp_path):
    """The records the dashboard's kernel would open (through the environment, as `her2lesson serve` sets it)."""
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "var"))
    return tmp_path / "var"


def _final(content, right: bool, settings: LessonSettings = SETTINGS) -> Dashboard:
    d = Dashboard(content, settings, params={"track": "nurse", "section": FINAL})
    answer_all(d.quizzes[FINAL], right)
    return d


def test_a_pass_gives_a_certificate_whose_id_verifies(content, records, capsys):
    d = _final(content, right=True)
    pdf = d.finish.make_certificate("Ada Lovelace")
    cert_id = d.finish.certificate_id
    assert ID.fullmatch(cert_id)
    text = " ".join(pdf_text(pdf).split())
    assert cert_id in text and "Ward 5 Education" in text and SETTINGS.accreditation in text
    assert cert_id in d.finish.link.value
    assert d.finish.make_certificate("Ada Lovelace") and d.finish.certificate_id == cert_id, "no second ID"
    assert cli.main(["verify", cert_id, "--name", "Ada Lovelace", "--data-dir", str(records)]) == 0
    out = capsys.readouterr().out
    assert "genuine" in out and "100% (pass mark 80%)" in out and "Ward 5 Education" in out
    with open_store(None, records) as store:
        assert store.count("certificates") == 1


def test_a_certificate_is_still_made_when_the_records_fail(content):
    def broken():
        raise OSError("disk on fire")

    d = _final(content, right=True)
    d.finish._records = broken
    pdf = d.finish.make_certificate("Ada Lovelace")
    assert pdf and d.finish.certificate_id == ""
    assert "Certificate ID" not in pdf_text(pdf)
    assert "could not be recorded" in d.finish.link.value


# --- the educator view checks a certificate -------------------------------------------------------------------------
def test_the_educator_view_checks_a_certificate(content, tmp_path):
    from her2lesson.strings import Strings

    with open_store(None, tmp_path) as store:
        cert = issue(store, "Ada <b>Lovelace</b>")
    view = EducatorView(content, Strings.for_language(content.strings), lambda: open_store(None, tmp_path))
    box = view.certificates
    assert box.widget in view.panel.children and box.name_entry.layout.display == "none"
    assert box.check("ZZZZ-ZZZZ-ZZZZ").genuine is False
    assert "Not genuine" in box.result.html and "h2l-wrong" in box.result.css_class
    assert box.check_name("Ada") is None and "ID first" in box.result.html
    found = box.check(cert.id.lower())
    assert found.genuine and "Genuine" in box.result.html and "2026-03-14" in box.result.html
    assert "92%" in box.result.html and "Ward 5 Education" in box.result.html
    assert box.name_entry.layout.display is None, "the name can be checked once the ID is found"
    assert box.check_name("ada <B>lovelace</b>").name_match is True and "name matches" in box.result.html
    assert box.check_name("Grace Hopper").genuine is False and "different name" in box.result.html
    box.check("<script>x</script>")
    assert "<script>" not in box.result.html


def test_the_educator_certificate_check_survives_a_broken_store(content):
    from her2lesson.strings import Strings

    view = EducatorView(content, Strings.for_language(content.strings), lambda: None)
    assert view.certificates.check("K7M4-QX9T-D2A8") is None
    assert "right now" in view.certificates.result.html


# --- a fail lists the parts to look at again ------------------------------------------------------------------------
def _miss(quiz, wrong_ids: set[str]) -> None:
    """Answer the final check right, except the questions (or case parts) whose id is in `wrong_ids`."""
    for view in quiz.question_views:
        answer_all(SimpleNamespace(question_views=[view]), right=view.q.id not in wrong_ids)


def test_a_fail_lists_the_missed_parts_and_each_button_opens_one(content):
    bank = content.banks[FINAL]
    d = Dashboard(content, LessonSettings(pass_mark=100), params={"track": "nurse", "section": FINAL})
    quiz = d.quizzes[FINAL]
    testing = next(q.id for q in bank.questions if q.id.startswith("final-testing-"))
    case_part = next((p.id for q in bank.questions for p in getattr(q, "parts", ())), None)
    _miss(quiz, {testing} | ({case_part} if case_part else set()))
    finish = d.finish
    assert not finish.passed
    ids = [sid for sid, _ in finish.missed_sections()]
    assert "testing" in ids and FINAL not in ids
    if case_part:
        assert "treatment" in ids, "a case about treatment sends the learner to the treatment part"
    assert ids == [p.id for p in d.pages if p.id in ids], "in the module's order"
    assert finish.review in finish.widget.children and "Parts to look at again" in html_of(finish.review)
    buttons = [c for c in finish.review.children if hasattr(c, "click")]
    titles = {p.id: p.title for p in d.pages}
    assert [b.description for b in buttons] == [titles[i] for i in ids]
    buttons[0].click()
    assert d.current.id == ids[0]
    d.go(d.position_of(FINAL))
    buttons[-1].click()
    assert d.current.id == ids[-1]


def test_a_pass_lists_nothing_to_review(content, records):
    d = _final(content, right=True)
    assert d.finish.review not in d.finish.widget.children
