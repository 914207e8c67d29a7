"""The refusals of the services behind the contacts, channels and mail pages (workflows.notifications)
read English when English is chosen: webapp.errors knows their Chinese texts (KNOWN_MESSAGES,
KNOWN_PATTERNS), so a wrong e-mail address reads "Wrong e-mail address format …", not the general
"The submitted data is invalid" (or Chinese)."""
from __future__ import annotations

import re

import pytest

from engine import EngineError
from webapp.errors import KNOWN_PATTERNS, engine_message

CJK = re.compile(r"[\u4e00-\u9fff]")


def _refusals():
    from workflows.notifications import contacts, contacts_excel, kinds
    calls = [
        lambda: contacts.clean_email("no-at-sign"),
        lambda: contacts.clean_email("a" * 300 + "@example.cn"),
        lambda: contacts.clean_email(12),
        lambda: contacts.clean_mobile("12345"),
        lambda: contacts.clean_mobile(["13912345678"]),
        lambda: kinds.check_choices([]),
        lambda: kinds.check_choices({"nonsense": "mail"}),
        lambda: kinds.check_choices({"tasks": "pigeon"}),
        lambda: contacts_excel.read_sheet(b""),
        lambda: contacts_excel.read_sheet(b"not a workbook"),
    ]
    for call in calls:
        with pytest.raises(EngineError) as info:
            call()
        yield info.value


def test_the_notification_services_refusals_read_english(app):
    with app.test_request_context("/api/v1/me/contacts", headers={"Accept-Language": "en"}):
        english = [(exc.message, engine_message(exc)) for exc in _refusals()]
    with app.test_request_context("/api/v1/me/contacts", headers={"Accept-Language": "zh-CN"}):
        chinese = [engine_message(exc) for exc in _refusals()]
    untranslated = [(zh, en) for zh, en in english if CJK.search(en) or en in ("The submitted data is invalid", "")]
    assert not untranslated, untranslated
    assert chinese == [zh for zh, _en in english]   # Chinese as the service wrote it


def test_a_mail_state_in_a_refusal_reads_english(app):
    from engine import InvalidState
    exc = InvalidState("邮件 7 当前状态为“已发送”，不能重新发送")
    with app.test_request_context("/api/v1/x", headers={"Accept-Language": "en"}):
        text = engine_message(exc)
    assert "7" in text and not CJK.search(text), text


def test_every_pattern_names_the_values_its_message_uses():
    for pattern, msgid in KNOWN_PATTERNS:
        assert sorted(pattern.groupindex) == sorted(re.findall(r"%\((\w+)\)s", msgid)), msgid


def test_password_rules_and_account_refusals_read_english(app):
    from engine import InvalidData
    from engine.passwords import password_problems
    from webapp.errors import user_text
    rules = password_problems("aaaa", "wangli", "王丽") + password_problems("wangli2024", "wangli", "")
    assert rules
    joined = InvalidData("；".join(rules), field="password", rules=rules)
    refusals = [InvalidData("两次输入的密码不一致", field="confirm"), InvalidData("用户名 wangli 已被使用", field="username"),
                InvalidData("角色“boss”不存在", field="memberships")]
    with app.test_request_context("/api/v1/me", headers={"Accept-Language": "en"}):
        english = [user_text(r) for r in rules] + [engine_message(joined)] + [engine_message(e) for e in refusals]
    assert not [t for t in english if CJK.search(t)], english
    with app.test_request_context("/api/v1/me", headers={"Accept-Language": "zh-CN"}):
        assert [user_text(r) for r in rules] == rules


def test_the_test_mail_result_reads_english(app):
    import smtplib
    from types import SimpleNamespace
    from webapp.errors import user_text
    from workflows.notifications import mailer
    settings = SimpleNamespace(smtp_host="smtp.example.cn", smtp_port=25)
    texts = [mailer.reason(smtplib.SMTPAuthenticationError(535, b"bad credentials"), settings),
             mailer.reason(ConnectionRefusedError(111, "Connection refused"), settings),
             mailer.reason(smtplib.SMTPRecipientsRefused({"a@example.cn": (550, b"no such user")}), settings),
             mailer.reason(ValueError("odd"), settings),
             mailer.send_test_mail(SimpleNamespace(smtp_host=""), "a@example.cn")[1]]
    with app.test_request_context("/admin/mail/"):
        from flask import session
        session["lang"] = "en"
        english = [user_text(t) for t in texts]
    assert not [t for t in english if CJK.search(t)], english


def test_the_contact_list_imports_refusals_read_english(app, engine, people):
    from engine import InvalidData
    from workflows.notifications import contacts
    rows = [{"row": 2, "username": "", "email": None, "mobile": None},
            {"row": 3, "username": "nobody-here", "email": None, "mobile": None},
            {"row": 4, "username": "submitter", "email": "bad", "mobile": "123"},
            {"row": 5, "username": "submitter", "email": None, "mobile": None}]
    with pytest.raises(InvalidData) as info:
        contacts.import_contacts(engine, people["admin"], rows)
    from webapp.errors import user_text
    with app.test_request_context("/accounts/contacts/import"):
        from flask import session
        session["lang"] = "en"
        english = [user_text(info.value.message)] + [user_text(e["message"]) for e in info.value.details["errors"]]
    assert len(english) == 6 and not [t for t in english if CJK.search(t)], english
