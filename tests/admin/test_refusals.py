"""A bad model is saved as a draft but refused at deploy, with a message naming the cause; nothing
already deployed or running changes."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine import InvalidState, ModelValidationError
from engine.tables import Instance, ModelVersion
from webapp.admin import drafts

from .conftest import ADMIN, START


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request):
    """The engine's commands run on both databases."""
    return request.param


def broken(files, old, new):
    assert old in files["approval.bpmn"]
    return {**files, "approval.bpmn": files["approval.bpmn"].replace(old, new, 1)}


CASES = [
    ("malformed BPMN", lambda f: broken(f, "</bpmn:process>", "</bpmn:proces>"), None, "XML 格式错误"),
    ("missing form", lambda f: broken(f, 'value="forms/review.schema.json"', 'value="forms/notice.schema.json"'),
     "Task_Review", "forms/notice.schema.json 不存在"),
    ("timer that does not evaluate", lambda f: broken(f, "'P1Y'</bpmn:timeDuration>", "'P1Y' + 1</bpmn:timeDuration>"),
     "Timer_Year", "定时器表达式无法计算"),
    ("timer that is not a duration", lambda f: broken(f, "'P1Y'</bpmn:timeDuration>", "'one year'</bpmn:timeDuration>"),
     "Timer_Year", "不是有效的 ISO 8601"),
    ("lane without a role", lambda f: broken(f, 'name="评审专家"', 'name="公示小组"'), "Lane_Expert", "没有对应的角色"),
]


def state_of(engine):
    with engine.sessions() as s:
        return (s.scalar(select(func.count()).select_from(ModelVersion)),
                s.execute(select(Instance.id, Instance.version_id, Instance.lock_version, Instance.status)).all())


@pytest.mark.parametrize("name, edit, element, message", CASES, ids=[c[0] for c in CASES])
def test_bad_draft_is_saved_but_never_deployed(engine, fixture_models, staff, name, edit, element, message):
    v1 = engine.deploy(fixture_models)["version"]
    engine.start("approval", START, staff["submitter"])
    before = state_of(engine)
    draft = drafts.create_from_version(engine, v1, ADMIN)
    saved = drafts.save(engine, draft["id"], edit(draft["files"]), ADMIN)
    errors = [p for p in saved["problems"] if p["severity"] == "error"]
    assert saved["error_count"] >= 1 and any(message in p["message"] for p in errors), errors
    if element:
        assert element in [p["element"] for p in errors]
    assert drafts.get(engine, draft["id"])["error_count"] == saved["error_count"]  # kept with the draft
    with pytest.raises(InvalidState, match="不能部署"):
        drafts.deploy(engine, draft["id"], ADMIN)
    with pytest.raises(ModelValidationError) as refused:  # the engine refuses on its own too
        engine.deploy(saved["files"], ADMIN)
    assert any(message in p.message for p in refused.value.problems)
    assert state_of(engine) == before


def test_draft_without_errors_deploys_once_and_identical_content_is_not_a_new_version(engine, fixture_models):
    v1 = engine.deploy(fixture_models)["version"]
    draft = drafts.create_from_version(engine, v1, ADMIN)
    result = drafts.deploy(engine, draft["id"], ADMIN, "无改动")
    assert (result["version"], result["created"]) == (v1, False)
    edited = drafts.save(engine, draft["id"], broken(draft["files"], 'name="单位审核"', 'name="单位审核（初审）"'), ADMIN)
    result = drafts.deploy(engine, edited["id"], ADMIN, "改名")
    assert result["created"] and result["version"] == v1 + 1
    assert drafts.get(engine, draft["id"])["deployed_version_id"] == v1 + 1
