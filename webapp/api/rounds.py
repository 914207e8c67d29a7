"""Selection rounds (评选) and nominations (推荐): the resources a unit and the talent section
work with, scoped like the pages."""
from __future__ import annotations

from flask_babel import gettext as _

from engine import EngineError
from engine.queries import instance_tasks
from webapp import auth
from webapp.auth import current_actor
from workflows import api_reads

from . import records, schemas, scopes, words
from .core import ApiFailure, blueprint, paged

blp = blueprint("rounds", __name__, "/rounds", "评选轮次：列表、开启、详情、各单位报送情况")
nominations_blp = blueprint("nominations", __name__, "/nominations",
                            "推荐：发起、列表、附件2内容、资格审查结果、状态与结果、当前环节、办理记录、意见")


def _not_found():
    return ApiFailure(404, "not_found", _("记录不存在或不在您的范围内"))


@blp.get("")
@blp.arguments(schemas.RoundListArgs, location="query", as_kwargs=True)
@blp.response(200, schemas.RoundList)
def list_rounds(status=None, year=None):
    """评选轮次（round_id 用于发起推荐和筛选）"""
    with auth.engine().sessions() as s:
        return {"items": api_reads.rounds(s, status=status, year=year)}


@blp.post("")
@scopes.requires(blp, "admin")
@blp.arguments(schemas.OpenRoundRequest)
@blp.response(201, schemas.RoundSchema)
def open_round(body):
    """开启评选（人才科）：按 selection_round 流程的启动表单校验"""
    engine = auth.engine()
    data = dict(body)
    if "deadline" in data:
        data["deadline"] = data["deadline"].isoformat()
    if "title" in data:
        data["title"] = data["title"].strip()   # as the page does; the form then checks its length
    iid = engine.start("selection_round", data, current_actor())
    with engine.sessions() as s:
        found = api_reads.round_by_instance(s, iid)
    if found is None:
        raise ApiFailure(409, "invalid_state", _("评选未能开启，请查看流程 %(id)s", id=iid))
    return found, 201


@blp.get("/<int:round_id>")
@blp.response(200, schemas.RoundSchema)
def get_round(round_id):
    """一个评选轮次"""
    with auth.engine().sessions() as s:
        found = api_reads.round_(s, round_id)
    if found is None:
        raise _not_found()
    return found


@blp.get("/<int:round_id>/board")
@blp.response(200, schemas.BoardSchema)
def get_round_board(round_id):
    """各单位报送情况（人才科看全部单位，单位看本单位）"""
    with auth.engine().sessions() as s:
        rows = api_reads.round_board(s, current_actor(), round_id)
    if rows is None:
        raise _not_found()
    return {"round_id": round_id, "units": rows}


# --------------------------------------------------------------------------- nominations

def _with_label(row: dict) -> dict:
    return row | {"status_label": words.status_label(row["status"])}


def nomination_detail(nomination_id: int) -> dict:
    engine = auth.engine()
    actor = current_actor()
    with engine.sessions() as s:
        found = api_reads.nomination(s, actor, nomination_id)
    if found is None:
        raise _not_found()
    tasks = [t for iid in (found["instance_id"], found["review_instance_id"]) if iid for t in instance_tasks(engine, iid)]
    return _with_label(found) | {"current_steps": records.current_steps(actor, tasks)}


@nominations_blp.get("")
@nominations_blp.arguments(schemas.NominationListArgs, location="query", as_kwargs=True)
@nominations_blp.response(200, schemas.NominationPage)
def list_nominations(page=1, per_page=20, **filters):
    """推荐（单位看本单位，评审专家看本类别已报送的，人才科看全部）"""
    with auth.engine().sessions() as s:
        rows, total = api_reads.nominations(s, current_actor(), page=page, per_page=per_page, **filters)
    return paged([_with_label(r) for r in rows], total, page, per_page)


@nominations_blp.post("")
@nominations_blp.arguments(schemas.StartNominationRequest)
@nominations_blp.response(201, schemas.StartedNomination)
def start_nomination(body):
    """发起推荐（单位申报人）：答复推荐及其推荐申报表待办（已为发起人认领）"""
    engine = auth.engine()
    actor = current_actor()
    iid = engine.start("nomination", {"round_id": body["round_id"], "unit_id": body["unit_id"]}, actor)
    first = [t for t in instance_tasks(engine, iid) if t["state"] == "open"]
    task_id = None
    if first:
        task = engine.get_task(first[0]["id"], actor)
        task_id = task["id"]
        if task["can_claim"]:   # whoever nominates fills the form, as on the page
            try:
                engine.claim(task_id, actor)
            except EngineError:
                pass
    with engine.sessions() as s:
        nom = api_reads.nomination_by_instance(s, iid)
        nomination_id = nom.id if nom is not None else None
    if nomination_id is None:
        raise ApiFailure(409, "invalid_state", _("推荐未能登记，请查看流程 %(id)s", id=iid))
    return nomination_detail(nomination_id) | {"task_id": task_id}, 201


@nominations_blp.get("/<int:nomination_id>")
@nominations_blp.response(200, schemas.NominationDetail)
def get_nomination(nomination_id):
    """推荐详情：附件2内容、资格审查结果及原因、状态、结果、当前环节"""
    return nomination_detail(nomination_id)


def _case(nomination_id: int) -> list[int]:
    found = nomination_detail(nomination_id)
    return [i for i in (found["instance_id"], found["review_instance_id"]) if i]


@nominations_blp.get("/<int:nomination_id>/history")
@nominations_blp.response(200, schemas.HistoryList)
def get_nomination_history(nomination_id):
    """推荐的办理记录（含评审委员会；专家身份、表决和意见只对有权查看者显示）"""
    return {"items": records.history(current_actor(), _case(nomination_id))}


@nominations_blp.get("/<int:nomination_id>/opinions")
@nominations_blp.response(200, schemas.OpinionList)
def get_nomination_opinions(nomination_id):
    """推荐的审核和评审意见及评审委员会的结果"""
    items, committee = records.opinions(current_actor(), _case(nomination_id))
    return {"items": items, "committee": committee}
