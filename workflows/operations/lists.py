"""推荐名单, signed in one act (notice 一(三)2: 评审委员会确定培带人名单 … 经市人才工作领导小组办公室主任
签批后，由市委组织部颁发聘书): the talent section prepares the list of the committee's recommended
candidates in 附件1 order, the director signs it as a whole (striking individuals out with a
reason), certificates follow for those on the signed list, and only then can it be published.

The list is the round's record (:class:`NomineeList`), kept by the round's own instance; the
candidates are the round's nominations."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from engine import InvalidData, InvalidState

from ..tables import Nomination, NomineeList, OrgUnit, Round
from .common import OUTCOME_LABELS, UNDER_REVIEW, holders, notify, owned_row, require
from .nominations import enter_pool, issue_certificate, start_mentoring

_LINE = re.compile(r"\s*([0-9]{1,10})\s*[:：,，、\s]\s*(\S[\s\S]*?)\s*")


def _round(ctx, round_id) -> Round:
    return owned_row(ctx, Round, round_id, "评选")


def _the_list(ctx, rnd: Round) -> NomineeList:
    lst = ctx.session.scalar(select(NomineeList).where(NomineeList.round_id == rnd.id))
    if lst is None:
        raise InvalidState("推荐名单尚未拟定")
    return lst


def listed(session, round_id: int, statuses=("listed", "signed", "struck")) -> list[Nomination]:
    """The candidates on a round's list in 附件1 order."""
    return list(session.scalars(select(Nomination).where(
        Nomination.round_id == round_id, Nomination.list_status.in_(statuses)).order_by(Nomination.list_rank, Nomination.id)))


def default_order(session, round_id: int) -> list[Nomination]:
    """The recommended candidates in the order a list starts from: by unit (the notice's order
    of addressees), then the committee's votes and scores."""
    return list(session.scalars(
        select(Nomination).join(OrgUnit, OrgUnit.id == Nomination.unit_id)
        .where(Nomination.round_id == round_id, Nomination.status == "recommended")
        .order_by(OrgUnit.sort, OrgUnit.id, Nomination.agree.desc(), Nomination.average_score.desc(), Nomination.id)))


def _ids(values, field: str) -> list[int]:
    out = []
    for value in values or []:
        text = str(value).strip()
        if isinstance(value, bool) or not re.fullmatch(r"[0-9]{1,10}", text):
            raise InvalidData(f"推荐编号“{text[:20]}”不是有效编号", field=field)
        out.append(int(text))
    return out


def list_prepare(ctx, round_id):
    """人才科拟定推荐名单: every candidate the committee recommended, once, in the order given
    (``order``: nomination ids; none given: :func:`default_order`). Refused while a nomination of
    the round is still before the committee."""
    data = ctx.task.data
    rnd = _round(ctx, round_id)
    require(ctx, ctx.actor.has_role("talent_section"), "只有市委组织部人才科可以拟定推荐名单")
    pending = ctx.session.scalar(select(func.count()).select_from(Nomination).where(
        Nomination.round_id == rnd.id, Nomination.status.in_(UNDER_REVIEW)))
    if pending:
        raise InvalidData(f"评审委员会尚有{pending}份推荐未完成评审，评审结束后才能拟定推荐名单")
    if ctx.session.scalar(select(NomineeList.id).where(NomineeList.round_id == rnd.id)) is not None:
        raise InvalidState(f"{rnd.year}年度推荐名单已经拟定")
    candidates = {n.id: n for n in default_order(ctx.session, rnd.id)}
    order = _ids(data.get("order"), "order") or list(candidates)
    if len(set(order)) != len(order):
        raise InvalidData("推荐名单中有重复的人选", field="order")
    missing, extra = [i for i in candidates if i not in order], [i for i in order if i not in candidates]
    if missing or extra:
        parts = []
        if missing:
            parts.append("缺少评审通过的人选：" + "、".join(f"{candidates[i].name}（{i}）" for i in missing[:10]))
        if extra:
            parts.append("不是评审通过的人选：" + "、".join(str(i) for i in extra[:10]))
        raise InvalidData("推荐名单须包含全部评审通过的人选，每人一次；" + "；".join(parts), field="order")
    for rank, nid in enumerate(order, 1):
        nom = candidates[nid]
        nom.list_rank, nom.list_status, nom.list_note = rank, "listed", ""
    comment = str(data.get("comment") or "").strip()
    data.update({"order": order, "comment": ""})
    lst = NomineeList(round_id=rnd.id, status="prepared", instance_id=ctx.instance_id, prepared_by=ctx.actor.username,
                      prepared_at=ctx.now, prepare_comment=comment, listed=len(order))
    ctx.session.add(lst)
    ctx.session.flush()
    data["list_id"] = lst.id
    return {"listed": len(order)}


