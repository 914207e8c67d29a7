"""Inbox benchmark: the 待办 page's queries (nav counts, 我的待办, 待认领 with filters) on a task
projection of 10,000 rows and of 1,000,000 rows (a tenth open), for a county reviewer and an
expert. Prints the median and p95 server time per request and ``inbox_ratio`` (1M over 10k,
median; target <= 1.5).

Both databases are filled first and measured in interleaved rounds, so load on the machine
slows both sizes alike. Run with ``.venv/bin/python -m bench.inbox_bench`` (PostgreSQL on
127.0.0.1:5432 when it answers, ``PEIDAI_BENCH_PG`` names another server, else SQLite; ``--sqlite``
forces SQLite). Never part of ``make test``.
"""
from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import insert, text

from engine import Actor, VirtualClock
from engine.queries import counts, inbox
from engine.tables import HumanTask, Instance, ModelVersion
from peidai.bootstrap import bootstrap
from peidai.db import make_engine, upgrade
from peidai.settings import Settings

PG_ADMIN = os.environ.get("PEIDAI_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
UNITS = ["hongshan", "yuanbaoshan", "songshan", "aluke", "balinzuo", "balinyou", "linxi", "keshiketeng", "wengniute",
         "harqin", "ningcheng", "aohan", "city_health", "city_edu", "college"]
CATEGORIES = ["professional", "skilled", "rural"]
# (role, share of tasks, scope values, users per scope, (process, element, name) of the models in bpmn/):
# a nomination's fill and unit review, the committee's expert review, and the round's list, which
# the talent section prepares and publishes and the director signs in one act (selection_round)
ROLES = [("unit_submitter", 0.35, UNITS, 3, [("nomination", "Task_Fill", "填写推荐申报表")]),
         ("unit_reviewer", 0.30, UNITS, 3, [("nomination", "Task_UnitReview", "单位审核")]),
         ("expert", 0.25, CATEGORIES, 5, [("committee_review", "Task_ExpertReview", "专家评审")]),
         ("talent_section", 0.05, [None], 4, [("selection_round", "Task_ManageRound", "报送期管理（延期或提前截止）"),
                                               ("selection_round", "Task_PrepareList", "拟定推荐名单"),
                                               ("selection_round", "Task_PublishList", "公布培带人名单")]),
         ("director", 0.05, [None], 1, [("selection_round", "Task_SignList", "签批推荐名单")])]
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
COLUMNS = ["task_uuid", "instance_id", "process_key", "element_id", "name", "role", "scope", "candidates", "assignee",
           "state", "form", "org_unit", "category", "batch", "title", "created_at", "due_at", "completed_at",
           "completed_by", "outcome", "started_by"]

REVIEWER = Actor("hongshan_unit_reviewer_1", frozenset({("unit_reviewer", "hongshan")}))
EXPERT = Actor("professional_expert_1", frozenset({("expert", "professional")}))


def server_up(host="127.0.0.1", port=5432) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def user(role, scope, k):
    return f"{scope or 'city'}_{role}_{k}"


def rows(n: int, n_open: int, tasks_per_instance: int, rnd: random.Random):
    """n task rows, the last n_open of them open; instance ids 1..n/tasks_per_instance."""
    weights = [r[1] for r in ROLES]
    span = 3 * 365 * 86400
    for i in range(n):
        role, _share, scopes, per_scope, steps = rnd.choices(ROLES, weights)[0]
        process_key, element, name = rnd.choice(steps)
        scope = rnd.choice(scopes)
        unit = scope if role in ("unit_submitter", "unit_reviewer") else rnd.choice(UNITS)
        category = scope if role == "expert" else rnd.choice(CATEGORIES)
        created = NOW - timedelta(seconds=span * (n - i) / n)
        is_open = i >= n - n_open
        assignee = user(role, scope, rnd.randint(1, per_scope)) if (role == "expert" or rnd.random() < 0.3) else None
        due = created + timedelta(days=10) if rnd.random() < 0.6 else None
        done_by = assignee or user(role, scope, rnd.randint(1, per_scope))
        yield (str(uuid.UUID(int=rnd.getrandbits(128))), 1 + i // tasks_per_instance, process_key, element, name,
               role, scope, None, assignee if is_open else done_by,
               "open" if is_open else ("completed" if rnd.random() < 0.95 else "cancelled"),
               None, unit, category, str(2014 + 3 * rnd.randint(0, 4)), f"推荐人选 {i}",
               created, due, None if is_open else created + timedelta(days=rnd.randint(0, 9)),
               None if is_open else done_by, None if is_open else rnd.choice(["approve", "return", "reject"]),
               user("unit_submitter", unit, 1))


def _pg_copy(db, n, n_open, per_instance, rnd):
    """COPY the rows in (PostgreSQL)."""
    raw = db.raw_connection()
    try:
        with raw.cursor() as cur:
            with cur.copy(f"COPY human_tasks ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for row in rows(n, n_open, per_instance, rnd):
                    copy.write_row([v.replace(tzinfo=None) if isinstance(v, datetime) else v for v in row])
        raw.commit()
    finally:
        raw.close()


def fill(url: str, n: int, n_open: int, seed: int = 7) -> float:
    rnd = random.Random(seed)
    db = make_engine(url)
    per_instance = 10
    n_instances = (n + per_instance - 1) // per_instance
    t0 = time.perf_counter()
    with db.begin() as conn:
        conn.execute(insert(ModelVersion).values(id=1, content_hash="bench", files_json="{}", spec_json="{}", info_json="{}",
                                                 author="bench", comment="", created_at=NOW))
        for start in range(0, n_instances, 50_000):
            conn.execute(insert(Instance), [
                {"id": k, "process_key": "nomination", "version_id": 1, "status": "running", "lock_version": 1, "state": "",
                 "title": f"推荐人选 {k}", "started_by": "bench", "started_at": NOW}
                for k in range(start + 1, min(n_instances, start + 50_000) + 1)])
    if db.dialect.name == "postgresql":
        _pg_copy(db, n, n_open, per_instance, rnd)
        with db.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE human_tasks"))
    else:
        batch = []
        with db.begin() as conn:
            for row in rows(n, n_open, per_instance, rnd):
                batch.append(dict(zip(COLUMNS, row)))
                if len(batch) == 20_000:
                    conn.execute(insert(HumanTask), batch)
                    batch = []
            if batch:
                conn.execute(insert(HumanTask), batch)
            conn.execute(text("ANALYZE"))
    db.dispose()
    return time.perf_counter() - t0


def requests(actor: Actor):
    """What the 待办 pages ask: each entry is one page view (nav counts + one list)."""
    return [
        {"box": "group"}, {"box": "todo"}, {"box": "group", "overdue": True}, {"box": "group", "page": 2},
        {"box": "group", "category": "professional"}, {"box": "group", "org_unit": "hongshan"},
        {"box": "todo", "batch": "2026"},
    ]


class Probe:
    """An engine on one filled database, measuring page views for one actor."""

    def __init__(self, url: str, actor: Actor):
        self.system = bootstrap(Settings(database_url=url, data_dir=Path(tempfile.gettempdir()) / "peidai-bench",
                                         secret_key="bench"), clock=VirtualClock(NOW.isoformat()))
        self.engine, self.actor, self.views, self.times = self.system.engine, actor, requests(actor), []
        for v in self.views:  # warm up caches and plans
            counts(self.engine, actor)
            inbox(self.engine, actor, **v)

    def run(self, n: int) -> None:
        for i in range(n):
            v = self.views[(len(self.times) + i) % len(self.views)]
            t0 = time.perf_counter()
            counts(self.engine, self.actor)
            inbox(self.engine, self.actor, **v)
            self.times.append(time.perf_counter() - t0)

    def close(self):
        self.system.dispose()


def summary(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered) * 1000, ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000


class Database:
    def __init__(self, pg: bool, label: str):
        self.pg = pg
        if pg:
            self.name = f"peidai_inbox_bench_{label}_{os.getpid()}"
            admin = make_engine(PG_ADMIN)
            with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}"'))
                conn.execute(text(f'CREATE DATABASE "{self.name}"'))
            admin.dispose()
            self.url = PG_ADMIN.rsplit("/", 1)[0] + "/" + self.name
        else:
            self.dir = tempfile.mkdtemp(prefix="peidai-inbox-bench-")
            self.url = f"sqlite:///{self.dir}/bench.sqlite"

    def drop(self):
        if self.pg:
            admin = make_engine(PG_ADMIN)
            with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
            admin.dispose()
        else:
            import shutil
            shutil.rmtree(self.dir, ignore_errors=True)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--small", type=int, default=10_000)
    ap.add_argument("--open-share", type=float, default=0.1)
    ap.add_argument("--runs", type=int, default=210, help="page views measured per size and actor")
    ap.add_argument("--sqlite", action="store_true", help="use SQLite even when PostgreSQL answers")
    args = ap.parse_args(argv)
    pg = server_up() and not args.sqlite
    print(f"backend: {'postgresql' if pg else 'sqlite'}")
    results, dbs, probes = {}, [], {}
    try:
        for n in (args.small, args.rows):
            db = Database(pg, str(n))
            dbs.append(db)
            upgrade(db.url)
            took = fill(db.url, n, int(n * args.open_share))
            print(f"filled {n:,} task rows ({int(n * args.open_share):,} open) in {took:.1f} s")
            for who, actor in (("county_reviewer", REVIEWER), ("expert", EXPERT)):
                probes[(n, who)] = Probe(db.url, actor)
        # interleaved rounds, so a busy machine slows both sizes alike
        rounds = 10
        for _ in range(rounds):
            for probe in probes.values():
                probe.run(max(1, args.runs // rounds))
        for (n, who), probe in probes.items():
            med, p95 = summary(probe.times)
            results[(n, who)] = med
            print(f"  {who:<16} rows={n:>9,}  median {med:7.2f} ms  p95 {p95:7.2f} ms")
    finally:
        for probe in probes.values():
            probe.close()
        for db in dbs:
            db.drop()
    ratios = {who: results[(args.rows, who)] / results[(args.small, who)] for who in ("county_reviewer", "expert")}
    for who, r in ratios.items():
        print(f"inbox_ratio_{who}: {r:.2f}")
    print(f"inbox_ratio: {max(ratios.values()):.2f}")


if __name__ == "__main__":
    main()
