"""Dry runs in the worker: the programme dry run (a whole round, any size) does not run in a web
request. The page queues a job (:func:`submit`) and wakes the worker (:func:`wake`, the Celery
task ``peidai.run_dry_run``); the worker claims the job (:func:`run_job`), writes its progress
as it goes (phase, nominations done of the total, percent) and the report at the end, which is
also kept on the draft when its content has not changed since. The page shows the progress and
may cancel the job; the worker stops at its next progress step.

As everywhere in Peidai, the broker only carries the wake-up: what must happen is the queued row.
A lost message is picked up by the next :func:`run_job` without an id (the worker's periodic
sweep), and a job whose worker died (no progress for ``STALE_AFTER``) is claimed again.
"""
from __future__ import annotations

import json
import logging
import time
from datetime import timedelta

from sqlalchemy import or_, select, update

from engine import Actor, InvalidState, NotFound

from . import dryrun
from .tables import DryRunJob, ModelDraft

log = logging.getLogger(__name__)
TASK = "peidai.run_dry_run"
STALE_AFTER = timedelta(minutes=10)
WRITE_EVERY = 1.0   # seconds between two progress writes (the run itself is not slowed by the page)
STATUS_LABELS = {"queued": "排队中，等待后台任务（worker）", "running": "运行中", "done": "已完成", "failed": "失败",
                 "cancelled": "已取消"}


def _view(j: DryRunJob) -> dict:
    return {"id": j.id, "draft_id": j.draft_id, "draft_revision": j.draft_revision, "base_version_id": j.base_version_id,
            "scenario": json.loads(j.scenario_json), "status": j.status, "status_label": STATUS_LABELS.get(j.status, j.status),
            "phase": j.phase, "done": j.done, "total": j.total, "percent": j.percent, "error": j.error,
            "report": json.loads(j.report_json) if j.report_json else None, "requested_by": j.requested_by,
            "requested_at": j.requested_at, "started_at": j.started_at, "finished_at": j.finished_at,
            "cancel_requested": j.cancel_requested, "active": j.status in ("queued", "running")}


def submit(engine, draft: dict, scenario: dryrun.Scenario, actor: Actor) -> dict:
    """Queue a dry run of the draft's current content. One active job per draft."""
    if draft["error_count"]:
        raise InvalidState("草稿有错误，修正后才能试运行")
    with engine.unit_of_work() as s:
        active = s.scalar(select(DryRunJob.id).where(DryRunJob.draft_id == draft["id"],
                                                     DryRunJob.status.in_(("queued", "running"))))
        if active is not None:
            raise InvalidState(f"该草稿已有一个试运行在进行（第 {active} 号），请等待它完成或取消它", job_id=active)
        job = DryRunJob(draft_id=draft["id"], draft_revision=draft["revision"], scenario_json=json.dumps(scenario.__dict__, ensure_ascii=False),
                        base_version_id=(draft["base_version_id"] or _newest(s)) if scenario.compare else None,
                        status="queued", phase="排队中", done=0, total=scenario.count, percent=0,
                        requested_by=actor.username, requested_at=engine.now())
        s.add(job)
        s.flush()
        engine.audit(s, actor, "dry_run_queued", data={"job": job.id, "draft": draft["id"], "scenario": scenario.__dict__})
        return _view(job)


def _newest(s) -> int | None:
    from engine.tables import ModelVersion
    return s.scalar(select(ModelVersion.id).order_by(ModelVersion.id.desc()).limit(1))


def wake(celery_app, job_id: int) -> bool:
    """Send the wake-up; a broker that is down leaves the job queued for the worker's sweep."""
    try:
        celery_app.send_task(TASK, args=[job_id], retry=False)
        return True
    except Exception as exc:  # noqa: BLE001 - any broker failure: the row is what matters
        log.warning("dry run %s queued, but the worker could not be woken: %s", job_id, exc)
        return False


def get(engine, job_id: int) -> dict:
    with engine.sessions() as s:
        j = s.get(DryRunJob, job_id)
        if j is None:
            raise NotFound(f"试运行 {job_id} 不存在")
        return _view(j)


