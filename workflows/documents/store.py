"""Generated documents on disk: written once per data digest, with a checksum.

``ensure(session, data_dir, ref, fmt, data, now)`` renders only when no stored file matches the
data's digest (or the file on disk no longer matches its checksum), so a retried or duplicated
outbox message costs a database read, not a render.
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


def ensure(session: Session, data_dir: Path, ref: str, fmt: str, data: DocumentData, now: datetime) -> File:
    """The stored file for ``data`` in ``fmt``, rendered and recorded if missing or stale."""
    data_dir = Path(data_dir)
    digest = data.digest()
    row = session.scalar(select(StoredDocument).where(
        StoredDocument.kind == data.kind, StoredDocument.ref == ref, StoredDocument.fmt == fmt))
    if is_current(row, data_dir, digest):
        return File(data_dir / row.path, row.checksum, row.size, FORMATS[fmt], rendered=False)
    content = render(data, fmt)
    relative = Path("documents") / data.kind / f"{_safe_ref(ref)}-{digest[:12]}.{fmt}"
    write_atomically(data_dir / relative, content)
    if row is None:
        row = StoredDocument(kind=data.kind, ref=ref, fmt=fmt, created_at=now, renders=0)
        session.add(row)
    old = row.path
    row.data_digest, row.checksum, row.size, row.path = digest, sha256(content), len(content), relative.as_posix()
    row.renders = (row.renders or 0) + 1
    row.updated_at = now
    session.flush()
    if old and old != row.path:
        (data_dir / old).unlink(missing_ok=True)
    return File(data_dir / relative, row.checksum, row.size, FORMATS[fmt], rendered=True)


def stored(session: Session, kind: str, ref: str, fmt: str) -> StoredDocument | None:
    return session.scalar(select(StoredDocument).where(
        StoredDocument.kind == kind, StoredDocument.ref == ref, StoredDocument.fmt == fmt))
