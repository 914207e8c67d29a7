"""The programme driver: the programme's own simulator (rounds, nominations, decisions) on a draft."""
from __future__ import annotations

import logging

from engine import EngineError

from .generic import record
from .report import PROGRAMME_LABELS
from .scenario import Cancelled, Progress, Scenario

log = logging.getLogger(__name__)


PHASES = {"Task_Fill": "填报与单位审核", "Task_UnitReview": "填报与单位审核", "Task_ExpertReview": "专家评审",
          "Task_SignOff": "签批", "Task_PublishList": "公布名单", "Task_RegisterMentees": "签订培带联系书",
          "Task_ConfirmAgreement": "签订培带联系书", "Task_TrainingPlan": "制定培养计划", "Task_LogActivity": "培带活动",
          "Task_UnitAssessment": "年度考核", "Task_ConfirmAssessment": "年度考核"}


def programme(system, scenario: Scenario, report, progress: Progress) -> None:
    """Rounds every third year over ``scenario.years`` with ``scenario.count`` nominations each;
    the simulator's counts become ``report["programme"]`` and its Chinese ``statistics``."""
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
        record(report, getattr(exc, "details", {}).get("element") if isinstance(exc, EngineError) else None, exc)
        try:
            report["programme"] = sim.counts()
        except Exception:
            pass
    if report.get("programme"):
        report["statistics"] = [{"key": k, "label": PROGRAMME_LABELS.get(k, k), "value": v}
                                for k, v in report["programme"].items() if k in PROGRAMME_LABELS]
