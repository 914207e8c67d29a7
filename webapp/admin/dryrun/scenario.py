"""What a dry run does (:class:`Scenario`), its limits, and how it reports progress."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Callable

MAX_STEPS = 5000
MAX_INSTANCES = 200
MAX_NOMINATIONS = 100000          # the programme dry run runs in the worker: a whole round, any size
MAX_REPEATS = 5                   # one task of one instance completed this often: a loop, stop working it


class Cancelled(Exception):
    """The administrator stopped the dry run."""


Progress = Callable[[str, int, int, float], None]   # (phase, done, total, fraction 0..1); may raise Cancelled


def _no_progress(phase: str, done: int, total: int, fraction: float) -> None:
    return None


@dataclass
class Scenario:
    process_key: str = ""
    count: int = 3
    years: int = 1
    start_data: dict = field(default_factory=dict)
    answers: dict = field(default_factory=dict)   # element id -> data submitted there
    mode: str = "generic"                          # generic | programme
    seed: int = 1
    compare: bool = False                          # also run on the deployed version, side by side

    @classmethod
    def from_form(cls, form) -> "Scenario":
        def obj(name):
            text = (form.get(name) or "").strip()
            if not text:
                return {}
            value = json.loads(text)
            if not isinstance(value, dict):
                raise ValueError(f"{name} 必须是 JSON 对象")
            return value
        try:
            count, years = int(form.get("count") or 3), int(form.get("years") or 1)
        except ValueError:
            raise ValueError("实例数和年数必须是整数")
        mode = form.get("mode") or "generic"
        if mode not in ("generic", "programme"):
            raise ValueError("未知的试运行方式")
        limit = MAX_NOMINATIONS if mode == "programme" else MAX_INSTANCES
        if not (1 <= count <= limit and 0 <= years <= 10):
            raise ValueError(f"{'推荐数' if mode == 'programme' else '实例数'}须在 1–{limit} 之间，年数须在 0–10 之间")
        try:
            return cls(process_key=form.get("process_key") or "", count=count, years=years, start_data=obj("start_data"),
                       answers=obj("answers"), mode=mode, compare=form.get("compare") in ("1", "on", "true"))
        except json.JSONDecodeError as exc:
            raise ValueError(f"JSON 格式错误：{exc.msg}（第 {exc.lineno} 行）")

    @classmethod
    def from_dict(cls, data: dict) -> "Scenario":
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})
