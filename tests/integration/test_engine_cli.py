"""The ``peidai`` command: the engine's commands from a shell, with clear errors for bad input."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from peidai.cli import cli

from ..conftest import FIXTURES


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("PEIDAI_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PEIDAI_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)

    assert invoke("db", "upgrade").exit_code == 0
    return invoke


def test_deploy_start_list_complete_and_fire_timers(run):
    deployed = run("models", "deploy", FIXTURES / "models", "--comment", "首个版本")
    assert deployed.exit_code == 0 and "已部署版本 1" in deployed.output
    assert "内容未变" in run("models", "deploy", FIXTURES / "models").output
    assert "approval" in run("models", "list").output
    from engine.identity import upsert_user
    from peidai.bootstrap import bootstrap
    system = bootstrap()
    with system.engine.unit_of_work() as s:
        upsert_user(s, "sub", "申报员", memberships=[("unit_submitter", "u1")])
    started = run("instances", "start", "approval", "--data", '{"unit_id": "u1", "experts": [], "years": 1}', "--user", "sub")
    assert started.exit_code == 0, started.output
    listed = run("tasks", "list", "--user", "sub")
    assert "填写申请" in listed.output
    assert run("tasks", "complete", "1", "--user", "sub", "--data", '{"name": "张三"}').exit_code == 0
    fired = run("timers", "fire", "--now", "2099-01-01T00:00:00+08:00")
    assert fired.exit_code == 0 and "到期 0" in fired.output


@pytest.mark.parametrize("args, message", [
    (("instances", "start", "approval", "--data", "{oops"), "不是有效的 JSON"),
    (("instances", "start", "approval", "--data", "[1, 2]"), "必须是 JSON 对象"),
    (("timers", "fire", "--now", "next tuesday"), "不是 ISO 8601 时间"),
    (("timers", "fire", "--now", "2027-06-30T09:00:00"), "请带上时区"),
    (("models", "deploy", "/no/such/folder"), "找不到模型路径"),
])
def test_bad_input_gets_a_clear_chinese_error(run, args, message):
    result = run(*args)
    assert result.exit_code != 0
    assert message in result.output


def test_invalid_model_is_reported_and_not_deployed(run, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "broken.bpmn").write_text("<bpmn:definitions", encoding="utf-8")
    result = run("models", "validate", bad)
    assert result.exit_code == 1 and "XML 格式错误" in result.output
    assert run("models", "list").output.strip() == ""
