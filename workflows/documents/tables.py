"""Documents' own tables: generated files, uploaded certificate copies, verification codes.

Files live under ``settings.data_dir`` (never a static folder); a row holds the path relative to
it and the file's SHA-256, and for a generated document the digest of the data it was made from.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.tables import Base, UTCDateTime


class StoredDocument(Base):
    """One generated file: (kind, ref, fmt) such as ("certificate", "12", "pdf")."""

    __tablename__ = "document_files"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    ref: Mapped[str] = mapped_column(String(120))
    fmt: Mapped[str] = mapped_column(String(8))
    data_digest: Mapped[str] = mapped_column(String(64))
    checksum: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(String(300))
    renders: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    __table_args__ = (UniqueConstraint("kind", "ref", "fmt"),)


class Upload(Base):
    """A certificate copy (degree, title, award, ...) attached to a nomination."""

    __tablename__ = "document_uploads"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nomination_id: Mapped[int] = mapped_column(Integer, index=True)
    category: Mapped[str] = mapped_column(String(20))
    original_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    checksum: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(300))
    uploaded_by: Mapped[str] = mapped_column(String(80))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class VerificationCode(Base):
    """The short code printed on a certificate (and in its QR code) that opens ``/verify/<code>``."""

    __tablename__ = "document_verification_codes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    certificate_id: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
