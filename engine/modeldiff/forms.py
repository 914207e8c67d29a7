"""Forms (JSON Schema): fields added, removed and changed, and their conditional rules in words."""
from __future__ import annotations

import json


from .common import FIELD_KEYS, FORM_FORMATS, FORM_TYPES, _change, _compare_props, _detail, show


def _choices(prop: dict) -> str | None:
    if prop.get("enum") is not None:
        names = prop.get("enumNames") or []
        return "；".join(f"{v}" + (f" {names[i]}" if i < len(names) else "") for i, v in enumerate(
            show(v) if not isinstance(v, str) else v for v in prop["enum"]))
    if prop.get("oneOf") and all(isinstance(o, dict) and "const" in o for o in prop["oneOf"]):
        return "；".join(f"{show(o['const'])} {o.get('title', '')}".strip() for o in prop["oneOf"])
    return None


def _field_props(prop: dict, required: bool) -> dict[str, str]:
    out = {"必填": "是" if required else "否"}
    for key, value in prop.items():
        if key in ("properties", "required", "enum", "enumNames", "oneOf", "allOf", "if", "then", "else", "items"):
            continue
        label = FIELD_KEYS.get(key, key)
        if key == "type":
            value = FORM_TYPES.get(value, value) if isinstance(value, str) else "、".join(FORM_TYPES.get(v, v) for v in value)
        elif key == "format":
            value = FORM_FORMATS.get(value, value)
        out[label] = show(value)
    choices = _choices(prop)
    if choices is not None:
        out["选项"] = choices
    items = prop.get("items")
    if isinstance(items, dict) and items.get("type") != "object":
        item_choices = _choices(items)
        out["每项"] = (FORM_TYPES.get(items.get("type"), items.get("type") or "") +
                     (f"，选项：{item_choices}" if item_choices else ""))
    return out


def _condition_text(cond: dict) -> str:
    parts = []
    for name, c in ((cond or {}).get("properties") or {}).items():
        if not isinstance(c, dict):
            continue
        if "const" in c:
            parts.append(f"{name} 为 {show(c['const'])}")
        elif "enum" in c:
            parts.append(f"{name} 为 {'、'.join(show(v) for v in c['enum'])} 之一")
        elif isinstance(c.get("not"), dict) and "const" in c["not"]:
            parts.append(f"{name} 不为 {show(c['not']['const'])}")
        elif isinstance(c.get("not"), dict) and "enum" in c["not"]:
            parts.append(f"{name} 不为 {'、'.join(show(v) for v in c['not']['enum'])}")
        else:
            parts.append(f"{name} 满足 {show(c)}")
    for name in (cond or {}).get("required") or []:
        if name not in ((cond or {}).get("properties") or {}):
            parts.append(f"已填写 {name}")
    return "并且".join(parts) or show(cond)


def _outcome_text(then: dict) -> str:
    parts = []
    if (then or {}).get("required"):
        parts.append(f"{'、'.join(then['required'])} 必填")
    for name, c in ((then or {}).get("properties") or {}).items():
        if isinstance(c, dict) and c:
            parts.append(f"{name}：" + "，".join(f"{FIELD_KEYS.get(k, k)} {show(v)}" for k, v in c.items()))
    rest = {k: v for k, v in (then or {}).items() if k not in ("required", "properties")}
    if rest:
        parts.append(show(rest))
    return "；".join(parts) or "（无要求）"


def form_rules(schema: dict, path: str = "") -> list[str]:
    """The conditional rules of a form, one sentence each."""
    out = []
    entries = list(schema.get("allOf") or [])
    if "if" in schema:
        entries.append({k: schema[k] for k in ("if", "then", "else") if k in schema})
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        where = f"{path}：" if path else ""
        if "if" in entry:
            text = f"{where}当 {_condition_text(entry['if'])} 时，{_outcome_text(entry.get('then') or {})}"
            if entry.get("else"):
                text += f"；否则 {_outcome_text(entry['else'])}"
            out.append(text)
        else:
            out.append(where + _outcome_text(entry))
    for name, prop in (schema.get("properties") or {}).items():
        if isinstance(prop, dict):
            out.extend(form_rules(prop, f"{path}.{name}" if path else name))
            if isinstance(prop.get("items"), dict):
                out.extend(form_rules(prop["items"], f"{path}.{name}[]" if path else f"{name}[]"))
    return out


