"""What a dry run found: per element, where instances ended, roles nobody holds, and two runs side by side."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from engine import EngineError, migration
from engine.tables import HumanTask, Instance, Membership, Timer, User

from .scenario import MAX_INSTANCES

STATUS_LABELS = {"running": "运行中", "completed": "已完成", "cancelled": "已取消", "error": "出错", "suspended": "已挂起"}
# the programme simulator's statistics (workflows.simulate.Simulation.counts)
PROGRAMME_LABELS = {
    "nominations": "推荐人数", "eligible": "符合选拔条件", "returned": "被退回修改", "withdrawn": "撤回",
    "rejected_by_unit": "单位不予推荐", "expired": "逾期未报送", "recommended_by_committee": "评审委员会推荐",
    "not_recommended": "评审未获推荐", "signed_off": "签批聘任", "declined_at_sign_off": "签批未同意",
    "certificates": "颁发聘书", "certificates_revoked": "收回聘书", "mentors": "入库培带人", "mentees": "培带对象",
    "mentors_with_five_mentees": "带满5名培带对象的培带人", "assessments": "年度考核", "qualified": "考核合格",
    "unqualified": "考核不合格", "disqualified": "取消资格", "second_tier": "第二梯队人选",
    "reminders_sent": "截止前提醒（通知数）", "instances": "流程实例", "instances_failed": "出错的流程实例",
}


def staffed_roles(engine) -> dict[str, set]:
    """role -> scopes held by active users of the real system (None = every scope)."""
    with engine.sessions() as s:
        rows = s.execute(select(Membership.role, Membership.scope).join(User, User.id == Membership.user_id)
                         .where(User.active.is_(True))).all()
    out: dict[str, set] = {}
    for role, scope in rows:
        out.setdefault(role, set()).add(scope)
    return out


def unstaffed(engine, inventory: dict, open_tasks: list[dict]) -> list[dict]:
    staffed = staffed_roles(engine)
    out = []
    seen = set()
    for key, elements in inventory.items():
        for el, info in elements.items():
            if info.get("type") not in ("UserTask", "ManualTask"):
                continue
            role = engine.config.role_for_lane(info.get("lane"))
            if role is None or role.key not in staffed:
                seen.add(el)
                out.append({"process": key, "element": el, "name": info.get("name", ""), "lane": info.get("lane") or "",
                            "scope": None, "reason": "泳道没有对应的角色" if role is None else f"没有用户担任角色“{role.label}”"})
    for t in open_tasks:
        scopes = staffed.get(t["role"], set())
        if t["element_id"] not in seen and t["scope"] is not None and None not in scopes and t["scope"] not in scopes:
            seen.add(t["element_id"])
            out.append({"process": t["process_key"], "element": t["element_id"], "name": t["name"], "lane": t["role"],
                        "scope": t["scope"], "reason": f"没有用户在范围“{t['scope']}”内担任该角色"})
    return out


def element_names(engine, files: dict[str, str]) -> dict[str, str]:
    """``"process/element"`` -> the element's name (or its id)."""
    try:
        inventory = migration.element_inventory(engine, files)
    except Exception:  # a draft that does not parse has no names to offer
        return {}
    return {f"{key}/{el}": info.get("name") or el for key, els in inventory.items() for el, info in els.items()}


