"""One ``decision`` for every decision task, mapped to each form by reading the form itself.

The programme's forms name their decision differently (``unit_decision``, ``agreement_decision``,
``sign_list``, ``final_result``, ``benefit_decision``, ``opinion.vote``, ``action``, ``publish``);
the API speaks one vocabulary (:data:`webapp.api.schemas.DECISIONS`) and finds the field in the
task's form (the model's JSON Schema): a string property — at the top level or one object down —
whose choices are all words of the vocabulary, or a required yes/no property that must be ticked
(``publish``: const true). No table of field names: a form edited in the modeller keeps working
as long as its decision speaks the vocabulary.

Common words stand for the form's own where the meaning is the same: ``approve`` for confirm,
agree, sign and publish; ``reject`` for decline and disagree."""
from __future__ import annotations

from dataclasses import dataclass

from engine.forms import declared

from .schemas import DECISIONS

VOCABULARY = frozenset(DECISIONS)
ALIASES = {"approve": ("confirm", "agree", "sign", "publish"), "reject": ("decline", "disagree"),
           "return": (), "submit": ()}
COMMENT = "comment"


@dataclass(frozen=True)
class DecisionField:
    path: tuple[str, ...] | None        # where the decision goes in the form's data (None: no decision field)
    choices: tuple[str, ...]            # the form's own values (words of the vocabulary)
    flag: bool = False                  # a yes/no property: its name is the one choice
    comment: tuple[str, ...] | None = None

    @property
    def name(self) -> str | None:
        return ".".join(self.path) if self.path else None

    @property
    def comment_name(self) -> str | None:
        return ".".join(self.comment) if self.comment else None


def _choices(prop: dict) -> list | None:
    if not isinstance(prop, dict):
        return None
    if "enum" in prop and isinstance(prop["enum"], list):
        return prop["enum"]
    if "const" in prop:
        return [prop["const"]]
    for key in ("oneOf", "anyOf"):
        if isinstance(prop.get(key), list) and all(isinstance(o, dict) and "const" in o for o in prop[key]):
            return [o["const"] for o in prop[key]]
    return None


def _is_decision(prop: dict) -> bool:
    values = _choices(prop)
    return bool(values) and all(isinstance(x, str) and x in VOCABULARY for x in values)


def field_of(schema: dict | None) -> DecisionField:
    """Where ``schema`` keeps its decision, and its choices."""
    props = declared(schema)
    for name, prop in props.items():
        if _is_decision(prop):
            return DecisionField((name,), tuple(_choices(prop)), comment=(COMMENT,) if COMMENT in props else None)
    for name, prop in props.items():
        inner = declared(prop) if isinstance(prop, dict) and (prop.get("type") == "object" or "properties" in prop) else {}
        for sub, sub_prop in inner.items():
            if _is_decision(sub_prop):
                comment = (name, COMMENT) if COMMENT in inner else (COMMENT,) if COMMENT in props else None
                return DecisionField((name, sub), tuple(_choices(sub_prop)), comment=comment)
    required = set((schema or {}).get("required") or [])
    for name, prop in props.items():
        if name in VOCABULARY and name in required and isinstance(prop, dict) and prop.get("const") is True:
            return DecisionField((name,), (name,), flag=True, comment=(COMMENT,) if COMMENT in props else None)
    return DecisionField(None, (), comment=(COMMENT,) if COMMENT in props else None)


def form_value(field: DecisionField, word: str):
    """The form's value for the vocabulary word ``word`` (KeyError: the form has no such choice)."""
    if word in field.choices:
        return True if field.flag else word
    for alias in ALIASES.get(word, ()):
        if alias in field.choices:
            return True if field.flag else alias
    raise KeyError(word)


def _get(data: dict, path: tuple[str, ...]):
    value = data
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def set_path(data: dict, path: tuple[str, ...], value) -> dict:
    """A copy of ``data`` with ``value`` at ``path`` (objects on the way created or copied)."""
    out = dict(data)
    here = out
    for key in path[:-1]:
        inner = here.get(key)
        inner = dict(inner) if isinstance(inner, dict) else {}
        here[key] = inner
        here = inner
    here[path[-1]] = value
    return out


def decision_in(field: DecisionField, data: dict | None) -> str | None:
    """The vocabulary word a submission's data carry (None: none)."""
    if not field.path or not isinstance(data, dict):
        return None
    value = _get(data, field.path)
    if field.flag:
        return field.path[-1] if value is True else None
    return value if isinstance(value, str) and value in VOCABULARY else None


def comment_in(field: DecisionField, data: dict | None) -> str:
    if not field.comment or not isinstance(data, dict):
        return ""
    value = _get(data, field.comment)
    return value if isinstance(value, str) else ""
