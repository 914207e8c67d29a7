"""Mail that is sent or says why not (issue 17 point 2): ``sent``, ``kept`` without SMTP (and sent
once a server is configured), ``failed`` with the reason; retrying or dismissing an incident never
leaves a mail ``queued``; each person's channel per kind of message; the administrators' test mail."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine import Actor, EngineError, InvalidData, InvalidState
from workflows.notifications import kinds, mailer
from workflows.notifications.tables import Mail

from .smtp_server import free_port, use_smtp

ADMIN = Actor("admin", frozenset({("admin", None)}))
PAYLOAD = {"template": "disqualified", "users": ["section", "sub_hongshan"], "context": {"mentor_name": "李四", "reason": "考核不合格"}}


def emit(system, payload=PAYLOAD, key="m1") -> int:
    from engine.tables import OutboxMessage
    with system.engine.unit_of_work() as s:
        system.engine.outbox.emit(s, "notify", payload, key)
    with system.engine.sessions() as s:
        return s.scalar(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key))


def mails(system):
    with system.sessions() as s:
        return {m.username: (m.status, m.error) for m in s.scalars(select(Mail).order_by(Mail.id))}


def test_mail_to_a_running_smtp_server_is_sent_once(wsystem, people, smtp_server):
    inbox, port = smtp_server
    use_smtp(wsystem, port)
    emit(wsystem)
    assert wsystem.engine.outbox.deliver_due(wsystem)["delivered"] == 1
    assert mails(wsystem) == {"section": ("sent", None), "sub_hongshan": ("sent", None)}
    [mail] = inbox.to("section@example.cn")
    assert mail["subject"] == "取消人才培带人资格：李四" and "考核不合格" in mail["body"]
    assert mailer.send_kept(wsystem)["sent"] == 0 and len(inbox.mails) == 2


def test_kept_mail_without_smtp_goes_out_once_a_server_is_configured(wsystem, people, smtp_server):
    inbox, port = smtp_server
    emit(wsystem)
    wsystem.engine.outbox.deliver_due(wsystem)
    assert mails(wsystem) == {"section": ("kept", None), "sub_hongshan": ("kept", None)}
    assert mailer.send_kept(wsystem)["sent"] == 0            # still no server: nothing happens
    use_smtp(wsystem, port)
    assert mailer.send_kept(wsystem)["sent"] == 2
    assert mailer.send_kept(wsystem)["sent"] == 0
    assert {s for s, _ in mails(wsystem).values()} == {"sent"} and len(inbox.mails) == 2


def test_unreachable_server_fails_each_mail_with_the_reason_and_the_outbox_retries(wsystem, people, smtp_server, file_clock):
    from datetime import timedelta
    inbox, port = smtp_server
    use_smtp(wsystem, free_port())                          # nobody listens there
    emit(wsystem)
    counts = wsystem.engine.outbox.deliver_due(wsystem)
    assert counts["retrying"] == 1
    status, error = mails(wsystem)["section"]
    assert status == "failed" and error.startswith("无法连接邮件服务器 127.0.0.1:")
    use_smtp(wsystem, port)                                 # the server is back
    file_clock.set(file_clock.now() + timedelta(minutes=5))
    assert wsystem.engine.outbox.deliver_due(wsystem)["delivered"] == 1
    assert mails(wsystem) == {"section": ("sent", None), "sub_hongshan": ("sent", None)}
    assert len(inbox.mails) == 2


def test_refused_recipient_is_failed_with_the_servers_words_others_are_sent(wsystem, people, smtp_server):
    inbox, port = smtp_server
    inbox.refuse.add("sub_hongshan@example.cn")
    use_smtp(wsystem, port)
    emit(wsystem)
    assert wsystem.engine.outbox.deliver_due(wsystem)["retrying"] == 1
    state = mails(wsystem)
    assert state["section"] == ("sent", None)
    assert state["sub_hongshan"][0] == "failed" and "邮件服务器拒收收件人：sub_hongshan@example.cn：550" in state["sub_hongshan"][1]


def test_retrying_an_incident_without_smtp_keeps_the_mail_instead_of_stranding_it(wsystem, people, smtp_server):
    inbox, port = smtp_server
    use_smtp(wsystem, free_port())
    wsystem.engine.outbox.policy = type(wsystem.engine.outbox.policy)(max_attempts=1)
    mid = emit(wsystem)
    assert wsystem.engine.outbox.deliver_due(wsystem)["incidents"] == 1
    assert {s for s, _ in mails(wsystem).values()} == {"failed"}
    wsystem.settings.smtp_host = ""                          # SMTP is switched off, then the incident retried
    assert wsystem.engine.outbox.retry(mid, ADMIN, wsystem) == "delivered"
    assert {s for s, _ in mails(wsystem).values()} == {"kept"}     # not "queued" forever
    use_smtp(wsystem, port)
    assert mailer.send_kept(wsystem)["sent"] == 2 and len(inbox.mails) == 2


def test_dismissed_incident_leaves_its_mails_failed_with_the_reason_and_they_can_be_sent_again(wsystem, people, smtp_server):
    inbox, port = smtp_server
    use_smtp(wsystem, free_port())
    wsystem.engine.outbox.policy = type(wsystem.engine.outbox.policy)(max_attempts=1)
    mid = emit(wsystem)
    wsystem.engine.outbox.deliver_due(wsystem)
    wsystem.engine.outbox.dismiss(mid, ADMIN, "服务器维护")
    assert all(s == "failed" and e for s, e in mails(wsystem).values())
    use_smtp(wsystem, port)
    with wsystem.sessions() as s:
        ids = list(s.scalars(select(Mail.id)))
    assert [mailer.resend(wsystem, i) for i in ids] == ["sent", "sent"]
    with pytest.raises(InvalidState, match="已发送"):
        mailer.resend(wsystem, ids[0])


@pytest.mark.parametrize("bad, message", [("x", "邮件编号必须是整数"), (None, "邮件编号必须是整数"),
                                          ("1; DROP", "邮件编号必须是整数"), (-1, "邮件 -1 不存在")])
def test_resend_refuses_what_is_not_a_mail(wsystem, bad, message):
    with pytest.raises(EngineError, match=message):
        mailer.resend(wsystem, bad)


def test_in_app_only_for_round_notices_gets_no_mail_but_keeps_mail_for_tasks(wsystem, people):
    kinds.set_preferences(wsystem.engine, "section", {"round": "in_app"})
    emit(wsystem, {"template": "deadline_reminder", "users": ["section", "sub_hongshan"], "context": {}}, "r1")
    emit(wsystem, {"template": "urge", "users": ["section"], "context": {}}, "u1")
    wsystem.engine.outbox.deliver_due(wsystem)
    with wsystem.sessions() as s:
        got = sorted((m.username, m.subject[:4]) for m in s.scalars(select(Mail)))
    assert got == [("section", "催办：—"), ("sub_hongshan", "推荐截止")]
    from workflows.notifications import service
    assert service.unread_count(wsystem.engine, "section") == 2      # in-app still


@pytest.mark.parametrize("choices, message", [
    ({"round": "sms"}, "接收方式只能是"),
    ({"<script>": "mail"}, "没有这类消息"),
    ({"round": None}, "接收方式只能是"),
    (["round"], "对应表"),
])
def test_channel_choice_refuses_unknown_kinds_and_channels(wsystem, people, choices, message):
    with pytest.raises(InvalidData, match=message):
        kinds.set_preferences(wsystem.engine, "section", choices)


def test_account_links_always_go_by_mail_whatever_the_choice(wsystem, people):
    kinds.set_preferences(wsystem.engine, "section", {k: "in_app" for k in kinds.KINDS})
    emit(wsystem, {"template": "password_reset", "users": ["section"], "context": {"link": "x"}}, "p1")
    wsystem.engine.outbox.deliver_due(wsystem)
    assert mails(wsystem)["section"][0] == "kept"


def test_test_mail_says_in_chinese_whether_the_smtp_settings_work(wsystem, smtp_server):
    inbox, port = smtp_server
    ok, text = mailer.send_test_mail(wsystem.settings, "admin@example.cn")
    assert not ok and "尚未配置邮件服务器" in text
    use_smtp(wsystem, free_port())
    ok, text = mailer.send_test_mail(wsystem.settings, "admin@example.cn")
    assert not ok and text.startswith("无法连接邮件服务器 127.0.0.1:")
    use_smtp(wsystem, port)
    ok, text = mailer.send_test_mail(wsystem.settings, "admin@example.cn")
    assert ok and "测试邮件已由 127.0.0.1" in text
    assert inbox.to("admin@example.cn")[0]["subject"] == "培带工程管理系统测试邮件"


def test_a_queued_mail_is_sent_by_one_sender_only_unless_its_sender_died(wsystem, people, smtp_server):
    """A notify message delivered twice (a retry, or two workers after a lease ran out) sent each
    of its queued mails twice (the scale-out test saw it): the claim of a queued mail is its
    sender's; only a claim older than CLAIM_STALE (the sender died) is taken over."""
    from datetime import timedelta

    from sqlalchemy import update

    from workflows.notifications import delivery
    inbox, port = smtp_server
    use_smtp(wsystem, port)
    message_id = emit(wsystem)
    prefix = f"outbox:{message_id}:"
    engine = wsystem.engine
    with engine.unit_of_work() as s:   # what the deliverer writes before sending: two queued mails
        for user in ("section", "sub_hongshan"):
            s.add(Mail(key=prefix + user, username=user, to_address=f"{user}@example.cn", subject="测试",
                       body="正文", status=mailer.QUEUED, created_at=engine.now(), attempts=0))
    query = select(Mail.id).where(Mail.key.startswith(prefix))
    first = mailer.claim(engine, query, (mailer.FAILED, mailer.KEPT, mailer.QUEUED))
    assert len(first) == 2
    assert mailer.claim(engine, query, (mailer.FAILED, mailer.KEPT, mailer.QUEUED)) == []   # a second sender
    delivery.send_message_mails(wsystem, prefix)   # a second delivery of the same message sends nothing
    assert inbox.mails == []
    # the first sender died: after CLAIM_STALE its mails are claimed again and go out once
    with engine.unit_of_work() as s:
        s.execute(update(Mail).where(Mail.id.in_(first)).values(claimed_at=engine.now() - mailer.CLAIM_STALE
                                                                  - timedelta(seconds=1)))
    delivery.send_message_mails(wsystem, prefix)
    assert len(inbox.mails) == 2 and {m for m in mails(wsystem).values()} == {("sent", None)}
    delivery.send_message_mails(wsystem, prefix)
    assert len(inbox.mails) == 2
