"""Incentives (notice, part 三(三)) decided by the DMN table ``benefit_eligibility``."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from workflows.tables import BenefitApplication

from .conftest import agree_mentoring, appoint, assess_year, cst, open_round, refused


def mentor_in(d, unit="hongshan", name="张伟"):
    _, rid = open_round(d, 2014)
    appoint(d, rid, unit, name)
    with d.engine.sessions() as s:
        from workflows.tables import Mentorship
        ship = s.scalar(select(Mentorship).order_by(Mentorship.id.desc()))
    agree_mentoring(d, ship.instance_id, period=3)
    return ship


def apply(d, ship, kind, **flags):
    iid = d.start("benefit_application", {"mentor_id": ship.mentor_id, "title": f"申请 {kind}"},
                  user=f"mentor{ship.mentor_id}")
    d.complete(iid, "Task_Apply", {"kind": kind, **flags})
    with d.engine.sessions() as s:
        row = s.scalar(select(BenefitApplication).where(BenefitApplication.instance_id == iid))
    return iid, row


@pytest.mark.parametrize("unit, eligible", [("hongshan", True), ("songshan", True), ("city_health", True),
                                            ("cfu", True), ("aohan", False), ("yuanbaoshan", False)])
def test_bus_card_for_hongshan_songshan_and_city_units(programme, unit, eligible):
    ship = mentor_in(programme, unit)
    iid, row = apply(programme, ship, "bus_card")
    assert (row.status != "ineligible") is eligible, row.reason
    if not eligible:
        assert "红山区、松山区" in row.reason and programme.instance_status(iid) == "completed"
    else:
        assert [t["element_id"] for t in programme.open_tasks(iid)] == ["Task_ApproveBenefit"]


def test_talent_apartment_for_mentors_brought_in_without_urban_housing(programme):
    d = programme
    ship = mentor_in(d)
    _, ok = apply(d, ship, "apartment", from_outside_city=True, works_in_urban_area=True, has_urban_housing=False)
    _, housed = apply(d, ship, "apartment", from_outside_city=True, works_in_urban_area=True, has_urban_housing=True)
    _, local = apply(d, ship, "apartment", from_outside_city=False, works_in_urban_area=True)
    assert ok.status == "pending" and housed.status == local.status == "ineligible"


def test_free_health_check_every_two_years(programme_restore):
    d = programme_restore
    ship = mentor_in(d)
    iid, first = apply(d, ship, "health_check")
    d.complete(iid, "Task_ApproveBenefit", {"benefit_decision": "approve"})
    _, again = apply(d, ship, "health_check")
    assert again.status == "ineligible" and "不足2年" in again.reason   # the rules' interval
    d.fire(cst("2016-07-02 09:00"))
    for year in (1, 2):
        assess_year(d, year)
    _, later = apply(d, ship, "health_check")
    assert later.status == "pending"


def test_decline_needs_a_comment(programme):
    from engine import InvalidData
    d = programme
    ship = mentor_in(d)
    iid, _ = apply(d, ship, "training_class")
    with pytest.raises(InvalidData) as error:
        d.complete(iid, "Task_ApproveBenefit", {"benefit_decision": "decline"})
    assert refused(error.value) == {"comment": "required"}
    d.complete(iid, "Task_ApproveBenefit", {"benefit_decision": "decline", "comment": "本期名额已满"})


def test_disqualified_mentor_cannot_apply(programme):
    d = programme
    ship = mentor_in(d)
    d.fire(cst("2015-07-02 09:00"))
    assess_year(d, 1, "unqualified")
    _, row = apply(d, ship, "training_class")
    assert row.status == "ineligible" and "取消培带人资格" in row.reason


def test_training_class_once_a_year(programme):
    d = programme
    ship = mentor_in(d)
    iid, row = apply(d, ship, "training_class")
    d.complete(iid, "Task_ApproveBenefit", {"benefit_decision": "approve"})
    _, again = apply(d, ship, "training_class")
    assert row.status == "pending" and again.status == "ineligible" and "本年度" in again.reason
    d.fire(cst("2015-01-05 09:00"))
    _, next_year = apply(d, ship, "training_class")
    assert next_year.status == "pending"


def test_recuperation_and_commendation_are_for_outstanding_mentors(programme):
    d = programme
    ship = mentor_in(d)
    _, early = apply(d, ship, "recuperation")
    assert early.status == "ineligible" and "突出贡献" in early.reason
    d.fire(cst("2015-07-02 09:00"))
    assess_year(d, 1, outstanding=True)
    _, rest = apply(d, ship, "recuperation")
    iid, praise = apply(d, ship, "commendation")
    assert rest.status == praise.status == "pending"
    d.complete(iid, "Task_ApproveBenefit", {"benefit_decision": "approve"})
    _, again = apply(d, ship, "commendation")
    assert again.status == "ineligible" and "3年" in again.reason


def test_a_withdrawn_application_no_longer_counts_as_this_years(programme):
    """Cancelling a pending application (its applicant, the talent section) withdraws it with the
    reason: it stayed 'pending' for ever and refused a new application of its kind all year."""
    d = programme
    ship = mentor_in(d)
    iid, row = apply(d, ship, "training_class")
    assert row.status == "pending"
    d.engine.cancel(iid, d.actor(f"mentor{ship.mentor_id}"), "选错了类别")
    with d.engine.sessions() as s:
        row = s.get(BenefitApplication, row.id)
    assert (row.status, row.reason) == ("withdrawn", "选错了类别") and row.decided_at is not None
    _, again = apply(d, ship, "training_class")
    assert again.status == "pending"
