"""Where a persisted step's CPU time goes: ``python -m bench --profile``.

The engine bench's scenario runs through the service API while the parts of a command are timed
(CPU time of this process, each part without the parts timed inside it), then the same scenario
runs in memory. What the database server does, and waiting for it (round trips, the commit's
flush), is not CPU time of this process: it is the difference between the wall time per step
printed first and the sum of the parts.

The parts: ``library`` (SpiffWorkflow running the step: complete, run, fire timers), ``walks``
(finding ready human tasks, waiting timers, the depth check), ``prune``, ``serialize`` (the state
text), ``load`` (deserializing on a cache miss), ``sql reads`` / ``sql writes`` (the engine's
statements on the DB-API cursor; a save's writes are one statement on PostgreSQL), ``forms``,
``audit``, ``task rows`` (projected values of new tasks), ``inbox read`` (the bench reading the
open tasks after each step), ``connections`` (pool checkout and return, SQLAlchemy connections
when used), ``begin, commit`` and ``rest`` (the command frame, the projection's own code, the
bench's loop).
"""
from __future__ import annotations

import time
from collections import Counter
from contextlib import contextmanager

import sqlalchemy.engine.base as sa_base

import engine.fastsql as fastsql
import engine.forms as forms
import engine.projection as projection
import engine.service as service
import engine.spiff.runtime as runtime
import engine.transactions as transactions

PARTS = [
    (runtime.Runtime, ["run", "complete", "fire_timers"], "library"),
    (runtime.Runtime, ["ready_human_tasks", "waiting_timers", "check_depth", "is_completed"], "walks"),
    (runtime.Runtime, ["prune"], "prune"),
    (runtime.Runtime, ["dump"], "serialize"),
    (runtime.Runtime, ["load"], "load"),
    (fastsql.FastSQL, ["_query"], "sql reads"),
    (projection, ["write_save"], "sql writes"),  # imported by name there
    (fastsql._Batch, ["execute", "executemany"], "sql writes"),
    (transactions._LazySession, ["_begin", "_commit"], "begin, commit"),
    (sa_base.RootTransaction, ["commit"], "begin, commit"),
    (transactions._LazySession, ["__init__", "_close"], "connections"),
    (sa_base.Engine, ["connect", "raw_connection"], "connections"),
    (sa_base.Connection, ["begin", "close"], "connections"),
    (forms, ["check"], "forms"),
    (service.Engine, ["_audit", "_flush_audits"], "audit"),
    (service.Engine, ["_task_row"], "task rows"),
    (service.Engine, ["open_tasks"], "inbox read"),
    (service.Engine, ["_command_tx", "start", "fire_due_timers"], "rest"),
]
# a statement run inside a save's writes counts as the save's
WITHIN = {"sql writes"}


@contextmanager
def timed_parts():
    """Wrap the parts for the length of the block; yields the Counter of seconds per part."""
    spent: Counter = Counter()
    stack: list[float] = []
    labels: list[str] = []
    saved = []

    def wrap(fn, own):
        def timed(*args, **kwargs):
            label = labels[-1] if labels and labels[-1] in WITHIN else own
            t0 = time.process_time()
            stack.append(0.0)
            labels.append(label)
            try:
                return fn(*args, **kwargs)
            finally:
                elapsed = time.process_time() - t0
                labels.pop()
                spent[label] += elapsed - stack.pop()
                if stack:
                    stack[-1] += elapsed
        return timed

    for owner, names, label in PARTS:
        for name in names:
            own = name in vars(owner)  # else inherited: the wrapper shadows it on ``owner`` only
            saved.append((owner, name, own, vars(owner).get(name)))
            setattr(owner, name, wrap(getattr(owner, name), label))
    try:
        yield spent
    finally:
        for owner, name, own, original in reversed(saved):
            if own:
                setattr(owner, name, original)
            else:
                delattr(owner, name)


def breakdown(name: str, system, run_persisted, run_in_memory, n: int) -> None:
    """Print the parts of a persisted step (ms of CPU per step, share) and the in-memory step."""
    run_persisted(system, 2)  # warm: spec cache, connections, workflow cache
    with timed_parts() as spent:
        t0, c0 = time.perf_counter(), time.process_time()
        steps = run_persisted(system, n)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    parts = dict(spent)
    parts["rest"] = parts.get("rest", 0.0) + max(0.0, cpu - sum(spent.values()))
    with timed_parts() as mem:
        c0 = time.process_time()
        mem_steps = run_in_memory(n)
        mem_cpu = time.process_time() - c0
    print(f"{name}: wall {wall / steps * 1000:.3f} ms/step, CPU of this process {cpu / steps * 1000:.3f} ms/step "
          f"(in memory: {mem_cpu / mem_steps * 1000:.3f}, library {mem['library'] / mem_steps * 1000:.3f})")
    for part, seconds in sorted(parts.items(), key=lambda kv: -kv[1]):
        print(f"  {part:<14} {seconds / steps * 1000:7.3f} ms/step  {100 * seconds / cpu:5.1f} %")


def without_serializing(name: str, system, run_persisted, run_in_memory, n: int, rounds: int = 7) -> None:
    """What the ratio would be if writing the state text cost nothing: the persisted scenario with
    ``Runtime.dump`` replaced by a constant text of the same length (the workflow cache keeps the
    live workflow in this process, so the scenario still runs), interleaved with the real path and
    the in-memory one; medians of the rounds. An upper bound on what any cheaper serialization
    could give."""
    import statistics
    real = runtime.Runtime.dump
    text = [""]

    def constant(self, wf, fragments=None):
        return text[0]

    run_persisted(system, 2)
    text[0] = "x" * len(real(system.engine.runtime, next(iter(system.engine._cache.values())).wf)) \
        if system.engine._cache else "x" * 7000
    walls = {"real": [], "constant": [], "in_memory": []}
    for r in range(rounds):
        for kind in (("real", "constant", "in_memory") if r % 2 == 0 else ("in_memory", "constant", "real")):
            if kind == "in_memory":
                t0 = time.perf_counter()
                steps = run_in_memory(n)
            else:
                runtime.Runtime.dump = constant if kind == "constant" else real
                try:
                    t0 = time.perf_counter()
                    steps = run_persisted(system, n)
                finally:
                    runtime.Runtime.dump = real
            walls[kind].append((time.perf_counter() - t0) / steps)
    mem = statistics.median(walls["in_memory"])
    ms = {k: statistics.median(v) * 1000 for k, v in walls.items()}
    print(f"{name}: {ms['real']:.3f} ms/step; with a free serialization {ms['constant']:.3f} ms/step "
          f"(serializing {ms['real'] - ms['constant']:.3f} ms/step); in memory {ms['in_memory']:.3f}; "
          f"engine_ratio {ms['real'] / ms['in_memory']:.2f}, with a free serialization "
          f"{ms['constant'] / ms['in_memory']:.2f}")
