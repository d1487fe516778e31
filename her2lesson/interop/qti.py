"""Write the question banks as an IMS QTI 1.2 package in Canvas's profile, for Canvas and Moodle to import.

Why QTI 1.2 with Canvas's extensions: it is what Canvas itself exports and the form its importer knows best (it
reads each item's Canvas question type, answer feedback and general feedback), and Moodle reads the same XML with
the "Canvas" question-import format plugin (qformat_canvas); Moodle's core imports no QTI at all. QTI 2.1/3.0 is the
newer standard and Canvas reads 2.1 too, but no maintained Moodle importer reads it, so one package in Canvas's 1.2
profile reaches both. No real Canvas or Moodle was tried from here; the README says how to check an import.

The zip is laid out as a Canvas quiz export, one quiz per question bank (a section of the lesson):

    imsmanifest.xml                                  IMS content package manifest (Common Cartridge flavour)
    her2lesson-<section>/her2lesson-<section>.xml    <questestinterop>: one assessment, one section, the items
    her2lesson-<section>/assessment_meta.xml         Canvas's quiz settings: title, a practice quiz

Each item carries Canvas's `question_type` in its metadata, every option's feedback as `<itemfeedback
ident="<option>_fb">`, and the explanation with the source (title, publisher, year, link) as the general feedback
(`general_fb`, shown once answered). How each type maps:

    single, truefalse   multiple_choice_question / true_false_question: response_lid rcardinality="Single"
    multiple            multiple_answers_question: response_lid rcardinality="Multiple", right only with all right
    matching            matching_question: one response_lid per item, the matches (and distractors) to pick from
    ordering            matching_question: each place in the order ("Step 1 of 4") is matched with its step
    case                each part is its own item, with the case's prompt and story before the part's prompt
    numeric             numerical_question: a right value as Canvas's exact answer, a right range as its range
                        answer; `precision` as a margin of half a unit in the last digit compared; the unit after
                        the prompt; `default_feedback` as the wrong-answer feedback
    text                short_answer_question: the accepted answers, with their feedback; `default_feedback` as the
                        wrong-answer feedback

What a QTI 1.2 package in this profile cannot hold is listed by `export_qti`, one line per question, never dropped
silently: hints (Canvas has no hint), a known wrong number or phrase with its own feedback (Canvas's numerical and
short-answer questions hold right answers only), case-sensitive answers (Canvas compares ignoring case), figures;
the change of an ordering question into a matching one is listed too. Audience, quick-check, action and glossary
marks are the lesson's own structure and stay out (`--audience` chooses the questions instead).

Content is read by attribute (`q.type`, `q.options`...), so the checked models and the plain records both work.
"""
from __future__ import annotations

import html
import io
import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any
from xml.etree import ElementTree as ET

from ..strings import Strings

QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
QTI_SCHEMA = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2p1.xsd"
CP_NS = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"  # as Canvas's exports write IMS CP 1.1
CP_SCHEMA = "http://www.imsglobal.org/xsd/imscp_v1p1.xsd"
MD_NS = "http://www.imsglobal.org/xsd/imsmd_v1p2"
CANVAS_NS = "http://canvas.instructure.com/xsd/cccv1p0"
CANVAS_SCHEMA = "https://canvas.instructure.com/xsd/cccv1p0.xsd"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"

FLAVOUR = "IMS QTI 1.2 (Canvas profile)"
QUESTION_LANGUAGES = ("en",)  # the languages the banks are written in; the banks are English today
AUDIENCES = {"patient": ("patient", "both"), "nurse": ("nurse", "both"), "both": ("both",)}  # as the lesson's tracks
CANVAS_TYPES = {"single": "multiple_choice_question", "truefalse": "true_false_question",
                "multiple": "multiple_answers_question"}
RESPONSE = "response1"
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")  # characters XML 1.0 cannot hold


