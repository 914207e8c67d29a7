"""The administrator changes the round in the browser: a 公示 (public notice) step before the
director signs the list, in a lane of its own. Saving shows the lane without a role on the diagram;
once fixed, a dry run in the worker, the deployment, and the round started before staying on the
old version until it is migrated, then passing the new step. Also: the form designer, the pickers."""
from __future__ import annotations

import json
import shutil

import pytest

from peidai.settings import PROJECT_ROOT
from tests.admin.conftest import admin_on_new_draft
from tests.browser.conftest import PASSWORD, password_hash, server  # noqa: F401  (fixtures)
from tests.programme.conftest import close, committee, submit
from workflows.driver import Driver, sample_application

pytestmark = pytest.mark.browser
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "admin"

NOTICE_FORM = {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "拟聘人选公示", "type": "object",
               "properties": {"notice_days": {"type": "integer", "title": "公示天数", "minimum": 5},
                              "objection": {"type": "string", "title": "公示结果", "enum": ["none", "upheld"],
                                            "enumNames": ["无异议", "异议成立"]},
                              "notice_comment": {"type": "string", "title": "公示情况说明", "format": "textarea"}}}


@pytest.fixture
def shots(request):
    folder = ARTIFACTS / request.node.name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    taken = []

    def shot(page, name):
        path = folder / f"{len(taken) + 1:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        taken.append(path)
    return shot


def js(page, script, arg=None):
    return page.evaluate(script, arg)


