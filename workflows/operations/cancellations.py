"""What the programme's records do when one of its instances is cancelled (``instance_cancelled``,
a listener inside the cancelling command's transaction):

* a nomination whose process (or committee review) is cancelled before its outcome is withdrawn
  (已撤回), with the reason, so that no list, board or count keeps it in preparation;
* a benefit application cancelled while pending is withdrawn too, so that it no longer counts as
  this year's application of its kind (a new one may be made).

A record that already has its outcome (expired, rejected, appointed, approved, ...) keeps it: the
expiry cancels its instance after recording it."""
from __future__ import annotations

from sqlalchemy import or_, select

from ..tables import BenefitApplication, Nomination
from .common import OUTCOME_LABELS, holders, notify

# where a nomination stands before its outcome (workflows.tables.Nomination.status)
PENDING = frozenset({"draft", "submitted", "returned", "ineligible", "in_review", "recommended"})


def on_instance_cancelled(ctx, event: str, payload: dict) -> None:
    if event != "instance_cancelled":
        return
    iid = ctx.instance_id
    benefit = ctx.session.scalar(select(BenefitApplication).where(BenefitApplication.instance_id == iid))
    if benefit is not None and benefit.status == "pending":
        benefit.status, benefit.decided_at = "withdrawn", ctx.now
        benefit.reason = str(payload.get("reason") or "").strip() or benefit.reason
    nom = ctx.session.scalar(select(Nomination).where(
        or_(Nomination.instance_id == iid, Nomination.review_instance_id == iid)))
    if nom is None or nom.status not in PENDING:
        return
    reason = str(payload.get("reason") or "").strip()
    nom.status, nom.decided_at = "withdrawn", ctx.now
    if reason:
        nom.last_comment = reason
    if not ctx.actor.is_system and ctx.actor.username != nom.created_by:
        # someone else ended it (the talent section, an administrator): the unit hears why
        users = holders(ctx, "unit_submitter", nom.unit_id) + holders(ctx, "unit_reviewer", nom.unit_id)
        notify(ctx, "decision_result", users, {
            "kind": "nomination", "id": nom.id, "name": nom.name, "outcome": "withdrawn",
            "outcome_label": OUTCOME_LABELS["withdrawn"], "comment": reason}, f"nomination:{nom.id}:result")
