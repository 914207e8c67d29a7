"""A client from the document alone, through /api/v1 only: a unit withdraws a returned nomination,
the nominee list (附件1) is downloaded as the units sent it, and the director strikes a candidate
off the list before signing it: the struck candidate is declined with the reason, the others are
appointed. Wrong and hostile sign-offs are refused and change nothing."""
from __future__ import annotations

import io

from openpyxl import load_workbook

from .test_api_client import PASSWORD, DocClient, application, only, programme_app  # noqa: F401 (fixture)

USERS = ("section", "director", "admin", "hongshan_sub", "hongshan_rev", "songshan_rev",
         "expert_professional_1", "expert_professional_2", "expert_professional_3")


def open_tasks(client) -> list[dict]:
    return client.call("listTasks", box="todo", expect=200)["items"] + client.call("listTasks", box="group", expect=200)["items"]


def nominate(sub, rev, round_id: int, name: str) -> dict:
    nom = sub.call("startNomination", {"round_id": round_id, "unit_id": "hongshan"}, expect=201)
    done = sub.call("completeTask", {"decision": "submit", "data": application(name)}, task_id=nom["task_id"], expect=200)
    assert done["status"] == "forwarded", done
    return nom | {"review_id": done["next_steps"][0]["id"]}


def sheet_text(data: bytes) -> str:
    book = load_workbook(io.BytesIO(data), read_only=True)
    return "\n".join(str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if c)


