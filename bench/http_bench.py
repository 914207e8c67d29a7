"""HTTP benchmark: the web server (``peidai web``, gunicorn) under bounded load. Run with
``make bench-http`` (``python -m bench.http_bench``); never part of ``make test``.

Closed-loop clients (each waits for its answer before the next request), 1, 4 and 16 at a time, on
SQLite and on PostgreSQL (when it answers on 127.0.0.1:5432). One iteration of a client is what a
reviewer does with a task: the group inbox (``GET /api/v1/tasks?box=group``), the task
(``GET /api/v1/tasks/<id>``), claim (``POST .../claim``) and complete with valid data
(``POST .../complete``). Each client is a reviewer of its own unit, so clients never compete for
a task (contention is the scale-out test's subject). Load is bounded: at most ``--iterations``
iterations per level (spread over the clients) and at most ``--duration`` seconds per level.

Printed per database and level: requests/s, p50/p95/p99 (all requests and per kind), errors by
status, the server's CPU time per request (its processes' user + system time over the requests: what
other work on the machine hardly changes); and ``http_overhead_ratio`` = the API completion's p50 at one client over the engine's own
``complete_task`` p50 measured in this process on the same database (the same task, form and data),
half of its samples before the server starts and half right after the one-client level. Those
instances were started in this process, so the engine finds their workflows in its cache; the server
never does (the bench started them): the step with the cache emptied first is printed beside the ratio.
The machine's load average is printed with each level: other work on the machine changes the figures.
The clients and the server are in :mod:`bench.http_load`.

``--profile`` times the parts of API claims and completions through the app in this process, then
profiles completions under cProfile (:mod:`bench.http_profile`).

Every database it creates is dropped at the end (``peidai_benchhttp_<pid>``; those of earlier runs
whose process is gone too).
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.engine_bench import create_database, drop_databases
from bench.http_load import DECISION, Client, free_port, load, run_level, start_server, stop_server
from engine.identity import upsert_user
from engine.queries import instance_tasks
from peidai.bootstrap import bootstrap
from peidai.db import upgrade
from peidai.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "tests" / "fixtures" / "models"
PG_PREFIX = "peidai_benchhttp_"
START = {"category": "professional", "experts": ["e1"], "years": 1}


def model_files() -> dict[str, str]:
    return {p.relative_to(MODELS).as_posix(): p.read_text(encoding="utf-8")
            for p in MODELS.rglob("*") if p.is_file() and p.suffix in (".bpmn", ".json")}


# ---------------------------------------------------------------- data

class Data:
    """Users (two reviewers per client unit, the first with an API token) and, per unit, instances
    waiting at the review step: a group task of the unit's reviewers, to be claimed (with a single
    reviewer the engine would assign it at once, ``engine.Role.sole_holder``)."""

    def __init__(self, system, units: int):
        from webapp.users import issue_token
        self.system = system
        engine = system.engine
        engine.deploy(model_files(), comment="http bench")
        with engine.unit_of_work() as s:
            upsert_user(s, "e1", "e1", memberships=[("expert", "professional")])
            for u in range(units):
                upsert_user(s, f"sub{u}", f"sub{u}", memberships=[("unit_submitter", f"u{u}")])
                upsert_user(s, f"rev{u}", f"rev{u}", memberships=[("unit_reviewer", f"u{u}")])
                upsert_user(s, f"rev{u}b", f"rev{u}b", memberships=[("unit_reviewer", f"u{u}")])
        self.tokens = {u: issue_token(engine, f"rev{u}") for u in range(units)}

    def at_review(self, unit: int, n: int) -> list[int]:
        """``n`` new instances of ``unit`` waiting at Task_Review; their task ids."""
        engine = self.system.engine
        sub = engine.actor_for(f"sub{unit}")
        out = []
        for _ in range(n):
            iid = engine.start("approval", {**START, "unit_id": f"u{unit}"}, sub)
            fill = next(t for t in instance_tasks(engine, iid) if t["element_id"] == "Task_Fill")
            engine.complete_task(fill["id"], {"name": "张三"}, sub)
            out.append(next(t["id"] for t in instance_tasks(engine, iid) if t["element_id"] == "Task_Review"))
        return out


def engine_step(data: Data, n: int, cold: bool = False) -> list[float]:
    """Seconds of the engine's own claim-less completion of the review task (what the API's
    complete calls), in this process, on the same database. The instances were started in this
    process, so their workflows are in the engine's cache; ``cold``: emptied before each step, as
    the server finds them (it deserializes the workflow: the instances were started elsewhere)."""
    engine = data.system.engine
    ids = data.at_review(0, n + 3)
    rev = engine.actor_for("rev0")
    times = []
    for i, tid in enumerate(ids):
        engine.claim(tid, rev)
        if cold:
            engine.clear_cache()
        t0 = time.perf_counter()
        engine.complete_task(tid, dict(DECISION), rev)
        if i >= 3:   # the first ones warm the caches
            times.append(time.perf_counter() - t0)
    return times


def ms(x: float) -> str:
    return f"{x * 1000:.1f}"


def cpu(level: dict) -> str:
    return "?" if level.get("cpu_ms") is None else f"{level['cpu_ms']:.2f}"


def bench_database(name: str, url: str, tmp: Path, args) -> dict:
    upgrade(url)
    system = bootstrap(Settings(database_url=url, data_dir=tmp / f"data-{name}", secret_key="bench"))
    levels = args.clients
    units = max(levels)
    data = Data(system, units)
    # enough review tasks for every level's bounded iterations (client c takes part in every level > c)
    need = Counter()
    for clients in levels:
        for c in range(clients):
            need[c] += max(1, args.iterations // clients)
    print(f"[{name}] preparing {sum(need.values())} instances ...", flush=True)
    for unit, n in need.items():
        data.at_review(unit, n)
    # the engine's step is sampled before the server starts and again right after the one-client
    # level (the server idle): the machine's load moves, and the ratio compares the two
    step = engine_step(data, (args.engine_samples + 1) // 2)
    port = free_port()
    proc = start_server(url, tmp / f"data-{name}", port, args.workers, args.threads, tmp / f"web-{name}.log")
    try:
        out = {"engine_step_p50": statistics.median(step), "levels": []}
        warm = Client("127.0.0.1", port, data.tokens[units - 1], 0, 0, [])
        for _ in range(20):   # every gunicorn worker loads its app and caches
            warm.request("warm", "GET", "/api/v1/tasks?box=group&per_page=20")
        for clients in levels:
            result = run_level(port, data, clients, args.iterations, args.duration, proc.pid)
            out["levels"].append(result)
            if clients == 1:
                step += engine_step(data, args.engine_samples // 2)
                out["engine_step_cold_p50"] = statistics.median(engine_step(data, args.engine_samples // 2, cold=True))
            print(f"[{name}] {clients:>2} clients: {result['rps']:.1f} req/s, p50/p95/p99 {ms(result['p50'])}/"
                  f"{ms(result['p95'])}/{ms(result['p99'])} ms, errors {result['errors'] or 'none'}, "
                  f"server CPU {cpu(result)} ms/request, load {result['load']}",
                  flush=True)
    finally:
        stop_server(proc)
        system.dispose()
    out["engine_step_p50"] = statistics.median(step)
    one = next(r for r in out["levels"] if r["clients"] == 1) if 1 in levels else None
    if one and "complete" in one["kinds"]:
        out["http_overhead_ratio"] = one["kinds"]["complete"][0] / out["engine_step_p50"]
    return out


def report(results: dict) -> None:
    print()
    print("| database | clients | req/s | p50 ms | p95 ms | p99 ms | complete p50/p95/p99 ms | errors | server CPU ms/req "
          "| load (1/5 min) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, out in results.items():
        for r in out["levels"]:
            c = r["kinds"].get("complete", (float("nan"),) * 3)
            print(f"| {name} | {r['clients']} | {r['rps']:.1f} | {ms(r['p50'])} | {ms(r['p95'])} | {ms(r['p99'])} | "
                  f"{ms(c[0])}/{ms(c[1])}/{ms(c[2])} | {r['errors'] or 'none'} | {cpu(r)} | {r['load']} |")
    print()
    for name, out in results.items():
        ratio = out.get("http_overhead_ratio")
        one = next((r for r in out["levels"] if r["clients"] == 1), None)
        if ratio is not None:
            print(f"http_overhead_ratio_{name}: {ratio:.2f} (API completion p50 {one['kinds']['complete'][0] * 1000:.2f} ms "
                  f"over engine complete_task p50 {out['engine_step_p50'] * 1000:.2f} ms; "
                  f"{out['engine_step_cold_p50'] * 1000:.2f} ms when the workflow is not in the engine's cache, "
                  f"as the server finds it)")
        worst = max((r["p99"] for r in out["levels"] if r["clients"] == 16), default=None)
        if worst is not None:
            print(f"p99_at_16_clients_{name}: {ms(worst)} ms")
        fives = sum(n for r in out["levels"] for s, n in r["errors"].items() if s.startswith("5") or s == "conn")
        print(f"server_errors_{name}: {fives}")


# ---------------------------------------------------------------- main

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", default="1,4,16", help="client counts (comma separated)")
    ap.add_argument("--iterations", type=int, default=160, help="iterations (4 requests each) per level at most")
    ap.add_argument("--duration", type=float, default=30.0, help="seconds per level at most")
    ap.add_argument("--engine-samples", type=int, default=40, help="engine complete_task timings")
    ap.add_argument("--db", default="sqlite,postgres", help="databases: sqlite, postgres")
    ap.add_argument("--workers", type=int, default=None, help="gunicorn workers (default: the server's own default)")
    ap.add_argument("--threads", type=int, default=None, help="gunicorn threads per worker")
    ap.add_argument("--profile", action="store_true", help="profile API completions in process and stop")
    args = ap.parse_args(argv)
    args.clients = [int(c) for c in args.clients.split(",")]
    tmp = Path(tempfile.mkdtemp(prefix="peidai-benchhttp-"))
    pg_name = None
    try:
        if args.profile:
            from bench.http_profile import profile
            profile(tmp, args.iterations)
            return
        from webapp.server import default_threads, default_workers
        print(f"web server: {args.workers or default_workers()} workers x {args.threads or default_threads()} threads; "
              f"cpus {os.cpu_count()}; load {load()}; clients {args.clients}; at most {args.iterations} iterations "
              f"and {args.duration:g} s per level", flush=True)
        results = {}
        for name in [d.strip() for d in args.db.split(",") if d.strip()]:
            if name == "sqlite":
                results["sqlite"] = bench_database("sqlite", f"sqlite:///{tmp}/bench.sqlite", tmp, args)
            elif name == "postgres":
                pg_name = create_database(PG_PREFIX)
                if pg_name is None:
                    print("postgres: skipped (PostgreSQL is not running on 127.0.0.1:5432)")
                    continue
                results["postgres"] = bench_database(
                    "postgres", f"postgresql+psycopg://postgres@127.0.0.1:5432/{pg_name}", tmp, args)
        report(results)
    finally:
        if pg_name:
            drop_databases([pg_name])
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