def collect(sandbox, report) -> None:
    """Per element: instances that passed it (completed) and that wait there; per instance where it ended."""
    passed, active, ended, statuses = Counter(), Counter(), Counter(), Counter()
    with sandbox.sessions() as s:
        ids = s.scalars(select(Instance.id).order_by(Instance.id).limit(MAX_INSTANCES * 10)).all()
        report["instances"] = s.scalar(select(func.count()).select_from(Instance))
        open_rows = s.execute(select(HumanTask.instance_id, HumanTask.process_key, HumanTask.element_id, HumanTask.name,
                                     HumanTask.role, HumanTask.scope).where(HumanTask.state == "open")).all()
        timers = s.execute(select(Timer.instance_id, Timer.element_id)).all()
    waiting = {}
    for r in open_rows:
        waiting.setdefault(r.instance_id, r.element_id)
    for iid, el in timers:
        waiting.setdefault(iid, el)
    for iid in ids:
        try:
            detail = sandbox.instance_detail(iid)
        except EngineError:
            continue
        key = detail["instance"]["process_key"]
        status = detail["instance"]["status"]
        statuses[status] += 1
        for el, state in detail["elements"].items():
            (passed if state == "completed" else active)[(key, el)] += 1
        ended[(key, waiting.get(iid) or {"completed": "（已结束）", "cancelled": "（已取消）", "error": "（出错）"}.get(status, status))] += 1
    elements = {}
    for (key, el) in set(passed) | set(active):
        elements.setdefault(key, {})[el] = {"passed": passed[(key, el)], "waiting": active[(key, el)]}
    report["elements"] = elements
    report["ended"] = {key: {el: n for (k, el), n in ended.items() if k == key} for key in {k for k, _ in ended}}
    report["statuses"] = dict(statuses)
    report["_open_tasks"] = [dict(r._mapping) for r in open_rows]
    with sandbox.sessions() as s:
        failed = s.execute(select(Instance.id, Instance.error).where(Instance.status == "error")).all()
    for iid, error in failed:
        report["errors"].append({"element": None, "message": f"实例 {iid}：{error}"})


def _ended_label(element: str, names: dict[str, str], process: str) -> str:
    return names.get(f"{process}/{element}", element)


def compare_reports(base: dict, draft: dict, names: dict[str, str]) -> dict:
    """The two runs side by side: counts per outcome (the programme's statistics, instance states,
    where instances ended), and the elements the draft newly reaches or no longer reaches."""
    rows = []
    if base.get("programme") or draft.get("programme"):
        b, d = base.get("programme") or {}, draft.get("programme") or {}
        for key, label in PROGRAMME_LABELS.items():
            if key in b or key in d:
                rows.append({"group": "培带工程统计", "label": label, "base": b.get(key, 0), "draft": d.get(key, 0)})
    for status in dict.fromkeys(list(base["statuses"]) + list(draft["statuses"])):
        rows.append({"group": "流程实例", "label": STATUS_LABELS.get(status, status), "base": base["statuses"].get(status, 0),
                     "draft": draft["statuses"].get(status, 0)})
    for process in sorted(set(base["ended"]) | set(draft["ended"])):
        b, d = base["ended"].get(process, {}), draft["ended"].get(process, {})
        for el in dict.fromkeys(list(b) + list(d)):
            rows.append({"group": f"结束或停留于（{process}）", "label": _ended_label(el, names, process),
                         "base": b.get(el, 0), "draft": d.get(el, 0)})
    rows.append({"group": "错误", "label": "错误数", "base": len(base["errors"]), "draft": len(draft["errors"])})
    for r in rows:
        r["delta"] = r["draft"] - r["base"]

    def passed(report):   # reached: passed, or waiting there
        return {(k, el): c["passed"] + c["waiting"] for k, els in report["elements"].items() for el, c in els.items()
                if c["passed"] + c["waiting"]}
    pb, pd = passed(base), passed(draft)

    def path(key, count):
        return {"process": key[0], "element": key[1], "name": names.get(f"{key[0]}/{key[1]}", key[1]), "count": count}
    return {"rows": rows, "changed": sum(1 for r in rows if r["delta"]),
            "new_paths": [path(k, pd[k]) for k in sorted(set(pd) - set(pb))],
            "lost_paths": [path(k, pb[k]) for k in sorted(set(pb) - set(pd))],
            "shifted": [path(k, pd[k]) | {"base": pb[k], "delta": pd[k] - pb[k]} for k in sorted(set(pb) & set(pd))
                        if pb[k] != pd[k]]}
