"""Many sites at once as a job: ``POST /v1/site-batches`` (202), ``GET``/``DELETE
/v1/site-batches/{id}`` and the ``sites.csv`` / ``sites.json`` files.

The body is a list of named sites, each a plan as for ``POST /v1/plans`` (the plan TOML
sections plus the data). The job (:mod:`api.jobs.sites`) plans every site, on the server's
Dask cluster when ``STAFFING_DASK_SCHEDULER`` is set; a site that fails is reported with its
reason while the others finish. The job's time limit applies to each site's solve.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Response, status
from starlette.concurrency import run_in_threadpool

from api.deps import ApiKeyDep, PoolDep, SessionDep, SettingsDep, StoreDep
from api.jobs import Job, JobKind, service
from api.jobs.sites import CLUSTER_KEY, check_site_batch
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
from api.schemas import JobPage, JobPublic, SiteBatchCreate

BASE = "/v1/site-batches"
router = APIRouter(prefix=BASE, tags=["site batches"], route_class=StrictJSONRoute)

SiteBatchFile = Literal["sites.csv", "sites.json"]
SITE_FILES = file_responses({"text/csv": "sites.csv", "application/json": "sites.json"})


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=JobPublic,
             responses={**ERRORS, **QUEUE_FULL})
async def create_site_batch(body: SiteBatchCreate, response: Response, _: ApiKeyDep,
                            store: StoreDep, pool: PoolDep,
                            settings: SettingsDep) -> JobPublic:
    """Queue a batch of site plans (one per site). Validated now (422 naming the field, e.g.
    ``sites[2].config.goals.service_level``). The result has one row per site: status,
    agent-hours, wages, predicted and simulated service level, gap, seconds and the reason
    when a site got no roster."""
    limit, notes = service.time_limit(_limit(body), settings)
    await run_in_threadpool(check_site_batch, body,
                            max_variables=settings.max_model_variables,
                            max_nonzeros=settings.max_model_nonzeros)
    request = body.model_dump(mode="json", exclude_none=True)
    request[CLUSTER_KEY] = settings.dask_scheduler  # the server's setting, not the client's
    job = await run_in_threadpool(service.enqueue, JobKind.SITES, request, limit, notes,
                                  store, pool, settings)
    response.headers["Location"] = f"{BASE}/{job.id}"
    return job_public(job, BASE)


def _limit(body: SiteBatchCreate) -> float | None:
    """The largest ``[solver] time_limit_s`` of the sites (None when none gives one)."""
    found = []
    for s in body.sites:
        solver = s.config.get("solver", {})
        want = solver.get("time_limit_s") if isinstance(solver, dict) else None
        if isinstance(want, int | float) and not isinstance(want, bool) and want > 0:
            found.append(float(want))
    return max(found) if found else None


@router.get("", response_model=JobPage)
def list_site_batches(store: StoreDep, limit: int = Query(20, ge=1, le=100),
                      offset: int = Query(0, ge=0, le=1_000_000),
                      status: JobStatusName | None = Query(None)) -> JobPage:
    """Site-batch jobs, newest first, one page at a time."""
    return list_jobs(store, JobKind.SITES, BASE, limit, offset, status)


def _job(session: SessionDep, job_id: str) -> Job:
    return get_job(session, job_id, JobKind.SITES)


@router.get("/{job_id}", response_model=JobPublic, responses=ERR_404)
def get_site_batch(job_id: str, session: SessionDep) -> JobPublic:
    """Status, progress (sites done / running / failed) and, when done, the table."""
    return job_public(_job(session, job_id), BASE)


@router.delete("/{job_id}", response_model=JobPublic, responses=CANCEL_RESPONSES)
def delete_site_batch(job_id: str, _: ApiKeyDep, store: StoreDep,
                      pool: PoolDep) -> JobPublic:
    """Cancel: the sites not finished are cancelled."""
    return job_public(service.cancel(job_id, JobKind.SITES, store, pool), BASE)


@router.get("/{job_id}/files/{name}", response_class=Response, responses=SITE_FILES)
def get_site_batch_file(job_id: str, name: SiteBatchFile, session: SessionDep,
                        store: StoreDep) -> Response:
    """``sites.csv`` (one row per site), ``sites.json`` (the rows with each site's notes)."""
    return artifact_response(_job(session, job_id), name, store)
