"""The administration pages: only administrators; versions, compare, drafts, deploy, migration, audit."""
from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from engine.tables import ModelVersion

from .conftest import START, with_notice

PAGES = ["/admin/versions", "/admin/migrate", "/admin/instances", "/admin/incidents", "/admin/users", "/admin/audit",
         "/admin/audit.csv"]


@pytest.mark.parametrize("username", ["submitter", "section", "director", "expert1"])
def test_only_administrators_see_process_administration(auth, engine, fixture_models, username):
    engine.deploy(fixture_models)
    auth.login(username)
    for url in PAGES + ["/admin/versions/1/files/approval.bpmn"]:
        assert auth.client.get(url).status_code == 403, url
    assert auth.post("/admin/versions/1/draft").status_code == 403
    assert "流程管理" not in auth.client.get("/inbox").get_data(as_text=True)


def test_anonymous_user_is_sent_to_log_in(client):
    r = client.get("/admin/versions")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_administrator_sees_every_page(admin_auth, engine, fixture_models):
    engine.deploy(fixture_models)
    for url in PAGES:
        assert admin_auth.client.get(url).status_code == 200, url


def test_versions_list_author_time_comment_hash_and_compare(admin_auth, engine, fixture_models, people):
    v1 = engine.deploy(fixture_models, people["admin"], comment="初始版本")
    v2 = engine.deploy(with_notice(fixture_models), people["admin"], comment="增加公示")
    html = admin_auth.client.get("/admin/versions").get_data(as_text=True)
    for text in ("初始版本", "增加公示", v1["hash"][:12], v2["hash"][:12], "admin"):
        assert text in html
    html = admin_auth.client.get(f"/admin/versions/compare?a={v1['version']}&b={v2['version']}").get_data(as_text=True)
    added = re.findall(r'class="diff-added" data-area="bpmn" data-element="(\w+)"', html)
    changed = re.findall(r'class="diff-changed" data-area="bpmn" data-element="(\w+)"', html)
    assert added == ["Task_Notice", "F3b"]  # the step and its outgoing flow
    assert changed == ["F3"]  # the review's outgoing flow now leads to the new step
    row = html.split('class="diff-changed"')[1]
    assert "终点" in row and "Gateway_Decision" in row and "Task_Notice" in row
    assert "diff-removed" not in html


def test_draft_save_shows_problems_with_element_and_blocks_deploy(admin_auth, engine, fixture_models):
    v1 = engine.deploy(fixture_models)["version"]
    r = admin_auth.post(f"/admin/versions/{v1}/draft")
    draft_url = r.headers["Location"]
    draft_id = int(draft_url.rstrip("/").rsplit("/", 1)[1])
    bad = with_notice(fixture_models, lane="公示小组")["approval.bpmn"]
    r = admin_auth.client.post(f"/admin/drafts/{draft_id}/files/approval.bpmn", json={"content": bad},
                               headers={"X-CSRFToken": admin_auth.token})
    body = r.get_json()
    errors = [p for p in body["problems"] if p["severity"] == "error"]
    assert body["error_count"] == 1 and errors[0]["element"] == "Lane_Notice" and "公示小组" in errors[0]["message"]
    html = admin_auth.client.get(draft_url).get_data(as_text=True)
    assert 'data-element="Lane_Notice"' in html and "disabled" in html.split('id="deploy-button"')[1][:40]
    r = admin_auth.post(f"/admin/drafts/{draft_id}/deploy", data={"comment": "试图部署"}, follow_redirects=True)
    assert "不能部署" in r.get_data(as_text=True)
    with engine.sessions() as s:
        assert s.scalar(select(func.count()).select_from(ModelVersion)) == 1
    # fixed: the lane names a role
    good = with_notice(fixture_models)["approval.bpmn"]
    body = admin_auth.client.post(f"/admin/drafts/{draft_id}/files/approval.bpmn", json={"content": good},
                                  headers={"X-CSRFToken": admin_auth.token}).get_json()
    assert body["error_count"] == 0
    r = admin_auth.post(f"/admin/drafts/{draft_id}/deploy", data={"comment": "增加公示"}, follow_redirects=True)
    assert "已部署为版本 2" in r.get_data(as_text=True)
    assert engine.list_versions()[-1]["comment"] == "增加公示"