def _struck(values) -> dict[int, str]:
    """``struck``: lines "推荐编号 理由" (the task page) or ``{"nomination_id", "reason"}`` (the list page, the API)."""
    out: dict[int, str] = {}
    for value in values or []:
        if isinstance(value, dict):
            nid, reason = value.get("nomination_id"), str(value.get("reason") or "").strip()
        else:
            m = _LINE.fullmatch(str(value))
            if m is None:
                raise InvalidData(f"“{str(value)[:30]}”应写成“推荐编号 理由”", field="struck")
            nid, reason = int(m.group(1)), m.group(2).strip()
        if isinstance(nid, bool) or not isinstance(nid, int):
            raise InvalidData("划去的人选须写明推荐编号", field="struck")
        if len(reason) < 2:
            raise InvalidData(f"划去推荐 {nid} 须写明理由", field="struck")
        if nid in out:
            raise InvalidData(f"推荐 {nid} 重复划去", field="struck")
        out[nid] = reason[:500]
    return out


def list_sign(ctx, round_id):
    """领导小组办公室主任签批: the list as a whole, in one act; a candidate struck out (with a
    reason) is declined and the unit told why, everyone else is on the signed list."""
    data = ctx.task.data
    rnd = _round(ctx, round_id)
    lst = _the_list(ctx, rnd)
    require(ctx, ctx.actor.has_role("director"), "推荐名单由市人才工作领导小组办公室主任签批")
    if lst.status != "prepared":
        raise InvalidState(f"{rnd.year}年度推荐名单已经签批")
    struck = _struck(data.get("struck"))
    candidates = {n.id: n for n in listed(ctx.session, rnd.id, ("listed",))}
    unknown = [i for i in struck if i not in candidates]
    if unknown:
        raise InvalidData("划去的人选不在推荐名单上：" + "、".join(str(i) for i in unknown[:10]), field="struck")
    for nid, nom in candidates.items():
        if nid in struck:
            nom.list_status, nom.list_note, nom.status, nom.decided_at = "struck", struck[nid], "declined", ctx.now
            users = holders(ctx, "unit_submitter", nom.unit_id) + holders(ctx, "unit_reviewer", nom.unit_id)
            notify(ctx, "decision_result", users, {
                "kind": "nomination", "id": nom.id, "name": nom.name, "outcome": "declined",
                "outcome_label": OUTCOME_LABELS["declined"], "comment": struck[nid]}, f"nomination:{nom.id}:result")
        else:
            nom.list_status = "signed"
    lst.status, lst.signed_by, lst.signed_at = "signed", ctx.actor.username, ctx.now
    lst.sign_comment = str(data.get("comment") or "").strip()
    lst.signed, lst.struck = len(candidates) - len(struck), len(struck)
    data.update({"struck": [{"nomination_id": k, "reason": v} for k, v in struck.items()], "comment": ""})
    return {"signed": lst.signed, "struck": lst.struck}


def list_appoint(ctx, round_id):
    """聘书, the mentor pool and mentoring for everyone on the signed list (and nobody else)."""
    rnd = _round(ctx, round_id)
    lst = _the_list(ctx, rnd)
    if lst.status not in ("signed", "published"):
        raise InvalidState("推荐名单尚未签批，不能颁发聘书")
    numbers = []
    for nom in listed(ctx.session, rnd.id, ("signed",)):
        cert = issue_certificate(ctx, nom)
        entry = enter_pool(ctx, nom, cert)
        start_mentoring(ctx, nom, cert, entry)
        numbers.append(cert.number)
    return {"certificates": len(numbers), "first": numbers[0] if numbers else None}
