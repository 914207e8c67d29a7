"""No stored code on any page (issue 12, point 4): the demo programme (a past round whose mentors
are in their second year, an open round with nominations in every state, assessments, an incentive
application, messages) walked by every role through every link it can follow; the text each page
shows is scanned for the programme's stored codes and for \\uXXXX escapes. The browser tests
(tests/browser/test_desk.py) look at the same pages at both widths."""
from __future__ import annotations

import html
import re
from datetime import datetime

import pytest
from sqlalchemy import select

from engine.tables import OutboxMessage
from peidai.settings import PROJECT_ROOT, Settings
from tests.web.conftest import PASSWORD, csrf_from

# stored codes of the programme and the engine that no page may show (their labels are shown)
CODES = ("submit withdraw approve reject decline sign publish agree disagree abstain confirm qualified unqualified "
         "running suspended completed cancelled open pending approved declined ineligible draft submitted "
         "returned in_review recommended not_recommended appointed expired listed signed struck valid revoked "
         "active ended released agreement disqualified lecture guidance training exchange bus_card apartment "
         "health_check recuperation training_class commendation professional skilled rural equivalent "
         "master doctor bachelor college secondary senior associate_senior intermediate junior "
         "unit_submitter unit_reviewer talent_section "
         "True False None null undefined").split()
RAW = re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(CODES) + r")(?![A-Za-z0-9_])|\\u[0-9a-fA-F]{4}")
SKIP = re.compile(r"/(logout|lang)\b|\.(pdf|xlsx|bpmn|png|jpg|json)(\?|$)|/export|/documents/uploads/\d+|/api/|/static/"
                  r"|/messages/\d+$|/tasks/u/|/verify|/tasks/for-nomination/")
WALKERS = ["hongshan_sub", "yuanbaoshan_sub", "cfu_sub", "songshan_rev", "cfu_rev", "expert_professional_1",
           "section", "director", "mentor1", "mentee7", "admin"]
MAX_PAGES = 70


@pytest.fixture
def demo(system, database, tmp_path):
    from workflows import demo as demo_data

    settings = Settings(database_url=database.url, data_dir=tmp_path / "demo", secret_key="x", testing=True)
    logins = demo_data.load(settings, PROJECT_ROOT / "bpmn", echo=lambda *_: None, password=PASSWORD,
                            now=datetime.fromisoformat("2026-11-29T10:00:00+08:00"))
    with system.engine.sessions() as s:
        ids = list(s.scalars(select(OutboxMessage.id).where(OutboxMessage.topic == "notify")))
    for mid in ids:
        system.engine.outbox.deliver(mid, system)
    return {u for u, _n, _r in logins}


def shown_text(page: str) -> str:
    # identifiers deliberately shown as code (a user name, the syntax an administrator types) are not labels
    page = re.sub(r"<(script|style|template|code)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<option\b[^>]*>", " ", page)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def walk(client, starts) -> dict[str, str]:
    seen: dict[str, str] = {}
    queue = list(starts)
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen or SKIP.search(path):
            continue
        r = client.get(path)
        if r.status_code != 200 or not r.content_type.startswith("text/html"):
            seen[path] = ""
            continue
        page = r.get_data(as_text=True)
        seen[path] = shown_text(page)
        for href in re.findall(r'href="([^"]+)"', page):
            href = html.unescape(href).split("#")[0]
            if href.startswith("/") and not href.startswith("//") and href not in seen and href not in queue:
                queue.append(href)
    return seen


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_no_page_of_the_walk_shows_a_stored_code(system, demo, lang):
    from webapp import create_app

    app = create_app(system, TESTING=True)
    offenders, pages = [], 0
    for username in [u for u in WALKERS if u in demo]:
        client = app.test_client()
        token = csrf_from(client.get("/login").get_data(as_text=True))
        assert client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token}).status_code == 302
        if lang == "en":
            token = csrf_from(client.get("/inbox").get_data(as_text=True))
            client.post("/lang", data={"lang": "en", "next": "/inbox", "csrf_token": token})
        seen = walk(client, ["/inbox?box=todo", "/inbox?box=group", "/inbox?box=done", "/inbox?box=started", "/messages/"])
        pages += len([t for t in seen.values() if t])
        for path, text in seen.items():
            if lang == "en":   # English words are words there: only escapes and snake_case codes are wrong
                found = sorted({m.group(0) for m in RAW.finditer(text) if "_" in m.group(0) or m.group(0).startswith("\\u")})
            else:
                found = sorted({m.group(0) for m in RAW.finditer(text)})
            if found:
                offenders.append((username, path, found))
    assert pages > 150
    assert not offenders, offenders
