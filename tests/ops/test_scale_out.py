"""Scale-out, shown (issue 16, item 2): two web servers (gunicorn, different ports), two workers and
two schedulers on one PostgreSQL, one Redis (broker and log-in throttle) and one data folder. A
selection round is driven through both web servers alternately over real HTTP, on a virtual clock
all processes share:

* no lost update: the same claim and the same completion sent to both servers at once have one
  winner and one 409, every task is completed once;
* a change made through one server is seen at once through the other (each server caches workflows:
  the cache is checked against the row's lock_version);
* each timer fires once (two schedulers and two workers sweep), each reminder and mail goes out once
  (an SMTP server of the test's own counts them), each certificate is rendered once;
* the log-in throttle is shared: failures through both servers add up.

Skipped with the reason printed where PostgreSQL or Redis is absent; a failure under CI=true.
"""
from __future__ import annotations

import json
import re
import socketserver
import sys
import threading
import uuid
from collections import Counter

import pytest
from sqlalchemy import func, select, update
from werkzeug.security import generate_password_hash

from engine.tables import AuditEvent, OutboxMessage, Timer, User
from peidai.bootstrap import bootstrap
from peidai.db import upgrade
from peidai.settings import PROJECT_ROOT, Settings
from tests.conftest import PG_ADMIN_URL, _create_pg_database, _drop_pg_database, require_server
from tests.worker.support import FileClock
from webapp.users import issue_token
from workflows.driver import Driver, sample_application
from workflows.notifications.tables import Mail, Notification

from .conftest import ROOT, answers, clean_env, free_port, http, wait_for

BROKER = "redis://127.0.0.1:6379/9"
THROTTLE = "redis://127.0.0.1:6379/12"
PASSWORD = "Peidai#2014"
UNITS = ("hongshan", "ningcheng")          # these two nominate; every other unit is reminded


class SMTPSink:
    """A minimal SMTP server on localhost that keeps (recipient, subject) of every mail it takes."""

    def __init__(self):
        self.mails: list[tuple[str, str]] = []
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                def say(line):
                    self.wfile.write(line.encode() + b"\r\n")
                say("220 sink ESMTP")
                rcpt = []
                while True:
                    line = self.rfile.readline()
                    if not line:
                        return
                    cmd = line.decode(errors="replace").strip()
                    verb = cmd.split(" ", 1)[0].upper()
                    if verb in ("EHLO", "HELO"):
                        say("250 sink")
                    elif verb == "MAIL":
                        rcpt = []
                        say("250 ok")
                    elif verb == "RCPT":
                        rcpt.append(cmd.split(":", 1)[1].strip(" <>"))
                        say("250 ok")
                    elif verb == "DATA":
                        say("354 go on")
                        body = b""
                        while not body.endswith(b"\r\n.\r\n"):
                            chunk = self.rfile.readline()
                            if not chunk:
                                return
                            body += chunk
                        from email import message_from_bytes
                        from email.header import decode_header, make_header
                        msg = message_from_bytes(body[:-5])
                        subject = str(make_header(decode_header(msg.get("Subject", ""))))
                        with lock:
                            sink.mails.extend((r, subject) for r in rcpt)
                        say("250 queued")
                    elif verb == "QUIT":
                        say("221 bye")
                        return
                    else:
                        say("250 ok")

        lock = threading.Lock()
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def servers():
    require_server("PostgreSQL", "127.0.0.1", 5432)
    require_server("Redis", "127.0.0.1", 6379)


@pytest.fixture
def pg_url(servers):
    name = _create_pg_database()
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    upgrade(url)
    yield url
    _drop_pg_database(name)


@pytest.fixture
def smtp():
    sink = SMTPSink()
    yield sink
    sink.close()


@pytest.fixture
def queue():
    name = f"peidai-scale-{uuid.uuid4().hex[:10]}"
    yield name
    import redis
    for url in (BROKER, THROTTLE):
        client = redis.Redis.from_url(url)
        for key in client.scan_iter(f"*{name}*"):
            client.delete(key)
        client.close()


