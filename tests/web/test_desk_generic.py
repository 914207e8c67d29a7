"""The reviewer's desk on the engine's fixture process (``approval``: fill → unit review →
experts → yearly confirmations): what does not depend on the programme's models — drafts per
user, confidential committee steps (pages and timeline), read-only pages in words, the verbs of
the timeline, the bell and the responsive layout's markup."""
from __future__ import annotations

import html
import re

from sqlalchemy import select

from engine.tables import OutboxMessage

EXPERTS = ["expert1", "expert2", "expert3"]


def text_of(r) -> str:
    page = html.unescape(r.get_data(as_text=True))
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def at_experts(flow, engine, people):
    iid = flow.at_review()
    engine.complete_task(flow.task(iid, "Task_Review")["id"], {"decision": "approve"}, people["reviewer"], comment="同意推荐")
    return iid


def test_a_draft_is_kept_per_user_and_can_be_discarded(auth, client, flow, engine, people):
    iid = flow.at_review()
    review = flow.task(iid, "Task_Review")["id"]
    auth.login("reviewer")
    auth.post(f"/tasks/{review}/claim")
    r = auth.post(f"/tasks/{review}", {"_action": "_draft", "comment": "初步意见：材料齐全"})
    assert r.status_code == 302
    page = client.get(f"/tasks/{review}").get_data(as_text=True)
    assert "初步意见：材料齐全" in page and "暂存的内容" in page
    assert flow.task(iid, "Task_Review")["state"] == "open"          # nothing was submitted
    auth.post(f"/tasks/{review}/unclaim")
    auth.logout()
    auth.login("reviewer2")                                            # another reviewer of the unit
    auth.post(f"/tasks/{review}/claim")
    assert "初步意见：材料齐全" not in client.get(f"/tasks/{review}").get_data(as_text=True)
    auth.post(f"/tasks/{review}/unclaim")
    auth.logout()
    auth.login("reviewer")
    auth.post(f"/tasks/{review}/claim")
    assert auth.post(f"/tasks/{review}/draft/discard").status_code == 302
    assert "初步意见：材料齐全" not in client.get(f"/tasks/{review}").get_data(as_text=True)


def test_a_done_step_reads_in_words(auth, client, flow, engine, people):
    iid = at_experts(flow, engine, people)
    review = flow.task(iid, "Task_Review", "completed")["id"]
    auth.login("reviewer")
    text = text_of(client.get(f"/tasks/{review}"))
    assert "结论： 同意" in text or "结论：同意" in text
    assert "approve" not in text and "False" not in text and "None" not in text
    fill = flow.task(iid, "Task_Fill", "completed")["id"]
    auth.logout()
    auth.login("submitter")
    text = text_of(client.get(f"/tasks/{fill}"))
    assert "姓名" in text and "张三" in text and "单位 未填写" in text


def test_the_review_page_shows_the_filled_form_above_the_decision(auth, client, flow):
    iid = flow.at_review()
    review = flow.task(iid, "Task_Review")["id"]
    auth.login("reviewer")
    text = text_of(client.get(f"/tasks/{review}"))
    step = text.index("填写申请")
    assert step < text.index("张三", step) < text.index("审批意见")


def test_committee_steps_are_blind_before_voting_and_secret_from_the_unit(auth, client, flow, engine, people):
    iid = at_experts(flow, engine, people)
    tasks = {t["assignee"]: t for t in [flow.task(iid, "Task_Experts")] + _open(engine, iid, "Task_Experts")}
    assert set(tasks) == set(EXPERTS)
    engine.complete_task(tasks["expert2"]["id"], {"opinion": "no"}, people["expert2"], comment="业绩一般，暂不推荐")
    auth.login("expert1")
    assert client.get(f"/tasks/{tasks['expert2']['id']}").status_code == 404        # not before voting
    own = text_of(client.get(f"/tasks/{tasks['expert1']['id']}"))
    assert "吴专家" not in own and "业绩一般" not in own and "张三" in own
    inst = text_of(client.get(f"/instances/{iid}"))
    assert "吴专家" not in inst and "业绩一般" not in inst
    engine.complete_task(tasks["expert1"]["id"], {"opinion": "yes"}, people["expert1"])
    assert client.get(f"/tasks/{tasks['expert2']['id']}").status_code == 200        # after voting
    auth.logout()

    auth.login("submitter")                                                            # the unit: never
    assert client.get(f"/tasks/{tasks['expert2']['id']}").status_code == 404
    inst = text_of(client.get(f"/instances/{iid}"))
    for name in ("周专家", "吴专家", "郑专家", "expert1", "expert2", "expert3", "业绩一般"):
        assert name not in inst, name
    assert "评审专家" in inst and "评审委员会" in inst
    auth.logout()
    auth.login("section")                                                              # the talent section: all
    inst = text_of(client.get(f"/instances/{iid}"))
    assert "吴专家" in inst and "业绩一般" in inst


