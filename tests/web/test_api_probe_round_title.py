"""Probe finding: ``POST /rounds`` stored a title of spaces only (``"  "`` passed ``minLength 2``),
so the round showed an empty name on every page, notice and document that names it. The page
strips the title (blank means the default name); the API now refuses a blank title with 422 on the
field and strips the spaces around a real one."""
from __future__ import annotations

import pytest


@pytest.fixture
def section(programme_api):
    headers = programme_api.bearer("section")
    return lambda body: programme_api.client.post("/api/v1/rounds", json=body, headers=headers)


@pytest.mark.parametrize("title", ["  ", "\u3000\u3000", " \t\n "])
def test_a_blank_round_title_is_refused_on_its_field_and_opens_nothing(section, system, title):
    r = section({"year": 2014, "title": title})
    assert r.status_code == 422, r.get_json()
    body = r.get_json()
    assert [e["field"] for e in body["errors"]] == ["title"]
    assert all("\u4e00" <= ch <= "\u9fff" for ch in body["errors"][0]["message"][:1])   # Chinese message
    from engine.tables import Instance
    with system.engine.sessions() as s:
        assert s.query(Instance).filter_by(process_key="selection_round").count() == 0


def test_spaces_around_a_round_title_are_not_stored(section):
    r = section({"year": 2014, "title": "  2014年度评选 "})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["title"] == "2014年度评选"
    # what is left after the spaces must still be long enough (the start form's minLength)
    r = section({"year": 2015, "title": " 评 "})
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "title"
