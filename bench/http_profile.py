"""``make bench-http BENCH_ARGS=--profile`` (:mod:`bench.http_bench`): where an API request's time
goes, in this process (Flask test client, SQLite), for the requests of ``http_overhead_ratio``:
claim and complete of a review task.

1. Without a profiler: each part of a request timed by wrapping it — every ``before_request`` hook
   (app-wide and the blueprint's: limiter, NUL check, read scope, token sign-in, scopes ...), the
   view and inside it the engine's command, the task read, the body's parsing and the answer's
   dump, every ``after_request`` and teardown hook — p50 and mean per request, by kind.
2. Under cProfile, completions only: the functions by own time (tottime) and by cumulative time.

The engine's workflow cache is emptied before the measured requests, as the server finds it: the
instances were started by another process (in the server the completion deserializes the workflow;
an engine step timed in the process that started the instance does not)."""
from __future__ import annotations

import cProfile
import io
import pstats
import statistics
import time
from collections import defaultdict
from pathlib import Path

from peidai.bootstrap import bootstrap
from peidai.db import upgrade
from peidai.settings import Settings

KINDS = ("claim", "complete")


class Timers:
    """Wall seconds of named parts, per request kind."""

    def __init__(self):
        self.kind = "?"
        self.samples: dict[tuple[str, str], list[float]] = defaultdict(list)

    def wrap(self, name: str, fn):
        samples, kind = self.samples, self

        def timed(*a, **k):
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                samples[(kind.kind, name)].append(time.perf_counter() - t)
        timed.__name__ = getattr(fn, "__name__", name)
        timed.__dict__.update(getattr(fn, "__dict__", {}))
        return timed

    def report(self, requests: int) -> None:
        for kind in KINDS:
            rows = [(name, v) for (k, name), v in self.samples.items() if k == kind]
            whole = dict(rows).get("whole request") or [0.0]
            print(f"\n{kind}: {len(whole)} requests, p50 {statistics.median(whole) * 1000:.3f} ms "
                  f"(mean {statistics.fmean(whole) * 1000:.3f}); the parts, by mean time per request:")
            print(f"  {'p50 ms':>8} {'mean ms':>8} {'calls':>6}  part")
            for name, v in sorted(rows, key=lambda kv: -sum(kv[1])):
                print(f"  {statistics.median(v) * 1000:8.3f} {sum(v) / requests * 1000:8.3f} {len(v) / requests:6.1f}  {name}")


def _hook_name(fn) -> str:
    fn = getattr(fn, "func", fn)   # functools.partial (Flask-Limiter's after-request hook)
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}".replace(".<locals>", "")


def instrument(app, system, timers: Timers) -> None:
    """Wrap the parts of a request (see the module's docstring)."""
    import marshmallow

    from webapp import auth
    from webapp.api import core, records, tasks
    for attr, label in (("before_request_funcs", "before"), ("after_request_funcs", "after"),
                        ("teardown_request_funcs", "teardown")):
        hooks = getattr(app, attr)
        for scope, funcs in hooks.items():
            where = "app" if scope is None else scope
            hooks[scope] = [timers.wrap(f"{label} [{where}] {_hook_name(f)}", f) for f in funcs]
    app.preprocess_request = timers.wrap("before_request hooks (all)", app.preprocess_request)
    app.dispatch_request = timers.wrap("view (dispatch_request)", app.dispatch_request)
    app.process_response = timers.wrap("after_request hooks and session (all)", app.process_response)
    app.do_teardown_request = timers.wrap("teardown hooks (all)", app.do_teardown_request)
    engine = system.engine
    engine.complete_task = timers.wrap("  engine complete_task", engine.complete_task)
    engine.claim = timers.wrap("  engine claim", engine.claim)
    records.get_task = timers.wrap("  task read (records.get_task)", records.get_task)
    tasks._what_happened = timers.wrap("  answer (tasks._what_happened)", tasks._what_happened)
    auth.token_user = timers.wrap("  token sign-in (auth.token_user)", auth.token_user)
    core.Parser.parse = timers.wrap("  body parsing (webargs + the document's check)", core.Parser.parse)
    marshmallow.Schema.dump = timers.wrap("  answer dump (marshmallow)", marshmallow.Schema.dump)
    app.wsgi_app = timers.wrap("whole request", app.wsgi_app)


def profile(tmp: Path, n: int) -> None:
    from bench.http_bench import Data
    from bench.http_load import DECISION
    from webapp import create_app
    url = f"sqlite:///{tmp}/profile.sqlite"
    upgrade(url)
    system = bootstrap(Settings(database_url=url, data_dir=tmp / "profile", secret_key="bench"))
    data = Data(system, 1)
    ids = data.at_review(0, n + 10)
    app = create_app(system)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {data.tokens[0]}"}
    timers = Timers()

    def pair(tid, prof=None):
        for kind, body in (("claim", None), ("complete", {"data": dict(DECISION)})):
            timers.kind = kind
            if prof is not None and kind == "complete":
                prof.enable()
            r = client.post(f"/api/v1/tasks/{tid}/{kind}", json=body, headers=headers)
            if prof is not None:
                prof.disable()
            assert r.status_code == 200, r.get_data(as_text=True)

    for tid in ids[:10]:   # warm: the app's and the engine's caches
        pair(tid)
    system.engine.clear_cache()   # as the server finds it (see the module's docstring)
    instrument(app, system, timers)
    half = n // 2
    for tid in ids[10:10 + half]:
        pair(tid)
    print(f"wall time of the parts of {half} claims and {half} completions in process (no profiler):")
    timers.report(half)

    prof = cProfile.Profile()
    rest = ids[10 + half:]
    for tid in rest:
        pair(tid, prof)
    for order, count in (("tottime", 35), ("cumulative", 45)):
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats(order).print_stats(count)
        print(f"\n{len(rest)} completions under cProfile, by {order}:")
        print(out.getvalue())
    system.dispose()
