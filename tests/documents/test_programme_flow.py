"""Documents from a programme run through the real BPMN models: the certificate/issue step's
render request is delivered by the outbox, the 聘书 verifies as valid, the 附件2 carries the unit's
review, the committee's votes and the sign-off from the audit trail, and after an unqualified
assessment the certificate verifies as revoked and is re-rendered with a revocation stamp."""
from __future__ import annotations

import json
import subprocess
from datetime import datetime

import pytest
from sqlalchemy import select

from engine.tables import OutboxMessage
from peidai.settings import PROJECT_ROOT
from workflows.documents import service
from workflows.documents.tables import StoredDocument, VerificationCode
from workflows.driver import Driver, sample_application, sample_mentees


@pytest.fixture
def backend():
    return "sqlite"  # the programme's own tests cover PostgreSQL; the documents layer is database-neutral


def cst(text: str) -> datetime:
    return datetime.fromisoformat(text.replace(" ", "T") + "+08:00")


def deliver_documents(d) -> int:
    with d.engine.sessions() as s:
        ids = s.scalars(select(OutboxMessage.id).where(OutboxMessage.topic == "document/render",
                                                       OutboxMessage.status == "pending")).all()
    return sum(d.engine.outbox.deliver(mid, d.system) == "delivered" for mid in ids)


def text_of(path) -> str:
    return "".join(subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout.split())


def test_documents_follow_a_nomination_from_application_to_disqualification(docs_system, web):
    from workflows.tables import Assessment, Certificate, Mentorship, Nomination

    d = Driver(docs_system)
    d.seed()
    d.deploy(PROJECT_ROOT / "bpmn")
    round_iid = d.open_round(2014)
    round_id = d.engine.instance_detail(round_iid)["data"]["round_id"]
    iid = d.nominate(round_id, "hongshan")
    d.complete(iid, "Task_Fill", sample_application("张伟"))
    d.complete(iid, "Task_UnitReview", {"unit_decision": "approve", "conditions_attested": True}, comment="同意推荐，材料真实完整。")
    d.fire(cst("2014-07-01 09:00"))
    d.vote(iid, "agree", score=88, comment="同意")                  # the committee's review of the nomination
    d.prepare_list(round_iid)                                      # the list, signed in one act (issue 13)
    d.sign_list(round_iid, comment="同意聘任")

    assert deliver_documents(d) == 1                               # certificate/issue asked for its 聘书
    with d.engine.sessions() as s:
        cert = s.scalar(select(Certificate))
        nomination = s.scalar(select(Nomination))
        code = s.scalar(select(VerificationCode.code))
        pdf = s.scalar(select(StoredDocument).where(StoredDocument.kind == "certificate"))
        ship = s.scalar(select(Mentorship))
    text = text_of(docs_system.settings.data_dir / pdf.path)
    assert cert.number in text and "张伟" in text and f"/verify/{code}" in text and "中共赤峰市委组织部" in text
    assert 'data-state="valid"' in web.get(f"/verify/{code}").get_data(as_text=True)

    form = service.document_file(d.engine, docs_system.settings.data_dir, "application_form", str(nomination.id), "pdf",
                                 d.clock.now())
    form_text = text_of(form.path)
    for expected in ("张伟", "赤峰市医院主任医师", "研究生/硕士", "正高级", "玉龙人才", "业务精湛", "同意推荐，材料真实完整。",
                     "同意5票", "同意聘任", "【同意】"):
        assert expected in form_text, expected

    d.complete(ship.instance_id, "Task_RegisterMentees", {"period_years": 3, "mentees": sample_mentees()})
    d.complete(ship.instance_id, "Task_ConfirmAgreement", {"agreement_decision": "confirm"})
    agreement = service.document_file(d.engine, docs_system.settings.data_dir, "agreement", str(ship.id), "pdf",
                                      d.clock.now())
    agreement_text = text_of(agreement.path)
    assert all(f"学员{i}" in agreement_text for i in range(1, 6)) and "临床医学" in agreement_text

    d.fire(cst("2015-07-01 09:01"))
    with d.engine.sessions() as s:
        year1 = s.scalar(select(Assessment).where(Assessment.year_no == 1))
    d.complete(year1.instance_id, "Task_UnitAssessment", {"result": "unqualified", "report": "未完成联系书约定的培带任务和年度指标。"})
    d.complete(year1.instance_id, "Task_ConfirmAssessment", {"final_result": "unqualified"})
    d.fire()
    assert deliver_documents(d) == 1                               # disqualification asked again
    html = web.get(f"/verify/{code}").get_data(as_text=True)
    assert 'data-state="revoked"' in html and "张伟" not in html
    with d.engine.sessions() as s:
        again = s.scalar(select(StoredDocument).where(StoredDocument.kind == "certificate"))
        payloads = [json.loads(p) for p in s.scalars(select(OutboxMessage.payload_json)
                                                     .where(OutboxMessage.topic == "document/render"))]
    assert again.renders == 2 and "已撤销" in text_of(docs_system.settings.data_dir / again.path)
    assert "2015年7月1日撤销" in text_of(docs_system.settings.data_dir / again.path)
    assert payloads == [{"kind": "certificate", "id": cert.id}] * 2
