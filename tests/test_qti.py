"""`her2lesson export-qti`: the question banks as an IMS QTI 1.2 package in Canvas's profile.

No copy of the official QTI 1.2 schema (ims_qtiasiv1p2p1.xsd) ships in any package installable here (qti-package-maker,
citolab-qti-convert, text2qti, incept-qti-sdk and json2qti were looked at: none has an .xsd), and no Python library
reads Canvas's QTI 1.2 (qti-package-maker's Canvas engine only writes). So the package is parsed with xml.etree and
checked against the content models of the QTI 1.2.1 ASI binding for every element it writes (`QTI_12` below), and
against the banks: every question is an item or named in the not-carried list, with its answers, feedback,
explanation and source.
"""
from __future__ import annotations

import html
import io
import math
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from types import SimpleNamespace
from xml.etree import ElementTree as ET

import pytest

from her2lesson.content import load_content
from her2lesson.interop.qti import (
    CANVAS_NS,
    CP_NS,
    QTI_NS,
    NothingToExport,
    QtiError,
    export_qti,
    item_ids,
)

from .conftest import ROOT

Q = f"{{{QTI_NS}}}"

# Content models of the QTI 1.2.1 ASI binding, for the elements an export writes: (children, attributes). Children
# are a regular expression over child element names; attributes map to None (any value) or the allowed values.
# The first attribute set of each entry lists the required ones with a "!".
_CONDITIONS = ("(not|and|or|unanswered|other|varequal|varlt|varlte|vargt|vargte|varsubset|varinside|varsubstring|"
               "durequal|durlt|durlte|durgt|durgte|var_extension)")
_RENDER = "(material?(render_choice|render_hotspot|render_slider|render_fib|render_extension)material?)"
_LABELS = "((material|material_ref|response_label|flow_label)*response_na?)"
YES_NO = ("Yes", "No")
QTI_12: dict[str, tuple[str, dict[str, tuple[str, ...] | None]]] = {
    "questestinterop": ("qticomment?(objectbank|assessment|(section|item)+)", {"xsi:schemaLocation": None}),
    "assessment": ("qticomment?duration?qtimetadata*objectives*assessmentcontrol*rubric*presentation_material?"
                   "outcomes_processing*assessproc_extension?assessfeedback*selection_ordering?reference?"
                   "(sectionref|section)+", {"!ident": None, "title": None, "xml:lang": None}),
    "section": ("qticomment?duration?qtimetadata*objectives*sectioncontrol*sectionprecondition*sectionpostcondition*"
                "rubric*presentation_material?outcomes_processing*sectionproc_extension?sectionfeedback*"
                "selection_ordering?reference?(itemref|item|sectionref|section)*",
                {"!ident": None, "title": None, "xml:lang": None}),
    "item": ("qticomment?duration?itemmetadata?objectives*itemcontrol*itemprecondition*itempostcondition*"
             "(itemrubric|rubric)*presentation?resprocessing*itemproc_extension?itemfeedback*reference?",
             {"!ident": None, "title": None, "label": None, "maxattempts": None, "xml:lang": None}),
    "itemmetadata": ("qtimetadata*", {}),
    "qtimetadata": ("vocabulary?qtimetadatafield+", {}),
    "qtimetadatafield": ("fieldlabel fieldentry", {"xml:lang": None}),
    "fieldlabel": ("", {}),
    "fieldentry": ("", {}),
    "presentation": ("qticomment?(flow|(material|response_lid|response_xy|response_str|response_num|response_grp|"
                     "response_extension)+)", {"label": None, "xml:lang": None}),
    "material": ("qticomment?(mattext|matemtext|matimage|mataudio|matvideo|matapplet|matapplication|matref|"
                 "matbreak|mat_extension)+altmaterial*", {"label": None, "xml:lang": None}),
    "mattext": ("", {"texttype": None, "label": None, "charset": None, "uri": None, "xml:space": None,
                     "xml:lang": None, "entityref": None, "width": None, "height": None, "x0": None, "y0": None}),
    "response_lid": (_RENDER, {"!ident": None, "rcardinality": ("Single", "Multiple", "Ordered"),
                               "rtiming": YES_NO}),
    "response_str": (_RENDER, {"!ident": None, "rcardinality": ("Single", "Multiple", "Ordered"),
                               "rtiming": YES_NO}),
    "render_choice": (_LABELS, {"shuffle": YES_NO, "minnumber": None, "maxnumber": None}),
    "render_fib": (_LABELS, {"encoding": None, "charset": None, "rows": None, "columns": None, "maxchars": None,
                             "minnumber": None, "maxnumber": None,
                             "fibtype": ("String", "Integer", "Decimal", "Scientific"),
                             "prompt": ("Box", "Dashline", "Asterisk", "Underline")}),
    "response_label": ("(qticomment|material|material_ref|flow_mat)*",
                       {"!ident": None, "rshuffle": YES_NO, "rarea": ("Ellipse", "Rectangle", "Bounded"),
                        "rrange": ("Exact", "Range"), "labelrefid": None, "match_group": None, "match_max": None}),
    "resprocessing": ("qticomment?outcomes(respcondition|itemproc_extension)+", {"scoremodel": None}),
    "outcomes": ("qticomment? (decvar interpretvar*)+", {}),
    "decvar": ("", {"varname": None, "vartype": ("Integer", "String", "Decimal", "Scientific", "Boolean",
                                                 "Enumerated", "Set"),
                    "defaultval": None, "minvalue": None, "maxvalue": None, "members": None, "cutvalue": None}),
    "respcondition": ("qticomment? conditionvar setvar* displayfeedback* respcond_extension?",
                      {"continue": YES_NO, "title": None}),
    "conditionvar": (f"{_CONDITIONS}+", {}),
    "and": (f"{_CONDITIONS}+", {}),
    "or": (f"{_CONDITIONS}+", {}),
    "not": (_CONDITIONS, {}),
    "other": ("", {}),
    "varequal": ("", {"!respident": None, "index": None, "case": YES_NO}),
    "vargte": ("", {"!respident": None, "index": None}),
    "varlte": ("", {"!respident": None, "index": None}),
    "setvar": ("", {"varname": None, "action": ("Set", "Add", "Subtract", "Multiply", "Divide")}),
    "displayfeedback": ("", {"!linkrefid": None, "feedbacktype": ("Response", "Solution", "Hint")}),
    "itemfeedback": ("(flow_mat|material|solution|hint)+", {"!ident": None, "title": None, "view": None}),
    "flow_mat": ("qticomment?(flow_mat|material|material_ref)+", {"class": None}),
}
TEXT_ELEMENTS = {"mattext", "fieldlabel", "fieldentry", "varequal", "vargte", "varlte", "setvar"}


