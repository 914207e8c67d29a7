"""Server-side forms from a model's JSON Schema: fields to render and form input to typed data.
The rules are the engine's (:mod:`engine.forms`): :func:`validate` and :func:`place_errors` only
translate its per-field errors and put them next to the inputs.

A schema property becomes a field by type: ``string`` (``textarea`` when ``format: textarea`` or
``maxLength`` > 200; ``date``; an ``enum`` or ``oneOf: [{const, title}]`` becomes a choice),
``integer`` / ``number``, ``boolean`` (checkbox), ``array`` of an enum (checkboxes) and
``object`` (a fieldset of its own properties, names joined with a dot).
Labels of enum values come from ``oneOf`` titles, ``enumNames`` / ``x-enumNames``, or
:data:`CHOICE_LABELS`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

CHOICE_LABELS = {
    "approve": _l("同意"), "return": _l("退回修改"), "reject": _l("不同意"),
    "yes": _l("同意"), "no": _l("不同意"), "abstain": _l("弃权"),
    "qualified": _l("合格"), "unqualified": _l("不合格"),
    "professional": _l("专业技术人才"), "skilled": _l("高技能人才"), "rural": _l("农村牧区实用人才"),
}


@dataclass
class Field:
    name: str           # dotted path, also the input name
    label: str
    kind: str           # text textarea date number integer select radio checkbox checkboxes group
    required: bool = False
    description: str = ""
    choices: list[tuple[str, str]] = field(default_factory=list)
    children: list["Field"] = field(default_factory=list)
    attrs: dict = field(default_factory=dict)


def _choices(schema: dict) -> list[tuple[str, str]] | None:
    if "oneOf" in schema and all("const" in o for o in schema["oneOf"]):
        return [(str(o["const"]), o.get("title") or str(CHOICE_LABELS.get(o["const"], o["const"]))) for o in schema["oneOf"]]
    if "enum" in schema:
        names = schema.get("enumNames") or schema.get("x-enumNames") or []
        return [(str(v), names[i] if i < len(names) else str(CHOICE_LABELS.get(v, v))) for i, v in enumerate(schema["enum"])]
    return None


def fields(schema: dict | None, prefix: str = "", skip: tuple[str, ...] = ()) -> list[Field]:
    if not schema:
        return []
    required = set(schema.get("required", [])) | required_when_submitted(schema)
    out = []
    for name, prop in (schema.get("properties") or {}).items():
        if name in skip or prop.get("readOnly") or prop.get("x-hidden"):
            continue
        path = f"{prefix}{name}"
        label = prop.get("title") or name
        f = Field(path, label, "text", name in required, prop.get("description", ""))
        t = prop.get("type")
        choices = _choices(prop)
        if t == "object":
            f.kind, f.children = "group", fields(prop, prefix=path + ".")
        elif t == "array":
            items = prop.get("items") or {}
            f.choices = _choices(items) or []
            f.kind = "checkboxes" if f.choices else "lines"
        elif choices is not None:
            f.choices = choices
            f.kind = "radio" if len(choices) <= 4 else "select"
        elif t == "boolean":
            f.kind = "checkbox"
        elif t in ("integer", "number"):
            f.kind = t
            for k in ("minimum", "maximum"):
                if k in prop:
                    f.attrs[k[:3]] = prop[k]
        elif prop.get("format") == "date":
            f.kind = "date"
            for k, attr in (("formatMinimum", "min"), ("formatMaximum", "max")):
                if k in prop:
                    f.attrs[attr] = prop[k]
        elif prop.get("format") == "textarea" or prop.get("maxLength", 0) > 200:
            f.kind = "textarea"
        if t == "string" and "maxLength" in prop:
            f.attrs["maxlength"] = prop["maxLength"]
        out.append(f)
    return out


def _props_at(schema: dict, path: list[str]) -> dict:
    for part in path:
        schema = (schema.get("properties") or {}).get(part, {})
    return schema


def _set(data: dict, path: list[str], value) -> None:
    for part in path[:-1]:
        data = data.setdefault(part, {})
    data[path[-1]] = value


def coerce(schema: dict | None, form, prefix: str = "") -> dict:
    """Turn submitted form fields into data of the schema's types. Unparseable numbers stay as
    strings so that validation reports them next to the field."""
    data: dict[str, Any] = {}
    if not schema:
        return data
    for name, prop in (schema.get("properties") or {}).items():
        if prop.get("readOnly") or prop.get("x-hidden"):
            continue
        key = f"{prefix}{name}"
        t = prop.get("type")
        if t == "object":
            sub = coerce(prop, form, key + ".")
            if sub or name in schema.get("required", []):
                data[name] = sub
            continue
        if t == "array":
            values = form.getlist(key)
            if len(values) == 1 and not (prop.get("items") or {}).get("enum"):
                values = [v.strip() for v in values[0].splitlines() if v.strip()]
            if values or key in form:
                data[name] = values
            continue
        if t == "boolean":
            data[name] = form.get(key) in ("on", "true", "1", "yes")
            continue
        raw = form.get(key)
        if raw is None:
            continue
        raw = raw.strip()
        if raw == "":
            continue
        if t == "integer":
            try:
                data[name] = int(raw)
            except ValueError:
                data[name] = raw
        elif t == "number":
            try:
                data[name] = float(raw) if any(c in raw for c in ".eE") else int(raw)
            except ValueError:
                data[name] = raw
        else:
            data[name] = raw
    return data


def validate(schema: dict | None, data: dict) -> dict[str, str]:
    """field path -> the first message for it, in the user's language ("" is the form as a whole).

    The rules are the engine's (:func:`engine.forms.problems`, the same check
    ``Engine.complete_task`` makes); this only translates them."""
    if not schema:
        return {}
    from engine.forms import problems

    from webapp.errors import translate_field_errors
    out: dict[str, str] = {}
    for e in translate_field_errors(problems(schema, data)):
        out.setdefault(e["field"], e["message"])
    return out


def field_names(items: list[Field]) -> set[str]:
    """The input names of ``items`` and of their children."""
    out = set()
    for f in items:
        out.add(f.name)
        out |= field_names(f.children)
    return out


def _title(schema: dict | None, path: str) -> str:
    prop: dict = schema or {}
    for part in path.split("."):
        prop = ((prop.get("properties") or {}).get(part)) or {}
    return str(prop.get("title") or path)


def _is_checkbox(schema: dict | None, path: str) -> bool:
    prop: dict = schema or {}
    for part in path.split("."):
        prop = ((prop.get("properties") or {}).get(part)) or {}
    return prop.get("type") == "boolean"


def place_errors(schema: dict | None, errors: list[dict], shown: set[str]) -> dict[str, str]:
    """Translated field errors (``[{"field", "message"}]``) -> {input name: message}. An error on
    a field the page does not show (``shown``: the input names) goes to the form as a whole (""),
    named by its title."""
    out: dict[str, str] = {}
    general = []
    for e in errors:
        name = e["field"]
        if name in shown and e.get("code") in ("const", "enum", "required") and _is_checkbox(schema, name):
            out.setdefault(name, str(_l("请勾选此项后再提交")))  # a statement to confirm, not options to choose from
        elif name in shown:
            out.setdefault(name, e["message"])
        elif not name:
            general.append(e["message"])
        else:
            general.append(f"{_title(schema, name)}：{e['message']}")
    if general:
        out[""] = "；".join(dict.fromkeys(general))
    return out


def flatten(data: dict, prefix: str = "") -> dict[str, Any]:
    """Nested data -> {dotted path: value}, to refill the inputs."""
    out = {}
    for k, v in (data or {}).items():
        if isinstance(v, dict):
            out.update(flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


REJECTIONS = ("reject", "decline", "disagree")
# values of a decision the buttons of a form make: what each button does, and how it looks
POSITIVE = ("approve", "confirm", "submit", "qualified")
SENDING_BACK = ("return", "withdraw")
NEGATIVE = ("reject", "decline", "unqualified")
DECISIONS = POSITIVE + SENDING_BACK + NEGATIVE


def decision_field(schema: dict | None) -> str | None:
    """The top-level property the form's buttons fill: an enum of decisions (approve / return /
    reject, confirm / return, submit / withdraw, qualified / unqualified), if the form has one."""
    required = set((schema or {}).get("required") or [])
    for name, prop in ((schema or {}).get("properties") or {}).items():
        values = {str(c) for c, _ in (_choices(prop) or [])}
        if len(values) >= 2 and values <= set(DECISIONS) and values & set(POSITIVE):
            return name
        if len(values) == 1 and name in required and prop.get("type") == "string":
            return name   # one act to confirm (签批名单): a button too
    return None


def decision_choices(schema: dict | None, name: str | None) -> list[tuple[str, str, str]]:
    """(value, label, style) per decision button: the positive one first."""
    if not name:
        return []
    out = []
    choices = _choices(schema["properties"][name]) or []
    for value, label in choices:
        style = "primary" if value in POSITIVE or len(choices) == 1 else "warning" if value in SENDING_BACK else "danger"
        out.append((value, label, style))
    return sorted(out, key=lambda b: ("primary", "warning", "danger").index(b[2]))


def _positive_condition(cond: dict) -> bool:
    """An ``if`` that holds when the form's decision is positive (``{"action": {"const": "submit"}}``)."""
    props = (cond or {}).get("properties") or {}
    if not props:
        return False
    for prop in props.values():
        if not isinstance(prop, dict):
            return False
        values = [prop["const"]] if "const" in prop else prop.get("enum")
        if not values or not all(v in POSITIVE for v in values):
            return False
    return True


