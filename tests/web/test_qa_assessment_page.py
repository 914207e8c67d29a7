"""Outside check: the unit's annual assessment is decided with the agreement in view. The form asks
for a report "依据联系书指标和完成情况"; the page now shows the agreement's period, indicators,
mentees and the activities logged (as far as the reader may read the mentorship)."""
from __future__ import annotations

import html
from datetime import datetime

from sqlalchemy import select

from engine.queries import instance_tasks
from peidai.settings import PROJECT_ROOT
from tests.programme.conftest import agree_mentoring, close, open_round, sign, submit
from tests.web.test_incentives_pages import _HASH
from workflows.driver import Driver, sample_application
from workflows.tables import Assessment, Mentorship


def _open_task(engine, instance_id, element_id):
    return next(t for t in instance_tasks(engine, instance_id) if t["element_id"] == element_id and t["state"] == "open")


def test_the_unit_assessment_page_shows_the_agreement_and_the_activities(system, auth, client):
    d = Driver(system)
    d.seed(experts_per_panel=3, password_hash=lambda _u: _HASH)
    d.deploy(PROJECT_ROOT / "bpmn")
    _, rid = open_round(d, 2014)
    iid = submit(d, rid, "hongshan", sample_application("张伟"))
    close(d, rid)
    d.vote(iid, "agree")
    sign(d, rid)
    with d.engine.sessions() as s:
        ship = s.scalars(select(Mentorship)).one()
    agree_mentoring(d, ship.instance_id, period=3)
    d.complete(ship.instance_id, "Task_LogActivity",
               {"kind": "lecture", "held_on": "2014-09-01", "subject": "专题讲座：<临床路径>", "hours": 2})
    d.fire(datetime.fromisoformat("2015-07-01T09:01+08:00"))
    with d.engine.sessions() as s:
        assessment = s.scalars(select(Assessment)).one()
        indicators = s.get(Mentorship, ship.id).indicators
    task = _open_task(d.engine, assessment.instance_id, "Task_UnitAssessment")

    auth.login("hongshan_rev")
    page = client.get(f"/tasks/{task['id']}").get_data(as_text=True)
    assert 'id="mentorship"' in page
    card = html.unescape(page.split('id="mentorship"', 1)[1].split("</section>", 1)[0])
    assert "张伟" in card and "专题讲座：<临床路径>（2学时）" in card and "培带活动（1次）" in card
    assert (indicators or "未填写") in card
    assert "&lt;临床路径&gt;" in page                                    # typed text stays text
    assert f"/documents/mentorships/{ship.id}/agreement.pdf" in card

    # a reviewer of another unit who cannot read the mentorship does not get the card
    auth.logout()
    auth.login("songshan_rev")
    r = client.get(f"/tasks/{task['id']}")
    assert r.status_code == 404 or 'id="mentorship"' not in r.get_data(as_text=True)
