"""Dry runs: a draft runs through a scenario on a virtual clock in a throwaway SQLite database.

Two drivers:

* ``generic`` starts ``count`` instances of one process and works every open human task with
  data made from its form (the first choice of each choice field, or the scenario's answers
  per element id), moving the virtual clock to the next timer whenever nothing is open, until
  nothing is left or ``years`` have passed. On the programme's own models it first prepares what
  the programme's processes start on (units, the standard users, an open selection round) and
  answers the application form with an eligible one, so the default (a nomination, ``{}``) works;
* ``programme`` runs the programme's own simulator (``workflows.simulate.Simulation``: rounds,
  nominations, synthetic decisions) on the draft instead of the shipped models. It runs in the
  worker (:mod:`webapp.admin.jobs`), for a round of any size, with progress.

Either way the report says, per element, how many instances passed it, where instances ended
(the open task or timer they wait at, or their final state), the errors, and every user task
whose lane names a role that no user of the real system holds. With ``compare`` the same
scenario (same seed) also runs on the deployed version, and the report puts the two side by side:
counts per outcome, and the paths the draft newly reaches or no longer reaches.
"""
from __future__ import annotations

import atexit
import json
import logging
import shutil
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Callable

from sqlalchemy import event, func, select

from engine import SYSTEM_ACTOR, Actor, EngineError, VirtualClock, migration
from engine.tables import HumanTask, Instance, Membership, Timer, User
from workflows.driver import Driver

log = logging.getLogger(__name__)
MAX_STEPS = 5000
MAX_INSTANCES = 200
MAX_NOMINATIONS = 100000          # the programme dry run runs in the worker: a whole round, any size
MAX_REPEATS = 5                   # one task of one instance completed this often: a loop, stop working it
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


class Cancelled(Exception):
    """The administrator stopped the dry run."""


Progress = Callable[[str, int, int, float], None]   # (phase, done, total, fraction 0..1); may raise Cancelled


def _no_progress(phase: str, done: int, total: int, fraction: float) -> None:
    return None


@dataclass
class Scenario:
    process_key: str = ""
    count: int = 3
    years: int = 1
    start_data: dict = field(default_factory=dict)
    answers: dict = field(default_factory=dict)   # element id -> data submitted there
    mode: str = "generic"                          # generic | programme
    seed: int = 1
    compare: bool = False                          # also run on the deployed version, side by side

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
        mode = form.get("mode") or "generic"
        if mode not in ("generic", "programme"):
            raise ValueError("未知的试运行方式")
        limit = MAX_NOMINATIONS if mode == "programme" else MAX_INSTANCES
        if not (1 <= count <= limit and 0 <= years <= 10):
            raise ValueError(f"{'推荐数' if mode == 'programme' else '实例数'}须在 1–{limit} 之间，年数须在 0–10 之间")
        try:
            return cls(process_key=form.get("process_key") or "", count=count, years=years, start_data=obj("start_data"),
                       answers=obj("answers"), mode=mode, compare=form.get("compare") in ("1", "on", "true"))
        except json.JSONDecodeError as exc:
            raise ValueError(f"JSON 格式错误：{exc.msg}（第 {exc.lineno} 行）")

    @classmethod
    def from_dict(cls, data: dict) -> "Scenario":
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