def test_admin_adds_a_public_notice_step_before_sign_off(browser, server, system, password_hash, shots,  # noqa: F811
                                                         dry_run_worker):
    d = Driver(system)
    d.seed(experts_per_panel=3, password_hash=password_hash)
    d.deploy(PROJECT_ROOT / "bpmn")
    round_iid = d.open_round(2014)  # started on version 1, before the change
    rid = system.engine.instance_detail(round_iid)["data"]["round_id"]

    ctx = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = ctx.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server + "/login")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("form button[type=submit].btn-primary")
    page.wait_for_url("**/inbox")
    page.click("nav a:has-text('流程管理')")
    page.wait_for_url("**/admin/versions")
    shots(page, "versions")

    # a draft of version 1, with a new form edited beside its live preview
    page.click("#versions tr[data-version='1'] button:has-text('编辑')")
    page.wait_for_url("**/admin/drafts/*")
    draft_url = page.url
    page.fill("input[name=name]", "notice.schema.json")
    page.fill("input[name=title]", "拟聘人选公示")
    page.click("button:has-text('新建')")
    page.wait_for_selector("html[data-peidai-ready]")
    page.click("#form-tabs [data-tab=json]")   # the JSON Schema itself, for experts
    page.fill("#schema", json.dumps(NOTICE_FORM, ensure_ascii=False, indent=1))
    page.wait_for_selector("#preview label:has-text('公示结果')")
    assert page.locator("#preview input[type=radio][value=none], #preview option[value=none]").count() == 1
    page.click("#save")
    page.wait_for_selector("#save-status:has-text('已保存')")
    shots(page, "form-editor-preview")

    # the round's model in the modeler
    page.goto(draft_url)
    page.click("#files tr:has-text('selection_round.bpmn') a:has-text('编辑')")
    page.wait_for_selector("html[data-peidai-ready]")
    assert page.locator(".bjs-powered-by").is_visible()  # the bpmn.io watermark stays
    assert page.locator(".djs-palette [title='创建任务']").count() == 1  # Chinese palette
    # a user task dropped on the flow into the list's sign-off, and a lane of its own below the director's
    ids = js(page, """() => {
      const m = window.peidaiModeler, reg = m.get('elementRegistry'), modeling = m.get('modeling');
      const flow = reg.get('Flow_PrepareList_SignList');
      const wp = flow.waypoints, a = wp[wp.length - 2], b = wp[wp.length - 1];
      const task = m.get('elementFactory').createShape({ type: 'bpmn:UserTask' });
      modeling.createShape(task, { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 }, flow);
      const lane = modeling.addLane(reg.get('Lane_selection_round_2'), 'bottom');
      const t = reg.get(task.id), l = reg.get(lane.id);
      modeling.moveElements([t], { x: 0, y: (l.y + l.height / 2) - (t.y + t.height / 2) });
      m.get('selection').select(t);
      return { task: task.id, lane: lane.id };
    }""")
    # the properties panel is bpmn-io's (bpmn-js-properties-panel) with Peidai's provider, in Chinese
    panel = "#properties .bio-properties-panel"
    page.wait_for_selector(f"{panel} .bio-properties-panel-group-header-title:text-is('办理设置')")
    assert page.locator(f"{panel} .bio-properties-panel-group-header-title:text-is('常规')").count() == 1

    def applied(element_id, script):   # the panel's text fields apply after a short debounce
        page.wait_for_function("([id, script]) => { const bo = window.peidaiModeler.get('elementRegistry').get(id)"
                               ".businessObject; return new Function('bo', script)(bo); }", arg=[element_id, script])

    def props_of(element_id):
        return js(page, """id => { const bo = window.peidaiModeler.get('elementRegistry').get(id).businessObject;
          const ext = (bo.extensionElements && bo.extensionElements.values || []).find(v => v.$type === 'spiffworkflow:Properties');
          return Object.fromEntries((ext ? ext.properties : []).map(p => [p.name, p.value])); }""", element_id)

    page.fill("#bio-properties-panel-name", "公示")
    page.press("#bio-properties-panel-name", "Tab")
    page.select_option("#bio-properties-panel-peidai-form", "forms/notice.schema.json")
    page.fill("#bio-properties-panel-peidai-dueIn", "'P7D'")
    page.press("#bio-properties-panel-peidai-dueIn", "Tab")
    applied(ids["task"], "return bo.name === '公示'")
    page.wait_for_function("id => { const bo = window.peidaiModeler.get('elementRegistry').get(id).businessObject;"
                           " return JSON.stringify(bo.extensionElements || {}).includes('P7D'); }", arg=ids["task"])
    assert props_of(ids["task"]) == {"form": "forms/notice.schema.json", "dueIn": "'P7D'"}
    shots(page, "user-task-properties")
    js(page, "id => { const m = window.peidaiModeler; m.get('selection').select(m.get('elementRegistry').get(id)); }", ids["lane"])
    page.fill("#bio-properties-panel-name", "公示小组")
    page.press("#bio-properties-panel-name", "Tab")
    applied(ids["lane"], "return bo.name === '公示小组'")
    page.click("#save")
    problem = page.locator(f"#problems-box li[data-element='{ids['lane']}']")
    problem.wait_for()
    assert "公示小组" in problem.inner_text() and "没有对应的角色" in problem.inner_text()
    assert page.locator(f"[data-element-id='{ids['lane']}'].peidai-error").count() == 1  # marked on the diagram
    js(page, "id => window.peidaiModeler.get('canvas').scrollToElement(window.peidaiModeler.get('elementRegistry').get(id))", ids["task"])
    shots(page, "lane-without-role")

    # fixed: the lane is the talent section's (a click on the problem selects the lane), with the role picker
    problem.click()
    page.select_option("#bio-properties-panel-peidai-role", "人才科")
    applied(ids["lane"], "return bo.name === '人才科'")
    page.click("#save")
    page.wait_for_selector("#problem-count:has-text('校验通过')")
    assert page.locator(".peidai-error").count() == 0
    shots(page, "fixed")

    def select(element_id):
        js(page, "id => { const m = window.peidaiModeler; m.get('selection').select(m.get('elementRegistry').get(id)); }", element_id)

    # an existing step's due time changed in the panel: the draft's diff shows it (below)
    select("Task_SignList")
    assert page.input_value("#bio-properties-panel-peidai-dueIn") == "'P15D'"
    page.fill("#bio-properties-panel-peidai-dueIn", "'P20D'")
    page.press("#bio-properties-panel-peidai-dueIn", "Tab")
    page.wait_for_function("() => JSON.stringify(window.peidaiModeler.get('elementRegistry').get('Task_SignList')"
                           ".businessObject.extensionElements).includes('P20D')")
    # the start roles as a role picker on the process
    select("Participant_selection_round")
    assert page.locator("#bio-properties-panel-peidai-start-talent_section").is_checked()
    assert not page.locator("#bio-properties-panel-peidai-start-director").is_checked()

    # what else the engine reads, in the panel: timers (read in China time), service operations
    select("Timer_NextRound")
    assert page.input_value("#bio-properties-panel-timerEventDefinitionValue") == "next_round_at"
    assert page.locator("#bio-properties-panel-timerEventDefinitionType").count() == 1
    page.fill("#bio-properties-panel-timerEventDefinitionValue", "'2017-05-19T09:00:00+08:00'")
    page.wait_for_selector("#peidai-timer-local:text-is('即北京时间 2017年5月19日 09:00')")
    shots(page, "timer-china-time")
    page.fill("#bio-properties-panel-timerEventDefinitionValue", "next_round_at")
    page.press("#bio-properties-panel-timerEventDefinitionValue", "Tab")
    page.wait_for_selector("#peidai-timer-local:not(:has-text('北京时间 2017'))")
    select("Service_Appoint")
    assert page.input_value("#bio-properties-panel-peidai-operation") == "list/appoint"
    assert "nomination/register" in page.inner_text("#bio-properties-panel-peidai-operation")
    page.click("#save")
    page.wait_for_selector("#save-status:has-text('已保存')")
    shots(page, "service-task-panel")

    # dry run with the programme's simulator: nominations now wait at the notice step
    page.goto(draft_url)
    assert "新增" in page.locator(".diff").inner_text() and ids["task"] in page.locator(".diff").inner_text()
    signed = page.locator(".diff tr[data-element='Task_SignList']").inner_text()   # edited in the panel
    assert "'P15D'" in signed and "'P20D'" in signed
    shots(page, "draft-diff")
    page.select_option("select[name=mode]", "programme")
    page.fill("input[name=count]", "10")
    page.click("#run-dry-run")                       # the worker runs it; the page follows its progress
    page.wait_for_selector("#dry-run-job")
    page.wait_for_selector("#dry-run-report", timeout=180_000)
    assert "推荐人数" in page.inner_text("#dry-run-statistics") and page.locator("#dry-run-comparison").count() == 1
    assert ids["task"] in page.inner_text("#dry-run-new-paths")    # the path the change newly reaches
    page.click("#dry-run-elements summary")
    row = page.locator(f".dry-run-elements[data-process='selection_round'] tr[data-element='{ids['task']}']")
    shots(page, "dry-run")
    assert row.count() == 1 and int(row.locator("td").nth(2).inner_text() or 0) > 0  # the round waits there
    assert page.locator(f"#dry-run-unstaffed code:text-is('{ids['task']}')").count() == 0

    page.fill("#deploy input[name=comment]", "签批前增加公示环节")
    page.click("#deploy-button")
    page.wait_for_url("**/admin/versions")
    assert "已部署为版本 2" in page.inner_text(".alert")
    shots(page, "deployed")
    engine = system.engine
    assert engine.instance(round_iid)["version_id"] == 1
    # meanwhile the round (on version 1) closed, the committee recommended: the list is to be prepared
    nomination = submit(d, rid)
    close(d, rid)
    committee(d, nomination, ("agree",) * 3)
    assert [t["element_id"] for t in d.open_tasks(round_iid)] == ["Task_PrepareList"]

    # migration: preview, then move the round started before
    page.goto(server + "/admin/migrate?source=1&target=2")
    for box in page.locator("#migration-candidates input[name=instance]").all():
        if box.get_attribute("value") != str(round_iid):
            box.uncheck()
    page.click("#preview-button")
    page.wait_for_selector(f"tr[data-instance='{round_iid}'] .preview .tag")
    assert "可以迁移" in page.inner_text(f"tr[data-instance='{round_iid}'] .preview")
    page.fill("#migrate-form input[name=comment]", "纳入公示环节")
    page.click("#migrate-button")
    page.wait_for_selector("#migration-results")
    assert "已从版本 1 迁移到版本 2" in page.inner_text(f"#migration-results li[data-instance='{round_iid}']")
    shots(page, "migrated")
    assert engine.instance(round_iid)["version_id"] == 2

    # the round passes the new step once the list is prepared, then reaches the director's sign-off
    d.prepare_list(round_iid)
    notice = d.open_tasks(round_iid)
    assert [(t["element_id"], t["name"], t["role"]) for t in notice] == [(ids["task"], "公示", "talent_section")]
    d.complete(round_iid, ids["task"], {"notice_days": 7, "objection": "none", "notice_comment": "公示期满无异议"})
    assert [t["element_id"] for t in d.open_tasks(round_iid)] == ["Task_SignList"]

    page.goto(server + f"/admin/audit?instance={round_iid}")
    assert "纳入公示环节" in page.inner_text("#audit") and "迁移到新版本" in page.inner_text("#audit")
    shots(page, "audit")
    assert errors == []
    ctx.close()


