"""Dry runs that answer the question (issue 14): the default dry run works out of the box; the
programme dry run is queued by the page and run by the worker (the real Celery task, consumed from
a broker by a worker thread), for a round of any size, with progress and a Chinese report that puts
the draft beside the deployed version."""
from __future__ import annotations

import dataclasses
import re
import time

import pytest
from sqlalchemy import func, select

from engine.tables import Instance
from peidai.cli import read_model_files
from peidai.settings import PROJECT_ROOT
from webapp.admin import drafts, jobs

from .conftest import ADMIN

BPMN = PROJECT_ROOT / "bpmn"


@pytest.fixture
def backend():
    return "sqlite"


@pytest.fixture
def celery_app(system):
    from worker.app import make_celery
    settings = dataclasses.replace(system.settings, broker_url="memory://")
    return make_celery(lambda: system, settings=settings, queue="admin-tests")


@pytest.fixture
def app(system, people, celery_app):
    from webapp import create_app
    return create_app(system, TESTING=True, PEIDAI_CELERY=celery_app)


@pytest.fixture
def worker(celery_app):
    """A Celery worker consuming the broker in a thread of this process: the task the production
    worker runs (``peidai.run_dry_run`` in ``worker/tasks.py``)."""
    from celery.contrib.testing.worker import start_worker
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=60, loglevel="WARNING"):
        yield


def draft_of_programme(engine, change: bool = True) -> dict:
    """Version 1 is bpmn/; the draft asks for 10 years in Chifeng instead of 3."""
    engine.deploy(read_model_files(BPMN), comment="bpmn")
    d = drafts.create_from_version(engine, 1, ADMIN, name="工作年限改为10年")
    if change:
        files = dict(d["files"])
        cell = re.compile(r'(<inputEntry id="InputEntry_eligibility_2_4"><text>)(.*?)(</text>)')
        assert cell.search(files["eligibility.dmn"])
        files["eligibility.dmn"] = cell.sub(r"\g<1>&lt; 10\g<3>", files["eligibility.dmn"], count=1)
        d = drafts.save(engine, d["id"], files, ADMIN, revision=d["revision"])
    return d


def wait_for(fetch, until, what: str, attempts: int = 1200, pause: float = 0.25):
    """Poll until ``until(value)``; gives up after ``attempts`` polls (a guard, not a timing check)."""
    for _ in range(attempts):
        value = fetch()
        if until(value):
            return value
        time.sleep(pause)
    pytest.fail(f"gave up waiting for {what}: {value}")


def test_the_default_dry_run_works_out_of_the_box(admin_auth, engine):
    d = draft_of_programme(engine, change=False)
    html = admin_auth.client.get(f"/admin/drafts/{d['id']}").get_data(as_text=True)
    form = html.split('class="stack dry-run-form"')[1].split("</form>")[0]
    assert '<option value="nomination" selected>' in form and '<textarea name="start_data" rows="2" class="code">{}' in form
    # the form as it comes: 按流程逐个办理, nomination, 3, one year, {} and {}
    r = admin_auth.post(f"/admin/drafts/{d['id']}/dry-run", data={"mode": "generic", "process_key": "nomination",
                                                                  "count": "3", "years": "1", "start_data": "{}",
                                                                  "answers": "{}", "compare": "1"}, follow_redirects=True)
    html = r.get_data(as_text=True)
    report = drafts.get(engine, d["id"])["dry_run"]
    assert report["errors"] == [], report["errors"]
    assert 'id="dry-run-ok"' in html and "评选轮次" in report["prepared"]
    # since the list is signed in one act (issue 13) a nomination ends when it is submitted; the
    # committee reviews each in its own instance, started through the programme's outbox topic
    assert report["elements"]["nomination"]["EndEvent_Submitted"]["passed"] == 3
    assert report["elements"]["committee_review"]["EndEvent_Recommended"]["passed"] == 3
    assert report["comparison"]["changed"] == 0 and "结果完全相同" in html          # the draft is version 1
    assert "\\u" not in html
    with engine.sessions() as s:  # the real database is untouched
        assert s.scalar(select(func.count()).select_from(Instance)) == 0


def test_a_500_nomination_programme_dry_run_runs_in_the_worker_and_reports_progress(admin_auth, engine, worker):
    d = draft_of_programme(engine)
    r = admin_auth.post(f"/admin/drafts/{d['id']}/dry-run", data={"mode": "programme", "count": "500", "years": "1",
                                                                  "compare": "1"})
    assert r.status_code == 302
    job = jobs.latest_for_draft(engine, d["id"])
    assert job["total"] == 500 and job["scenario"]["count"] == 500

    def status():
        return admin_auth.client.get(f"/admin/dry-runs/{job['id']}").get_json()
    running = wait_for(status, lambda j: j["status"] == "running" and j["done"] >= 20, "progress from the worker")
    assert running["total"] == 500 and "填报与单位审核" in running["phase"] and running["active"]
    later = wait_for(status, lambda j: j["done"] > running["done"], "more progress")
    assert later["percent"] >= running["percent"]
    html = admin_auth.client.get(f"/admin/drafts/{d['id']}").get_data(as_text=True)
    assert 'id="dry-run-job"' in html and "/ 500" in html and 'id="cancel-dry-run"' in html
    assert 'id="run-dry-run" disabled' in html                            # one run at a time per draft

    admin_auth.post(f"/admin/dry-runs/{job['id']}/cancel")                # it stops at its next progress step
    done = wait_for(status, lambda j: not j["active"], "the cancellation")
    assert done["status"] == "cancelled" and done["done"] < 500
    with engine.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Instance)) == 0


def test_programme_dry_run_reports_in_chinese_beside_the_deployed_version(admin_auth, engine, worker):
    d = draft_of_programme(engine)
    admin_auth.post(f"/admin/drafts/{d['id']}/dry-run", data={"mode": "programme", "count": "8", "years": "1",
                                                              "compare": "1"})
    job = jobs.latest_for_draft(engine, d["id"])
    wait_for(lambda: jobs.get(engine, job["id"]), lambda j: not j["active"], "the dry run")
    assert jobs.get(engine, job["id"])["status"] == "done"
    html = admin_auth.client.get(f"/admin/drafts/{d['id']}").get_data(as_text=True)
    assert "\\u" not in html
    stats = dict(re.findall(r'<div data-key="(\w+)"><dt>([^<]+)</dt>', html))
    assert stats["nominations"] == "推荐人数" and stats["signed_off"] == "签批聘任" and stats["eligible"] == "符合选拔条件"
    changed = html.split('id="dry-run-comparison"')[1].split("</table>")[0]
    table = html.split('id="dry-run-comparison"')[1].split('id="dry-run-new-paths"')[0]   # changed, then the same
    rows = re.findall(r"<td>([^<]+)</td><td>([^<]+)</td>\s*<td class=\"num\">(\d+)</td><td class=\"num\">(\d+)</td>", table)
    by_label = {(g, label): (int(a), int(b)) for g, label, a, b in rows}
    base, draft = by_label[("培带工程统计", "推荐人数")]
    assert base == draft == 8
    base, draft = by_label[("培带工程统计", "符合选拔条件")]
    assert draft < base                                 # 10 years in Chifeng instead of 3: fewer are eligible
    assert "符合选拔条件" in changed and "推荐人数" not in changed   # what changed comes first
    report = drafts.get(engine, d["id"])["dry_run"]
    assert report["comparison"]["base_label"] == "版本 1" and report["scenario"]["count"] == 8
