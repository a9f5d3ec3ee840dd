"""Many sites at once as a job: ``POST /v1/site-batches`` (202), ``GET``/``DELETE
/v1/site-batches/{id}`` and the ``sites.csv`` / ``sites.json`` files.

The body is a list of named sites, each a plan as for ``POST /v1/plans`` (the plan TOML
sections plus the data). The job (:mod:`api.jobs.sites`) plans every site, on the server's
Dask cluster when ``STAFFING_DASK_SCHEDULER`` is set; a site that fails is reported with its
reason while the others finish. The job's time limit applies to each site's solve.
"""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from starlette.concurrency import run_in_threadpool

from api.deps import ApiKeyDep, PoolDep, SettingsDep, StoreDep
from api.jobs import JobKind, service
from api.jobs.sites import CLUSTER_KEY, check_site_batch
from api.routers._common import (
    ERRORS,
    QUEUE_FULL,
    StrictJSONRoute,
    job_public,
)
from api.routers._job_routes import JobFiles, JobRoutes, add_job_routes
from api.schemas import JobPublic, SiteBatchCreate

BASE = "/v1/site-batches"
router = APIRouter(prefix=BASE, tags=["site batches"], route_class=StrictJSONRoute)

SITE_FILES = JobFiles(("sites.csv", "sites.json"),
                      {"text/csv": "sites.csv", "application/json": "sites.json"},
                      """``sites.csv`` (one row per site), ``sites.json`` (the rows with each
    site's notes).""")


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


add_job_routes(router, JobRoutes(
    JobKind.SITES, BASE, "site_batch", "site_batches",
    list_doc="""Site-batch jobs, newest first, one page at a time.""",
    get_doc="""Status, progress (sites done / running / failed) and, when done, the table.""",
    delete_doc="""Cancel: the sites not finished are cancelled.""",
    files=SITE_FILES))
