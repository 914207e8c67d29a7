"""Notifications: the notify deliverer (in-app, mails kept or sent), templates, the task
listener, urge (催办) and the daily reminder of overdue tasks."""
from __future__ import annotations


import pytest
from sqlalchemy import select

from engine import Actor, Conflict, InvalidData, InvalidState, NotFound, PermissionDenied
from engine.queries import instance_tasks
from workflows.notifications import service
from workflows.notifications.tables import Mail, Notification
from workflows.notifications.templates import TEMPLATES, render

SYSTEM = Actor("system")


def send(system, payload, key="n1"):
    with system.engine.unit_of_work() as s:
        system.engine.outbox.emit(s, "notify", payload, key)
    return system.engine.outbox.deliver_due(system)


def rows(system, table, **where):
    with system.sessions() as s:
        q = select(table)
        for k, v in where.items():
            q = q.where(getattr(table, k) == v)
        return s.scalars(q.order_by(table.id)).all()


def open_task(system, iid):
    return next(t for t in instance_tasks(system.engine, iid) if t["state"] == "open")


def test_notification_reaches_each_user_in_app_and_mail_is_kept_without_smtp(wsystem, people):
    counts = send(wsystem, {"template": "certificate_issued", "users": ["sub_hongshan", "rev_hongshan", "sub_hongshan"],
                            "context": {"name": "张三", "year": 2014, "number": "赤人才〔2014〕001号", "unit_name": "红山区"}})
    assert counts["delivered"] == 1
    items, total = service.notifications(wsystem.engine, "sub_hongshan")
    assert total == 1 and items[0]["title"] == "聘书已颁发：张三"
    assert "聘书编号 赤人才〔2014〕001号" in items[0]["body"]
    assert service.unread_count(wsystem.engine, "rev_hongshan") == 1
    [mail] = service.mails(wsystem.engine)                       # rev_hongshan has no e-mail address
    assert (mail["username"], mail["status"], mail["subject"]) == ("sub_hongshan", "kept", "聘书已颁发：张三")
    assert "Certificate issued" in mail["body"]                  # English second
    assert service.mark_read(wsystem.engine, "sub_hongshan") == 1
    assert service.unread_count(wsystem.engine, "sub_hongshan") == 0


def test_redelivered_message_adds_no_second_notification(wsystem, people):
    from workflows.notifications.delivery import deliver_notify
    payload = {"template": "urge", "users": ["section"], "context": {}}
    deliver_notify(payload, 42, wsystem)
    deliver_notify(payload, 42, wsystem)
    assert len(rows(wsystem, Notification)) == 1 and len(rows(wsystem, Mail)) == 1


def test_mail_goes_out_over_smtp_when_configured(wsystem, people, monkeypatch):
    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            sent.append(("connect", host, port))
        def ehlo(self): pass
        def has_extn(self, name): return False
        def login(self, user, password): sent.append(("login", user))
        def send_message(self, message): sent.append(("send", message["To"], message["Subject"]))
        def __enter__(self): return self
        def __exit__(self, *exc): sent.append(("quit",))

    monkeypatch.setattr("smtplib.SMTP", FakeSMTP)
    wsystem.settings.smtp_host, wsystem.settings.smtp_port, wsystem.settings.smtp_user = "smtp.example.cn", 25, "peidai"
    send(wsystem, {"template": "disqualified", "users": ["section"], "context": {"mentor_name": "李四", "reason": "考核不合格"}})
    assert sent == [("connect", "smtp.example.cn", 25), ("login", "peidai"),
                    ("send", "人才科 <section@example.cn>", "取消人才培带人资格：李四"), ("quit",)]
    assert [m.status for m in rows(wsystem, Mail)] == ["sent"]


@pytest.mark.parametrize("payload, error", [
    ({"template": "no_such", "users": ["section"]}, "未知的通知模板“no_such”"),
    ({"template": "urge", "users": "section"}, "必须是用户名列表"),
    ({"template": "urge", "users": ["section", ""]}, "必须是用户名列表"),
    ({"template": "urge", "users": [3]}, "必须是用户名列表"),
    ({"template": "urge", "users": ["section"], "context": ["x"]}, "上下文（context）必须是 JSON 对象"),
])
def test_malformed_notify_message_becomes_an_incident_at_once(wsystem, people, payload, error):
    assert send(wsystem, payload)["incidents"] == 1
    [incident] = wsystem.engine.outbox.incidents()
    assert error in incident["last_error"] and incident["attempts"] == 1


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_every_template_renders_in_both_languages_without_context(template):
    for lang in ("zh", "en"):
        title, body = render(template, {}, lang)
        assert title and body and "{" not in title + body


def test_deadline_reminder_names_round_deadline_days_left_and_submissions():
    title, body = render("deadline_reminder", {"year": 2014, "deadline": "2014-06-30", "days_left": 7,
                                               "unit_name": "松山区", "submitted": 2, "unexpected": object()})
    assert title == "推荐截止提醒：2014年度人才培带人评选"
    assert body.startswith("松山区：2014年度人才培带人评选的推荐材料将于 2014年6月30日 截止，还剩 7 天。贵单位目前已提交推荐 2 人")


def test_returned_for_revision_carries_the_comment():
    assert "意见：请补充获奖证书复印件" in render("returned_for_revision", {"name": "张三", "comment": "请补充获奖证书复印件"})[1]


