"""Read-only views of the programme's records for the REST API (/api/v1), each scoped the way the
web pages scope it (DESIGN.md, "Who does what"):

* overseers (talent section, director, administrators) read everything;
* a unit's submitters and reviewers read their unit's nominations, mentors, agreements,
  assessments, certificates and benefits; the creator of a nomination reads it too;
* experts read the submitted nominations of the category they review;
* a mentor or a mentee reads their own agreement, plans, activities, certificate and benefits.

Plain reads of :mod:`workflows.tables` (and the documents' and notifications' tables); nothing
here writes. Functions take an open session and an :class:`engine.Actor` and answer dicts (or
``None`` / an empty page when the record is outside the actor's scope: the API answers 404).

One module a part of the programme: :mod:`.scope` (who reads what, query helpers),
:mod:`.selection` (rounds, nominations), :mod:`.instances` (results and titles of instances),
:mod:`.mentoring` (pool, mentorships, activities, assessments), :mod:`.people` (certificates,
benefits)."""
from __future__ import annotations

from .instances import instance_result, instance_title
from .mentoring import activities, assessment, assessments, mentee, mentors, mentorship, mentorships
from .people import benefits, certificate, certificates
from .scope import EDITABLE, OVERSEERS, POOL_ROLES, UNIT_ROLES, expert_categories, is_overseer, own_people, unit_scopes
from .selection import (NOMINATION_RESULTS, expert_opinions, nomination, nomination_by_instance, nomination_facts,
                        nominations, round_, round_board, round_by_instance, rounds)

__all__ = ["EDITABLE", "NOMINATION_RESULTS", "OVERSEERS", "POOL_ROLES", "UNIT_ROLES", "activities", "assessment",
           "assessments", "benefits", "certificate", "certificates", "expert_categories", "expert_opinions",
           "instance_result", "instance_title", "is_overseer", "mentee", "mentors", "mentorship", "mentorships",
           "nomination", "nomination_by_instance", "nomination_facts", "nominations", "own_people", "round_",
           "round_board", "round_by_instance", "rounds", "unit_scopes"]