class QtiError(ValueError):
    """An export that cannot be made as asked (an unknown section, language or audience), said in plain words."""


class NothingToExport(QtiError):
    """No question could be exported; `notes` says why for each."""

    def __init__(self, message: str, notes: list[str]):
        super().__init__(message)
        self.notes = notes


# --- small XML and HTML helpers -----------------------------------------------------------------------------------
def _clean(text: str) -> str:
    """`text` without the control characters XML 1.0 cannot hold (they would make the file unreadable)."""
    return _NOT_XML.sub("", text)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k.rstrip("_"): v for k, v in attrs.items()})
    if text is not None:
        element.text = _clean(text)
    return element


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


def _para(text: str) -> str:
    """Plain text as HTML paragraphs: a blank line starts a paragraph, a line break stays one."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text.strip()) if b.strip()]
    return "".join(f"<p>{'<br/>'.join(_escape(line) for line in b.splitlines())}</p>" for b in blocks)


def _code(text: str, block: bool) -> str:
    return f"<pre><code>{_escape(text)}</code></pre>" if block else f"<code>{_escape(text)}</code>"


def _number(x: float) -> str:
    """100.4, 38 (not 38.0): a number as an author writes it."""
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else repr(float(x))


def _decimal(d: Decimal) -> str:
    text = format(d.normalize(), "f")
    return "0" if text == "-0" else text


def _material(parent: ET.Element, text: str, texttype: str = "text/html") -> ET.Element:
    material = _sub(parent, "material")
    _sub(material, "mattext", text, texttype=texttype)
    return material


def _varequal(ident: str, value: str, **attrs: str) -> ET.Element:
    element = ET.Element("varequal", {"respident": ident, **attrs})
    element.text = _clean(value)
    return element


def _compare(tag: str, value: str) -> ET.Element:
    element = ET.Element(tag, respident=RESPONSE)
    element.text = value
    return element


def _group(tag: str, *children: ET.Element) -> ET.Element:
    element = ET.Element(tag)
    element.extend(children)
    return element


def _condition(proc: ET.Element, tests: Iterable[ET.Element], *, stop: bool = False, score: str | None = None,
               add: bool = False, feedback: str | None = None) -> None:
    """A <respcondition>: its tests, then the score it sets (or adds), then the feedback it shows."""
    cond = _sub(proc, "respcondition", continue_="No" if stop else "Yes")
    _sub(cond, "conditionvar").extend(tests)
    if score is not None:
        _sub(cond, "setvar", score, action="Add" if add else "Set", varname="SCORE")
    if feedback is not None:
        _sub(cond, "displayfeedback", feedbacktype="Response", linkrefid=feedback)


class _Item:
    """One <item> being built: metadata, presentation, response processing, then its feedback."""

    def __init__(self, ident: str, canvas_type: str, answer_ids: Sequence[str]):
        self.element = ET.Element("item", ident=ident, title=ident)
        fields = _sub(_sub(self.element, "itemmetadata"), "qtimetadata")
        for label, entry in (("question_type", canvas_type), ("points_possible", "1.0"),
                             ("original_answer_ids", ",".join(answer_ids)),
                             ("assessment_question_identifierref", f"{ident}-bank")):
            field = _sub(fields, "qtimetadatafield")
            _sub(field, "fieldlabel", label)
            _sub(field, "fieldentry", entry)
        self.presentation = _sub(self.element, "presentation")
        self.feedback: list[tuple[str, str]] = []

    def processing(self) -> ET.Element:
        proc = _sub(self.element, "resprocessing")
        _sub(_sub(proc, "outcomes"), "decvar", maxvalue="100", minvalue="0", varname="SCORE", vartype="Decimal")
        return proc

    def add_feedback(self, ident: str, html_text: str) -> str:
        self.feedback.append((ident, html_text))
        return ident

    def done(self) -> ET.Element:
        for ident, html_text in self.feedback:
            _material(_sub(_sub(self.element, "itemfeedback", ident=ident), "flow_mat"), html_text)
        return self.element


# --- questions to items -------------------------------------------------------------------------------------------
class _NotCarried(Exception):
    """A question that cannot become any item; the message says why."""


class _Writer:
    def __init__(self, content: Any, lang: str):
        self.t = Strings.for_language(getattr(content, "strings", {}) or {}, lang)
        self.sources = getattr(content, "sources", {}) or {}
        self.lang = lang
        self.notes: dict[str, list[str]] = {}

    def note(self, qid: str, text: str) -> None:
        self.notes.setdefault(qid, []).append(text)

    def why(self, explanation: str, source_key: str | None) -> str:
        """The general feedback: the explanation, then where the fact comes from (title, publisher, year, link)."""
        out = f"<p><strong>{_escape(self.t('why'))}</strong> {_escape(explanation)}</p>"
        if source_key:
            source = self.sources.get(source_key)
            if source is None:
                cited = _escape(source_key)
            else:
                details = ", ".join(str(x) for x in (getattr(source, "publisher", None), getattr(source, "year", None))
                                    if x)
                title = _escape(source.title)
                url = getattr(source, "url", None)
                cited = f'<a href="{html.escape(url, quote=True)}">{title}</a>' if url else title
                if details:
                    cited += f" ({_escape(details)})"
            out += f"<p>{_escape(self.t('source'))} {cited}</p>"
        return out

    def common_notes(self, q: Any) -> None:
        if getattr(q, "hint", None):
            self.note(q.id, "hint not carried (Canvas and Moodle's Canvas import have no hint)")
        if getattr(q, "figure", None):
            self.note(q.id, f"figure {q.figure.file} not carried (shown with the question in the lesson only)")

    def prompt(self, *texts: str | None, code: str | None = None) -> str:
        return "".join(_para(t) for t in texts if t) + (_code(code, block=True) if code else "")

    def items(self, q: Any) -> list[ET.Element]:
        kind = getattr(q, "type", None)
        if kind in CANVAS_TYPES:
            self.common_notes(q)
            return [self.choice(q.id, kind, self.prompt(q.prompt, code=q.code), q.options,
                                self.why(q.explanation, q.source))]
        if kind == "case":
            self.common_notes(q)
            out: list[ET.Element] = []
            for part in q.answerables:
                self.common_notes(part)
                out.append(self.choice(part.id, part.type, self.prompt(q.prompt, q.story, part.prompt, code=q.code),
                                       part.options, self.why(part.explanation, part.source or q.source)))
            return out
        if kind == "matching":
            self.common_notes(q)
            pairs = list(q.pairs)
            return [self.matching(q.id, self.prompt(q.prompt, code=q.code), [p.item for p in pairs],
                                  [p.match for p in pairs], list(q.distractors), self.why(q.explanation, q.source))]
        if kind == "ordering":
            self.common_notes(q)
            steps = list(q.steps)
            places = [self.t("step_position", n=k, m=len(steps)) for k in range(1, len(steps) + 1)]
            self.note(q.id, f"ordering given as a matching question: each place ({places[0]} ...) is matched with "
                            "its step (Canvas has no ordering question in QTI 1.2)")
            return [self.matching(q.id, self.prompt(q.prompt, code=q.code), places, steps, [],
                                  self.why(q.explanation, q.source))]
        if kind == "numeric":
            self.common_notes(q)
            return [self.numeric(q)]
        if kind == "text":
            self.common_notes(q)
            return [self.text(q)]
        raise _NotCarried(f"its type {kind!r} has no QTI 1.2 counterpart here")

    # single, truefalse, multiple (and case parts)
    def choice(self, ident: str, kind: str, prompt_html: str, options: Sequence[Any], why_html: str) -> ET.Element:
        ids = [f"{ident}-{k}" for k in range(1, len(options) + 1)]
        item = _Item(ident, CANVAS_TYPES[kind], ids)
        _material(item.presentation, prompt_html)
        lid = _sub(item.presentation, "response_lid", ident=RESPONSE,
                   rcardinality="Multiple" if kind == "multiple" else "Single")
        render = _sub(lid, "render_choice")
        for aid, option in zip(ids, options):
            label = _sub(render, "response_label", ident=aid)
            if getattr(option, "code", False):
                _material(label, _code(option.text, block=False))
            else:
                _material(label, option.text, "text/plain")
        proc = item.processing()
        _condition(proc, [ET.Element("other")], feedback=item.add_feedback("general_fb", why_html))
        for aid, option in zip(ids, options):
            _condition(proc, [_varequal(RESPONSE, aid)], feedback=item.add_feedback(f"{aid}_fb",
                                                                                   _para(option.feedback)))
        if kind == "multiple":
            tests = [_varequal(RESPONSE, aid) if o.correct else _group("not", _varequal(RESPONSE, aid))
                     for aid, o in zip(ids, options)]
            _condition(proc, [_group("and", *tests)], stop=True, score="100")
        else:
            right = next(aid for aid, o in zip(ids, options) if o.correct)
            _condition(proc, [_varequal(RESPONSE, right)], stop=True, score="100")
        return item.done()

    # matching (and ordering, by place)
    def matching(self, ident: str, prompt_html: str, items: list[str], matches: list[str], distractors: list[str],
                 why_html: str) -> ET.Element:
        """Each item picks from every match and distractor, listed in alphabetical order (never the answer order)."""
        choices = sorted(matches + distractors, key=lambda s: (s.casefold(), s))
        choice_id = {text: f"{ident}-m{k}" for k, text in enumerate(choices, start=1)}
        item_ids = [f"{ident}-{k}" for k in range(1, len(items) + 1)]
        item = _Item(ident, "matching_question", item_ids)
        _material(item.presentation, prompt_html)
        for iid, text in zip(item_ids, items):
            lid = _sub(item.presentation, "response_lid", ident=f"response_{iid}")
            _material(lid, text, "text/plain")
            render = _sub(lid, "render_choice")
            for choice in choices:
                _material(_sub(render, "response_label", ident=choice_id[choice]), choice, "text/plain")
        proc = item.processing()
        _condition(proc, [ET.Element("other")], feedback=item.add_feedback("general_fb", why_html))
        share = f"{100 / len(items):.2f}"
        for iid, match in zip(item_ids, matches):
            _condition(proc, [_varequal(f"response_{iid}", choice_id[match])], score=share, add=True)
        return item.done()

    # numeric
    def _number_test(self, answer: Any, precision: int | None) -> ET.Element:
        """Canvas's forms: a value as <or><varequal/><and>gte/lte</and></or> (its margin in the and), a range as
        gte/lte. The lesson's range stops below its high end: the largest float below it keeps that exactly."""
        if answer.value is not None:
            value = Decimal(_number(answer.value))
            margin = Decimal(0)
            if precision and value != 0:
                margin = Decimal(5).scaleb(value.adjusted() - precision)
            return _group("or", _varequal(RESPONSE, _number(answer.value)),
                          _group("and", _compare("vargte", _decimal(value - margin)),
                                 _compare("varlte", _decimal(value + margin))))
        low, high = answer.range
        return _group("and", _compare("vargte", _number(low)),
                      _compare("varlte", _number(math.nextafter(high, -math.inf))))

    def numeric(self, q: Any) -> ET.Element:
        answers = list(enumerate(q.answers, start=1))
        right = [(k, a) for k, a in answers if a.correct]
        ids = {k: f"{q.id}-{k}" for k, _ in right}
        item = _Item(q.id, "numerical_question", list(ids.values()))
        unit = f" ({q.unit})" if getattr(q, "unit", None) else ""
        _material(item.presentation, self.prompt(q.prompt + unit, code=q.code))
        fib = _sub(_sub(item.presentation, "response_str", ident=RESPONSE, rcardinality="Single"), "render_fib",
                   fibtype="Decimal")
        _sub(fib, "response_label", ident="answer1")
        proc = item.processing()
        _condition(proc, [ET.Element("other")], feedback=item.add_feedback("general_fb",
                                                                           self.why(q.explanation, q.source)))
        for k, a in right:
            _condition(proc, [self._number_test(a, q.precision)], stop=True, score="100",
                       feedback=item.add_feedback(f"{ids[k]}_fb", _para(a.feedback)))
        _condition(proc, [ET.Element("other")], feedback=item.add_feedback("general_incorrect_fb",
                                                                           _para(q.default_feedback)))
        wrong = [(k, a) for k, a in answers if not a.correct]
        if wrong:
            self.note(q.id, _wrong([f"{k} ({_show_answer(a)})" for k, a in wrong])
                      + " (a Canvas numerical question holds right answers only): those numbers get the general "
                        "wrong-answer feedback")
        for j, w in wrong:
            for k, r in right:
                if k > j and _overlap(w, r):
                    self.note(q.id, f"numbers in wrong answer {j} ({_show_answer(w)}) are marked right by answer "
                                    f"{k} ({_show_answer(r)}) outside the lesson, where answer {j} comes first")
        if getattr(q, "precision", None):
            ranges = any(a.range is not None for _, a in right)
            self.note(q.id, f"`precision: {q.precision}` given as a margin of half a unit in the last significant "
                            "digit around each right value" + (" (right ranges are compared as written, without "
                                                               "rounding)" if ranges else "")
                      + "; a number exactly halfway may be judged otherwise")
        return item.done()

    # text
    def text(self, q: Any) -> ET.Element:
        answers = list(enumerate(q.answers, start=1))
        right = [(k, a) for k, a in answers if a.correct]
        ids = {k: f"{q.id}-{k}" for k, _ in right}
        item = _Item(q.id, "short_answer_question", list(ids.values()))
        _material(item.presentation, self.prompt(q.prompt, code=q.code))
        fib = _sub(_sub(item.presentation, "response_str", ident=RESPONSE, rcardinality="Single"), "render_fib",
                   fibtype="String", maxchars="100")
        _sub(fib, "response_label", ident="answer1", rshuffle="No")
        proc = item.processing()
        _condition(proc, [ET.Element("other")], feedback=item.add_feedback("general_fb",
                                                                           self.why(q.explanation, q.source)))

        def case(a: Any) -> dict[str, str]:
            return {"case": "Yes"} if getattr(a, "match_case", False) else {}

        for k, a in right:
            if a.feedback:
                _condition(proc, [_varequal(RESPONSE, a.text, **case(a))],
                           feedback=item.add_feedback(f"{ids[k]}_fb", _para(a.feedback)))
        _condition(proc, [_varequal(RESPONSE, a.text, **case(a)) for _, a in right], stop=True, score="100")
        _condition(proc, [ET.Element("other")], feedback=item.add_feedback("general_incorrect_fb",
                                                                           _para(q.default_feedback)))
        wrong = [(k, a) for k, a in answers if not a.correct]
        if wrong:
            self.note(q.id, _wrong([f"{k} (“{a.text}”)" for k, a in wrong])
                      + " (a Canvas short-answer question holds accepted answers only): those answers get the "
                        "general wrong-answer feedback")
        cased = [f"“{a.text}”" for _, a in right if getattr(a, "match_case", False)]
        if cased:
            self.note(q.id, f"answer(s) {', '.join(cased)} must match case in the lesson; Canvas ignores case "
                            "(the package says case=\"Yes\")")
        return item.done()


