"""The API's request path made cheaper (issue 16, point 3) without weakening it.

Token authentication is one joined statement per request (token, user, memberships, display
name) and caches nothing: whatever changes a user's standing is seen on the very next request.
The task actions read the task once and answer what the engine did."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine import identity
from engine.queries import instance_tasks
from engine.identity import upsert_user
from engine.tables import ApiToken
from webapp import users


def call(client, token, path="/api/v1/tasks?box=group"):
    return client.get(path, headers={"Authorization": f"Bearer {token}"})


def test_a_token_carries_its_user_roles_and_display_name(app, engine, people, api_tokens):
    found = users.token_identity(engine, api_tokens["reviewer"])
    assert found.actor == people["reviewer"] and found.display_name == "李审核"
    with app.test_request_context("/api/v1/tasks", headers={"Authorization": f"Bearer {api_tokens['section']}"}):
        from flask_login import current_user
        assert current_user.actor == people["section"] and current_user.via_token
        assert current_user.display_name == "陈科长" and current_user.token_id is not None


def test_a_user_without_roles_still_authenticates(client, engine, people):
    with engine.unit_of_work() as s:
        upsert_user(s, "nobody", "无角色")
    token = users.issue_token(engine, "nobody")
    assert users.token_identity(engine, token).actor.memberships == frozenset()
    assert call(client, token).status_code == 200


def test_a_revoked_token_is_refused_on_the_next_request(client, engine, people, api_tokens):
    token = api_tokens["reviewer"]
    assert call(client, token).status_code == 200
    with engine.sessions() as s:
        token_id = s.scalar(select(ApiToken.id).where(ApiToken.token_hash == identity.token_digest(token)))
    users.revoke_token(engine, "reviewer", token_id)
    r = call(client, token)
    assert r.status_code == 401 and r.get_json()["message"] == "需要登录或有效的访问令牌"


def test_a_changed_role_is_seen_on_the_next_request(client, engine, people, api_tokens, flow):
    flow.at_review()
    assert call(client, api_tokens["other_reviewer"]).get_json()["total"] == 0
    with engine.unit_of_work() as s:   # moved to the unit of the waiting review
        upsert_user(s, "other_reviewer", "孙审核", memberships=[("unit_reviewer", "hongshan")])
    assert call(client, api_tokens["other_reviewer"]).get_json()["total"] == 1


def test_a_deactivated_user_is_refused_on_the_next_request(client, engine, people, api_tokens, clock):
    assert call(client, api_tokens["mentor"]).status_code == 200
    with engine.unit_of_work() as s:
        identity.set_active(s, "mentor", False, clock.now())
    assert call(client, api_tokens["mentor"]).status_code == 401


@pytest.mark.parametrize("header", [
    "Bearer ", "Bearer pd_", "Bearer pd_" + "x" * 300, "Bearer nottoken", "bearer nottoken", "Basic {token}",
    "Bearer {token}x", "Bearer pd_' OR '1'='1", "Bearer pd_%00", "Bearer pd_令牌", "Bearer {token} {token}",
])
def test_wrong_and_hostile_tokens_are_401_not_500(client, api_tokens, header):
    r = client.get("/api/v1/tasks", headers={"Authorization": header.format(token=api_tokens["reviewer"])})
    assert r.status_code == 401 and r.get_json()["code"] == "unauthorized"


def test_a_nul_character_in_a_token_is_refused(engine, people, api_tokens):
    assert users.token_identity(engine, api_tokens["reviewer"] + "\x00") is None
    assert users.token_identity(engine, None) is None


def test_last_use_is_recorded_at_most_once_an_hour(client, engine, people, api_tokens, clock):
    token = api_tokens["reviewer"]

    def last_used():
        with engine.sessions() as s:
            return s.scalar(select(ApiToken.last_used_at).where(ApiToken.token_hash == identity.token_digest(token)))

    assert last_used() is None
    call(client, token)
    first = last_used()
    assert first == clock.now()
    clock.advance(minutes=59)
    call(client, token)
    assert last_used() == first
    clock.advance(minutes=2)
    call(client, token)
    assert last_used() == clock.now()


def test_claim_unclaim_and_assign_answer_what_a_new_read_finds(client, engine, people, api_tokens, flow):
    iid = flow.at_review()
    tid = flow.task(iid, "Task_Review")["id"]
    me = {"Authorization": f"Bearer {api_tokens['reviewer']}"}

    def read(headers):
        got = client.get(f"/api/v1/tasks/{tid}", headers=headers).get_json()
        return {k: got[k] for k in answer}

    answer = client.post(f"/api/v1/tasks/{tid}/claim", headers=me).get_json()
    assert answer["assignee"] == "reviewer" and answer == read(me)
    answer = client.post(f"/api/v1/tasks/{tid}/unclaim", headers=me).get_json()
    assert answer["assignee"] is None and answer == read(me)
    answer = client.post(f"/api/v1/tasks/{tid}/assign", json={"username": "reviewer2"}, headers=me).get_json()
    assert answer["assignee"] == "reviewer2" and answer == read(me)


def test_a_refused_claim_changes_nothing_and_says_why(client, engine, people, api_tokens, flow):
    iid = flow.at_review()
    tid = flow.task(iid, "Task_Review")["id"]
    assert client.post(f"/api/v1/tasks/{tid}/claim", headers={"Authorization": f"Bearer {api_tokens['reviewer']}"}).status_code == 200
    r = client.post(f"/api/v1/tasks/{tid}/claim", headers={"Authorization": f"Bearer {api_tokens['reviewer2']}"})
    assert r.status_code == 409 and r.get_json()["message"] == "此事项已被他人认领"
    r = client.post(f"/api/v1/tasks/{tid}/claim", headers={"Authorization": f"Bearer {api_tokens['other_reviewer']}"})
    assert r.status_code == 404                      # another unit's task: not even its existence
    assert flow.task(iid, "Task_Review")["assignee"] == "reviewer"


def _checkouts(engine):
    from sqlalchemy import event
    count = [0]
    event.listen(engine.sessions.kw["bind"], "checkout", lambda *_a: count.__setitem__(0, count[0] + 1))
    return count


def test_a_task_page_and_a_completion_take_one_connection_for_their_reads(client, engine, people, api_tokens, flow):
    iid = flow.at_review()
    tid = flow.task(iid, "Task_Review")["id"]
    me = {"Authorization": f"Bearer {api_tokens['reviewer']}"}
    assert client.post(f"/api/v1/tasks/{tid}/claim", headers=me).status_code == 200
    count = _checkouts(engine)
    assert client.get(f"/api/v1/tasks/{tid}", headers=me).status_code == 200
    assert count[0] == 1                          # the token, the task, its data, form, tasks and history
    count[0] = 0
    assert client.post(f"/api/v1/tasks/{tid}/complete", json={"decision": "approve", "comment": "同意"},
                       headers=me).status_code == 200
    assert count[0] == 2                          # the reads (before and after) and the command


def test_a_completion_answers_the_state_it_left_and_a_read_in_the_same_request_sees_it(app, client, engine, people,
                                                                                        api_tokens, flow):
    iid = flow.at_review()
    tid = flow.task(iid, "Task_Review")["id"]
    me = {"Authorization": f"Bearer {api_tokens['reviewer']}"}
    client.post(f"/api/v1/tasks/{tid}/claim", headers=me)
    answer = client.post(f"/api/v1/tasks/{tid}/complete", json={"decision": "approve", "comment": "同意"}, headers=me).get_json()
    assert answer["status"] == "forwarded" and answer["instance_status"] == "running"
    experts = [t for t in instance_tasks(engine, iid) if t["state"] == "open"]
    assert {s["id"] for s in answer["next_steps"]} == {t["id"] for t in experts} and experts

    # inside one request's read scope: read, complete, read again
    iid = flow.at_review()
    tid = flow.task(iid, "Task_Review")["id"]
    with app.test_request_context("/api/v1/tasks"):
        from webapp.api import core
        core._open_reads()
        try:
            assert engine.get_task(tid, people["reviewer"])["state"] == "open"
            assert [t["element_id"] for t in instance_tasks(engine, iid) if t["state"] == "open"] == ["Task_Review"]
            done = engine.complete_task(tid, {"decision": "approve"}, people["reviewer"], answer=lambda ctx, so_far: None)
            assert engine.get_task(tid, people["reviewer"])["state"] == "completed"
            assert [t["element_id"] for t in instance_tasks(engine, iid) if t["state"] == "open"] == ["Task_Experts"] * 3
            assert [t["state"] for t in done["tasks"]] == [t["state"] for t in instance_tasks(engine, iid)]
        finally:
            core._close_reads()


def test_a_task_read_by_row_id_answers_as_the_read_by_uuid_for_every_task_and_caller(app, engine, people, flow):
    """Engine.get_task by row id (one statement on the read scope's connection, engine.taskread,
    what every task action of the API reads) answers what the read by task uuid (the ORM) answers:
    the same dict for whoever may see the task, NotFound for everyone else and for no such task."""
    import uuid

    from engine import NotFound
    from webapp.api import core
    iid = flow.at_experts()                         # a completed review and three experts' open steps
    claimed = flow.at_review()
    engine.claim(flow.task(claimed, "Task_Review")["id"], people["reviewer"])
    tasks = [(t["id"], t["task_uuid"]) for i in (iid, claimed, flow.at_review()) for t in instance_tasks(engine, i)]
    seen = refused = 0
    with app.test_request_context("/api/v1/tasks"):
        core._open_reads()
        try:
            for actor in people.values():
                for tid, task_uuid in tasks + [(10 ** 9, str(uuid.uuid4())), (2 ** 63 - 1, str(uuid.uuid4()))]:
                    try:
                        expected = engine.get_task(task_uuid, actor)
                    except NotFound:
                        with pytest.raises(NotFound):
                            engine.get_task(tid, actor)
                        refused += 1
                        continue
                    assert engine.get_task(tid, actor) == expected
                    assert engine.get_task(str(tid), actor) == expected
                    seen += 1
        finally:
            core._close_reads()
    assert seen > len(people) and refused > 2 * len(people)   # visible and invisible tasks both met
    with pytest.raises(NotFound):
        engine.get_task(2 ** 64, people["admin"] if "admin" in people else next(iter(people.values())))


def test_an_oversized_json_body_is_refused_before_anything_else(app, client, api_tokens, flow):
    """The NUL check reads the form only of form bodies; a JSON body past MAX_CONTENT_LENGTH is
    still refused first (413), before the token or the record is looked at."""
    app.config["MAX_CONTENT_LENGTH"] = 1024
    big = b'{"x": "' + b"a" * 2048 + b'"}'
    for headers in ({}, {"Authorization": "Bearer pd_nothing"}, {"Authorization": f"Bearer {api_tokens['mentor']}"}):
        r = client.post("/api/v1/tasks/999999/complete", data=big, content_type="application/json", headers=headers)
        assert r.status_code == 413 and r.get_json()["code"] == "too_large"
    r = client.post("/api/v1/tasks/999999/complete", data=b"{}", content_type="application/json",
                    headers={"Authorization": f"Bearer {api_tokens['mentor']}"})
    assert r.status_code == 404
    r = client.post("/api/v1/tasks/1/complete?x=%00", data=b"{}", content_type="application/json")
    assert r.status_code == 400 and r.get_json()["code"] == "bad_request"


def test_limits_for_every_request_still_apply_when_configured(system, people, api_tokens):
    """Flask-Limiter's check before each view is skipped only while no limit could apply to every
    request (webapp.limiter_gate); a default or application-wide limit is enforced as before."""
    from webapp import create_app, limiter_gate
    plain = create_app(system, TESTING=True)
    assert not limiter_gate.may_limit(plain.extensions["peidai_limiter"])
    for config in ({"RATELIMIT_DEFAULT": "2 per minute"}, {"RATELIMIT_APPLICATION": "2 per minute"}):
        app = create_app(system, TESTING=True, **config)
        limiter = app.extensions["peidai_limiter"]
        limiter.reset()
        assert limiter_gate.may_limit(limiter)
        client = app.test_client()
        statuses = [call(client, api_tokens["reviewer"]).status_code for _ in range(3)]
        limiter.reset()
        assert statuses == [200, 200, 429]


def test_pages_read_in_one_scope_and_static_files_take_no_connection(app, client, engine, auth, flow):
    """Pages open the engine's read scope as the API does (webapp.page_reads): the signed-in user's
    check and the page's engine reads share its connection; a page's own command and a read after
    it see the new state; static files and /healthz take no connection at all."""
    from flask import Blueprint
    iid = flow.at_review()
    tid = flow.task(iid, "Task_Review")["id"]
    seen = {}
    probe = Blueprint("probe_reads", __name__)

    @probe.get("/probe-reads")
    def probe_reads():
        from webapp.auth import current_actor
        seen["scope"] = engine._local.reads is not None
        engine.claim(tid, current_actor())
        seen["after"] = engine.get_task(tid, current_actor())["assignee"]
        return "ok"

    app.register_blueprint(probe)
    auth.login("reviewer")
    assert client.get("/probe-reads").status_code == 200
    assert seen == {"scope": True, "after": "reviewer"} and engine._local.reads is None
    count = _checkouts(engine)
    assert client.get("/healthz").status_code == 200
    assert client.get("/static/css/app.css").status_code in (200, 304)
    assert count[0] == 0
    assert client.get(f"/tasks/{tid}").status_code == 200 and count[0] >= 1