def test_saving_without_csrf_token_is_refused(admin_auth, engine, fixture_models):
    v1 = engine.deploy(fixture_models)["version"]
    draft_id = int(admin_auth.post(f"/admin/versions/{v1}/draft").headers["Location"].rsplit("/", 1)[1])
    r = admin_auth.client.post(f"/admin/drafts/{draft_id}/files/approval.bpmn", json={"content": "x"})
    assert r.status_code == 400


def test_form_preview_uses_the_task_page_renderer(admin_auth):
    schema = {"type": "object", "required": ["decision"], "properties": {
        "decision": {"type": "string", "title": "公示结果", "enum": ["approve", "reject"]},
        "comment": {"type": "string", "title": "公示意见", "format": "textarea"}}}
    html = admin_auth.client.post("/admin/form-preview", json={"content": json.dumps(schema)},
                                  headers={"X-CSRFToken": admin_auth.token}).get_data(as_text=True)
    assert "公示结果" in html and 'name="decision"' in html and "同意" in html and "<textarea" in html
    html = admin_auth.client.post("/admin/form-preview", json={"content": "{oops"},
                                  headers={"X-CSRFToken": admin_auth.token}).get_data(as_text=True)
    assert "表单无法解析" in html


def test_redeploying_an_old_version_makes_it_current_as_a_new_version(admin_auth, engine, fixture_models, people):
    v1 = engine.deploy(fixture_models, comment="v1")["version"]
    v2 = engine.deploy(with_notice(fixture_models), comment="v2")["version"]
    r = admin_auth.post(f"/admin/versions/{v2}/redeploy", follow_redirects=True)
    assert "已是最新版本" in r.get_data(as_text=True)
    r = admin_auth.post(f"/admin/versions/{v1}/redeploy", follow_redirects=True)
    assert "重新部署为版本 3" in r.get_data(as_text=True)
    iid = engine.start("approval", START, people["submitter"])
    assert engine.instance(iid)["version_id"] == 3
    assert {k: v for k, v in engine.version_files(3).items() if not k.startswith(".")} == engine.version_files(v1)


def test_migration_page_previews_and_migrates_movable_instances(admin_auth, engine, fixture_models, people):
    v1 = engine.deploy(fixture_models)["version"]
    at_fill = engine.start("approval", START, people["submitter"])
    past = engine.start("approval", START, people["submitter"])
    from engine.queries import instance_tasks
    t = next(t for t in instance_tasks(engine, past) if t["state"] == "open")
    engine.complete_task(t["id"], {"name": "李四"}, people["submitter"])
    t = next(t for t in instance_tasks(engine, past) if t["state"] == "open")
    engine.complete_task(t["id"], {"decision": "approve"}, people["reviewer"])
    v2 = engine.deploy(with_notice(fixture_models))["version"]
    html = admin_auth.post("/admin/migrate", data={"source": v1, "target": v2, "action": "preview"}).get_data(as_text=True)
    assert html.count("可以迁移") == 1 and "不能迁移" in html and "「单位审核」" in html and "Task_Review" not in html
    html = admin_auth.post("/admin/migrate", data={"source": v1, "target": v2, "action": "migrate", "comment": "公示",
                                                   "instance": [at_fill, past]}, follow_redirects=True).get_data(as_text=True)
    assert "已迁移 1 个实例，1 个未迁移" in html
    assert engine.instance(at_fill)["version_id"] == v2 and engine.instance(past)["version_id"] == v1
    csv = admin_auth.client.get(f"/admin/audit.csv?instance={at_fill}").get_data(as_text=True)
    assert "instance_migrated" in csv and "admin" in csv


def test_suspend_resume_cancel_need_a_reason_and_are_audited(admin_auth, engine, fixture_models, people):
    engine.deploy(fixture_models)
    iid = engine.start("approval", START, people["submitter"])
    r = admin_auth.post(f"/admin/instances/{iid}/suspend", data={"reason": ""}, follow_redirects=True)
    assert "请填写原因" in r.get_data(as_text=True) and engine.instance(iid)["status"] == "running"
    admin_auth.post(f"/admin/instances/{iid}/suspend", data={"reason": "核查材料"})
    assert engine.instance(iid)["status"] == "suspended"
    admin_auth.post(f"/admin/instances/{iid}/resume", data={"reason": "核查完毕"})
    admin_auth.post(f"/admin/instances/{iid}/cancel", data={"reason": "重复申报"})
    assert engine.instance(iid)["status"] == "cancelled"
    html = admin_auth.client.get(f"/admin/audit?instance={iid}&actor=admin").get_data(as_text=True)
    for reason in ("核查材料", "核查完毕", "重复申报"):
        assert reason in html
    assert "instance_started" not in admin_auth.client.get("/admin/audit.csv?actor=admin").get_data(as_text=True)