def _model(pattern: str) -> re.Pattern[str]:
    """`pattern`'s names as "name " tokens; spaces in `pattern` only separate names (verbose mode)."""
    return re.compile(re.sub(r"[a-z_]+", lambda m: f"(?:{m.group()}\\ )", pattern), re.VERBOSE)


MODELS = {tag: _model(children) for tag, (children, _) in QTI_12.items()}
XML_ATTR = "{http://www.w3.org/XML/1998/namespace}"
XSI_ATTR = "{http://www.w3.org/2001/XMLSchema-instance}"


def _name(tag: str) -> str:
    return tag.split("}", 1)[1] if tag.startswith("{") else tag


def _attr(name: str) -> str:
    return name.replace(XML_ATTR, "xml:").replace(XSI_ATTR, "xsi:")


def qti_problems(root: ET.Element) -> list[str]:
    """Every way `root` departs from the QTI 1.2 content models above (empty: it conforms)."""
    problems = []
    for el in root.iter():
        tag = _name(el.tag)
        where = f"<{tag} {el.get('ident') or el.get('respident') or el.get('linkrefid') or ''}>"
        if not el.tag.startswith(Q):
            problems.append(f"{where} is not in the QTI 1.2 namespace")
            continue
        if tag not in QTI_12:
            problems.append(f"{where} is not an element this check knows")
            continue
        children = "".join(f"{_name(c.tag)} " for c in el)
        if not MODELS[tag].fullmatch(children):
            problems.append(f"{where} has children [{children}], not {QTI_12[tag][0]}")
        allowed = QTI_12[tag][1]
        names = {k.lstrip("!"): v for k, v in allowed.items()}
        for required in (k[1:] for k in allowed if k.startswith("!")):
            if required not in el.attrib:
                problems.append(f"{where} lacks its {required} attribute")
        for key, value in el.attrib.items():
            key = _attr(key)
            if key not in names:
                problems.append(f"{where} has an unknown attribute {key}")
            elif names[key] is not None and value not in names[key]:
                problems.append(f"{where} has {key}={value!r}, not one of {names[key]}")
        if tag not in TEXT_ELEMENTS and (el.text or "").strip():
            problems.append(f"{where} holds text")
    return problems


