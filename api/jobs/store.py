"""The job store: engine, sessions and the few state transitions jobs go through.

Every transition is one short transaction with a conditional ``UPDATE`` (e.g. ``queued ->
running`` only if still queued; ``running -> done`` only by the server that owns the job), so
API threads, worker threads and other server processes on the same database never race a job
into two states. SQLite gets WAL mode and a busy timeout so readers never block the solver's
progress writes.

Several servers may share one database. A server claims a job as its ``owner`` and refreshes
``heartbeat_at`` of its running jobs every few seconds (:meth:`JobStore.heartbeat`); a running
job whose heartbeat is older than ``orphan_after_s`` belongs to a server that died, and
:meth:`JobStore.fail_orphans` fails it with :data:`RESTART_REASON`. A server never touches
another live server's running jobs, and a job failed as an orphan can no longer be finished
by a server that comes back (its ``finish`` is refused), so no job gets two contradictory
states.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, inspect, or_, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from api.jobs.models import MEDIA_TYPE_LEN, OWNER_LEN, Artifact, Base, Job, JobStatus, utcnow

log = logging.getLogger("api.jobs")

RESTART_REASON = "server stopped during solve (its heartbeat stopped)"


def owner_id() -> str:
    """This process's identity as a job owner: host, pid and a random tag."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[:OWNER_LEN]


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


def upgrade(engine: Engine) -> None:
    """Bring tables made by an older release up to date (add columns, widen media types)."""
    insp = inspect(engine)
    if not insp.has_table("jobs"):
        return
    have = {c["name"] for c in insp.get_columns("jobs")}
    ts = "TIMESTAMP WITH TIME ZONE" if engine.dialect.name == "postgresql" else "DATETIME"
    adds = {"owner": f"VARCHAR({OWNER_LEN})", "heartbeat_at": ts}
    with engine.begin() as conn:
        for name, sql_type in adds.items():
            if name not in have:
                conn.execute(text(f"ALTER TABLE jobs ADD COLUMN {name} {sql_type}"))
        if engine.dialect.name == "postgresql" and insp.has_table("artifacts"):
            col = next(c for c in insp.get_columns("artifacts") if c["name"] == "media_type")
            if getattr(col["type"], "length", None) not in (None, MEDIA_TYPE_LEN):
                conn.execute(text(f"ALTER TABLE artifacts ALTER COLUMN media_type "
                                  f"TYPE VARCHAR({MEDIA_TYPE_LEN})"))


