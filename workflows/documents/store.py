"""Generated documents on disk: written once per data digest, with a checksum.

Rendering takes seconds and never happens inside a database transaction (see
``service.produce``): :func:`current` tells in a read whether the stored file still matches the
data; :func:`render_file` renders and writes a new file with no transaction open; :func:`record`
then stores it in a short write transaction. File names carry the data digest and the content's
checksum, so two renders of the same document at once never overwrite each other's file.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from .data import DocumentData, NomineeList
from .tables import StoredDocument

FORMATS = {"pdf": "application/pdf",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def render(data: DocumentData, fmt: str) -> bytes:
    if fmt == "pdf":
        from .render import render_pdf
        return render_pdf(data)
    if fmt == "xlsx" and isinstance(data, NomineeList):
        from .excel import render_xlsx
        return render_xlsx(data)
    raise ValueError(f"no {fmt} renderer for {data.kind}")


def formats_for(data: DocumentData) -> tuple[str, ...]:
    return ("pdf", "xlsx") if isinstance(data, NomineeList) else ("pdf",)


def write_atomically(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _safe_ref(ref: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in ref)


@dataclass(frozen=True)
class File:
    path: Path
    checksum: str
    size: int
    content_type: str
    rendered: bool          # False when the stored file was already current


def is_current(row: StoredDocument | None, data_dir: Path, digest: str) -> bool:
    if row is None or row.data_digest != digest:
        return False
    path = data_dir / row.path
    try:
        return path.stat().st_size == row.size and sha256(path.read_bytes()) == row.checksum
    except FileNotFoundError:
        return False


def _file(data_dir: Path, row: StoredDocument, fmt: str, rendered: bool) -> File:
    return File(Path(data_dir) / row.path, row.checksum, row.size, FORMATS[fmt], rendered=rendered)


def current(session: Session, data_dir: Path, ref: str, fmt: str, data: DocumentData) -> File | None:
    """The stored file when it matches ``data`` and is intact on disk; None when it must be rendered."""
    row = stored(session, data.kind, ref, fmt)
    return _file(data_dir, row, fmt, False) if is_current(row, Path(data_dir), data.digest()) else None


@dataclass(frozen=True)
class Rendered:
    """A file rendered and written, not yet recorded."""

    fmt: str
    relative: Path
    checksum: str
    size: int


def render_file(data_dir: Path, ref: str, fmt: str, data: DocumentData) -> Rendered:
    """Render ``data`` and write it under ``data_dir``. Takes seconds: call it with no transaction open."""
    content = render(data, fmt)
    checksum = sha256(content)
    relative = Path("documents") / data.kind / f"{_safe_ref(ref)}-{data.digest()[:12]}-{checksum[:12]}.{fmt}"
    write_atomically(Path(data_dir) / relative, content)
    return Rendered(fmt, relative, checksum, len(content))


def discard(data_dir: Path, rendered: Rendered) -> None:
    (Path(data_dir) / rendered.relative).unlink(missing_ok=True)


def record(session: Session, data_dir: Path, ref: str, data: DocumentData, rendered: Rendered,
           now: datetime) -> tuple[File, Path | None]:
    """In a short write transaction: point the document's row at ``rendered``. Returns the file and
    the old file to delete once the transaction has committed (None when there is none). When
    another render of the same data was recorded first, that one is kept and ours is returned as
    the file to delete."""
    data_dir = Path(data_dir)
    fmt, digest = rendered.fmt, data.digest()
    q = select(StoredDocument).where(StoredDocument.kind == data.kind, StoredDocument.ref == ref,
                                     StoredDocument.fmt == fmt)
    if session.get_bind().dialect.name == "postgresql":
        q = q.with_for_update()
    row = session.scalar(q)
    ours = rendered.relative.as_posix()
    if row is not None and row.path != ours and is_current(row, data_dir, digest):
        return _file(data_dir, row, fmt, False), data_dir / ours
    if row is None:
        row = StoredDocument(kind=data.kind, ref=ref, fmt=fmt, created_at=now, renders=0)
        session.add(row)
    old = row.path
    row.data_digest, row.checksum, row.size, row.path = digest, rendered.checksum, rendered.size, rendered.relative.as_posix()
    row.renders = (row.renders or 0) + 1
    row.updated_at = now
    session.flush()
    obsolete = data_dir / old if old and old != row.path else None
    return _file(data_dir, row, fmt, True), obsolete


def stored(session: Session, kind: str, ref: str, fmt: str) -> StoredDocument | None:
    return session.scalar(select(StoredDocument).where(
        StoredDocument.kind == kind, StoredDocument.ref == ref, StoredDocument.fmt == fmt))