def test_every_programme_model_survives_a_save_in_the_editors(browser, server, system, password_hash, shots):  # noqa: F811
    d = Driver(system)
    d.seed(experts_per_panel=3, password_hash=password_hash)
    d.deploy(PROJECT_ROOT / "bpmn")
    ctx, page, errors, draft_url = admin_on_new_draft(browser, server, (1400, 950))
    files = system.engine.version_files(1)
    for name in (n for n in sorted(files) if n.endswith(".json") and not n.startswith("i18n/")):   # the designer reads each form and writes it
        page.goto(f"{draft_url}/edit/{name}")                      # back as it was (nothing to save)
        page.wait_for_selector("html[data-peidai-ready]")
        assert page.input_value("#schema") == files[name], name
    models = [n for n in sorted(files) if n.endswith((".bpmn", ".dmn"))]
    for name in models:
        page.goto(f"{draft_url}/edit/{name}")
        page.wait_for_selector("html[data-peidai-ready]")
        page.click("#save")
        page.wait_for_selector("#save-status:has-text('已保存')")
        assert page.inner_text("#problem-count") == "校验通过", (name, page.inner_text("#problems-box"))
        if name == "eligibility.dmn":
            assert page.locator(".tjs-table").count() == 1  # the decision table, editable
            shots(page, "decision-table")
    from webapp.admin import drafts
    saved = drafts.get(system.engine, int(draft_url.rsplit("/", 1)[1]))
    assert saved["error_count"] == 0 and set(saved["files"]) == set(files)
    # the multi-instance collections SpiffWorkflow reads survive the modeler
    assert "<bpmn:loopDataInputRef>experts</bpmn:loopDataInputRef>" in saved["files"]["committee_review.bpmn"]
    assert errors == []
    ctx.close()


