"""Named-agent schedule jobs (``staffing.agents.schedule_agents``) for a request.

Submission (:func:`check_agents`) parses everything in memory (no file is written or opened):
the plan sections (``config``: site grid, templates, solver), the contracts (``contracts``),
the agents CSV, the horizon (a requirements CSV, or the plan's week when ``data`` is given to
forecast), the optional previous/published schedules, and estimates the model's size
(:func:`staffing.agents.size.estimate_agents_size`) against the server's caps. Errors name the
request part and the agent, e.g. ``agents.A02.availability`` at ``line 3 of agents.csv``.
The job (:func:`run_agents`) forecasts when asked, solves, places the activities and keeps the
output files.
"""

from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from api import convert
from api.jobs.context import Cancelled, JobContext, Outcome, media_type
from api.jobs.models import JobStatus
from api.schemas import AgentsCreate, CsvText, PlanCreate, PlanData
from staffing.exceptions import InputError

MAX_DAYS = 42
#: Output files of an agents job (the per-agent ICS files travel in the zip).
AGENT_FILES = ("agent_shifts.csv", "agent_schedule.xlsx", "agent_calendars.zip",
               "agent_summary.csv", "agent_summary.json", "penalties.txt",
               "agent_coverage.csv", "agent_changes.csv", "agent_skill_coverage.csv")


@dataclass
class AgentsInputs:
    """A validated request: everything :func:`staffing.agents.schedule_agents` needs except
    the requirement when it is to be forecast (``plan`` is then the PlanConfig)."""

    tz: str
    index: pd.DatetimeIndex
    required: pd.Series | pd.DataFrame | None
    templates: Any
    setup: Any
    agents: list[Any]
    previous: pd.DataFrame | None
    published: pd.DataFrame | None
    mip_rel_gap: float
    threads: int | None
    plan: Any = None


def _prefixed(exc: InputError, prefix: str) -> InputError:
    field = exc.field if exc.field == prefix or exc.field.startswith(f"{prefix}.") \
        else f"{prefix}.{exc.field}"
    return InputError(field, exc.value, exc.expected, exc.where)


def _site_config(cfg: Mapping[str, Any]) -> tuple[Any, Any, Any]:
    """(IntervalGrid, RosterConfig, roster SolverOptions) of the plan sections this job uses
    (others are ignored when the requirement is given)."""
    from staffing._validate import only_keys
    from staffing.grid import IntervalGrid
    from staffing.roster import RosterConfig, SolverOptions

    site = cfg.get("site")
    if not isinstance(site, Mapping) or "tz" not in site:
        raise InputError("site.tz", None, "an IANA time zone such as 'Asia/Jerusalem' "
                         "(required)")
    only_keys(site, "site", {"tz", "interval"})
    try:
        grid = IntervalGrid.of(site["tz"], site.get("interval", "15min"))
    except InputError as exc:
        raise _prefixed(exc, "site") from exc
    if "templates" not in cfg:
        raise InputError("templates", None, "at least one [[templates]] table (required)")
    roster = RosterConfig.from_dict({k: cfg[k] for k in ("templates", "rules", "penalties",
                                                         "open_hours") if k in cfg})
    solver_raw = cfg.get("solver", {})
    if not isinstance(solver_raw, Mapping):
        raise InputError("solver", solver_raw, "a table")
    only_keys(solver_raw, "solver", {"time_limit_s", "mip_rel_gap", "threads", "objective",
                                     "min_interval_service_level"})
    try:
        solver = SolverOptions(**dict(solver_raw))
    except InputError as exc:
        raise _prefixed(exc, "solver") from exc
    return grid, roster, solver