def test_a_committee_step_goes_only_to_an_expert_off_the_panel(auth, client, flow, engine, people, add_user):
    add_user("expert4", ("expert", "professional"))
    iid = at_experts(flow, engine, people)
    mine = next(t for t in [flow.task(iid, "Task_Experts")] + _open(engine, iid, "Task_Experts") if t["assignee"] == "expert1")
    auth.login("expert1")
    page = client.get(f"/tasks/{mine['id']}").get_data(as_text=True)
    options = re.findall(r'<option value="([^"]+)"', page.split('id="transfer-to"')[1].split("</select>")[0])
    assert options == ["expert4"]
    auth.post(f"/tasks/{mine['id']}/transfer", {"username": "expert2", "comment": "回避"})
    assert next(t for t in _open(engine, iid, "Task_Experts") if t["id"] == mine["id"])["assignee"] == "expert1"
    auth.post(f"/tasks/{mine['id']}/transfer", {"username": "expert4", "comment": "回避"})
    assert next(t for t in _open(engine, iid, "Task_Experts") if t["id"] == mine["id"])["assignee"] == "expert4"


def _open(engine, iid, element):
    from engine.queries import instance_tasks
    return [t for t in instance_tasks(engine, iid) if t["element_id"] == element and t["state"] == "open"]


def test_the_timeline_says_what_each_decision_was(auth, client, flow, engine, people):
    iid = flow.at_review()
    engine.complete_task(flow.task(iid, "Task_Review")["id"], {"decision": "return"}, people["reviewer"], comment="补充材料")
    engine.complete_task(flow.task(iid, "Task_Fill")["id"], {"name": "张三"}, people["submitter"])
    engine.complete_task(flow.task(iid, "Task_Review")["id"], {"decision": "reject"}, people["reviewer"], comment="不符合")
    auth.login("submitter")
    timeline = text_of(client.get(f"/instances/{iid}")).split("办理记录")[-1]
    assert "退回修改" in timeline and "不予推荐" in timeline and "补充材料" in timeline
    assert "提交办理 · 单位审核" not in timeline


def test_a_message_about_a_new_task_opens_that_task(auth, client, flow, system):
    iid = flow.at_review()
    with system.engine.sessions() as s:
        ids = list(s.scalars(select(OutboxMessage.id).where(OutboxMessage.topic == "notify")))
    for mid in ids:
        system.engine.outbox.deliver(mid, system)
    auth.login("reviewer")
    page = client.get("/messages/").get_data(as_text=True)
    mid = re.search(r'href="/messages/(\d+)"', page).group(1)
    r = client.get(f"/messages/{mid}")
    review = flow.task(iid, "Task_Review")["id"]
    assert r.status_code == 302
    follow = client.get(r.headers["Location"])
    assert follow.status_code == 302 and follow.headers["Location"].endswith(f"/tasks/{review}")
    assert client.get("/tasks/u/not-a-uuid").status_code == 404


def test_every_page_has_the_menu_button_the_bell_and_no_inline_script(auth, client, flow):
    iid = flow.at_review()
    auth.login("reviewer")
    for url in ("/inbox", f"/instances/{iid}", f"/tasks/{flow.task(iid, 'Task_Review')['id']}", "/messages/"):
        page = client.get(url).get_data(as_text=True)
        assert 'id="menu-button"' in page and 'aria-controls="sidenav"' in page, url
        assert 'id="bell"' in page and "/static/js/app.js" in page, url
        assert not re.search(r"<script(?![^>]*\bsrc=)", page), url