def _wrong(said: list[str]) -> str:
    """"wrong answer 2 (38) not carried with its feedback", or "wrong answers 2 (38), 3 (...) ... their ..."."""
    many = len(said) > 1
    return f"wrong answer{'s' if many else ''} {', '.join(said)} not carried with {'their' if many else 'its'} feedback"


def _show_answer(a: Any) -> str:
    if a.value is not None:
        return _number(a.value)
    low, high = a.range
    return f"{_number(low)} up to {_number(high)}"


def _span(a: Any) -> tuple[float, float, bool]:
    """(low, high, high included) of the numbers an answer holds."""
    if a.value is not None:
        return a.value, a.value, True
    return a.range[0], a.range[1], False


def _overlap(a: Any, b: Any) -> bool:
    a_low, a_high, a_in = _span(a)
    b_low, b_high, b_in = _span(b)
    below_a = b_low < a_high or (a_in and b_low == a_high)
    below_b = a_low < b_high or (b_in and a_low == b_high)
    return below_a and below_b


# --- files ----------------------------------------------------------------------------------------------------------
def _xml(root: ET.Element) -> bytes:
    ET.indent(root)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n").encode("utf-8")


def _assessment(ident: str, title: str, items: list[ET.Element]) -> bytes:
    root = ET.Element("questestinterop", {"xmlns": QTI_NS, "xmlns:xsi": XSI_NS,
                                          "xsi:schemaLocation": f"{QTI_NS} {QTI_SCHEMA}"})
    section = _sub(_sub(root, "assessment", ident=ident, title=_clean(title)), "section", ident="root_section")
    section.extend(items)
    return _xml(root)


