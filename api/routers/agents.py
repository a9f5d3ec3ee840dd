"""Schedules for named agents as jobs: ``POST /v1/agents`` (multipart files or JSON),
``GET``/``DELETE /v1/agents/{id}`` and the output files of a finished job."""

from __future__ import annotations

import tomllib
from typing import Any

from fastapi import APIRouter, Request, Response, status
from fastapi.exceptions import RequestValidationError
from starlette.concurrency import run_in_threadpool

from api.deps import ApiKeyDep, PoolDep, SettingsDep, StoreDep
from api.jobs import JobKind, service
from api.jobs.agents import check_agents
from api.routers._common import (
    ERRORS,
    QUEUE_FULL,
    StrictJSONRoute,
    is_multipart,
    job_public,
    json_body,
    read_upload,
    validate,
)
from api.routers._job_routes import JobFiles, JobRoutes, add_job_routes
from api.schemas import AgentsCreate, JobPublic
from staffing.io.export import jsonable

BASE = "/v1/agents"
router = APIRouter(prefix=BASE, tags=["agents"], route_class=StrictJSONRoute)

AGENT_FILES = JobFiles(
    ("agent_shifts.csv", "agent_schedule.xlsx", "agent_calendars.zip", "agent_summary.csv",
     "agent_summary.json", "penalties.txt", "agent_coverage.csv", "agent_changes.csv",
     "agent_skill_coverage.csv"),
    {"text/csv": "agent_shifts.csv (agent, name, date, start, end, template, breaks, "
                 "paid_hours, skills, activities), agent_summary.csv (per agent: shifts, paid "
                 "hours, hours per week, weekends, day-off wishes granted, penalty), "
                 "agent_coverage.csv (interval_start, required, scheduled, under, over), "
                 "agent_changes.csv (re-plan: agent, name, date, published, new), "
                 "agent_skill_coverage.csv (requirement per skill: interval_start, skill, "
                 "required, served, under)",
     "application/json": "agent_summary.json (status, objective, bound, gap, seconds)",
     "text/plain": "penalties.txt (one line per agent and soft rule)",
     "application/zip": "agent_calendars.zip (one ICS file per agent)",
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
         "agent_schedule.xlsx (agent x day grid with hours per week; shifts, summary, "
         "penalties, coverage sheets)"},
    """A file of a finished job: ``agent_shifts.csv``, ``agent_schedule.xlsx``,
    ``agent_calendars.zip`` (one ICS per agent), ``agent_summary.csv``,
    ``agent_summary.json``, ``penalties.txt``, ``agent_coverage.csv``, when re-planning
    ``agent_changes.csv`` and, with a requirement per skill, ``agent_skill_coverage.csv``.""")

FILE_PARTS = ("config", "contracts", "agents", "requirements", "data", "previous", "published")
TOML_PARTS = ("config", "contracts")
MAX_PARTS = len(FILE_PARTS) + 1

MULTIPART_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["config", "contracts", "agents"],
    "additionalProperties": False,
    "maxProperties": MAX_PARTS,
    "description": "Files: 'config', 'contracts', 'agents', and exactly one of "
                   "'requirements' or 'data'; optional 'previous', 'published'; field "
                   "'cyclic' (true/false).",
    "properties": {
        "config": {"type": "string", "format": "binary",
                   "description": "Plan TOML (data/plan.toml layout: [site], [[templates]], "
                                  "[solver]; [data] path is ignored)"},
        "contracts": {"type": "string", "format": "binary",
                      "description": "Contracts TOML (data/agents_contracts.toml layout)"},
        "agents": {"type": "string", "format": "binary",
                   "description": "Agents CSV, one row per person (data/agents.csv layout)"},
        "requirements": {"type": "string", "format": "binary",
                         "description": "requirements.csv: interval_start, agents_required "
                                        "(whole local days, 1-42 days)"},
        "data": {"type": "string", "format": "binary",
                 "description": "History or call log CSV: forecast the plan's week instead"},
        "previous": {"type": "string", "format": "binary",
                     "description": "agent_shifts.csv before the horizon (continue it)"},
        "published": {"type": "string", "format": "binary",
                      "description": "agent_shifts.csv of this horizon (re-plan, few changes)"},
        "cyclic": {"type": "boolean", "description": "Plan a rotation"},
    },
}


