"""Process instances (start, read, cancel, history, opinions) and the deployed model versions."""
from __future__ import annotations

from engine.queries import instance_tasks
from webapp import auth
from webapp.auth import current_actor
from workflows import api_reads

from . import records, schemas
from .core import blueprint, visible_first

blp = blueprint("instances", __name__, "/instances", "流程实例：发起、详情与结果、办理记录、意见、取消")
models_blp = blueprint("models", __name__, "/process-models", "已部署的流程模型")


@models_blp.get("")
@models_blp.response(200, schemas.ModelVersionList)
def list_process_models():
    """已部署的流程模型版本"""
    out = []
    for v in auth.engine().list_versions():
        out.append({"version": v["version"], "hash": v["hash"], "created_at": v["created_at"], "author": v["author"],
                    "comment": v["comment"], "processes": [{"key": k, "name": n} for k, n in dict(v["processes"]).items()]})
    return {"items": out}


@blp.post("")
@blp.arguments(schemas.StartInstanceRequest)
@blp.response(201, schemas.InstanceSchema)
def start_instance(body):
    """发起流程

    谁可以发起、为哪个范围发起、启动数据的表单，由流程模型声明（startRoles、startForm）：流程不存在 404，无权发起 403，
    数据不符 422。流程自动发起的流程（如培带、考核）不能从外部发起。"""
    engine = auth.engine()
    iid = engine.start(body["process_key"], body.get("data", {}), current_actor(), business_key=body.get("business_key"),
                       title=body.get("title", ""))
    return records.instance_out(engine.instance(iid), with_tasks=True)


@blp.get("/<int:instance_id>")
@blp.response(200, schemas.InstanceSchema)
def get_instance(instance_id):
    """流程实例：状态、结果、标题、当前环节与各待办"""
    inst = records.visible_instance(instance_id)
    return records.instance_out(inst, with_tasks=True)


@blp.post("/<int:instance_id>/cancel")
@visible_first(records.visible_instance)
@blp.arguments(schemas.CancelRequest)
@blp.response(200, schemas.InstanceSchema)
def cancel_instance(body, instance_id):
    """取消流程（须填写原因）"""
    records.visible_instance(instance_id)
    auth.engine().cancel(instance_id, current_actor(), body["reason"])   # who may, and when: the engine's rule
    return records.instance_out(auth.engine().instance(instance_id), with_tasks=True)


def case_instances(instance_id: int) -> list[int]:
    """This instance and, for a nomination, its committee review (and the other way round)."""
    engine = auth.engine()
    with engine.read_session() as s:
        nom = api_reads.nomination_by_instance(s, instance_id)
        ids = [instance_id]
        if nom is not None:
            for iid in (nom.instance_id, getattr(nom, "review_instance_id", None)):
                if iid is not None and iid not in ids:
                    ids.append(iid)
    return ids


@blp.get("/<int:instance_id>/history")
@blp.response(200, schemas.HistoryList)
def get_instance_history(instance_id):
    """办理记录：谁、何时、做了什么、结论和意见（评审专家的身份、表决和意见只对有权查看者显示）"""
    records.visible_instance(instance_id)
    return {"items": records.history(current_actor(), [instance_id])}


@blp.get("/<int:instance_id>/opinions")
@blp.response(200, schemas.OpinionList)
def get_instance_opinions(instance_id):
    """意见：各环节的结论和意见（推荐的评审意见一并列出）；评审委员会的结果，票数仅对有权查看者显示"""
    records.visible_instance(instance_id)
    items, committee = records.opinions(current_actor(), case_instances(instance_id))
    return {"items": items, "committee": committee}


def open_tasks(instance_id: int) -> list[dict]:
    return [t for t in instance_tasks(auth.engine(), instance_id) if t["state"] == "open"]
