"""Engine benchmark: what persistence costs on top of the library, and whether step cost grows
with an instance's history. Run with ``make bench`` (or ``python -m bench.engine_bench``).

The same approval scenario (user tasks in lanes, an exclusive gateway with a return, a parallel
multi-instance expert review, script tasks, a loop of three yearly timers) runs N times:

(a) in memory: SpiffWorkflow through ``engine.spiff.Runtime`` with no database at all;
(b) through the engine's service API (start, complete_task, fire_due_timers, reading the task
    projection to find the next task) with persistence on SQLite and on PostgreSQL.

``engine_ratio_*`` is (b)/(a) measured in this run. ``age_ratio`` is the per-step cost of a loop
step (fire the yearly timer, complete the yearly task) after 30 loops over the same after 3.

``--profile`` prints instead where a persisted step's CPU time goes, part by part
(:mod:`bench.engine_profile`; ``make bench BENCH_ARGS=--profile``).
"""
from __future__ import annotations

import argparse
import gc
import os
import shutil
import socket
import statistics
import tempfile
import time
from pathlib import Path


from engine import Actor, EngineConfig, Role, VirtualClock
from engine.identity import upsert_user
from engine.spiff import Runtime, parse_files, use_clock
from peidai.bootstrap import bootstrap
from peidai.db import make_engine, upgrade
from peidai.settings import Settings

from . import engine_floor

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "tests" / "fixtures" / "models"
ROLES = {r.key: r for r in [Role("unit_submitter", "单位申报人", "unit_id"), Role("unit_reviewer", "单位审核人", "unit_id"),
                            Role("expert", "评审专家", "category")]}
EXPERTS = ["e1", "e2", "e3"]
START = {"unit_id": "u1", "category": "professional", "experts": EXPERTS}
ANSWERS = {"Task_Fill": {"name": "张三"}, "Task_Review": {"decision": "approve"}, "Task_Experts": {"opinion": "yes"},
           "Task_Annual": {"decision": "approve"}}


def model_files() -> dict[str, str]:
    return {p.relative_to(MODELS).as_posix(): p.read_text(encoding="utf-8")
            for p in MODELS.rglob("*") if p.is_file() and p.suffix in (".bpmn", ".json")}


# ---------------------------------------------------------------- (a) in memory

def script(years: int) -> list[str]:
    """The scenario's steps: each is a human task to complete or ``timer`` (a year passes)."""
    return ["Task_Fill", "Task_Review"] + ["Task_Experts"] * len(EXPERTS) + ["timer", "Task_Annual"] * years


def in_memory(n: int, years: int) -> tuple[float, int]:
    parsed = parse_files(model_files())
    runtime = Runtime()
    spec = parsed.specs["approval"]
    clock = VirtualClock()
    steps = script(years)
    t0, c0 = time.perf_counter(), time.process_time()
    with use_clock(clock.now):
        for _ in range(n):
            wf = runtime.new(spec["spec"], spec["subprocess_specs"], {**START, "years": years})
            runtime.run(wf)
            for step in steps:
                if step == "timer":
                    clock.advance(days=367)
                    runtime.fire_timers(wf)
                else:
                    task = next(t for t in runtime.ready_human_tasks(wf) if t.element_id == step)
                    runtime.complete(wf, task.uuid, ANSWERS[step])
                    runtime.run(wf)
            assert runtime.is_completed(wf)
    return time.perf_counter() - t0, time.process_time() - c0, n * len(steps)


# ---------------------------------------------------------------- (b) persisted

def make_system(url: str, clock: VirtualClock):
    upgrade(url)
    config = EngineConfig(roles=dict(ROLES), projected_fields={"org_unit": "unit_id", "category": "category"})
    system = bootstrap(Settings(database_url=url, secret_key="bench"), clock=clock, db=make_engine(url), config=config)
    with system.engine.unit_of_work() as s:
        upsert_user(s, "sub", "sub", memberships=[("unit_submitter", "u1")])
        upsert_user(s, "rev", "rev", memberships=[("unit_reviewer", "u1")])
        for e in EXPERTS:
            upsert_user(s, e, e, memberships=[("expert", "professional")])
    system.engine.deploy(model_files())
    return system