def latest_for_draft(engine, draft_id: int) -> dict | None:
    with engine.sessions() as s:
        j = s.scalar(select(DryRunJob).where(DryRunJob.draft_id == draft_id).order_by(DryRunJob.id.desc()).limit(1))
        return _view(j) if j is not None else None


def cancel(engine, job_id: int, actor: Actor) -> dict:
    with engine.unit_of_work() as s:
        j = s.get(DryRunJob, job_id, with_for_update=True)
        if j is None:
            raise NotFound(f"试运行 {job_id} 不存在")
        if j.status == "queued":
            j.status, j.finished_at, j.phase = "cancelled", engine.now(), "已取消（尚未开始）"
        elif j.status == "running":
            j.cancel_requested = True
        engine.audit(s, actor, "dry_run_cancelled", data={"job": job_id})
        return _view(j)


def _claim(engine, job_id: int | None) -> int | None:
    """Take a queued job (or one whose worker stopped sending progress): one worker wins."""
    now = engine.now()
    stale = now - STALE_AFTER
    claimable = or_(DryRunJob.status == "queued", (DryRunJob.status == "running") & (DryRunJob.heartbeat_at < stale))
    with engine.unit_of_work() as s:
        candidates = [job_id] if job_id is not None else \
            list(s.scalars(select(DryRunJob.id).where(claimable).order_by(DryRunJob.id).limit(5)))
        for jid in candidates:
            won = s.execute(update(DryRunJob).where(DryRunJob.id == jid, claimable)
                            .values(status="running", started_at=now, heartbeat_at=now, phase="开始",
                                    cancel_requested=False)).rowcount
            if won:
                return jid
    return None


class _Reporter:
    """The progress callback of a running job: writes at most every ``WRITE_EVERY`` seconds and
    raises :class:`dryrun.Cancelled` when the administrator cancelled the job."""

    def __init__(self, engine, job_id: int):
        self.engine, self.job_id, self.last = engine, job_id, 0.0

    def __call__(self, phase: str, done: int, total: int, fraction: float) -> None:
        now = time.monotonic()
        if now - self.last < WRITE_EVERY:
            return
        self.last = now
        with self.engine.unit_of_work() as s:
            s.execute(update(DryRunJob).where(DryRunJob.id == self.job_id).values(
                phase=phase[:200], done=done, total=total, percent=max(0, min(99, int(fraction * 100))),
                heartbeat_at=self.engine.now()))
            cancelled = s.scalar(select(DryRunJob.cancel_requested).where(DryRunJob.id == self.job_id))
        if cancelled:
            raise dryrun.Cancelled()


def run_job(system, job_id: int | None = None) -> str | None:
    """The worker's task: run job ``job_id`` (or the oldest queued one) to the end. Returns its
    final status, or None when there was nothing to claim."""
    engine = system.engine
    job_id = _claim(engine, job_id)
    if job_id is None:
        return None
    job = get(engine, job_id)
    scenario = dryrun.Scenario.from_dict(job["scenario"])
    with engine.sessions() as s:
        draft = s.get(ModelDraft, job["draft_id"])
        files = json.loads(draft.files_json)
    base_files = engine.version_files(job["base_version_id"]) if job["base_version_id"] else None
    status, report, error = "done", None, None
    try:
        report = dryrun.run(engine, files, scenario, base_files=base_files, progress=_Reporter(engine, job_id),
                            base_label=f"版本 {job['base_version_id']}")
    except dryrun.Cancelled:
        status = "cancelled"
    except Exception as exc:  # noqa: BLE001 - the job reports it; the worker goes on
        log.exception("dry run %s failed", job_id)
        status, error = "failed", f"{type(exc).__name__}: {exc}"
    with engine.unit_of_work() as s:
        j = s.get(DryRunJob, job_id, with_for_update=True)
        j.status, j.finished_at, j.error = status, engine.now(), error
        j.percent = 100 if status == "done" else j.percent
        j.phase = {"done": "已完成", "cancelled": "已取消", "failed": "失败"}[status]
        if report is not None:
            j.report_json = json.dumps(report, ensure_ascii=False, default=str)
            j.done = j.total
            d = s.get(ModelDraft, job["draft_id"])
            if d is not None and d.revision == job["draft_revision"]:   # the report belongs to this content
                d.dry_run_json = j.report_json
    return status
