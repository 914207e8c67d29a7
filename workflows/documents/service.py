"""The documents service: what the engine's handlers, the worker and the web views call.

* ``request_render(ctx, kind, ref)`` — inside an engine command (a service-task handler or a
  listener): writes a ``document/render`` outbox message in the same transaction. The message
  key carries the data's digest, so asking twice for unchanged data writes one message.
* ``deliver_render(payload, message_id, system)`` — the worker's deliverer for that topic.
* ``produce(engine, data_dir, kind, ref, now)`` — render what is missing or stale and return the
  stored files; idempotent, so a message delivered twice renders once. The PDF is rendered with
  no transaction open (no write lock while WeasyPrint works for seconds), then recorded in a short
  write transaction that first checks that the data did not change meanwhile (else it renders
  again). ``document_file`` is the same for one format (downloads).
* ``check_cjk_font()`` — the start-up check (raises :class:`CJKFontMissing`).
"""
from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from . import sources, store
from .fonts import CJKFontMissing, check_cjk_font
from .tables import VerificationCode
from .verification import code_for

log = logging.getLogger(__name__)

TOPIC = "document/render"
ATTEMPTS = 3   # renders of one document while its data keep changing, before the outbox retries later

__all__ = ["TOPIC", "CJKFontMissing", "DocumentChanging", "check_cjk_font", "deliver_render", "document_file",
           "produce", "render_operation", "request_render"]


class DocumentChanging(RuntimeError):
    """The data changed during every render: the worker's outbox retries the message later."""


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


def _ensure_code(engine, ref: str, now: datetime, settings=None) -> None:
    """A certificate's verification code exists before it is printed (request_render makes it;
    a download of an older certificate may come first): made in a short write transaction, so that
    the read before the render never writes."""
    with engine.sessions() as s:
        if s.scalar(select(VerificationCode.id).where(VerificationCode.certificate_id == ref)) is not None:
            return
    with engine.unit_of_work() as s:
        sources.load(s, "certificate", ref, now, settings)  # DocumentNotFound for a certificate that does not exist


def produce(engine, data_dir: Path, kind: str, ref: str, now: datetime, settings=None,
            formats: tuple[str, ...] | None = None) -> dict[str, store.File]:
    """The current stored files of a document, rendered first where missing or stale.

    1. read the data and the stored rows (a read: no write lock);
    2. render what is stale, with no transaction open;
    3. record it in a short write transaction, after reading the data again: when they changed
       while we rendered, the new files are dropped and the document is rendered again.
    Raises :class:`sources.DocumentNotFound`; :class:`DocumentChanging` after ``ATTEMPTS`` renders.
    """
    check_cjk_font()
    ref, data_dir = str(ref), Path(data_dir)
    if kind == "certificate":
        _ensure_code(engine, ref, now, settings)
    for attempt in range(1, ATTEMPTS + 1):
        with engine.sessions() as s:
            data = sources.load(s, kind, ref, now, settings)
            wanted = tuple(f for f in store.formats_for(data) if formats is None or f in formats)
            files = {fmt: store.current(s, data_dir, ref, fmt, data) for fmt in wanted}
        stale = [fmt for fmt, file in files.items() if file is None]
        if not stale:
            return files
        rendered = [store.render_file(data_dir, ref, fmt, data) for fmt in stale]   # no transaction open
        obsolete: list[Path] = []
        try:
            with engine.unit_of_work() as s:
                if sources.load(s, kind, ref, now, settings).digest() != data.digest():
                    raise _Changed()
                for item in rendered:
                    files[item.fmt], old = store.record(s, data_dir, ref, data, item, now)
                    if old is not None:
                        obsolete.append(old)
        except (_Changed, IntegrityError) as exc:   # changed meanwhile, or another render recorded it first
            for item in rendered:
                store.discard(data_dir, item)
            log.info("document %s %s: %s after render %s, rendering again", kind, ref, type(exc).__name__, attempt)
            continue
        except BaseException:
            for item in rendered:
                store.discard(data_dir, item)
            raise
        for path in obsolete:                      # only once the new row is committed
            path.unlink(missing_ok=True)
        return files
    raise DocumentChanging(f"文书 {kind} {ref} 的数据在生成过程中一再变化，稍后重试")


class _Changed(Exception):
    pass


def document_file(engine, data_dir: Path, kind: str, ref: str, fmt: str, now: datetime, settings=None) -> store.File:
    """The current file for a download: the stored one, or rendered now if the worker has not yet."""
    if fmt not in ("pdf", "xlsx"):
        raise LookupError(f"{kind} has no {fmt} format")
    files = produce(engine, data_dir, kind, ref, now, settings, formats=(fmt,))
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
        produce(system.engine, system.settings.data_dir, kind, str(ref), system.clock.now(), system.settings)
    except sources.DocumentNotFound as exc:
        raise Undeliverable(str(exc)) from exc
