"""Contact details (issue 17 point 1): validation of addresses and mainland mobile numbers, an
administrator's change, the person's own change confirmed by mail, the Excel list with per-row
errors (hostile files included) and who cannot be reached, per unit."""
from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from engine import Actor, InvalidData, InvalidState, PermissionDenied
from engine.tables import User
from workflows.notifications import contacts, contacts_excel
from workflows.notifications.tables import Mail

ADMIN = Actor("admin", frozenset({("admin", None)}))
SECTION = Actor("section", frozenset({("talent_section", None)}))


@pytest.mark.parametrize("text, expected", [
    ("wangli@example.cn", "wangli@example.cn"),
    ("  Wang.Li+peidai@Mail.Example.CN ", "Wang.Li+peidai@mail.example.cn"),
    ("", None), (None, None),
])
def test_good_addresses_are_kept_in_a_plain_form(text, expected):
    assert contacts.clean_email(text) == expected


@pytest.mark.parametrize("text", [
    "wangli", "wangli@", "@example.cn", "wang li@example.cn", "wangli@example",
    "wangli@example.cn\r\nBcc: everyone@example.cn",        # header injection
    "wangli@example.cn>, other@example.cn",                 # a second recipient
    '"a"@example.cn', "王丽@example.cn", "a..b@example.cn", "x" * 195 + "@a.cn", 42, ["a@b.cn"],
])
def test_addresses_that_could_break_a_mail_are_refused_in_chinese(text):
    with pytest.raises(InvalidData, match="电子邮箱"):
        contacts.clean_email(text)


@pytest.mark.parametrize("text, expected", [
    ("13912345678", "13912345678"), ("139 1234 5678", "13912345678"), ("+86 139-1234-5678", "13912345678"),
    (19912345678, "19912345678"), ("", None),
])
def test_mainland_mobile_numbers(text, expected):
    assert contacts.clean_mobile(text) == expected


@pytest.mark.parametrize("text", ["12912345678", "1391234567", "139123456789", "0476-8838010", "１３９１２３４５６７８",
                                  "=1+13912345678", "139\n12345678", "13912345678\r\nX", True, 1.5])
def test_other_numbers_are_refused_in_chinese(text):
    with pytest.raises(InvalidData, match="手机号码"):
        contacts.clean_mobile(text)


def test_administrator_sets_and_removes_contacts_and_it_is_audited(wsystem, people):
    engine = wsystem.engine
    assert contacts.set_contacts(engine, ADMIN, "rev_hongshan", email="rev@example.cn", mobile="13912345678") == ["email", "mobile"]
    assert contacts.contacts(engine, "rev_hongshan") == {"email": "rev@example.cn", "mobile": "13912345678", "pending_email": None}
    assert contacts.set_contacts(engine, ADMIN, "rev_hongshan", mobile="") == ["mobile"]
    assert contacts.contacts(engine, "rev_hongshan")["mobile"] is None
    from engine.tables import AuditEvent
    with engine.sessions() as s:
        assert s.scalar(select(AuditEvent.action).where(AuditEvent.action == "contacts_changed").limit(1))


def test_only_administrators_change_other_peoples_contacts(wsystem, people):
    with pytest.raises(PermissionDenied):
        contacts.set_contacts(wsystem.engine, SECTION, "rev_hongshan", email="x@example.cn")


def test_own_new_address_takes_effect_only_after_the_link_mailed_to_it(wsystem, people, smtp_server):
    from .smtp_server import use_smtp
    inbox, port = smtp_server
    use_smtp(wsystem, port)
    engine = wsystem.engine
    out = contacts.change_own(wsystem, "sub_hongshan", "https://peidai.example.cn", email="new@example.cn", mobile="13800000000")
    assert out == {"changed": ["mobile"], "pending_email": "new@example.cn", "mailed": True}
    assert contacts.contacts(engine, "sub_hongshan") == {"email": "sub_hongshan@example.cn", "mobile": "13800000000",
                                                        "pending_email": "new@example.cn"}
    engine.outbox.deliver_due(wsystem)
    [mail] = inbox.to("new@example.cn")
    assert mail["subject"] == "请确认您的电子邮箱"
    link = next(line for line in mail["body"].splitlines() if line.startswith("https://peidai.example.cn/account/contacts/confirm/"))
    token = link.rsplit("/", 1)[1]
    assert contacts.confirm_email(engine, token) == "sub_hongshan"
    assert contacts.contacts(engine, "sub_hongshan")["email"] == "new@example.cn"
    with pytest.raises(InvalidState, match="确认链接无效或已过期"):
        contacts.confirm_email(engine, token)                    # once only


@pytest.mark.parametrize("token", ["", "x", "a" * 43, "../../etc/passwd" * 3, None, "a" * 5000])
def test_unknown_confirmation_links_change_nothing(wsystem, people, token):
    with pytest.raises(InvalidState, match="确认链接无效或已过期"):
        contacts.confirm_email(wsystem.engine, token)