def form_fields(schema: dict, prefix: str = "") -> dict[str, dict]:
    """``{"path": {"title": ..., "props": {...}}}`` for every field, nested ones as ``a.b`` and
    ``a[].b``."""
    out = {}
    required = set(schema.get("required") or [])
    for name, prop in (schema.get("properties") or {}).items():
        if not isinstance(prop, dict):
            continue
        path = f"{prefix}{name}"
        out[path] = {"title": prop.get("title", ""), "props": _field_props(prop, name in required)}
        if prop.get("type") == "object" or "properties" in prop:
            out.update(form_fields(prop, f"{path}."))
        items = prop.get("items")
        if isinstance(items, dict) and (items.get("type") == "object" or "properties" in items):
            out.update(form_fields(items, f"{path}[]."))
    return out


def _compare_form(file: str, old: str | None, new: str | None, changes: list[dict]) -> None:
    def load(text):
        if text is None:
            return None
        try:
            value = json.loads(text)
        except ValueError:
            return {"title": "（不是有效的 JSON）"}
        return value if isinstance(value, dict) else {}
    a, b = load(old), load(new)
    title = (b or a or {}).get("title") or file
    container = f"{title}（{file}）"
    if a is None or b is None:
        fields = form_fields(b or a)
        changes.append(_change("form", "added" if a is None else "removed", file, container, "整个表单", type_label="表单",
                               details=[_detail("字段", None if a is None else "、".join(fields),
                                                None if b is None else "、".join(fields))]))
        return
    form_level = [_detail({"title": "表单标题", "description": "表单说明"}.get(k, k), a.get(k), b.get(k))
                  for k in dict.fromkeys(list(a) + list(b))
                  if k not in ("properties", "required", "allOf", "if", "then", "else", "$schema", "type") and a.get(k) != b.get(k)]
    if form_level:
        changes.append(_change("form", "changed", file, container, "表单设置", type_label="表单", details=form_level))
    fa, fb = form_fields(a), form_fields(b)
    for path in dict.fromkeys(list(fb) + list(fa)):
        x, y = fa.get(path), fb.get(path)
        f = y or x
        subject = f"字段 {path}" + (f"「{f['title']}」" if f["title"] else "")
        if x is None or y is None:
            changes.append(_change("form", "added" if x is None else "removed", file, container, subject, element=path,
                                   type_label="字段", details=[_detail(k, None if x is None else v, None if y is None else v)
                                                              for k, v in f["props"].items()]))
            continue
        details = _compare_props(x["props"], y["props"])
        if details:
            changes.append(_change("form", "changed", file, container, subject, element=path, type_label="字段",
                                   details=details))
    ra, rb = form_rules(a), form_rules(b)
    for text in rb:
        if text not in ra:
            changes.append(_change("form", "added", file, container, "条件规则", type_label="条件规则",
                                   details=[_detail("规则", None, text)]))
    for text in ra:
        if text not in rb:
            changes.append(_change("form", "removed", file, container, "条件规则", type_label="条件规则",
                                   details=[_detail("规则", text, None)]))
    order_a = [p for p in fa if p in fb and "." not in p]
    order_b = [p for p in fb if p in fa and "." not in p]
    if order_a != order_b:
        changes.append(_change("form", "moved", file, container, "字段顺序", type_label="字段",
                               details=[_detail("顺序", "、".join(order_a), "、".join(order_b))]))


# --------------------------------------------------------------------------- all files
