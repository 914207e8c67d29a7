"""Operations from the command line (issue 17 point 3), each matching an admin page:
``peidai instances migrate`` (preview, then ``--yes``), ``peidai outbox deliver --now`` and
``peidai users set-contacts|import|unreachable|channels|list``."""
from __future__ import annotations

import pytest
from click.testing import CliRunner
from openpyxl import Workbook
from sqlalchemy import select

from engine.queries import instance_tasks
from peidai.cli import Lazy, cli
from tests.conftest import FIXTURES, read_models
from workflows.notifications import contacts
from workflows.notifications.tables import Mail, Notification

START = {"unit_id": "hongshan", "category": "professional", "round_id": "2014", "title": "张三的申请",
         "experts": ["e1"], "years": 1}


@pytest.fixture
def run(wsystem):
    lazy = Lazy()
    lazy._system = wsystem

    def invoke(*args):
        return CliRunner().invoke(cli, [str(a) for a in args], obj=lazy)

    return invoke


# --------------------------------------------------------------------------- instances migrate

@pytest.fixture
def two_versions(wsystem, add_user):
    """Version 1 and 2 of the fixture models (2 renames the not yet reached Task_Annual), and
    version 3 (renames Task_Fill, which the instances completed); two instances on version 1."""
    engine = wsystem.engine
    models = read_models(FIXTURES / "models")
    v1 = engine.deploy(models, comment="v1")["version"]
    sub = add_user("sub", ("unit_submitter", "hongshan"))
    ids = []
    for _ in range(2):
        iid = engine.start("approval", START, sub)
        task = next(t for t in instance_tasks(engine, iid) if t["state"] == "open")
        engine.complete_task(task["id"], {"name": "张三"}, sub)
        ids.append(iid)
    v2 = engine.deploy(models | {"approval.bpmn": models["approval.bpmn"].replace('name="年度确认"', 'name="年度确认（新）"')},
                       comment="v2")["version"]
    v3 = engine.deploy(models | {"approval.bpmn": models["approval.bpmn"].replace('id="Task_Fill" name="', 'id="Task_Fill" name="改')},
                       comment="v3")["version"]
    return v1, v2, v3, ids


def version_of(wsystem, iid):
    return wsystem.engine.instance(iid)["version_id"]


def test_migrate_shows_a_preview_and_moves_nothing_without_yes(run, wsystem, two_versions):
    v1, v2, _v3, ids = two_versions
    result = run("instances", "migrate", "--from", v1, "--to", v2)
    assert result.exit_code == 0, result.output
    assert f"实例 {ids[0]:>6}  版本 {v1} → {v2}" in result.output and "可以迁移" in result.output
    assert "预览：2 个可以迁移，0 个不能迁移。确认迁移请加 --yes" in result.output
    assert [version_of(wsystem, i) for i in ids] == [v1, v1]

    result = run("instances", "migrate", "--from", v1, "--to", v2, "--yes", "--comment", "改名")
    assert result.exit_code == 0, result.output
    assert "已迁移 2 个实例，0 个未迁移" in result.output
    assert [version_of(wsystem, i) for i in ids] == [v2, v2]


def test_migrate_refuses_with_the_reason_and_moves_only_chosen_instances(run, wsystem, two_versions):
    v1, _v2, v3, ids = two_versions
    result = run("instances", "migrate", "--instance", ids[1], "--to", v3, "--yes")
    assert result.exit_code == 0
    assert "不能迁移" in result.output and "已迁移 0 个实例，1 个未迁移" in result.output
    assert [version_of(wsystem, i) for i in ids] == [v1, v1]


@pytest.mark.parametrize("args, message", [
    (["--to", "1"], "请用 --from 指定源版本"),
    (["--from", "1", "--to", "99"], "模型版本 99 不存在"),
    (["--from", "1", "--to", "0"], "0"),
    (["--from", "x", "--to", "2"], "x"),
    (["--from", "1", "--to", "2", "--instance", "4242"], "实例 4242 不在版本 1 上"),
    (["--from", "1", "--to", "2", "--as", "sub"], "sub 不是系统管理员"),
    (["--from", "1", "--to", "2", "--comment", "长" * 501], "迁移说明不能超过 500 个字"),
])
def test_migrate_refuses_wrong_input_in_chinese(run, two_versions, args, message):
    result = run("instances", "migrate", *args)
    assert result.exit_code != 0 and message in result.output


