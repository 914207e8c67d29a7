"""/healthz, /readyz and /metrics (issue 16, item 5)."""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import text

from webapp import create_app


@pytest.fixture
def app(system, ops_users):
    return create_app(system, TESTING=True)


@pytest.fixture
def client(app):
    return app.test_client()


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_healthz_and_readyz_answer_anonymously_with_ok_per_check_only(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json == {"status": "ok"}
    r = client.get("/readyz")
    assert r.status_code == 200, r.json
    assert r.json == {"status": "ok", "checks": {"database": "ok", "migrations": "ok", "broker": "ok", "fonts": "ok"}}


def test_readyz_fails_when_the_schema_is_behind_or_the_broker_is_gone_and_says_no_more(system, client, caplog):
    with system.db.begin() as conn:
        heads = list(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
        conn.execute(text("DELETE FROM alembic_version WHERE version_num = :v"), {"v": heads[0]})
    system.settings.broker_url = "redis://127.0.0.1:1/0"   # nothing listens there
    try:
        r = client.get("/readyz")
    finally:
        with system.db.begin() as conn:
            conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": heads[0]})
    assert r.status_code == 503
    assert r.json == {"status": "fail", "checks": {"database": "ok", "migrations": "fail", "broker": "fail", "fonts": "ok"}}
    body = r.get_data(as_text=True)
    assert heads[0] not in body and "127.0.0.1" not in body and "Error" not in body   # no details leak
    assert any("migrations" in rec.getMessage() for rec in caplog.records)   # the reason is in the log


def test_readyz_fails_when_the_database_does_not_answer(tmp_path, clock, ops_users):
    from peidai.bootstrap import bootstrap
    from peidai.settings import Settings
    missing = tmp_path / "no-such-dir" / "x.sqlite"
    settings = Settings(database_url=f"sqlite:///{missing}", data_dir=tmp_path, secret_key="t", testing=True)
    system = bootstrap(settings, clock=clock)
    missing.parent.rmdir()   # make_engine created the folder: without it the file cannot be opened
    r = create_app(system, TESTING=True).test_client().get("/readyz")
    assert r.status_code == 503
    assert r.json["checks"]["database"] == "fail" and r.json["checks"]["migrations"] == "fail"


def test_metrics_need_the_token_or_an_administrator(system, client, ops_users):
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers=bearer("wrong")).status_code == 401
    assert client.get("/metrics", headers=bearer(ops_users["reviewer"])).status_code == 403
    r = client.get("/metrics", headers=bearer(ops_users["admin"]))
    assert r.status_code == 200 and r.mimetype == "text/plain"
    system.settings.metrics_token = "scrape-secret"
    assert client.get("/metrics", headers=bearer("scrape-secret")).status_code == 200
    assert client.get("/metrics", headers=bearer("scrape-secre")).status_code == 401


def samples(text_body: str) -> dict[str, float]:
    out = {}
    for line in text_body.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out


def test_metrics_count_open_and_overdue_tasks_backlog_timer_lag_incidents_and_latency(system, engine, clock, client,
                                                                                      ops_users, deploy_fixture_models,
                                                                                      add_user):
    from engine.tables import OutboxMessage
    system.settings.metrics_token = "t"
    sub = add_user("sub", ("unit_submitter", "u1"))
    add_user("rev", ("unit_reviewer", "u1"))
    for _ in range(2):
        engine.start("approval", {"unit_id": "u1", "category": "professional", "experts": ["e1"], "years": 1}, sub)
    with engine.unit_of_work() as s:
        engine.outbox.emit(s, "test/nowhere", {"x": 1}, "m1")
        engine.outbox.emit(s, "test/nowhere", {"x": 2}, "m2")
    with engine.unit_of_work() as s:
        s.query(OutboxMessage).filter_by(idempotency_key="m2").update({"status": "incident"})
    clock.advance(hours=2)
    client.get("/healthz")
    got = samples(client.get("/metrics", headers=bearer("t")).get_data(as_text=True))
    assert got['peidai_open_tasks{process="approval"}'] == 2
    assert got["peidai_outbox_backlog"] >= 1
    assert got["peidai_outbox_oldest_age_seconds"] >= 7200
    assert got['peidai_incidents{kind="outbox"}'] == 1
    assert got['peidai_incidents{kind="instance"}'] == 0
    assert got["peidai_timer_lag_seconds"] == 0
    assert any(k.startswith("peidai_http_request_duration_seconds_count") and 'endpoint="health.healthz"' in k
               for k in got)

    # a due timer not fired yet: its lag grows with the clock; an overdue task is counted
    from engine.tables import HumanTask, Timer
    with engine.unit_of_work() as s:
        iid = s.query(HumanTask.instance_id).first()[0]
        s.add(Timer(instance_id=iid, task_uuid="00000000-0000-0000-0000-000000000000", element_id="T",
                    due_at=clock.now() - timedelta(minutes=5)))
        s.query(HumanTask).filter(HumanTask.instance_id == iid).update({"due_at": clock.now() - timedelta(days=1)})
    got = samples(client.get("/metrics", headers=bearer("t")).get_data(as_text=True))
    assert got["peidai_timer_lag_seconds"] == pytest.approx(300, abs=1)
    assert got["peidai_timers_due"] == 1
    assert got['peidai_overdue_tasks{process="approval"}'] == 1

    # a suspended instance's timer waits for the resume: no lag the sweep could catch up
    engine.suspend(iid, engine.actor_for("admin"), "暂停")
    got = samples(client.get("/metrics", headers=bearer("t")).get_data(as_text=True))
    assert got["peidai_timer_lag_seconds"] == 0 and got["peidai_timers_due"] == 0


def test_json_log_lines(capsys, monkeypatch):
    import logging

    from peidai.logs import configure_logging
    monkeypatch.setenv("PEIDAI_LOG_FORMAT", "json")
    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    try:
        configure_logging("web", "INFO")
        log = logging.getLogger("peidai.test")
        log.info("办理完成 %s", 7, extra={"task_id": 7})
        try:
            raise ValueError("坏\n数据")
        except ValueError:
            log.exception("失败")
    finally:
        for h in list(root.handlers):
            if getattr(h, "_peidai", False):
                root.removeHandler(h)
        root.handlers[:] = before[0]
        root.setLevel(before[1])
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["msg"] == "办理完成 7" and first["level"] == "INFO" and first["role"] == "web"
    assert first["task_id"] == 7 and first["logger"] == "peidai.test"
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", first["ts"])
    assert second["level"] == "ERROR" and "ValueError: 坏\n数据" in second["exc"]
