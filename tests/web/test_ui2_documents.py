"""QA walk (second round), the unit submitter's documents pages: who uploaded a certificate copy and
for whom (name and unit, not 编号 15), the uploads as cards on a phone, and the 文书材料 heading in
the page's language (it carried the English word "Documents" on the Chinese page)."""
from __future__ import annotations

import html
import io
import re

import pytest


def text(r) -> str:
    return html.unescape(r.get_data(as_text=True))


def png() -> bytes:
    from PIL import Image
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def programme(programme_round):
    d, rid = programme_round
    iid = d.nominate(rid, "hongshan")
    return d, rid, iid


def nomination_of(d, iid) -> int:
    return d.engine.instance_detail(iid)["data"]["nomination_id"]


def test_the_uploads_page_names_the_candidate_and_the_uploader_not_login_names(programme, auth):
    from workflows.driver import sample_application
    d, _rid, iid = programme
    nid = nomination_of(d, iid)
    auth.login("hongshan_sub")
    r = auth.post(f"/documents/nominations/{nid}/uploads", {"category": "degree", "file": (io.BytesIO(png()), "学位证书.png")},
                  content_type="multipart/form-data")
    assert r.status_code == 302
    page = text(auth.client.get(f"/documents/nominations/{nid}/uploads"))
    # before the application is filled in, the page says so instead of a bare number
    head = re.search(r"<h1>(.*?)</h1>", page, re.S).group(1)
    assert "推荐人选（尚未填写姓名）" in head and "红山区" in head and "编号" not in head
    # the uploader by name; every cell labelled for the phone's cards; the delete button in its own cell
    table = re.search(r'<table class="table compact cards" id="upload-rows">.*?</table>', page, re.S).group(0)
    assert "红山区申报人" in table and "hongshan_sub" not in table
    cells = re.findall(r"<td[^>]*>", table)
    assert all("data-label=" in c or 'class="actions"' in c for c in cells)
    assert "删除" in table

    d.complete(iid, "Task_Fill", sample_application(name="王小明"))
    head = re.search(r"<h1>(.*?)</h1>", text(auth.client.get(f"/documents/nominations/{nid}/uploads")), re.S).group(1)
    assert "王小明" in head and "红山区" in head


def test_the_documents_page_heading_is_in_the_pages_language(programme, auth):
    auth.login("hongshan_sub")
    page = text(auth.client.get("/documents/"))
    assert re.search(r"<h1>\s*文书材料\s*</h1>", page)
    assert "Documents" not in page
    auth.post("/lang", {"lang": "en", "next": "/documents/"})
    page = text(auth.client.get("/documents/"))
    assert re.search(r"<h1>\s*Documents\s*</h1>", page)
    assert "附件1" not in page and "Annex 1" in page
