"""Model versions: validation before deploy, immutability, refusal that changes nothing."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine import ModelValidationError
from engine.tables import ModelVersion, ProcessDefinition

from ..conftest import FIXTURES, read_models


def versions(engine) -> int:
    with engine.sessions() as s:
        return s.scalar(select(func.count()).select_from(ModelVersion))


def refused(engine, files) -> list[dict]:
    before = versions(engine)
    with pytest.raises(ModelValidationError) as err:
        engine.deploy(files)
    assert versions(engine) == before, "a refused deploy must change nothing"
    return err.value.details["problems"]


def test_deploy_is_content_hashed_and_idempotent(engine, fixture_models):
    first = engine.deploy(fixture_models, comment="v1")
    again = engine.deploy(dict(fixture_models), comment="same files")
    assert first["created"] and not again["created"]
    assert again["version"] == first["version"] and len(first["hash"]) == 64
    changed = dict(fixture_models)
    changed["approval.bpmn"] = changed["approval.bpmn"].replace("填写申请", "填写推荐表")
    second = engine.deploy(changed, comment="renamed a task")
    assert second["created"] and second["version"] != first["version"]
    with engine.sessions() as s:
        assert s.scalar(select(func.count()).select_from(ProcessDefinition)) == 2


def test_spec_is_stored_once_per_version_not_in_instances(engine, deploy_fixture_models, add_user):
    sub = add_user("sub", ("unit_submitter", "u1"))
    iid = engine.start("approval", {"unit_id": "u1", "experts": [], "years": 1}, sub)
    from engine.tables import Instance
    with engine.sessions() as s:
        state = s.get(Instance, iid).state
        spec_json = s.scalar(select(ModelVersion.spec_json))
    assert '"task_specs"' in spec_json
    assert '"task_specs"' not in state and "Task_Review" not in state.split('"tasks"')[0]


@pytest.mark.parametrize("mutate, expected", [
    (lambda f: f.update({"approval.bpmn": f["approval.bpmn"].replace("</bpmn:process>", "")}), "XML"),
    (lambda f: f.pop("forms/review.schema.json"), "forms/review.schema.json 不存在"),
    (lambda f: f.update({"forms/fill.schema.json": "{not json"}), "不是有效的 JSON"),
    (lambda f: f.update({"forms/fill.schema.json": '{"type": "objekt"}'}), "JSON Schema"),
    (lambda f: f.update({"approval.bpmn": f["approval.bpmn"].replace('name="评审专家"', 'name="路人"')}), "路人"),
    (lambda f: f.update({"approval.bpmn": f["approval.bpmn"].replace("'P1Y'", "'P1Q'")}), "ISO 8601"),
    (lambda f: f.update({"approval.bpmn": f["approval.bpmn"].replace("'P1Y'", "1/0")}), "定时器表达式无法计算"),
    (lambda f: f.update({"approval.bpmn": f["approval.bpmn"].replace("year = 0", "import os")}), "import"),
    (lambda f: f.update({"approval.bpmn": f["approval.bpmn"].replace("decision == 'approve'", "().__class__")}), "__class__"),
    (lambda f: f.update({"approval.bpmn": f["approval.bpmn"].replace("'P10D'", "'ten days'")}), "ISO 8601"),
    (lambda f: f.update({"approval.bpmn": f["approval.bpmn"].replace('<spiffworkflow:property name="form" value="forms/fill.schema.json" />', "")}), "没有指定表单"),

    # a text table (a language's words for the models' texts) is checked as one, and is never a form
    (lambda f: f.update({"i18n/en.json": "[1, 2]"}), "language"),
    (lambda f: f.update({"i18n/en.json": '{"language": "en", "texts": ["审核"]}'}), "原文 → 译文"),
    (lambda f: f.update({"i18n/en.json": '{"language": "en", "texts": {"审核": {"__class__": 1}}}'}), "须是文字"),
    (lambda f: f.update({"i18n/en.json": '{"language": "en", "texts": {"审核": "' + "x" * 3000 + '"}}'}), "过长"),
    (lambda f: f.update({"i18n/en.json": '{"language": "en", "texts": {}}',
                         "approval.bpmn": f["approval.bpmn"].replace("forms/fill.schema.json", "i18n/en.json")}), "译文表，不能作为表单"),
])
def test_bad_model_is_refused_naming_file_and_cause(engine, fixture_models, mutate, expected):
    engine.deploy(fixture_models)  # something already deployed stays as it is
    files = dict(fixture_models)
    mutate(files)
    problems = refused(engine, files)
    assert any(expected in p["message"] or expected in (p["file"] or "") for p in problems), problems
    assert all(p["file"] for p in problems)


def test_a_text_table_deploys_with_its_models(engine, fixture_models):
    files = dict(fixture_models, **{"i18n/en.json": '{"language": "en", "texts": {"填写申请": "Fill in the application"}}'})
    assert engine.deploy(files)["created"]


def test_problems_name_the_element(engine, fixture_models):
    files = dict(fixture_models)
    files["approval.bpmn"] = files["approval.bpmn"].replace("'P1Y'", "'P1Q'")
    problems = refused(engine, files)
    assert [p["element"] for p in problems] == ["Timer_Year"]


def test_unbounded_sequence_flow_loop_is_a_warning(engine, fixture_models):
    result = engine.deploy(fixture_models)
    warned = {w["element"] for w in result["warnings"]}
    assert warned == {"Task_Fill"}  # the yearly loop is a standard loop: no warning
    assert all("深度 1000" in w["message"] for w in result["warnings"])


def test_process_without_lanes_or_human_tasks_deploys(engine):
    result = engine.deploy(read_models(FIXTURES / "engine"))
    assert result["created"]