ACTORS = {"Task_Fill": Actor("sub", frozenset({("unit_submitter", "u1")})),
          "Task_Review": Actor("rev", frozenset({("unit_reviewer", "u1")})),
          "Task_Annual": Actor("rev", frozenset({("unit_reviewer", "u1")}))}


def open_tasks(engine, instance_id):
    """What an inbox read does after each step: one query on the task projection."""
    return engine.open_tasks(instance_id)


def step_once(engine, clock, iid, step) -> None:
    if step == "timer":
        clock.advance(days=367)
        engine.fire_due_timers()
        return
    t = next(r for r in open_tasks(engine, iid) if r["element_id"] == step)
    engine.complete_task(t["id"], ANSWERS[step], ACTORS.get(step) or Actor(t["assignee"]))


def persisted(system, n: int, years: int) -> tuple[float, int]:
    engine, clock = system.engine, system.clock
    steps = script(years)
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(n):
        iid = engine.start("approval", {**START, "years": years}, ACTORS["Task_Fill"])
        for step in steps:
            step_once(engine, clock, iid, step)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert engine.instance(iid)["status"] == "completed"
    return elapsed, cpu, n * len(steps)


def age(system, instances: int, rounds: int) -> tuple[list[float], list[float]]:
    """Seconds per loop step, per round, (fire the yearly timer, complete the yearly task) for
    instances that have looped 3 times and instances that have looped 30 times, measured in
    alternating rounds so that machine noise hits both alike."""
    engine, clock = system.engine, system.clock

    def create(k):
        ids = [engine.start("approval", {**START, "years": 1000}, ACTORS["Task_Fill"]) for _ in range(k)]
        for iid in ids:
            for step in script(0):
                step_once(engine, clock, iid, step)
        return ids

    def loop(ids, timed=False):
        t0 = time.perf_counter()
        for iid in ids:
            engine.fire_timers_for(iid)
            t = next(r for r in open_tasks(engine, iid) if r["element_id"] == "Task_Annual")
            engine.complete_task(t["id"], ANSWERS["Task_Annual"], ACTORS["Task_Annual"])
        return (time.perf_counter() - t0) / (2 * len(ids))

    old = create(instances)
    for _ in range(27):
        clock.advance(days=367)
        loop(old)
    young = create(instances)
    for _ in range(3):
        clock.advance(days=367)
        loop(old)
        loop(young)
    young_t, old_t = [], []
    for r in range(rounds):
        clock.advance(days=367)
        pair = [(young, young_t), (old, old_t)]
        for ids, out in (pair if r % 2 == 0 else reversed(pair)):
            out.append(loop(ids))
    return young_t, old_t


PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_PREFIX = "peidai_bench_"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def drop_databases(names) -> None:
    from sqlalchemy import text
    admin = make_engine(PG_ADMIN)
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            for name in names:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def create_database(prefix: str = PG_PREFIX) -> str | None:
    """A new PostgreSQL database ``<prefix><pid>`` (None without a server). Databases of earlier
    runs whose process is gone (a run killed before its clean-up) are dropped first."""
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
    except OSError:
        return None
    from sqlalchemy import text
    admin = make_engine(PG_ADMIN)
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            existing = c.execute(text("SELECT datname FROM pg_database WHERE datname LIKE :p"),
                                 {"p": prefix.replace("_", "\\_") + "%"}).scalars().all()
    finally:
        admin.dispose()
    stale = [n for n in existing if n[len(prefix):].isdigit() and not _pid_alive(int(n[len(prefix):]))]
    name = f"{prefix}{os.getpid()}"
    drop_databases(stale + [name])
    admin = make_engine(PG_ADMIN)
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return name


