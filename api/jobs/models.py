"""SQLAlchemy 2.0 models of the job store (any SQLAlchemy database; SQLite by default)."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

MEDIA_TYPE_LEN = 255  # RFC 6838 allows 127 + "/" + 127
OWNER_LEN = 100


class Base(DeclarativeBase):
    """Declarative base of the job tables."""


class JobKind(enum.StrEnum):
    """What a job runs."""

    ROSTER = "roster"
    PLAN = "plan"
    SCENARIOS = "scenarios"
    AGENTS = "agents"
    SITES = "sites"


class JobStatus(enum.StrEnum):
    """Life cycle: queued -> running -> done | failed | cancelled."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        """True for the terminal states."""
        return self in (JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED)


def utcnow() -> dt.datetime:
    """Timezone-aware now (UTC)."""
    return dt.datetime.now(dt.UTC)


def new_id() -> str:
    """A random job id (32 hex digits)."""
    return uuid.uuid4().hex


class Job(Base):
    """One roster, plan or scenarios job: its request, status, progress, result summary, and
    while it runs the server process that owns it (``owner``) with that server's latest
    ``heartbeat_at``: a running job whose heartbeat stops is an orphan of a dead server."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_created", "status", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.QUEUED.value)
    request: Mapped[dict[str, Any]] = mapped_column(JSON)
    time_limit_s: Mapped[float] = mapped_column(Float)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    progress: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error_detail: Mapped[str | None] = mapped_column(Text)
    error_field: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[list[str] | None] = mapped_column(JSON)
    owner: Mapped[str | None] = mapped_column(String(OWNER_LEN))
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    artifacts: Mapped[list[Artifact]] = relationship(
        back_populates="job", cascade="all, delete-orphan", lazy="selectin"
    )


class Artifact(Base):
    """A file produced by a job (coverage.csv, shifts.csv, ...), stored in the database."""

    __tablename__ = "artifacts"

    job_id: Mapped[str] = mapped_column(
        ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    media_type: Mapped[str] = mapped_column(String(MEDIA_TYPE_LEN))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)

    job: Mapped[Job] = relationship(back_populates="artifacts")
