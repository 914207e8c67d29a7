"""Dry runs: a draft runs through a scenario on a virtual clock in a throwaway SQLite database.

Two drivers:

* ``generic`` starts ``count`` instances of one process and works every open human task with
  data made from its form (the first choice of each choice field, or the scenario's answers
  per element id), moving the virtual clock to the next timer whenever nothing is open, until
  nothing is left or ``years`` have passed. On the programme's own models it first prepares what
  the programme's processes start on (units, the standard users, an open selection round) and
  answers the application form with an eligible one, so the default (a nomination, ``{}``) works;
* ``programme`` runs the programme's own simulator (``workflows.simulate.Simulation``: rounds,
  nominations, synthetic decisions) on the draft instead of the shipped models. It runs in the
  worker (:mod:`webapp.admin.jobs`), for a round of any size, with progress.

Either way the report says, per element, how many instances passed it, where instances ended
(the open task or timer they wait at, or their final state), the errors, and every user task
whose lane names a role that no user of the real system holds. With ``compare`` the same
scenario (same seed) also runs on the deployed version, and the report puts the two side by side:
counts per outcome, and the paths the draft newly reaches or no longer reaches.
"""
from __future__ import annotations

import atexit
import shutil
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import event

from engine import Actor, EngineError, VirtualClock, migration

from .generic import generic, sample_data
from .programme import programme
from .report import PROGRAMME_LABELS, STATUS_LABELS, collect, compare_reports, element_names, staffed_roles, unstaffed
from .scenario import MAX_INSTANCES, MAX_NOMINATIONS, Cancelled, Progress, Scenario, _no_progress

__all__ = ["Cancelled", "MAX_INSTANCES", "MAX_NOMINATIONS", "PROGRAMME_LABELS", "STATUS_LABELS", "Progress", "Scenario",
           "compare_reports", "element_names", "run", "sample_data", "staffed_roles"]


def run(engine, files: dict[str, str], scenario: Scenario, *, base_files: dict[str, str] | None = None,
        base_label: str = "已部署版本", progress: Progress | None = None) -> dict:
    """Run the scenario on a copy of the draft in a temporary database; the real one is not touched
    (except for reading which roles its users hold). With ``base_files`` the same scenario runs on
    them too and ``report["comparison"]`` puts the two side by side. ``progress`` is called as the
    run goes on and may raise :class:`Cancelled`."""
    progress = progress or _no_progress
    if base_files is None:
        return _run_once(engine, files, scenario, progress)

    def part(offset: float, label: str) -> Progress:
        return lambda phase, done, total, fraction: progress(f"{label}：{phase}", done, total, offset + fraction / 2)
    report = _run_once(engine, files, scenario, part(0.0, "草稿"))
    baseline = _run_once(engine, base_files, scenario, part(0.5, base_label))
    names = element_names(engine, base_files) | element_names(engine, files)
    report["comparison"] = compare_reports(baseline, report, names) | {"base_label": base_label}
    report["seconds"] = round(report["seconds"] + baseline["seconds"], 2)
    return report


def _sandbox_pragmas(db) -> None:
    """A throwaway database: no fsync (the run is repeated if the machine dies)."""
    @event.listens_for(db, "connect")
    def _fast(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA synchronous=OFF")
        cur.close()


_template_lock = threading.Lock()
_template: dict[str, Path] = {}


def _fresh_database(folder: Path) -> str:
    """A migrated SQLite database in ``folder``: a copy of one migrated once per process (the
    migrations take seconds; a copy takes milliseconds)."""
    from peidai.db import upgrade

    with _template_lock:
        template = _template.get("path")
        if template is None or not template.exists():
            template = Path(tempfile.mkdtemp(prefix="peidai-dryrun-template-")) / "template.sqlite"
            upgrade(f"sqlite:///{template}")
            import sqlite3
            conn = sqlite3.connect(template)   # one self-contained file to copy: no write-ahead log beside it
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.execute("PRAGMA journal_mode=DELETE")
            conn.close()
            _template["path"] = template
            atexit.register(shutil.rmtree, template.parent, True)
        target = folder / "dryrun.sqlite"
        shutil.copyfile(template, target)
    return f"sqlite:///{target}"


def _run_once(engine, files: dict[str, str], scenario: Scenario, progress: Progress) -> dict:
    from peidai.bootstrap import bootstrap
    from peidai.db import make_engine
    from peidai.settings import Settings

    began = time.perf_counter()
    report = {"scenario": dict(scenario.__dict__), "errors": [], "elements": {}, "ended": {}, "statuses": {},
              "unstaffed": [], "instances": 0, "finished_at": None, "prepared": None, "loops": {}}
    inventory = migration.element_inventory(engine, files)
    progress("准备临时数据库", 0, scenario.count, 0.0)
    with tempfile.TemporaryDirectory(prefix="peidai-dryrun-") as tmp:
        url = _fresh_database(Path(tmp))
        db = make_engine(url)
        _sandbox_pragmas(db)
        clock = VirtualClock(engine.now())
        settings = Settings(database_url=url, data_dir=Path(tmp), secret_key="dry-run", testing=True)
        system = bootstrap(settings, clock=clock, db=db, config=engine.config)
        try:
            sandbox = system.engine
            try:
                sandbox.deploy(files, Actor("dry-run"), "dry run")
            except EngineError as exc:
                report["errors"].append({"element": None, "message": exc.message,
                                         "problems": exc.details.get("problems", [])})
                return report | {"seconds": round(time.perf_counter() - began, 2)}
            if scenario.mode == "programme":
                programme(system, scenario, report, progress)
            else:
                generic(system, inventory, scenario, report, progress)
            progress("统计结果", scenario.count, scenario.count, 0.98)
            collect(sandbox, report)
            report["unstaffed"] = unstaffed(engine, inventory, report.pop("_open_tasks", []))
            report["finished_at"] = clock.now().isoformat()
        finally:
            system.dispose()
    report["seconds"] = round(time.perf_counter() - began, 2)
    return report
