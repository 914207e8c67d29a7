"""A client that holds a site cookie (a browser, or a script's HTTP session that opened a page)
is answered on its access token alone: the API neither reads nor sets the session cookie."""
from __future__ import annotations

from .conftest import PASSWORD


def test_a_token_works_beside_a_site_cookie_and_the_api_sets_no_cookie(client, api_tokens, auth):
    made = client.post("/api/v1/tokens", json={"username": "reviewer", "password": PASSWORD, "name": "脚本"})
    assert made.status_code == 201
    token = made.get_json()["token"]
    assert "peidai_session" not in made.headers.get("Set-Cookie", "")
    client.get("/login")                              # an anonymous page visit leaves a session cookie
    auth.login("section")                             # … and so does another person's log-in
    r = client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.get_json()
    assert "peidai_session" not in r.headers.get("Set-Cookie", "")
    # the cookie alone opens nothing in the API (no CSRF protection there), even a logged-in one
    assert client.get("/api/v1/tasks").status_code == 401
    assert client.post("/api/v1/tokens", json={"username": "reviewer", "password": "wrong", "name": "x"}).status_code in (401, 422)
    # and the site still knows the person who logged in on its pages
    assert client.get("/inbox").status_code == 200
