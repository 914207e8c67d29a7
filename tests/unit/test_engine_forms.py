"""The form contract (engine/forms.py) names each problem once, at its field."""
from __future__ import annotations

import pytest

from engine import InvalidData, forms

CLOSED = {"type": "object", "additionalProperties": False,
          "properties": {"name": {"type": "string"},
                         "address": {"type": "object", "additionalProperties": False,
                                     "properties": {"city": {"type": "string"}}}}}


@pytest.mark.parametrize("data, fields", [
    ({"name": "张三", "salary": 1}, ["salary"]),
    ({"name": "张三", "address": {"city": "赤峰", "street": "x"}}, ["address.street"]),
    ({"__class__": 1, "name": "x"}, ["__class__"]),
    ({"name": 5, "extra": "<script>"}, ["extra", "name"]),
])
def test_an_unknown_property_of_a_closed_form_is_named_once_at_its_field(data, fields):
    found = forms.problems(CLOSED, data)
    assert sorted(e["field"] for e in found) == fields
    assert all(e["field"] and e["code"] != "additionalProperties" for e in found)
    with pytest.raises(InvalidData):
        forms.check(CLOSED, data)


def test_an_open_object_inside_a_closed_form_takes_what_it_does_not_declare():
    schema = {**CLOSED, "properties": {**CLOSED["properties"], "extra": {"type": "object", "additionalProperties": True}}}
    assert forms.problems(schema, {"extra": {"anything": 1}}) == []


OPEN_ENDED = {"type": "object", "properties": {
    "ethnicity": {"type": "string"}, "report": {"type": "string", "maxLength": 20000},
    "names": {"type": "array", "items": {"type": "string"}},
    "address": {"type": "object", "properties": {"city": {"type": "string"}}}}}


@pytest.mark.parametrize("data, field, code", [
    ({"ethnicity": "汉" * (forms.DEFAULT_MAX_LENGTH + 1)}, "ethnicity", "maxLength"),
    ({"ethnicity": "x" * 9_000_000}, "ethnicity", "maxLength"),                      # megabytes into a workflow's state
    ({"names": ["张三"] * (forms.DEFAULT_MAX_ITEMS + 1)}, "names", "maxItems"),
    ({"names": ["李" * (forms.DEFAULT_MAX_LENGTH + 1)]}, "names", "maxLength"),
    ({"address": {"city": "赤" * (forms.DEFAULT_MAX_LENGTH + 1)}}, "address.city", "maxLength"),
])
def test_a_form_that_sets_no_bound_still_has_one(data, field, code):
    found = forms.problems(OPEN_ENDED, data)
    assert [(e["field"], e["code"]) for e in found] == [(field, code)]
    assert str(forms.DEFAULT_MAX_LENGTH if code == "maxLength" else forms.DEFAULT_MAX_ITEMS) in found[0]["message"]


def test_a_forms_own_bound_wins_over_the_default():
    assert forms.problems(OPEN_ENDED, {"report": "x" * 15000, "ethnicity": "蒙古族", "names": ["a"] * 3}) == []
    assert forms.problems(OPEN_ENDED, {"report": "x" * 20001})[0]["code"] == "maxLength"


def test_every_text_and_list_of_the_shipped_forms_sets_its_own_bound():
    """The programme's forms say how long each answer may be (the default bound is a safety net)."""
    import json

    from peidai.settings import PROJECT_ROOT
    loose = []

    def walk(props, where):
        for name, prop in props.items():
            kind, here = prop.get("type"), f"{where}.{name}"
            if kind == "string" and not ({"maxLength", "enum", "const", "format"} & set(prop)):
                loose.append(here)
            if kind == "array":
                if "maxItems" not in prop:
                    loose.append(here)
                items = prop.get("items") or {}
                if items.get("type") == "string" and not ({"maxLength", "enum", "format"} & set(items)):
                    loose.append(here + "[]")
                walk(forms.declared(items), here + "[]")
            if kind == "object":
                walk(forms.declared(prop), here)

    for path in sorted((PROJECT_ROOT / "bpmn" / "forms").glob("*.json")):
        walk(forms.declared(json.loads(path.read_text(encoding="utf-8"))), path.name)
    assert loose == []


def test_a_long_value_for_a_choice_is_refused_once_as_not_a_choice():
    schema = {"type": "object", "properties": {"kind": {"type": "string", "enum": ["a", "b"]}}}
    assert [(e["field"], e["code"]) for e in forms.problems(schema, {"kind": "x" * 5000})] == [("kind", "enum")]


def test_a_date_field_may_name_its_earliest_and_latest_day():
    """formatMinimum / formatMaximum bound a ``format: date`` text; a text that is not a date is the format's error."""
    schema = {"type": "object", "properties": {"born": {"type": "string", "format": "date", "formatMinimum": "1920-01-01",
                                                        "formatMaximum": "2010-12-31"}}}
    assert forms.check(schema, {"born": "1975-05-01"}) == {"born": "1975-05-01"}
    assert forms.check(schema, {"born": "1920-01-01"}) == {"born": "1920-01-01"}
    for value, code, message in (("0001-01-01", "formatMinimum", "不能早于 1920-01-01"),
                                 ("2011-01-01", "formatMaximum", "不能晚于 2010-12-31")):
        with pytest.raises(InvalidData) as err:
            forms.check(schema, {"born": value})
        assert err.value.details["errors"] == [{"field": "born", "code": code, "params": {"limit": message[-10:]},
                                                "message": message}]
    with pytest.raises(InvalidData) as err:
        forms.check(schema, {"born": "1975-13-01"})
    assert [e["code"] for e in err.value.details["errors"]] == ["format"]
