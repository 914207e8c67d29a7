"""Generation through the outbox: a handler asks in its transaction, the worker's deliverer renders
from the programme's rows, stores the file with a checksum, and renders again only when the data
change."""
from __future__ import annotations

import json
import subprocess

import pytest
from sqlalchemy import select

from engine import SYSTEM_ACTOR, EventContext
from engine.tables import OutboxMessage
from workflows.documents import DELIVERERS, OPERATIONS, request_render
from workflows.documents.store import sha256
from workflows.documents.tables import StoredDocument, VerificationCode
from workflows.wiring import engine_config

from .conftest import utc


def in_command(system, fn):
    with system.engine.unit_of_work() as s:
        return fn(EventContext(system.engine, s, None, SYSTEM_ACTOR, system.clock.now()))


def outbox(system):
    with system.engine.sessions() as s:
        return [(m.topic, json.loads(m.payload_json), m.idempotency_key) for m in s.scalars(select(OutboxMessage))]


def stored(system, kind):
    with system.engine.sessions() as s:
        return {r.fmt: r for r in s.scalars(select(StoredDocument).where(StoredDocument.kind == kind))}


def deliver(system, kind, ref):
    DELIVERERS["document/render"]({"kind": kind, "id": str(ref)}, 1, system)


def test_wiring_hands_the_engine_the_deliverer_and_the_operation():
    config = engine_config()
    assert config.deliverers["document/render"] is DELIVERERS["document/render"]
    assert "document/render" in config.operations and OPERATIONS["document/render"]


def test_request_writes_one_outbox_message_per_data_version(docs_system, programme):
    in_command(docs_system, lambda ctx: request_render(ctx, "certificate", programme["certificate"]))
    in_command(docs_system, lambda ctx: request_render(ctx, "certificate", programme["certificate"]))
    messages = outbox(docs_system)
    assert [(topic, payload) for topic, payload, _ in messages] == [
        ("document/render", {"kind": "certificate", "id": str(programme["certificate"])})]
    with docs_system.engine.sessions() as s:  # the verification code exists before the PDF does
        assert s.scalar(select(VerificationCode.code)) is not None


def test_certificate_is_rendered_once_and_again_only_when_its_data_change(docs_system, programme, data_dir):
    from workflows import tables as t

    cert_id = programme["certificate"]
    deliver(docs_system, "certificate", cert_id)
    deliver(docs_system, "certificate", cert_id)      # a duplicated message
    row = stored(docs_system, "certificate")["pdf"]
    path = data_dir / row.path
    assert row.renders == 1 and row.checksum == sha256(path.read_bytes())
    assert "static" not in path.parts and path.is_relative_to(data_dir)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "CFPD-2014-0001" in text and "王建国" in text and "中共赤峰市委组织部" in text

    with docs_system.engine.unit_of_work() as s:
        s.get(t.Person, programme["mentor"]).name = "王建華"
    deliver(docs_system, "certificate", cert_id)
    again = stored(docs_system, "certificate")["pdf"]
    assert again.renders == 2 and again.checksum != row.checksum
    assert not path.exists()                             # the old file does not linger
    assert "王建華" in subprocess.run(["pdftotext", str(data_dir / again.path), "-"], capture_output=True,
                                     text=True, check=True).stdout


def test_a_damaged_file_is_rendered_again(docs_system, programme, data_dir):
    deliver(docs_system, "agreement", programme["mentorship"])
    row = stored(docs_system, "agreement")["pdf"]
    (data_dir / row.path).write_bytes(b"tampered")
    deliver(docs_system, "agreement", programme["mentorship"])
    again = stored(docs_system, "agreement")["pdf"]
    assert again.renders == 2 and sha256((data_dir / again.path).read_bytes()) == again.checksum


@pytest.mark.parametrize("ref, expected_names", [("{round}", ["王建国"]), ("{round}:hongshan", ["王建国"]),
                                                  ("{round}:songshan", [])])
def test_nominee_list_per_round_and_per_unit_from_programme_rows(docs_system, programme, data_dir, ref, expected_names):
    from openpyxl import load_workbook

    ref = ref.format(round=programme["round"])
    deliver(docs_system, "nominee_list", ref)
    files = stored(docs_system, "nominee_list")
    assert set(files) == {"pdf", "xlsx"}
    ws = load_workbook(data_dir / files["xlsx"].path).active
    assert [r[1] for r in ws.iter_rows(min_row=4, values_only=True)] == expected_names  # drafts are not listed


def test_application_form_from_programme_rows_carries_reviews_and_uploads(docs_system, programme, data_dir):
    from workflows.documents.uploads import save_upload

    from .test_uploads import png

    with docs_system.engine.unit_of_work() as s:
        save_upload(s, data_dir, nomination_id=programme["nomination"], filename="学位证书.png", content=png(),
                    category="degree", uploaded_by="hongshan_submitter", now=utc(2014, 6, 10))
    deliver(docs_system, "application_form", programme["nomination"])
    row = stored(docs_system, "application_form")["pdf"]
    text = "".join(subprocess.run(["pdftotext", str(data_dir / row.path), "-"], capture_output=True, text=True,
                                  check=True).stdout.split())
    for expected in ("王建国", "红山区", "正高级", "研究生/硕士", "玉龙人才", "同意推荐", "学历学位证书：学位证书.png",
                     "同意1票", "2014年6月18日", "1990年7月1日"):
        assert expected in text, expected


def test_agreement_from_programme_rows_lists_five_mentees_and_the_period(docs_system, programme):
    from workflows.documents import sources

    with docs_system.engine.sessions() as s:
        doc = sources.load(s, "agreement", str(programme["mentorship"]), utc(2014, 9, 1))
    assert [m.name for m in doc.mentees] == ["陈晓东", "孙丽娜", "高鹏", "刘洋", "白雪"]
    assert (doc.period_start.isoformat(), doc.period_end.isoformat()) == ("2014-09-01", "2017-08-31")
    assert doc.unit_name == "红山区" and doc.category == "professional" and len(doc.indicators) >= 5


@pytest.mark.parametrize("payload", [{"kind": "certificate", "id": "999"}, {"kind": "poster", "id": "1"},
                                     {"kind": "certificate"}])
def test_render_request_that_cannot_succeed_becomes_an_incident_at_once(docs_system, programme, payload):
    from engine.outbox import Undeliverable

    with pytest.raises(Undeliverable):
        DELIVERERS["document/render"](payload, 1, docs_system)


def test_outbox_delivers_a_render_request_through_the_engine(docs_system, programme):
    in_command(docs_system, lambda ctx: request_render(ctx, "agreement", programme["mentorship"]))
    counts = docs_system.engine.outbox.deliver_due(docs_system)
    assert counts["delivered"] == 1, counts
    assert stored(docs_system, "agreement")["pdf"].renders == 1
