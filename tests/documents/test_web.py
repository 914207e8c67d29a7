"""The documents blueprint: the public verification page and permission-checked downloads and uploads."""
from __future__ import annotations

import io

from sqlalchemy import func, select

from workflows.documents.tables import Upload
from workflows.documents.verification import code_for, display

from .conftest import as_user, utc
from .test_uploads import png

SUBMITTER = ("hongshan_submitter", "unit_submitter:hongshan")
OTHER_COUNTY = ("songshan_reviewer", "unit_reviewer:songshan")
SECTION = ("renca", "talent_section")


def certificate_code(system, certificate_id):
    with system.engine.unit_of_work() as s:
        return code_for(s, certificate_id, utc(2014, 9, 1))


def test_valid_certificate_verifies_as_valid_and_shows_nothing_about_the_person(web, docs_system, programme):
    code = certificate_code(docs_system, programme["certificate"])
    page = web.get(f"/verify/{code}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-state="valid"' in html and "有效" in html
    assert "CFPD-2014-0001" in html
    assert "王建国" not in html and "红山区" not in html and "专业技术" not in html
    # the code as printed (K7Q4-M2XD) and in lower case work too
    assert 'data-state="valid"' in web.get(f"/verify/{display(code).lower()}").get_data(as_text=True)


def test_revoked_certificate_shows_revoked_with_its_date(web, docs_system, programme):
    from workflows import tables as t

    code = certificate_code(docs_system, programme["certificate"])
    with docs_system.engine.unit_of_work() as s:
        cert = s.get(t.Certificate, programme["certificate"])
        cert.status, cert.revoked_at, cert.revoke_reason = "revoked", utc(2015, 9, 3, 20), "年度考核不合格"
    html = web.get(f"/verify/{code}").get_data(as_text=True)
    assert 'data-state="revoked"' in html and "已撤销" in html
    assert "2015年9月4日" in html                       # the date in Beijing time
    assert "年度考核不合格" not in html and "王建国" not in html


def test_unknown_code_shows_unknown(web, docs_system, programme):
    for code in ("ABCD2345", "not-a-code", "ZZZZ-ZZZZ-ZZZZ"):
        page = web.get(f"/verify/{code}")
        assert page.status_code == 404 and 'data-state="unknown"' in page.get_data(as_text=True)


def test_verify_form_redirects_to_the_code(web):
    page = web.get("/verify?code=K7Q4-M2XD")
    assert page.status_code == 302 and page.headers["Location"].endswith("/verify/K7Q4-M2XD")


def test_downloads_need_login(web, programme):
    for url in (f"/documents/nominations/{programme['nomination']}/application.pdf",
                f"/documents/certificates/{programme['certificate']}.pdf",
                f"/documents/nominations/{programme['nomination']}/uploads"):
        assert web.get(url).status_code == 401


def test_unit_downloads_its_own_documents_and_not_another_units(web, programme):
    nid, rid = programme["nomination"], programme["round"]
    page = web.get(f"/documents/nominations/{nid}/application.pdf", headers=as_user(*SUBMITTER))
    assert page.status_code == 200 and page.data.startswith(b"%PDF") and page.mimetype == "application/pdf"
    assert web.get(f"/documents/nominations/{nid}/application.pdf", headers=as_user(*OTHER_COUNTY)).status_code == 404
    xlsx = web.get(f"/documents/rounds/{rid}/nominees.xlsx?unit=hongshan", headers=as_user(*SUBMITTER))
    assert xlsx.status_code == 200 and xlsx.data.startswith(b"PK")
    assert web.get(f"/documents/rounds/{rid}/nominees.pdf?unit=hongshan", headers=as_user(*OTHER_COUNTY)).status_code == 404
    assert web.get(f"/documents/rounds/{rid}/nominees.pdf", headers=as_user(*SUBMITTER)).status_code == 404
    assert web.get(f"/documents/rounds/{rid}/nominees.pdf", headers=as_user(*SECTION)).status_code == 200


def test_mentor_downloads_own_certificate_and_agreement(web, programme):
    mentor = as_user("wangjianguo", "mentor")
    assert web.get(f"/documents/certificates/{programme['certificate']}.pdf", headers=mentor).status_code == 200
    assert web.get(f"/documents/mentorships/{programme['mentorship']}/agreement.pdf", headers=mentor).status_code == 200
    stranger = as_user("someone", "mentor")
    assert web.get(f"/documents/certificates/{programme['certificate']}.pdf", headers=stranger).status_code == 404


def _upload(web, nid, content, filename, user=SUBMITTER, json=False):
    headers = as_user(*user) | ({"Accept": "application/json"} if json else {})
    return web.post(f"/documents/nominations/{nid}/uploads", headers=headers,
                    data={"category": "degree", "file": (io.BytesIO(content), filename)},
                    content_type="multipart/form-data")


def test_upload_through_the_page_then_only_readers_download_it(web, docs_system, programme):
    nid = programme["draft_nomination"]  # a draft of 松山区
    owner = ("songshan_submitter", "unit_submitter:songshan")
    page = _upload(web, nid, png(), "学位证书.png", user=owner)
    assert page.status_code == 302
    listing = web.get(f"/documents/nominations/{nid}/uploads", headers=as_user(*owner)).get_data(as_text=True)
    assert "学位证书.png" in listing and "学历学位证书" in listing
    with docs_system.engine.sessions() as s:
        upload_id = s.scalar(select(Upload.id))
    got = web.get(f"/documents/uploads/{upload_id}", headers=as_user(*owner))
    assert got.status_code == 200 and got.data == png() and got.headers["X-Content-Type-Options"] == "nosniff"
    assert web.get(f"/documents/uploads/{upload_id}", headers=as_user(*SUBMITTER)).status_code == 404
    assert web.get(f"/documents/uploads/{upload_id}", headers=as_user(*SECTION)).status_code == 200


def test_refused_upload_shows_the_reason_and_stores_nothing(web, docs_system, programme):
    nid = programme["draft_nomination"]
    owner = ("songshan_submitter", "unit_submitter:songshan")
    page = _upload(web, nid, b"MZ\x90\x00" + b"\x00" * 64, "证书.pdf", user=owner)
    assert page.status_code == 422 and "可执行程序" in page.get_data(as_text=True)
    api = _upload(web, nid, b"\x89PNG\r\n\x1a\nbroken", "证书.png", user=owner, json=True)
    assert api.status_code == 422 and api.get_json()["error"] == "image_undecodable"
    with docs_system.engine.sessions() as s:
        assert s.scalar(select(func.count(Upload.id))) == 0
    assert not (docs_system.settings.data_dir / "uploads").exists()


def test_submitted_nomination_takes_no_more_uploads(web, programme):
    # the appointed nomination of 红山区 is long past filling in
    assert _upload(web, programme["nomination"], png(), "证书.png").status_code == 403


def test_documents_page_offers_what_each_user_may_download(web, programme):
    unit = web.get("/documents/", headers=as_user(*SUBMITTER)).get_data(as_text=True)
    assert "红山区" in unit and "松山区" not in unit and "全市汇总" not in unit
    assert f"/documents/nominations/{programme['nomination']}/application.pdf" in unit
    section = web.get("/documents/", headers=as_user(*SECTION)).get_data(as_text=True)
    assert "全市汇总" in section and f"/documents/rounds/{programme['round']}/nominees.xlsx" in section
    mentor = web.get("/documents/", headers=as_user("wangjianguo", "mentor")).get_data(as_text=True)
    assert "CFPD-2014-0001" in mentor and f"/documents/mentorships/{programme['mentorship']}/agreement.pdf" in mentor
    assert "application.pdf" not in mentor
