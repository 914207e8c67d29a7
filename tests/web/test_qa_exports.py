"""Outside check: text people typed stays text in every Excel export (formula injection). A name,
workplace or profile typed as ``=HYPERLINK(...)`` or ``=cmd|...`` must not become a formula that
runs when the talent section opens the workbook; the text itself is kept as typed."""
from __future__ import annotations

from dataclasses import replace
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from peidai.settings import PROJECT_ROOT
from tests.documents.conftest import sample_nominee_list
from tests.programme.conftest import close, open_round, sign, submit
from tests.web.test_incentives_pages import _HASH
from workflows.documents.excel import HEADER_ROW, render_xlsx
from workflows.driver import Driver, sample_application
from workflows.tables import Mentorship

EVIL_NAME = "=cmd|' /C calc'!A0"
EVIL_LINK = '=HYPERLINK("http://evil.example","点此查看")'


def _text_cells(ws, min_row):
    return {c.value: c.data_type for row in ws.iter_rows(min_row=min_row) for c in row if isinstance(c.value, str)}


def test_nominee_list_keeps_formula_like_text_as_text():
    doc = sample_nominee_list()
    doc.nominees[0] = replace(doc.nominees[0], name=EVIL_NAME, workplace=EVIL_LINK, phone="+86 0476-1")
    ws = load_workbook(BytesIO(render_xlsx(doc))).active
    cells = _text_cells(ws, HEADER_ROW + 1)
    assert cells[EVIL_NAME] == "s" and cells[EVIL_LINK] == "s" and cells["+86 0476-1"] == "s"
    assert "f" not in cells.values()


@pytest.fixture
def evil_mentor(system):
    d = Driver(system)
    d.seed(experts_per_panel=3, password_hash=lambda _u: _HASH)
    d.deploy(PROJECT_ROOT / "bpmn")
    _, rid = open_round(d, 2014)
    iid = submit(d, rid, "hongshan", sample_application(EVIL_NAME))
    close(d, rid)
    d.vote(iid, "agree")
    sign(d, rid)
    with d.engine.sessions() as s:
        d.ship = s.scalars(select(Mentorship)).one()
    return d


def test_pool_and_publicity_exports_keep_formula_like_text_as_text(auth, client, evil_mentor):
    auth.login("section")
    r = client.get("/pool/export.xlsx")
    assert r.status_code == 200
    cells = _text_cells(load_workbook(BytesIO(r.data)).active, 2)
    assert cells[EVIL_NAME] == "s" and "f" not in cells.values()

    profile = EVIL_LINK + "，赤峰市医院主任医师，从医三十年，带出青年骨干十余名。"
    person = evil_mentor.ship.mentor_id
    assert auth.post(f"/incentives/publicity/{person}?year=2015", {"text": profile, "approve": "1"}).status_code == 302
    r = client.get("/incentives/publicity/export.xlsx?year=2015")
    assert r.status_code == 200
    cells = _text_cells(load_workbook(BytesIO(r.data)).active, 3)
    assert cells[EVIL_NAME] == "s" and cells[profile] == "s" and "f" not in cells.values()