def _toml(text: str, part: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RequestValidationError([{"type": "value_error", "loc": ("body", part),
                                       "msg": f"invalid TOML: {exc}", "input": None}]
                                     ) from None


async def _multipart(request: Request, limit: int) -> AgentsCreate:
    form = await request.form(max_files=len(FILE_PARTS), max_fields=MAX_PARTS)
    unknown = [k for k in form if k not in (*FILE_PARTS, "cyclic")]
    if unknown:
        raise RequestValidationError([{"type": "extra_forbidden", "loc": ("body", unknown[0]),
                                       "msg": f"unknown part; expected among "
                                              f"{[*FILE_PARTS, 'cyclic']}", "input": None}])
    body: dict[str, Any] = {}
    for part in FILE_PARTS:
        if part not in form and part not in ("config", "contracts", "agents"):
            continue
        text = await read_upload(form, part, limit)
        if part in TOML_PARTS:
            table = _toml(text, part)
            data_section = table.get("data")
            if part == "config" and isinstance(data_section, dict):
                data_section.pop("path", None)  # the uploaded data replaces [data] path
            body[part] = jsonable(table)
        else:
            upload = form.get(part)
            name = getattr(upload, "filename", None) or f"{part}.csv"
            body[part] = {"filename": str(name)[:100], "csv": text}
    cyclic = form.get("cyclic")
    if cyclic is not None:
        body["cyclic"] = str(cyclic).strip().lower()
    return validate(AgentsCreate, body)


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobPublic,
    responses={**ERRORS, **QUEUE_FULL},
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/AgentsCreate"}},
        "multipart/form-data": {"schema": MULTIPART_SCHEMA},
    }}},
)
async def create_agents_job(request: Request, response: Response, _: ApiKeyDep,
                            store: StoreDep, pool: PoolDep, settings: SettingsDep) -> JobPublic:
    """Queue a schedule for named agents (contracts, availability, time off, wishes,
    fairness; ``staffing.agents.schedule_agents``).

    Multipart, e.g. ``curl -F config=@data/plan.toml -F contracts=@data/agents_contracts.toml
    -F agents=@data/agents.csv -F requirements=@out/plan/requirements.csv``; or JSON
    (:class:`AgentsCreate`: the TOML files as JSON tables, the CSV files as ``{"filename",
    "csv"}``). Everything is validated now (422 naming the part, the agent and the field,
    e.g. ``agents.A02.availability`` at ``line 3 of agents.csv``), and the model's size is
    estimated (not built): over the server's ``STAFFING_MAX_MODEL_VARIABLES`` /
    ``STAFFING_MAX_MODEL_NONZEROS`` it is a 422 on ``agents``. The time limit is
    ``[solver] time_limit_s`` (capped by the server). Poll ``Location``; the files are at
    ``/v1/agents/{id}/files/{name}``.
    """
    if is_multipart(request):
        body = await _multipart(request, settings.max_body_bytes)
    else:
        body = validate(AgentsCreate, await json_body(request))
    limit, notes = service.plan_time_limit(body, settings)
    await run_in_threadpool(check_agents, body, max_variables=settings.max_model_variables,
                            max_nonzeros=settings.max_model_nonzeros)
    job = await run_in_threadpool(service.enqueue, JobKind.AGENTS,
                                  body.model_dump(mode="json", exclude_none=True), limit,
                                  notes, store, pool, settings)
    response.headers["Location"] = f"{BASE}/{job.id}"
    return job_public(job, BASE)


add_job_routes(router, JobRoutes(
    JobKind.AGENTS, BASE, "agents_job", "agents_jobs",
    list_doc="""Agents jobs, newest first, one page at a time (``next`` links the following
    page); ``status`` filters (e.g. ``running``).""",
    get_doc="""Status, progress and, when finished, the summary (status, objective, proven
    bound, gap, build_s, solve_s, agents, shifts, under_agent_intervals, changes, the penalty
    report lines in ``penalties``, notes).""",
    delete_doc="""Cancel a queued job at once, or a running one within a second.""",
    files=AGENT_FILES))