def test_users_and_roles_are_edited_with_scopes(admin_auth, engine):
    r = admin_auth.post("/admin/users", data={"username": "notice_clerk", "display_name": "公示员",
                                              "memberships": "talent_section\nunit_reviewer:hongshan"}, follow_redirects=True)
    assert "已保存用户 notice_clerk" in r.get_data(as_text=True)
    actor = engine.actor_for("notice_clerk")
    assert actor.memberships == frozenset({("talent_section", None), ("unit_reviewer", "hongshan")})
    assert "user_saved" in admin_auth.client.get("/admin/audit.csv?actor=admin").get_data(as_text=True)
    r = admin_auth.post("/admin/users", data={"username": "x", "memberships": "nobody"}, follow_redirects=True)
    assert "角色“nobody”不存在" in r.get_data(as_text=True)


def test_users_get_roles_and_scopes_from_pickers(admin_auth, engine):
    html = admin_auth.client.get("/admin/users").get_data(as_text=True)
    form = html.split('id="user-form"')[1].split("</form>")[0]
    assert '<option value="unit_reviewer" data-scope-field="unit_id"' in form and ">单位审核人</option>" in form
    assert '<optgroup label="单位" data-field="unit_id">' in form and ">红山区</option>" in form
    assert '<optgroup label="评审类别" data-field="category">' in form and ">高技能人才</option>" in form
    rows = [("role", "unit_reviewer"), ("scope", "hongshan"), ("role", "expert"), ("scope", "rural"),
            ("role", "talent_section"), ("scope", ""), ("role", ""), ("scope", "")]      # an empty row is ignored
    from werkzeug.datastructures import MultiDict

    def post(pairs):   # repeated fields: the form's rows
        return admin_auth.client.post("/admin/users", data=MultiDict([("csrf_token", admin_auth.token)] + pairs),
                                      follow_redirects=True)
    admin_auth.client.get("/admin/users")
    r = post([("username", "picker"), ("display_name", "选择器用户")] + rows)
    assert "已保存用户 picker" in r.get_data(as_text=True)
    assert engine.actor_for("picker").memberships == frozenset({("unit_reviewer", "hongshan"), ("expert", "rural"),
                                                                ("talent_section", None)})
    r = post([("username", "picker"), ("role", "expert"), ("scope", "hongshan")])   # a unit is not a category
    assert "“hongshan”不是角色“评审专家”可选的范围" in r.get_data(as_text=True)
    assert engine.actor_for("picker").memberships == frozenset({("unit_reviewer", "hongshan"), ("expert", "rural"),
                                                                ("talent_section", None)})


def test_incidents_are_retried_and_dismissed_with_the_audit_trail(admin_auth, engine, clock):
    from engine.tables import OutboxMessage
    now = clock.now()
    with engine.unit_of_work() as s:
        for key in ("a", "b"):
            s.add(OutboxMessage(idempotency_key=key, topic="nowhere", payload_json="{}", status="incident", attempts=5,
                                created_at=now, next_attempt_at=now, last_error="SMTP 连接失败"))
    html = admin_auth.client.get("/admin/incidents").get_data(as_text=True)
    assert html.count("SMTP 连接失败") == 2 and "故障 2" in html
    retried = admin_auth.post("/admin/incidents/1/retry", follow_redirects=True).get_data(as_text=True)
    assert "消息 1 已重试，当前状态：" in retried and "incident" not in retried.split("当前状态：")[1][:20]
    admin_auth.post("/admin/incidents/2/dismiss", data={"reason": "已人工通知"})
    assert engine.outbox.get(2)["status"] == "dismissed"
    assert engine.outbox.get(1)["status"] in ("incident", "pending")  # no deliverer for the topic: fails again
    csv = admin_auth.client.get("/admin/audit.csv?actor=admin").get_data(as_text=True)
    assert "outbox_retried" in csv and "outbox_dismissed" in csv and "已人工通知" in csv


