"""The whole weekly pipeline as a job: ``POST /v1/plans`` (JSON or multipart TOML + CSV),
``GET``/``DELETE /v1/plans/{id}`` and its output files."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Request, Response, status
from starlette.concurrency import run_in_threadpool

from api.deps import ApiKeyDep, PoolDep, SessionDep, SettingsDep, StoreDep
from api.jobs import Job, JobKind, service
from api.jobs.plan import check_plan
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
    is_multipart,
    job_public,
    json_body,
    list_jobs,
    plan_parts,
    validate,
)
from api.schemas import JobPage, JobPublic, PlanCreate

BASE = "/v1/plans"
router = APIRouter(prefix=BASE, tags=["plans"], route_class=StrictJSONRoute)

PlanFile = Literal["coverage.csv", "shifts.csv", "tours.csv", "requirements.csv",
                   "forecast.csv", "summary.json", "shifts.ics", "plan.xlsx", "service.csv",
                   "service_days.csv", "forecast.png", "coverage.png", "heatmap.png", "service.png",
                   # multi-queue plans ([[queues]], api/jobs/queues.py)
                   "queues.csv", "queue_intervals.csv", "combined.csv", "groups.csv",
                   "allocation.csv", "email.csv"]
PLAN_FILES = file_responses({
    "text/csv": "coverage.csv, shifts.csv, tours.csv, requirements.csv, forecast.csv, "
                "service.csv, service_days.csv; multi-queue plans: queues.csv, "
                "queue_intervals.csv, combined.csv, groups.csv, allocation.csv, email.csv",
    "application/json": "summary.json",
    "text/calendar": "shifts.ics",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "plan.xlsx",
    "image/png": "forecast.png, coverage.png, heatmap.png, service.png"})
MAX_PARTS = 4

MULTIPART_SCHEMA = {
    "type": "object",
    "required": ["config", "data"],
    "additionalProperties": False,
    "maxProperties": MAX_PARTS,
    "description": f"At most {MAX_PARTS} parts: the 'config' and 'data' files.",
    "properties": {
        "config": {"type": "string", "format": "binary",
                   "description": "Plan TOML (data/plan.toml layout; [data] path is ignored)"},
        "data": {"type": "string", "format": "binary",
                 "description": "Interval history CSV or call log CSV"},
    },
}


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobPublic,
    responses={**ERRORS, **QUEUE_FULL},
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/PlanCreate"}},
        "multipart/form-data": {"schema": MULTIPART_SCHEMA},
    }}},
)
async def create_plan(request: Request, response: Response, _: ApiKeyDep, store: StoreDep,
                      pool: PoolDep, settings: SettingsDep) -> JobPublic:
    """Queue the weekly plan: data -> forecast -> requirements -> roster -> evaluation ->
    simulation (``staffing.pipeline.plan``).

    JSON: ``{"config": {...plan.toml sections...}, "history": [rows]}`` or ``"data":
    {"filename", "csv"}``. Multipart: ``config`` (the TOML file) and ``data`` (history or call
    log CSV), e.g. ``curl -F config=@data/plan.toml -F data=@data/anonymous_bank_15min.csv``.
    """
    if is_multipart(request):
        form = await request.form(max_files=2, max_fields=MAX_PARTS)
        body = validate(PlanCreate, await plan_parts(form, settings.max_body_bytes))
    else:
        body = validate(PlanCreate, await json_body(request))
    limit, notes = service.plan_time_limit(body, settings)
    await run_in_threadpool(check_plan, body, max_variables=settings.max_model_variables,
                            max_nonzeros=settings.max_model_nonzeros)
    job = await run_in_threadpool(service.enqueue, JobKind.PLAN,
                                  body.model_dump(mode="json", exclude_none=True), limit,
                                  notes, store, pool, settings)
    response.headers["Location"] = f"{BASE}/{job.id}"
    return job_public(job, BASE)


@router.get("", response_model=JobPage)
def list_plans(store: StoreDep, limit: int = Query(20, ge=1, le=100),
               offset: int = Query(0, ge=0, le=1_000_000),
               status: JobStatusName | None = Query(None)) -> JobPage:
    """Plan jobs, newest first, one page at a time (``next`` links the following
    page); ``status`` filters (e.g. ``running``)."""
    return list_jobs(store, JobKind.PLAN, BASE, limit, offset, status)


def _job(session: SessionDep, job_id: str) -> Job:
    return get_job(session, job_id, JobKind.PLAN)


@router.get("/{job_id}", response_model=JobPublic, responses=ERR_404)
def get_plan(job_id: str, session: SessionDep) -> JobPublic:
    """Status, stage progress and, when done, the plan summary (the ``summary.json``
    content: roster status, objective, gap, cost, predicted and simulated service)."""
    return job_public(_job(session, job_id), BASE)


@router.delete("/{job_id}", response_model=JobPublic, responses=CANCEL_RESPONSES)
def delete_plan(job_id: str, _: ApiKeyDep, store: StoreDep, pool: PoolDep) -> JobPublic:
    """Cancel a queued plan at once, or a running one within a second."""
    return job_public(service.cancel(job_id, JobKind.PLAN, store, pool), BASE)


@router.get("/{job_id}/files/{name}", response_class=Response, responses=PLAN_FILES)
def get_plan_file(job_id: str, name: PlanFile, session: SessionDep, store: StoreDep
                  ) -> Response:
    """A file of a finished plan: ``coverage.csv`` (with the predicted service level),
    ``shifts.csv``, ``tours.csv``, ``requirements.csv``, ``forecast.csv``, ``summary.json``,
    ``shifts.ics``, ``plan.xlsx`` and the plots ``forecast.png``, ``coverage.png``,
    ``heatmap.png``, ``service.png``."""
    return artifact_response(_job(session, job_id), name, store)