def spread(values: list[float], scale: float = 1.0, fmt: str = "{:.3f}") -> str:
    """``median (min–max)`` of the rounds."""
    return (f"{fmt.format(statistics.median(values) * scale)} "
            f"({fmt.format(min(values) * scale)}–{fmt.format(max(values) * scale)})")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=30, help="instances per measurement")
    ap.add_argument("--rounds", type=int, default=7,
                    help="interleaved rounds; each figure is the median of the rounds, with min–max")
    ap.add_argument("--profile", action="store_true",
                    help="instead of the ratios: where a persisted step's CPU time goes (bench/engine_profile.py)")
    ap.add_argument("--free-serializing", action="store_true",
                    help="instead of the ratios: the ratio if writing the state text cost nothing (an upper bound)")
    args = ap.parse_args(argv)
    years = 3

    tmp = tempfile.mkdtemp(prefix="peidai-bench-")
    pg_name = None
    systems = {}
    try:
        systems["sqlite"] = make_system(f"sqlite:///{tmp}/bench.sqlite", VirtualClock())
        pg_name = create_database()
        if pg_name:
            systems["postgres"] = make_system(f"postgresql+psycopg://postgres@127.0.0.1:5432/{pg_name}", VirtualClock())
        if args.profile or args.free_serializing:
            from .engine_profile import breakdown, without_serializing
            for name, system in systems.items():
                (breakdown if args.profile else without_serializing)(
                    name, system, lambda system, n: persisted(system, n, years)[2], lambda n: in_memory(n, years)[2], args.n)
            return
        for system in systems.values():
            persisted(system, 3, years)  # warm up: spec cache, connections
        size = engine_floor.state_size(systems["sqlite"])
        floor_rows = {k: engine_floor.prepare(system, size) for k, system in systems.items()}
        floors: dict[str, list[float]] = {k: [] for k in systems}

        per_step: dict[str, list[float]] = {"in_memory": [], **{k: [] for k in systems}}
        cpu: dict[str, list[float]] = {"in_memory": [], "sqlite": []}
        for r in range(args.rounds):
            kinds = ["in_memory", *systems]
            if r % 2:
                kinds.reverse()   # interleaved: drift of the machine's load hits every kind alike
            for name in kinds:
                gc.collect()
                if name == "in_memory":
                    t, c, steps = in_memory(args.n, years)
                else:
                    t, c, steps = persisted(systems[name], args.n, years)
                per_step[name].append(t / steps)
                if name in cpu:
                    cpu[name].append(c / steps)
                if name in floors:
                    floors[name].append(engine_floor.floor(systems[name], floor_rows[name], steps, size))
        # a ratio per round (both halves measured side by side), then the median of the rounds
        ratios = {k: [p / m for p, m in zip(per_step[k], per_step["in_memory"])] for k in systems}
        cpu_ratio = [p / m for p, m in zip(cpu["sqlite"], cpu["in_memory"])]
        print(f"steps per instance: {len(script(years))}; instances per round: {args.n}; rounds: {args.rounds}; "
              f"figures: median of the rounds (min–max)")
        for k, v in per_step.items():
            print(f"{k}: {spread(v, 1000)} ms/step")
        print(f"engine_ratio_sqlite: {spread(ratios['sqlite'], fmt='{:.2f}')}")
        print(f"(cpu time, same rounds: sqlite {spread(cpu_ratio, fmt='{:.2f}')})")
        if "postgres" in ratios:
            print(f"engine_ratio_postgres: {spread(ratios['postgres'], fmt='{:.2f}')}")
        else:
            print("engine_ratio_postgres: skipped (PostgreSQL is not running on 127.0.0.1:5432)")
        for k, v in floors.items():   # bench/engine_floor.py: one read + one durable write per step, nothing else
            best = [(m + f) / m for f, m in zip(v, per_step["in_memory"])]
            print(f"{k} floor (one read and one durable {size}-character write per step, nothing else): "
                  f"{spread(v, 1000)} ms/step; floor_ratio_{k}: {spread(best, fmt='{:.2f}')}")

        systems["age"] = aged = make_system(f"sqlite:///{tmp}/age.sqlite", VirtualClock())
        young, old = age(aged, instances=10, rounds=args.rounds)
        print(f"loop step after 3 loops: {spread(young, 1000)} ms, after 30 loops: {spread(old, 1000)} ms")
        print(f"age_ratio: {spread([o / y for o, y in zip(old, young)], fmt='{:.2f}')}")
    finally:
        for system in systems.values():
            system.dispose()
        if pg_name:
            drop_databases([pg_name])
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