def _assessment_meta(ident: str, title: str, points: int) -> bytes:
    root = ET.Element("quiz", {"identifier": ident, "xmlns": CANVAS_NS, "xmlns:xsi": XSI_NS,
                               "xsi:schemaLocation": f"{CANVAS_NS} {CANVAS_SCHEMA}"})
    for tag, text in (("title", title), ("description", ""), ("shuffle_answers", "false"),
                      ("scoring_policy", "keep_highest"), ("hide_results", ""), ("quiz_type", "practice_quiz"),
                      ("points_possible", f"{points:.1f}"), ("show_correct_answers", "true"),
                      ("anonymous_submissions", "false"), ("could_be_locked", "false"), ("allowed_attempts", "-1"),
                      ("one_question_at_a_time", "false"), ("cant_go_back", "false"), ("available", "false")):
        _sub(root, tag, text)
    return _xml(root)


def _manifest(quizzes: list[str], lang: str) -> bytes:
    root = ET.Element("manifest", {"identifier": "her2lesson-qti", "xmlns": CP_NS, "xmlns:imsmd": MD_NS,
                                   "xmlns:xsi": XSI_NS, "xsi:schemaLocation": f"{CP_NS} {CP_SCHEMA}"})
    metadata = _sub(root, "metadata")
    _sub(metadata, "schema", "IMS Content")
    _sub(metadata, "schemaversion", "1.1.3")
    title = _sub(_sub(_sub(metadata, "imsmd:lom"), "imsmd:general"), "imsmd:title")
    _sub(title, "imsmd:string", "her2lesson question banks", **{"xml:lang": lang})
    _sub(root, "organizations")
    resources = _sub(root, "resources")
    for ident in quizzes:
        resource = _sub(resources, "resource", identifier=ident, type="imsqti_xmlv1p2")
        _sub(resource, "file", href=f"{ident}/{ident}.xml")
        _sub(resource, "dependency", identifierref=f"{ident}-meta")
        meta = _sub(resources, "resource", identifier=f"{ident}-meta", href=f"{ident}/assessment_meta.xml",
                    type="associatedcontent/imscc_xmlv1p1/learning-application-resource")
        _sub(meta, "file", href=f"{ident}/assessment_meta.xml")
    return _xml(root)


