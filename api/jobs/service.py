"""Job services the routers call: time limits, enqueue, cancel (no HTTP in here).

Errors are domain exceptions (:class:`QueueFull`, :class:`JobNotFound`,
:class:`JobFinished`); :mod:`api.errors` turns them into 503, 404 and 409.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from api.jobs.models import Job, JobKind, JobStatus
from api.jobs.store import JobStore
from api.jobs.worker import WorkerPool
from api.schemas import AgentsCreate, PlanCreate
from api.settings import Settings


class QueueFull(Exception):
    """More than ``max_queued_jobs`` jobs wait."""


class JobNotFound(Exception):
    """No job with that id (of that kind)."""

    def __init__(self, job_id: str) -> None:
        super().__init__(f"no job {job_id!r}")
        self.job_id = job_id


class JobFinished(Exception):
    """The job already finished (done or failed): nothing to cancel."""

    def __init__(self, status: str) -> None:
        super().__init__(f"job already {status}")
        self.status = status


def time_limit(requested: float | None, settings: Settings) -> tuple[float, list[str]]:
    """The job's time limit: requested (or default), capped at ``max_solve_s``."""
    want = requested if requested is not None else settings.default_time_limit_s
    if want > settings.max_solve_s:
        return settings.max_solve_s, [f"time_limit_s {want:g} capped at the server's "
                                      f"max_solve_s {settings.max_solve_s:g}"]
    return float(want), []


def plan_time_limit(body: PlanCreate | AgentsCreate,
                    settings: Settings) -> tuple[float, list[str]]:
    """A plan's (or agents job's) time limit: ``[solver] time_limit_s`` of its config (or the
    default) capped at ``max_solve_s``."""
    solver = body.config.get("solver", {})
    want = solver.get("time_limit_s") if isinstance(solver, Mapping) else None
    ok = isinstance(want, int | float) and not isinstance(want, bool) and want > 0
    return time_limit(float(want) if ok else None, settings)  # type: ignore[arg-type]


def enqueue(kind: JobKind, request: dict[str, Any], limit: float, notes: list[str],
            store: JobStore, pool: WorkerPool, settings: Settings) -> Job:
    """Persist and submit a job; :class:`QueueFull` when too many wait."""
    if store.count(JobStatus.QUEUED) >= settings.max_queued_jobs:
        raise QueueFull("job queue full, retry later")
    job = store.create(kind.value, request, limit, notes)
    pool.submit(job.id)
    fresh = store.get(job.id)
    assert fresh is not None
    return fresh


def cancel(job_id: str, kind: JobKind, store: JobStore, pool: WorkerPool) -> Job:
    """Cancel a queued or running job; :class:`JobFinished` when it is done or failed."""
    job = store.get(job_id, kind.value)
    if job is None:
        raise JobNotFound(job_id)
    if job.status in (JobStatus.DONE.value, JobStatus.FAILED.value):
        raise JobFinished(job.status)
    store.cancel(job_id)
    pool.cancel(job_id)
    fresh = store.get(job_id)
    assert fresh is not None
    return fresh


def plan_job(store: JobStore, job_id: str, *, done: bool = False) -> tuple[Job, dict[str, Any]]:
    """A plan job named by a request (field ``plan``) and its stored request (config as the
    plan TOML's JSON, data as CSV text or history rows). Unknown id, or with ``done`` a job
    that has not finished: InputError naming ``plan`` (the request is at fault, a 422)."""
    from staffing.exceptions import InputError

    job = store.get(job_id[:64], JobKind.PLAN.value)
    if job is None:
        raise InputError("plan", job_id, "the id of a plan job (GET /v1/jobs?kind=plan)")
    if done and job.status != JobStatus.DONE.value:
        raise InputError("plan", job_id, f"a finished plan (this one is {job.status})")
    return job, store.request_of(job.id)
