"""The API token statement (engine.identity.api_token_identity, one joined read on the DB-API
connection) on both databases: times are compared as each database stores them, booleans as each
keeps them."""
from __future__ import annotations

import pytest

from engine import identity
from engine.identity import upsert_user
from webapp import users


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request):
    return request.param


def test_the_token_statement_on_each_database(engine, people, clock):
    token = users.issue_token(engine, "reviewer", days=30)
    found = users.token_identity(engine, token)
    assert found.actor == people["reviewer"] and found.display_name == "李审核" and found.stale
    assert users.token_identity(engine, token).stale is False          # its use was recorded
    clock.advance(hours=1, seconds=1)
    assert users.token_identity(engine, token).stale is True
    clock.advance(days=30)
    assert users.token_identity(engine, token) is None                 # expired


def test_revoked_deactivated_and_reset_on_each_database(engine, people, clock):
    tokens = {name: users.issue_token(engine, name) for name in ("reviewer", "reviewer2", "mentor")}
    assert all(users.token_identity(engine, t) is not None for t in tokens.values())
    token_id = users.token_identity(engine, tokens["reviewer"]).token_id
    users.revoke_token(engine, "reviewer", token_id)
    with engine.unit_of_work() as s:
        identity.set_active(s, "reviewer2", False, clock.now())
        identity.reset_password(s, "mentor", clock.now())
    assert [users.token_identity(engine, t) for t in tokens.values()] == [None, None, None]


def test_memberships_and_hostile_tokens_on_each_database(engine, people):
    with engine.unit_of_work() as s:
        upsert_user(s, "many", "多角色", memberships=[("unit_reviewer", "hongshan"), ("expert", "rural"),
                                                   ("talent_section", None)])
    token = users.issue_token(engine, "many")
    assert users.token_identity(engine, token).actor.memberships == frozenset(
        {("unit_reviewer", "hongshan"), ("expert", "rural"), ("talent_section", None)})
    for bad in ("", "pd_", token[:-1], token + "'--", "pd_%' OR 1=1 --", "pd_\x00", "pd_令牌", "x" * 500):
        assert users.token_identity(engine, bad) is None


def test_the_token_statement_carries_the_token_scopes(engine, people):
    from webapp.api import scopes
    limited, _row = scopes.create_token(engine, "reviewer", "只读", 30, ["read"])
    assert users.token_identity(engine, limited).scopes == "read"
    assert users.token_identity(engine, users.issue_token(engine, "reviewer")).scopes is None   # the user's rights


def test_the_task_read_by_row_id_answers_as_the_read_by_uuid_on_each_database(app, engine, people, flow):
    from engine import NotFound
    from engine.queries import instance_tasks
    from webapp.api import core
    iid = flow.at_experts()
    with app.test_request_context("/api/v1/tasks"):
        core._open_reads()
        try:
            for t in instance_tasks(engine, iid):
                for actor in (people["reviewer"], people["expert1"], people["other_reviewer"], people["section"]):
                    try:
                        expected = engine.get_task(t["task_uuid"], actor)
                    except NotFound:
                        with pytest.raises(NotFound):
                            engine.get_task(t["id"], actor)
                        continue
                    found = engine.get_task(t["id"], actor)
                    assert found == expected and found["created_at"].tzinfo is not None
        finally:
            core._close_reads()
