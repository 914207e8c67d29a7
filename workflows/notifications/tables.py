"""In-app notifications (a per-user list with an unread count), the mails (sent, kept in the
database while no SMTP server is configured, or failed with the reason), each person's mobile
number and pending e-mail change, and the channel each person chose per kind of message.

The e-mail address itself is ``users.email`` (:class:`engine.tables.User`)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Text, UniqueConstraint
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
    """One e-mail to one user: ``queued`` while it is being sent, ``sent`` once the SMTP server took
    it, ``kept`` while no SMTP server is configured (administrators see it; it goes out once one
    is), ``failed`` with the reason in ``error`` (tried again with its outbox message)."""

    __tablename__ = "mails"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    key: Mapped[str] = mapped_column(String(240), unique=True)
    username: Mapped[str] = mapped_column(String(80), index=True)
    to_address: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # queued sent kept failed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # when a sender took it (mailer.claim): a queued mail claimed less than CLAIM_STALE ago is
    # someone's to send, and nobody else's
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    __table_args__ = (Index("ix_mails_status", "status", "created_at"),)


class ContactDetails(Base):
    """A person's mobile number and an e-mail change waiting for its confirmation link (only the
    SHA-256 of the link's token is kept)."""

    __tablename__ = "contact_details"
    username: Mapped[str] = mapped_column(String(80), primary_key=True)
    mobile: Mapped[str | None] = mapped_column(String(20), nullable=True)
    pending_email: Mapped[str | None] = mapped_column(String(200), nullable=True)
    pending_token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    pending_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(80))


class ChannelPreference(Base):
    """How a person wants one kind of message (:data:`workflows.notifications.kinds.KINDS`):
    ``in_app`` only, or ``mail`` (in-app plus mail, the default when no row exists)."""

    __tablename__ = "channel_preferences"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(16))
    __table_args__ = (UniqueConstraint("username", "kind"),)
