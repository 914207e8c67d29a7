"""Tables of process administration: drafts of model files that are not deployed yet."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, false
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


class DryRunJob(Base):
    """A dry run that the worker runs (the programme dry run: a whole round of any size). The web
    request only queues it; the worker claims it, writes its progress as it goes, and the report
    at the end. An administrator may cancel it; the worker stops at its next progress step."""

    __tablename__ = "admin_dry_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("admin_model_drafts.id"), index=True)
    draft_revision: Mapped[int] = mapped_column(Integer)            # the draft's content it runs
    base_version_id: Mapped[int | None] = mapped_column(ForeignKey("model_versions.id"), nullable=True)  # compared with
    scenario_json: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), index=True)     # queued | running | done | failed | cancelled
    phase: Mapped[str] = mapped_column(String(200), default="")
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    percent: Mapped[int] = mapped_column(Integer, default=0)
    report_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    requested_by: Mapped[str] = mapped_column(String(80))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)   # a running job's last progress
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
