"""Roster jobs: validate a request (grid, rules, model size) and run the solve.

Submission (:func:`check_roster`) validates everything and estimates the model's size with
:func:`staffing.roster.size.estimate_size` (arithmetic only: the model is *not* built in the
request); a model over the server's caps is refused with a 422 naming the cause. The build and
the solve run in the job (:func:`run_roster`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from api import convert, schemas
from api.jobs.context import CSV, JobContext, Outcome
from api.jobs.models import JobStatus
from staffing.exceptions import InputError

_CONFIG_SECTIONS = ("templates", "rules", "penalties", "open_hours")


def config_field(exc: InputError, templates: list[Any] | None = None) -> InputError:
    """Roster config errors named by their request path: ``config.templates.<name>.<key>``
    (break-rule errors, which the library reports as ``breaks.<key>``, get their template)."""
    field = exc.field
    if field.startswith("breaks.") and templates:
        field = f"templates.{_template_of_break(templates)}.{field}"
    if field.split(".")[0].split("[")[0] in _CONFIG_SECTIONS:
        return InputError(f"config.{field}", exc.value, exc.expected, exc.where)
    return exc


def _template_of_break(templates: list[Any]) -> str:
    """Name of the first template with a break rule the library rejects."""
    from staffing.roster import BreakRule

    for t in templates:
        for b in t.breaks:
            try:
                BreakRule(**b.model_dump())
            except (InputError, TypeError):
                return str(t.name)
    return str(templates[0].name)


def roster_inputs(body: schemas.RosterJobCreate, time_limit_s: float) -> tuple[Any, Any, Any]:
    """(required series, RosterConfig, SolverOptions), validated; raises InputError."""
    from staffing.roster import RosterConfig, SolverOptions
    from staffing.roster.build import make_horizon

    required = convert.required_series(body.required, body.tz)
    try:
        config = RosterConfig.from_dict(convert.roster_config_dict(body.config))
        options = SolverOptions(time_limit_s=float(time_limit_s),
                                mip_rel_gap=body.solver.mip_rel_gap,
                                threads=body.solver.threads)
        make_horizon(required, config)  # whole local days, one grid
    except InputError as exc:
        raise config_field(exc, body.config.templates) from exc
    return required, config, options


def check_roster(body: schemas.RosterJobCreate, time_limit_s: float, *,
                 max_variables: int | None, max_nonzeros: int | None) -> dict[str, int]:
    """Validate a roster request and its model size without building it; returns the
    estimated size (``variables``, ``integer_variables``, ``constraints``, ``nonzeros``)."""
    from staffing.roster.build import make_horizon
    from staffing.roster.size import estimate_size

    required, config, _ = roster_inputs(body, time_limit_s)
    try:
        size = estimate_size(make_horizon(required, config), config)
    except InputError as exc:
        raise config_field(exc, body.config.templates) from exc
    size.check(max_variables=max_variables, max_nonzeros=max_nonzeros)
    return size.as_dict()


def roster_artifacts(res: Any) -> dict[str, tuple[str, bytes]]:
    """``coverage.csv``, ``shifts.csv`` and ``tours.csv`` of a roster result."""
    from staffing.io import export
    from staffing.pipeline import coverage_frame

    out = {
        "coverage.csv": (CSV, convert.csv_bytes(export.write_coverage_csv,
                                                coverage_frame(res, None))),
        "shifts.csv": (CSV, convert.csv_bytes(export.write_shifts_csv, res.shifts)),
    }
    if len(res.tours.columns):
        out["tours.csv"] = (CSV, convert.csv_bytes(export.write_csv, res.tours))
    return out


def run_roster(request: Mapping[str, Any], ctx: JobContext) -> Outcome:
    """Build and solve a roster job with ``staffing.roster.solve_roster``."""
    from staffing.roster import RosterStatus, solve_roster

    body = schemas.RosterJobCreate.model_validate(request)
    required, config, options = roster_inputs(body, ctx.time_limit_s)
    ctx.report({"detail": "building model"}, force=True)
    try:
        res = solve_roster(required, config, options, progress=ctx.on_solve, cancel=ctx.cancel)
    except InputError as exc:
        raise config_field(exc, body.config.templates) from exc
    summary = res.summary()
    ctx.report({"incumbent": summary["objective"], "bound": summary["bound"],
                "gap": summary["gap"], "detail": res.status.value}, force=True)
    notes = list(res.notes)
    if res.status is RosterStatus.ERROR:
        return Outcome(JobStatus.FAILED, result=summary, notes=notes,
                       error=(f"solver error ({res.solver_status})", None))
    status = JobStatus.CANCELLED if res.status is RosterStatus.CANCELLED else JobStatus.DONE
    return Outcome(status, result=summary, artifacts=roster_artifacts(res), notes=notes)