def requirement_series(part: CsvText, tz: str, freq: pd.Timedelta
                       ) -> pd.Series | pd.DataFrame:
    """``agents_required`` per interval of an uploaded requirements CSV: whole local days on
    the site grid, 1 to 42 days, numbers >= 0. With a ``skill`` (or ``queue``) column, one
    row per interval and skill: a frame with one column per skill (a requirement per skill).
    Errors name ``requirements.<column>`` and the line of the uploaded file."""
    import numpy as np

    from staffing.agents.skill_cover import pivot_skills, skill_column
    from staffing.io.timestamps import parse_timestamps

    src = part.filename
    try:
        raw = pd.read_csv(io.StringIO(part.csv), dtype=str, keep_default_na=False,
                          skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeError) as exc:
        raise InputError("requirements", "unparseable CSV", f"a CSV file ({exc})", src) from exc
    raw.columns = [str(c).strip() for c in raw.columns]
    for col in ("interval_start", "agents_required"):
        if col not in raw.columns:
            raise InputError(f"requirements.{col}", list(raw.columns)[:20],
                             f"a '{col}' column", src)
    if len(raw) < 2:
        raise InputError("requirements", f"{len(raw)} rows", "at least two intervals", src)
    convert.check_years(list(raw["interval_start"].astype(str)), "requirements")
    try:
        idx = parse_timestamps(raw["interval_start"].astype(str), tz=tz,
                               field="requirements.interval_start", source=src)
    except InputError as exc:
        raise _prefixed(exc, "requirements") from exc
    values = pd.to_numeric(raw["agents_required"], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (values < 0) | (values > 100_000)
    if bad.any():
        i = int(bad.argmax())
        raise InputError("requirements.agents_required", raw["agents_required"].iloc[i],
                         "agents >= 0 (at most 100000)", f"line {i + 2} of {src}")
    skill_col = skill_column(list(raw.columns), field="requirements")
    wide = None
    if skill_col is not None:
        wide = pivot_skills(pd.DatetimeIndex(idx), raw[skill_col].tolist(), values,
                            field=f"requirements.{skill_col}", source=src)
        idx = pd.DatetimeIndex(wide.index)
    steps = idx[1:] - idx[:-1]
    if (steps != freq).any():
        i = int((steps != freq).argmax()) + 1
        shown = raw["interval_start"].iloc[i] if wide is None else idx[i].isoformat()
        where = f"line {i + 2} of {src}" if wide is None else src
        raise InputError("requirements.interval_start", shown,
                         f"consecutive intervals of the site grid ({freq})", where)
    first, end = idx[0], idx[-1] + freq
    if first != first.normalize() or end != end.normalize():
        raise InputError("requirements.interval_start", raw["interval_start"].iloc[0],
                         "whole local days (the first interval at midnight, the last ending "
                         "at midnight)", src)
    days = len({t.date() for t in idx})
    if not 1 <= days <= MAX_DAYS:
        raise InputError("requirements", f"{days} days", f"1 to {MAX_DAYS} days", src)
    if wide is not None:
        return wide
    return pd.Series(values, index=pd.DatetimeIndex(idx, name="interval_start"))


def _shifts(part: CsvText | None, tz: str, name: str) -> pd.DataFrame | None:
    from staffing.agents.read import parse_published

    if part is None:
        return None
    return parse_published(part.csv, tz, source=part.filename, field=name)


def agents_inputs(body: AgentsCreate) -> AgentsInputs:
    """Validate a request; InputError fields are request paths (``config.templates...``,
    ``contracts.contracts.full_time.min_week_hours``, ``agents.A02.availability``,
    ``requirements.agents_required``, ``previous.start``)."""
    from staffing.agents.read import parse_agents, setup_from_dict

    if (body.requirements is None) == (body.data is None):
        raise InputError("requirements", None, "exactly one of 'requirements' (CSV) or "
                         "'data' (history or call log CSV, to forecast the plan's week)")
    if body.cyclic and body.previous is not None:
        raise InputError("cyclic", True, "false when a previous schedule is given (a "
                         "rotation has no previous week)")
    plan = None
    if body.data is not None:
        from api.jobs.plan import plan_config

        plan = plan_config(PlanCreate(config=body.config,
                                      data=PlanData(filename=body.data.filename,
                                                    csv=body.data.csv)))
        tz, freq, templates = plan.tz, plan.freq, plan.roster.templates
        solver = plan.solver
        index = plan.index
        required = None
    else:
        try:
            grid, roster, solver = _site_config(body.config)
        except InputError as exc:
            raise _prefixed(exc, "config") from exc
        tz, freq, templates = grid.tz, grid.freq, roster.templates
        assert body.requirements is not None
        required = requirement_series(body.requirements, str(tz), pd.Timedelta(freq))
        index = pd.DatetimeIndex(required.index)
    tz = str(tz)
    fmin = int(pd.Timedelta(freq).total_seconds() // 60)
    try:
        setup = setup_from_dict(body.contracts)
    except InputError as exc:
        raise _prefixed(exc, "contracts") from exc
    for act in setup.activities:
        if act.duration_min % fmin:
            raise InputError(f"contracts.activities.{act.name}.duration_min", act.duration_min,
                             f"a multiple of the {fmin}-minute grid")
    names = tuple(t.name for t in templates)
    try:
        people = parse_agents(body.agents.csv, setup.contracts, names,
                              source=body.agents.filename)
    except InputError as exc:
        if exc.field.startswith("contracts."):
            raise _prefixed(exc, "contracts") from exc
        raise _prefixed(exc, "agents") from exc
    return AgentsInputs(tz=tz, index=index, required=required, templates=templates,
                        setup=setup, agents=people,
                        previous=_shifts(body.previous, tz, "previous"),
                        published=_shifts(body.published, tz, "published"),
                        mip_rel_gap=float(solver.mip_rel_gap), threads=solver.threads,
                        plan=plan)


def check_agents(body: AgentsCreate, *, max_variables: int | None,
                 max_nonzeros: int | None) -> dict[str, int]:
    """Validate a request now and refuse a model over the caps (estimated, not built);
    returns the estimated size."""
    from staffing.agents.size import estimate_agents_size

    inp = agents_inputs(body)
    size = estimate_agents_size(inp.index, inp.templates, inp.agents)
    size.check(max_variables=max_variables, max_nonzeros=max_nonzeros, field="agents")
    return size.as_dict()


def run_agents(request: Mapping[str, Any], ctx: JobContext) -> Outcome:
    """Forecast (with ``data``), schedule the agents, place the activities, keep the files."""
    from staffing.agents.activities import place_activities
    from staffing.agents.export import write_agent_files
    from staffing.agents.schedule import schedule_agents
    from staffing.agents.solve import AgentSolverOptions
    from staffing.io.export import jsonable
    from staffing.roster import RosterStatus

    body = AgentsCreate.model_validate(request)
    inp = agents_inputs(body)
    notes: list[str] = []
    required = inp.required
    if required is None:
        from staffing.pipeline import prepare

        ctx.report({"stage": "forecast", "detail": "forecasting the plan's week"}, force=True)
        prep = prepare(inp.plan)
        notes.extend(prep.notes)
        required = prep.requirements["agents_required"].astype(float)
    if ctx.cancel.is_set():
        raise Cancelled
    ctx.report({"stage": "agents", "detail": f"scheduling {len(inp.agents)} agents"},
               force=True)
    opts = AgentSolverOptions(time_limit_s=float(ctx.time_limit_s),
                              mip_rel_gap=inp.mip_rel_gap, threads=inp.threads)
    result = schedule_agents(required, inp.templates, inp.agents,
                             penalties=inp.setup.penalties, options=opts,
                             previous=inp.previous, published=inp.published,
                             weekend_days=inp.setup.weekend_days, cyclic=body.cyclic)
    if inp.setup.activities:
        ctx.report({"stage": "activities", "detail": "placing activities"}, force=True)
        result = place_activities(
            result, inp.setup.activities, penalties=inp.setup.penalties,
            options=AgentSolverOptions(time_limit_s=max(0.25 * float(ctx.time_limit_s), 5.0),
                                       mip_rel_gap=1e-4, threads=inp.threads))
    summary = jsonable(result.summary())
    report = result.penalty_report()
    summary["penalties"] = report[:500]
    summary["tz"] = inp.tz  # the site's zone, to show the shifts' local times
    ctx.report({"incumbent": summary["objective"], "bound": summary["bound"],
                "gap": summary["gap"], "detail": result.status.value}, force=True)
    with tempfile.TemporaryDirectory(prefix="staffing-agents-") as tmp:
        paths = write_agent_files(result, Path(tmp))
        artifacts = {name: (media_type(name), Path(paths[name]).read_bytes())
                     for name in AGENT_FILES if name in paths}
    notes.extend(result.notes)
    if result.status is RosterStatus.ERROR:
        return Outcome(JobStatus.FAILED, result=summary, notes=notes,
                       error=("solver error", None))
    status = JobStatus.CANCELLED if result.status is RosterStatus.CANCELLED else JobStatus.DONE
    return Outcome(status, result=json.loads(json.dumps(summary)), artifacts=artifacts,
                   notes=notes)
