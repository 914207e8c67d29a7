"""The documents service: what the engine's handlers, the worker and the web views call.

* ``request_render(ctx, kind, ref)`` — inside an engine command (a service-task handler or a
  listener): writes a ``document/render`` outbox message in the same transaction. The message
  key carries the data's digest, so asking twice for unchanged data writes one message.
* ``deliver_render(payload, message_id, system)`` — the worker's deliverer for that topic.
* ``ensure_documents(session, data_dir, kind, ref, now)`` — render what is missing or stale and
  return the stored files; idempotent, so a message delivered twice renders once.
* ``check_cjk_font()`` — the start-up check (raises :class:`CJKFontMissing`).
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from . import sources, store
from .fonts import CJKFontMissing, check_cjk_font
from .verification import code_for

TOPIC = "document/render"

__all__ = ["TOPIC", "CJKFontMissing", "check_cjk_font", "deliver_render", "document_file", "ensure_documents",
           "render_operation", "request_render"]


def request_render(ctx, kind: str, ref) -> None:
    """Ask the worker to (re)render a document after this transaction commits."""
    if kind not in sources.KINDS:
        raise ValueError(f"unknown document kind {kind!r}")
    if kind == "certificate":
        code_for(ctx.session, ref, ctx.now)  # the verification page answers as soon as the number exists
    digest = sources.load(ctx.session, kind, str(ref), ctx.now).digest()
    ctx.emit(TOPIC, {"kind": kind, "id": str(ref)}, f"{TOPIC}:{kind}:{ref}:{digest[:20]}")


def render_operation(ctx, kind: str, id) -> dict:
    """Service-task operation ``document/render`` (params ``kind``, ``id``) for BPMN models."""
    request_render(ctx, kind, id)
    return {"kind": kind, "id": str(id), "requested": True}


def ensure_documents(session: Session, data_dir: Path, kind: str, ref: str, now: datetime,
                     settings=None) -> dict[str, store.File]:
    check_cjk_font()
    data = sources.load(session, kind, str(ref), now, settings)
    return {fmt: store.ensure(session, data_dir, str(ref), fmt, data, now) for fmt in store.formats_for(data)}


def document_file(session: Session, data_dir: Path, kind: str, ref: str, fmt: str, now: datetime,
                  settings=None) -> store.File:
    """The current file for a download: the stored one, or rendered now if the worker has not yet."""
    files = ensure_documents(session, data_dir, kind, ref, now, settings)
    if fmt not in files:
        raise LookupError(f"{kind} has no {fmt} format")
    return files[fmt]


def deliver_render(payload: dict, message_id: int, system) -> None:
    """Outbox deliverer for ``document/render``. A missing record or an unknown kind cannot be
    fixed by retrying: it becomes an incident at once. A missing font is retried (it can be installed)."""
    from engine.outbox import Undeliverable

    kind, ref = payload.get("kind"), payload.get("id")
    if kind not in sources.KINDS or ref in (None, ""):
        raise Undeliverable(f"文书生成请求无效：{payload!r}")
    try:
        with system.engine.unit_of_work() as session:
            ensure_documents(session, system.settings.data_dir, kind, str(ref), system.clock.now(), system.settings)
    except sources.DocumentNotFound as exc:
        raise Undeliverable(str(exc)) from exc
