"""The generic driver: start instances of one process and work every open task with data its form accepts."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from engine import SYSTEM_ACTOR, Actor, EngineError
from engine.tables import HumanTask, Instance
from workflows.driver import Driver

from .scenario import MAX_REPEATS, MAX_STEPS, Progress, Scenario


def record(report, element, exc):
    """An error in the report, with the element it happened at where known."""
    message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
    report["errors"].append({"element": element or getattr(exc, "details", {}).get("element"), "message": message})


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


PROGRAMME_PROCESSES = {"selection_round", "nomination"}


def _prepareprogramme(system, inventory: dict, scenario: Scenario) -> tuple[dict, dict, str | None]:
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


def generic(system, inventory: dict, scenario: Scenario, report, progress: Progress) -> None:
    sandbox, clock = system.engine, system.clock
    if not scenario.process_key:
        raise ValueError("请选择要试运行的流程")
    start_defaults, answer_defaults, report["prepared"] = _prepareprogramme(system, inventory, scenario)
    answers = answer_defaults | scenario.answers
    until = clock.now() + timedelta(days=365 * scenario.years)
    starter = SYSTEM_ACTOR  # a dry run starts as the programme does: the start form still applies
    for n in range(scenario.count):
        try:
            sandbox.start(scenario.process_key, start_defaults | dict(scenario.start_data), starter)
        except EngineError as exc:
            record(report, None, exc)
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
                    record(report, element, exc)
                    park(sandbox, task_id)
                waiting.clear()
                continue
            waiting.clear()  # tried again once the timers have moved the programme on
            clock.set(max(clock.now(), due + timedelta(minutes=1)))
            counts = sandbox.fire_due_timers()
            if counts["errors"]:
                record(report, None, RuntimeError(f"{counts['errors']} 个定时器触发失败"))
            continue
        progress("逐个办理任务", step, MAX_STEPS, 0.1 + 0.85 * min(1.0, step / (scenario.count * 40)))
        repeats[(task.instance_id, task.element_id)] += 1
        if repeats[(task.instance_id, task.element_id)] > MAX_REPEATS:
            # a loop (an activity log, or a return that the same answers trigger again): leave it open
            report["loops"].setdefault(task.element_id, []).append(task.instance_id)
            park(sandbox, task.id)
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


def park(sandbox, task_id: int) -> None:
    """Take a task out of the run: the report names it, the run goes on."""
    with sandbox.unit_of_work() as s:
        s.execute(HumanTask.__table__.update().where(HumanTask.id == task_id).values(state="cancelled"))
