"""Every page and action as every role: who gets 200 (or a redirect after acting) and who 403/404.

A record outside the user's scope answers 404 (its existence is not revealed); a page of another
role answers 403."""
from __future__ import annotations

import pytest

ROLES = ["submitter", "reviewer", "other_reviewer", "expert1", "rural_expert", "section", "director", "mentor", "admin"]
OVERSEERS = {"section", "director", "admin"}
# who may read the county review task and its instance: the submitter who started it, the county's
# reviewers, and the overseers
READERS = {"submitter", "reviewer"} | OVERSEERS
POOL = {"reviewer", "other_reviewer"} | OVERSEERS

OK = 200


def read(role):
    return OK if role in READERS else 404


def expect(role: str) -> dict[str, int]:
    return {
        "/": 302,
        "/inbox": OK, "/inbox?box=group": OK, "/inbox?box=done": OK, "/inbox?box=started": OK,
        "/inbox?box=todo&category=professional&org_unit=hongshan&batch=2014&overdue=1&page=2": OK,
        "/healthz": OK,
        "/login": OK,
        "/tasks/{review}": read(role),
        "/tasks/{fill}": OK if role in {"submitter"} | OVERSEERS else 404,  # the submitter's own step
        "/instances/{iid}": read(role),
        "/instances/{iid}/diagram.bpmn": read(role),
        "/pool/": OK if role in POOL else 403,
        "/pool/export.xlsx": OK if role in POOL else 403,
        "/pool/999999": 404 if role in POOL else 403,
        "/dashboard/": OK if role in OVERSEERS else 403,
        "/nominations/new": OK if role in {"submitter", "section", "admin"} else 403,
        "/account/token": 302,   # the tokens moved to /account/tokens
        "/account/": OK,
        "/account/tokens": OK,
        "/accounts/": OK if role in {"section", "admin"} else 403,
        "/accounts/new": OK if role == "admin" else 403,
        "/account/contacts": OK,
        "/accounts/unreachable": OK if role in {"section", "admin"} else 403,
        "/accounts/contacts/import": OK if role == "admin" else 403,
        "/accounts/contacts/template.xlsx": OK if role == "admin" else 403,
        "/password/forgot": OK,
    }


# routes exercised elsewhere, by name of the test that does it
ELSEWHERE = {
    "auth.logout": "test_auth.py::test_logout_ends_the_session",
    "auth.set_language": "test_auth.py::test_english_is_selectable",
    "tasks.unclaim": "test_tasks.py::test_claim_then_unclaim_returns_task_to_group",
    "tasks.transfer": "test_tasks.py::test_transfer_to_colleague_of_same_unit",
    "tasks.assign": "test_tasks.py::test_admin_assigns_a_task_to_a_reviewer_of_the_unit",
    "tasks.withdraw": "test_tasks.py::test_withdraw_own_approval_while_next_step_has_not_acted",
    "tasks.urge": "test_tasks.py::test_urge_is_offered_only_when_the_worker_provides_it",
    "pool.show": "test_programme_pages.py::test_mentor_page_and_scope",
    "tasks.discard_draft": "test_desk_generic.py::test_a_draft_is_kept_per_user_and_can_be_discarded",
    "tasks.for_nomination": "test_desk.py::test_the_upload_page_and_its_task_link_both_ways",
    "tasks.by_uuid": "test_desk_generic.py::test_a_message_about_a_new_task_opens_that_task",
    "auth.activate": "test_accounts.py::test_admin_creates_an_account_and_the_person_activates_it",
    "auth.reset": "test_accounts.py::test_section_resets_a_mentor_password",
    "account.change_password": "test_accounts.py::test_user_changes_own_password_and_other_sessions_end",
    "account.end_sessions": "test_accounts.py::test_log_out_everywhere",
    "account.revoke_token": "test_accounts.py::test_api_tokens_are_listed_and_revoked_by_their_owner",
    "accounts.link": "test_accounts.py::test_section_hands_over_a_new_mentor_activation_link",
    "accounts.reset": "test_accounts.py::test_section_resets_a_mentor_password",
    "accounts.active": "test_accounts.py::test_admin_deactivates_an_account",
    "account.change_contacts": "test_contacts_pages.py::test_person_changes_mobile_at_once_and_email_after_confirming",
    "account.confirm_email": "test_contacts_pages.py::test_person_changes_mobile_at_once_and_email_after_confirming",
    "account.withdraw_email": "test_contacts_pages.py::test_person_withdraws_an_address_change",
    "account.change_channels": "test_contacts_pages.py::test_person_chooses_in_app_only_for_a_kind_of_message",
    "accounts.contacts": "test_contacts_pages.py::test_administrator_sets_anyones_contacts_without_confirmation",
}


