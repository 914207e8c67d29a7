"""``peidai incidents list|show|retry|dismiss`` and ``peidai outbox deliver|status``."""
from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from engine.outbox import RetryPolicy
from engine.tables import OutboxMessage
from peidai.cli import Lazy, cli

from .support import Flaky


@pytest.fixture
def run(wsystem):
    lazy = Lazy()
    lazy._system = wsystem

    def invoke(*args):
        return CliRunner().invoke(cli, [str(a) for a in args], obj=lazy)

    return invoke


@pytest.fixture
def incident(wsystem, file_clock):
    """A mail that failed three times: an incident."""
    flaky = Flaky()
    wsystem.engine.config.deliverers["test/mail"] = flaky
    wsystem.engine.outbox.policy = RetryPolicy(max_attempts=3, base_delay=timedelta(seconds=10))
    with wsystem.engine.unit_of_work() as s:
        wsystem.engine.outbox.emit(s, "test/mail", {"to": "section"}, "mail:1")
    for _ in range(3):
        wsystem.engine.outbox.deliver_due(wsystem)
        file_clock.advance(minutes=1)
    with wsystem.sessions() as s:
        flaky.id = s.scalar(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == "mail:1"))
    return flaky


def test_incident_is_listed_retried_and_delivered(run, incident, wsystem):
    result = run("incidents", "list")
    assert result.exit_code == 0
    assert f"{incident.id:>6}  故障  test/mail" in result.output and "尝试 3 次" in result.output
    assert "邮件服务器无法连接" in result.output

    result = run("incidents", "retry", incident.id)
    assert result.exit_code == 1 and f"消息 {incident.id} 投递仍然失败" in result.output
    incident.fixed = True
    result = run("incidents", "retry", incident.id)
    assert result.exit_code == 0 and f"消息 {incident.id} 已投递" in result.output
    assert run("incidents", "list").output.strip() == "没有故障"
    assert wsystem.engine.outbox.get(incident.id)["status"] == "delivered"


def test_incident_dismissed_with_a_reason(run, incident):
    result = run("incidents", "dismiss", incident.id, "--reason", "收件人已离职")
    assert result.exit_code == 0 and "已忽略" in result.output
    assert run("incidents", "list").output.strip() == "没有故障"
    assert "已忽略" in run("incidents", "list", "--all").output
    assert '"status": "dismissed"' in run("incidents", "show", incident.id).output


@pytest.mark.parametrize("args, code, message", [
    (("incidents", "retry", "abc"), 2, "is not a valid integer"),
    (("incidents", "retry", "0"), 2, "is not in the range"),
    (("incidents", "retry", "99999"), 1, "消息 99999 不存在"),
    (("incidents", "dismiss", "99999"), 1, "消息 99999 不存在"),
    (("incidents", "show", "99999"), 1, "消息 99999 不存在"),
    (("incidents", "retry"), 2, "Missing argument"),
])
def test_incident_commands_refuse_bad_ids(run, wsystem, args, code, message):
    result = run(*args)
    assert result.exit_code == code and message in result.output


def test_delivered_message_cannot_be_retried_or_dismissed(run, incident):
    incident.fixed = True
    run("incidents", "retry", incident.id)
    for command in ("retry", "dismiss"):
        result = run("incidents", command, incident.id)
        assert result.exit_code == 1 and "当前状态为“已投递”" in result.output


def test_outbox_deliver_and_status_from_the_command_line(run, wsystem, people):
    with wsystem.engine.unit_of_work() as s:
        for i in range(3):
            wsystem.engine.outbox.emit(s, "notify", {"template": "urge", "users": ["section"], "context": {}}, f"u{i}")
    assert "待投递 3" in run("outbox", "status").output
    result = run("outbox", "deliver")
    assert result.exit_code == 0 and "已投递 3" in result.output
    assert "已投递 3" in run("outbox", "status").output
    assert run("outbox", "deliver", "--limit", "0").exit_code == 2


def test_notifications_and_kept_mails_are_readable_from_the_command_line(run, wsystem, people):
    with wsystem.engine.unit_of_work() as s:
        wsystem.engine.outbox.emit(s, "notify", {"template": "returned_for_revision", "users": ["sub_hongshan"],
                                                 "context": {"name": "张三", "comment": "请补充材料"}}, "r1")
    run("outbox", "deliver")
    result = run("notifications", "list", "--user", "sub_hongshan")
    assert result.exit_code == 0 and "共 1 条，未读 1 条" in result.output and "退回修改：张三" in result.output
    result = run("notifications", "mails", "--user", "sub_hongshan")
    assert "未配置邮件服务器，已保存待发" in result.output and "意见：请补充材料" in result.output
    assert run("notifications", "mails", "--status", "bogus").exit_code == 2
    assert run("notifications", "list").exit_code == 2                  # --user is required
    assert "共 0 条" in run("notifications", "list", "--user", "nobody").output
