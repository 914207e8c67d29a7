"""Cancelling a process: who may (the engine's rule, the same for every entry point), and what the
nomination it carried becomes (withdrawn, with the reason; an outcome already recorded stays)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine import PermissionDenied
from workflows.tables import Nomination

from .conftest import close, messages, open_round, submit


def _nomination(d, iid) -> Nomination:
    with d.engine.sessions() as s:
        return s.scalar(select(Nomination).where(
            (Nomination.instance_id == iid) | (Nomination.review_instance_id == iid)))


def test_only_the_starter_the_talent_section_or_an_administrator_may_cancel(programme):
    d = programme
    _, rid = open_round(d, 2014)
    iid = d.nominate(rid, "hongshan")
    for user in ("hongshan_rev", "songshan_sub", "director"):
        with pytest.raises(PermissionDenied):
            d.engine.cancel(iid, d.actor(user), "不需要了")
        assert d.instance_status(iid) == "running" and _nomination(d, iid).status == "draft"
    d.engine.cancel(iid, d.actor("hongshan_sub"), "重复填报")
    assert d.instance_status(iid) == "cancelled"


def test_a_nomination_cancelled_before_its_outcome_is_withdrawn_with_the_reason(programme):
    d = programme
    _, rid = open_round(d, 2014)
    iid = submit(d, rid, "hongshan", review=False)   # filled, at the unit's review
    assert _nomination(d, iid).status == "draft" and d.instance_status(iid) == "running"
    d.engine.cancel(iid, d.actor("section"), "本人申请退出评选")
    nom = _nomination(d, iid)
    assert (nom.status, nom.last_comment) == ("withdrawn", "本人申请退出评选") and nom.decided_at is not None
    told = [m for m in messages(d.system, "decision_result") if m["context"]["id"] == nom.id]
    assert len(told) == 1 and told[0]["context"]["outcome"] == "withdrawn"
    assert set(told[0]["users"]) == {"hongshan_sub", "hongshan_rev"}
    assert told[0]["context"]["comment"] == "本人申请退出评选"


def test_a_submitter_withdrawing_its_own_draft_is_not_told_about_it(programme):
    d = programme
    _, rid = open_round(d, 2014)
    iid = d.nominate(rid, "hongshan")
    d.engine.cancel(iid, d.actor("hongshan_sub"), "填错了单位")
    assert _nomination(d, iid).status == "withdrawn"
    assert messages(d.system, "decision_result") == []


def test_cancelling_the_committee_review_withdraws_the_nomination(programme):
    d = programme
    _, rid = open_round(d, 2014)
    iid = submit(d, rid, "hongshan")
    close(d, rid)
    review = d.review_of(iid)
    assert _nomination(d, iid).status == "in_review"
    d.engine.cancel(review, d.actor("section"), "候选人调离赤峰")
    assert _nomination(d, iid).status == "withdrawn"


def test_an_outcome_already_recorded_stays_when_the_instance_is_cancelled_after_it(programme):
    """The expiry records 'expired' and then cancels the instance (the existing round test checks
    the same through the timer); an administrator cancelling a rejected one's leftovers changes nothing."""
    d = programme
    _, rid = open_round(d, 2014)
    iid = submit(d, rid, "hongshan", review={"unit_decision": "reject", "comment": "业绩材料不足",
                                             "conditions_attested": True})
    status = _nomination(d, iid).status
    assert status == "rejected"
    if d.instance_status(iid) == "running":
        d.engine.cancel(iid, d.actor("admin"), "清理")
    assert _nomination(d, iid).status == "rejected"


def test_a_round_a_mentoring_period_and_an_assessment_are_not_cancelled_by_people(programme):
    """bpmn/: selection_round, mentoring, assessment and incentive_list declare cancellable false (the
    programme has no record of them ended half-way); nominations and benefit applications may be."""
    d = programme
    round_iid, rid = open_round(d, 2014)
    nomination = d.nominate(rid, "hongshan")
    section = d.actor("section")
    assert not d.engine.may_cancel(section, d.engine.instance(round_iid))
    assert d.engine.may_cancel(section, d.engine.instance(nomination))
    with pytest.raises(PermissionDenied) as err:
        d.engine.cancel(round_iid, section, "重新开启")
    assert err.value.details["reason"] == "not_cancellable" and "人才培带人评选" in err.value.message
    assert d.instance_status(round_iid) == "running"
    with d.engine.sessions() as s:
        version = d.engine.models.load(s, d.engine.instance(round_iid)["version_id"])
    assert {k for k, props in version.processes.items() if props.get("cancellable") == "false"} == {
        "selection_round", "mentoring", "assessment", "incentive_list"}