# --- reading a package -------------------------------------------------------------------------------------------
def unpack(package: bytes) -> dict[str, ET.Element]:
    """Every file of the zip, parsed (each must be well-formed XML in UTF-8)."""
    with zipfile.ZipFile(io.BytesIO(package)) as zf:
        assert zf.testzip() is None
        out = {}
        for name in zf.namelist():
            data = zf.read(name)
            assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>'), name
            data.decode("utf-8")
            out[name] = ET.fromstring(data)
        return out


def items_of(files: dict[str, ET.Element]) -> dict[str, ET.Element]:
    items = {}
    for root in files.values():
        if root.tag == f"{Q}questestinterop":
            for item in root.iter(f"{Q}item"):
                assert item.get("ident") not in items, f"item {item.get('ident')} twice"
                items[item.get("ident")] = item
    return items


def text_of(html_text: str) -> str:
    """What a learner reads in an HTML fragment (which must itself be well-formed)."""
    ET.fromstring(f"<div>{html_text}</div>")
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", html_text)).split())


def words(text: str) -> str:
    return " ".join(text.split())


def metadata(item: ET.Element) -> dict[str, str]:
    return {f.findtext(f"{Q}fieldlabel"): f.findtext(f"{Q}fieldentry") or ""
            for f in item.iter(f"{Q}qtimetadatafield")}


def feedback(item: ET.Element) -> dict[str, str]:
    return {fb.get("ident"): text_of(fb.findtext(f".//{Q}mattext") or "") for fb in item.iter(f"{Q}itemfeedback")}


def prompt(item: ET.Element) -> str:
    return text_of(item.find(f"{Q}presentation/{Q}material/{Q}mattext").text)


def labels(lid: ET.Element) -> dict[str, str]:
    out = {}
    for label in lid.iter(f"{Q}response_label"):
        mattext = label.find(f".//{Q}mattext")
        text = mattext.text if mattext.get("texttype") == "text/plain" else text_of(mattext.text)
        out[label.get("ident")] = text
    return out


def scoring(item: ET.Element) -> list[ET.Element]:
    return [c for c in item.iter(f"{Q}respcondition") if c.find(f"{Q}setvar") is not None]


def leaves(q):
    """The questions a question becomes: a case's parts, or itself."""
    return list(q.parts) if q.type == "case" else [q]


def noted(notes: list[str]) -> dict[str, str]:
    return dict(note.split(": ", 1) for note in notes)


# --- fixtures ------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def plain_content():
    """The content as a learner's kernel holds it: plain records, not the checked models."""
    return load_content(ROOT)


@pytest.fixture(scope="module")
def exported(plain_content):
    package, notes = export_qti(plain_content)
    return package, notes, unpack(package)


EXTRA_BANK = """\
section: extra
questions:
  - id: extra-temperature
    audience: nurse
    type: numeric
    prompt: "Type a <temperature> & more: \\"quoted\\" 'single' ]]> ✓ \\u0007bell"
    unit: "°C"
    precision: 3
    answers:
      - value: 38
        correct: false
        feedback: "38 itself is wrong <here>."
      - range: [38, 41.5]
        correct: true
        feedback: "Right: from 38 & up to 41.5."
      - value: 36.6
        correct: true
        feedback: "Also right."
    default_feedback: "Look again & try."
    explanation: "An explanation with <tags> & ampersands, long enough to explain the why."
    source: article
  - id: extra-brand-name
    audience: patient
    type: text
    prompt: "Name the drug."
    answers:
      - text: "Herceptin"
        correct: true
        feedback: "Yes, the brand name."
      - text: "TDM1"
        correct: true
        match_case: true
      - text: "tamoxifen"
        correct: false
        feedback: "That is a hormone drug."
    default_feedback: "Not that one."
    explanation: "Herceptin is the brand name of trastuzumab, the first HER2 drug that was approved."
    hint: "It starts with H."
    source: article
  - id: extra-code
    audience: both
    type: single
    prompt: "Which line prints True?"
    code: "print('<hi>')"
    options:
      - text: "print(1 < 2)"
        code: true
        correct: true
        feedback: "It prints True & more."
      - text: "Nothing"
        correct: false
        feedback: "It does print."
    explanation: "The comparison 1 < 2 is true, so print shows True on the screen for you."
    source: asco-cap-2023
"""


