"""What-if scenarios as a job: ``POST /v1/scenarios`` (202), ``GET``/``DELETE
/v1/scenarios/{id}`` and the ``compare.csv`` / ``curve.csv`` / ``scenarios.json`` files.

The body is a plan (as for ``POST /v1/plans``: the plan TOML sections plus the data) and a
list of named scenarios, each a set of overrides of :mod:`staffing.scenario`; optionally a
cost-vs-service curve over service-level targets. The job (:mod:`api.jobs.scenarios`) runs
one roster solve per scenario (forecast once, results cached by content hash) and the curve;
the job's time limit applies to each solve.

Besides the JSON body, ``multipart/form-data`` takes the base plan as files (``config`` plan
TOML + ``data`` CSV, as ``POST /v1/plans``) or as ``plan``, the id of an earlier plan job
(its config and data, as that job was accepted), with ``scenarios`` (and optionally
``curve``) as JSON text fields.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response, status
from fastapi.exceptions import RequestValidationError
from starlette.concurrency import run_in_threadpool

from api.deps import ApiKeyDep, PoolDep, SettingsDep, StoreDep
from api.jobs import JobKind, service
from api.jobs.scenarios import check_scenarios
from api.jobs.sites import CLUSTER_KEY
from api.routers._common import (
    ERRORS,
    QUEUE_FULL,
    StrictJSONRoute,
    is_multipart,
    job_public,
    json_body,
    plan_parts,
    strict_loads,
    validate,
)
from api.routers._job_routes import JobFiles, JobRoutes, add_job_routes
from api.schemas import JobPublic, ScenariosCreate
from staffing.exceptions import InputError

BASE = "/v1/scenarios"
router = APIRouter(prefix=BASE, tags=["scenarios"], route_class=StrictJSONRoute)

SCENARIO_FILES = JobFiles(("compare.csv", "curve.csv", "scenarios.json", "extension.csv",
                           "extension_days.csv"),
                          {"text/csv": "compare.csv, curve.csv, extension.csv, "
                                       "extension_days.csv",
                           "application/json": "scenarios.json"},
                          """``compare.csv`` (one row per scenario), ``curve.csv``,
    ``scenarios.json``, ``extension.csv`` / ``extension_days.csv`` (with ``extension``).""")
MAX_PARTS = 7
MULTIPART_SCHEMA = {
    "type": "object",
    "required": ["scenarios"],
    "additionalProperties": False,
    "maxProperties": MAX_PARTS,
    "description": "The base plan as files (config + data) or as plan (a plan job's id), "
                   "and the scenarios as JSON text.",
    "properties": {
        "config": {"type": "string", "format": "binary",
                   "description": "Plan TOML (data/plan.toml layout; [data] path is ignored)"},
        "data": {"type": "string", "format": "binary",
                 "description": "Interval history CSV or call log CSV"},
        "plan": {"type": "string", "maxLength": 64,
                 "description": "Id of a plan job whose config and data are the base plan "
                                "(instead of config + data)"},
        "scenarios": {"type": "string", "description": 'JSON array, e.g. [{"name": '
                      '"volume +10%", "overrides": {"volume_scale": 1.1}}]'},
        "curve": {"type": "string", "description": "JSON array of service-level targets, "
                  "e.g. [0.7, 0.8, 0.9]"},
        "include_base": {"type": "boolean"},
        "extension": {"type": "boolean", "description": "Extended in-house hours vs "
                      "outsourcing them to the config's [overflow] partner"},
    },
}


def _json_field(form: Any, name: str) -> Any:
    value = form.get(name)
    if not isinstance(value, str):
        raise RequestValidationError([{"type": "missing", "loc": ("body", name),
                                       "msg": f"field '{name}' (JSON text) is required",
                                       "input": None}])
    try:
        return strict_loads(value.encode())
    except (ValueError, UnicodeDecodeError) as exc:
        raise RequestValidationError([{"type": "json_invalid", "loc": ("body", name),
                                       "msg": f"field '{name}' is not JSON: {exc}",
                                       "input": None}]) from None


async def _multipart_body(request: Request, store: Any, limit: int) -> dict[str, Any]:
    form = await request.form(max_files=2, max_fields=MAX_PARTS)
    plan_id = form.get("plan")
    if isinstance(plan_id, str) and plan_id:
        if form.get("config") is not None or form.get("data") is not None:
            raise InputError("plan", plan_id, "either plan (a plan job's id) or the config "
                             "and data files, not both")
        _, stored = await run_in_threadpool(service.plan_job, store, plan_id)
        body: dict[str, Any] = {k: stored[k] for k in ("config", "data", "history")
                                if k in stored}
    else:
        body = await plan_parts(form, limit)
    body["scenarios"] = _json_field(form, "scenarios")
    if isinstance(form.get("curve"), str) and form.get("curve"):
        body["curve"] = _json_field(form, "curve")
    include = form.get("include_base")
    if isinstance(include, str) and include:
        body["include_base"] = include.strip().lower() not in ("false", "0", "no")
    extension = form.get("extension")
    if isinstance(extension, str) and extension:
        body["extension"] = extension.strip().lower() in ("true", "1", "yes")
    return body


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=JobPublic,
             responses={**ERRORS, **QUEUE_FULL},
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/json": {"schema": {
                     "$ref": "#/components/schemas/ScenariosCreate"}},
                 "multipart/form-data": {"schema": MULTIPART_SCHEMA}}}})
async def create_scenarios(request: Request, response: Response, _: ApiKeyDep,
                           store: StoreDep, pool: PoolDep,
                           settings: SettingsDep) -> JobPublic:
    """Queue a what-if comparison: one roster solve per scenario (plus the curve's points),
    sharing one forecast. Validated now (422 naming the field, e.g.
    ``scenarios[1].overrides.volume_scale``). The result holds one row per scenario
    (agent-hours, cost, headcount by template, predicted and simulated service level, ASA,
    abandonment, intervals under goal, solver gap) and the curve when asked.

    JSON: a plan (as ``POST /v1/plans``) plus ``scenarios``. Multipart: ``config`` (TOML) and
    ``data`` (CSV) files, or ``plan`` (an earlier plan job's id), with ``scenarios`` as JSON
    text, e.g. ``curl -F config=@data/plan.toml -F data=@data/anonymous_bank_15min.csv -F
    'scenarios=[{"name": "volume +10%", "overrides": {"volume_scale": 1.1}}]'``."""
    if is_multipart(request):
        raw = await _multipart_body(request, store, settings.max_body_bytes)
    else:
        raw = await json_body(request)
    body = validate(ScenariosCreate, raw)
    limit, notes = service.plan_time_limit(body, settings)
    await run_in_threadpool(check_scenarios, body, limit,
                            max_variables=settings.max_model_variables,
                            max_nonzeros=settings.max_model_nonzeros)
    stored = body.model_dump(mode="json", exclude_none=True)
    if settings.dask_scheduler is not None:  # the server's setting, never the client's
        stored[CLUSTER_KEY] = settings.dask_scheduler
    job = await run_in_threadpool(service.enqueue, JobKind.SCENARIOS, stored, limit,
                                  notes, store, pool, settings)
    response.headers["Location"] = f"{BASE}/{job.id}"
    return job_public(job, BASE)


add_job_routes(router, JobRoutes(
    JobKind.SCENARIOS, BASE, "scenarios", "scenarios",
    list_doc="""Scenarios jobs, newest first, one page at a time (``next`` links the
    following page); ``status`` filters (e.g. ``running``).""",
    get_doc="""Status, progress (scenario and stage) and, when done, the comparison.""",
    delete_doc="""Cancel: the running solve is stopped; finished scenarios are kept as the
    result.""",
    files=SCENARIO_FILES))