def test_audit_trail_filters_by_date_and_instances_show_their_version(admin_auth, engine, fixture_models, people, clock):
    from datetime import timedelta
    engine.deploy(fixture_models)
    first = engine.start("approval", START, people["submitter"])
    clock.advance(days=3)
    engine.deploy(with_notice(fixture_models))
    second = engine.start("approval", START, people["submitter"])
    day = (clock.now() + timedelta(hours=8)).date().isoformat()
    html = admin_auth.client.get(f"/admin/audit?since={day}&until={day}").get_data(as_text=True)
    assert f"#{second}" in html and f"#{first}" not in html
    csv = admin_auth.client.get("/admin/audit.csv?until=2014-05-19").get_data(as_text=True)
    assert csv.startswith("\ufeff编号") and f",{first}," in csv and f",{second}," not in csv
    html = admin_auth.client.get("/admin/instances").get_data(as_text=True)
    versions = dict(re.findall(r'data-instance="(\d+)">.*?class="version">(\d+)<', html, re.S))
    assert versions == {str(first): "1", str(second): "2"}


def test_users_page_shows_who_holds_each_unit_and_category(admin_auth):
    html = admin_auth.client.get("/admin/users").get_data(as_text=True)
    hongshan = re.search(r'<tr data-scope="hongshan">(.*?)</tr>', html, re.S).group(1)
    # each holder by name, with the user name an administrator edits them by
    assert "红山区" in hongshan and "王申报（submitter）" in hongshan and "李审核（reviewer）、赵审核（reviewer2）" in hongshan
    rural = re.search(r'<tr data-scope="rural">(.*?)</tr>', html, re.S).group(1)
    assert "rural_expert" in rural
    assert "无人" in re.search(r'<tr data-scope="aohan">(.*?)</tr>', html, re.S).group(1)


def test_instance_page_names_the_model_version_it_runs_on(admin_auth, engine, fixture_models, people):
    engine.deploy(fixture_models)
    iid = engine.start("approval", START, people["submitter"])
    html = admin_auth.client.get(f"/instances/{iid}").get_data(as_text=True)
    assert re.search(r'class="model-version">模型版本：1<', html)


def test_dry_run_from_the_draft_page_reports_per_element(admin_auth, engine, fixture_models):
    v1 = engine.deploy(fixture_models)["version"]
    draft_id = int(admin_auth.post(f"/admin/versions/{v1}/draft").headers["Location"].rsplit("/", 1)[1])
    r = admin_auth.post(f"/admin/drafts/{draft_id}/dry-run", data={"process_key": "approval", "count": "2", "years": "1",
                                                                   "start_data": "{oops"}, follow_redirects=True)
    assert "JSON 格式错误" in r.get_data(as_text=True)
    r = admin_auth.post(f"/admin/drafts/{draft_id}/dry-run", data={
        "process_key": "approval", "count": "2", "years": "2", "start_data": json.dumps(START),
        "answers": json.dumps({"Task_Review": {"decision": "reject"}})}, follow_redirects=True)
    html = r.get_data(as_text=True)
    rows = dict(re.findall(r'<tr data-element="(\w+)"><td><code>\w+</code></td><td class="num passed">(\d+)</td>', html))
    assert rows["Task_Review"] == "2" and rows["End_Rejected"] == "2" and "Task_Experts" not in rows
    assert engine.list_versions()[-1]["version"] == v1  # nothing deployed for real


def test_a_save_over_changes_the_editor_did_not_load_is_refused(admin_auth, engine, fixture_models):
    v1 = engine.deploy(fixture_models)["version"]
    draft_id = int(admin_auth.post(f"/admin/versions/{v1}/draft").headers["Location"].rsplit("/", 1)[1])
    url, headers = f"/admin/drafts/{draft_id}/files/forms/fill.schema.json", {"X-CSRFToken": admin_auth.token}
    form = fixture_models["forms/fill.schema.json"]
    first = admin_auth.client.post(url, json={"content": form.replace("姓名", "申报人姓名"), "revision": 1}, headers=headers)
    assert first.status_code == 200 and first.get_json()["revision"] == 2
    stale = admin_auth.client.post(url, json={"content": form.replace("姓名", "名字"), "revision": 1}, headers=headers)
    assert stale.status_code == 409 and "请刷新页面" in stale.get_json()["message"]
    from webapp.admin import drafts
    assert "申报人姓名" in drafts.get(engine, draft_id)["files"]["forms/fill.schema.json"]


@pytest.mark.parametrize("reason", ["=HYPERLINK(\"http://evil.example\",\"点此\")", "+1+cmd|' /C calc'!A0",
                                    "-2+3", "@SUM(1+1)*cmd|' /C calc'!A0"])
