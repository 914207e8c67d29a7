"""放弃认领 is offered only where someone else could take the step up: for a step whose role has
one holder in its scope (the unit's only submitter), giving it back would only move it to the
same person's 待认领."""
from __future__ import annotations


def test_give_back_is_offered_when_another_holder_could_claim(auth, client, flow):
    iid = flow.at_review()
    review = flow.task(iid, "Task_Review")["id"]
    auth.login("reviewer")                      # reviewer2 holds the same role for the unit
    auth.post(f"/tasks/{review}/claim")
    assert "放弃认领" in client.get(f"/tasks/{review}").get_data(as_text=True)


def test_give_back_is_not_offered_to_the_only_holder(auth, client, flow, engine, people):
    iid = flow.start()
    fill = flow.task(iid, "Task_Fill")
    if fill["assignee"] is None:
        engine.claim(fill["id"], people["submitter"])
    assert flow.task(iid, "Task_Fill")["assignee"] == "submitter"
    auth.login("submitter")                     # the unit's only submitter
    page = client.get(f"/tasks/{fill['id']}").get_data(as_text=True)
    assert "填写" in page or "提交" in page
    assert "放弃认领" not in page
