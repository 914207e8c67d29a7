"""The script environment: model code vetted and rewritten by :mod:`.checker`, compiled once and
cached, run with a short list of builtins under the budget of :mod:`.budget` (DESIGN.md
invariant 8). SpiffWorkflow evaluates every script, condition, timer, multi-instance
expression and DMN cell through :meth:`RestrictedEnvironment.evaluate` / ``execute``.
"""
from __future__ import annotations

import builtins
import reprlib
import types

from SpiffWorkflow.bpmn.script_engine import TaskDataEnvironment

from ..errors import ScriptSecurityError
from .budget import _SCALARS, LIMITS, ScriptLimitError, deep_size
from .checker import BUDGET, FORBIDDEN_NAMES, Compiled, compile_model_code
from .guards import Budget

SAFE_BUILTINS = {
    name: getattr(builtins, name)
    for name in (
        "abs all any bool dict divmod enumerate filter float format frozenset int isinstance "
        "len list map max min next range repr reversed round set slice sorted str sum tuple zip "
        "Exception ValueError KeyError TypeError"
    ).split()
}
# what model code may not leave in task data (it cannot be saved, or it holds a frame)
_NOT_DATA = (types.GeneratorType, types.ModuleType, type, BaseException, map, filter, zip, enumerate, reversed, range,
             type({}.keys()), type({}.values()), type({}.items()), type(iter([])), type(iter(())), type(iter("")),
             types.FunctionType, types.BuiltinFunctionType, types.MethodType, types.BuiltinMethodType)
# what an expression may not hand back (ranges, views and iterators it may: the library iterates them)
_NOT_A_VALUE = (types.GeneratorType, types.ModuleType, type, BaseException, types.FunctionType,
                types.BuiltinFunctionType, types.MethodType, types.BuiltinMethodType)
_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = 200
_MESSAGE_CHARS = 2000

__all__ = ["FORBIDDEN_NAMES", "SAFE_BUILTINS", "RestrictedEnvironment", "check_script"]


def check_script(source: str, mode: str = "exec"):
    """Parse, vet and rewrite a script or expression; return the compiled code. Nothing runs."""
    return compile_model_code(source, mode).code


def _check_result(value, what: str, refuse: tuple = _NOT_DATA) -> None:
    """Refuse a value too big, too deep, or holding what cannot be saved (a generator, a function...)."""
    cap = LIMITS.value_bytes
    try:
        size = deep_size(value, cap, LIMITS.depth, refuse=refuse)
    except ScriptSecurityError as exc:
        raise type(exc)(exc.message.replace("（", f"（{what}：", 1)) from None
    if size > cap:
        raise ScriptLimitError(f"脚本生成的值过大（{what}，超过 {cap / 2**20:g} MB）")


def _short(value) -> str:
    try:
        return _SHORT.repr(value)
    except Exception:  # an int too long for its text, ...
        return f"<{type(value).__name__}>"


def _contained(exc: Exception, budget: Budget | None) -> Exception | None:
    """What to raise instead of an exception that model code raised: the budget's error if the
    code caught it and failed otherwise; a short message instead of one built from a large
    value (the library formats it). ``None``: raise ``exc`` itself."""
    if budget is not None and budget.tripped is not None:
        return ScriptLimitError(budget.tripped)
    if isinstance(exc, RecursionError):
        return ScriptLimitError("脚本递归层数过深")
    if isinstance(exc, MemoryError):
        return ScriptLimitError("脚本占用内存超过限制")
    if all(type(a) in _SCALARS and (len(a) <= _MESSAGE_CHARS if type(a) is str else type(a) is not int or a.bit_length() < 10_000)
           for a in exc.args):
        return None
    text = ", ".join(_short(a) for a in exc.args)[:_MESSAGE_CHARS]
    try:
        return type(exc)(text)
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {text}")


class RestrictedEnvironment(TaskDataEnvironment):
    """Task-data environment with a vetted, rewritten and cached compile step, a short builtins
    list and a budget for CPU time and memory."""

    def __init__(self, environment_globals=None):
        super().__init__(dict(environment_globals or {}))
        self._code: dict[tuple[str, str], Compiled] = {}

    def _compiled(self, source: str, mode: str) -> Compiled:
        key = (source, mode)
        compiled = self._code.get(key)
        if compiled is None:
            compiled = compile_model_code(source, mode)
            if len(self._code) > 4096:
                self._code.clear()
            self._code[key] = compiled
        return compiled

    @staticmethod
    def _run(compiled: Compiled, scope: dict):
        budget = None
        if compiled.budgeted:
            budget = scope[BUDGET] = Budget(compiled.loops)
        try:
            result = eval(compiled.code, scope)
        except ScriptSecurityError:
            raise
        except Exception as exc:
            replacement = _contained(exc, budget)
            if replacement is None:
                raise
        else:
            if budget is not None:
                budget.finish()
            return result
        raise replacement

    def evaluate(self, expression, context, external_context=None):
        compiled = self._compiled(expression, "eval")
        scope = {"__builtins__": SAFE_BUILTINS}
        scope.update(self.globals)
        scope.update(external_context or {})
        scope.update(context)
        result = self._run(compiled, scope)
        kind = type(result)
        if kind not in _SCALARS or (kind is str and len(result) > 4096):
            _check_result(result, "表达式的值", _NOT_A_VALUE)
        return result

    def execute(self, script, context, external_context=None):
        compiled = self._compiled(script, "exec")
        self.check_for_overwrite(context, external_context or {})
        before = {name: context.get(name) for name in compiled.names}
        context.update(self.globals)
        context.update(external_context or {})
        context["__builtins__"] = SAFE_BUILTINS
        try:
            self._run(compiled, context)
        finally:
            context.pop(BUDGET, None)
            self._remove_globals_and_functions_from_context(context, external_context)
        # What the script can have changed: the variables it names (a value it bound, or a
        # container it reached and changed in place, which takes a loop or a guard to grow much).
        for name in compiled.names:
            value = context.get(name)
            kind = type(value)
            if kind in _SCALARS and kind is not str:
                continue
            if (kind is str and len(value) <= 4096) or (before[name] is value and not compiled.budgeted):
                continue
            _check_result(value, name)
        return True