def required_when_submitted(schema: dict | None) -> set[str]:
    """Fields a form requires when its decision is positive (submit, approve), marked required
    on the page: ``allOf: [{"if": {action: submit}, "then": {"required": [...]}}]``."""
    out: set[str] = set()
    for sub in (schema or {}).get("allOf") or []:
        if isinstance(sub, dict) and _positive_condition(sub.get("if")):
            out |= set((sub.get("then") or {}).get("required") or [])
    return out


def defaults(schema: dict | None, prefix: str = "") -> dict:
    """{dotted path: default} for a new form."""
    out = {}
    for name, prop in ((schema or {}).get("properties") or {}).items():
        if prop.get("type") == "object":
            out.update(defaults(prop, f"{prefix}{name}."))
        elif "default" in prop:
            out[f"{prefix}{name}"] = prop["default"]
    return out


def form_values(schema: dict | None, data: dict) -> dict:
    """Data of the form -> {input name: value} to refill its inputs: nested objects by dotted
    name, a list of records as one line each (“姓名，单位及职务，专业领域”)."""
    props = (schema or {}).get("properties") or {}
    out = {}
    for key, value in flatten({k: v for k, v in (data or {}).items() if k in props}).items():
        if isinstance(value, list) and any(isinstance(v, dict) for v in value):
            value = ["，".join(str(x) for x in v.values() if x not in (None, "")) if isinstance(v, dict) else str(v)
                     for v in value]
        out[key] = value
    return out


