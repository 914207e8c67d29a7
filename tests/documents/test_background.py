"""Background work never holds users up (issue 11, item 6): documents are rendered with no
transaction open and stored in a short one; data that change while a document renders are rendered
again; a write that cannot get the database answers 503 with Retry-After. Tests of order, never of
wall-clock time."""
from __future__ import annotations

import io
import re
import sqlite3
import threading

import pytest
from sqlalchemy import func, select, text
from werkzeug.security import generate_password_hash

from engine import SYSTEM_ACTOR, EventContext
from engine.identity import upsert_user
from webapp import create_app
from workflows.documents import request_render, service, store
from workflows.documents.tables import StoredDocument, Upload

from .conftest import utc
from .test_uploads import png

PASSWORD = "Peidai#2014"


def more_certificates(system, programme, count: int) -> list[int]:
    """``count`` certificates in all: the programme's one and more for other mentors of the round."""
    from workflows import tables as t

    ids = [programme["certificate"]]
    with system.engine.unit_of_work() as s:
        for i in range(1, count):
            person = t.Person(name=f"培带人{i}", gender="女", unit_id="hongshan", workplace="红山区医院")
            s.add(person)
            s.flush()
            nom = t.Nomination(round_id=programme["round"], unit_id="hongshan", name=person.name, gender="女",
                               category="professional", application_json="{}", status="appointed", person_id=person.id,
                               created_by="hongshan_submitter", created_at=utc(2014, 6, 1))
            s.add(nom)
            s.flush()
            cert = t.Certificate(number=f"CFPD-2014-{i + 1:04d}", nomination_id=nom.id, person_id=person.id,
                                 round_id=programme["round"], issued_at=utc(2014, 9, 1, 2))
            s.add(cert)
            s.flush()
            ids.append(cert.id)
    return ids


def request(system, kind, ref):
    with system.engine.unit_of_work() as s:
        request_render(EventContext(system.engine, s, None, SYSTEM_ACTOR, system.clock.now()), kind, ref)


def test_a_write_issued_while_a_certificate_batch_renders_commits_before_the_last_document_is_stored(
        docs_system, programme, monkeypatch):
    ids = more_certificates(docs_system, programme, 3)
    for cert_id in ids:
        request(docs_system, "certificate", cert_id)
    last = str(ids[-1])
    events: list[str] = []
    lock = threading.Lock()
    last_renders, write_done = threading.Event(), threading.Event()

    def note(what):
        with lock:
            events.append(what)

    render_file, record = store.render_file, store.record

    def rendering(data_dir, ref, fmt, data):
        if ref == last:
            last_renders.set()          # the user's write is issued now, while the last document renders
            write_done.wait(120)        # (a renderer holding the write lock would keep it from committing)
        return render_file(data_dir, ref, fmt, data)

    def recording(session, data_dir, ref, data, rendered, now):
        note(f"stored {ref}")
        return record(session, data_dir, ref, data, rendered, now)

    monkeypatch.setattr(store, "render_file", rendering)
    monkeypatch.setattr(store, "record", recording)
    results = []
    worker = threading.Thread(target=lambda: results.append(docs_system.engine.outbox.deliver_due(docs_system)))
    worker.start()
    try:
        assert last_renders.wait(120), "the batch never reached its last document"
        try:
            with docs_system.engine.unit_of_work() as s:       # an ordinary user's write
                upsert_user(s, "new_section_clerk", "新科员", memberships=[("talent_section", None)])
            note("user write committed")
        except Exception as exc:  # noqa: BLE001 - recorded, the assertion below says what went wrong
            note(f"user write failed: {exc}")
    finally:
        write_done.set()
        worker.join(180)
    assert results and results[0]["delivered"] == 3, results
    assert "user write committed" in events, events
    assert events.index("user write committed") < events.index(f"stored {last}"), events
    assert [e for e in events if e.startswith("stored")] == [f"stored {i}" for i in ids]


def test_data_changed_while_a_document_renders_are_rendered_again_before_anything_is_stored(
        docs_system, programme, data_dir, monkeypatch):
    from workflows import tables as t

    render_file = store.render_file
    names = []

    def rendering(data_dir_, ref, fmt, data):
        names.append(data.mentor_name)
        if len(names) == 1:  # a change commits while the first render runs (no transaction of ours is open)
            with docs_system.engine.unit_of_work() as s:
                s.get(t.Person, programme["mentor"]).name = "王建華"
        return render_file(data_dir_, ref, fmt, data)

    monkeypatch.setattr(store, "render_file", rendering)
    file = service.document_file(docs_system.engine, data_dir, "certificate", str(programme["certificate"]), "pdf",
                                 docs_system.clock.now())
    assert names == ["王建国", "王建華"]
    with docs_system.engine.sessions() as s:
        row = s.scalar(select(StoredDocument))
    assert row.renders == 1 and (data_dir / row.path) == file.path          # only the current render was stored
    assert [p.name for p in (data_dir / "documents" / "certificate").iterdir()] == [file.path.name]


