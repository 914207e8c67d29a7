"""The production web server and clean shutdown (issue 16, items 1 and 5), with real processes.

* ``peidai web`` is gunicorn; with several workers on SQLite, concurrent claims and completions of
  the same tasks through real HTTP give one winner and 409s, never a 5xx or a lost update; the
  latency of every worker is in /metrics; the access log is JSON lines when asked.
* ``peidai serve`` (web, worker, beat) stops completely on SIGTERM, sent to its process alone or
  to its whole process group, within the stop timeout.
* A worker whose process group gets SIGTERM in the middle of a job finishes the job (a warm
  shutdown), and exits within the stop timeout.
"""
from __future__ import annotations

import json
import os
import re
import signal
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.identity import upsert_user
from engine.queries import instance_tasks
from engine.tables import AuditEvent, HumanTask, OutboxMessage
from peidai.bootstrap import bootstrap
from peidai.db import upgrade
from peidai.settings import Settings
from tests.conftest import read_models, FIXTURES
from webapp.users import issue_token

from .conftest import ROOT, alive, answers, clean_env, descendants, free_port, http, wait_for

STOP_TIMEOUT = 15


def sqlite_system(tmp_path: Path):
    data = tmp_path / "data"
    url = f"sqlite:///{data / 'peidai.sqlite'}"
    upgrade(url)
    return bootstrap(Settings(database_url=url, data_dir=data, secret_key="ops-test"))


def test_several_gunicorn_workers_on_sqlite_one_winner_per_claim_and_completion(tmp_path, processes):
    system = sqlite_system(tmp_path)
    engine = system.engine
    engine.deploy(read_models(FIXTURES / "models"), comment="fixtures")
    reviewers = [f"rev{i}" for i in range(4)]
    with engine.unit_of_work() as s:
        upsert_user(s, "sub", "申报人", memberships=[("unit_submitter", "u1")])
        for r in reviewers:
            upsert_user(s, r, r, memberships=[("unit_reviewer", "u1")])
    tokens = {u: issue_token(engine, u) for u in reviewers + ["sub"]}
    sub = engine.actor_for("sub")
    review_ids = []
    for _ in range(6):
        iid = engine.start("approval", {"unit_id": "u1", "category": "professional", "experts": ["e1"], "years": 1}, sub)
        fill = next(t for t in instance_tasks(engine, iid) if t["element_id"] == "Task_Fill")
        engine.complete_task(fill["id"], {"name": "张三"}, sub)
        review_ids.append(next(t["id"] for t in instance_tasks(engine, iid) if t["element_id"] == "Task_Review"))

    port = free_port()
    env = clean_env(PEIDAI_DATABASE_URL=system.settings.database_url, PEIDAI_DATA_DIR=system.settings.data_dir,
                    PEIDAI_LOG_FORMAT="json", PEIDAI_METRICS_TOKEN="m", PEIDAI_LOG_LEVEL="INFO")
    processes.start("web", ["web", "--port", str(port), "--workers", "3", "--threads", "2"], env)
    base = f"http://127.0.0.1:{port}"
    wait_for(lambda: answers(base + "/healthz"), timeout=90, message="gunicorn answering")

    def race(method_path_body: list[tuple[str, str, dict, str]]) -> list[int]:
        barrier = threading.Barrier(len(method_path_body))
        out = [0] * len(method_path_body)

        def go(i, method, path, body, user):
            barrier.wait()
            out[i] = http(method, base + path, json.dumps(body).encode(), {
                "Authorization": f"Bearer {tokens[user]}", "Content-Type": "application/json"})[0]

        threads = [threading.Thread(target=go, args=(i, *args)) for i, args in enumerate(method_path_body)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        return out

    winners = {}
    for tid in review_ids:
        statuses = race([("POST", f"/api/v1/tasks/{tid}/claim", {}, r) for r in reviewers])
        assert sorted(statuses) == [200, 409, 409, 409], statuses
        winners[tid] = reviewers[statuses.index(200)]
    for tid in review_ids:
        # the claimant twice at once, and a colleague: one completion
        statuses = race([("POST", f"/api/v1/tasks/{tid}/complete", {"data": {"decision": "approve"}}, user)
                         for user in (winners[tid], winners[tid], next(r for r in reviewers if r != winners[tid]))])
        assert statuses.count(200) == 1 and all(s in (403, 409) for s in statuses if s != 200), statuses

    with engine.sessions() as s:
        done = s.scalar(select(func.count()).select_from(HumanTask).where(
            HumanTask.id.in_(review_ids), HumanTask.state == "completed"))
        completions = s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "task_completed", AuditEvent.element_id == "Task_Review"))
        claims = s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "task_claimed"))
    assert done == len(review_ids) and completions == len(review_ids) and claims == len(review_ids)

    # every worker's latencies in one scrape (prometheus-client's multiprocess mode)
    status, _h, body = http("GET", base + "/metrics", headers={"Authorization": "Bearer m"})
    assert status == 200
    claimed = sum(float(line.rsplit(" ", 1)[1]) for line in body.decode().splitlines()
                  if line.startswith("peidai_http_request_duration_seconds_count{") and 'method="POST"' in line
                  and re.search(r'endpoint="api[^"]*\.claim', line))
    assert claimed == 4 * len(review_ids)

    # the access log: one JSON object per line
    log = processes.log("web")
    access = [json.loads(line) for line in log.splitlines() if line.startswith("{") and '"duration_ms"' in line]
    assert any(a["path"] == f"/api/v1/tasks/{review_ids[0]}/claim" and a["status"] in (200, 409) for a in access)
    assert all(line.startswith("{") for line in log.splitlines() if line.strip()), log[-2000:]
    system.dispose()