def test_an_expired_confirmation_link_is_refused(wsystem, people, file_clock):
    from datetime import timedelta
    contacts.change_own(wsystem, "sub_hongshan", "http://x", email="late@example.cn")
    wsystem.engine.outbox.deliver_due(wsystem)
    with wsystem.sessions() as s:
        body = s.scalar(select(Mail.body).where(Mail.to_address.contains("late@example.cn")))
    token = next(w for w in body.split() if "/confirm/" in w).rsplit("/", 1)[1]
    file_clock.set(file_clock.now() + timedelta(days=4))
    with pytest.raises(InvalidState):
        contacts.confirm_email(wsystem.engine, token)
    assert contacts.contacts(wsystem.engine, "sub_hongshan")["email"] == "sub_hongshan@example.cn"


def sheet(rows, header=("用户名", "姓名", "电子邮箱", "手机号码")) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(list(header))
    for r in rows:
        ws.append(list(r))
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def test_excel_list_sets_every_row_when_all_are_right(wsystem, people):
    data = sheet([("rev_hongshan", "红山审核人", "rev.hs@example.cn", "13912345678"),
                  ("rev_songshan", "", "", "139 1234 5679")])
    assert contacts.import_contacts(wsystem.engine, ADMIN, contacts_excel.read_sheet(data)) == {"rows": 2, "changed": 2}
    assert contacts.contacts(wsystem.engine, "rev_hongshan")["email"] == "rev.hs@example.cn"
    assert contacts.contacts(wsystem.engine, "rev_songshan")["mobile"] == "13912345679"


def test_excel_list_with_a_wrong_row_changes_nothing_and_names_each_row(wsystem, people):
    data = sheet([("rev_hongshan", "", "rev.hs@example.cn", ""),
                  ("nobody", "", "a@example.cn", ""),
                  ("rev_songshan", "", "not an address", "12345"),
                  ("rev_hongshan", "", "", "")])
    with pytest.raises(InvalidData) as caught:
        contacts.import_contacts(wsystem.engine, ADMIN, contacts_excel.read_sheet(data))
    errors = [(e["row"], e["column"], e["message"]) for e in caught.value.details["errors"]]
    assert errors == [(3, "用户名", "账号 nobody 不存在"),
                      (4, "电子邮箱", "电子邮箱格式不正确，例如 wangli@example.cn"),
                      (4, "手机号码", "手机号码应为 11 位数字，以 13—19 开头，例如 13912345678"),
                      (5, "用户名", "与第 2 行重复")]
    assert contacts.contacts(wsystem.engine, "rev_hongshan")["email"] is None


def test_formulas_in_the_list_are_refused_not_evaluated(wsystem, people):
    data = sheet([("rev_hongshan", "", '=HYPERLINK("http://evil.example","x")', "=13912345678+0")])
    with pytest.raises(InvalidData) as caught:
        contacts_excel.read_sheet(data)
    assert {(e["row"], e["column"]) for e in caught.value.details["errors"]} == {(2, "电子邮箱"), (2, "手机号码")}


@pytest.mark.parametrize("data, message", [
    (b"", "请选择要导入的 Excel 文件"),
    (b"PK\x03\x04 not really a zip", "无法读取该文件"),
    (b"<html>" * 10, "无法读取该文件"),
    (b"0" * (contacts_excel.MAX_BYTES + 1), "文件不能超过 2 MB"),
])
def test_files_that_are_not_a_usable_list_are_refused(data, message):
    with pytest.raises(InvalidData, match=message):
        contacts_excel.read_sheet(data)


def test_a_list_without_the_columns_or_rows_is_refused():
    with pytest.raises(InvalidData, match="没有找到表头"):
        contacts_excel.read_sheet(sheet([("a", "b")], header=("姓名", "单位")))
    with pytest.raises(InvalidData, match="名单中没有任何账号"):
        contacts_excel.read_sheet(sheet([]))


def test_a_list_of_too_many_rows_is_refused(monkeypatch):
    monkeypatch.setattr(contacts_excel, "MAX_ROWS", 3)
    with pytest.raises(InvalidData, match="一次最多导入 3 行"):
        contacts_excel.read_sheet(sheet([(f"u{i}", "", "", "") for i in range(5)]))


def test_the_template_round_trips_and_keeps_formula_like_text_as_text():
    data = contacts_excel.template([{"username": "u1", "name": "=1+1", "email": "a@example.cn", "mobile": ""}])
    assert contacts_excel.read_sheet(data) == [{"row": 2, "username": "u1", "email": "a@example.cn", "mobile": ""}]


def test_talent_section_sees_which_units_people_cannot_be_reached(wsystem, people):
    from workflows.units import seed_units
    with wsystem.engine.unit_of_work() as s:
        seed_units(s)
    contacts.set_contacts(wsystem.engine, ADMIN, "sub_hongshan", mobile="13912345678")
    contacts.set_contacts(wsystem.engine, ADMIN, "rev_hongshan", email="rev@example.cn", mobile="13912345679")
    units = {u["unit_id"]: u for u in contacts.unreachable_by_unit(wsystem.engine)}
    assert units["hongshan"]["complete"] and units["hongshan"]["people"] == 2
    songshan = units["songshan"]
    assert [p["username"] for p in songshan["no_email"]] == ["rev_songshan"]
    assert [p["username"] for p in songshan["no_mobile"]] == ["rev_songshan", "sub_songshan"]
    assert units["aohan"]["people"] == 0 and not units["aohan"]["complete"]
    with wsystem.sessions() as s:
        assert s.scalar(select(User.email).where(User.username == "sub_songshan")) == "sub_songshan@example.cn"
