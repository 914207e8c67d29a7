"""In-app notifications (a per-user list with an unread count) and the mails sent, or kept in
the database when no SMTP server is configured."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.tables import Base, UTCDateTime


class Notification(Base):
    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    # "outbox:<message id>:<username>": a redelivered outbox message adds no second row
    key: Mapped[str] = mapped_column(String(240), unique=True)
    username: Mapped[str] = mapped_column(String(80))
    template: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    context_json: Mapped[str] = mapped_column(Text, default="{}")
    instance_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    __table_args__ = (Index("ix_notifications_inbox", "username", "read_at", "created_at"),)


class Mail(Base):
    """One e-mail to one user: ``queued`` until the SMTP server took it (``sent``); ``kept`` when
    no SMTP server is configured (readable in the system instead)."""

    __tablename__ = "mails"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    key: Mapped[str] = mapped_column(String(240), unique=True)
    username: Mapped[str] = mapped_column(String(80), index=True)
    to_address: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # queued sent kept
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    __table_args__ = (Index("ix_mails_status", "status", "created_at"),)
