"""Guards for the operations of model code that allocate or compute in C without ticking.

:class:`Budget` is what rewritten model code sees as ``_pd``: the counter of :mod:`.budget`
plus one method per guarded operation. Each checks the size of what is about to be built
(``**``, ``*``, ``<<``, ``+``, ``%``-format, format specs, padding and joining methods,
``range``, ``int`` of long text, ``str``/``repr`` of large structures) and then does it; the
builtins that call a function per item (``map``, ``filter``, ``sorted``/``min``/``max`` with
``key``) get a function that ticks.
"""
from __future__ import annotations

import builtins
import math
import re

from .budget import _SCALARS, BudgetCore, deep_size

_NUMBERS = frozenset({int, float, bool})
_TEXT = (str, bytes)
_SEQUENCES = frozenset({str, bytes, list, tuple})
_WIDTH = re.compile(r"\d+")
_PERCENT = re.compile(r"%[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?")
GUARDED_METHODS = frozenset("join replace ljust rjust center zfill expandtabs split rsplit splitlines".split())
INT_TEXT_DIGITS = 5000
ROUND_DIGITS = 1000

_b_str, _b_repr, _b_format, _b_int, _b_range, _b_round = (
    builtins.str, builtins.repr, builtins.format, builtins.int, builtins.range, builtins.round)


def _bytes_of(value) -> int:
    """Shallow size of a sequence as its result would take it (text: at most 2 bytes a char)."""
    kind = type(value)
    if kind is str:
        return len(value) * (1 if value.isascii() else 2)
    if kind is bytes:
        return len(value)
    return 8 * len(value)


