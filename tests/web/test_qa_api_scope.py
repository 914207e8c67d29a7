"""Outside check of the API's read scopes: a mentee reads the mentorship it belongs to (the
agreement, plans, activities) but not the mentor's annual assessments (the unit's conclusion and
written report, the section's comment, 优秀); the mentor and the mentor's unit still do."""
from __future__ import annotations

from sqlalchemy import select

from engine import Actor
from tests.web.test_api_client import programme_app  # noqa: F401  (fixture)
from tests.web.test_incentives_pages import mentors  # noqa: F401  (fixture)
from workflows import api_reads
from workflows.tables import Mentee, Person


def test_a_mentee_reads_the_mentorship_but_not_the_mentors_assessments(mentors):  # noqa: F811
    ship = mentors.ships[0]
    with mentors.engine.sessions() as s:
        mentee_person = s.scalars(select(Person).join(Mentee, Mentee.person_id == Person.id)
                                  .where(Mentee.mentorship_id == ship.id)).first()
        mentor_person = s.get(Person, ship.mentor_id)
        for person, name in ((mentee_person, "qa_mentee"), (mentor_person, "qa_mentor")):
            person.username = person.username or name
        mentee = Actor(mentee_person.username, frozenset({("mentee", str(mentee_person.id))}))
        mentor = Actor(mentor_person.username, frozenset({("mentor", str(mentor_person.id))}))
        unit = Actor("hongshan_rev", frozenset({("unit_reviewer", ship.unit_id)}))

        assert api_reads.mentorship(s, mentee, ship.id) is not None          # its own agreement
        rows, total = api_reads.assessments(s, mentee, page=1, per_page=20)
        assert (rows, total) == ([], 0)
        rows, _ = api_reads.assessments(s, mentor, page=1, per_page=20)
        assert rows and {r["mentorship_id"] for r in rows} == {ship.id}
        assessment_id = rows[0]["assessment_id"]
        assert api_reads.assessment(s, mentee, assessment_id) is None
        assert api_reads.assessment(s, mentor, assessment_id) is not None
        assert api_reads.assessment(s, unit, assessment_id) is not None
        s.rollback()


def test_a_units_nominee_list_without_unit_id_is_its_own(programme_app):  # noqa: F811
    """GET /rounds/{id}/nominee-list answered a unit's reviewer 404 (记录不存在或不在您的范围内)
    unless unit_id was given; a user of one unit gets that unit's list, another unit's stays 404."""
    from tests.web.test_api_client import PASSWORD, DocClient
    from tests.web.test_api_client_list import nominate, sheet_text

    api = DocClient(programme_app.test_client())
    c = {u: api.as_(api.call("createToken", {"username": u, "password": PASSWORD}, expect=201)["token"])
         for u in ("section", "hongshan_sub", "hongshan_rev", "songshan_rev")}
    round_id = c["section"].call("openRound", {"year": 2014, "experts_per_panel": 3}, expect=201)["round_id"]
    nom = nominate(c["hongshan_sub"], c["hongshan_rev"], round_id, "张伟")
    c["hongshan_rev"].call("completeTask", {"decision": "approve", "data": {"conditions_attested": True}},
                           task_id=nom["review_id"], expect=200)
    sheet = c["hongshan_rev"].call("nomineeListDocument", round_id=round_id, format="xlsx", expect=200)
    assert "张伟" in sheet_text(sheet.data) and "红山区" in sheet_text(sheet.data)
    assert "张伟" not in sheet_text(c["songshan_rev"].call("nomineeListDocument", round_id=round_id, format="xlsx",
                                                         expect=200).data)
    c["songshan_rev"].call("nomineeListDocument", round_id=round_id, unit_id="hongshan", expect=404)