# --------------------------------------------------------------------------- outbox deliver --now

def test_outbox_deliver_now_delivers_at_the_given_moment(run, wsystem, people, file_clock):
    with wsystem.engine.unit_of_work() as s:
        wsystem.engine.outbox.emit(s, "notify", {"template": "urge", "users": ["section"], "context": {}}, "later",
                                   now=file_clock.now().replace(year=2015))
    assert "已投递 0" in run("outbox", "deliver").output            # written for a later moment: not due yet
    result = run("outbox", "deliver", "--now", "2015-05-19T09:00:00+08:00")
    assert result.exit_code == 0 and "已投递 1" in result.output
    with wsystem.sessions() as s:
        created = s.scalar(select(Notification.created_at))
        assert s.scalar(select(Mail.created_at)) == created
    assert created.year == 2015                                    # the deliverer read the moment as "now"
    assert wsystem.engine.now().year == 2014                       # and the clock is the file clock again


@pytest.mark.parametrize("value, message", [("yesterday", "不是 ISO 8601 时间"), ("2015-05-19T09:00:00", "请带上时区"),
                                            ("2015-05-19T09:00:00+08:00'; DROP TABLE mails; --", "不是 ISO 8601 时间")])
def test_outbox_deliver_now_refuses_what_is_not_a_moment(run, value, message):
    result = run("outbox", "deliver", "--now", value)
    assert result.exit_code == 2 and message in result.output


# --------------------------------------------------------------------------- users

def test_users_set_contacts_list_and_unreachable(run, wsystem, people):
    from workflows.units import seed_units
    with wsystem.engine.unit_of_work() as s:
        seed_units(s)
    result = run("users", "set-contacts", "rev_hongshan", "--email", "rev@example.cn", "--mobile", "139 1234 5678")
    assert result.exit_code == 0 and "已修改 rev_hongshan 的电子邮箱、手机号码" in result.output
    assert "rev@example.cn  13912345678" in run("users", "list", "--search", "rev_hongshan").output
    result = run("users", "unreachable")
    assert "红山区（2 人）" in result.output and "没有手机号码：hongshan申报人（sub_hongshan）" in result.output
    assert "没有电子邮箱：hongshan审核人" not in result.output


@pytest.mark.parametrize("args, message", [
    (["rev_hongshan"], "请给出 --email 或 --mobile"),
    (["rev_hongshan", "--email", "a@b.cn\r\nBcc: x@y.cn"], "电子邮箱格式不正确"),
    (["rev_hongshan", "--mobile", "110"], "手机号码应为 11 位数字"),
    (["rev_hongshan", "--email", "a@b.cn", "--as", "sub_hongshan"], "只有系统管理员可以修改他人的联系方式"),
])
def test_users_set_contacts_refuses_wrong_input(run, people, args, message):
    result = run("users", "set-contacts", *args)
    assert result.exit_code != 0
    assert message in result.output + str(getattr(result.exception, "message", ""))


def test_users_import_names_each_wrong_row_and_changes_nothing(run, wsystem, people, tmp_path):
    wb = Workbook()
    wb.active.append(["用户名", "电子邮箱", "手机号码"])
    wb.active.append(["rev_hongshan", "rev@example.cn", "13912345678"])
    wb.active.append(["rev_songshan", "=1+1", "139"])
    path = tmp_path / "list.xlsx"
    wb.save(path)
    result = run("users", "import", path)
    assert result.exit_code == 1
    assert "第 3 行  电子邮箱：不能是公式，请填写文字" in result.output
    assert contacts.contacts(wsystem.engine, "rev_hongshan")["email"] is None
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a workbook")
    assert "无法读取该文件" in run("users", "import", bad).output


def test_users_channels_shows_and_sets_the_choice(run, people):
    result = run("users", "channels", "section", "--set", "round=in_app")
    assert result.exit_code == 0 and "评选通知和截止提醒：仅站内消息" in result.output
    assert "待办、超期提醒和催办：站内消息和邮件" in result.output
    for bad, message in (("round", "应为 类别=in_app"), ("sms=mail", "没有这类消息"), ("round=fax", "接收方式只能是")):
        result = run("users", "channels", "section", "--set", bad)
        assert result.exit_code == 2 and message in result.output
