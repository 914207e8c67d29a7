"""Dry runs: a draft runs on a virtual clock in a throwaway database and reports per element."""
from __future__ import annotations

from sqlalchemy import func, select

from engine.tables import Instance, ModelVersion
from webapp.admin import dryrun

from .conftest import START, with_notice


def test_dry_run_counts_tokens_per_element_and_where_instances_ended(engine, fixture_models, staff):
    files = with_notice(fixture_models)
    scenario = dryrun.Scenario(process_key="approval", count=4, years=2, start_data=START,
                               answers={"Task_Notice": {"decision": "approve"}})
    report = dryrun.run(engine, files, scenario)
    assert report["errors"] == [] and report["instances"] == 4
    el = report["elements"]["approval"]
    for element in ("Task_Fill", "Task_Review", "Task_Notice", "Task_Experts", "Timer_Year", "End_Done"):
        assert el[element]["passed"] == 4, element
    assert "End_Rejected" not in el
    assert report["ended"]["approval"] == {"（已结束）": 4} and report["statuses"] == {"completed": 4}
    assert report["unstaffed"] == []
    with engine.sessions() as s:  # the real database is untouched
        assert s.scalar(select(func.count()).select_from(ModelVersion)) == 0
        assert s.scalar(select(func.count()).select_from(Instance)) == 0


def test_dry_run_shows_where_instances_stop(engine, fixture_models, staff):
    report = dryrun.run(engine, with_notice(fixture_models), dryrun.Scenario(
        process_key="approval", count=3, start_data=START, answers={"Task_Notice": {"decision": "reject"}}))
    el = report["elements"]["approval"]
    assert el["Task_Notice"]["passed"] == 3 and el["End_Rejected"]["passed"] == 3 and "Task_Experts" not in el


def test_dry_run_runs_timers_over_the_years_and_reports_completion(engine, fixture_models, staff):
    report = dryrun.run(engine, fixture_models, dryrun.Scenario(process_key="approval", count=2, years=3,
                                                                start_data=START | {"years": 2}))
    el = report["elements"]["approval"]
    assert report["statuses"] == {"completed": 2}
    assert el["Timer_Year"]["passed"] == 2 and el["End_Done"]["passed"] == 2
    assert report["ended"]["approval"] == {"（已结束）": 2}


def test_dry_run_names_a_user_task_whose_lane_nobody_holds(engine, fixture_models, staff):
    files = with_notice(fixture_models, lane="领导小组办公室主任")  # no director among the users
    report = dryrun.run(engine, files, dryrun.Scenario(process_key="approval", count=1, start_data=START))
    assert [(u["element"], u["reason"]) for u in report["unstaffed"]] == [("Task_Notice", "没有用户担任角色“领导小组办公室主任”")]
    assert report["ended"]["approval"] == {"Task_Notice": 1} or "Task_Notice" in report["elements"]["approval"]


def test_dry_run_of_a_model_that_fails_reports_the_element(engine, fixture_models, staff):
    files = {**fixture_models, "approval.bpmn": fixture_models["approval.bpmn"].replace(
        "decision == 'approve'</bpmn:conditionExpression>", "decision == approved</bpmn:conditionExpression>")}
    report = dryrun.run(engine, files, dryrun.Scenario(process_key="approval", count=1, start_data=START))
    assert report["errors"] and report["errors"][0]["element"] in ("Gateway_Decision", "Task_Review")
    assert "approved" in report["errors"][0]["message"]