@pytest.mark.parametrize("role", ROLES)
def test_every_page_as_every_role(role, auth, client, flow):
    iid = flow.at_review()
    ids = {"iid": iid, "review": flow.task(iid, "Task_Review")["id"], "fill": flow.task(iid, "Task_Fill", "completed")["id"]}
    assert auth.login(role).status_code == 302
    got = {}
    for url in expect(role):
        got[url] = client.get(url.format(**ids)).status_code
    assert got == expect(role)


@pytest.mark.parametrize("role", ROLES)
def test_every_action_as_every_role(role, auth, flow):
    iid = flow.at_review()
    review = flow.task(iid, "Task_Review")["id"]
    assert auth.login(role).status_code == 302
    acts = role == "reviewer"
    # claim: only the county's reviewers; readers who may not act get 403, others 404
    claim = auth.post(f"/tasks/{review}/claim").status_code
    assert claim == (302 if acts else 403 if role in READERS else 404)
    decision = auth.post(f"/tasks/{review}", {"_action": "approve", "comment": "同意"}).status_code
    assert decision == (302 if acts else 403 if role in READERS else 404)
    cancel_iid = flow.at_review()
    may_cancel = role in ("submitter", "section", "admin")
    cancel = auth.post(f"/instances/{cancel_iid}/cancel", {"reason": "重复申报"}).status_code
    assert cancel == (302 if may_cancel else 403 if role in READERS else 404)


def test_anonymous_is_sent_to_login(client, flow):
    iid = flow.at_review()
    for url in ["/inbox", f"/instances/{iid}", "/pool/", "/dashboard/", f"/tasks/{flow.task(iid)['id']}"]:
        r = client.get(url)
        assert r.status_code == 302 and "/login" in r.headers["Location"], url


def test_every_route_is_covered(app):
    tested = set()
    client_urls = [u.split("?")[0] for u in expect("admin")]
    adapter = app.url_map.bind("localhost")
    for url in client_urls:
        try:
            endpoint, _ = adapter.match(url.format(iid=1, review=1, fill=1), method="GET")
            tested.add(endpoint)
        except Exception:
            pass
    tested |= {"tasks.claim", "tasks.complete", "instances.cancel", "auth.login"}
    tested |= set(ELSEWHERE)
    # the web area's own pages (other areas' blueprints, e.g. documents, test themselves; the API
    # is covered against its OpenAPI document in test_api.py)
    own = ("auth.", "account.", "accounts.", "inbox.", "tasks.", "instances.", "pool.", "dashboard.", "nominations.")
    mine = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith(own) or r.endpoint == "healthz"}
    assert mine - tested == set()


def expect_api(role: str) -> dict[str, int]:
    return {
        "/api/v1/process-models": OK,
        "/api/v1/tasks?box=group": OK,
        "/api/v1/tasks?box=done": OK,
        "/api/v1/tasks/{review}": read(role),
        "/api/v1/instances/{iid}": read(role),
        "/api/v1/mentors": OK if role in POOL else 403,
        "/api/v1/openapi.json": OK,
    }


@pytest.mark.parametrize("role", ROLES)
def test_every_api_read_as_every_role(role, client, flow, api_tokens):
    iid = flow.at_review()
    ids = {"iid": iid, "review": flow.task(iid, "Task_Review")["id"]}
    headers = {"Authorization": f"Bearer {api_tokens[role]}"}
    got = {url: client.get(url.format(**ids), headers=headers).status_code for url in expect_api(role)}
    assert got == expect_api(role)


@pytest.mark.parametrize("role", ROLES)
def test_every_api_action_as_every_role(role, client, flow, api_tokens):
    iid = flow.at_review()
    review = flow.task(iid, "Task_Review")["id"]
    headers = {"Authorization": f"Bearer {api_tokens[role]}"}
    acts = role == "reviewer"
    claim = client.post(f"/api/v1/tasks/{review}/claim", headers=headers).status_code
    assert claim == (200 if acts else 403 if role in READERS else 404)
    done = client.post(f"/api/v1/tasks/{review}/complete", json={"data": {"decision": "approve"}}, headers=headers).status_code
    assert done == (200 if acts else 403 if role in READERS else 404)
