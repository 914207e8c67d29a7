"""Service-task operations of the programme: ``OPERATIONS[name](ctx, **params)``.

Each handler runs inside the engine's transaction (``ctx.session``), keeps the programme's tables
(:mod:`workflows.tables`) up to date, writes what the following BPMN elements need into the task
data (``ctx.task.data``), and emits side effects to the outbox. The rules themselves live in the
models (gateways, the DMN tables ``eligibility`` and ``benefit_eligibility``, the forms) and in the
versioned table of the programme's parameters (:mod:`workflows.rules`: numbers, kinds, intervals,
formats), read in the version each record keeps. Handlers compute facts (ages, dates, counts)
and record outcomes.

Bad input raises :class:`engine.InvalidData` with a Chinese message; the engine rolls the whole
command back, so the task stays open.

Other outbox topics: ``instance/cancel`` (an expired nomination, a disqualified mentor's mentoring)
and ``committee/start`` (one ``committee_review`` per submitted nomination when a round closes),
delivered by :data:`DELIVERERS` after the command that wrote them committed.

Notifications (topic ``notify``), templates and context keys:

* ``deadline_reminder``: round_id, year, deadline, days_left, unit_id, unit_name, submitted (always 0)
* ``deadline_escalation``: round_id, year, deadline, units (names), count
* ``returned_for_revision``: kind (nomination|agreement), id, name, unit_name, comment
* ``decision_result``: kind (nomination|benefit), id, name, outcome, outcome_label, comment (a nomination's
  outcomes: rejected, withdrawn, expired, not_recommended, declined — struck from the signed list with the reason)
* ``certificate_issued``: certificate_id, number, name, unit_name, year
* ``assessment_due``: assessment_id, mentorship_id, mentor_name, year_no, unit_name, due
* ``disqualified``: mentorship_id, mentor_name, certificate_number, unit_name, year_no, reason
* ``period_completed``: mentorship_id, mentor_name, unit_name, mentees (names)
* ``round_due``: round_id, last_year, next_year
"""
from __future__ import annotations

from engine import InvalidState, NotFound, SYSTEM_ACTOR

from .operations.cancellations import on_instance_cancelled
from .operations.benefits import benefit_decide, benefit_facts, benefit_record
from .operations.mentoring import (activity_log, assessment_open, assessment_record, assessment_start, mentor_disqualify,
                                   mentoring_complete_period, mentoring_record_agreement, mentoring_record_plans,
                                   mentoring_register_mentees, mentoring_start_period)
from .operations.imports import nomination_import
from .operations.incentives import incentive_approve, incentive_candidates, incentive_grant, incentive_propose
from .operations.lists import list_appoint, list_prepare, list_sign
from .operations.nominations import (certificate_issue, committee_assign, committee_record, deliver_committee_start,
                                     mentoring_start, nomination_check_eligibility, nomination_close,
                                     nomination_record_eligibility, nomination_record_review, nomination_register,
                                     nomination_submit, pool_enter)
from .operations.rounds import (round_close, round_escalate, round_manage, round_next_due, round_open, round_publish,
                                round_remind, round_tick)


def deliver_cancel(payload: dict, message_id: int, system) -> None:
    """``instance/cancel``: end an instance after the command that decided it committed.
    Idempotent: an instance that already ended is left alone."""
    try:
        system.engine.cancel(int(payload["instance_id"]), SYSTEM_ACTOR, payload.get("reason") or "已取消")
    except (InvalidState, NotFound):
        pass


OPERATIONS = {
    "round/open": round_open,
    "round/tick": round_tick,
    "round/manage": round_manage,
    "round/remind": round_remind,   # model versions with round_reminder
    "round/escalate": round_escalate,
    "round/close": round_close,
    "round/publish": round_publish,
    "round/next_due": round_next_due,
    "nomination/register": nomination_register,
    "nomination/import": nomination_import,
    "nomination/check_eligibility": nomination_check_eligibility,
    "nomination/record_eligibility": nomination_record_eligibility,
    "nomination/record_review": nomination_record_review,
    "nomination/submit": nomination_submit,
    "nomination/close": nomination_close,
    "committee/assign": committee_assign,
    "committee/record": committee_record,
    "list/prepare": list_prepare,
    "list/sign": list_sign,
    "list/appoint": list_appoint,
    "certificate/issue": certificate_issue,   # model versions that signed off each nomination
    "pool/enter": pool_enter,
    "mentoring/start": mentoring_start,
    "mentoring/register_mentees": mentoring_register_mentees,
    "mentoring/record_agreement": mentoring_record_agreement,
    "mentoring/start_period": mentoring_start_period,
    "mentoring/record_plans": mentoring_record_plans,
    "activity/log": activity_log,
    "assessment/start": assessment_start,
    "assessment/open": assessment_open,
    "assessment/record": assessment_record,
    "mentor/disqualify": mentor_disqualify,
    "mentoring/complete_period": mentoring_complete_period,
    "benefit/facts": benefit_facts,
    "benefit/record": benefit_record,
    "benefit/decide": benefit_decide,
    "incentive/candidates": incentive_candidates,
    "incentive/propose": incentive_propose,
    "incentive/approve": incentive_approve,
    "incentive/grant": incentive_grant,
}

LISTENERS = [on_instance_cancelled]

DELIVERERS = {"instance/cancel": deliver_cancel, "committee/start": deliver_committee_start}
