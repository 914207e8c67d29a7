"""A client written from the OpenAPI document alone carries the programme through /api/v1: no web
page, no command line, no engine call. It finds every operation by its ``operationId`` in
/api/v1/openapi.json (path, method, path parameters), and every answer is checked against the
schema the document gives for its status.

One round: tokens; the round opened; a nomination refused as not eligible (with the reasons),
resubmitted partially, returned by the unit with an opinion, resubmitted, approved; another
rejected by its unit; the deadline passes (the virtual clock of a test deployment); the committee
votes (the unit never sees who voted how); the list is prepared, signed and published; the
certificate is read and verified; the mentor's agreement, plans and an activity; the annual
assessment finds the mentor unqualified: disqualified, certificate revoked — every result and
history read back through the API.

The one step outside the API: the mentor's account is created by the programme and activated
through the link mailed to the mentor; here the test sets that password directly."""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from jsonschema import Draft202012Validator
from werkzeug.security import generate_password_hash

from peidai.settings import PROJECT_ROOT

PASSWORD = "Peidai#2014"
_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
METHODS = ("get", "post", "put", "patch", "delete")


class DocClient:
    """Calls operations by ``operationId``, from the document only; checks each answer."""

    def __init__(self, client):
        self.client = client
        r = client.get("/api/v1/openapi.json")
        assert r.status_code == 200 and r.content_type.startswith("application/json")
        assert "\\u" not in r.get_data(as_text=True)            # UTF-8, not escaped
        self.spec = r.get_json()
        self.base = self.spec["servers"][0]["url"]
        self.ops = {op["operationId"]: (path, method) for path, item in self.spec["paths"].items()
                    for method, op in item.items() if method in METHODS}
        self.token = None

    def as_(self, token):
        other = object.__new__(DocClient)
        other.__dict__.update(self.__dict__)
        other.token = token
        return other

    def _resolve(self, node):
        while isinstance(node, dict) and "$ref" in node and node["$ref"].startswith("#/components/responses/"):
            node = self.spec["components"]["responses"][node["$ref"].rsplit("/", 1)[1]]
        return node

    def call(self, operation_id: str, body=None, *, expect: int | None = None, files=None, **params):
        path, method = self.ops[operation_id]
        item = self.spec["paths"][path]
        op = item[method]
        in_path = {p["name"] for p in op.get("parameters", []) + item.get("parameters", []) if p["in"] == "path"}
        url = self.base + re.sub(r"\{(\w+)\}", lambda m: str(params.pop(m.group(1))), path)
        assert not (in_path - set(re.findall(r"\{(\w+)\}", path)))
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        kwargs = {"query_string": params, "headers": headers}
        if files is not None:
            kwargs["data"] = files
        elif body is not None:
            kwargs["json"] = body
        r = self.client.open(url, method=method.upper(), **kwargs)
        responses = op["responses"]
        documented = responses.get(str(r.status_code)) or responses.get("default")
        assert documented is not None, (operation_id, r.status_code)
        documented = self._resolve(documented)
        if r.status_code != 204:
            content = documented.get("content") or {}
            media = r.mimetype
            assert media in content, (operation_id, r.status_code, media, list(content))
            if media == "application/json":
                schema = {"components": self.spec["components"], **content[media]["schema"]}
                errors = [e.message for e in Draft202012Validator(schema).iter_errors(r.get_json())]
                assert not errors, (operation_id, r.status_code, errors, r.get_json())
        if expect is not None:
            assert r.status_code == expect, (operation_id, r.status_code, r.get_json() if r.is_json else r.data[:200])
        return r.get_json() if r.is_json else r


@pytest.fixture
def programme_app(system):
    from webapp import create_app
    from workflows.driver import Driver
    d = Driver(system)
    d.seed(experts_per_panel=3, password_hash=lambda _u: _HASH)
    d.deploy(PROJECT_ROOT / "bpmn")
    return create_app(system, TESTING=True)