@pytest.fixture(scope="module")
def extra_root(tmp_path_factory) -> Path:
    """A copy of the English content with one more bank, holding the types and characters the real banks lack
    (without the translations, which a new bank would first need)."""
    root = tmp_path_factory.mktemp("qti-content")
    for part in ("data", "notebooks"):
        shutil.copytree(ROOT / part, root / part, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "es"))
    (root / "data/questions/extra.yaml").write_text(EXTRA_BANK, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def extra(extra_root):
    content = load_content(extra_root)
    package, notes = export_qti(content, sections=["extra"])
    files = unpack(package)
    return content, notes, files, items_of(files)


# --- the real banks ------------------------------------------------------------------------------------------------
def test_the_package_is_a_content_package_whose_manifest_lists_every_file(exported, plain_content):
    package, _, files = exported
    manifest = files["imsmanifest.xml"]
    assert manifest.tag == f"{{{CP_NS}}}manifest"
    resources = manifest.findall(f"{{{CP_NS}}}resources/{{{CP_NS}}}resource")
    hrefs = [f.get("href") for r in resources for f in r.findall(f"{{{CP_NS}}}file")]
    assert sorted(hrefs) == sorted(set(files) - {"imsmanifest.xml"})
    identifiers = {r.get("identifier") for r in resources}
    for r in resources:
        for dep in r.findall(f"{{{CP_NS}}}dependency"):
            assert dep.get("identifierref") in identifiers
    quizzes = [r for r in resources if r.get("type") == "imsqti_xmlv1p2"]
    assert [r.get("identifier") for r in quizzes] == [f"her2lesson-{s.id}" for s in plain_content.sections
                                                        if s.id in plain_content.banks]
    for r in quizzes:  # one assessment per bank, titled as its part of the lesson, with Canvas's quiz settings
        ident = r.get("identifier")
        root = files[f"{ident}/{ident}.xml"]
        assert root.tag == f"{Q}questestinterop"
        (assessment,) = root.findall(f"{Q}assessment")
        section = plain_content.section(ident.removeprefix("her2lesson-"))
        assert assessment.get("ident") == ident and assessment.get("title") == section.title
        meta = files[f"{ident}/assessment_meta.xml"]
        assert meta.tag == f"{{{CANVAS_NS}}}quiz" and meta.get("identifier") == ident
        assert meta.findtext(f"{{{CANVAS_NS}}}title") == section.title
        assert meta.findtext(f"{{{CANVAS_NS}}}quiz_type") == "practice_quiz"
        # Moodle's Canvas import reads questestinterop/assessment[0]/section[0]/item: the items sit right there
        (only,) = assessment.findall(f"{Q}section")
        assert len(only.findall(f"{Q}item")) == len(list(root.iter(f"{Q}item"))) > 0
    assert item_ids(package) == list(items_of(files))


def test_every_file_follows_the_qti_12_content_models(exported):
    _, _, files = exported
    for name, root in files.items():
        if root.tag == f"{Q}questestinterop":
            assert qti_problems(root) == [], name


def test_the_checker_of_content_models_catches_what_it_should():
    bad = ET.fromstring(f"""<questestinterop xmlns="{QTI_NS}"><assessment ident="a"><section ident="s">
        <item ident="i"><presentation><response_lid ident="r" rcardinality="Some"><render_choice/></response_lid>
        </presentation><itemfeedback ident="f"/><resprocessing><outcomes><decvar/></outcomes>
        <respcondition><conditionvar><varequal>x</varequal></conditionvar></respcondition></resprocessing>
        <hotspot/></item></section></assessment></questestinterop>""")
    problems = "\n".join(qti_problems(bad))
    assert "rcardinality='Some'" in problems
    assert "<item i> has children" in problems  # feedback before processing, and an unknown element
    assert "<itemfeedback f> has children []" in problems
    assert "<varequal > lacks its respident" in problems
    assert "<hotspot > is not an element" in problems


def test_nothing_is_dropped_silently(exported, plain_content):
    _, notes, files = exported
    items = items_of(files)
    said = noted(notes)
    expected = [leaf.id for bank in plain_content.banks.values() for q in bank.questions for leaf in leaves(q)]
    assert sorted(items) == sorted(expected)  # every question (every case part) is an item here
    known = {q.id for bank in plain_content.banks.values() for q in bank.questions} | set(expected)
    assert set(said) <= known
    for bank in plain_content.banks.values():
        for q in bank.questions:
            for part in (q, *(leaves(q) if q.type == "case" else ())):
                if part.hint:
                    assert "hint not carried" in said[part.id]
            if q.type == "ordering":
                assert "ordering given as a matching question" in said[q.id]
            if q.type == "numeric" and not all(a.correct for a in q.answers):
                assert "not carried with" in said[q.id]


def test_choice_questions_keep_options_answers_and_every_feedback(exported, plain_content):
    _, _, files = exported
    items = items_of(files)
    kinds = {"single": ("multiple_choice_question", "Single"), "truefalse": ("true_false_question", "Single"),
             "multiple": ("multiple_answers_question", "Multiple")}
    seen = set()
    for bank in plain_content.banks.values():
        for q in bank.questions:
            for leaf in leaves(q):
                if leaf.type not in kinds:
                    continue
                seen.add(leaf.type)
                item = items[leaf.id]
                canvas_type, cardinality = kinds[leaf.type]
                assert metadata(item)["question_type"] == canvas_type
                (lid,) = item.iter(f"{Q}response_lid")
                assert lid.get("rcardinality") == cardinality
                ids = labels(lid)
                assert list(ids.values()) == [o.text for o in leaf.options]
                assert metadata(item)["original_answer_ids"].split(",") == list(ids)
                fb = feedback(item)
                for aid, option in zip(ids, leaf.options):
                    assert fb[f"{aid}_fb"] == words(option.feedback)
                right = {aid for aid, o in zip(ids, leaf.options) if o.correct}
                (score,) = scoring(item)
                assert score.get("continue") == "No" and score.findtext(f"{Q}setvar") == "100"
                test = score.find(f"{Q}conditionvar")
                if leaf.type == "multiple":
                    (both,) = test.findall(f"{Q}and")
                    assert {v.text for v in both.findall(f"{Q}varequal")} == right
                    assert {v.text for v in both.findall(f"{Q}not/{Q}varequal")} == set(ids) - right
                else:
                    assert [v.text for v in test.findall(f"{Q}varequal")] == sorted(right)
                general = fb["general_fb"]
                source = plain_content.sources[leaf.source or q.source]
                assert words(leaf.explanation) in general and source.title in general
                assert source.url is None or f'href="{html.escape(source.url)}"' in \
                    item.find(f"{Q}itemfeedback[@ident='general_fb']//{Q}mattext").text
                if q.type == "case":  # the story stands before each part's prompt
                    assert prompt(item).endswith(words(leaf.prompt)) and words(q.story) in prompt(item)
    assert seen == set(kinds)


def test_matching_and_ordering_become_canvas_matching_questions(exported, plain_content):
    _, _, files = exported
    items = items_of(files)
    counted = 0
    for bank in plain_content.banks.values():
        for q in bank.questions:
            if q.type not in ("matching", "ordering"):
                continue
            counted += 1
            item = items[q.id]
            assert metadata(item)["question_type"] == "matching_question"
            lids = list(item.iter(f"{Q}response_lid"))
            if q.type == "matching":
                expected = [(p.item, p.match) for p in q.pairs]
                offered = sorted([p.match for p in q.pairs] + list(q.distractors))
            else:
                expected = [(f"Step {k} of {len(q.steps)}", step) for k, step in enumerate(q.steps, start=1)]
                offered = sorted(q.steps)
            assert len(lids) == len(expected)
            right_choice = {}  # respident -> (the choice that scores, the share it adds)
            for c in scoring(item):
                test = c.find(f"{Q}conditionvar/{Q}varequal")
                right_choice[test.get("respident")] = (test.text, float(c.findtext(f"{Q}setvar")))
            for lid, (left, right) in zip(lids, expected):
                assert lid.find(f"{Q}material/{Q}mattext").text == left
                choices = labels(lid)
                assert sorted(choices.values()) == offered
                assert choices[right_choice[lid.get("ident")][0]] == right
            assert math.isclose(sum(share for _, share in right_choice.values()), 100, abs_tol=0.05)
            assert all(c.find(f"{Q}setvar").get("action") == "Add" and c.get("continue") == "Yes"
                       for c in scoring(item))
            assert words(q.explanation) in feedback(item)["general_fb"]
    assert counted


def test_the_real_number_question_keeps_its_right_value_and_lists_the_wrong_ones(exported, plain_content):
    _, notes, files = exported
    q = plain_content.banks["symptoms"].questions
    q = next(x for x in q if x.id == "symptoms-fever-number")
    item = items_of(files)[q.id]
    assert metadata(item)["question_type"] == "numerical_question"
    assert item.find(f".//{Q}render_fib").get("fibtype") == "Decimal"
    assert prompt(item).endswith("(°F)")
    (score,) = scoring(item)
    alternatives = score.find(f"{Q}conditionvar/{Q}or")
    assert alternatives.findtext(f"{Q}varequal") == "100.4"
    assert alternatives.findtext(f"{Q}and/{Q}vargte") == alternatives.findtext(f"{Q}and/{Q}varlte") == "100.4"
    fb = feedback(item)
    assert fb[score.find(f"{Q}displayfeedback").get("linkrefid")] == words(q.answers[0].feedback)
    assert fb["general_incorrect_fb"] == words(q.default_feedback)
    line = noted(notes)[q.id]
    assert "wrong answers 2 (38), 3 (100.4 up to 115), 4 (95 up to 100.4), 5 (34 up to 43)" in line


def test_exports_from_checked_models_and_plain_records_are_the_same(exported, content):
    package, notes, _ = exported
    assert export_qti(content) == (package, notes)  # and byte for byte the same each time


# --- what the real banks lack: ranges, precision, typed words, code, characters to escape ----------------------------
def test_numbers_ranges_and_precision(extra):
    content, notes, _, items = extra
    item = items["extra-temperature"]
    first, second = scoring(item)
    low, high = first.find(f"{Q}conditionvar/{Q}and"), None
    assert low.findtext(f"{Q}vargte") == "38"
    high = float(low.findtext(f"{Q}varlte"))
    assert high < 41.5 and math.nextafter(high, math.inf) == 41.5  # the range stops just below its high end
    value = second.find(f"{Q}conditionvar/{Q}or")
    assert value.findtext(f"{Q}varequal") == "36.6"
    assert (value.findtext(f"{Q}and/{Q}vargte"), value.findtext(f"{Q}and/{Q}varlte")) == ("36.55", "36.65")
    fb = feedback(item)
    assert fb[first.find(f"{Q}displayfeedback").get("linkrefid")] == "Right: from 38 & up to 41.5."
    assert fb["general_incorrect_fb"] == "Look again & try."
    assert prompt(item) == "Type a <temperature> & more: \"quoted\" 'single' ]]> ✓ bell (°C)"
    line = noted(notes)["extra-temperature"]
    assert "wrong answer 1 (38) not carried with its feedback" in line
    assert "numbers in wrong answer 1 (38) are marked right by answer 2 (38 up to 41.5)" in line
    assert "`precision: 3`" in line and "right ranges are compared as written" in line
    assert "explanation with <tags> & ampersands" in fb["general_fb"]


def test_typed_words_become_a_short_answer_question(extra):
    _, notes, _, items = extra
    item = items["extra-brand-name"]
    assert metadata(item)["question_type"] == "short_answer_question"
    assert item.find(f".//{Q}response_str/{Q}render_fib").get("fibtype") == "String"
    (score,) = scoring(item)
    accepted = score.findall(f"{Q}conditionvar/{Q}varequal")
    assert [(v.text, v.get("case")) for v in accepted] == [("Herceptin", None), ("TDM1", "Yes")]
    fb = feedback(item)
    assert "Yes, the brand name." in fb.values() and fb["general_incorrect_fb"] == "Not that one."
    assert "tamoxifen" not in ET.tostring(item, encoding="unicode")
    line = noted(notes)["extra-brand-name"]
    assert "hint not carried" in line and "wrong answer 3 (“tamoxifen”) not carried with its feedback" in line
    assert "“TDM1” must match case in the lesson" in line


def test_code_stays_code_and_every_character_is_escaped(extra):
    _, _, _, items = extra
    item = items["extra-code"]
    presented = item.find(f"{Q}presentation/{Q}material/{Q}mattext").text
    assert "<pre><code>print('&lt;hi&gt;')</code></pre>" in presented
    (lid,) = item.iter(f"{Q}response_lid")
    code, plain = lid.findall(f".//{Q}mattext")
    assert (code.get("texttype"), code.text) == ("text/html", "<code>print(1 &lt; 2)</code>")
    assert (plain.get("texttype"), plain.text) == ("text/plain", "Nothing")
    for file_item in items.values():
        assert qti_problems(file_item) == []


# --- choosing, refusing, and what cannot map at all -----------------------------------------------------------------
def test_sections_and_audiences_choose_the_questions(plain_content):
    package, _ = export_qti(plain_content, sections=["testing", "basics"], audience="nurse")
    files = unpack(package)
    assert [n for n in files if n.endswith("assessment_meta.xml")] == ["her2lesson-basics/assessment_meta.xml",
                                                                       "her2lesson-testing/assessment_meta.xml"]
    wanted = [leaf.id for s in ("basics", "testing") for q in plain_content.banks[s].questions
              if q.audience in ("nurse", "both") for leaf in leaves(q)]
    assert sorted(items_of(files)) == sorted(wanted)
    package, _ = export_qti(plain_content, audience="both")
    shared = [leaf.id for b in plain_content.banks.values() for q in b.questions if q.audience == "both"
              for leaf in leaves(q)]
    assert sorted(item_ids(package)) == sorted(shared)
    _, notes = export_qti(plain_content, sections=["final-check", "basics"], audience="patient")
    assert "final-check: no question for the audience 'patient', so no quiz for this bank" in notes


def test_unknown_sections_languages_and_audiences_are_refused_plainly(plain_content):
    with pytest.raises(QtiError, match="no question bank 'nope': choose from basics, causes"):
        export_qti(plain_content, sections=["nope"])
    with pytest.raises(QtiError, match=r"no questions in the language 'fr': the banks are in en\. Use --lang en"):
        export_qti(plain_content, lang="fr")
    with pytest.raises(QtiError, match="unknown audience 'everyone'"):
        export_qti(plain_content, audience="everyone")
    with pytest.raises(NothingToExport):
        export_qti(plain_content, sections=["final-check"], audience="patient")


def test_a_question_that_cannot_map_is_named_with_the_reason(plain_content):
    odd = SimpleNamespace(id="basics-hotspot", type="hotspot", audience="both")
    real = plain_content.banks["basics"].questions[0]
    content = SimpleNamespace(banks={"basics": SimpleNamespace(questions=(odd, real))},
                              sections=plain_content.sections, sources=plain_content.sources,
                              strings=plain_content.strings)
    package, notes = export_qti(content)
    assert item_ids(package) == [real.id]
    assert noted(notes)["basics-hotspot"] == "not exported: its type 'hotspot' has no QTI 1.2 counterpart here"
    content.banks = {"basics": SimpleNamespace(questions=(odd,))}
    with pytest.raises(NothingToExport) as caught:
        export_qti(content)
    assert caught.value.notes == ["basics-hotspot: not exported: its type 'hotspot' has no QTI 1.2 counterpart here"]


# --- the command ---------------------------------------------------------------------------------------------------
def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "her2lesson", *args], capture_output=True, text=True, timeout=120)


def test_the_command_writes_the_zip_and_lists_what_it_could_not_carry(extra_root, tmp_path):
    out = tmp_path / "banks.zip"
    done = _run("export-qti", str(out), "--section", "extra", "--section", "symptoms", "--lang", "en",
                "--content-dir", str(extra_root))
    assert done.returncode == 0, done.stderr
    assert "extra-brand-name: hint not carried" in done.stderr and "symptoms-steps: ordering given" in done.stderr
    ids = item_ids(out.read_bytes())
    assert f"Wrote {len(ids)} question(s) to {out} as IMS QTI 1.2 (Canvas profile)." in done.stdout
    assert "extra-code" in ids and "symptoms-fever-number" in ids

    refused = _run("export-qti", str(tmp_path / "fr.zip"), "--lang", "fr", "--content-dir", str(extra_root))
    assert refused.returncode == 1 and "the banks are in en" in refused.stderr
    assert not (tmp_path / "fr.zip").exists()
    empty = _run("export-qti", str(tmp_path / "none.zip"), "--section", "final-check", "--audience", "patient",
                 "--content-dir", str(extra_root))
    assert empty.returncode == 1 and "Nothing exported" in empty.stderr
    assert not (tmp_path / "none.zip").exists()
