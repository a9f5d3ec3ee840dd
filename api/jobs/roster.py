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
                                threads=body.solver.threads, objective=body.solver.objective,
                                min_interval_service_level=body.solver.min_interval_service_level)
        make_horizon(required, config)  # whole local days, one grid
    except InputError as exc:
        raise config_field(exc, body.config.templates) from exc
    return required, config, options


def service_inputs(body: schemas.RosterJobCreate, required: Any, config: Any,
                   options: Any) -> tuple[Any, Any]:
    """(ServiceCurve or None, OverflowLevels or None) of a request: the service objective's
    answered table and the overflow partner's levels, from the rows' ``calls`` and ``aht_s``
    and ``goals``; InputError names ``required[i].calls``, ``goals.*``, ``overflow.*``."""
    import pandas as pd

    partner = None
    if body.overflow is not None:
        from staffing.overflow import OverflowPartner

        partner = OverflowPartner.from_table(body.overflow.table())
    if options.objective != "service" and partner is None:
        return None, None
    _check_service_fields(body, options)

    def column(name: str, default: float) -> pd.Series:
        rows = [r.model_copy(update={"required": getattr(r, name) or default})
                for r in body.required]
        return convert.required_series(rows, body.tz)  # sorted like ``required``

    demand = pd.DataFrame({"calls": column("calls", 0.0), "aht_s": column("aht_s", 1.0)})
    goals = convert.goals(body.goals or schemas.GoalsIn())
    freq = required.index[1] - required.index[0]
    curve = None
    if options.objective == "service":
        from staffing.service_curve import answered_curve

        curve = answered_curve(demand, goals, freq=freq, required=required,
                               interval_floor=options.min_interval_service_level)
    levels = None
    if partner is not None:
        from staffing.overflow import overflow_levels

        days = len(set(required.index.tz_convert(body.tz).date))
        levels = overflow_levels(partner, demand, goals, freq=freq, days=days,
                                 required=required, service=curve,
                                 open_hours=config.open_hours)
    return curve, levels


def check_roster(body: schemas.RosterJobCreate, time_limit_s: float, *,
                 max_variables: int | None, max_nonzeros: int | None) -> dict[str, int]:
    """Validate a roster request and its model size without building it; returns the
    estimated size (``variables``, ``integer_variables``, ``constraints``, ``nonzeros``)."""
    from staffing.roster.build import make_horizon
    from staffing.roster.size import estimate_size

    required, config, options = roster_inputs(body, time_limit_s)
    try:
        size = estimate_size(make_horizon(required, config), config)
    except InputError as exc:
        raise config_field(exc, body.config.templates) from exc
    field = "config.templates"
    if body.overflow is not None or options.objective == "service":
        _check_service_fields(body, options)
    if body.overflow is not None:
        from staffing.overflow import OverflowPartner
        from staffing.overflow import estimate_size as overflow_size

        partner = OverflowPartner.from_table(body.overflow.table())
        if partner is not None:
            peak = max((r.required for r in body.required), default=0.0)
            extra = overflow_size(partner, required.index,
                                  service=options.objective == "service",
                                  k_max=int(1.5 * peak) + 6)
            if extra.nonzeros > size.nonzeros or extra.variables > size.variables:
                field = "overflow.share_step"  # the partner's levels are the bigger part
            size = size + extra
    size.check(max_variables=max_variables, max_nonzeros=max_nonzeros, field=field)
    return size.as_dict()


def _check_service_fields(body: schemas.RosterJobCreate, options: Any) -> None:
    """The cheap part of :func:`service_inputs` at submission: the partner's keys, goals and
    the rows' calls / handle times (the tables are made in the job)."""
    why = "the service objective" if options.objective == "service" else "an overflow partner"
    if body.overflow is not None:
        from staffing.overflow import OverflowPartner

        OverflowPartner.from_table(body.overflow.table())
    convert.goals(body.goals or schemas.GoalsIn())
    for i, row in enumerate(body.required):
        if row.calls is None:
            raise InputError(f"required[{i}].calls", None, f"calls offered (needed by {why})")
        if row.aht_s is None and row.calls > 0:
            raise InputError(f"required[{i}].aht_s", None, f"a handle time (needed by {why})")


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
        service, overflow = service_inputs(body, required, config, options)
        res = solve_roster(required, config, options, progress=ctx.on_solve, cancel=ctx.cancel,
                           service=service, overflow=overflow)
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