class Web:
    """One web server, reached over HTTP with a user's API token."""

    def __init__(self, name: str, base: str, tokens: dict):
        self.name, self.base, self.tokens = name, base, tokens

    def call(self, method: str, path: str, user: str, body: dict | None = None):
        headers = {"Authorization": f"Bearer {self.tokens[user]}"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        status, _h, raw = http(method, self.base + path, data, headers)
        assert status < 500, f"{self.name} {method} {path}: {status} {raw[:500]!r}"
        return status, (json.loads(raw) if raw[:1] in (b"{", b"[") else raw)

    def tasks(self, user: str) -> list[dict]:
        out = []
        for box in ("todo", "group"):
            status, page = self.call("GET", f"/api/v1/tasks?box={box}&per_page=100", user)
            assert status == 200, page
            out += page["items"]
        return out

    def task(self, user: str, instance_id: int, element: str) -> dict | None:
        return next((t for t in self.tasks(user) if t["instance_id"] == instance_id and t["element_id"] == element), None)

    def complete(self, user: str, task_id: int, data: dict) -> int:
        status, body = self.call("POST", f"/api/v1/tasks/{task_id}/complete", user, {"data": data})
        assert status == 200, body
        return status


def race(calls) -> list[int]:
    """Send the calls at the same moment (one thread each); their statuses."""
    barrier = threading.Barrier(len(calls))
    out = [0] * len(calls)

    def go(i, fn):
        barrier.wait()
        out[i] = fn()

    threads = [threading.Thread(target=go, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return out


def next_due(system) -> object:
    with system.sessions() as s:
        return s.scalar(select(func.min(Timer.due_at)))


def count(system, query) -> int:
    with system.sessions() as s:
        return s.scalar(query)


def test_a_round_through_two_web_servers_two_workers_and_two_schedulers(tmp_path, pg_url, smtp, queue, processes):
    from datetime import timedelta

    from workflows.documents.tables import StoredDocument
    from workflows.tables import Nomination, Round

    data_dir = tmp_path / "shared"
    clock = FileClock(tmp_path / "clock.txt", "2014-05-19T09:00:00+08:00")
    system = bootstrap(Settings(database_url=pg_url, data_dir=data_dir, secret_key="scale"), clock=clock)
    d = Driver(system)
    cheap = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    users = d.seed(experts_per_panel=3, password_hash=lambda _u: cheap)
    d.deploy(PROJECT_ROOT / "bpmn")
    with system.engine.unit_of_work() as s:
        s.execute(update(User).values(email=User.username + "@example.cn"))
    names = [u[0] for u in users]
    tokens = {u: issue_token(system.engine, u) for u in names
              if u in ("section", "director") or u.startswith(UNITS) or u.startswith("expert_professional")}

    env = clean_env(PEIDAI_DATABASE_URL=pg_url, PEIDAI_BROKER_URL=BROKER, PEIDAI_QUEUE=queue,
                    PEIDAI_RATELIMIT_STORAGE_URL=THROTTLE, PEIDAI_DATA_DIR=data_dir, PEIDAI_SECRET_KEY="scale",
                    PEIDAI_TIMER_INTERVAL=1, PEIDAI_OUTBOX_INTERVAL=1, PEIDAI_OVERDUE_INTERVAL=3600,
                    PEIDAI_SMTP_HOST="127.0.0.1", PEIDAI_SMTP_PORT=smtp.port, PEIDAI_TEST_CLOCK_FILE=clock.path,
                    PEIDAI_METRICS_TOKEN="m", PEIDAI_LOG_LEVEL="WARNING", PYTHONPATH=ROOT)
    ports = [free_port(), free_port()]
    for i, port in enumerate(ports):
        processes.start(f"web{i}", [str(ROOT / "tests" / "ops" / "run_web.py"), str(port)], env, cmd=[sys.executable])
    for i in range(2):
        processes.start(f"worker{i}", [str(ROOT / "tests" / "worker" / "run_worker.py"), "--concurrency=1"], env,
                        cmd=[sys.executable])
        (tmp_path / f"beat{i}").mkdir()
        processes.start(f"beat{i}", ["beat", "--loglevel=WARNING"], env | {"PEIDAI_DATA_DIR": str(tmp_path / f"beat{i}")})
    webs = [Web(f"web{i}", f"http://127.0.0.1:{p}", tokens) for i, p in enumerate(ports)]
    for w in webs:
        wait_for(lambda: answers(w.base + "/readyz"), timeout=120, message=f"{w.name} ready")
    a, b = webs

    # the talent section opens the round through A
    status, body = a.call("POST", "/api/v1/instances", "section", {
        "process_key": "selection_round", "data": {"year": 2014, "reminder_days": [30], "experts_per_panel": 3}})
    assert status in (200, 201), body
    round_iid = body["id"]
    with system.sessions() as s:
        rid = s.scalar(select(Round.id).where(Round.year == 2014))

    nominations = {}
    for n, unit in enumerate(UNITS):
        x, y = (a, b) if n % 2 == 0 else (b, a)
        status, body = x.call("POST", "/api/v1/instances", f"{unit}_sub",
                              {"process_key": "nomination", "data": {"round_id": rid, "unit_id": unit}})
        assert status in (200, 201), body
        iid = nominations[unit] = body["id"]
        fill = y.task(f"{unit}_sub", iid, "Task_Fill")                 # started through x, seen through y
        assert fill is not None
        assert y.call("GET", f"/api/v1/tasks/{fill['id']}", f"{unit}_sub")[0] == 200   # y caches the workflow
        x.complete(f"{unit}_sub", fill["id"], sample_application(f"候选人{n}"))
        status, seen = y.call("GET", f"/api/v1/tasks/{fill['id']}", f"{unit}_sub")
        assert seen["state"] == "completed"                              # y sees x's change at once
        review = y.task(f"{unit}_rev", iid, "Task_UnitReview")
        assert review is not None
        rev = f"{unit}_rev"
        assert review["assignee"] == rev                                 # the unit's only reviewer: assigned at once
        assert x.call("POST", f"/api/v1/tasks/{review['id']}/unclaim", rev)[0] == 200   # given back: both servers race for it
        claims = race([lambda w=w: w.call("POST", f"/api/v1/tasks/{review['id']}/claim", rev)[0] for w in webs])
        assert sorted(claims) == [200, 409], claims
        done = race([lambda w=w: w.call("POST", f"/api/v1/tasks/{review['id']}/complete", rev,
                                        {"data": {"unit_decision": "approve", "conditions_attested": True}})[0] for w in webs])
        assert sorted(done) == [200, 409], done

    # 30 days before the deadline: every unit that has not nominated is reminded, once
    clock.set(next_due(system) + timedelta(seconds=1))
    others = sorted(f"{uid}_sub" for uid in _unit_ids() if uid not in UNITS)
    reminded = lambda: count(system, select(func.count(func.distinct(Notification.username))).where(   # noqa: E731
        Notification.template == "deadline_reminder", Notification.username.in_(others)))
    wait_for(lambda: reminded() == len(others), timeout=90, message="reminders")

    # the deadline: the round closes and the committee's reviews start
    with system.sessions() as s:
        deadline = s.scalar(select(Round.deadline).where(Round.id == rid))
    clock.set(deadline + timedelta(hours=16))
    wait_for(lambda: count(system, select(func.count()).select_from(Nomination).where(
        Nomination.review_instance_id.is_not(None))) == len(UNITS), timeout=90, message="committee reviews started")

    experts = sorted(u for u in tokens if u.startswith("expert_professional"))
    votes = 0
    for n, expert in enumerate(experts):
        w = webs[n % 2]
        mine = [t for t in wait_for(lambda e=expert: [t for t in w.tasks(e) if t["element_id"] == "Task_ExpertReview"]
                                    or None, timeout=60, message=f"{expert}'s reviews")]
        for k, t in enumerate(mine):
            webs[(n + k) % 2].complete(expert, t["id"], {"opinion": {"vote": "agree", "score": 85, "comment": "同意"}})
            votes += 1
    assert votes == len(UNITS) * len(experts)

    prepare = wait_for(lambda: a.task("section", round_iid, "Task_PrepareList"), timeout=60, message="list to prepare")
    a.complete("section", prepare["id"], {"comment": ""})
    sign = wait_for(lambda: b.task("director", round_iid, "Task_SignList"), timeout=60, message="list to sign")
    b.complete("director", sign["id"], {"sign_list": "sign", "comment": "", "struck": []})

    # certificates: rendered once each, by one of the workers
    certificates = lambda: count(system, select(func.count()).select_from(StoredDocument).where(   # noqa: E731
        StoredDocument.kind == "certificate"))
    wait_for(lambda: certificates() >= len(UNITS), timeout=120, message="certificates rendered")
    wait_for(lambda: count(system, select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.status != "delivered")) == 0, timeout=90, message="outbox empty")

    # ---------------------------------------------------------------- what happened, once each
    with system.sessions() as s:
        completed = Counter(s.scalars(select(AuditEvent.task_uuid).where(AuditEvent.action == "task_completed")))
        fired = Counter(s.execute(select(AuditEvent.instance_id, AuditEvent.at).where(
            AuditEvent.action == "timer_fired")).all())
        reminders = Counter(s.scalars(select(Notification.username).where(Notification.template == "deadline_reminder")))
        mails = s.execute(select(Mail.to_address, Mail.subject, Mail.status)).all()
        docs = s.execute(select(StoredDocument.kind, StoredDocument.ref, StoredDocument.fmt,
                                StoredDocument.renders)).all()
    assert completed and max(completed.values()) == 1, completed.most_common(3)
    assert fired and max(fired.values()) == 1, fired.most_common(3)
    assert set(others) <= set(reminders) and set(reminders.values()) == {1}
    assert not any(user.startswith(UNITS) for user in reminders)        # the units that nominated
    assert {m.status for m in mails} == {"sent"}
    # what the SMTP server took is exactly the mails recorded, each once
    recorded = Counter((m.to_address.rsplit("<", 1)[-1].rstrip(">"), m.subject) for m in mails)
    assert Counter(smtp.mails) == recorded
    certs = [doc for doc in docs if doc.kind == "certificate"]
    assert len(certs) == len(UNITS) and all(doc.renders == 1 for doc in certs)
    assert len({(doc.kind, doc.ref, doc.fmt) for doc in docs}) == len(docs)
    files = list((data_dir / "documents" / "certificate").glob("*.pdf"))
    assert len(files) == len(UNITS)

    # the operators' view agrees, from either server
    status, _h, raw = http("GET", b.base + "/metrics", headers={"Authorization": "Bearer m"})
    metrics = dict(line.rsplit(" ", 1) for line in raw.decode().splitlines() if line and not line.startswith("#"))
    assert float(metrics["peidai_outbox_backlog"]) == 0 and float(metrics["peidai_timer_lag_seconds"]) == 0
    assert float(metrics['peidai_incidents{kind="outbox"}']) == 0

    # the log-in throttle is shared: 5 failures through A and B together refuse the 6th anywhere
    account = f"nobody-{uuid.uuid4().hex[:8]}"
    browser = Browser()
    statuses = [browser.login(webs[i % 2].base, account, "wrong") for i in range(6)]
    assert statuses[:5] == [401] * 5 and statuses[5] == 429, statuses
    system.dispose()


def _unit_ids() -> list[str]:
    from workflows.units import UNITS as ALL
    return [u[0] for u in ALL]


class Browser:
    """Log-in through the form with one cookie jar for both servers (cookies ignore the port; the
    session and CSRF token of the first page are valid on both: they share the secret key)."""

    def __init__(self):
        import http.cookiejar
        import urllib.request
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.csrf = None

    def login(self, base: str, username: str, password: str) -> int:
        import urllib.error
        import urllib.request
        from urllib.parse import urlencode
        if self.csrf is None:
            with self.opener.open(base + "/login", timeout=30) as r:
                self.csrf = re.search(r'name="csrf_token" value="([^"]+)"', r.read().decode()).group(1)
        form = urlencode({"csrf_token": self.csrf, "username": username, "password": password}).encode()
        try:
            with self.opener.open(urllib.request.Request(base + "/login", data=form, method="POST"), timeout=30) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code