@dataclass
class Shown:
    """One field of a read-only form: its label and what was filled in, in words."""
    name: str
    label: str
    kind: str                 # text long list table group
    text: str = ""
    items: list = field(default_factory=list)      # list: texts; table: rows of texts
    columns: list = field(default_factory=list)    # table: column titles
    children: list = field(default_factory=list)   # group
    empty: bool = False


def _words(prop: dict, value) -> str:
    from webapp.labels import yes_no
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return yes_no(value)
    choices = dict(_choices(prop) or [])
    if choices:
        return str(choices.get(str(value), value))
    if prop.get("format") == "date":   # 1975-05-01 -> 1975年5月1日, as every date of the pages
        from webapp.i18n import date_text
        return date_text(value)
    return str(value)


def readonly(schema: dict | None, data: dict, skip: tuple[str, ...] = (), prefix: str = "") -> list[Shown]:
    """Every field of the form with what ``data`` holds, in words (choice labels, 是/否, lists),
    for the read-only views of an application, an agreement or an opinion."""
    out = []
    for name, prop in ((schema or {}).get("properties") or {}).items():
        if name in skip or not isinstance(prop, dict) or prop.get("x-hidden"):
            continue
        value = (data or {}).get(name)
        label = str(prop.get("title") or name)
        path = prefix + name
        t = prop.get("type")
        if t == "object":
            children = readonly(prop, value if isinstance(value, dict) else {}, prefix=path + ".")
            out.append(Shown(path, label, "group", children=children, empty=all(c.empty for c in children)))
        elif t == "array":
            items = prop.get("items") or {}
            record = next((o for o in [items] + list(items.get("anyOf") or []) if isinstance(o, dict) and o.get("properties")), None)
            values = value if isinstance(value, list) else ([] if value in (None, "") else [value])
            if record is not None and any(isinstance(v, dict) for v in values):
                cols = list(record["properties"])
                rows = [[_words(record["properties"][c], v.get(c)) for c in cols] if isinstance(v, dict) else
                        [str(v)] + [""] * (len(cols) - 1) for v in values]
                out.append(Shown(path, label, "table", items=rows,
                                 columns=[str(record["properties"][c].get("title") or c) for c in cols], empty=not rows))
            else:
                words = [_words(items, v) for v in values if v not in (None, "")]
                out.append(Shown(path, label, "list", items=words, empty=not words))
        else:
            text = _words(prop, value)
            long = prop.get("format") == "textarea" or prop.get("maxLength", 0) > 200
            out.append(Shown(path, label, "long" if long else "text", text=text, empty=text == ""))
    return out
