"""Probe finding: a whole number sent as ``2.0`` passed the form (JSON Schema counts it as an
integer) and was written as the float ``2.0``. ``POST /instances`` with the nomination's start
data ``{"round_id": 2.0, ...}`` then answered 422 "评选轮次 2.0 不存在" (the same round that
``POST /nominations`` accepts as ``2.0``), and a mentor's own ``{"mentor_id": 1.0}`` was refused as
outside the mentor's scope: the float reached lookups and scope checks that compare it as text.
The form contract (engine.forms.check) now writes the integer where the form declares one."""
from __future__ import annotations

import pytest

from engine import forms

def test_the_form_contract_writes_whole_numbers_as_integers():
    schema = {"type": "object", "properties": {
        "n": {"type": "integer", "maximum": 10}, "ids": {"type": "array", "items": {"type": "integer"}},
        "either": {"type": ["integer", "null"]}, "ratio": {"type": "number"}, "text": {"type": "string"}}}
    out = forms.check(schema, {"n": 2.0, "ids": [1.0, 3], "either": 4.0, "ratio": 2.0, "text": "2.0"})
    assert out == {"n": 2, "ids": [1, 3], "either": 4, "ratio": 2.0, "text": "2.0"}
    assert [type(out[k]) for k in ("n", "either", "ratio")] == [int, int, float]
    assert all(type(i) is int for i in out["ids"])
    for bad in (2.5, float("inf"), float("nan"), 11.0):
        with pytest.raises(forms.InvalidData):
            forms.check(schema, {"n": bad})


@pytest.fixture
def programme(programme_api):
    api = programme_api
    round_id = api.client.post("/api/v1/rounds", json={"year": 2014}, headers=api.bearer("section")).get_json()["round_id"]
    return api.client, round_id, api.bearer("hongshan_sub", **{"Content-Type": "application/json"})


def test_a_start_with_a_whole_number_written_as_2_0_starts_the_process(programme, system):
    client, round_id, headers = programme
    body = f'{{"process_key": "nomination", "data": {{"round_id": {round_id}.0, "unit_id": "hongshan"}}}}'
    r = client.post("/api/v1/instances", data=body, headers=headers)
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["round_id"] == round_id
    data = system.engine.instance_detail(r.get_json()["id"])["data"]
    assert data["round_id"] == round_id and type(data["round_id"]) is int
    # a fraction is still refused on its field, and nothing is started
    before = client.get("/api/v1/nominations", headers=headers).get_json()["total"]
    body = f'{{"process_key": "nomination", "data": {{"round_id": {round_id}.5, "unit_id": "hongshan"}}}}'
    r = client.post("/api/v1/instances", data=body, headers=headers)
    assert r.status_code == 422 and [e["field"] for e in r.get_json()["errors"]] == ["round_id"]
    assert client.get("/api/v1/nominations", headers=headers).get_json()["total"] == before
