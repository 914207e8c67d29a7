"""The reviewer's desk (issue 12) on the programme's real models: decision pages with the case in
view, returns that go home, confidential review, 暂存 and 撤回 that keep what was written, lists
that name things, the timeline's verbs and the message centre."""
from __future__ import annotations

import html
import re
from datetime import datetime

import pytest
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from engine.queries import inbox
from engine.tables import HumanTask, OutboxMessage
from peidai.settings import PROJECT_ROOT
from tests.web.conftest import PASSWORD, csrf_from
from workflows.driver import Driver, sample_application

_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
# stored codes that must never be what a page says (the words of the forms and labels instead)
RAW = re.compile(r"(?<![A-Za-z_./-])(submit|withdraw|approve|professional|skilled|master|senior|qualified|unqualified|"
                 r"agree|disagree|abstain|in_review|recommended|lecture|bus_card|pending|active|False|True|None)(?![A-Za-z_])")


def cst(text):
    return datetime.fromisoformat(text + "+08:00")


@pytest.fixture
def d(system):
    d = Driver(system)
    d.seed(experts_per_panel=3, password_hash=lambda _u: _HASH)
    d.deploy(PROJECT_ROOT / "bpmn")
    d.round_id = d.engine.instance_detail(d.open_round(2014))["data"]["round_id"]
    return d


@pytest.fixture
def app(system, d):
    from webapp import create_app
    return create_app(system, TESTING=True)


class User:
    """One browser-less session of ``username``."""

    def __init__(self, app, username):
        self.client = app.test_client()
        self.token = csrf_from(self.client.get("/login").get_data(as_text=True))
        r = self.client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": self.token})
        assert r.status_code == 302, r.get_data(as_text=True)[:400]
        self.token = csrf_from(self.client.get("/inbox").get_data(as_text=True))

    def get(self, url, status=200):
        r = self.client.get(url)
        assert r.status_code == status, (url, r.status_code)
        return html.unescape(r.get_data(as_text=True))

    def post(self, url, data=None, **kw):
        return self.client.post(url, data={"csrf_token": self.token, **(data or {})}, **kw)


def url_for_lang() -> str:
    return "/lang"