def sample_data(schema: dict | None) -> dict:
    """Data that passes a form: its default or first example where it has one, the first choice of
    a choice, yes for a yes/no, the minimum of a number, a placeholder text. Optional free-text
    fields are left empty (a placeholder would not match their format)."""
    out = {}
    schema = schema or {}
    required = set(schema.get("required") or [])
    for name, prop in (schema.get("properties") or {}).items():
        if not isinstance(prop, dict) or prop.get("readOnly"):
            continue
        if "default" in prop:
            out[name] = prop["default"]
        elif prop.get("examples"):
            out[name] = prop["examples"][0]
        elif "const" in prop:
            out[name] = prop["const"]
        elif prop.get("enum"):
            out[name] = prop["enum"][0]
        elif prop.get("oneOf") and all(isinstance(o, dict) and "const" in o for o in prop["oneOf"]):
            out[name] = prop["oneOf"][0]["const"]
        elif prop.get("type") == "boolean":
            out[name] = True
        elif prop.get("type") == "object":
            out[name] = sample_data(prop)
        elif name not in required:
            continue
        elif prop.get("type") in ("integer", "number"):
            out[name] = prop.get("minimum", 1)
        elif prop.get("type") == "array":
            items = prop.get("items") or {}
            item = items["enum"][0] if items.get("enum") else sample_data(items) if items.get("type") == "object" else "试运行"
            out[name] = [item] * max(int(prop.get("minItems") or 0), 1 if items.get("enum") else 0)
        elif prop.get("format") == "date":
            out[name] = "2014-06-01"
        else:
            text = "试运行"
            out[name] = (text * (int(prop.get("minLength") or 0) // len(text) + 1))[:max(int(prop.get("maxLength") or 99), 3)]
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


def run(engine, files: dict[str, str], scenario: Scenario, *, base_files: dict[str, str] | None = None,
        base_label: str = "已部署版本", progress: Progress | None = None) -> dict:
    """Run the scenario on a copy of the draft in a temporary database; the real one is not touched
    (except for reading which roles its users hold). With ``base_files`` the same scenario runs on
    them too and ``report["comparison"]`` puts the two side by side. ``progress`` is called as the
    run goes on and may raise :class:`Cancelled`."""
    progress = progress or _no_progress
    if base_files is None:
        return _run_once(engine, files, scenario, progress)

    def part(offset: float, label: str) -> Progress:
        return lambda phase, done, total, fraction: progress(f"{label}：{phase}", done, total, offset + fraction / 2)
    report = _run_once(engine, files, scenario, part(0.0, "草稿"))
    baseline = _run_once(engine, base_files, scenario, part(0.5, base_label))
    names = element_names(engine, base_files) | element_names(engine, files)
    report["comparison"] = compare_reports(baseline, report, names) | {"base_label": base_label}
    report["seconds"] = round(report["seconds"] + baseline["seconds"], 2)
    return report


def element_names(engine, files: dict[str, str]) -> dict[str, str]:
    """``"process/element"`` -> the element's name (or its id)."""
    try:
        inventory = migration.element_inventory(engine, files)
    except Exception:  # a draft that does not parse has no names to offer
        return {}
    return {f"{key}/{el}": info.get("name") or el for key, els in inventory.items() for el, info in els.items()}


def _sandbox_pragmas(db) -> None:
    """A throwaway database: no fsync (the run is repeated if the machine dies)."""
    @event.listens_for(db, "connect")
    def _fast(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA synchronous=OFF")
        cur.close()


_template_lock = threading.Lock()
_template: dict[str, Path] = {}


def _fresh_database(folder: Path) -> str:
    """A migrated SQLite database in ``folder``: a copy of one migrated once per process (the
    migrations take seconds; a copy takes milliseconds)."""
    from peidai.db import upgrade

    with _template_lock:
        template = _template.get("path")
        if template is None or not template.exists():
            template = Path(tempfile.mkdtemp(prefix="peidai-dryrun-template-")) / "template.sqlite"
            upgrade(f"sqlite:///{template}")
            import sqlite3
            conn = sqlite3.connect(template)   # one self-contained file to copy: no write-ahead log beside it
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.execute("PRAGMA journal_mode=DELETE")
            conn.close()
            _template["path"] = template
            atexit.register(shutil.rmtree, template.parent, True)
        target = folder / "dryrun.sqlite"
        shutil.copyfile(template, target)
    return f"sqlite:///{target}"


def _run_once(engine, files: dict[str, str], scenario: Scenario, progress: Progress) -> dict:
    from peidai.bootstrap import bootstrap
    from peidai.db import make_engine
    from peidai.settings import Settings

    began = time.perf_counter()
    report = {"scenario": dict(scenario.__dict__), "errors": [], "elements": {}, "ended": {}, "statuses": {},
              "unstaffed": [], "instances": 0, "finished_at": None, "prepared": None, "loops": {}}
    inventory = migration.element_inventory(engine, files)
    progress("准备临时数据库", 0, scenario.count, 0.0)
    with tempfile.TemporaryDirectory(prefix="peidai-dryrun-") as tmp:
        url = _fresh_database(Path(tmp))
        db = make_engine(url)
        _sandbox_pragmas(db)
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
                return report | {"seconds": round(time.perf_counter() - began, 2)}
            if scenario.mode == "programme":
                _programme(system, scenario, report, progress)
            else:
                _generic(system, inventory, scenario, report, progress)
            progress("统计结果", scenario.count, scenario.count, 0.98)
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


PROGRAMME_PROCESSES = {"selection_round", "nomination"}


def _prepare_programme(system, inventory: dict, scenario: Scenario) -> tuple[dict, dict, str | None]:
    """On the programme's own models, what its processes start on: the units and the standard
    users, and for a nomination an open selection round; answers that make a nomination eligible
    and a mentor's agreement complete. Returns (start data, answers, what was prepared)."""
    if not PROGRAMME_PROCESSES <= set(inventory):
        return {}, {}, None
    from workflows import dates
    from workflows.driver import Driver, sample_application, sample_mentees

    d = Driver(system)
    d.seed(experts_per_panel=3)
    today = dates.local_date(system.clock.now())
    year = today.year if today.month < 6 else today.year + 1   # a round whose deadline is still ahead
    start: dict = {}
    prepared = ["各单位和标准用户（每类评审专家 3 名）"]
    if scenario.process_key == "nomination":
        round_iid = d.open_round(year)
        start = {"round_id": system.engine.instance_detail(round_iid)["data"]["round_id"], "unit_id": "hongshan"}
        prepared.append(f"{year} 年评选轮次（实例 {round_iid}），推荐单位红山区")
    elif scenario.process_key == "selection_round":
        start = {"year": year}
    answers = {"Task_Fill": sample_application(),
               "Task_RegisterMentees": {"period_years": 2, "mentees": sample_mentees()},
               "Task_TrainingPlan": {"training_plan": {"goals": "成长为业务骨干"}},
               "Task_LogActivity": {"kind": "lecture", "held_on": str(today), "subject": "专题讲座", "hours": 2},
               "Task_UnitAssessment": {"result": "qualified", "report": "依据联系书指标进行综合考核，情况如实报告。"},
               # the round's own "extend or close early" step waits for its timers: a dry run leaves it open
               "Task_ManageRound": None}
    return start, answers, "已为试运行准备：" + "；".join(prepared)


def _generic(system, inventory: dict, scenario: Scenario, report, progress: Progress) -> None:
    sandbox, clock = system.engine, system.clock
    if not scenario.process_key:
        raise ValueError("请选择要试运行的流程")
    start_defaults, answer_defaults, report["prepared"] = _prepare_programme(system, inventory, scenario)
    answers = answer_defaults | scenario.answers
    until = clock.now() + timedelta(days=365 * scenario.years)
    starter = SYSTEM_ACTOR  # a dry run starts as the programme does: the start form still applies
    for n in range(scenario.count):
        try:
            sandbox.start(scenario.process_key, start_defaults | dict(scenario.start_data), starter)
        except EngineError as exc:
            _record(report, None, exc)
        progress("发起流程", n + 1, scenario.count, 0.1 * (n + 1) / scenario.count)
    forms: dict[tuple[int, str], dict] = {}
    repeats: Counter = Counter()
    left_open = sorted(el for el, answer in answers.items() if answer is None)  # None: nobody acts there
    # a step a handler refuses for now (e.g. the list before the committee finished) waits until
    # another step went through, then is tried again; refused with nothing else to do, it is reported
    waiting: dict[int, tuple[str, EngineError]] = {}
    driver = Driver(system)  # delivers what the worker would: the programme's own outbox topics
    for step in range(MAX_STEPS):
        with sandbox.sessions() as s:
            task = s.execute(select(HumanTask.id, HumanTask.instance_id, HumanTask.element_id, HumanTask.role,
                                    HumanTask.scope, HumanTask.assignee, HumanTask.form, Instance.version_id)
                             .join(Instance, Instance.id == HumanTask.instance_id)
                             .where(HumanTask.state == "open", Instance.status == "running",
                                    HumanTask.element_id.notin_(left_open), HumanTask.id.notin_(sorted(waiting)))
                             .order_by(HumanTask.id).limit(1)).first()
        if task is None and driver.deliver_engine_messages():
            waiting.clear()  # the programme's own messages (a committee started, ...) moved it on
            continue
        if task is None:
            due = sandbox.next_timer_due()
            if due is None or due >= until:
                if not waiting:
                    break
                for task_id, (element, exc) in waiting.items():
                    _record(report, element, exc)
                    _park(sandbox, task_id)
                waiting.clear()
                continue
            waiting.clear()  # tried again once the timers have moved the programme on
            clock.set(max(clock.now(), due + timedelta(minutes=1)))
            counts = sandbox.fire_due_timers()
            if counts["errors"]:
                _record(report, None, RuntimeError(f"{counts['errors']} 个定时器触发失败"))
            continue
        progress("逐个办理任务", step, MAX_STEPS, 0.1 + 0.85 * min(1.0, step / (scenario.count * 40)))
        repeats[(task.instance_id, task.element_id)] += 1
        if repeats[(task.instance_id, task.element_id)] > MAX_REPEATS:
            # a loop (an activity log, or a return that the same answers trigger again): leave it open
            report["loops"].setdefault(task.element_id, []).append(task.instance_id)
            _park(sandbox, task.id)
            continue
        key = (task.version_id, task.form or "")
        if key not in forms:
            forms[key] = sandbox.form(task.version_id, task.form) or {}
        data = sample_data(forms[key]) | dict(answers.get(task.element_id) or {})
        actor = Actor(task.assignee or "dry-run", frozenset({(task.role, task.scope)}))
        try:
            sandbox.complete_task(task.id, data, actor)
        except EngineError as exc:
            waiting[task.id] = (task.element_id, exc)
            continue
        waiting.clear()


def _park(sandbox, task_id: int) -> None:
    """Take a task out of the run: the report names it, the run goes on."""
    with sandbox.unit_of_work() as s:
        s.execute(HumanTask.__table__.update().where(HumanTask.id == task_id).values(state="cancelled"))


PHASES = {"Task_Fill": "填报与单位审核", "Task_UnitReview": "填报与单位审核", "Task_ExpertReview": "专家评审",
          "Task_SignOff": "签批", "Task_PublishList": "公布名单", "Task_RegisterMentees": "签订培带联系书",
          "Task_ConfirmAgreement": "签订培带联系书", "Task_TrainingPlan": "制定培养计划", "Task_LogActivity": "培带活动",
          "Task_UnitAssessment": "年度考核", "Task_ConfirmAssessment": "年度考核"}


def _programme(system, scenario: Scenario, report, progress: Progress) -> None:
    from workflows import dates
    from workflows.simulate import Simulation

    sim = Simulation(system, scenario.seed)
    today = dates.local_date(system.clock.now())
    # rounds open on 19 May every third year, from the next 19 May on
    first = today.year if dates.date(today.year, 5, 19) >= today else today.year + 1
    span = max(scenario.years, 1)
    end = dates.at_local(dates.add_years(dates.date(first, 5, 19), span))
    years = list(range(first, first + span, 3))
    state = {"round": 0, "filled": 0, "after": 0, "phase": "准备", "year": first}

    def tick():
        weight = 0.95 / len(years)
        base = state["round"] * weight
        fraction = base + weight * (0.7 * state["filled"] / scenario.count
                                    + 0.25 * (1 - 1 / (1 + state["after"] / max(scenario.count, 1))))
        progress(f"{state['year']} 年评选：{state['phase']}", state["filled"], scenario.count, min(fraction, 0.97))

    original_application, original_complete = sim.application, sim.d.complete

    def application(n, round_year):   # n is the nomination's number, filled in the order of time
        state.update(filled=min(state["filled"] + 1, scenario.count), phase="填报与单位审核")
        tick()
        return original_application(n, round_year)

    def complete(instance_id, element, *args, **kwargs):
        if element not in ("Task_Fill", "Task_UnitReview"):
            state["after"] += 1
        state["phase"] = PHASES.get(element, element)
        tick()
        return original_complete(instance_id, element, *args, **kwargs)

    sim.application, sim.d.complete = application, complete
    sim.d.seed(experts_per_panel=sim.experts_per_panel)
    try:
        for i, year in enumerate(years):
            state.update(round=i, filled=0, after=0, phase="开启评选", year=year)
            tick()
            sim.fire_until(dates.at_local(dates.date(year, 5, 19)))
            sim.run_round(year, scenario.count)
        state.update(round=len(years) - 1, filled=scenario.count, phase="培带期与年度考核")
        tick()
        sim.fire_until(end)
        report["programme"] = sim.counts()
    except Cancelled:
        raise
    except Exception as exc:  # the draft broke the simulator's path: report where, keep the counts so far
        log.info("programme dry run stopped: %s", exc)
        _record(report, getattr(exc, "details", {}).get("element") if isinstance(exc, EngineError) else None, exc)
        try:
            report["programme"] = sim.counts()
        except Exception:
            pass
    if report.get("programme"):
        report["statistics"] = [{"key": k, "label": PROGRAMME_LABELS.get(k, k), "value": v}
                                for k, v in report["programme"].items() if k in PROGRAMME_LABELS]


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
