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
