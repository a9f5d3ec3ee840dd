"""The whole weekly pipeline as a job: ``POST /v1/plans`` (JSON or multipart TOML + CSV),
``GET``/``DELETE /v1/plans/{id}`` and its output files."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from starlette.concurrency import run_in_threadpool

from api.deps import ApiKeyDep, PoolDep, SettingsDep, StoreDep
from api.jobs import JobKind, service
from api.jobs.plan import check_plan
from api.routers._common import (
    ERRORS,
    QUEUE_FULL,
    StrictJSONRoute,
    is_multipart,
    job_public,
    json_body,
    plan_parts,
    validate,
)
from api.routers._job_routes import JobFiles, JobRoutes, add_job_routes
from api.schemas import JobPublic, PlanCreate

BASE = "/v1/plans"
router = APIRouter(prefix=BASE, tags=["plans"], route_class=StrictJSONRoute)

PLAN_FILES = JobFiles(
    ("coverage.csv", "shifts.csv", "tours.csv", "requirements.csv", "forecast.csv",
     "summary.json", "shifts.ics", "plan.xlsx", "service.csv", "service_days.csv",
     "forecast.png", "coverage.png", "heatmap.png", "service.png",
     # multi-queue plans ([[queues]], api/jobs/queues.py)
     "queues.csv", "queue_intervals.csv", "combined.csv", "groups.csv", "allocation.csv",
     "email.csv"),
    {"text/csv": "coverage.csv, shifts.csv, tours.csv, requirements.csv, forecast.csv, "
                 "service.csv, service_days.csv; multi-queue plans: queues.csv, "
                 "queue_intervals.csv, combined.csv, groups.csv, allocation.csv, email.csv",
     "application/json": "summary.json",
     "text/calendar": "shifts.ics",
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "plan.xlsx",
     "image/png": "forecast.png, coverage.png, heatmap.png, service.png"},
    """A file of a finished plan: ``coverage.csv`` (with the predicted service level),
    ``shifts.csv``, ``tours.csv``, ``requirements.csv``, ``forecast.csv``, ``summary.json``,
    ``shifts.ics``, ``plan.xlsx`` and the plots ``forecast.png``, ``coverage.png``,
    ``heatmap.png``, ``service.png``.""")
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


add_job_routes(router, JobRoutes(
    JobKind.PLAN, BASE, "plan", "plans",
    list_doc="""Plan jobs, newest first, one page at a time (``next`` links the following
    page); ``status`` filters (e.g. ``running``).""",
    get_doc="""Status, stage progress and, when done, the plan summary (the ``summary.json``
    content: roster status, objective, gap, cost, predicted and simulated service).""",
    delete_doc="""Cancel a queued plan at once, or a running one within a second.""",
    files=PLAN_FILES))
