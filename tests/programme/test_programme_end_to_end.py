"""The whole programme on both databases, straight through and with a save/restore between
every step: one round, three nominations, two mentors over three years."""
from __future__ import annotations

from sqlalchemy import func, select

from workflows.driver import sample_application
from workflows.tables import Certificate, Mentee, Mentorship, Nomination, SecondTierCandidate

from .conftest import agree_mentoring, assess_year, committee, cst, messages, open_round, sign, submit


def test_round_to_second_tier_and_disqualification(programme_any):
    d = programme_any
    round_iid, rid = open_round(d, 2014)
    d.fire(cst("2014-06-01 09:00"))                                   # 30-day reminder to every unit
    a = submit(d, rid, "hongshan", sample_application("甲"))
    b = submit(d, rid, "songshan", sample_application("乙", talent_type="skilled", skill_level="technician"))
    c = submit(d, rid, "cfu", sample_application("丙"), review=False)
    d.complete(c, "Task_UnitReview", {"unit_decision": "return", "comment": "请补充材料"})
    d.complete(c, "Task_Fill", sample_application("丙", awards="补充：市级科技进步奖"))
    d.complete(c, "Task_UnitReview", {"unit_decision": "reject", "comment": "经研究不予推荐"})
    d.fire(cst("2014-07-01 09:00"))                                   # reminders, escalation, committee
    for iid in (a, b):
        committee(d, iid)
    sign(d, rid)                                                      # the list, signed in one act
    d.complete(round_iid, "Task_PublishList", {"publish": True})
    with d.engine.sessions() as s:
        ships = {m.mentor_id: m for m in s.scalars(select(Mentorship))}
    agree_mentoring(d, ships[1].instance_id, period=2, mentor_user="mentor1")
    agree_mentoring(d, ships[2].instance_id, period=3, mentor_user="mentor2")
    d.fire(cst("2015-07-01 09:01"))
    assess_year(d, 1, mentorship_id=ships[1].id)
    assess_year(d, 1, mentorship_id=ships[2].id)
    d.fire(cst("2016-07-01 09:01"))
    assess_year(d, 2, mentorship_id=ships[1].id)                       # end of a two-year period
    assess_year(d, 2, "unqualified", mentorship_id=ships[2].id)
    d.fire(cst("2017-07-02 09:00"))
    with d.engine.sessions() as s:
        assert dict(s.execute(select(Nomination.name, Nomination.status)).all()) == {"甲": "appointed", "乙": "appointed", "丙": "rejected"}
        assert dict(s.execute(select(Mentorship.id, Mentorship.status)).all()) == {ships[1].id: "completed", ships[2].id: "disqualified"}
        assert list(s.scalars(select(Certificate.status).order_by(Certificate.id))) == ["valid", "revoked"]
        assert s.scalar(select(func.count()).select_from(SecondTierCandidate)) == 5
        assert sorted(s.scalars(select(Mentee.status).distinct())) == ["completed", "released"]
    assert d.instance_status(ships[1].instance_id) == "completed"
    assert d.instance_status(ships[2].instance_id) == "cancelled"
    # the clock jumped from 1 June past the deadline: reminders that fall due late are not sent
    assert len(messages(d.system, "deadline_reminder")) == 21
    assert len(messages(d.system, "deadline_escalation")) == 1
    assert [m["context"]["outcome"] for m in messages(d.system, "decision_result")] == ["rejected"]
