"""Static check and rewrite of model code (scripts, conditions, DMN cells, timer expressions).

:func:`compile_model_code` parses the source, refuses what model code may not do (imports,
names or attributes starting with ``_``, frame, code, traceback and generator attributes,
``str.format``, class definitions, ``yield``/``async``, decorators, ``global``, ``with``,
``match``, attribute assignment, rebinding a builtin) and rewrites what it may do under the
budget of :mod:`.budget`: a tick in every loop body, comprehension and function or lambda body;
the guarded operations of :mod:`.guards` in place of ``+ * ** << %``, f-string fields, the
padding and joining methods and the builtins that build or call in C.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

from ..errors import ScriptSecurityError
from .guards import GUARDED_METHODS

FORBIDDEN_NAMES = frozenset(
    "eval exec compile open input globals locals vars getattr setattr delattr breakpoint "
    "__import__ help memoryview type object super classmethod staticmethod property".split()
)
# attribute names model code may not use (besides every name starting with "_")
DENIED_ATTRIBUTES = frozenset(
    "format format_map mro with_traceback throw send close cell_contents translate maketrans to_bytes "
    "tb_frame tb_next tb_lasti gi_frame gi_code cr_frame cr_code ag_frame ag_code f_back f_globals "
    "f_locals f_builtins f_code co_consts func_globals func_code".split()
)
DENIED_PREFIXES = ("_", "gi_", "cr_", "ag_", "f_", "tb_", "co_", "func_", "im_")
# builtins whose every use is replaced by the budget's guard (``_pd.<name>``)
REWRITTEN_NAMES = frozenset("str repr format int range round sum sorted min max map filter zip tuple frozenset".split())
BUILTIN_NAMES = frozenset(
    "abs all any bool dict divmod enumerate filter float format frozenset int isinstance len list map "
    "max min next range repr reversed round set slice sorted str sum tuple zip "
    "Exception ValueError KeyError TypeError".split()
)
_GUARDED_OPS = {ast.Add: "add", ast.Mult: "mul", ast.Pow: "pow", ast.LShift: "lshift", ast.Mod: "mod"}
BUDGET = "_pd"


@dataclass(frozen=True)
class Compiled:
    code: Any
    budgeted: bool  # uses the budget (``_pd``) at all
    loops: bool     # has loops, comprehensions or functions: measure CPU time and memory
    names: tuple = ()  # every variable the code names: all it can change in task data


def _pd(attr: str, ctx_node: ast.AST) -> ast.Attribute:
    return ast.copy_location(ast.Attribute(ast.Name(BUDGET, ast.Load()), attr, ast.Load()), ctx_node)


def _call(attr: str, args: list, node: ast.AST, keywords=None) -> ast.Call:
    return ast.copy_location(ast.Call(_pd(attr, node), args, keywords or []), node)


def _is_number(node) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) in (int, float)


class _Sandboxer(ast.NodeTransformer):
    def __init__(self, source: str):
        self.source = source
        self.budgeted = False
        self.loops = False
        self.in_types = 0  # inside the second argument of isinstance(): builtins stay types

    def fail(self, what: str):
        raise ScriptSecurityError(f"脚本或表达式中不允许使用{what}：{self.source.strip()[:80]}", source=self.source)

    def budget(self, attr, args, node, keywords=None):
        self.budgeted = True
        return _call(attr, args, node, keywords)

    def tick_stmt(self, node):
        self.budgeted = self.loops = True
        return ast.copy_location(ast.Expr(_call("tick", [], node)), node)

    # ------------------------------------------------------------------ refused outright

    def _refuse(what):
        def visit(self, node):
            self.fail(what)
        return visit

    visit_Import = visit_ImportFrom = _refuse(" import")
    visit_Global = visit_Nonlocal = _refuse(" global / nonlocal")
    visit_ClassDef = _refuse("类定义")
    visit_AsyncFunctionDef = visit_AsyncFor = visit_AsyncWith = visit_Await = _refuse("异步语法")
    visit_Yield = visit_YieldFrom = _refuse(" yield")
    visit_With = _refuse(" with 语句")
    visit_Match = _refuse(" match 语句")
    visit_TryStar = _refuse(" except*")
    visit_TypeAlias = _refuse(" type 语句")  # Python 3.12
    del _refuse

    # ------------------------------------------------------------------ names

    def _check_name(self, name: str, store: bool):
        if name.startswith("_") and name != "_":
            self.fail(f"下划线开头的名称 {name}")
        if name in FORBIDDEN_NAMES:
            self.fail(f" {name}")
        if store and name in BUILTIN_NAMES:
            self.fail(f"内置名称 {name} 作为变量名")

    def visit_Name(self, node):
        self._check_name(node.id, not isinstance(node.ctx, ast.Load))
        if node.id in REWRITTEN_NAMES and not self.in_types:
            self.budgeted = True
            return _pd(node.id, node)
        return node

    def visit_arg(self, node):
        self._check_name(node.arg, True)
        return self.generic_visit(node)

    def visit_ExceptHandler(self, node):
        if node.name:
            self._check_name(node.name, True)
        return self.generic_visit(node)

    def _receiver(self, node):
        """``str`` in ``str.lower`` / ``str.join(...)`` stays the type (its methods are checked)."""
        if isinstance(node, ast.Name) and node.id in REWRITTEN_NAMES:
            self._check_name(node.id, False)
            return node
        return self.visit(node)

    def visit_Attribute(self, node):
        attr = node.attr
        if attr.startswith(DENIED_PREFIXES) or attr in DENIED_ATTRIBUTES:
            self.fail(f"属性 {attr}")
        if not isinstance(node.ctx, ast.Load):
            self.fail(f"属性赋值（.{attr}）")
        if attr in GUARDED_METHODS:
            self.fail(f"未直接调用的方法 .{attr}（请直接调用）")
        node.value = self._receiver(node.value)
        return node

    def visit_Constant(self, node):
        if isinstance(node.value, str) and node.value.startswith("__") and node.value.endswith("__"):
            self.fail(f"特殊名称 {node.value}")
        return node

    # ------------------------------------------------------------------ budgeted constructs

    def visit_FunctionDef(self, node):
        if node.decorator_list:
            self.fail("装饰器")
        self._check_name(node.name, True)
        self.generic_visit(node)
        node.body.insert(0, self.tick_stmt(node))
        return node

    def visit_Lambda(self, node):
        self.generic_visit(node)
        self.budgeted = self.loops = True
        node.body = ast.copy_location(ast.BoolOp(ast.And(), [_call("tick_true", [], node), node.body]), node)
        return node

    def _loop(self, node):
        if isinstance(node, ast.While):
            node.test = self.visit(node.test)
        else:
            node.iter, node.target = self.visit(node.iter), self.visit(node.target)
        node.body = [self.visit(s) for s in node.body]
        node.orelse = [self.visit(s) for s in node.orelse]
        node.body.insert(0, self.tick_stmt(node))
        return node

    visit_For = visit_While = _loop

    def _comprehension(self, node):
        self.generic_visit(node)
        for gen in node.generators:
            if gen.is_async:
                self.fail("异步语法")
            self.budgeted = self.loops = True
            gen.ifs.insert(0, _call("tick_true", [], node))
        return node

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _comprehension

    def _display(self, node):
        self.generic_visit(node)
        if isinstance(getattr(node, "ctx", ast.Load()), ast.Load):
            elements = node.values if isinstance(node, ast.Dict) else node.elts
            if any(not isinstance(e, ast.Constant) for e in elements if e is not None):
                return self.budget("hold", [node], node)
        return node

    visit_List = visit_Tuple = visit_Set = visit_Dict = _display

    def visit_BinOp(self, node):
        self.generic_visit(node)
        op = _GUARDED_OPS.get(type(node.op))
        if op is None or (op == "add" and (_is_number(node.left) or _is_number(node.right))):
            return node
        return self.budget(op, [node.left, node.right], node)

    def visit_AugAssign(self, node):
        op = _GUARDED_OPS.get(type(node.op))
        if op is None:
            return self.generic_visit(node)
        value = self.visit(node.value)
        target = node.target
        if isinstance(target, ast.Name):
            self._check_name(target.id, True)
            load = ast.copy_location(ast.Name(target.id, ast.Load()), target)
            return ast.copy_location(ast.Assign([target], self.budget("i" + op, [load, value], node)), node)
        if isinstance(target, ast.Subscript) and not isinstance(target.slice, ast.Slice):
            obj, key = self.visit(target.value), self.visit(target.slice)
            return ast.copy_location(ast.Expr(self.budget("aug_item", [obj, key, ast.Constant(op), value], node)), node)
        self.fail("对属性或切片的增量赋值")

    def visit_Call(self, node):
        func = node.func
        types = node.args[1] if len(node.args) == 2 else None
        if isinstance(types, ast.Tuple) and all(isinstance(e, ast.Name) for e in types.elts):
            types = types.elts[0] if types.elts else None
        if isinstance(func, ast.Name) and func.id == "isinstance" and isinstance(types, ast.Name):
            # the second argument is names only (a tuple of them): the builtins stay types
            node.args[0] = self.visit(node.args[0])
            self.in_types += 1
            node.args[1] = self.visit(node.args[1])
            self.in_types -= 1
            node.keywords = [self.visit(k) for k in node.keywords]
            return node
        if isinstance(func, ast.Attribute) and func.attr in GUARDED_METHODS:
            obj = self._receiver(func.value)
            node.args = [self.visit(a) for a in node.args]
            node.keywords = [self.visit(k) for k in node.keywords]
            node = self.budget("method", [obj, ast.Constant(func.attr)] + node.args, node, node.keywords)
        else:
            node = self.generic_visit(node)
        for kw in node.keywords:
            if kw.arg == "key":
                kw.value = self.budget("ticking", [kw.value], kw.value)
        return node

    def visit_FormattedValue(self, node):
        self.generic_visit(node)
        spec = node.format_spec if node.format_spec is not None else ast.Constant("")
        node.value = self.budget("fmt", [node.value, ast.Constant(node.conversion), spec], node)
        node.conversion, node.format_spec = -1, None
        return node


def compile_model_code(source: str, mode: str = "exec") -> Compiled:
    """Parse, vet and rewrite a script (``exec``) or expression (``eval``)."""
    if not isinstance(source, str):
        raise ScriptSecurityError("脚本或表达式必须是文本", source=repr(source)[:80])
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError as exc:
        raise ScriptSecurityError(f"脚本语法错误（第 {exc.lineno} 行）：{exc.msg}", source=source) from exc
    except (ValueError, RecursionError, MemoryError) as exc:
        raise ScriptSecurityError(f"脚本无法解析：{type(exc).__name__}", source=source[:200]) from exc
    sandboxer = _Sandboxer(source)
    try:
        tree = ast.fix_missing_locations(sandboxer.visit(tree))
    except RecursionError as exc:
        raise ScriptSecurityError("脚本嵌套过深", source=source[:200]) from exc
    names = tuple(sorted({n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id != BUDGET}))
    return Compiled(compile(tree, "<script>", mode), sandboxer.budgeted, sandboxer.loops, names)


def literal_value(source: str):
    """The value of an expression that is a literal (``'P30D'``, ``30``), found without running
    anything; ``None`` for anything else (a name, a call, an operation), which depends on data or
    on running model code, so it is checked when it is used."""
    if not isinstance(source, str) or len(source) > 10_000:
        return None
    try:
        return ast.literal_eval(source.strip())
    except Exception:  # not a literal (ValueError, SyntaxError, ...), or too deep to parse
        return None


def reads_names(source: str) -> bool:
    """Whether an expression reads any variable (task data); ``True`` when it does not parse."""
    try:
        return any(isinstance(n, ast.Name) for n in ast.walk(ast.parse(source.strip(), mode="eval")))
    except Exception:
        return True
