"""The whole weekly pipeline as a job: ``POST /v1/plans`` (JSON or multipart TOML + CSV),
``GET``/``DELETE /v1/plans/{id}`` and its output files."""

from __future__ import annotations

import tempfile
import tomllib
from pathlib import Path
from typing import Literal

from fastapi import APIRouter, Request, Response, status
from fastapi.exceptions import RequestValidationError
from starlette.concurrency import run_in_threadpool

from api.deps import ApiKeyDep, PoolDep, SessionDep, SettingsDep, StoreDep
from api.jobs import Job, JobKind
from api.jobs.runners import plan_config
from api.routers._common import (
    ERRORS,
    get_job,
    is_multipart,
    job_public,
    json_body,
    read_upload,
    validate,
)
from api.routers.roster_jobs import (
    ERR_404,
    FILE_RESPONSES,
    artifact_response,
    cancel_job,
    enqueue,
    plan_time_limit,
)
from api.schemas import JobPublic, PlanCreate, Problem
from staffing.io.export import jsonable

BASE = "/v1/plans"
router = APIRouter(prefix=BASE, tags=["plans"])

PlanFile = Literal["coverage.csv", "shifts.csv", "tours.csv", "requirements.csv",
                   "forecast.csv", "summary.json", "shifts.ics", "plan.xlsx", "service.csv",
                   "service_days.csv"]

MULTIPART_SCHEMA = {
    "type": "object",
    "required": ["config", "data"],
    "properties": {
        "config": {"type": "string", "format": "binary",
                   "description": "Plan TOML (data/plan.toml layout; [data] path is ignored)"},
        "data": {"type": "string", "format": "binary",
                 "description": "Interval history CSV or call log CSV"},
    },
}


def _check(body: PlanCreate) -> None:
    """Validate the whole config now (422 naming the field) by building the PlanConfig."""
    with tempfile.TemporaryDirectory(prefix="staffing-plan-check-") as tmp:
        plan_config(body, Path(tmp))


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobPublic,
    responses={**ERRORS, 503: {"model": Problem, "description": "Queue full"}},
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
        form = await request.form(max_files=2, max_fields=4)
        toml_text = await read_upload(form, "config", settings.max_body_bytes)
        csv_text = await read_upload(form, "data", settings.max_body_bytes)
        try:
            cfg = tomllib.loads(toml_text)
        except tomllib.TOMLDecodeError as exc:
            raise RequestValidationError([{"type": "value_error", "loc": ("body", "config"),
                                           "msg": f"invalid TOML: {exc}", "input": None}]
                                         ) from None
        data_section = cfg.get("data")
        if isinstance(data_section, dict):  # the uploaded file replaces [data] path
            data_section.pop("path", None)
        upload = form.get("data")
        name = getattr(upload, "filename", None) or "data.csv"
        body = validate(PlanCreate, {"config": jsonable(cfg),
                                     "data": {"filename": name[:100], "csv": csv_text}})
    else:
        body = validate(PlanCreate, await json_body(request))
    limit, notes = plan_time_limit(body, settings)
    await run_in_threadpool(_check, body)
    return await run_in_threadpool(enqueue, JobKind.PLAN,
                                   body.model_dump(mode="json", exclude_none=True), limit,
                                   notes, store, pool, settings, response, BASE)


def _job(session: SessionDep, job_id: str) -> Job:
    return get_job(session, job_id, JobKind.PLAN)


@router.get("/{job_id}", response_model=JobPublic, responses=ERR_404)
def get_plan(job_id: str, session: SessionDep) -> JobPublic:
    """Status, stage progress and, when done, the plan summary (the ``summary.json``
    content: roster status, objective, gap, cost, predicted and simulated service)."""
    return job_public(_job(session, job_id), BASE)


@router.delete("/{job_id}", response_model=JobPublic,
               responses={**ERR_404, 409: {"model": Problem, "description": "Already finished"},
                          401: ERRORS[401]})
def delete_plan(job_id: str, _: ApiKeyDep, store: StoreDep, pool: PoolDep) -> JobPublic:
    """Cancel a queued plan at once, or a running one at its next stage boundary."""
    return cancel_job(job_id, JobKind.PLAN, store, pool, BASE)


@router.get("/{job_id}/files/{name}", response_class=Response,
            responses={200: {"content": {"text/csv": {}, "application/json": {}}},
                       **{k: v for k, v in FILE_RESPONSES.items() if k != 200}})
def get_plan_file(job_id: str, name: PlanFile, session: SessionDep, store: StoreDep
                  ) -> Response:
    """A file of a finished plan (``coverage.csv`` with the predicted service level,
    ``shifts.csv``, ``requirements.csv``, ``forecast.csv``, ``summary.json``, ...)."""
    return artifact_response(_job(session, job_id), name, store)