def visible(page: str) -> str:
    """The text a reader sees: no tags, scripts, styles or attribute values."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def open_task(d, element, title_part=None):
    """The first open task ``element`` of any instance (whose title names ``title_part``)."""
    with d.engine.sessions() as s:
        q = select(HumanTask).where(HumanTask.state == "open", HumanTask.element_id == element).order_by(HumanTask.id)
        rows = [{c.key: getattr(r, c.key) for c in HumanTask.__table__.columns} for r in s.scalars(q)]
    rows = [r for r in rows if title_part is None or title_part in r["title"]]
    assert rows, f"no open {element}"
    return rows[0]


def nominate(d, name="张伟", unit="hongshan", **app):
    iid = d.nominate(d.round_id, unit)
    d.complete(iid, "Task_Fill", sample_application(name, **app))
    return iid


def to_committee(d, name="张伟"):
    iid = nominate(d, name)
    d.complete(iid, "Task_UnitReview", {"unit_decision": "approve", "conditions_attested": True, "comment": "同意推荐"})
    d.fire(cst("2014-07-01T09:00"))
    return iid


def vote_all(d, name="张伟", votes=("agree", "agree", "disagree")):
    """Every expert of the panel votes (those who have not yet)."""
    comments = {"agree": ["成果突出", "带教经验丰富"], "disagree": ["材料不够充分"], "abstain": ["回避"]}
    for vote in votes:
        open_ = [t for t in _all_open(d, "Task_ExpertReview") if name in t["title"]]
        if not open_:
            return
        task = open_[0]
        comment = comments[vote].pop(0) if comments[vote] else "同意"
        d.engine.complete_task(task["id"], {"opinion": {"vote": vote, "score": 90 if vote == "agree" else 60,
                                                        "comment": comment}}, d.actor(task["assignee"]))


def sign_off_task(d):
    """The director's sign-off of the candidate: its own step, or the round's list once the
    talent section has prepared it."""
    found = _all_open(d, "Task_SignOff")
    if found:
        return found[0]
    prepare = _all_open(d, "Task_PrepareList")
    if prepare:
        d.engine.complete_task(prepare[0]["id"], {}, d.actor("section"))
    return open_task(d, "Task_SignList")


def deliver_notifications(system) -> int:
    with system.engine.sessions() as s:
        ids = list(s.scalars(select(OutboxMessage.id).where(OutboxMessage.topic == "notify", OutboxMessage.status == "pending")))
    for mid in ids:
        system.engine.outbox.deliver(mid, system)
    return len(ids)


# ---------------------------------------------------------------- 1. the case in view


def test_the_unit_reviewer_decides_with_the_whole_application_in_words(app, d):
    nominate(d, exceptional=False, programmes=["赤峰市“玉龙人才”工程"])
    task = open_task(d, "Task_UnitReview")
    page = User(app, "hongshan_rev").get(f"/tasks/{task['id']}")
    text = visible(page)
    assert text.index("赤峰市人才培带人推荐申报表（附件2）") < text.index("同意推荐")  # the application above the decision
    for label, words in [("姓名", "张伟"), ("人才类型", "优秀专业技术人才"), ("最高学位/学历层次", "硕士"),
                         ("专业技术职称", "正高级"), ("特别优秀，申请不受年龄限制（破格）", "否"),
                         ("入选人才工程及荣誉", "赤峰市“玉龙人才”工程"), ("身份证号", "未填写")]:
        assert label in text and words in text, label
    assert "符合推荐条件" in text                          # the eligibility result beside it
    assert "办理经过" in text and "提交申报" in text          # the unit's history of this case
    assert not RAW.findall(text), RAW.findall(text)
    # the decision is made with buttons, the positive one first
    buttons = re.findall(r'name="_action" value="(\w+)"', page)
    assert buttons[:3] == ["approve", "return", "reject"] and "_draft" in buttons


def test_the_applicant_form_marks_required_fields_and_decides_with_buttons(app, d):
    iid = d.nominate(d.round_id, "hongshan")
    task = d.open_tasks(iid, "Task_Fill")[0]
    page = User(app, "hongshan_sub").get(f"/tasks/{task['id']}")
    assert 'name="action"' not in page                     # no radio list for 提交/撤回
    assert re.search(r'<span class="req"[^>]*>\*</span>姓名', page)    # required when submitting
    assert re.search(r'<span class="req"[^>]*>\*</span>推荐理由', page)
    assert not re.search(r'<span class="req"[^>]*>\*</span>民族', page)
    assert re.search(r'value="submit" class="btn btn-primary"[^>]*>提交审核', page)
    assert re.search(r'value="withdraw" class="btn btn-warning"\s+data-confirm="[^"]+"', page)


# ---------------------------------------------------------------- 2. returns go home


def test_an_ineligible_submission_comes_straight_back_with_its_reasons(app, d):
    iid = d.nominate(d.round_id, "hongshan")
    task = d.open_tasks(iid, "Task_Fill")[0]
    sub = User(app, "hongshan_sub")
    form = {k: v for k, v in sample_application("郑丽", birth_date="1950-02-01").items()
            if isinstance(v, str) and k != "action"}
    r = sub.post(f"/tasks/{task['id']}", {**form, "_action": "submit"})
    again = d.open_tasks(iid, "Task_Fill")[0]
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/tasks/{again['id']}")
    page = visible(sub.get(r.headers["Location"]))
    assert "未通过资格审查" in page and "超过55岁" in page
    assert again["id"] in {t["id"] for t in inbox(d.engine, d.actor("hongshan_sub"), "todo")[0]}  # in 我的待办
    assert "郑丽" in page                                   # what was written is still in the form
    done = sub.get("/inbox?box=done")                       # 已办 says it came back, and leads to it
    assert re.search(rf'href="/tasks/{again["id"]}">已退回，待您重新办理', done)


def test_a_returned_nomination_shows_the_opinion_at_the_top_of_the_form(app, d):
    iid = nominate(d)
    d.complete(iid, "Task_UnitReview", {"unit_decision": "return", "comment": "请补充获奖证书复印件"})
    again = d.open_tasks(iid, "Task_Fill")[0]
    assert again["assignee"] == "hongshan_sub"               # home: to whoever submitted it, not the unit's queue
    assert again["id"] in {t["id"] for t in inbox(d.engine, d.actor("hongshan_sub"), "todo")[0]}
    sub = User(app, "hongshan_sub")
    page = visible(sub.get(f"/tasks/{again['id']}"))
    assert page.index("退回意见") < page.index("赤峰市人才培带人推荐申报表（附件2）")
    assert "请补充获奖证书复印件" in page and "退回修改" in page


# ---------------------------------------------------------------- 6. confidential review


def test_experts_vote_blind_and_the_unit_never_sees_names_votes_or_comments(app, d):
    iid = to_committee(d)
    first = open_task(d, "Task_ExpertReview", "张伟")
    experts = sorted({t["assignee"] for t in [first]} | {r["assignee"] for r in _all_open(d, "Task_ExpertReview")})
    assert len(experts) == 3
    one, two = experts[0], experts[1]
    task_two = next(r for r in _all_open(d, "Task_ExpertReview") if r["assignee"] == two)
    d.engine.complete_task(task_two["id"], {"opinion": {"vote": "disagree", "score": 67, "comment": "成果不足以入选"}},
                           d.actor(two))
    expert = User(app, one)
    expert.get(f"/tasks/{task_two['id']}", status=404)      # another expert's opinion, before voting
    mine = next(r for r in _all_open(d, "Task_ExpertReview") if r["assignee"] == one)
    page = visible(expert.get(f"/tasks/{mine['id']}"))
    assert "赤峰市人才培带人推荐申报表（附件2）" in page and "张伟" in page   # the application in view
    names = {u: n for u, n in _display_names(d, experts).items()}
    assert names[two] not in page and "成果不足以入选" not in page and "（不同意）" not in page and "67" not in page
    # transfer: only experts of the category who are not on this panel
    assert not [u for u in experts if f'value="{u}"' in expert.get(f"/tasks/{mine['id']}") and u != one]
    r = expert.post(f"/tasks/{mine['id']}/transfer", {"username": two, "comment": "回避"})
    assert r.status_code == 302
    assert next(r for r in _all_open(d, "Task_ExpertReview") if r["id"] == mine["id"])["assignee"] == one

    vote_all(d)
    for username in ("hongshan_sub", "hongshan_rev"):
        unit = User(app, username)
        page = visible(unit.get(f"/instances/{iid}"))
        assert "评审委员会" in page and "评审结论" in page
        for u in experts:
            assert names[u] not in page and u not in page
        assert "成果不足以入选" not in page and "材料不够充分" not in page
    section = visible(User(app, "section").get(f"/instances/{iid}"))
    assert names[two] in section and "成果不足以入选" in section


def _all_open(d, element):
    with d.engine.sessions() as s:
        return [{c.key: getattr(r, c.key) for c in HumanTask.__table__.columns}
                for r in s.scalars(select(HumanTask).where(HumanTask.state == "open", HumanTask.element_id == element))]


def _display_names(d, usernames):
    from webapp.users import display_names
    return display_names(d.engine, usernames)


def test_the_director_signs_off_with_the_application_and_the_committee_tally(app, d):
    to_committee(d)
    vote_all(d)
    task = sign_off_task(d)
    director = User(app, "director")
    if task["assignee"] is None:
        director.post(f"/tasks/{task['id']}/claim")
    page = director.get(f"/tasks/{task['id']}")
    text = visible(page)
    decision = text.index(re.search(r"领导小组办公室主任签批|签批推荐名单", text).group(0), text.index("张伟"))
    assert text.index("赤峰市医院 主任医师") < decision and text.index("优秀专业技术人才") < decision  # the application
    assert re.search(r"同意\s*2\s*·\s*不同意\s*1", text)                   # the tally
    assert "成果突出" in text and "材料不够充分" in text                        # the opinions, with the experts' names
    assert "专业技术人才评审专家" in text
    assert not RAW.findall(text), RAW.findall(text)


# ---------------------------------------------------------------- 8. forms people can finish


def test_a_draft_is_kept_outside_the_workflow_and_comes_back(app, d):
    iid = d.nominate(d.round_id, "hongshan")
    task = d.open_tasks(iid, "Task_Fill")[0]
    sub = User(app, "hongshan_sub")
    r = sub.post(f"/tasks/{task['id']}", {"name": "李明", "achievements": "主持课题三项", "_action": "_draft"})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/tasks/{task['id']}")
    assert "name" not in d.engine.task_data(task["id"], d.actor("hongshan_sub"))      # not in the workflow
    page = sub.get(f"/tasks/{task['id']}")
    assert 'value="李明"' in page and "主持课题三项" in page and "暂存的内容" in page
    assert d.open_tasks(iid, "Task_Fill")[0]["state"] == "open"
    form = {k: v for k, v in sample_application("李明").items() if isinstance(v, str) and k != "action"}
    assert sub.post(f"/tasks/{task['id']}", {**form, "_action": "submit"}).status_code == 302
    from webapp import drafts
    assert drafts.load(d.engine, task["id"], "hongshan_sub") is None                 # done: the draft is gone


def test_withdraw_keeps_what_was_submitted(app, d):
    iid = d.nominate(d.round_id, "hongshan")
    task = d.open_tasks(iid, "Task_Fill")[0]
    sub = User(app, "hongshan_sub")
    form = {k: v for k, v in sample_application("王芳", awards="自治区科技进步奖").items() if isinstance(v, str) and k != "action"}
    assert sub.post(f"/tasks/{task['id']}", {**form, "_action": "submit"}).status_code == 302
    r = sub.post(f"/tasks/{task['id']}/withdraw", {"comment": "补充材料"})
    assert r.status_code == 302
    page = sub.get(f"/tasks/{task['id']}")
    assert 'value="王芳"' in page and "自治区科技进步奖" in page and "撤回前提交的内容" in page


def test_the_upload_page_and_its_task_link_both_ways(app, d):
    iid = nominate(d)
    task = open_task(d, "Task_UnitReview")
    rev = User(app, "hongshan_rev")
    page = rev.get(f"/tasks/{task['id']}")
    nomination_id = d.engine.instance_detail(iid)["data"]["nomination_id"]
    assert f"/documents/nominations/{nomination_id}/uploads" in page
    uploads = rev.get(f"/documents/nominations/{nomination_id}/uploads")
    assert f"/tasks/for-nomination/{nomination_id}" in uploads
    assert 'data-max-bytes="' in User(app, "hongshan_sub").get(f"/documents/nominations/{nomination_id}/uploads")
    r = rev.client.get(f"/tasks/for-nomination/{nomination_id}")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/tasks/{task['id']}")


def test_an_oversized_request_gets_a_chinese_page(app, d):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    sub = User(app, "hongshan_sub")
    r = sub.post("/messages/read-all", {"big": "x" * 4096})
    assert r.status_code == 413
    text = visible(r.get_data(as_text=True))
    assert "上传的文件过大" in text and "压缩" in text
    assert 'name="upload-max-bytes" content="1024"' in sub.get("/inbox")           # the page checks before it sends


# ---------------------------------------------------------------- 4, 7. Chinese, lists that name things


def test_the_timeline_speaks_the_verbs_of_approval(app, d):
    iid = nominate(d)
    d.complete(iid, "Task_UnitReview", {"unit_decision": "return", "comment": "补充材料"})
    d.complete(iid, "Task_Fill", sample_application("张伟"))
    d.complete(iid, "Task_UnitReview", {"unit_decision": "approve", "conditions_attested": True})
    page = visible(User(app, "section").get(f"/instances/{iid}"))
    timeline = page.split("办理记录")[-1]
    assert "提交申报" in timeline and "退回修改" in timeline and "审核通过" in timeline
    assert "提交办理" not in timeline


def test_started_lists_name_the_candidate_round_step_and_outcome(app, d):
    nominate(d, "张伟")
    nominate(d, "李秀兰", unit="hongshan")
    sub = User(app, "hongshan_sub")
    text = visible(sub.get("/inbox?box=started"))
    assert "张伟" in text and "李秀兰" in text and "2014年度" in text and "单位审核" in text and "未报送" in text
    found = visible(sub.get("/inbox?box=started&q=李秀"))
    assert "李秀兰" in found and "张伟" not in found
    rev = User(app, "hongshan_rev")
    assert "张伟" not in visible(rev.get("/inbox?box=todo&q=李秀")).split("姓名/事项")[-1]
    assert "李秀兰" in visible(rev.get("/inbox?box=todo&q=李秀"))   # the unit's only reviewer: assigned at once


def test_english_pages_of_the_desk_are_in_english(app, d):
    to_committee(d)
    task = open_task(d, "Task_ExpertReview", "张伟")
    expert = User(app, task["assignee"])
    expert.post(url_for_lang(), {"lang": "en", "next": "/inbox"})
    page = visible(expert.get(f"/tasks/{task['id']}"))
    for word in ("Save draft", "Committee", "History", "Messages"):
        assert word in page, word
    for word in ("暂存", "办理经过", "评审委员会", "消息中心", "我的待办", "评审专家的姓名"):
        assert word not in page, word
    messages = visible(expert.get("/messages/"))
    assert "Messages" in messages and "消息中心" not in messages


# ---------------------------------------------------------------- 5. 消息中心


def test_the_bell_counts_unread_messages_that_link_to_their_task(app, d):
    iid = nominate(d)
    d.complete(iid, "Task_UnitReview", {"unit_decision": "return", "comment": "请补充材料"})
    assert deliver_notifications(d.system)
    sub = User(app, "hongshan_sub")
    page = sub.get("/inbox")
    count = int(re.search(r'class="badge bell-count">(\d+)<', page).group(1))
    assert count >= 1
    messages = sub.get("/messages/")
    assert "退回修改：张伟" in messages and "请补充材料" in messages
    mid = int(re.search(r'id="message-(\d+)"', messages).group(1))
    r = sub.client.get(f"/messages/{mid}")
    assert r.status_code == 302 and "/tasks/" in r.headers["Location"]
    after = int((re.search(r'class="badge bell-count">(\d+)<', sub.get("/inbox")) or [0, 0])[1] if
                re.search(r'class="badge bell-count">(\d+)<', sub.get("/inbox")) else 0)
    assert after == count - 1
    sub.post("/messages/read-all")
    assert "bell-count" not in sub.get("/inbox")
    User(app, "hongshan_rev").get(f"/messages/{mid}", status=404)       # another user's message


def test_a_mentor_s_five_training_plans_each_name_their_mentee(app, d):
    from tests.programme.conftest import agree_mentoring, close, committee, sign, submit
    from workflows.tables import Mentorship

    iid = submit(d, d.round_id)
    close(d, d.round_id)
    committee(d, iid, votes=("agree",) * 3)
    sign(d, d.round_id)
    with d.engine.sessions() as s:
        ship = s.scalar(select(Mentorship).order_by(Mentorship.id))
        mentoring, mentor = ship.instance_id, f"mentor{ship.mentor_id}"
    agree_mentoring(d, mentoring, mentor_user=mentor)
    titles = sorted(t["title"] for t in d.open_tasks(mentoring, "Task_TrainingPlan"))
    assert titles == [f"张伟：学员{i}的培养计划" for i in range(1, 6)]
    rows, _ = inbox(d.engine, d.actor(mentor), "todo", q="学员3")   # the mentor's own steps: assigned at once
    assert [r["title"] for r in rows] == ["张伟：学员3的培养计划"]          # found by the mentee's name


def test_uploaded_copies_are_previewed_on_the_reviewer_s_page(app, d, tmp_path):
    from io import BytesIO

    from PIL import Image

    iid = d.nominate(d.round_id, "hongshan")
    nomination_id = d.engine.instance_detail(iid)["data"]["nomination_id"]
    sub = User(app, "hongshan_sub")
    for name, fmt, category in (("学位证书.png", "PNG", "degree"), ("获奖证书.pdf", "PDF", "award")):
        buf = BytesIO()
        Image.new("RGB", (400, 280), "white").save(buf, fmt)
        r = sub.post(f"/documents/nominations/{nomination_id}/uploads",
                     {"category": category, "file": (BytesIO(buf.getvalue()), name)}, content_type="multipart/form-data")
        assert r.status_code == 302, r.get_data(as_text=True)[:300]
    d.complete(iid, "Task_Fill", sample_application("张伟"))
    task = open_task(d, "Task_UnitReview")
    page = User(app, "hongshan_rev").get(f"/tasks/{task['id']}")
    img = re.search(r'<img src="(/documents/uploads/\d+\?inline=1)" alt="学位证书.png"', page)
    frame = re.search(r'<iframe src="(/documents/uploads/\d+\?inline=1)" title="获奖证书.pdf"', page)
    assert img and frame
    rev = User(app, "hongshan_rev")
    shown = rev.client.get(frame.group(1))
    assert shown.status_code == 200 and shown.headers["X-Frame-Options"] == "SAMEORIGIN"   # framed by this site only
    assert "frame-ancestors 'self'" in shown.headers["Content-Security-Policy"]
    download = rev.client.get(frame.group(1).split("?")[0])
    assert download.headers["X-Frame-Options"] == "DENY"


def test_the_task_link_of_the_upload_page_never_ends_in_a_404_for_its_readers(app, d):
    """Outside check: the unit's reviewer reads the uploads of a draft of the unit, but the draft's
    process is the submitter's; 返回办理页面 answered 404. It goes to 我的待办 now; someone who may
    not read the nomination still gets 404."""
    iid = d.nominate(d.round_id, "hongshan")
    nomination_id = d.engine.instance_detail(iid)["data"]["nomination_id"]
    rev = User(app, "hongshan_rev")
    assert f"/tasks/for-nomination/{nomination_id}" in rev.get(f"/documents/nominations/{nomination_id}/uploads")
    r = rev.client.get(f"/tasks/for-nomination/{nomination_id}")
    assert r.status_code == 302 and r.headers["Location"].endswith("/inbox"), r.headers.get("Location")
    assert User(app, "songshan_rev").client.get(f"/tasks/for-nomination/{nomination_id}").status_code == 404
