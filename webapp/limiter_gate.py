"""Flask-Limiter's check before every request, run only when it has something to check.

Flask-Limiter evaluates, before each view, the limits that apply to every request: application-wide,
default and blueprint limits, meta limits, its in-memory fallback while the storage is down, and
limits met inside callables other than views. This deployment has none of those — its limits are on
the sign-in views and the password links (:mod:`webapp.security`), each checked by its own decorator
or call inside the view — so the check answered nothing, at ~0.05 ms on every request (issue 16
point 3). :func:`install` keeps the check and lets it run whenever any such limit exists (one set
in ``RATELIMIT_DEFAULT`` or ``RATELIMIT_APPLICATION``, a ``limiter.limit`` on a blueprint, ...),
looked at on each request; a Flask-Limiter whose internals differ is always checked.

Its hooks after the view (the deductions of ``deduct_when`` limits, the rate-limit headers) and at
teardown work on what a check of this request left in the request's context: they run whenever a
check ran (the sign-in views' own, or the one before the view), and are skipped when none did."""
from __future__ import annotations

from flask.globals import request_ctx

_CONTEXT = "_limiter_request_context"   # where Flask-Limiter keeps what a check of this request found


def may_limit(limiter) -> bool:
    """Whether Flask-Limiter's check before the view could find a limit to evaluate."""
    try:
        manager = limiter.limit_manager
        return bool(manager._application_limits or manager._default_limits or manager._blueprint_limits
                    or manager._endpoint_hints or limiter._meta_limits or limiter._in_memory_fallback_enabled
                    or limiter._storage_dead)
    except AttributeError:   # not the Flask-Limiter this was written for (4.x): check as it would
        return True


def install(app, limiter) -> None:
    """Put the gate in place of the check Flask-Limiter registered on ``app``."""
    check = limiter._check_request_limit
    hooks = app.before_request_funcs.get(None, [])
    if check not in hooks:
        return

    def check_request_limit():
        if may_limit(limiter):
            return check()
        return None

    hooks[hooks.index(check)] = check_request_limit

    after = app.after_request_funcs.get(None, [])
    for i, hook in enumerate(after):
        if getattr(hook, "args", None) == (limiter,) and getattr(getattr(hook, "func", None), "__name__", "") == "__inject_headers":
            after[i] = _when_checked(hook, answer=True)
    release = getattr(limiter, "_Limiter__release_context", None)
    teardown = app.teardown_request_funcs.get(None, [])
    if release is not None and release in teardown:
        teardown[teardown.index(release)] = _when_checked(release, answer=False)


def _when_checked(hook, answer: bool):
    """``hook`` when a check ran in this request; else the response unchanged (after-request) or nothing."""
    def limiter_hook(arg):
        if hasattr(request_ctx, _CONTEXT):
            return hook(arg)
        return arg if answer else None
    return limiter_hook
