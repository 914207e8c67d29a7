"""Test doubles shared by the worker tests and the worker processes they start: a clock kept in
a file (so a test moves the time of every process at once), service-task operations for the
fixture model, and deliverers that can fail or hang on demand."""
from __future__ import annotations

import os
import time
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from engine import Clock, EngineConfig
from engine.identity import users_holding
from engine.tables import HumanTask
from workflows.notifications.delivery import deliver_notify

FIXTURES = Path(__file__).parent / "fixtures" / "models"


class FileClock(Clock):
    """The virtual time of every process of a test, kept as ISO text in one file."""

    def __init__(self, path, start: datetime | str | None = None):
        self.path = Path(path)
        if start is not None:
            self.set(datetime.fromisoformat(start) if isinstance(start, str) else start)

    def now(self) -> datetime:
        return datetime.fromisoformat(self.path.read_text().strip())

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("aware datetime required")
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(when.isoformat())
        os.replace(tmp, self.path)

    def advance(self, **kwargs) -> datetime:
        when = self.now() + timedelta(**kwargs)
        self.set(when)
        return when


# --------------------------------------------------------------------------- fixture operations

def _submitted(session, round_id) -> dict[str, int]:
    rows = session.execute(select(HumanTask.org_unit, func.count()).where(
        HumanTask.process_key == "unit_submission", HumanTask.element_id == "Task_Submit",
        HumanTask.state == "completed", HumanTask.batch == str(round_id)).group_by(HumanTask.org_unit)).all()
    return {unit: n for unit, n in rows}


def remind_units(ctx, days):
    data = ctx.task.data
    submitted = _submitted(ctx.session, data["round_id"])
    reminded = []
    for unit in data["units"]:
        if submitted.get(unit):
            continue
        users = users_holding(ctx.session, "unit_submitter", unit)
        ctx.emit("notify", {"template": "deadline_reminder", "users": users, "context": {
            "year": data["round_id"], "deadline": data["deadline"][:10], "days_left": days, "unit_name": unit,
            "submitted": 0}}, f"round:{data['round_id']}:remind:{days}:{unit}")
        reminded.append(unit)
    return reminded


def escalate(ctx):
    data = ctx.task.data
    submitted = _submitted(ctx.session, data["round_id"])
    missing = [u for u in data["units"] if not submitted.get(u)]
    ctx.emit("notify", {"template": "deadline_escalation", "users": users_holding(ctx.session, "talent_section", None),
                        "context": {"year": data["round_id"], "deadline": data["deadline"][:10], "units": missing,
                                    "count": len(missing)}}, f"round:{data['round_id']}:escalate")
    return missing


# --------------------------------------------------------------------------- deliverers on demand

def hang_file() -> Path | None:
    value = os.environ.get("PEIDAI_TEST_HANG_FILE")
    return Path(value) if value else None


def slow_notify(payload, message_id, system):
    """Delivers like ``notify``, then waits while the hang file exists (the test kills us there)."""
    deliver_notify(payload, message_id, system)
    marker = hang_file()
    deadline = time.monotonic() + 120
    while marker is not None and marker.exists() and time.monotonic() < deadline:
        time.sleep(0.1)


class Flaky:
    """Fails until ``fixed`` is set; counts its calls."""

    def __init__(self):
        self.fixed = False
        self.calls = 0

    def __call__(self, payload, message_id, system):
        self.calls += 1
        if not self.fixed:
            raise ConnectionError("邮件服务器无法连接")


def configure(config: EngineConfig) -> None:
    config.operations.update({"test/remind_units": remind_units, "test/escalate": escalate})
    config.deliverers["test/slow_notify"] = slow_notify


def worker_system():
    """The system of a worker process started by a test (see ``run_worker.py``)."""
    from peidai.bootstrap import bootstrap
    return bootstrap(clock=FileClock(os.environ["PEIDAI_TEST_CLOCK_FILE"]), configure=configure)