def login(browser, server, username, width=1440):
    ctx = browser.new_context(viewport={"width": width, "height": 1000}, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = ctx.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("form button[type=submit].btn-primary")
    page.wait_for_url("**/inbox")
    return ctx, page, errors


def drag_field(page, field_type: str) -> None:
    """Drag a field type from the designer's palette to the end of the form (the mouse, as a person would)."""
    source = page.locator(f".fjs-palette-field[data-field-type={field_type}]").bounding_box()
    last = page.locator(".fjs-editor-form-root .fjs-drag-row-move").last.bounding_box()
    page.mouse.move(source["x"] + source["width"] / 2, source["y"] + source["height"] / 2)
    page.mouse.down()
    page.mouse.move(source["x"] + 60, source["y"] + 20, steps=5)
    x, y = last["x"] + last["width"] / 2, last["y"] + last["height"] + 30
    page.mouse.move(x, y, steps=15)
    page.mouse.move(x + 3, y + 2, steps=3)
    page.mouse.up()


def open_group(page, title: str, entry: str) -> None:
    """Open a group of the designer's properties panel (unless open) so that ``entry`` shows."""
    if not page.locator(entry).is_visible():
        page.click(f".fjs-properties-container .bio-properties-panel-group-header:has-text('{title}')")
    page.wait_for_selector(entry)


def test_admin_adds_a_required_field_with_the_form_designer(browser, server, system, password_hash, shots):  # noqa: F811
    """The designer (form-js) adds a required field to the unit review form; the draft is deployed;
    the review of a nomination started afterwards shows the field, required."""
    d = Driver(system)
    d.seed(experts_per_panel=3, password_hash=password_hash)
    d.deploy(PROJECT_ROOT / "bpmn")
    rid = system.engine.instance_detail(d.open_round(2014))["data"]["round_id"]
    ctx, page, errors = login(browser, server, "admin")
    page.goto(server + "/admin/versions")
    page.click("#versions tr[data-version='1'] button:has-text('编辑')")
    page.wait_for_url("**/admin/drafts/*")
    draft_url = page.url
    page.click("#files tr:has-text('forms/unit_review.schema.json') a:has-text('编辑')")
    page.wait_for_selector("html[data-peidai-ready]")
    assert page.locator(".fjs-palette-field[data-field-type=textfield]").inner_text() == "单行文本"   # a Chinese palette
    assert page.locator(".fjs-palette-field[data-field-type=iframe]").is_hidden()                   # only what a task form renders

    drag_field(page, "textfield")
    page.wait_for_selector("#bio-properties-panel-key", state="attached")   # the new field is selected
    open_group(page, "常规", "#bio-properties-panel-key")
    page.click("#bio-properties-panel-label")
    page.keyboard.press("Control+A")
    page.keyboard.type("单位公章编号")
    page.fill("#bio-properties-panel-key", "seal_number")
    page.press("#bio-properties-panel-key", "Tab")
    open_group(page, "校验", "#bio-properties-panel-required")
    page.check("#bio-properties-panel-required")
    page.wait_for_selector("#preview label[for='f-seal_number'] .req")          # the task page's renderer, live
    schema = json.loads(page.input_value("#schema"))
    assert schema["properties"]["seal_number"] == {"title": "单位公章编号", "type": "string"}
    assert schema["required"] == ["unit_decision", "seal_number"]
    shots(page, "form-designer")
    page.click("#save")
    page.wait_for_selector("#save-status:has-text('已保存')")
    assert page.inner_text("#problem-count") == "校验通过"

    page.goto(draft_url)
    row = page.locator("tr.diff-added[data-element='seal_number']")   # the draft's comparison names it
    assert row.count() == 1 and "字段 seal_number「单位公章编号」" in row.inner_text()
    page.fill("#deploy input[name=comment]", "单位审核须填写公章编号")
    page.click("#deploy-button")
    page.wait_for_url("**/admin/versions")
    assert "已部署为版本 2" in page.inner_text(".alert")
    assert errors == []
    ctx.close()

    # a nomination started now reaches the unit review on version 2, with the new field, required
    iid = d.nominate(rid, "hongshan")
    d.complete(iid, "Task_Fill", sample_application())
    task = d.open_tasks(iid, "Task_UnitReview")[0]
    assert system.engine.instance(iid)["version_id"] == 2
    ctx, page, errors = login(browser, server, "hongshan_rev")
    page.goto(f"{server}/tasks/{task['id']}")
    label = page.locator("label[for='f-seal_number']")
    assert label.inner_text().replace("*", "").strip() == "单位公章编号" and label.locator(".req").count() == 1
    assert page.locator("input[name=seal_number]").count() == 1
    shots(page, "task-with-the-new-field")
    assert errors == []
    ctx.close()


def test_users_get_roles_and_scopes_with_pickers(browser, server, system, password_hash):  # noqa: F811
    """No typed codes: an existing user is picked, the scope picker of a role offers only its kind
    of scope (units for a unit reviewer, categories for an expert)."""
    Driver(system).seed(experts_per_panel=2, password_hash=password_hash)
    ctx, page, errors = login(browser, server, "admin")
    page.goto(server + "/admin/users")
    page.select_option("#pick-user", "hongshan_rev")
    assert page.input_value("#user-username") == "hongshan_rev"
    pairs = page.evaluate("() => [...document.querySelectorAll('#membership-rows .membership-row')]"
                          ".map(r => [r.querySelector('[name=role]').value, r.querySelector('[name=scope]').value])")
    assert pairs == [["unit_reviewer", "hongshan"]]
    page.click("#add-membership")
    row = page.locator("#membership-rows .membership-row").last
    row.locator("select[name=role]").select_option("expert")
    offered = page.evaluate("() => [...document.querySelectorAll('#membership-rows .membership-row:last-child optgroup')]"
                            ".filter(g => !g.hidden).map(g => g.label)")
    assert offered == ["评审类别"]
    row.locator("select[name=scope]").select_option("rural")
    page.click("#save-user")
    page.wait_for_selector(".alert")
    assert "已保存用户 hongshan_rev" in page.inner_text(".alert")
    assert system.engine.actor_for("hongshan_rev").memberships == frozenset({("unit_reviewer", "hongshan"), ("expert", "rural")})
    assert errors == []
    ctx.close()