def test_audit_csv_keeps_a_comment_that_looks_like_a_formula_as_text(admin_auth, engine, fixture_models, people,
                                                                     reason):
    """Excel runs a cell starting with = + - @ (or a tab or CR before one) as a formula: every text
    cell of the export gets a leading apostrophe, which Excel shows as plain text."""
    import csv
    import io
    engine.deploy(fixture_models)
    iid = engine.start("approval", START, people["submitter"])
    admin_auth.post(f"/admin/instances/{iid}/suspend", data={"reason": reason})
    text = admin_auth.client.get(f"/admin/audit.csv?instance={iid}&actor=admin").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    comments = [r[6] for r in rows[1:] if r[3] == "instance_suspended"]
    assert comments == ["'" + reason]
    for row in rows[1:]:
        assert all(not cell or cell[0] not in "=+-@\t\r" for cell in row), row


def test_audit_csv_quotes_every_text_cell_that_starts_a_formula():
    """Tab and CR too (the web form strips them from a reason; the engine's audit rows may still hold them)."""
    import csv
    import io
    from datetime import datetime, timezone

    from webapp.admin.operations import audit_csv
    row = {"id": 7, "at": datetime(2024, 6, 1, tzinfo=timezone.utc), "actor": "=evil", "action": "+cmd",
           "instance_id": 3, "element_id": "@Task", "comment": "\t=1+1", "data": "\r=2+2"}
    out = list(csv.reader(io.StringIO(audit_csv([row]).lstrip("\ufeff"), newline="")))
    assert out[1] == ["7", "2024-06-01 08:00:00", "'=evil", "'+cmd", "3", "'@Task", "'\t=1+1", "'\r=2+2"]


@pytest.fixture
def programme_round(system, people):
    """The real models: a round with one nomination that reached the committee."""
    from peidai.settings import PROJECT_ROOT
    from tests.programme.conftest import close, open_round, submit
    from tests.web.test_incentives_pages import _HASH
    from workflows.driver import Driver, sample_application

    d = Driver(system)
    d.seed(experts_per_panel=3, password_hash=lambda _u: _HASH)
    d.deploy(PROJECT_ROOT / "bpmn")
    round_iid, rid = open_round(d, 2014)
    nomination = submit(d, rid, "hongshan", sample_application("张伟"))
    close(d, rid)
    return {"round": round_iid, "nomination": nomination, "review": d.review_of(nomination)}


def _instance_rows(html: str) -> dict[int, list[str]]:
    out = {}
    for iid, row in re.findall(r'<tr data-instance="(\d+)">(.*?)</tr>', html, re.S):
        out[int(iid)] = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    return out


def test_instances_page_shows_process_names_and_subjects(admin_auth, programme_round):
    rows = _instance_rows(admin_auth.client.get("/admin/instances").get_data(as_text=True))
    nomination, round_, review = (rows[programme_round[k]] for k in ("nomination", "round", "review"))
    for row in (nomination, round_, review):
        assert row[1] not in ("nomination", "selection_round", "committee_review"), row
        assert row[3], row   # a title, never empty
    assert (nomination[1], round_[1], review[1]) == ("人才培带人推荐", "人才培带人评选", "评审委员会评审")
    assert "张伟" in nomination[3] and "红山区" in nomination[3]
    assert "2014" in round_[3]


def test_instances_page_shows_english_process_names_when_english_is_chosen(admin_auth, programme_round):
    admin_auth.post("/lang", data={"lang": "en"})
    rows = _instance_rows(admin_auth.client.get("/admin/instances").get_data(as_text=True))
    assert rows[programme_round["nomination"]][1] == "Talent mentor nomination"


@pytest.mark.parametrize("referrer", ["http://evil.example/admin/instances", "//evil.example/x", "javascript:alert(1)"])
def test_instance_actions_redirect_only_to_this_site(admin_auth, engine, fixture_models, people, referrer):
    engine.deploy(fixture_models)
    iid = engine.start("approval", START, people["submitter"])
    for reason in ("核查材料", ""):
        r = admin_auth.client.post(f"/admin/instances/{iid}/suspend", data={"csrf_token": admin_auth.token, "reason": reason},
                                   headers={"Referer": referrer})
        assert r.status_code == 302 and r.headers["Location"] == "/admin/instances", r.headers["Location"]
    r = admin_auth.client.post(f"/admin/instances/{iid}/resume", data={"csrf_token": admin_auth.token, "reason": "好"},
                               headers={"Referer": "http://localhost/admin/instances?status=suspended"})
    assert r.headers["Location"] == "/admin/instances?status=suspended"   # the same site's page, with its filter
