"""The content a learner's kernel holds: plain records (content/plain.py) with the fields of the checked models, so a
kernel needs neither pydantic nor yaml (tests/test_kernel_memory.py checks the imports)."""
from __future__ import annotations

import pickle
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel

from her2lesson.content import library, plain, schema
from her2lesson.content.library import write_snapshot
from her2lesson.content.plain import Content, Record, load_content, record_fields, to_plain

ROOT = Path(__file__).resolve().parent.parent


def all_models(cls: type[BaseModel] = schema.Model) -> Iterator[type[BaseModel]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from all_models(sub)


MODELS = sorted(set(all_models()), key=lambda m: m.__name__)


def test_the_models_of_questions_and_aids_are_all_found():
    names = {m.__name__ for m in MODELS}
    assert {"Bank", "ChoiceQuestion", "CasePart", "NumericQuestion", "TextAnswer", "HelpCard", "Term"} <= names
    assert {m.__module__ for m in MODELS} >= {schema.__name__, library.__name__}


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_checked_model_is_a_plain_record_with_the_same_fields(model):
    record = getattr(plain, model.__name__, None)
    assert isinstance(record, type) and issubclass(record, Record), \
        f"add a record {model.__name__} to her2lesson/content/plain.py (a kernel loads that, not the model)"
    assert issubclass(model, record), f"write class {model.__name__}(..., plain.{model.__name__})"
    assert set(record_fields(record)) == set(model.model_fields), \
        f"plain.{model.__name__} must have the same fields as the model"


def walk(value: object) -> Iterator[object]:
    yield value
    if isinstance(value, Content):
        value = vars(value)
    if isinstance(value, Record):
        value = vars(value)
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        for item in value:
            yield from walk(item)


def assert_plain(content: Content) -> None:
    found = list(walk(content))
    assert not [x for x in found if isinstance(x, BaseModel)]
    records = [x for x in found if isinstance(x, Record)]
    assert records and {type(x).__module__ for x in records} == {plain.__name__}
    assert {type(x).__name__ for x in records} >= {"Bank", "ChoiceQuestion", "CaseQuestion", "CasePart", "Option",
                                                   "NumericQuestion", "Term", "Source", "HelpCard"}


def dump(value: object) -> object:
    """A record as model_dump() gives a model: fields to values, records inside as dicts too."""
    if isinstance(value, Record):
        return {name: dump(v) for name, v in vars(value).items()}
    if isinstance(value, tuple):
        return tuple(dump(v) for v in value)
    if isinstance(value, dict):
        return {k: dump(v) for k, v in value.items()}
    return value


def test_checked_content_becomes_plain_records_with_the_same_values(content):
    converted = to_plain(content)
    assert_plain(converted)
    for key, bank in content.banks.items():
        assert dump(converted.banks[key]) == bank.model_dump()
    for name in ("glossary", "sources", "figures"):
        assert {k: dump(v) for k, v in getattr(converted, name).items()} == \
            {k: v.model_dump() for k, v in getattr(content, name).items()}
    for name in ("ihc_explainer", "care_questions", "self_care", "help_card"):
        assert dump(getattr(converted, name)) == getattr(content, name).model_dump()
    assert (converted.sections, converted.strings, converted.svgs) == (content.sections, content.strings, content.svgs)
    matching = next(q for b in converted.banks.values() for q in b.questions if isinstance(q, plain.MatchingQuestion))
    assert matching.choices == tuple(p.match for p in matching.pairs) + matching.distractors


def test_the_snapshot_holds_plain_records_only(content, tmp_path):
    loaded = pickle.loads(write_snapshot(content, tmp_path).read_bytes())
    assert_plain(loaded)
    assert loaded == to_plain(content)


def test_load_content_without_a_snapshot_also_gives_plain_records(monkeypatch):
    """A notebook run on its own (nbval, JupyterLab) checks the files, and gets the same kind of content."""
    monkeypatch.delenv(plain.SNAPSHOT_ENV, raising=False)
    load_content.cache_clear()
    try:
        assert_plain(load_content(ROOT))
    finally:
        load_content.cache_clear()


def test_a_record_is_read_only_and_takes_exactly_its_fields():
    term = plain.Term(term="HER2", plain="a protein", say=None)
    with pytest.raises(AttributeError):
        term.term = "other"
    with pytest.raises(TypeError):
        plain.Term(term="HER2", plain="a protein")
    assert term == plain.Term(term="HER2", plain="a protein", say=None) and "HER2" in repr(term)
