"""What-if scenarios as a job: ``POST /v1/scenarios`` (202), ``GET``/``DELETE
/v1/scenarios/{id}`` and the ``compare.csv`` / ``curve.csv`` / ``scenarios.json`` files.

The body is a plan (as for ``POST /v1/plans``: the plan TOML sections plus the data) and a
list of named scenarios, each a set of overrides of :mod:`staffing.scenario`; optionally a
cost-vs-service curve over service-level targets. The job runs :func:`staffing.scenario.compare`
(forecast once, one roster solve per scenario, results cached by content hash) and
:func:`staffing.scenario.cost_service_curve`. The job's time limit applies to each solve.

The runner of job kind ``"scenarios"`` is registered in :data:`api.jobs.runners.RUNNERS` when
this module is imported (the app imports it).
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Response, status
from pydantic import Field, field_validator
from starlette.concurrency import run_in_threadpool

from api.deps import ApiKeyDep, PoolDep, SessionDep, SettingsDep, StoreDep
from api.jobs import Job, JobKind, JobStatus
from api.jobs.runners import CSV, RUNNERS, JobContext, Outcome, plan_config
from api.routers._common import ERRORS, get_job, job_public
from api.routers.roster_jobs import (
    ERR_404,
    FILE_RESPONSES,
    artifact_response,
    cancel_job,
    enqueue,
    plan_time_limit,
)
from api.schemas import JobPublic, PlanCreate, Problem, _In
from staffing.exceptions import InputError

BASE = "/v1/scenarios"
router = APIRouter(prefix=BASE, tags=["scenarios"])
MAX_SOLVES = 12


ScenarioFile = Literal["compare.csv", "curve.csv", "scenarios.json"]


class ScenarioIn(_In):
    """One what-if: a name and overrides of the base plan (``staffing.scenario``)."""

    name: str = Field(min_length=1, max_length=100)
    overrides: dict[str, Any] = Field(
        default_factory=dict,
        description="volume_scale, volume_by_day, aht_scale, aht_delta_s (s), service_level, "
                    "answer_s (s), asa_s (s), max_occupancy, abandon_rate, patience_s, "
                    "shrinkage, concurrency, max_agents, open_hours, min_staff, templates, "
                    "max_headcount, rules, mip_rel_gap, threads, simulate",
        examples=[{"volume_scale": 1.1}, {"service_level": 0.9, "answer_s": 15}])


class ScenariosCreate(PlanCreate):
    """A plan (``config`` + data, as ``POST /v1/plans``) and the scenarios to compare."""

    scenarios: list[ScenarioIn] = Field(min_length=1, max_length=MAX_SOLVES)
    include_base: bool = Field(True, description="Add the unchanged plan as scenario 'base' "
                               "(unless a scenario has no overrides or is named 'base').")
    curve: list[float] | None = Field(
        None, max_length=MAX_SOLVES,
        description="Service-level targets (fractions) of a cost-vs-service curve")

    @field_validator("scenarios")
    @classmethod
    def _distinct(cls, v: list[ScenarioIn]) -> list[ScenarioIn]:
        names = [s.name for s in v]
        if len(set(names)) != len(names):
            raise ValueError("scenario names must be distinct")
        return v


def _scenarios(body: ScenariosCreate, workdir: Path, limit_s: float) -> tuple[Any, list[Any]]:
    """(base PlanConfig, scenarios); InputError fields are request paths, e.g.
    ``scenarios[1].overrides.volume_scale``."""
    from staffing.scenario import Scenario

    base = plan_config(body, workdir)
    items = []
    for i, spec in enumerate(body.scenarios):
        if "time_limit_s" in spec.overrides:
            raise InputError(f"scenarios[{i}].overrides.time_limit_s",
                             spec.overrides["time_limit_s"],
                             "no per-scenario limit here: use config.solver.time_limit_s")
        try:
            items.append(Scenario(spec.name, base, {**spec.overrides, "time_limit_s": limit_s}))
        except InputError as exc:
            raise InputError(f"scenarios[{i}].{exc.field}", exc.value, exc.expected,
                             exc.where) from exc
    if body.include_base and not any(s.name == "base" or s.overrides.keys() == {"time_limit_s"}
                                     for s in items):
        items.insert(0, Scenario("base", base, {"time_limit_s": limit_s}))
    solves = len(items) + len(body.curve or [])
    if solves > MAX_SOLVES:
        raise InputError("curve", len(body.curve or []),
                         f"at most {MAX_SOLVES} solves in all (scenarios + curve points)")
    for j, t in enumerate(body.curve or []):
        if not 0 < t < 1:
            raise InputError(f"curve[{j}]", t, "a service level in (0, 1)")
    return base, items


def _check(body: ScenariosCreate, limit_s: float) -> None:
    with tempfile.TemporaryDirectory(prefix="staffing-scenarios-check-") as tmp:
        _scenarios(body, Path(tmp), limit_s)


def run_scenarios_job(request: Mapping[str, Any], ctx: JobContext) -> Outcome:
    """Run the scenarios (and curve) of a stored request; compare table as the result."""
    import json

    from staffing.io.export import jsonable
    from staffing.roster import RosterStatus
    from staffing.scenario import compare, cost_service_curve, run_scenario

    body = ScenariosCreate.model_validate(request)
    results = []
    with tempfile.TemporaryDirectory(prefix="staffing-scenarios-") as tmp:
        base, items = _scenarios(body, Path(tmp), ctx.time_limit_s)
        for k, sc in enumerate(items):
            if ctx.cancel.is_set():
                break

            def on_stage(ev: Any, name: str = sc.name, k: int = k) -> None:
                ctx.report({"stage": ev.stage,
                            "detail": f"scenario {k + 1}/{len(items)} {name}: "
                                      f"{ev.kind} {ev.detail}".strip()},
                           force=ev.kind != "progress")

            res = run_scenario(sc, progress=on_stage, cancel=ctx.cancel)
            if res.roster.status is RosterStatus.CANCELLED:
                break
            results.append(res)
        curve = None
        if body.curve and not ctx.cancel.is_set():
            ctx.report({"stage": "curve", "detail": f"{len(body.curve)} targets"}, force=True)
            curve = cost_service_curve(base, body.curve,
                                       overrides={"time_limit_s": ctx.time_limit_s})
    notes = [n for r in results for n in r.plan.notes]
    notes = list(dict.fromkeys(notes))
    if not results:
        return Outcome(JobStatus.CANCELLED, notes=["cancelled before the first scenario"])
    table = compare(results)
    result: dict[str, Any] = {
        "scenarios": jsonable(table.to_dict(orient="records")),
        "hashes": {r.name: r.hash for r in results},
        "curve": jsonable(curve.to_dict(orient="records")) if curve is not None else None,
    }
    artifacts = {
        "compare.csv": (CSV, table.to_csv(index=False).encode()),
        "scenarios.json": ("application/json", json.dumps(
            jsonable([r.summary() for r in results]), indent=1).encode()),
    }
    if curve is not None:
        artifacts["curve.csv"] = (CSV, curve.to_csv(index=False).encode())
    done = len(results) == len(items) and (not body.curve or curve is not None)
    return Outcome(JobStatus.DONE if done else JobStatus.CANCELLED, result=result,
                   artifacts=artifacts, notes=notes)


RUNNERS.setdefault(JobKind.SCENARIOS.value, run_scenarios_job)


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobPublic,
    responses={**ERRORS, 503: {"model": Problem, "description": "Queue full"}},
)
async def create_scenarios(body: ScenariosCreate, response: Response, _: ApiKeyDep,
                           store: StoreDep, pool: PoolDep,
                           settings: SettingsDep) -> JobPublic:
    """Queue a what-if comparison: one roster solve per scenario (plus the curve's points),
    sharing one forecast. Validated now (422 naming the field, e.g.
    ``scenarios[1].overrides.volume_scale``). The result holds one row per scenario
    (agent-hours, cost, headcount by template, predicted and simulated service level, ASA,
    abandonment, intervals under goal, solver gap) and the curve when asked."""
    limit, notes = plan_time_limit(body, settings)
    await run_in_threadpool(_check, body, limit)
    return await run_in_threadpool(enqueue, JobKind.SCENARIOS,
                                   body.model_dump(mode="json", exclude_none=True), limit,
                                   notes, store, pool, settings, response, BASE)


def _job(session: SessionDep, job_id: str) -> Job:
    return get_job(session, job_id, JobKind.SCENARIOS)


@router.get("/{job_id}", response_model=JobPublic, responses=ERR_404)
def get_scenarios(job_id: str, session: SessionDep) -> JobPublic:
    """Status, progress (scenario and stage) and, when done, the comparison."""
    return job_public(_job(session, job_id), BASE)


@router.delete("/{job_id}", response_model=JobPublic,
               responses={**ERR_404, 409: {"model": Problem, "description": "Already finished"},
                          401: ERRORS[401]})
def delete_scenarios(job_id: str, _: ApiKeyDep, store: StoreDep,
                     pool: PoolDep) -> JobPublic:
    """Cancel: the running solve is interrupted; finished scenarios are kept as the result."""
    return cancel_job(job_id, JobKind.SCENARIOS, store, pool, BASE)


@router.get("/{job_id}/files/{name}", response_class=Response, responses=FILE_RESPONSES)
def get_scenarios_file(job_id: str, name: ScenarioFile, session: SessionDep,
                       store: StoreDep) -> Response:
    """``compare.csv`` (one row per scenario), ``curve.csv``, ``scenarios.json``."""
    return artifact_response(_job(session, job_id), name, store)
