"""The web area's own tables: 暂存 (form drafts a user saves on a task and comes back to).

A draft belongs to one user and one human task; it is never part of the workflow (the engine's
data change only when the task is completed). Completing the task removes its drafts; 撤回 keeps
what was submitted as the user's draft, so the form reopens with it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.tables import Base, UTCDateTime


class TaskDraft(Base):
    __tablename__ = "task_drafts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), index=True)
    username: Mapped[str] = mapped_column(String(80))
    # the form as the browser sent it: {input name: text or [texts]} (not yet checked by the form)
    values_json: Mapped[str] = mapped_column(Text, default="{}")
    comment: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(12), default="draft")  # draft | withdrawn (what 撤回 took back)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)
    __table_args__ = (UniqueConstraint("task_id", "username"),)