class Budget(BudgetCore):
    __slots__ = ()

    # ------------------------------------------------------------------ arithmetic

    def _int_result(self, bits) -> None:
        if bits > self.limits.int_bits:
            self.fail(f"脚本中的整数运算结果过大（超过 {self.limits.int_bits} 位）")

    def _repeat(self, seq, n) -> None:
        if n <= 1:
            return
        cap = self.limits.value_bytes
        if _bytes_of(seq) * n > cap:
            self.too_big("序列重复")
        if type(seq) in (list, tuple) and seq and deep_size(seq, cap // n + 1, None, self) * n > cap:
            self.too_big("序列重复")

    def add(self, a, b):
        ta = type(a)
        if ta in _NUMBERS and type(b) in _NUMBERS:
            return a + b
        if ta in _SEQUENCES and type(b) is ta and _bytes_of(a) + _bytes_of(b) > self.limits.value_bytes:
            self.too_big("+")
        return a + b

    def mul(self, a, b):
        ta, tb = type(a), type(b)
        if ta is int and tb is int:
            self._int_result(a.bit_length() + b.bit_length())
        elif ta in _SEQUENCES and tb in (int, bool):
            self._repeat(a, b)
        elif tb in _SEQUENCES and ta in (int, bool):
            self._repeat(b, a)
        return a * b

    def pow(self, a, b):
        if type(a) in (int, bool) and type(b) in (int, bool) and b > 1 and not -1 <= a <= 1:
            self._int_result(b if b > self.limits.int_bits else b * math.log2(abs(a)))
        return a ** b

    def lshift(self, a, b):
        if type(a) in (int, bool) and type(b) in (int, bool) and a and b > 0:
            self._int_result(abs(a).bit_length() + b)
        return a << b

    def mod(self, a, b):
        if type(a) in _TEXT:
            for width, precision in _PERCENT.findall(a if type(a) is str else a.decode("latin-1")):
                for n in (width, precision):
                    if n == "*":
                        self.fail("%-格式中不允许用 * 指定宽度或精度")
                    if n and _b_int(n) > self.limits.format_width:
                        self._wide()
            if type(b) not in _SCALARS:
                self.check_value(b, "%-格式的参数")
        return a % b

    def iadd(self, a, b):
        if type(a) is list:
            b = b if type(b) in (list, tuple) else list(b)
            if 8 * (len(a) + len(b)) > self.limits.value_bytes:
                self.too_big("+=")
            a += b
            return a
        return self.add(a, b)

    def imul(self, a, b):
        if type(a) is list:
            self.mul(a, b)
            a *= b
            return a
        return self.mul(a, b)

    ipow, ilshift, imod = pow, lshift, mod

    def aug_item(self, obj, key, op, value) -> None:
        """``obj[key] op= value``."""
        obj[key] = getattr(self, "i" + op)(obj[key], value)

    # ------------------------------------------------------------------ text

    def _wide(self):
        self.fail(f"格式宽度或精度超过限制（{self.limits.format_width}）")

    def _spec(self, spec) -> None:
        if spec and any(_b_int(n) > self.limits.format_width for n in _WIDTH.findall(spec)):
            self._wide()

    def str(self, *args, **kwargs):
        if args and type(args[0]) not in _SCALARS:
            self.check_value(args[0], "转换为文本")
        return _b_str(*args, **kwargs)

    def repr(self, value):
        if type(value) not in _SCALARS:
            self.check_value(value, "转换为文本")
        return _b_repr(value)

    def format(self, value, spec=""):
        self._spec(spec)
        if type(value) not in _SCALARS:
            self.check_value(value, "格式化")
        return _b_format(value, spec)

    def fmt(self, value, conversion, spec):
        """One ``{value!conversion:spec}`` of an f-string."""
        if conversion == 114:
            value = self.repr(value)
        elif conversion == 115:
            value = self.str(value)
        elif conversion == 97:
            if type(value) not in _SCALARS:
                self.check_value(value, "转换为文本")
            value = ascii(value)
        if not spec and type(value) is str:
            return value
        return self.format(value, spec)

    def method(self, obj, name, *args, **kwargs):
        """``obj.name(*args)`` for the methods that can build a large result from small input."""
        if obj is str or obj is bytes:  # str.join(sep, items)
            if not args:
                return getattr(obj, name)(**kwargs)
            return self.method(args[0], name, *args[1:], **kwargs)
        if type(obj) in _TEXT:
            if name == "join" and args:
                items = args[0] if type(args[0]) in (list, tuple) else list(args[0])
                args = (items,) + args[1:]
                size = len(obj) * max(len(items) - 1, 0) + sum(len(x) for x in items if type(x) in _TEXT)
            else:
                size = self._text_result(obj, name, args, kwargs)
            if size * (1 if type(obj) is bytes or obj.isascii() else 2) > self.limits.value_bytes:
                self.too_big(f"{name}()")
        return getattr(obj, name)(*args, **kwargs)

    @staticmethod
    def _text_result(text, name, args, kwargs) -> int:
        """An upper bound of the size of ``text.name(*args)`` (pieces count 64 bytes each)."""
        n = len(text)
        if name in ("ljust", "rjust", "center", "zfill"):
            width = args[0] if args else kwargs.get("width", 0)
            return max(n, width) if type(width) is int else n
        if name == "expandtabs":
            tabsize = args[0] if args else kwargs.get("tabsize", 8)
            tab = "\t" if type(text) is str else b"\t"
            return n + max(text.count(tab), 1) * max(tabsize, 0) if type(tabsize) is int else n
        if name == "replace" and len(args) >= 2:
            old, new = args[0], args[1]
            if type(old) is not type(text) or type(new) is not type(text) or len(new) <= len(old):
                return n
            count = text.count(old) if old else n + 1
            if len(args) > 2 and type(args[2]) is int and args[2] >= 0:
                count = min(count, args[2])
            return n + count * (len(new) - len(old))
        if name in ("split", "rsplit"):
            sep = args[0] if args else kwargs.get("sep")
            pieces = text.count(sep) + 1 if sep and type(sep) is type(text) else n // 2 + 1
            return n + 64 * pieces
        if name == "splitlines":
            nl = "\n" if type(text) is str else b"\n"
            return n + 64 * (text.count(nl) + 1)
        return n

    # ------------------------------------------------------------------ builtins

    def int(self, *args, **kwargs):
        if args and type(args[0]) in _TEXT and len(args[0]) > INT_TEXT_DIGITS:
            self.fail(f"转换为整数的文本过长（超过 {INT_TEXT_DIGITS} 个字符）")
        return _b_int(*args, **kwargs)

    def range(self, *args):
        r = _b_range(*args)
        try:
            n = len(r)
        except OverflowError:
            n = self.limits.range_items + 1
        if n > self.limits.range_items:
            self.fail(f"range 的长度超过限制（{self.limits.range_items}）")
        return r

    def round(self, number, ndigits=None):
        if type(ndigits) is int and abs(ndigits) > ROUND_DIGITS:
            self.fail(f"round 的位数超过限制（{ROUND_DIGITS}）")
        return _b_round(number, ndigits)

    def sum(self, iterable, /, start=0):
        if type(start) not in (list, tuple):
            return builtins.sum(iterable, start)
        total = start
        for item in iterable:
            self.tick()
            total = self.add(total, item)
        return total

    def ticking(self, fn):
        """``fn`` as a function that ticks on each call (builtins swapped for their guards)."""
        if fn is None or not callable(fn):
            return fn
        guard = _GUARDED.get(id(fn))
        if guard is not None:
            fn = getattr(self, guard)
        tick = self.tick

        def call(*args, **kwargs):
            tick()
            return fn(*args, **kwargs)

        return call

    def sorted(self, iterable, /, *, key=None, reverse=False):
        return builtins.sorted(iterable, key=self.ticking(key), reverse=reverse)

    def min(self, *args, **kwargs):
        if "key" in kwargs:
            kwargs["key"] = self.ticking(kwargs["key"])
        return builtins.min(*args, **kwargs)

    def max(self, *args, **kwargs):
        if "key" in kwargs:
            kwargs["key"] = self.ticking(kwargs["key"])
        return builtins.max(*args, **kwargs)

    def zip(self, *iterables, **kwargs):
        """``zip`` that ticks per tuple (``zip(*[r] * k)`` builds k items for each one it reads)."""
        tick = self.tick
        for item in builtins.zip(*iterables, **kwargs):
            tick()
            yield item

    def map(self, fn, *iterables):
        return builtins.map(self.ticking(fn), *iterables)

    def filter(self, fn, iterable):
        return builtins.filter(self.ticking(fn), iterable)

    def tuple(self, *args):
        return self.hold(builtins.tuple(*args))

    def frozenset(self, *args):
        return self.hold(builtins.frozenset(*args))

    def hold(self, display):
        """A list, tuple, set or dict display (or a tuple or frozenset built from an iterable):
        refuse it if it nests containers whose text would be too big (``t = (t, t)`` doubles at
        each turn; hashing or comparing it would walk every path)."""
        for item in (display.values() if type(display) is dict else display):
            if type(item) not in _SCALARS:
                self.check_value(display, "嵌套的数据")
                break
        return display


# builtins that rewritten code reaches as ``_pd.<name>`` (see checker.REWRITTEN_NAMES)
_GUARDED = {id(getattr(builtins, name)): name
            for name in "str repr format int range round sum sorted min max map filter zip tuple frozenset".split()}
