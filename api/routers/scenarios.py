"""What-if scenarios as a job: ``POST /v1/scenarios`` (202), ``GET``/``DELETE
/v1/scenarios/{id}`` and the ``compare.csv`` / ``curve.csv`` / ``scenarios.json`` files.

The body is a plan (as for ``POST /v1/plans``: the plan TOML sections plus the data) and a
list of named scenarios, each a set of overrides of :mod:`staffing.scenario`; optionally a
cost-vs-service curve over service-level targets. The job (:mod:`api.jobs.scenarios`) runs
one roster solve per scenario (forecast once, results cached by content hash) and the curve;
the job's time limit applies to each solve.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Response, status
from starlette.concurrency import run_in_threadpool

from api.deps import ApiKeyDep, PoolDep, SessionDep, SettingsDep, StoreDep
from api.jobs import Job, JobKind, service
from api.jobs.scenarios import check_scenarios
from api.routers._common import (
    CANCEL_RESPONSES,
    ERR_404,
    ERRORS,
    QUEUE_FULL,
    JobStatusName,
    StrictJSONRoute,
    artifact_response,
    file_responses,
    get_job,
    job_public,
    list_jobs,
)
from api.schemas import JobPage, JobPublic, ScenariosCreate

BASE = "/v1/scenarios"
router = APIRouter(prefix=BASE, tags=["scenarios"], route_class=StrictJSONRoute)

ScenarioFile = Literal["compare.csv", "curve.csv", "scenarios.json"]
SCENARIO_FILES = file_responses({"text/csv": "compare.csv, curve.csv",
                                 "application/json": "scenarios.json"})


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=JobPublic,
             responses={**ERRORS, **QUEUE_FULL})
async def create_scenarios(body: ScenariosCreate, response: Response, _: ApiKeyDep,
                           store: StoreDep, pool: PoolDep,
                           settings: SettingsDep) -> JobPublic:
    """Queue a what-if comparison: one roster solve per scenario (plus the curve's points),
    sharing one forecast. Validated now (422 naming the field, e.g.
    ``scenarios[1].overrides.volume_scale``). The result holds one row per scenario
    (agent-hours, cost, headcount by template, predicted and simulated service level, ASA,
    abandonment, intervals under goal, solver gap) and the curve when asked."""
    limit, notes = service.plan_time_limit(body, settings)
    await run_in_threadpool(check_scenarios, body, limit,
                            max_variables=settings.max_model_variables,
                            max_nonzeros=settings.max_model_nonzeros)
    job = await run_in_threadpool(service.enqueue, JobKind.SCENARIOS,
                                  body.model_dump(mode="json", exclude_none=True), limit,
                                  notes, store, pool, settings)
    response.headers["Location"] = f"{BASE}/{job.id}"
    return job_public(job, BASE)


@router.get("", response_model=JobPage)
def list_scenarios(store: StoreDep, limit: int = Query(20, ge=1, le=100),
               offset: int = Query(0, ge=0, le=1_000_000),
               status: JobStatusName | None = Query(None)) -> JobPage:
    """Scenarios jobs, newest first, one page at a time (``next`` links the following
    page); ``status`` filters (e.g. ``running``)."""
    return list_jobs(store, JobKind.SCENARIOS, BASE, limit, offset, status)


def _job(session: SessionDep, job_id: str) -> Job:
    return get_job(session, job_id, JobKind.SCENARIOS)


@router.get("/{job_id}", response_model=JobPublic, responses=ERR_404)
def get_scenarios(job_id: str, session: SessionDep) -> JobPublic:
    """Status, progress (scenario and stage) and, when done, the comparison."""
    return job_public(_job(session, job_id), BASE)


@router.delete("/{job_id}", response_model=JobPublic, responses=CANCEL_RESPONSES)
def delete_scenarios(job_id: str, _: ApiKeyDep, store: StoreDep,
                     pool: PoolDep) -> JobPublic:
    """Cancel: the running solve is stopped; finished scenarios are kept as the result."""
    return job_public(service.cancel(job_id, JobKind.SCENARIOS, store, pool), BASE)


@router.get("/{job_id}/files/{name}", response_class=Response, responses=SCENARIO_FILES)
def get_scenarios_file(job_id: str, name: ScenarioFile, session: SessionDep,
                       store: StoreDep) -> Response:
    """``compare.csv`` (one row per scenario), ``curve.csv``, ``scenarios.json``."""
    return artifact_response(_job(session, job_id), name, store)