def test_a_render_that_keeps_losing_the_race_gives_up_for_the_outbox_to_retry(docs_system, programme, data_dir,
                                                                              monkeypatch):
    from engine.outbox import Undeliverable
    from workflows import tables as t

    render_file, count = store.render_file, []

    def rendering(data_dir_, ref, fmt, data):
        count.append(1)
        with docs_system.engine.unit_of_work() as s:
            s.get(t.Person, programme["mentor"]).name = f"王建国{len(count)}"
        return render_file(data_dir_, ref, fmt, data)

    monkeypatch.setattr(store, "render_file", rendering)
    with pytest.raises(service.DocumentChanging) as raised:
        service.deliver_render({"kind": "certificate", "id": str(programme["certificate"])}, 1, docs_system)
    assert not isinstance(raised.value, Undeliverable) and len(count) == service.ATTEMPTS
    assert not (data_dir / "documents" / "certificate").exists() or not any((data_dir / "documents" / "certificate").iterdir())


# ------------------------------------------------------------------ 503 with Retry-After

def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


class DatabaseLock:
    """Another program holding the database: SQLite's write lock, or a PostgreSQL lock on a table."""

    def __init__(self, system, table: str = "document_uploads"):
        self.system = system
        self.table = table
        self.conn = None

    def __enter__(self):
        db = self.system.db
        if db.dialect.name == "sqlite":
            self.conn = sqlite3.connect(db.url.database, isolation_level=None)
            self.conn.execute("BEGIN IMMEDIATE")
        else:
            self.conn = db.connect()
            self.conn.begin()
            self.conn.execute(text(f"LOCK TABLE {self.table} IN EXCLUSIVE MODE"))   # reads go on, writes wait
        return self

    def __exit__(self, *exc):
        self.conn.rollback()
        self.conn.close()


@pytest.fixture
def app(docs_system):
    with docs_system.engine.unit_of_work() as s:
        upsert_user(s, "songshan_submitter", "松山申报", memberships=[("unit_submitter", "songshan")],
                    password_hash=generate_password_hash(PASSWORD, "pbkdf2:sha256:1000"))
    return create_app(docs_system, TESTING=True, PEIDAI_DB_WAIT_SECONDS=0.3, PEIDAI_RETRY_AFTER=7)


def test_a_write_that_cannot_get_the_database_answers_503_with_retry_after(app, docs_system, programme):
    client = app.test_client()
    token = csrf(client.get("/login").get_data(as_text=True))
    assert client.post("/login", data={"username": "songshan_submitter", "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    url = f"/documents/nominations/{programme['draft_nomination']}/uploads"
    token = csrf(client.get(url).get_data(as_text=True))

    def send(**headers):
        return client.post(url, data={"csrf_token": token, "category": "award", "file": (io.BytesIO(png()), "获奖证书.png")},
                           content_type="multipart/form-data", headers=headers)

    with DatabaseLock(docs_system):
        page = send()
        api = send(Accept="application/json")
    assert page.status_code == 503 and page.headers["Retry-After"] == "7"
    assert "系统繁忙，请稍后重试" in page.get_data(as_text=True)
    assert api.status_code == 503 and api.headers["Retry-After"] == "7"
    assert api.get_json()["code"] == "busy" and "系统繁忙" in api.get_json()["message"]
    with docs_system.engine.sessions() as s:
        assert s.scalar(select(func.count(Upload.id))) == 0
    uploads_dir = docs_system.settings.data_dir / "uploads"
    assert not uploads_dir.exists() or not any(p.is_file() for p in uploads_dir.rglob("*"))   # no file left behind

    assert send().status_code == 302                       # the database is free again: the same upload works
    with docs_system.engine.sessions() as s:
        assert s.scalar(select(func.count(Upload.id))) == 1


def test_an_api_write_on_a_busy_database_answers_503_json_with_retry_after(app, docs_system):
    from engine.tables import Instance
    from tests.conftest import FIXTURES, read_models
    from webapp.users import issue_token

    docs_system.engine.deploy(read_models(FIXTURES / "models"), comment="fixtures")
    with docs_system.engine.unit_of_work() as s:
        upsert_user(s, "submitter", "王申报", memberships=[("unit_submitter", "hongshan")])
    headers = {"Authorization": f"Bearer {issue_token(docs_system.engine, 'submitter')}"}
    start = {"process_key": "approval", "data": {"unit_id": "hongshan", "category": "professional", "round_id": "2014",
                                                 "title": "API 申报", "experts": ["expert1"], "years": 1}}
    client = app.test_client()
    with DatabaseLock(docs_system, "instances"):
        busy = client.post("/api/v1/instances", json=start, headers=headers)
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "7"
    assert busy.get_json()["code"] == "busy"
    with docs_system.engine.sessions() as s:
        assert s.scalar(select(func.count(Instance.id))) == 0
    assert client.post("/api/v1/instances", json=start, headers=headers).status_code == 201


def test_outside_requests_the_database_waits_as_long_as_before(app, docs_system):
    """The short wait is for web requests only: the worker and the command line keep theirs."""
    with app.test_request_context("/"):
        with docs_system.engine.sessions() as s:
            if docs_system.db.dialect.name == "sqlite":
                assert s.execute(text("PRAGMA busy_timeout")).scalar() == 300
            else:
                assert s.execute(text("SHOW lock_timeout")).scalar() == "300ms"
    with docs_system.engine.sessions() as s:
        if docs_system.db.dialect.name == "sqlite":
            assert s.execute(text("PRAGMA busy_timeout")).scalar() == 30000
        else:
            assert s.execute(text("SHOW lock_timeout")).scalar() == "0"


def test_other_database_errors_are_not_called_busy():
    from sqlalchemy.exc import OperationalError

    from webapp.busy import is_busy

    assert is_busy(OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked")))
    assert not is_busy(OperationalError("SELECT x", {}, sqlite3.OperationalError("no such column: x")))
