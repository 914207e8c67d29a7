"""Probe finding: ``POST /nominations/{id}/uploads`` with two ``file`` parts (or two ``category``
values) answered 201 and stored the first; the second was dropped without a word. A client that
sends two certificates in one request believed both were uploaded. Now 422 on the repeated field,
nothing stored."""
from __future__ import annotations

import io

import pytest
from PIL import Image


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def nomination(programme_api):
    client, section, sub = programme_api.client, programme_api.bearer("section"), programme_api.bearer("hongshan_sub")
    round_id = client.post("/api/v1/rounds", json={"year": 2014}, headers=section).get_json()["round_id"]
    nom = client.post("/api/v1/nominations", json={"round_id": round_id, "unit_id": "hongshan"}, headers=sub).get_json()
    return client, sub, nom["nomination_id"]


def _uploads(client, sub, nomination_id):
    return client.get(f"/api/v1/nominations/{nomination_id}/uploads", headers=sub).get_json()["items"]


@pytest.mark.parametrize("data, field", [
    (lambda png: {"category": "degree", "file": [(io.BytesIO(png), "学位证书.png"), (io.BytesIO(png), "职称证书.png")]}, "file"),
    (lambda png: {"category": ["degree", "title"], "file": (io.BytesIO(png), "学位证书.png")}, "category"),
])
def test_a_repeated_multipart_field_is_refused_and_nothing_is_stored(nomination, data, field):
    client, sub, nomination_id = nomination
    r = client.post(f"/api/v1/nominations/{nomination_id}/uploads", data=data(_png()), headers=sub,
                    content_type="multipart/form-data")
    assert r.status_code == 422, r.get_json()
    body = r.get_json()
    assert [e["field"] for e in body["errors"]] == [field] and body["errors"][0]["code"] == "maxItems"
    assert "最多" in body["errors"][0]["message"]
    assert _uploads(client, sub, nomination_id) == []


def test_one_file_with_one_category_is_still_stored(nomination):
    client, sub, nomination_id = nomination
    r = client.post(f"/api/v1/nominations/{nomination_id}/uploads", headers=sub, content_type="multipart/form-data",
                    data={"category": "degree", "file": (io.BytesIO(_png()), "学位证书.png")})
    assert r.status_code == 201, r.get_json()
    assert [u["name"] for u in _uploads(client, sub, nomination_id)] == ["学位证书.png"]


def test_a_refused_upload_or_deletion_says_why(nomination, programme_api):
    """A unit reviewer may read the certificate copies of a draft but not add or delete them: the
    refusal says who may, not that the application was already submitted (it was not)."""
    client, sub, nomination_id = nomination
    r = client.post(f"/api/v1/nominations/{nomination_id}/uploads", headers=sub, content_type="multipart/form-data",
                    data={"category": "degree", "file": (io.BytesIO(_png()), "学位证书.png")})
    assert r.status_code == 201, r.get_json()
    upload_id = r.get_json()["upload_id"]
    rev = programme_api.bearer("hongshan_rev")
    r = client.delete(f"/api/v1/uploads/{upload_id}", headers=rev)
    assert r.status_code == 403 and r.get_json()["message"] == "只有本单位申报人可以上传或删除附件"
    r = client.post(f"/api/v1/nominations/{nomination_id}/uploads", headers=rev, content_type="multipart/form-data",
                    data={"category": "degree", "file": (io.BytesIO(_png()), "学位证书.png")})
    assert r.status_code == 403 and r.get_json()["message"] == "只有本单位申报人可以上传或删除附件"
    assert len(_uploads(client, sub, nomination_id)) == 1
