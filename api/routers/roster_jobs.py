"""Roster solves as jobs: ``POST`` (202), ``GET`` status/progress/result, ``DELETE`` cancel,
and the ``coverage.csv`` / ``shifts.csv`` / ``tours.csv`` files of a finished job."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from starlette.concurrency import run_in_threadpool

from api.deps import ApiKeyDep, PoolDep, SessionDep, SettingsDep, StoreDep
from api.jobs import Job, JobKind, service
from api.jobs.roster import check_roster
from api.routers._common import (
    ERRORS,
    QUEUE_FULL,
    StrictJSONRoute,
    artifact_response,
    file_responses,
    get_job,
    job_public,
)
from api.routers._job_routes import JobRoutes, add_job_routes
from api.schemas import JobPublic, RosterJobCreate

BASE = "/v1/roster-jobs"
router = APIRouter(prefix=BASE, tags=["roster-jobs"], route_class=StrictJSONRoute)
CSV_FILE = file_responses({"text/csv": "CSV file"})


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=JobPublic,
             responses={**ERRORS, **QUEUE_FULL})
async def create_roster_job(body: RosterJobCreate, response: Response, _: ApiKeyDep,
                            store: StoreDep, pool: PoolDep, settings: SettingsDep) -> JobPublic:
    """Queue a weekly roster solve (Pyomo + HiGHS) for ``required`` agents per interval.

    The input is validated now (422 naming the field), and the model's size is estimated
    from the templates and the grid (not built): a model over the server's
    ``STAFFING_MAX_MODEL_VARIABLES`` / ``STAFFING_MAX_MODEL_NONZEROS`` is refused with a 422
    on ``config.templates``. The model is built and solved in the worker pool; the build
    counts against the time limit. Poll ``Location`` for status and progress (incumbent,
    bound, gap, elapsed seconds).
    """
    limit, notes = service.time_limit(body.solver.time_limit_s, settings)
    await run_in_threadpool(check_roster, body, limit,
                            max_variables=settings.max_model_variables,
                            max_nonzeros=settings.max_model_nonzeros)
    job = await run_in_threadpool(service.enqueue, JobKind.ROSTER,
                                  body.model_dump(mode="json"), limit, notes, store, pool,
                                  settings)
    response.headers["Location"] = f"{BASE}/{job.id}"
    return job_public(job, BASE)


add_job_routes(router, JobRoutes(
    JobKind.ROSTER, BASE, "roster_job", "roster_jobs",
    list_doc="""Roster jobs, newest first, one page at a time (``next`` links the following
    page); ``status`` filters (e.g. ``running``).""",
    get_doc="""Status (queued, running, done, failed, cancelled), progress and, when finished,
    the result summary (status, objective, bound, gap, build_s, runtime_s, agent_hours, cost,
    penalties, diagnosis).""",
    delete_doc="""Cancel: a queued job is cancelled at once; a running build or solve is
    stopped within a second and ends ``cancelled`` (see the README's API section)."""))


def _job(session: SessionDep, job_id: str) -> Job:
    return get_job(session, job_id, JobKind.ROSTER)


@router.get("/{job_id}/coverage.csv", response_class=Response, responses=CSV_FILE)
def get_coverage_csv(job_id: str, session: SessionDep, store: StoreDep) -> Response:
    """``interval_start, required, scheduled, under, over, service_level`` (service level is
    empty for a bare roster job: no forecast to evaluate against; plans fill it)."""
    return artifact_response(_job(session, job_id), "coverage.csv", store)


@router.get("/{job_id}/shifts.csv", response_class=Response, responses=CSV_FILE)
def get_shifts_csv(job_id: str, session: SessionDep, store: StoreDep) -> Response:
    """One row per shift: ``agent, date, start, end, template, breaks, paid_hours``."""
    return artifact_response(_job(session, job_id), "shifts.csv", store)


@router.get("/{job_id}/tours.csv", response_class=Response, responses=CSV_FILE)
def get_tours_csv(job_id: str, session: SessionDep, store: StoreDep) -> Response:
    """One row per person-week with the shift of each day (or ``OFF``)."""
    return artifact_response(_job(session, job_id), "tours.csv", store)
