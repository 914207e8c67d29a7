"""The script environment: vetted, compiled and cached model code with a short builtins list."""
from __future__ import annotations

import ast
import builtins
from typing import Any

from SpiffWorkflow.bpmn.script_engine import TaskDataEnvironment

from ..errors import ScriptSecurityError

SAFE_BUILTINS = {
    name: getattr(builtins, name)
    for name in (
        "abs all any bool dict divmod enumerate filter float format frozenset int isinstance "
        "len list map max min next range repr reversed round set slice sorted str sum tuple zip "
        "Exception ValueError KeyError TypeError"
    ).split()
}

FORBIDDEN_NAMES = frozenset(
    "eval exec compile open input globals locals vars getattr setattr delattr breakpoint "
    "__import__ help memoryview type object super classmethod staticmethod property".split()
)


class _ScriptChecker(ast.NodeVisitor):
    def __init__(self, source: str):
        self.source = source

    def fail(self, what: str):
        raise ScriptSecurityError(f"脚本或表达式中不允许使用{what}：{self.source.strip()[:80]}", source=self.source)

    def visit_Import(self, node):
        self.fail(" import")

    visit_ImportFrom = visit_Import

    def visit_Attribute(self, node):
        if node.attr.startswith("_"):
            self.fail(f"下划线属性 {node.attr}")
        self.generic_visit(node)

    def visit_Name(self, node):
        if node.id.startswith("__") or node.id in FORBIDDEN_NAMES:
            self.fail(f" {node.id}")

    def visit_Global(self, node):
        self.fail(" global")

    visit_Nonlocal = visit_Global

    def visit_Constant(self, node):
        if isinstance(node.value, str) and node.value.startswith("__") and node.value.endswith("__"):
            self.fail(f"特殊名称 {node.value}")


def check_script(source: str, mode: str = "exec"):
    """Parse and vet a script or expression; return the compiled code."""
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError as exc:
        raise ScriptSecurityError(f"脚本语法错误（第 {exc.lineno} 行）：{exc.msg}", source=source) from exc
    _ScriptChecker(source).visit(tree)
    return compile(tree, "<string>", mode)


class RestrictedEnvironment(TaskDataEnvironment):
    """Task-data environment with a vetted, cached compile step and a short builtins list."""

    def __init__(self, environment_globals=None):
        super().__init__(dict(environment_globals or {}))
        self._code: dict[tuple[str, str], Any] = {}

    def _compiled(self, source: str, mode: str):
        key = (source, mode)
        code = self._code.get(key)
        if code is None:
            code = check_script(source, mode)
            if len(self._code) > 4096:
                self._code.clear()
            self._code[key] = code
        return code

    def evaluate(self, expression, context, external_context=None):
        code = self._compiled(expression, "eval")
        scope = {"__builtins__": SAFE_BUILTINS}
        scope.update(self.globals)
        scope.update(external_context or {})
        scope.update(context)
        return eval(code, scope)

    def execute(self, script, context, external_context=None):
        code = self._compiled(script, "exec")
        self.check_for_overwrite(context, external_context or {})
        context.update(self.globals)
        context.update(external_context or {})
        context["__builtins__"] = SAFE_BUILTINS
        try:
            exec(code, context)
        finally:
            self._remove_globals_and_functions_from_context(context, external_context)
        return True
