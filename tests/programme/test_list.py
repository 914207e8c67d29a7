"""The list signed in one act (issue 13 point 2): after the committee the talent section prepares
the 推荐名单 in 附件1 order, the director signs it as a whole (striking individuals out with a
reason), certificates follow only for those on the signed list, publishing only after signing."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine import InvalidData, InvalidState, PermissionDenied
from engine.tables import AuditEvent
from workflows.driver import sample_application
from workflows.tables import Certificate, Mentorship, Nomination, NomineeList, PoolEntry

from .conftest import close, committee, messages, open_round, submit

PEOPLE = (("张伟", "hongshan"), ("王芳", "songshan"), ("李强", "cfu"), ("赵敏", "aohan"))


def round_with_recommended(d, people=PEOPLE, not_recommended=()):
    """A closed round whose committee recommended ``people`` (except ``not_recommended``)."""
    round_iid, rid = open_round(d, 2014)
    iids = {name: submit(d, rid, unit, sample_application(name)) for name, unit in people}
    close(d, rid)
    for name, iid in iids.items():
        committee(d, iid, ("disagree",) * 5 if name in not_recommended else ("agree",) * 5)
    return round_iid, rid, {name: nomination_id(d, iid) for name, iid in iids.items()}


def nomination_id(d, iid) -> int:
    with d.engine.sessions() as s:
        return s.scalar(select(Nomination.id).where(Nomination.instance_id == iid))


def rows(d, table, *where):
    with d.engine.sessions() as s:
        return s.scalars(select(table).where(*where).order_by(table.id)).all()


def test_the_list_cannot_be_prepared_while_the_committee_is_still_reviewing(programme):
    d = programme
    round_iid, rid = open_round(d, 2014)
    first = submit(d, rid, "hongshan", sample_application("张伟"))
    submit(d, rid, "songshan", sample_application("王芳"))
    close(d, rid)
    committee(d, first)
    with pytest.raises(InvalidData, match="尚有1份推荐未完成评审"):
        d.prepare_list(round_iid)
    assert rows(d, NomineeList) == [] and [t["element_id"] for t in d.open_tasks(round_iid)] == ["Task_PrepareList"]


def test_the_list_holds_every_recommended_candidate_once_in_the_offices_order(programme):
    d = programme
    round_iid, rid, ids = round_with_recommended(d, not_recommended=("赵敏",))
    with pytest.raises(InvalidData, match="缺少评审通过的人选：王芳"):
        d.prepare_list(round_iid, [ids["张伟"], ids["李强"]])
    with pytest.raises(InvalidData, match=f"不是评审通过的人选：{ids['赵敏']}"):
        d.prepare_list(round_iid, [ids["张伟"], ids["李强"], ids["王芳"], ids["赵敏"]])
    d.prepare_list(round_iid, [ids["李强"], ids["张伟"], ids["王芳"]], comment="按评审得分排序")
    listed = rows(d, Nomination, Nomination.list_status == "listed")
    assert sorted((n.list_rank, n.name) for n in listed) == [(1, "李强"), (2, "张伟"), (3, "王芳")]
    [lst] = rows(d, NomineeList)
    assert (lst.status, lst.listed, lst.prepare_comment, lst.prepared_by) == ("prepared", 3, "按评审得分排序", "section")
    assert [t["element_id"] for t in d.open_tasks(round_iid)] == ["Task_SignList"]


def test_the_default_order_is_by_unit_as_the_notice_addresses_them(programme):
    d = programme
    round_iid, rid, ids = round_with_recommended(d)
    d.prepare_list(round_iid)
    listed = sorted(rows(d, Nomination, Nomination.list_status == "listed"), key=lambda n: n.list_rank)
    assert [n.unit_id for n in listed] == ["hongshan", "songshan", "aohan", "cfu"]


def test_the_director_signs_the_list_as_a_whole_striking_one_out_with_a_reason(programme):
    d = programme
    round_iid, rid, ids = round_with_recommended(d)
    d.prepare_list(round_iid)
    assert rows(d, Certificate) == []                          # nothing before the signature
    d.sign_list(round_iid, {ids["王芳"]: "近三年无新的代表性成果"}, comment="同意，王芳暂缓")
    [lst] = rows(d, NomineeList)
    assert (lst.status, lst.signed_by, lst.signed, lst.struck, lst.sign_comment) == ("signed", "director", 3, 1, "同意，王芳暂缓")
    struck = rows(d, Nomination, Nomination.id == ids["王芳"])[0]
    assert (struck.status, struck.list_status, struck.list_note) == ("declined", "struck", "近三年无新的代表性成果")
    certificates = rows(d, Certificate)
    assert sorted(c.nomination_id for c in certificates) == sorted([ids["张伟"], ids["李强"], ids["赵敏"]])
    assert [c.number for c in sorted(certificates, key=lambda c: c.number)] == ["CFPD-2014-0001", "CFPD-2014-0002", "CFPD-2014-0003"]
    assert len(rows(d, PoolEntry)) == len(rows(d, Mentorship)) == 3
    appointed = {n.name for n in rows(d, Nomination, Nomination.status == "appointed")}
    assert appointed == {"张伟", "李强", "赵敏"}
    [told] = [m for m in messages(d.system, "decision_result") if m["context"]["outcome"] == "declined"]
    assert told["users"] == ["songshan_rev", "songshan_sub"] and told["context"]["comment"] == "近三年无新的代表性成果"
    # one act: one completed sign-off task in the audit trail, not one per candidate
    with d.engine.sessions() as s:
        signs = s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "task_completed", AuditEvent.actor == "director"))
    assert signs == 1
    assert [t["element_id"] for t in d.open_tasks(round_iid)] == ["Task_PublishList"]


def test_certificate_numbers_follow_the_list_order(programme):
    d = programme
    round_iid, rid, ids = round_with_recommended(d)
    d.prepare_list(round_iid, [ids["赵敏"], ids["王芳"], ids["张伟"], ids["李强"]])
    d.sign_list(round_iid)
    numbers = {c.nomination_id: c.number for c in rows(d, Certificate)}
    assert [numbers[ids[n]] for n in ("赵敏", "王芳", "张伟", "李强")] == [f"CFPD-2014-000{i}" for i in range(1, 5)]


def test_striking_out_needs_a_reason_and_a_candidate_on_the_list(programme):
    d = programme
    round_iid, rid, ids = round_with_recommended(d, not_recommended=("赵敏",))
    d.prepare_list(round_iid)
    with pytest.raises(InvalidData):
        d.sign_list(round_iid, {ids["王芳"]: ""})
    with pytest.raises(InvalidData, match="不在推荐名单上"):
        d.sign_list(round_iid, {ids["赵敏"]: "评审未通过"})
    # the task page's lines: "推荐编号 理由"
    with pytest.raises(InvalidData):
        d.complete(round_iid, "Task_SignList", {"sign_list": "sign", "struck": [f"{ids['王芳']}"]})
    d.complete(round_iid, "Task_SignList", {"sign_list": "sign", "struck": [f"{ids['王芳']} 材料不实"]})
    assert rows(d, Nomination, Nomination.id == ids["王芳"])[0].list_note == "材料不实"
    assert len(rows(d, Certificate)) == 2


def test_only_the_director_signs_and_only_the_section_prepares(programme):
    d = programme
    round_iid, rid, ids = round_with_recommended(d, people=PEOPLE[:1])
    with pytest.raises(PermissionDenied):
        d.prepare_list(round_iid, user="director")
    d.prepare_list(round_iid)
    with pytest.raises(PermissionDenied):
        d.sign_list(round_iid, user="section")


def test_publishing_is_possible_only_after_signing(programme):
    d = programme
    round_iid, rid, ids = round_with_recommended(d, people=PEOPLE[:2])
    d.prepare_list(round_iid)
    assert [t["element_id"] for t in d.open_tasks(round_iid)] == ["Task_SignList"]   # no publishing task yet
    from workflows.operations.rounds import round_publish
    from workflows.tables import Round

    class Ctx:   # the operation itself refuses an unsigned list too (another model version might call it early)
        def __init__(self, session):
            self.session, self.instance_id, self.now = session, round_iid, d.clock.now()
    with d.engine.unit_of_work() as s:
        with pytest.raises(InvalidState, match="尚未经领导小组办公室主任签批"):
            round_publish(Ctx(s), rid)
    d.sign_list(round_iid)
    d.publish_list(round_iid, "已在赤峰日报公布")
    [lst] = rows(d, NomineeList)
    assert lst.status == "published" and lst.published_at is not None
    assert rows(d, Round)[0].status == "published"


def test_a_not_recommended_candidate_is_told_by_the_committee(programme):
    d = programme
    round_iid, rid, ids = round_with_recommended(d, people=PEOPLE[:2], not_recommended=("王芳",))
    [told] = [m for m in messages(d.system, "decision_result") if m["context"]["outcome"] == "not_recommended"]
    assert told["context"]["id"] == ids["王芳"] and told["users"] == ["songshan_rev", "songshan_sub"]
    assert rows(d, Nomination, Nomination.id == ids["王芳"])[0].status == "not_recommended"