class JobStore:
    """Persistence of jobs and their artifacts, as seen by one server process (``owner``)."""

    def __init__(self, url: str, owner: str | None = None) -> None:
        self.engine = make_engine(url)
        upgrade(self.engine)
        Base.metadata.create_all(self.engine)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.owner = owner or owner_id()

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
                  status=JobStatus.QUEUED.value, notes=notes or [], owner=self.owner,
                  heartbeat_at=utcnow())
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

    def check(self) -> None:
        """A real read of the job tables (raises when the database cannot serve one): the
        newest job row with its JSON columns, and one artifact row."""
        with self.sessions() as s:
            s.execute(select(Job.id, Job.status, Job.request, Job.result, Job.progress)
                      .order_by(Job.created_at.desc()).limit(1)).all()
            s.execute(select(Artifact.job_id, Artifact.name, Artifact.media_type)
                      .limit(1)).all()

    def page(self, kind: str, *, limit: int, offset: int = 0,
             status: JobStatus | None = None) -> tuple[list[Job], int]:
        """Jobs of ``kind``, newest first, one page; and the total count."""
        where = [Job.kind == kind]
        if status is not None:
            where.append(Job.status == status.value)
        with self.sessions() as s:
            total = int(s.scalar(select(func.count()).select_from(Job).where(*where)) or 0)
            jobs = s.scalars(select(Job).where(*where)
                             .order_by(Job.created_at.desc(), Job.id.desc())
                             .limit(limit).offset(offset)).all()
            for job in jobs:
                _ = job.artifacts
        return list(jobs), total

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
        """``queued -> running``, owned by this process; False when the job is no longer
        queued (cancelled, or claimed by another server)."""
        now = utcnow()
        return self._set(job_id, (JobStatus.QUEUED,), status=JobStatus.RUNNING.value,
                         started_at=now, progress=None, owner=self.owner, heartbeat_at=now)

    def _mine(self, job_id: str) -> tuple[Any, ...]:
        return (Job.id == job_id, Job.status == JobStatus.RUNNING.value,
                Job.owner == self.owner)

    def set_progress(self, job_id: str, progress: Mapping[str, Any]) -> bool:
        """Store progress of a running job of ours; returns whether a cancel was requested
        (or the job is no longer ours to run)."""
        with self.session() as s:
            res = s.execute(update(Job).where(*self._mine(job_id))
                            .values(progress=dict(progress), heartbeat_at=utcnow()))
            if not getattr(res, "rowcount", 0):
                return True
            return bool(s.scalar(select(Job.cancel_requested).where(Job.id == job_id)))

    def cancel_requested(self, job_id: str) -> bool:
        """True when a cancel was recorded (by any server) or the job is no longer ours."""
        with self.sessions() as s:
            row = s.execute(select(Job.cancel_requested, Job.status, Job.owner)
                            .where(Job.id == job_id)).first()
        if row is None:
            return True
        return bool(row[0]) or row[1] != JobStatus.RUNNING.value or row[2] != self.owner

    def heartbeat(self) -> int:
        """Refresh ``heartbeat_at`` of every queued or running job of this process; returns
        how many."""
        with self.session() as s:
            res = s.execute(update(Job).where(
                Job.owner == self.owner,
                Job.status.in_([JobStatus.QUEUED.value, JobStatus.RUNNING.value]))
                .values(heartbeat_at=utcnow()))
            return int(getattr(res, "rowcount", 0) or 0)

    def fail_orphans(self, orphan_after_s: float) -> list[str]:
        """Fail running jobs whose owner's heartbeat is older than ``orphan_after_s``
        (their server died); returns their ids."""
        cutoff = utcnow() - dt.timedelta(seconds=orphan_after_s)
        stale = (Job.status == JobStatus.RUNNING.value,
                 or_(Job.heartbeat_at < cutoff,
                     Job.heartbeat_at.is_(None) & (Job.started_at < cutoff)))
        with self.session() as s:
            ids = list(s.scalars(select(Job.id).where(*stale)).all())
            if ids:
                s.execute(update(Job).where(Job.id.in_(ids), *stale).values(
                    status=JobStatus.FAILED.value, finished_at=utcnow(),
                    error_detail=RESTART_REASON, error_field=None))
        for job_id in ids:
            log.warning("job %s failed: its server stopped sending heartbeats", job_id)
        return ids

    def queued_ids(self) -> list[str]:
        """Queued jobs, oldest first."""
        with self.sessions() as s:
            return list(s.scalars(select(Job.id).where(Job.status == JobStatus.QUEUED.value)
                                  .order_by(Job.created_at)).all())

    def orphaned_queued(self, orphan_after_s: float) -> list[str]:
        """Queued jobs whose submitting server stopped its heartbeat (or that a stopping
        server put back), oldest first: another server may run them."""
        cutoff = utcnow() - dt.timedelta(seconds=orphan_after_s)
        with self.sessions() as s:
            return list(s.scalars(select(Job.id).where(
                Job.status == JobStatus.QUEUED.value,
                or_(Job.heartbeat_at < cutoff,
                    Job.heartbeat_at.is_(None) & (Job.created_at < cutoff)))
                .order_by(Job.created_at)).all())

    def finish(self, job_id: str, status: JobStatus, *, result: Mapping[str, Any] | None = None,
               error: tuple[str, str | None] | None = None,
               artifacts: Mapping[str, tuple[str, bytes]] | None = None,
               notes: list[str] | None = None, progress: Mapping[str, Any] | None = None
               ) -> bool:
        """Move a running job of ours to a terminal state, storing result, error and
        artifacts. Refused (False) when the job is no longer ours (failed as an orphan)."""
        with self.session() as s:
            job = s.scalars(select(Job).where(*self._mine(job_id)).with_for_update()).first()
            if job is None:
                log.warning("job %s is no longer run by this server; its outcome is dropped",
                            job_id)
                return False
            job.status = status.value
            job.finished_at = utcnow()
            job.result = dict(result) if result is not None else None
            if error is not None:
                job.error_detail, job.error_field = error
            if notes:
                job.notes = [*(job.notes or []), *notes]
            if progress is not None:
                job.progress = dict(progress)
            job.owner = None
            for name, (media_type, content) in (artifacts or {}).items():
                s.merge(Artifact(job_id=job_id, name=name, media_type=media_type,
                                 content=content))
        return True

    def requeue(self, job_id: str) -> bool:
        """``running -> queued`` (graceful shutdown interrupted the solve)."""
        with self.session() as s:
            res = s.execute(update(Job).where(*self._mine(job_id)).values(
                status=JobStatus.QUEUED.value, started_at=None, progress=None, owner=None,
                heartbeat_at=None))
            return bool(getattr(res, "rowcount", 0))

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

    def recover(self, orphan_after_s: float) -> list[str]:
        """At startup: fail orphaned running jobs (see :meth:`fail_orphans`; a live server's
        jobs are left alone) and return the ids of queued jobs, oldest first, to resume."""
        self.fail_orphans(orphan_after_s)
        return self.queued_ids()


def elapsed_since(start: dt.datetime | None) -> float | None:
    """Seconds since ``start`` (aware or naive-UTC as SQLite returns it)."""
    if start is None:
        return None
    if start.tzinfo is None:
        start = start.replace(tzinfo=dt.UTC)
    return (utcnow() - start).total_seconds()
