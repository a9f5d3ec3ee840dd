"""The job store: engine, sessions and the few state transitions jobs go through.

Every transition is one short transaction with a conditional ``UPDATE`` (e.g. ``queued ->
running`` only if still queued), so API threads and worker threads never race a job into two
states. SQLite gets WAL mode and a busy timeout so readers never block the solver's progress
writes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from api.jobs.models import Artifact, Base, Job, JobStatus, utcnow

RESTART_REASON = "server restarted during solve"


def make_engine(url: str) -> Engine:
    """Engine for ``url``; SQLite files get WAL, a busy timeout and cross-thread use."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(conn: Any, _record: Any) -> None:
            cur = conn.cursor()
            if ":memory:" not in url:
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


class JobStore:
    """Persistence of jobs and their artifacts."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        Base.metadata.create_all(self.engine)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def close(self) -> None:
        """Dispose of the connection pool."""
        self.engine.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed on success, rolled back on error."""
        with self.sessions() as s, s.begin():
            yield s

    # ------------------------------------------------------------------ create / read
    def create(self, kind: str, request: Mapping[str, Any], time_limit_s: float,
               notes: list[str] | None = None) -> Job:
        """Insert a queued job."""
        job = Job(kind=kind, request=dict(request), time_limit_s=float(time_limit_s),
                  status=JobStatus.QUEUED.value, notes=notes or [])
        with self.session() as s:
            s.add(job)
        return job

    def get(self, job_id: str, kind: str | None = None) -> Job | None:
        """The job (None when absent or of another kind)."""
        with self.sessions() as s:
            job = s.get(Job, job_id)
            if job is None or (kind is not None and job.kind != kind):
                return None
            _ = job.artifacts  # load while the session is open
            return job

    def artifact(self, job_id: str, name: str) -> Artifact | None:
        """One stored artifact with its content."""
        with self.sessions() as s:
            art = s.get(Artifact, (job_id, name))
            if art is not None:
                _ = art.content
            return art

    def count(self, status: JobStatus) -> int:
        """Number of jobs in ``status``."""
        with self.sessions() as s:
            return int(s.scalar(select(func.count()).select_from(Job)
                                .where(Job.status == status.value)) or 0)

    def request_of(self, job_id: str) -> dict[str, Any]:
        """The stored request of a job."""
        with self.sessions() as s:
            job = s.get(Job, job_id)
            return dict(job.request) if job is not None else {}

    # ------------------------------------------------------------------ transitions
    def _set(self, job_id: str, where: tuple[JobStatus, ...], **values: Any) -> bool:
        with self.session() as s:
            res = s.execute(
                update(Job)
                .where(Job.id == job_id, Job.status.in_([w.value for w in where]))
                .values(**values)
            )
            return bool(getattr(res, "rowcount", 0))

    def claim(self, job_id: str) -> bool:
        """``queued -> running``; False when the job is no longer queued (e.g. cancelled)."""
        return self._set(job_id, (JobStatus.QUEUED,), status=JobStatus.RUNNING.value,
                         started_at=utcnow(), progress=None)

    def set_progress(self, job_id: str, progress: Mapping[str, Any]) -> bool:
        """Store progress of a running job; returns whether a cancel was requested."""
        with self.session() as s:
            s.execute(update(Job).where(Job.id == job_id,
                                        Job.status == JobStatus.RUNNING.value)
                      .values(progress=dict(progress)))
            return bool(s.scalar(select(Job.cancel_requested).where(Job.id == job_id)))

    def finish(self, job_id: str, status: JobStatus, *, result: Mapping[str, Any] | None = None,
               error: tuple[str, str | None] | None = None,
               artifacts: Mapping[str, tuple[str, bytes]] | None = None,
               notes: list[str] | None = None, progress: Mapping[str, Any] | None = None) -> None:
        """Move a running job to a terminal state, storing result, error and artifacts."""
        with self.session() as s:
            job = s.get(Job, job_id)
            if job is None:
                return
            job.status = status.value
            job.finished_at = utcnow()
            job.result = dict(result) if result is not None else None
            if error is not None:
                job.error_detail, job.error_field = error
            if notes:
                job.notes = [*(job.notes or []), *notes]
            if progress is not None:
                job.progress = dict(progress)
            for name, (media_type, content) in (artifacts or {}).items():
                s.merge(Artifact(job_id=job_id, name=name, media_type=media_type,
                                 content=content))

    def requeue(self, job_id: str) -> bool:
        """``running -> queued`` (graceful shutdown interrupted the solve)."""
        return self._set(job_id, (JobStatus.RUNNING,), status=JobStatus.QUEUED.value,
                         started_at=None, progress=None)

    def cancel(self, job_id: str) -> str | None:
        """Cancel: a queued job becomes ``cancelled`` at once; a running one gets
        ``cancel_requested`` (the worker interrupts the solver). Returns the status after."""
        now = utcnow()
        if self._set(job_id, (JobStatus.QUEUED,), status=JobStatus.CANCELLED.value,
                     finished_at=now, cancel_requested=True):
            return JobStatus.CANCELLED.value
        self._set(job_id, (JobStatus.RUNNING,), cancel_requested=True)
        job = self.get(job_id)
        return job.status if job is not None else None

    def recover(self) -> list[str]:
        """At startup: jobs left ``running`` by a crashed process are failed with
        :data:`RESTART_REASON`; returns the ids of queued jobs, oldest first, to resume."""
        with self.session() as s:
            s.execute(
                update(Job).where(Job.status == JobStatus.RUNNING.value).values(
                    status=JobStatus.FAILED.value, finished_at=utcnow(),
                    error_detail=RESTART_REASON, error_field=None)
            )
            ids = s.scalars(select(Job.id).where(Job.status == JobStatus.QUEUED.value)
                            .order_by(Job.created_at)).all()
        return list(ids)


def elapsed_since(start: dt.datetime | None) -> float | None:
    """Seconds since ``start`` (aware or naive-UTC as SQLite returns it)."""
    if start is None:
        return None
    if start.tzinfo is None:
        start = start.replace(tzinfo=dt.UTC)
    return (utcnow() - start).total_seconds()
