"""Scenario jobs: what-if overrides of a plan compared (``staffing.scenario``).

The job runs one roster solve per scenario (forecast shared, results cached by content hash)
and optionally a cost-vs-service curve; the job's time limit applies to each solve.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from api.jobs.context import CSV, JobContext, Outcome
from api.jobs.models import JobStatus
from api.jobs.plan import check_plan_size, plan_config
from api.jobs.sites import CLUSTER_KEY
from api.schemas import MAX_SCENARIO_SOLVES, ScenariosCreate
from staffing.exceptions import InputError
from staffing.io.export import safe_frame


def scenarios_of(body: ScenariosCreate, limit_s: float) -> tuple[Any, list[Any]]:
    """(base PlanConfig, scenarios); InputError fields are request paths, e.g.
    ``scenarios[1].overrides.volume_scale``."""
    from staffing.scenario import Scenario

    base = plan_config(body)
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
    if body.extension:
        from staffing.scenario.extension import NAMES, extension_scenarios

        clash = [n for n in NAMES if n in {s.name for s in items}]
        if clash:
            raise InputError("scenarios", clash, f"names other than {list(NAMES)} (the "
                             f"extension's scenarios)")
        try:
            items.extend(extension_scenarios(base, overrides={"time_limit_s": limit_s}))
        except InputError as exc:
            fld = exc.field if exc.field.startswith("config") else f"config.{exc.field}"
            raise InputError(fld, exc.value, exc.expected, exc.where) from exc
    elif body.include_base and not any(s.name == "base"
                                       or s.overrides.keys() == {"time_limit_s"}
                                       for s in items):
        items.insert(0, Scenario("base", base, {"time_limit_s": limit_s}))
    solves = len(items) + len(body.curve or [])
    if solves > MAX_SCENARIO_SOLVES:
        raise InputError("curve", len(body.curve or []),
                         f"at most {MAX_SCENARIO_SOLVES} solves in all (scenarios + curve "
                         f"points)")
    for j, t in enumerate(body.curve or []):
        if not 0 < t < 1:
            raise InputError(f"curve[{j}]", t, "a service level in (0, 1)")
    return base, items


def solves_of(body: ScenariosCreate) -> int:
    """Roster solves the job runs (scenarios, the base, curve points)."""
    return (len(body.scenarios) + (3 if body.extension else int(body.include_base))
            + len(body.curve or []))


def check_scenarios(body: ScenariosCreate, limit_s: float, *, max_variables: int | None,
                    max_nonzeros: int | None) -> None:
    """Validate now: the plan, its data, every scenario's overrides, the base model's size."""
    _, items = scenarios_of(body, limit_s)
    names = [s.name for s in body.scenarios]
    for sc in items:
        field = f"scenarios[{names.index(sc.name)}]" if sc.name in names else "config.templates"
        check_plan_size(sc.config, max_variables=max_variables, max_nonzeros=max_nonzeros,
                        field=field)


def run_scenarios(request: Mapping[str, Any], ctx: JobContext) -> Outcome:
    """Run the scenarios (and curve) of a stored request; compare table as the result."""
    from staffing.io.export import jsonable
    from staffing.roster import RosterStatus
    from staffing.scenario import compare, cost_service_curve, run_scenario

    req = dict(request)
    scheduler = req.pop(CLUSTER_KEY, None)
    body = ScenariosCreate.model_validate(req)
    results = []
    base, items = scenarios_of(body, ctx.time_limit_s)
    if scheduler is not None:
        return run_scenarios_on_cluster(str(scheduler), body, base, items, ctx)
    for k, sc in enumerate(items):
        if ctx.cancel.is_set():
            break

        def on_stage(ev: Any, name: str = sc.name, k: int = k) -> None:
            info: dict[str, Any] = {
                "stage": f"scenario {k + 1}/{len(items)} {ev.stage}",
                "detail": f"{name}: {ev.kind} {ev.detail}".strip()}
            solver = getattr(ev, "solver", None)
            if solver is not None:
                info.update(incumbent=solver.objective, bound=solver.bound, gap=solver.gap)
            ctx.report(info, force=ev.kind != "progress")

        res = run_scenario(sc, progress=on_stage, cancel=ctx.cancel)
        if res.roster.status is RosterStatus.CANCELLED:
            break
        results.append(res)
    curve = None
    if body.curve and not ctx.cancel.is_set():
        ctx.report({"stage": "curve", "detail": f"{len(body.curve)} targets"}, force=True)
        curve = cost_service_curve(base, body.curve,
                                   overrides={"time_limit_s": ctx.time_limit_s})
    notes = list(dict.fromkeys(n for r in results for n in r.plan.notes))
    if not results:
        return Outcome(JobStatus.CANCELLED, notes=["cancelled before the first scenario"])
    table = compare(results)
    result: dict[str, Any] = {
        "scenarios": jsonable(table.to_dict(orient="records")),
        "hashes": {r.name: r.hash for r in results},
        "curve": jsonable(curve.to_dict(orient="records")) if curve is not None else None,
    }
    artifacts = {
        "compare.csv": (CSV, safe_frame(table).to_csv(index=False).encode()),
        "scenarios.json": ("application/json", json.dumps(
            jsonable([r.summary() for r in results]), indent=1).encode()),
    }
    if curve is not None:
        artifacts["curve.csv"] = (CSV, safe_frame(curve).to_csv(index=False).encode())
    if body.extension:
        _extension_outputs(results, result, artifacts)
    done = len(results) == len(items) and (not body.curve or curve is not None)
    return Outcome(JobStatus.DONE if done else JobStatus.CANCELLED, result=result,
                   artifacts=artifacts, notes=notes)


def _extension_outputs(results: list[Any], result: dict[str, Any],
                       artifacts: dict[str, tuple[str, bytes]]) -> None:
    """The extended-hours-vs-outsourcing table and per-day service (result and files)."""
    from staffing.io.export import jsonable
    from staffing.scenario.extension import NAMES, extension_days, extension_table

    ext = [r for r in results if r.name in NAMES]
    if not ext:
        return
    table, days = extension_table(ext), extension_days(ext)
    days_out = days.reset_index()
    days_out["date"] = days_out["date"].astype(str)
    result["extension"] = jsonable(table.to_dict(orient="records"))
    result["extension_days"] = jsonable(days_out.to_dict(orient="records"))
    artifacts["extension.csv"] = (CSV, safe_frame(table).to_csv(index=False).encode())
    artifacts["extension_days.csv"] = (CSV, safe_frame(days_out).to_csv(index=False).encode())


def run_scenarios_on_cluster(scheduler: str, body: ScenariosCreate, base: Any,
                             items: list[Any], ctx: JobContext) -> Outcome:
    """The scenarios and curve points as tasks on the Dask scheduler of the server's
    ``STAFFING_DASK_SCHEDULER`` setting (``staffing.sites.sweep``): the base plan and its
    data are sent once, each worker solves on one thread, a scenario that fails is a row with
    its reason while the others finish; the job store keeps the result as for a local run."""
    from staffing.io.export import jsonable
    from staffing.scenario import Scenario, cost_service_curve
    from staffing.scenario.comparison import comparison_table
    from staffing.sites.cluster import open_client
    from staffing.sites.sweep import cluster_runner, in_memory, run_scenarios_on

    base = in_memory(base)
    items = [Scenario(s.name, base, dict(s.overrides)) for s in items]

    def on_progress(p: Any) -> None:
        ctx.report({"stage": f"scenarios {p.done}/{p.total} on the cluster",
                    "detail": f"running {p.running}, failed {p.failed}"},
                   force=p.last is not None)

    curve = None
    with open_client(scheduler) as client:
        rows = run_scenarios_on(client, items, progress=on_progress, cancel=ctx.cancel)
        if body.curve and not ctx.cancel.is_set():
            ctx.report({"stage": "curve", "detail": f"{len(body.curve)} targets"}, force=True)
            curve = cost_service_curve(base, body.curve,
                                       overrides={"time_limit_s": ctx.time_limit_s},
                                       run=cluster_runner(client))
    if ctx.cancel.is_set() and not any(r.ok for r in rows):
        return Outcome(JobStatus.CANCELLED, notes=["cancelled before the first scenario"])
    table = comparison_table([r.row() for r in rows])
    result: dict[str, Any] = {
        "scenarios": jsonable(table.to_dict(orient="records")),
        "hashes": {r.name: r.summary.get("hash") for r in rows if r.summary},
        "curve": jsonable(curve.to_dict(orient="records")) if curve is not None else None,
    }
    artifacts = {
        "compare.csv": (CSV, safe_frame(table).to_csv(index=False).encode()),
        "scenarios.json": ("application/json", json.dumps(
            jsonable([r.summary for r in rows if r.summary]), indent=1).encode()),
    }
    if curve is not None:
        artifacts["curve.csv"] = (CSV, safe_frame(curve).to_csv(index=False).encode())
    notes = [f"{r.name}: {r.status}: {r.reason}" for r in rows if not r.ok]
    status = JobStatus.CANCELLED if ctx.cancel.is_set() else JobStatus.DONE
    return Outcome(status, result=result, artifacts=artifacts, notes=notes)
