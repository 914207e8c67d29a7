"""Dry runs: a draft runs through a scenario on a virtual clock in a throwaway SQLite database.

Two drivers:

* ``generic`` starts ``count`` instances of one process and works every open human task with
  data made from its form (the first choice of each choice field, or the scenario's answers
  per element id), moving the virtual clock to the next timer whenever nothing is open, until
  nothing is left or ``years`` have passed;
* ``programme`` runs the programme's own simulator (``workflows.simulate.Simulation``: rounds,
  nominations, synthetic decisions) on the draft instead of the shipped models.

Either way the report says, per element, how many instances passed it, where instances ended
(the open task or timer they wait at, or their final state), the errors, and every user task
whose lane names a role that no user of the real system holds.
"""
from __future__ import annotations

import json
import logging
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from engine import SYSTEM_ACTOR, Actor, EngineError, VirtualClock, migration
from engine.tables import HumanTask, Instance, Membership, Timer, User

log = logging.getLogger(__name__)
MAX_STEPS = 5000
MAX_INSTANCES = 200
MAX_PROGRAMME_NOMINATIONS = 60


@dataclass
class Scenario:
    process_key: str = ""
    count: int = 3
    years: int = 1
    start_data: dict = field(default_factory=dict)
    answers: dict = field(default_factory=dict)   # element id -> data submitted there
    mode: str = "generic"                          # generic | programme
    seed: int = 1

    @classmethod
    def from_form(cls, form) -> "Scenario":
        def obj(name):
            text = (form.get(name) or "").strip()
            if not text:
                return {}
            value = json.loads(text)
            if not isinstance(value, dict):
                raise ValueError(f"{name} 必须是 JSON 对象")
            return value
        try:
            count, years = int(form.get("count") or 3), int(form.get("years") or 1)
        except ValueError:
            raise ValueError("实例数和年数必须是整数")
        if not (1 <= count <= MAX_INSTANCES and 0 <= years <= 10):
            raise ValueError(f"实例数须在 1–{MAX_INSTANCES} 之间，年数须在 0–10 之间")
        if form.get("mode") == "programme" and count > MAX_PROGRAMME_NOMINATIONS:
            raise ValueError(f"培带工程模拟每轮最多 {MAX_PROGRAMME_NOMINATIONS} 份推荐（试运行在页面请求中完成）")
        try:
            return cls(process_key=form.get("process_key") or "", count=count, years=years, start_data=obj("start_data"),
                       answers=obj("answers"), mode=form.get("mode") or "generic")
        except json.JSONDecodeError as exc:
            raise ValueError(f"JSON 格式错误：{exc.msg}（第 {exc.lineno} 行）")


def sample_data(schema: dict | None) -> dict:
    """Data that passes a form: the first choice of a choice, a placeholder text, 1, true."""
    out = {}
    for name, prop in ((schema or {}).get("properties") or {}).items():
        if prop.get("readOnly"):
            continue
        if "const" in prop:
            out[name] = prop["const"]
        elif prop.get("enum"):
            out[name] = prop["enum"][0]
        elif prop.get("oneOf") and all("const" in o for o in prop["oneOf"]):
            out[name] = prop["oneOf"][0]["const"]
        elif prop.get("type") == "object":
            out[name] = sample_data(prop)
        elif prop.get("type") in ("integer", "number"):
            out[name] = prop.get("minimum", 1)
        elif prop.get("type") == "boolean":
            out[name] = True
        elif prop.get("type") == "array":
            items = prop.get("items") or {}
            out[name] = [items["enum"][0]] if items.get("enum") else []
        elif prop.get("format") == "date":
            out[name] = "2014-06-01"
        else:
            out[name] = "试运行"
    return out


def staffed_roles(engine) -> dict[str, set]:
    """role -> scopes held by active users of the real system (None = every scope)."""
    with engine.sessions() as s:
        rows = s.execute(select(Membership.role, Membership.scope).join(User, User.id == Membership.user_id)
                         .where(User.active.is_(True))).all()
    out: dict[str, set] = {}
    for role, scope in rows:
        out.setdefault(role, set()).add(scope)
    return out


def _unstaffed(engine, inventory: dict, open_tasks: list[dict]) -> list[dict]:
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


