"""Model versions: validation, content hashing, deploy, and a per-process cache of parsed specs."""
from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from functools import lru_cache
from dataclasses import dataclass, field
from typing import Any

import jsonschema
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import forms as forms_module
from . import spiff
from .config import EngineConfig
from .errors import ModelValidationError, NotFound, ScriptSecurityError
from .spiff import Problem
from .tables import ModelVersion, ProcessDefinition

RESERVED_IDS = {"Start", "End", "Root"}
HUMAN_TYPES = {"UserTask", "ManualTask"}


def content_hash(files: dict[str, str]) -> str:
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode("utf-8") + b"\0" + files[name].encode("utf-8") + b"\0")
    return h.hexdigest()


TEXT_TABLES = "i18n/"   # files of a version that are text tables (a language's words for the models' texts), not forms


def _text_table_problem(text: str) -> str | None:
    """A text table is ``{"language": "en", "texts": {"<model text>": "<its translation>", …}}``."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        return f"译文表不是有效的 JSON（第 {exc.lineno} 行）：{exc.msg}"
    if not isinstance(doc, dict) or not isinstance(doc.get("language"), str) or not doc["language"].strip():
        return "译文表须是一个对象，并用 language 写明语言（如 \"en\"）"
    texts = doc.get("texts")
    if not isinstance(texts, dict):
        return "译文表须有 texts：原文 → 译文的对照表"
    for key, value in texts.items():
        if not key.strip() or not isinstance(value, str):
            return f"译文表中“{key[:40]}”的译文须是文字"
        if len(key) > 2000 or len(value) > 2000:
            return f"译文表中“{key[:40]}”过长（不超过 2000 字）"
    return None


@lru_cache(maxsize=256)
def _form_schema_problem(text: str) -> str | None:
    """The problem with one form file's text, or None. Checking a schema against the meta-schema is
    the slowest part of validating a model set, and the same form texts are deployed again and again
    (every version repeats the unchanged forms), so the verdict is kept per text."""
    try:
        jsonschema.Draft202012Validator.check_schema(json.loads(text))
    except json.JSONDecodeError as exc:
        return f"表单不是有效的 JSON（第 {exc.lineno} 行）：{exc.msg}"
    except jsonschema.SchemaError as exc:
        return f"表单不是有效的 JSON Schema：{exc.message}"
    return None


def _check_expression(problems, file, element, what, source, mode="eval"):
    try:
        spiff.check_script(source, mode)
    except ScriptSecurityError as exc:
        problems.append(Problem(file, element, f"{what}：{exc.message}"))
        return False
    return True


def validate(files: dict[str, str], config: EngineConfig) -> tuple[spiff.ParsedModels, list[Problem]]:
    """Everything that must hold before a set of files may be deployed.

    Returns the parse result and the problems (errors and warnings); each names the file and,
    where there is one, the element id.
    """
    problems: list[Problem] = []
    if not any(n.endswith(".bpmn") for n in files):
        problems.append(Problem("*", None, "没有 BPMN 文件"))
    forms: dict[str, Any] = {}
    for name, text in files.items():
        if name.endswith(".json") and name.startswith(TEXT_TABLES):
            problem = _text_table_problem(text)
            if problem is not None:
                problems.append(Problem(name, None, problem))
        elif name.endswith(".json"):
            problem = _form_schema_problem(text)
            if problem is None:
                forms[name] = json.loads(text)
            else:
                problems.append(Problem(name, None, problem))
    parsed = spiff.parse_files(files)
    problems.extend(parsed.problems)
    for file, lane_id, lane_name in parsed.lanes:
        if config.role_for_lane(lane_name) is None:
            known = "、".join(f"{r.label}({r.key})" for r in config.roles.values())
            problems.append(Problem(file, lane_id, f"泳道“{lane_name or '（未命名）'}”没有对应的角色；可用角色：{known}"))
    _check_process_properties(problems, parsed, files, config)
    for key, elements in parsed.elements.items():
        for el_id, info in elements.items():
            file = info.get("file") or key
            if el_id in RESERVED_IDS:
                problems.append(Problem(file, el_id, f"元素 id“{el_id}”是引擎保留名，请改名"))
            props = info.get("properties", {})
            if info["type"] in HUMAN_TYPES:
                if not info.get("lane"):
                    problems.append(Problem(file, el_id, "人工任务不在任何泳道中，无人可以办理"))
                form = props.get("form")
                if not form:
                    problems.append(Problem(file, el_id, "人工任务没有指定表单（属性 form）"))
                elif form not in files:
                    problems.append(Problem(file, el_id, f"引用的表单 {form} 不存在"))
                elif form.startswith(TEXT_TABLES):
                    problems.append(Problem(file, el_id, f"{form} 是译文表，不能作为表单"))
                for prop in ("dueIn", "dueAt", "assignee", "title"):
                    if props.get(prop):
                        _check_expression(problems, file, el_id, f"属性 {prop}", props[prop])
                if props.get("dueIn"):
                    _check_constant_duration(problems, file, el_id, props["dueIn"])
            if "timer" in info:
                _check_timer(problems, file, el_id, info["timer"]["expression"])
            if "operation" in info:
                if config.operations and info["operation"] not in config.operations:
                    problems.append(Problem(file, el_id, f"服务任务操作“{info['operation']}”未注册"))
                for pname, pexpr in (info.get("operation_params") or {}).items():
                    _check_expression(problems, file, el_id, f"参数 {pname}", pexpr or "None")
            if "script" in info:
                _check_expression(problems, file, el_id, "脚本", info["script"], "exec")
            for cond in info.get("conditions", []):
                _check_expression(problems, file, el_id, "条件表达式", cond)
    return parsed, problems


def _check_process_properties(problems, parsed, files, config) -> None:
    """``startRoles`` name known roles; ``startForm`` and the human tasks' ``keepFields`` name
    what exists."""
    for key, props in (parsed.process_properties or {}).items():
        file = next((i.get("file") for i in parsed.elements.get(key, {}).values() if i.get("file")), key)
        for role in (r.strip() for r in str(props.get("startRoles") or "").split(",")):
            if role and role not in config.roles:
                problems.append(Problem(file, key, f"startRoles 中的角色“{role}”不存在"))
        form = props.get("startForm")
        if form and form not in files:
            problems.append(Problem(file, key, f"启动表单 {form} 不存在"))
        if "cancellable" in props and str(props["cancellable"]).strip().lower() not in ("true", "false"):
            problems.append(Problem(file, key, f"cancellable 只能是 true 或 false（现为“{props['cancellable']}”）"))
    for key, elements in parsed.elements.items():
        for el_id, info in elements.items():
            props = info.get("properties", {})
            keep = str(props.get("keepFields") or "").strip()
            if not keep or keep == "*" or props.get("form") not in files:
                continue
            try:
                declared = set(forms_module.declared(json.loads(files[props["form"]])))
            except ValueError:
                continue
            for name in (n.strip() for n in keep.split(",")):
                if name and name not in declared:
                    problems.append(Problem(info.get("file") or key, el_id, f"keepFields 中的“{name}”不是表单 {props['form']} 的字段"))


def _constant_value(problems, file, element, what, expression):
    """The value of a literal expression (``'P30D'``), found by static analysis: validating or
    saving a draft never runs its code (DESIGN.md invariant 8). ``None`` when the expression reads
    data (it is checked when it is used); an expression that reads no data but is not a literal
    either is a problem: it would have to run to be checked."""
    value = spiff.literal_value(expression)
    if value is None and not spiff.reads_names(expression):
        problems.append(Problem(file, element, f"{what}无法计算：不读取数据的表达式须写成字面量（如 'P30D'），"
                                               f"校验时不运行模型代码：{expression[:80]}"))
    return value


def _check_constant_duration(problems, file, element, expression):
    value = _constant_value(problems, file, element, "期限表达式", expression)
    if value is not None:
        try:
            spiff.parse_duration_or_date(value)
        except ValueError as exc:
            problems.append(Problem(file, element, str(exc)))


def _check_timer(problems, file, element, expression):
    if not _check_expression(problems, file, element, "定时器表达式", expression or ""):
        return
    value = _constant_value(problems, file, element, "定时器表达式", expression)
    if value is None:
        return  # reads a data variable: checked when the timer starts
    try:
        spiff.parse_duration_or_date(value)
    except ValueError as exc:
        problems.append(Problem(file, element, f"定时器表达式 {expression}：{exc}"))


@dataclass
class LoadedVersion:
    id: int
    specs: dict[str, dict]
    elements: dict[str, dict]
    files: dict[str, str]
    names: dict[str, str] = field(default_factory=dict)
    # process key -> its own properties (``startRoles``, ``startForm``)
    processes: dict[str, dict] = field(default_factory=dict)
    _forms: dict = field(default_factory=dict, repr=False)

    def element(self, process_key: str, element_id: str) -> dict:
        return self.elements.get(process_key, {}).get(element_id, {})

    def form(self, ref: str | None) -> dict | None:
        """The parsed JSON Schema of form ``ref`` (a copy), or None."""
        schema = self.form_schema(ref)
        return None if schema is None else json.loads(self.files[ref])

    def form_schema(self, ref: str | None) -> dict | None:
        """Like :meth:`form`, but shared and cached: callers must not change it."""
        if not ref or ref not in self.files:
            return None
        schema = self._forms.get(ref)
        if schema is None:
            schema = self._forms[ref] = json.loads(self.files[ref])
        return schema


class ModelRegistry:
    def __init__(self, config: EngineConfig, runtime: spiff.Runtime, cache_size: int = 32):
        self.config = config
        self.runtime = runtime
        self._cache: OrderedDict[int, LoadedVersion] = OrderedDict()
        self._lock = threading.Lock()
        self._cache_size = cache_size

    def validate(self, files):
        return validate(files, self.config)[1]

    def deploy(self, session: Session, files: dict[str, str], author: str, comment: str, now,
               lineage: dict | None = None) -> tuple[ModelVersion, bool, list[Problem]]:
        """Validate and store ``files`` as a new version. Returns (version, created, warnings).

        Deploying content that is already deployed returns that version unchanged. ``lineage``
        (where the files came from and the hash of the version they were based on, see
        :mod:`engine.lineage`) is kept with the version.
        """
        digest = content_hash(files)
        existing = session.scalar(select(ModelVersion).where(ModelVersion.content_hash == digest))
        if existing is not None:
            return existing, False, []
        parsed, problems = validate(files, self.config)
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            raise ModelValidationError(errors)
        elements = {k: v for k, v in parsed.elements.items()}
        version = ModelVersion(
            content_hash=digest,
            files_json=json.dumps(files, ensure_ascii=False),
            spec_json=self.runtime.spec_codec.dumps(parsed),
            info_json=json.dumps({"elements": elements, "names": parsed.names, "processes": parsed.process_properties,
                                  **({"lineage": lineage} if lineage else {})}, ensure_ascii=False, default=str),
            author=author,
            comment=comment or "",
            created_at=now,
        )
        session.add(version)
        session.flush()
        for key, name in parsed.names.items():
            session.add(ProcessDefinition(version_id=version.id, key=key, name=name))
        session.flush()
        return version, True, [p for p in problems if p.severity != "error"]

    def latest_version_id(self, session: Session, process_key: str) -> int:
        vid = session.scalar(
            select(ProcessDefinition.version_id)
            .where(ProcessDefinition.key == process_key)
            .order_by(ProcessDefinition.version_id.desc())
            .limit(1)
        )
        if vid is None:
            raise NotFound(f"流程“{process_key}”尚未部署", process_key=process_key)
        return vid

    def load(self, session: Session, version_id: int) -> LoadedVersion:
        with self._lock:
            hit = self._cache.get(version_id)
            if hit is not None:
                self._cache.move_to_end(version_id)
                return hit
        row = session.get(ModelVersion, version_id)
        if row is None:
            raise NotFound(f"模型版本 {version_id} 不存在")
        info = json.loads(row.info_json)
        loaded = LoadedVersion(
            id=row.id,
            specs=self.runtime.spec_codec.loads(row.spec_json),
            elements=info["elements"],
            files=json.loads(row.files_json),
            names=info.get("names", {}),
            processes=info.get("processes", {}),
        )
        with self._lock:
            self._cache[version_id] = loaded
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return loaded
