"""Roster solves as jobs: ``POST`` (202), ``GET`` status/progress/result, ``DELETE`` cancel,
and the ``coverage.csv`` / ``shifts.csv`` / ``tours.csv`` files of a finished job."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, HTTPException, Response, status
from starlette.concurrency import run_in_threadpool

from api.deps import ApiKeyDep, PoolDep, SessionDep, SettingsDep, StoreDep
from api.jobs import Job, JobKind, JobStatus
from api.jobs.runners import build_roster_inputs
from api.routers._common import ERRORS, get_job, job_public, not_found
from api.schemas import JobPublic, PlanCreate, Problem, RosterJobCreate
from api.settings import Settings

BASE = "/v1/roster-jobs"
router = APIRouter(prefix=BASE, tags=["roster-jobs"])
ERR_404: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "No such job"}}


def time_limit(requested: float | None, settings: Settings) -> tuple[float, list[str]]:
    """The job's time limit: requested (or default), capped at ``max_solve_s``."""
    want = requested if requested is not None else settings.default_time_limit_s
    if want > settings.max_solve_s:
        return settings.max_solve_s, [f"time_limit_s {want:g} capped at the server's "
                                      f"max_solve_s {settings.max_solve_s:g}"]
    return float(want), []


def plan_time_limit(body: PlanCreate, settings: Settings) -> tuple[float, list[str]]:
    """A plan's time limit: ``[solver] time_limit_s`` (or the default) capped at
    ``max_solve_s``."""
    solver = body.config.get("solver", {})
    want = solver.get("time_limit_s") if isinstance(solver, Mapping) else None
    return time_limit(want if isinstance(want, int | float) and not isinstance(want, bool)
                      else None, settings)


def enqueue(kind: JobKind, request: dict, limit: float, notes: list[str], store: StoreDep,
            pool: PoolDep, settings: Settings, response: Response, base: str) -> JobPublic:
    """Persist and submit a job; 503 when the queue is full."""
    if store.count(JobStatus.QUEUED) >= settings.max_queued_jobs:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE,
                            "job queue full, retry later", headers={"Retry-After": "30"})
    job = store.create(kind.value, request, limit, notes)
    pool.submit(job.id)
    response.headers["Location"] = f"{base}/{job.id}"
    fresh = store.get(job.id)
    assert fresh is not None
    return job_public(fresh, base)


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=JobPublic,
             responses={**ERRORS, 503: {"model": Problem, "description": "Queue full"}})
async def create_roster_job(body: RosterJobCreate, response: Response, _: ApiKeyDep,
                            store: StoreDep, pool: PoolDep, settings: SettingsDep) -> JobPublic:
    """Queue a weekly roster solve (Pyomo + HiGHS) for ``required`` agents per interval.

    The input is validated now (422 naming the field); the solve runs in the worker pool.
    Poll ``Location`` for status and progress (incumbent, bound, gap, elapsed seconds).
    """
    limit, notes = time_limit(body.solver.time_limit_s, settings)
    await run_in_threadpool(lambda: build_roster_inputs(body, limit, check_model=True))
    return await run_in_threadpool(enqueue, JobKind.ROSTER, body.model_dump(mode="json"), limit,
                                   notes, store, pool, settings, response, BASE)


def _job(session: SessionDep, job_id: str) -> Job:
    return get_job(session, job_id, JobKind.ROSTER)


@router.get("/{job_id}", response_model=JobPublic, responses=ERR_404)
def get_roster_job(job_id: str, session: SessionDep) -> JobPublic:
    """Status (queued, running, done, failed, cancelled), progress and, when finished, the
    result summary (status, objective, bound, gap, build_s, runtime_s, agent_hours, cost,
    penalties, diagnosis)."""
    return job_public(_job(session, job_id), BASE)


def cancel_job(job_id: str, kind: JobKind, store: StoreDep, pool: PoolDep, base: str
               ) -> JobPublic:
    """Cancel a queued or running job; 409 when it already finished (done or failed)."""
    job = store.get(job_id, kind.value)
    if job is None:
        raise not_found(job_id)
    if job.status in (JobStatus.DONE.value, JobStatus.FAILED.value):
        raise HTTPException(status.HTTP_409_CONFLICT, f"job already {job.status}")
    store.cancel(job_id)
    pool.cancel(job_id)
    fresh = store.get(job_id)
    assert fresh is not None
    return job_public(fresh, base)


@router.delete("/{job_id}", response_model=JobPublic,
               responses={**ERR_404, 409: {"model": Problem, "description": "Already finished"},
                          401: ERRORS[401]})
def delete_roster_job(job_id: str, _: ApiKeyDep, store: StoreDep, pool: PoolDep) -> JobPublic:
    """Cancel: a queued job is cancelled at once; a running solve is interrupted within
    milliseconds and ends ``cancelled`` with its incumbent (if any) as the result."""
    return cancel_job(job_id, JobKind.ROSTER, store, pool, BASE)


def artifact_response(job: Job, name: str, store: StoreDep) -> Response:
    """The stored file, 409 while the job is not finished, 404 when it has no such file."""
    if not JobStatus(job.status).finished:
        raise HTTPException(status.HTTP_409_CONFLICT,
                            f"job is {job.status}; files exist once it has finished")
    art = store.artifact(job.id, name)
    if art is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"job {job.id} has no {name}")
    return Response(art.content, media_type=art.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "CSV file"},
    **ERR_404, 409: {"model": Problem, "description": "Job not finished"}}


@router.get("/{job_id}/coverage.csv", response_class=Response, responses=FILE_RESPONSES)
def get_coverage_csv(job_id: str, session: SessionDep, store: StoreDep) -> Response:
    """``interval_start, required, scheduled, under, over, service_level`` (service level is
    empty for a bare roster job: no forecast to evaluate against; plans fill it)."""
    return artifact_response(_job(session, job_id), "coverage.csv", store)


@router.get("/{job_id}/shifts.csv", response_class=Response, responses=FILE_RESPONSES)
def get_shifts_csv(job_id: str, session: SessionDep, store: StoreDep) -> Response:
    """One row per shift: ``agent, date, start, end, template, breaks, paid_hours``."""
    return artifact_response(_job(session, job_id), "shifts.csv", store)


@router.get("/{job_id}/tours.csv", response_class=Response, responses=FILE_RESPONSES)
def get_tours_csv(job_id: str, session: SessionDep, store: StoreDep) -> Response:
    """One row per person-week with the shift of each day (or ``OFF``)."""
    return artifact_response(_job(session, job_id), "tours.csv", store)