def run(engine, files: dict[str, str], scenario: Scenario) -> dict:
    """Run the scenario on a copy of the draft in a temporary database; the real one is not touched
    (except for reading which roles its users hold)."""
    from peidai.bootstrap import bootstrap
    from peidai.db import make_engine, upgrade
    from peidai.settings import Settings

    began = time.perf_counter()
    report = {"scenario": scenario.__dict__, "errors": [], "elements": {}, "ended": {}, "statuses": {}, "unstaffed": [],
              "instances": 0, "finished_at": None}
    inventory = migration.element_inventory(engine, files)
    with tempfile.TemporaryDirectory(prefix="peidai-dryrun-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'dryrun.sqlite'}"
        upgrade(url)
        db = make_engine(url)
        clock = VirtualClock(engine.now())
        settings = Settings(database_url=url, data_dir=Path(tmp), secret_key="dry-run", testing=True)
        system = bootstrap(settings, clock=clock, db=db, config=engine.config)
        try:
            sandbox = system.engine
            try:
                sandbox.deploy(files, Actor("dry-run"), "dry run")
            except EngineError as exc:
                report["errors"].append({"element": None, "message": exc.message,
                                         "problems": exc.details.get("problems", [])})
                return report
            if scenario.mode == "programme":
                _programme(system, scenario, report)
            else:
                _generic(sandbox, clock, scenario, report)
            _collect(sandbox, report)
            report["unstaffed"] = _unstaffed(engine, inventory, report.pop("_open_tasks", []))
            report["finished_at"] = clock.now().isoformat()
        finally:
            system.dispose()
    report["seconds"] = round(time.perf_counter() - began, 2)
    return report


def _record(report, element, exc):
    message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
    report["errors"].append({"element": element or getattr(exc, "details", {}).get("element"), "message": message})


def _generic(sandbox, clock, scenario: Scenario, report) -> None:
    if not scenario.process_key:
        raise ValueError("请选择要试运行的流程")
    until = clock.now() + timedelta(days=365 * scenario.years)
    starter = SYSTEM_ACTOR  # a dry run starts as the programme does: the start form still applies
    for _ in range(scenario.count):
        try:
            sandbox.start(scenario.process_key, dict(scenario.start_data), starter)
        except EngineError as exc:
            _record(report, None, exc)
    forms: dict[tuple[int, str], dict] = {}
    for _ in range(MAX_STEPS):
        with sandbox.sessions() as s:
            task = s.execute(select(HumanTask.id, HumanTask.element_id, HumanTask.role, HumanTask.scope, HumanTask.assignee,
                                    HumanTask.form, Instance.version_id)
                             .join(Instance, Instance.id == HumanTask.instance_id)
                             .where(HumanTask.state == "open", Instance.status == "running")
                             .order_by(HumanTask.id).limit(1)).first()
        if task is None:
            due = sandbox.next_timer_due()
            if due is None or due >= until:
                break
            clock.set(max(clock.now(), due + timedelta(minutes=1)))
            counts = sandbox.fire_due_timers()
            if counts["errors"]:
                _record(report, None, RuntimeError(f"{counts['errors']} 个定时器触发失败"))
            continue
        key = (task.version_id, task.form or "")
        if key not in forms:
            forms[key] = sandbox.form(task.version_id, task.form) or {}
        data = sample_data(forms[key]) | dict(scenario.answers.get(task.element_id) or {})
        actor = Actor(task.assignee or "dry-run", frozenset({(task.role, task.scope)}))
        try:
            sandbox.complete_task(task.id, data, actor)
        except EngineError as exc:
            _record(report, task.element_id, exc)
            with sandbox.unit_of_work() as s:  # park it: the report names it, the run goes on
                s.execute(HumanTask.__table__.update().where(HumanTask.id == task.id).values(state="cancelled"))


def _programme(system, scenario: Scenario, report) -> None:
    from workflows import dates
    from workflows.simulate import Simulation

    sim = Simulation(system, scenario.seed)
    sim.d.seed(experts_per_panel=sim.experts_per_panel)
    today = dates.local_date(system.clock.now())
    # rounds open on 19 May every third year, from the next 19 May on
    first = today.year if dates.date(today.year, 5, 19) >= today else today.year + 1
    span = max(scenario.years, 1)
    end = dates.at_local(dates.add_years(dates.date(first, 5, 19), span))
    try:
        for year in range(first, first + span, 3):
            sim.fire_until(dates.at_local(dates.date(year, 5, 19)))
            sim.run_round(year, scenario.count)
        sim.fire_until(end)
        report["programme"] = sim.counts()
    except Exception as exc:  # the draft broke the simulator's path: report where, keep the counts so far
        log.info("programme dry run stopped: %s", exc)
        _record(report, getattr(exc, "details", {}).get("element") if isinstance(exc, EngineError) else None, exc)


def _collect(sandbox, report) -> None:
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
