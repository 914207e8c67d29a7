"""The documents pages inside the full web app (create_app discovers the blueprint)."""
from __future__ import annotations

import io
import re

import pytest
from werkzeug.security import generate_password_hash

from engine.identity import upsert_user
from webapp import create_app
from workflows.documents.verification import code_for

from .conftest import utc
from .test_uploads import png

PASSWORD = "Peidai#2014"


@pytest.fixture
def backend():
    return "sqlite"


@pytest.fixture
def client(docs_system):
    with docs_system.engine.unit_of_work() as s:
        upsert_user(s, "songshan_submitter", "松山申报", password_hash=generate_password_hash(PASSWORD, "pbkdf2:sha256:1000"),
                    memberships=[("unit_submitter", "songshan")])
    return create_app(docs_system, TESTING=True).test_client()


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def login(client, username):
    token = csrf(client.get("/login").get_data(as_text=True))
    assert client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token}).status_code == 302


def test_verification_is_public_in_the_full_app(client, docs_system, programme):
    with docs_system.engine.unit_of_work() as s:
        code = code_for(s, programme["certificate"], utc(2014, 9, 1))
    page = client.get(f"/verify/{code}")
    assert page.status_code == 200 and 'data-state="valid"' in page.get_data(as_text=True)


def test_unit_uploads_a_certificate_copy_in_the_site_frame(client, programme):
    login(client, "songshan_submitter")
    url = f"/documents/nominations/{programme['draft_nomination']}/uploads"
    html = client.get(url).get_data(as_text=True)
    assert "赤峰市人才培带工程管理系统" in html and "上传证书复印件" in html
    sent = client.post(url, data={"csrf_token": csrf(html), "category": "award", "file": (io.BytesIO(png()), "获奖证书.png")},
                       content_type="multipart/form-data")
    assert sent.status_code == 302
    listing = client.get(url).get_data(as_text=True)
    assert "获奖证书.png" in listing and "已上传" in listing


def test_upload_without_csrf_token_is_rejected(client, docs_system, programme):
    login(client, "songshan_submitter")
    sent = client.post(f"/documents/nominations/{programme['draft_nomination']}/uploads",
                       data={"category": "award", "file": (io.BytesIO(png()), "获奖证书.png")},
                       content_type="multipart/form-data")
    assert sent.status_code == 400
    assert not (docs_system.settings.data_dir / "uploads").exists()


def test_app_refuses_to_start_without_a_cjk_font(docs_system, monkeypatch):
    from workflows.documents import fonts

    fonts.check_cjk_font.cache_clear()
    monkeypatch.setattr(fonts, "installed_cjk_families", lambda: [])
    with pytest.raises(fonts.CJKFontMissing, match="中文字体"):
        create_app(docs_system, TESTING=True)
    fonts.check_cjk_font.cache_clear()