def _zip(files: list[tuple[str, bytes]]) -> bytes:
    """The package, byte for byte the same for the same banks (fixed dates, fixed order)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return buffer.getvalue()


# --- the export -----------------------------------------------------------------------------------------------------
def languages(content: Any) -> list[str]:
    """The languages an export can be made in: those the banks are written in (English only today; when banks gain
    a language, read them from `content` here, and `lang` already reaches every word written)."""
    return list(QUESTION_LANGUAGES)


def _bank_order(content: Any) -> list[str]:
    """Banks in the lesson's order (its sections), then any other bank by name."""
    banks = content.banks
    in_lesson = [s.id for s in getattr(content, "sections", []) if s.id in banks]
    return in_lesson + sorted(set(banks) - set(in_lesson))


def _title(content: Any, section: str) -> str:
    found = next((s for s in getattr(content, "sections", []) if s.id == section), None)
    return found.title if found is not None else section


def export_qti(content: Any, *, sections: Sequence[str] | None = None, audience: str | None = None,
               lang: str = "en") -> tuple[bytes, list[str]]:
    """The question banks as a QTI 1.2 zip (Canvas's profile), and one line per question for what it could not
    carry: "<question id>: <what, and why>". Every selected question is an item (a case: one item per part) or
    named there.

    `sections`: the banks to export (default: all, in the lesson's order); `audience`: "patient" or "nurse" (the
    questions that track asks, including those for both) or "both" (only those marked for both); default: all.
    `lang`: the language of the questions and of the few words added ("Why:", "Source:"); "en" today.
    Raises QtiError for an unknown section, audience or language, and NothingToExport if no question remains."""
    available = languages(content)
    if lang not in available:
        raise QtiError(f"no questions in the language {lang!r}: the banks are in {', '.join(available)}. "
                       f"Use --lang {available[0]}.")
    if audience is not None and audience not in AUDIENCES:
        raise QtiError(f"unknown audience {audience!r}: choose one of {', '.join(AUDIENCES)}")
    order = _bank_order(content)
    unknown = [s for s in (sections or ()) if s not in content.banks]
    if unknown:
        raise QtiError(f"no question bank {', '.join(map(repr, unknown))}: choose from {', '.join(order)}")
    chosen = [s for s in order if s in sections] if sections else order
    writer = _Writer(content, lang)
    files: list[tuple[str, bytes]] = []
    quizzes: list[str] = []
    skipped: list[str] = []
    for section in chosen:
        questions = [q for q in content.banks[section].questions
                     if audience is None or q.audience in AUDIENCES[audience]]
        if not questions:
            skipped.append(f"{section}: no question for the audience {audience!r}, so no quiz for this bank")
            continue
        items: list[ET.Element] = []
        for q in questions:
            try:
                items += writer.items(q)
            except _NotCarried as why:
                writer.notes[q.id] = [f"not exported: {why}"]
        if not items:
            continue
        ident = f"her2lesson-{section}"
        title = _title(content, section)
        quizzes.append(ident)
        files += [(f"{ident}/{ident}.xml", _assessment(ident, title, items)),
                  (f"{ident}/assessment_meta.xml", _assessment_meta(ident, title, len(items)))]
    notes = [f"{qid}: {'; '.join(texts)}" for qid, texts in writer.notes.items()] + skipped
    if not quizzes:
        raise NothingToExport("nothing to export: no question in the chosen banks can be carried", notes)
    return _zip([("imsmanifest.xml", _manifest(quizzes, lang)), *files]), notes


def item_ids(package: bytes) -> list[str]:
    """The ident of every item in a package this module wrote, in order."""
    out: list[str] = []
    with zipfile.ZipFile(io.BytesIO(package)) as zf:
        for name in zf.namelist():
            if name != "imsmanifest.xml" and not name.endswith("/assessment_meta.xml"):
                root = ET.fromstring(zf.read(name))
                out += [item.get("ident", "") for item in root.iter(f"{{{QTI_NS}}}item")]
    return out