def test_a_withdrawal_the_nominee_list_and_a_candidate_struck_off_before_sign_off(programme_app):
    api = DocClient(programme_app.test_client())
    c = {u: api.as_(api.call("createToken", {"username": u, "password": PASSWORD}, expect=201)["token"]) for u in USERS}
    sub, rev, section, director = c["hongshan_sub"], c["hongshan_rev"], c["section"], c["director"]
    round_id = section.call("openRound", {"year": 2014, "experts_per_panel": 3}, expect=201)["round_id"]

    # ---------------------------------------------------------------- three nominations; one returned, then withdrawn
    kept = nominate(sub, rev, round_id, "张伟")
    struck = nominate(sub, rev, round_id, "王芳")
    gone = nominate(sub, rev, round_id, "李强")
    for nom in (kept, struck):
        done = rev.call("completeTask", {"decision": "approve", "comment": "同意推荐", "data": {"conditions_attested": True}},
                        task_id=nom["review_id"], expect=200)
        assert done["result"] == "submitted", done
    done = rev.call("completeTask", {"decision": "return", "comment": "请补充获奖证书"}, task_id=gone["review_id"], expect=200)
    assert done["status"] == "returned"
    refill = done["next_steps"][0]["id"]
    assert "withdraw" in sub.call("getTask", task_id=refill, expect=200)["decisions"]
    done = sub.call("completeTask", {"decision": "withdraw", "comment": "本人申请撤回"}, task_id=refill, expect=200)
    assert (done["status"], done["result"], done["decision"]) == ("completed", "withdrawn", "withdraw"), done
    detail = rev.call("getNomination", nomination_id=gone["nomination_id"], expect=200)
    assert (detail["status"], detail["result"], detail["current_steps"]) == ("withdrawn", "withdrawn", [])
    history = rev.call("getNominationHistory", nomination_id=gone["nomination_id"], expect=200)["items"]
    assert [(e["decision"], e["comment"]) for e in history if e["decision"] in ("return", "withdraw")] == \
        [("return", "请补充获奖证书"), ("withdraw", "本人申请撤回")]
    assert rev.call("getInstance", instance_id=gone["instance_id"], expect=200)["result"] == "withdrawn"
    board = {r["unit_id"]: r for r in section.call("getRoundBoard", round_id=round_id, expect=200)["units"]}["hongshan"]
    assert (board["total"], board["submitted"], board["ended"]) == (3, 2, 1)

    # ---------------------------------------------------------------- the nominee list (附件1), as the units sent it
    docs = sub.call("listDocuments", expect=200)["items"]
    assert any(d["kind"] == "nominee_list" for d in docs), docs
    sheet = rev.call("nomineeListDocument", round_id=round_id, format="xlsx", unit_id="hongshan", expect=200)
    assert sheet.mimetype.endswith("spreadsheetml.sheet")
    text = sheet_text(sheet.data)
    assert "张伟" in text and "王芳" in text and "李强" not in text                 # the withdrawn one is not listed
    pdf = section.call("nomineeListDocument", round_id=round_id, expect=200)
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    rev.call("nomineeListDocument", round_id=round_id, unit_id="songshan", expect=404)    # another unit's list
    c["songshan_rev"].call("nomineeListDocument", round_id=round_id, unit_id="hongshan", expect=404)
    rev.call("nomineeListDocument", round_id=round_id, format="docx", expect=422)
    rev.call("nomineeListDocument", round_id=round_id, sort="name", expect=422)

    # ---------------------------------------------------------------- deadline, committee
    c["admin"].call("moveClock", {"to": "2014-07-01T09:00:00+08:00"}, expect=200)
    for i in (1, 2, 3):
        expert = c[f"expert_professional_{i}"]
        votes = [t for t in open_tasks(expert) if t["role"] == "expert"]
        assert len(votes) == 2, votes
        for vote in votes:
            expert.call("completeTask", {"decision": "approve", "comment": "同意", "data": {"opinion": {"score": 90}}},
                        task_id=vote["id"], expect=200)

    # ---------------------------------------------------------------- the list: prepared; the director strikes one off
    [prepare] = [t for t in open_tasks(section) if t["round_id"] == round_id]
    [sign] = section.call("completeTask", {"comment": "按单位顺序"}, task_id=prepare["id"], expect=200)["next_steps"]
    task = director.call("getTask", task_id=sign["id"], expect=200)
    assert "struck" in task["form_schema"]["properties"]
    hostile = [
        [{"nomination_id": gone["nomination_id"], "reason": "已撤回的人选"}],            # not on the list
        [{"nomination_id": 2 ** 31 - 1, "reason": "不存在的推荐"}],
        [{"nomination_id": struck["nomination_id"], "reason": " "}],                  # no reason
        [{"nomination_id": struck["nomination_id"], "reason": "理由", "by": "admin"}],
        [{"nomination_id": struck["nomination_id"], "reason": "理由一"}, {"nomination_id": struck["nomination_id"],
                                                                        "reason": "理由二"}],
        ["<script>alert(1)</script>"], [None], "王芳",
    ]
    for value in hostile:
        refused = director.call("completeTask", {"decision": "approve", "data": {"struck": value}}, task_id=sign["id"],
                                expect=422)
        assert any(e["field"].startswith("struck") for e in refused["errors"]), (value, refused)
    assert director.call("getTask", task_id=sign["id"], expect=200)["state"] == "open"   # nothing signed yet
    c["hongshan_rev"].call("completeTask", {"decision": "approve", "data": {"struck": []}}, task_id=sign["id"], expect=404)
    done = director.call("completeTask", {"decision": "approve", "comment": "同意", "data": {
        "struck": [{"nomination_id": struck["nomination_id"], "reason": "经研究暂缓聘任"}]}}, task_id=sign["id"], expect=200)
    [publish] = done["next_steps"]
    section.call("completeTask", {"decision": "publish"}, task_id=publish["id"], expect=200)

    # ---------------------------------------------------------------- results, read back by the unit
    appointed = rev.call("getNomination", nomination_id=kept["nomination_id"], expect=200)
    assert (appointed["result"], appointed["list_status"]) == ("appointed", "signed") and appointed["certificate_id"]
    declined = rev.call("getNomination", nomination_id=struck["nomination_id"], expect=200)
    assert (declined["status"], declined["result"], declined["list_status"]) == ("declined", "declined", "struck")
    assert declined["list_note"] == "经研究暂缓聘任" and declined["certificate_id"] is None
    assert rev.call("getInstance", instance_id=struck["instance_id"], expect=200)["result"] == "declined"
    mentors = section.call("listMentors", round_id=round_id, expect=200)["items"]
    assert [m["name"] for m in mentors] == ["张伟"]
    certificates = rev.call("listCertificates", round_id=round_id, expect=200)["items"]
    assert [x["name"] for x in certificates] == ["张伟"]