def test_new_task_notifies_its_candidate_group_but_not_the_actor(wsystem, people):
    iid = wsystem.engine.start("unit_submission", {"unit_id": "songshan", "round_id": "2014", "title": "王五推荐"}, SYSTEM)
    wsystem.engine.complete_task(open_task(wsystem, iid)["id"], {"decision": "approve"}, people["sub_songshan"])
    wsystem.engine.outbox.deliver_due(wsystem)
    assigned = rows(wsystem, Notification, template="task_assigned")
    assert [(n.username, n.title) for n in assigned] == [("sub_songshan", "新待办：提交推荐"), ("rev_songshan", "新待办：审核推荐")]
    assert "办理期限：2014年5月29日" in assigned[0].body             # due in 10 days, China time, as the pages write it


@pytest.fixture
def overdue(wsystem, people, file_clock):
    iid = wsystem.engine.start("unit_submission", {"unit_id": "hongshan", "round_id": "2014", "title": "张三推荐"}, SYSTEM)
    task = open_task(wsystem, iid)
    file_clock.advance(days=11)
    return task


def test_overdue_task_is_flagged_and_reminded_once_a_day(wsystem, file_clock, overdue):
    assert [t["id"] for t in service.overdue_tasks(wsystem.engine)] == [overdue["id"]]
    assert service.remind_overdue(wsystem.engine) == 1
    assert service.remind_overdue(wsystem.engine) == 0              # a second sweep, or a second beat
    file_clock.advance(hours=3)
    assert service.remind_overdue(wsystem.engine) == 0              # same day (China time)
    file_clock.advance(days=1)
    assert service.remind_overdue(wsystem.engine) == 1
    wsystem.engine.outbox.deliver_due(wsystem)
    reminders = rows(wsystem, Notification, template="task_overdue")
    assert [n.username for n in reminders] == ["sub_hongshan", "sub_hongshan"]
    assert "已超期 2 天" in reminders[-1].body


def test_task_not_yet_due_is_neither_flagged_nor_reminded(wsystem, people, file_clock):
    wsystem.engine.start("unit_submission", {"unit_id": "hongshan", "round_id": "2014"}, SYSTEM)
    file_clock.advance(days=9)
    assert service.overdue_tasks(wsystem.engine) == [] and service.remind_overdue(wsystem.engine) == 0


def test_urge_reaches_the_holder_once_per_task_per_day(wsystem, people, file_clock, overdue):
    assert service.urge(wsystem.engine, people["section"], overdue["id"], "请今天内提交") == {"users": ["sub_hongshan"]}
    with pytest.raises(Conflict, match="今天已催办过该事项"):
        service.urge(wsystem.engine, people["rev_hongshan"], overdue["id"])
    file_clock.advance(days=1)
    service.urge(wsystem.engine, people["rev_hongshan"], overdue["id"])
    wsystem.engine.outbox.deliver_due(wsystem)
    urges = rows(wsystem, Notification, template="urge")
    assert [n.username for n in urges] == ["sub_hongshan", "sub_hongshan"]
    assert urges[0].title == "催办：提交推荐" and "人才科催办" in urges[0].body and "请今天内提交" in urges[0].body
    from engine.tables import AuditEvent
    audited = rows(wsystem, AuditEvent, action="task_urged")
    assert [(a.actor, a.comment) for a in audited] == [("section", "请今天内提交"), ("rev_hongshan", "")]


@pytest.mark.parametrize("who, task, comment, error, message", [
    ("rev_songshan", "overdue", "", PermissionDenied, "只有本单位、流程发起人或人才科可以催办此事项"),
    ("section", 99999, "", NotFound, "待办事项不存在"),
    ("section", "abc", "", NotFound, "待办事项不存在"),
    ("section", "overdue", "催" * 501, InvalidData, "催办说明不能超过 500 个字"),
])
def test_urge_refuses_bad_input(wsystem, people, overdue, who, task, comment, error, message):
    with pytest.raises(error, match=message):
        service.urge(wsystem.engine, people[who], overdue["id"] if task == "overdue" else task, comment)


def test_urge_needs_an_open_overdue_task(wsystem, people, file_clock):
    iid = wsystem.engine.start("unit_submission", {"unit_id": "hongshan", "round_id": "2014"}, SYSTEM)
    task = open_task(wsystem, iid)
    with pytest.raises(InvalidState, match="尚未超过办理期限"):
        service.urge(wsystem.engine, people["section"], task["id"])
    wsystem.engine.complete_task(task["id"], {"decision": "approve"}, people["sub_hongshan"])
    file_clock.advance(days=30)
    with pytest.raises(InvalidState, match="已办理完毕"):
        service.urge(wsystem.engine, people["section"], task["id"])


def test_failed_instance_is_reported_to_the_administrators(wsystem, people):
    iid = wsystem.engine.start("unit_submission", {"unit_id": "hongshan", "round_id": "2014"}, SYSTEM)
    wsystem.engine._record_error(iid, RuntimeError("数据库中找不到推荐记录"), wsystem.clock.now())
    wsystem.engine.outbox.deliver_due(wsystem)
    [note] = rows(wsystem, Notification, template="incident")
    assert note.username == "admin" and f"流程实例 {iid}" in note.title and "找不到推荐记录" in note.body


def test_user_marks_only_their_own_notifications_read(wsystem, people):
    send(wsystem, {"template": "urge", "users": ["section", "admin"], "context": {}})
    [mine] = service.notifications(wsystem.engine, "section")[0]
    [theirs] = service.notifications(wsystem.engine, "admin")[0]
    assert service.mark_read(wsystem.engine, "section", [theirs["id"]]) == 0
    assert service.mark_read(wsystem.engine, "section", [mine["id"]]) == 1
    assert service.notifications(wsystem.engine, "section", unread_only=True) == ([], 0)
    assert service.unread_count(wsystem.engine, "admin") == 1
    with pytest.raises(InvalidData, match="通知编号必须是整数"):
        service.mark_read(wsystem.engine, "section", ["x"])
