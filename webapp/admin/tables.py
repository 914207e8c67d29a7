"""Tables of process administration: drafts of model files that are not deployed yet."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.tables import Base, UTCDateTime


class ModelDraft(Base):
    """A working copy of a set of model files (BPMN, DMN, forms). Saving validates it; the
    problems found are kept with it, and only a draft without errors can be deployed."""

    __tablename__ = "admin_model_drafts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    base_version_id: Mapped[int | None] = mapped_column(ForeignKey("model_versions.id"), nullable=True)
    files_json: Mapped[str] = mapped_column(Text)          # {filename: text}
    problems_json: Mapped[str] = mapped_column(Text, default="[]")
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    author: Mapped[str] = mapped_column(String(80))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    deployed_version_id: Mapped[int | None] = mapped_column(ForeignKey("model_versions.id"), nullable=True)
    dry_run_json: Mapped[str | None] = mapped_column(Text, nullable=True)  # the last dry run's report
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # each save adds one: an editor
    # that saves over a revision it did not load is refused (two administrators on one draft)