def application(name: str, **over) -> dict:
    data = {"name": name, "gender": "男", "birth_date": "1969-03-15", "ethnicity": "汉族", "political_status": "中共党员",
            "workplace": "赤峰市医院 主任医师", "phone": "0476-8838010", "chifeng_since": "1992-07-01",
            "talent_type": "professional", "degree": "master", "title_level": "senior", "skill_level": "none",
            "awards": "市级科技进步奖一等奖", "achievements": "主持省部级科研课题两项", "recommendation": "业务精湛，培养青年骨干成效显著"}
    return data | over


def only(items, **match):
    found = [x for x in items if all(x.get(k) == v for k, v in match.items())]
    assert len(found) == 1, (match, items)
    return found[0]


def test_a_client_from_the_document_carries_a_round_from_token_to_disqualification(programme_app, system):
    api = DocClient(programme_app.test_client())

    # ---------------------------------------------------------------- tokens
    api.call("createToken", {"username": "section", "password": "wrong"}, expect=401)
    tokens = {u: api.call("createToken", {"username": u, "password": PASSWORD, "name": "对接测试"}, expect=201)["token"]
              for u in ("section", "director", "admin", "hongshan_sub", "hongshan_rev", "songshan_sub", "songshan_rev",
                        "expert_professional_1", "expert_professional_2", "expert_professional_3")}
    section, director, admin = (api.as_(tokens[u]) for u in ("section", "director", "admin"))
    hs_sub, hs_rev, ss_sub, ss_rev = (api.as_(tokens[u]) for u in ("hongshan_sub", "hongshan_rev", "songshan_sub", "songshan_rev"))
    experts = [api.as_(tokens[f"expert_professional_{i}"]) for i in (1, 2, 3)]
    assert [t["name"] for t in section.call("listTokens", expect=200)["items"]] == ["对接测试"]
    api.call("listTasks", expect=401)

    # ---------------------------------------------------------------- the round
    rnd = section.call("openRound", {"year": 2014, "experts_per_panel": 3}, expect=201)
    round_id = rnd["round_id"]
    assert rnd["status"] == "open" and rnd["deadline"].startswith("2014-06-")
    assert [r["round_id"] for r in hs_sub.call("listRounds", status="open", expect=200)["items"]] == [round_id]
    hs_sub.call("listNominations", round_id="abc", expect=422)
    hs_sub.call("listNominations", per_page=-5, expect=422)

    # ---------------------------------------------------------------- a nomination: not eligible, then partial resubmissions
    nom = hs_sub.call("startNomination", {"round_id": round_id, "unit_id": "hongshan"}, expect=201)
    nomination_id, fill = nom["nomination_id"], nom["task_id"]
    png = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(png, "PNG")
    copy = hs_sub.call("addUpload", files={"category": "degree", "file": (io.BytesIO(png.getvalue()), "学位证书.png",
                                                                          "image/png")},
                       nomination_id=nomination_id, expect=201)
    assert [u["upload_id"] for u in hs_rev.call("listUploads", nomination_id=nomination_id, expect=200)["items"]] == \
        [copy["upload_id"]]
    assert hs_rev.call("downloadUpload", upload_id=copy["upload_id"], expect=200).data == png.getvalue()
    ss_sub.call("listUploads", nomination_id=nomination_id, expect=404)
    ss_sub.call("addUpload", files={"category": "degree"}, nomination_id=nomination_id, expect=404)   # scope before body
    task = hs_sub.call("getTask", task_id=fill, expect=200)
    assert task["round_id"] == round_id and task["decision_field"] == "action" and "submit" in task["decisions"]
    assert "birth_date" in task["form_schema"]["properties"] and "birth_date" in task["kept_fields"]
    done = hs_sub.call("completeTask", {"decision": "submit", "data": application("张伟", birth_date="1950-01-01")},
                       task_id=fill, expect=200)
    assert done["status"] == "ineligible" and done["reasons"], done
    again = only(done["next_steps"], element_id=task["element_id"])
    task = hs_sub.call("getTask", task_id=again["id"], expect=200)
    assert task["notice"]["kind"] == "ineligible" and task["data"]["name"] == "张伟"
    done = hs_sub.call("completeTask", {"decision": "submit", "data": {"birth_date": "1969-03-15"}}, task_id=again["id"],
                       expect=200)                                   # only what changes: the rest is kept
    assert done["status"] == "forwarded", done
    review = done["next_steps"][0]
    assert review["role"] == "unit_reviewer"

    rejected = hs_rev.call("completeTask", {"decision": "return"}, task_id=review["id"], expect=422)
    assert {e["field"] for e in rejected["errors"]} == {"comment"}
    done = hs_rev.call("completeTask", {"decision": "return", "comment": "请补充获奖证书"}, task_id=review["id"], expect=200)
    assert done["status"] == "returned", done
    refill = done["next_steps"][0]
    task = hs_sub.call("getTask", task_id=refill["id"], expect=200)
    assert task["notice"] == task["notice"] | {"kind": "returned", "comment": "请补充获奖证书"}
    assert task["data"]["birth_date"] == "1969-03-15"
    done = hs_sub.call("completeTask", {"decision": "submit", "data": {"awards": "市级科技进步奖一等奖（证书已补充）"}},
                       task_id=refill["id"], expect=200)
    done = hs_rev.call("completeTask", {"decision": "approve", "comment": "同意推荐", "data": {"conditions_attested": True}},
                       task_id=done["next_steps"][0]["id"], expect=200)
    assert (done["status"], done["result"]) == ("completed", "submitted"), done
    detail = hs_rev.call("getNomination", nomination_id=nomination_id, expect=200)
    assert detail["status"] == "submitted" and detail["application"]["awards"].endswith("（证书已补充）")
    assert detail["eligibility"]["eligible"] is True
    board = {row["unit_id"]: row for row in section.call("getRoundBoard", round_id=round_id, expect=200)["units"]}
    assert board["hongshan"]["submitted"] == 1 and board["songshan"]["total"] == 0 and len(board) > 12
    assert [row["unit_id"] for row in hs_rev.call("getRoundBoard", round_id=round_id, expect=200)["units"]] == ["hongshan"]
    assert any(d["kind"] == "application_form" for d in hs_sub.call("listDocuments", expect=200)["items"])

    # ---------------------------------------------------------------- another unit rejects its nomination
    other = ss_sub.call("startNomination", {"round_id": round_id, "unit_id": "songshan"}, expect=201)
    ss_sub.call("getNomination", nomination_id=nomination_id, expect=404)      # another unit's: not found
    done = ss_sub.call("completeTask", {"decision": "submit", "data": application("李强")}, task_id=other["task_id"], expect=200)
    done = ss_rev.call("completeTask", {"decision": "reject", "comment": "经研究不予推荐"}, task_id=done["next_steps"][0]["id"],
                       expect=200)
    assert (done["status"], done["result"]) == ("completed", "rejected")
    assert ss_rev.call("getInstance", instance_id=other["instance_id"], expect=200)["result"] == "rejected"

    # ---------------------------------------------------------------- the deadline passes; the committee votes
    api.call("moveClock", {"to": "2014-07-01T09:00:00+08:00"}, expect=401)
    section.call("moveClock", {"to": "2014-07-01T09:00:00+08:00"}, expect=403)
    moved = admin.call("moveClock", {"to": "2014-07-01T09:00:00+08:00"}, expect=200)
    assert moved["virtual"] and moved["fired"] >= 1
    assert section.call("getRound", round_id=round_id, expect=200)["status"] == "closed"
    for i, expert in enumerate(experts):
        [vote] = expert.call("listTasks", box="todo", expect=200)["items"]
        task = expert.call("getTask", task_id=vote["id"], expect=200)
        assert task["decision_field"] == "opinion.vote" and task["comment_field"] == "opinion.comment"
        assert all(e["actor"] is None for e in task["history"] if e["redacted"])
        done = expert.call("completeTask", {"decision": "approve" if i < 2 else "disagree", "comment": f"意见{i}",
                                            "data": {"opinion": {"score": 90 - i}}}, task_id=vote["id"], expect=200)
        assert done["decision"] == ("agree" if i < 2 else "disagree")
    unit_view = hs_rev.call("getNominationOpinions", nomination_id=nomination_id, expect=200)
    experts_seen = [o for o in unit_view["items"] if o["step"] == task["name"]]
    assert len(experts_seen) == 3 and all(o["actor"] is None and o["decision"] is None and o["comment"] == ""
                                          for o in experts_seen)
    assert unit_view["committee"]["result"] == "recommended" and "votes" not in unit_view["committee"]
    office_view = section.call("getNominationOpinions", nomination_id=nomination_id, expect=200)
    assert office_view["committee"]["votes"] == {"agree": 2, "disagree": 1, "abstain": 0}
    assert {o["actor"] for o in office_view["items"] if o["step"] == task["name"]} == \
        {f"expert_professional_{i}" for i in (1, 2, 3)}

    # ---------------------------------------------------------------- the list: prepared, signed, published
    [prepare] = section.call("listTasks", box="todo", round_id=round_id, expect=200)["items"]   # the only holder: assigned
    done = section.call("completeTask", {"comment": "按单位顺序"}, task_id=prepare["id"], expect=200)
    [sign] = done["next_steps"]
    done = director.call("completeTask", {"decision": "approve", "comment": "同意"}, task_id=sign["id"], expect=200)
    [publish] = done["next_steps"]
    done = section.call("completeTask", {"decision": "publish"}, task_id=publish["id"], expect=200)
    assert (done["status"], done["result"]) == ("waiting", "published"), done    # the next round's timer waits

    # ---------------------------------------------------------------- the certificate
    detail = hs_rev.call("getNomination", nomination_id=nomination_id, expect=200)
    assert (detail["status"], detail["result"]) == ("appointed", "appointed") and detail["certificate_id"]
    cert = hs_rev.call("getCertificate", certificate_id=detail["certificate_id"], expect=200)
    assert cert["status"] == "valid" and cert["number"].startswith("CFPD-2014-") and cert["verification_code"]
    assert api.call("verifyCertificate", code=cert["verification_code"], expect=200) == \
        {"state": "valid", "number": cert["number"], "revoked_on": None}
    assert api.call("verifyCertificate", code="ZZZZ-ZZZZ", expect=200)["state"] == "unknown"
    pdf = hs_rev.call("certificateDocument", certificate_id=cert["certificate_id"], expect=200)
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    nomination_instance = hs_rev.call("getInstance", instance_id=detail["instance_id"], expect=200)
    assert nomination_instance["title"].startswith("张伟") and nomination_instance["result"] == "appointed"
    history = hs_rev.call("getNominationHistory", nomination_id=nomination_id, expect=200)["items"]
    assert any(e["decision"] == "return" and e["comment"] == "请补充获奖证书" for e in history)
    assert all(e["actor"] is None for e in history if e["redacted"]) and any(e["redacted"] for e in history)
    [mentor] = section.call("listMentors", round_id=round_id, expect=200)["items"]
    section.call("listMentors", round="abc", expect=422)
    assert mentor["certificate"] == cert["number"] and mentor["status"] == "active"

    # ---------------------------------------------------------------- the mentor: agreement, plans, an activity
    from webapp.users import set_password
    mentor_user = f"mentor{mentor['person_id']}"
    set_password(system.engine, mentor_user, PASSWORD)   # activated through the mailed link (outside the API)
    me = api.as_(api.call("createToken", {"username": mentor_user, "password": PASSWORD}, expect=201)["token"])
    [register] = me.call("listTasks", box="group", expect=200)["items"] or me.call("listTasks", expect=200)["items"]
    mentees = [{"name": f"学员{i}", "workplace": "本单位", "field": "临床医学"} for i in range(1, 6)]
    done = me.call("completeTask", {"data": {"period_years": 2, "indicators": "每年专题讲座不少于2次", "mentees": mentees}},
                   task_id=register["id"], expect=200)
    [confirm] = done["next_steps"]
    done = hs_rev.call("completeTask", {"decision": "approve"}, task_id=confirm["id"], expect=200)
    mine = me.call("listTasks", box="group", expect=200)["items"] + me.call("listTasks", box="todo", expect=200)["items"]
    plans = [t for t in mine if t["element_id"] == "Task_TrainingPlan"]
    assert len(plans) == 5
    for t in plans:
        me.call("completeTask", {"data": {"training_plan": {"goals": "成为业务骨干"}}}, task_id=t["id"], expect=200)
    log = next(t for t in mine if t["element_id"] == "Task_LogActivity")
    me.call("completeTask", {"data": {"kind": "lecture", "held_on": "2014-09-01", "subject": "专题讲座：临床路径", "hours": 2}},
            task_id=log["id"], expect=200)
    [ship] = me.call("listMentorships", expect=200)["items"]
    agreement = hs_rev.call("getMentorship", mentorship_id=ship["mentorship_id"], expect=200)
    assert agreement["status"] == "active" and len(agreement["mentees"]) == 5
    assert all(p["plan"]["goals"] == "成为业务骨干" for p in me.call("getMentorshipPlans", mentorship_id=ship["mentorship_id"],
                                                                      expect=200)["items"])
    [activity] = me.call("getMentorshipActivities", mentorship_id=ship["mentorship_id"], expect=200)["items"]
    assert activity["kind"] == "lecture"
    ss_rev.call("getMentorship", mentorship_id=ship["mentorship_id"], expect=404)

    # ---------------------------------------------------------------- an incentive (started through the generic start)
    started = me.call("startInstance", {"process_key": "benefit_application", "data": {"mentor_id": mentor["person_id"]}},
                      expect=201)
    apply = only(started["current_steps"], element_id="Task_Apply")
    done = me.call("completeTask", {"data": {"kind": "health_check", "note": "年度体检"}}, task_id=apply["id"], expect=200)
    if done["status"] == "forwarded":
        done = section.call("completeTask", {"decision": "approve"}, task_id=done["next_steps"][0]["id"], expect=200)
    [benefit] = me.call("listBenefits", expect=200)["items"]
    assert done["result"] == benefit["status"] and benefit["status"] in ("approved", "ineligible"), (done, benefit)

    # ---------------------------------------------------------------- the annual assessment: unqualified
    admin.call("moveClock", {"to": "2015-07-01T09:01:00+08:00"}, expect=200)
    hs_rev.call("listTasks", expect=401)                                  # a year on: the 90-day tokens expired
    hs_rev, section, admin, me = (api.as_(api.call("createToken", {"username": u, "password": PASSWORD, "days": 365},
                                                   expect=201)["token"])
                                  for u in ("hongshan_rev", "section", "admin", mentor_user))
    [assess] = [t for t in hs_rev.call("listTasks", box="todo", expect=200)["items"] if t["element_id"] == "Task_UnitAssessment"]
    done = hs_rev.call("completeTask", {"decision": "unqualified", "data": {"report": "未按联系书开展培带活动，成效不明显。"}},
                       task_id=assess["id"], expect=200)
    [final] = done["next_steps"]
    done = section.call("completeTask", {"decision": "unqualified", "comment": "确认不合格"}, task_id=final["id"], expect=200)
    assert (done["status"], done["result"]) == ("completed", "unqualified"), done
    admin.call("moveClock", {}, expect=200)                              # what the worker does next: the mentoring ends
    [assessment] = hs_rev.call("listAssessments", expect=200)["items"]
    assert (assessment["status"], assessment["final_result"]) == ("unqualified", "unqualified")
    assert hs_rev.call("getMentorship", mentorship_id=ship["mentorship_id"], expect=200)["status"] == "disqualified"
    cert = hs_rev.call("getCertificate", certificate_id=cert["certificate_id"], expect=200)
    assert cert["status"] == "revoked"
    assert api.call("verifyCertificate", code=cert["verification_code"], expect=200)["state"] == "revoked"
    assert section.call("listMentors", status="ended", expect=200)["total"] == 1
    notes = me.call("listNotifications", expect=200)
    assert any(n["template"] == "disqualified" for n in notes["items"]), [n["template"] for n in notes["items"]]
