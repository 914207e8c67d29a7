"""The run-time budget of model code: limits (configured here, in one place), the error that
reports them, and the per-evaluation counter that rewritten code ticks.

Model code is rewritten (see :mod:`.checker`) so that every loop body, comprehension and
function or lambda body calls ``_pd.tick()``, where ``_pd`` is the :class:`~.guards.Budget` of the
running evaluation. A tick counts an operation; every :data:`CHECK_EVERY` ticks it reads the
thread's CPU time and the process's resident memory (growth while the code runs counts against
it; other threads' allocations in the meantime count too). Signals are not used, so this works
in any thread. Operations that allocate or compute in C without ticking
(``**``, ``*``, ``range``, padding methods, format widths, ...) are checked before they run by the
guards of :mod:`.guards`.
"""
from __future__ import annotations

import contextlib
import os
import threading
import time
from dataclasses import dataclass, replace

from ..errors import ScriptLimitError, ScriptSecurityError

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_statm: list = [None, None]  # [pid, fd] of /proc/self/statm, opened again after a fork


_statm_lock = threading.Lock()


def _rss() -> int:
    """Resident bytes of the process now (0 where /proc is not available)."""
    pid = os.getpid()
    if _statm[0] != pid:
        with _statm_lock:
            if _statm[0] != pid:
                try:
                    _statm[1] = os.open("/proc/self/statm", os.O_RDONLY)
                except OSError:
                    _statm[1] = -1
                _statm[0] = pid
    if _statm[1] < 0:
        return 0
    try:
        return int(os.pread(_statm[1], 64, 0).split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return 0


@dataclass(frozen=True)
class SandboxLimits:
    cpu_seconds: float = 2.0            # CPU time of the thread running one script or expression
    operations: int = 5_000_000         # loop iterations, comprehension items and calls of model code
    value_bytes: int = 48 * 2**20       # any one value model code builds, formats or hands back
    memory_bytes: int = 256 * 2**20     # growth of the process's resident memory while model code runs
    int_bits: int = 100_000             # result size of int arithmetic (about 30,000 digits)
    range_items: int = 1_000_000        # length of a range()
    format_width: int = 100_000         # width or precision in a format spec or %-format
    depth: int = 100                    # nesting of the data model code leaves behind


LIMITS = SandboxLimits()
CHECK_EVERY = 16  # ticks between two reads of CPU time and memory


def configure(**changes) -> SandboxLimits:
    """Change the limits for every evaluation that starts from now on; returns the old ones."""
    global LIMITS
    old, LIMITS = LIMITS, replace(LIMITS, **changes)
    return old


@contextlib.contextmanager
def sandbox_limits(**changes):
    """Lower (or raise) limits for a block, e.g. in tests."""
    old = configure(**changes)
    try:
        yield LIMITS
    finally:
        configure(**{k: getattr(old, k) for k in changes})


def _mb(n: int) -> str:
    return f"{n / 2**20:g} MB"


def usage() -> tuple[float, int]:
    """(CPU seconds of this thread, resident bytes of the process)."""
    return time.thread_time(), _rss()


_SCALARS = frozenset({type(None), bool, int, float, str, complex})
_CONTAINERS = {list: False, tuple: False, set: False, frozenset: False, dict: True}


def _text_size(value, kind) -> int:
    """About the bytes of a scalar's text (``repr``/JSON)."""
    if kind is str:
        return len(value) + 2
    if kind is int:
        return value.bit_length() // 3 + 1
    return 24


def deep_size(value, cap: int, depth_limit: int | None = None, budget: "BudgetCore | None" = None,
              refuse: tuple = ()) -> int:
    """Approximate bytes of ``value`` as its text or JSON would need them plus its references,
    counting a shared object once per reference (that is how ``repr`` and serializers see it).
    Stops as soon as the total passes ``cap``. Raises :class:`ScriptLimitError` past
    ``depth_limit`` levels, :class:`ScriptSecurityError` on an instance of a ``refuse`` type.
    With a ``budget``, the walk counts against its CPU time."""
    total, stack, nodes = 0, [(value, 0)], 0
    pop, push = stack.pop, stack.append
    while stack:
        nodes += 1
        if budget is not None and not nodes & 2047:
            budget.check()
        item, depth = pop()
        kind = type(item)
        is_dict = _CONTAINERS.get(kind)
        if is_dict is None:
            if kind in _SCALARS:
                total += _text_size(item, kind)
            elif refuse and isinstance(item, refuse):
                raise ScriptSecurityError(f"脚本在数据中留下了不能保存的值（{kind.__name__}）")
            else:
                total += 64
        else:
            total += 2 + 8 * len(item)
            if total > cap:
                break
            if depth_limit is not None and depth >= depth_limit and item:
                raise ScriptLimitError(f"脚本生成的数据嵌套过深（超过 {depth_limit} 层）")
            for child in (item.items() if is_dict else item):
                if is_dict:
                    push((child[0], depth + 1))
                    child = child[1]
                ckind = type(child)
                if ckind in _SCALARS:
                    total += _text_size(child, ckind)
                else:
                    push((child, depth + 1))
        if total > cap:
            break
    return total


class BudgetCore:
    """Counts the operations of one evaluation and checks CPU time and memory as it goes."""

    __slots__ = ("limits", "ops", "next_check", "cpu_start", "rss_start", "tripped")

    def __init__(self, measure: bool):
        self.limits = LIMITS
        self.ops = 0
        self.tripped: str | None = None
        self.cpu_start = self.rss_start = None
        if measure:
            self.cpu_start, self.rss_start = usage()
        self.next_check = CHECK_EVERY

    def fail(self, message: str):
        """Trip the budget (for good: every later tick raises again) and raise."""
        self.tripped = self.tripped or message
        self.next_check = 0
        raise ScriptLimitError(message)

    def tick(self) -> None:
        self.ops += 1
        if self.ops >= self.next_check:
            self.check()

    def tick_true(self) -> bool:
        self.ops += 1
        if self.ops >= self.next_check:
            self.check()
        return True

    def check(self) -> None:
        if self.tripped is not None:
            raise ScriptLimitError(self.tripped)
        limits = self.limits
        self.next_check = self.ops + CHECK_EVERY
        if self.ops > limits.operations:
            self.fail(f"脚本运行步数超过限制（{limits.operations} 步）")
        cpu, rss = usage()
        if self.cpu_start is None:
            self.cpu_start, self.rss_start = cpu, rss
            return
        if cpu - self.cpu_start > limits.cpu_seconds:
            self.fail(f"脚本运行超过时间限制（{limits.cpu_seconds:g} 秒）")
        if rss - self.rss_start > limits.memory_bytes:
            self.fail(f"脚本占用内存超过限制（{_mb(limits.memory_bytes)}）")

    def finish(self) -> None:
        """After model code returned: it may have caught the budget's error and carried on."""
        if self.tripped is not None:
            raise ScriptLimitError(self.tripped)
        if self.cpu_start is not None:
            self.check()

    def too_big(self, what: str):
        self.fail(f"脚本生成的值过大（{what}，超过 {_mb(self.limits.value_bytes)}）")

    def check_value(self, value, what: str = "结果") -> None:
        """Refuse a value whose text or JSON would be too big, or that nests too deeply."""
        if type(value) in _SCALARS and type(value) is not str:
            return
        cap = self.limits.value_bytes
        try:
            size = deep_size(value, cap, self.limits.depth, self)
        except ScriptLimitError as exc:
            self.fail(exc.message)
        if size > cap:
            self.too_big(what)