def _serve(tmp_path, processes, name):
    data = tmp_path / name
    port = free_port()
    env = clean_env(PEIDAI_DATA_DIR=data, PEIDAI_PORT=port, PEIDAI_QUEUE=f"ops-{port}", PEIDAI_STOP_TIMEOUT=STOP_TIMEOUT,
                    PEIDAI_TIMER_INTERVAL=1, PEIDAI_WEB_WORKERS=1, PEIDAI_WEB_THREADS=2)
    upgrade(f"sqlite:///{data / 'peidai.sqlite'}")
    proc = processes.start(name, ["serve", "--concurrency", "1"], env)
    wait_for(lambda: "培带系统已启动" in processes.log(name), timeout=120, message="serve started")
    # web (+1 gunicorn worker), worker (+1 pool process), beat
    wait_for(lambda: len(descendants(proc.pid)) >= 5, timeout=60, message="every process started")
    return proc, port


def test_serve_stops_every_process_on_sigterm_to_its_group_within_the_stop_timeout(tmp_path, processes):
    """SIGTERM to the whole group as systemd (KillMode=control-group) or docker stop send it; SIGINT
    to the group, as Ctrl-C does, is tests/worker/test_serve.py."""
    target = "group"
    proc, port = _serve(tmp_path, processes, f"serve-{target}")
    tree = descendants(proc.pid) | {proc.pid}
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(STOP_TIMEOUT + 10)
    wait_for(lambda: not any(alive(p) for p in tree), timeout=5, message="no process left")
    assert proc.returncode == 0
    log = processes.log(f"serve-{target}")
    # within the stop timeout: the supervisor had to kill nothing (it says so when it does)
    assert "培带系统已停止" in log and "强制结束" not in log
    assert "exited with 'signal" not in log   # no pool process of the worker was killed
    assert not answers(f"http://127.0.0.1:{port}/healthz")


def test_the_supervisor_stops_the_others_when_one_child_dies_and_kills_what_ignores_sigterm(monkeypatch, tmp_path):
    """``peidai serve``'s supervisor with stand-in children (no system to boot)."""
    from webapp import cli
    monkeypatch.setattr(cli, "PEIDAI", [sys.executable, "-c"])
    marker = tmp_path / "deaf"
    stubborn = (f"import signal, time, pathlib; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
                f"pathlib.Path({str(marker)!r}).touch(); time.sleep(60)")
    children = cli.Children(stop_timeout=1.0)
    polite = children.start("web", ["import time; time.sleep(60)"])
    deaf = children.start("worker", [stubborn])
    wait_for(marker.exists, timeout=30, message="SIGTERM ignored")
    short = children.start("beat", ["import sys; sys.exit(3)"])
    assert children.watch() == 1                      # the beat exited by itself
    children.stop()
    assert polite.returncode == -signal.SIGTERM and deaf.returncode == -signal.SIGKILL and short.returncode == 3
    children = cli.Children(stop_timeout=1.0)
    children.start("web", ["import time; time.sleep(60)"])
    children.request_stop(signal.SIGTERM, None)
    assert children.watch() == 0
    children.stop()


def test_a_worker_group_sigterm_mid_job_finishes_the_job_then_exits(tmp_path, processes):
    """The issue: SIGTERM to a worker's process group killed its pool processes mid-job and left the
    main process waiting for SIGKILL."""
    from tests.worker.support import FileClock, worker_system  # noqa: F401  (the worker tests' doubles)
    data = tmp_path / "data"
    url = f"sqlite:///{data / 'peidai.sqlite'}"
    upgrade(url)
    clock = FileClock(tmp_path / "clock.txt", "2014-05-19T09:00:00+08:00")
    hang = tmp_path / "hang"
    hang.touch()
    system = bootstrap(Settings(database_url=url, data_dir=data, secret_key="t"), clock=clock)
    with system.engine.unit_of_work() as s:
        upsert_user(s, "section", "人才科", memberships=[("talent_section", None)])
        system.engine.outbox.emit(s, "test/slow_notify", {"template": "decision_result", "users": ["section"],
                                                          "context": {"name": "张三", "outcome_label": "同意"}}, "slow:1")
    env = clean_env(PEIDAI_DATABASE_URL=url, PEIDAI_DATA_DIR=data, PEIDAI_QUEUE=f"ops-{os.getpid()}-{time.time_ns()}",
                    PEIDAI_OUTBOX_INTERVAL=1, PEIDAI_TIMER_INTERVAL=1, PEIDAI_TEST_CLOCK_FILE=clock.path,
                    PEIDAI_TEST_HANG_FILE=hang, PYTHONPATH=ROOT)
    worker = processes.start("worker", [str(ROOT / "tests" / "worker" / "run_worker.py"), "--beat"], env, cmd=[sys.executable])

    def status():
        with system.sessions() as s:
            return s.scalar(select(OutboxMessage.status).where(OutboxMessage.idempotency_key == "slow:1"))

    from workflows.notifications.tables import Notification

    def effect():
        with system.sessions() as s:
            return s.scalar(select(func.count()).select_from(Notification))

    wait_for(effect, timeout=90, message="the slow job under way")
    tree = descendants(worker.pid) | {worker.pid}
    os.killpg(worker.pid, signal.SIGTERM)
    time.sleep(1.0)
    assert status() == "pending"          # still running: the job was not killed ...
    hang.unlink()                          # ... and now it ends
    worker.wait(STOP_TIMEOUT)
    assert status() == "delivered"
    wait_for(lambda: not any(alive(p) for p in tree), timeout=5, message="no pool process left")
    log = processes.log("worker")
    assert "Warm shutdown" in log and "exited with 'signal" not in log and "WorkerLostError" not in log
    system.dispose()
