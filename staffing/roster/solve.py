"""Solve the roster model with HiGHS: time limit, progress, cancellation, status.

How the solver is reached
-------------------------
The model is a Pyomo ``ConcreteModel`` (:mod:`staffing.roster.build`). The one adapter,
:mod:`staffing.roster.highs`, compiles it with Pyomo's public ``LinearStandardFormCompiler``
and loads it into ``highspy.Highs`` with ``passModel``; no private attribute of Pyomo or highspy
is used. Options are set on that object (``time_limit``, ``mip_rel_gap``, ``threads`` and
anything in ``SolverOptions.extra``), and:

- the build counts against ``time_limit_s``: HiGHS gets what is left of it;
- ``cancel`` (a ``threading.Event``) is checked between build steps and constraint families, and
  during the run every 20 ms by the calling thread; HiGHS's interrupt callbacks stop it at
  their next check, and if HiGHS is inside a phase without checks (presolve, root LP, a
  sub-MIP) the call still returns within ~0.3 s with ``CANCELLED`` and the best incumbent seen;
- ``progress`` gets each new incumbent and, at most every 0.5 s, the current bound.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from staffing.exceptions import InputError
from staffing.roster.build import BuildCancelled, BuiltModel, build_model, make_horizon
from staffing.roster.highs import (
    HighsOutcome,
    HighsRun,
    StandardForm,
    compile_pyomo,
    load,
    primal_values,
    solve_lp,
)
from staffing.roster.overflow import OverflowLevels, fill_result
from staffing.roster.result import (
    PenaltyTerm,
    RosterResult,
    RosterStatus,
    SolveProgress,
    extract,
    penalty_terms,
    status_from_highs,
)
from staffing.roster.service import ServiceCurve
from staffing.roster.templates import RosterConfig, SolverOptions
from staffing.roster.warmstart import greedy_start, rounded_start

__all__ = ["coverage_duals", "service_point_cost", "solve_roster", "standard_form"]


def standard_form(built: BuiltModel) -> tuple[StandardForm, str | None]:
    """The matrix HiGHS gets: the Pyomo model compiled by Pyomo's public standard-form
    compiler; if that compiler is unavailable or fails (a Pyomo release without it), the rows
    the model was built from, with a note saying so."""
    try:
        return compile_pyomo(built.model, built.n_cols), None
    except Exception as exc:  # noqa: BLE001 - any compiler failure falls back to the same rows
        if built.form is None:  # pragma: no cover - the builder always keeps its rows
            raise
        return built.form, (f"Pyomo's LinearStandardFormCompiler failed ({type(exc).__name__}"
                            f": {exc}); loaded the builder's rows, the same model")


class _AfterRows(threading.Event):
    """The caller's cancel as the model builder sees it: only once the rows and the
    constructive start exist (milliseconds to a second), so a cancel always answers with a
    roster when one can be made; the Pyomo stage after it stops at the next family."""

    def __init__(self, cancel: threading.Event | None) -> None:
        super().__init__()
        self.cancel = cancel
        self.opened = False

    def is_set(self) -> bool:
        return self.opened and self.cancel is not None and self.cancel.is_set()


def _gap(obj: float | None, bound: float | None) -> float | None:
    if obj is None or bound is None or not np.isfinite(obj) or not np.isfinite(bound):
        return None
    if abs(obj) < 1e-9:
        return 0.0 if abs(bound) < 1e-9 else float("inf")
    return max(0.0, (obj - bound) / abs(obj))


def solve_roster(
    required: pd.Series,
    config: RosterConfig,
    options: SolverOptions | None = None,
    *,
    progress: Callable[[SolveProgress], None] | None = None,
    cancel: threading.Event | None = None,
    service: ServiceCurve | None = None,
    overflow: OverflowLevels | None = None,
) -> RosterResult:
    """Build and solve the weekly roster for a requirement profile.

    Parameters
    ----------
    required:
        Agents required on the floor per interval (float or int), indexed by tz-aware interval
        starts covering whole local days of one planning week (DST days allowed); the grid
        interval is taken from the index.
    config:
        Templates, weekly rules, penalties and open hours (:class:`RosterConfig`).
    options:
        HiGHS options (:class:`SolverOptions`); defaults to 60 s and ``mip_rel_gap=1e-4``.
        ``time_limit_s`` covers building and solving: HiGHS gets what the build left.
    progress:
        Called with :class:`SolveProgress` (incumbent objective, dual bound, gap, elapsed
        seconds) at each improving solution and at most every 0.5 s while HiGHS runs. It runs
        on the solver's thread; keep it quick.
    cancel:
        When set (from any thread) the build stops at its next step, or the solve returns
        within about 0.3 s (HiGHS is interrupted at its next check); the result has status
        ``CANCELLED`` with the best roster found so far, if any.
    service:
        With ``options.objective == "service"``: the answered-within-threshold table per
        interval (:class:`~staffing.roster.service.ServiceCurve`, made by
        :func:`staffing.service_curve.answered_curve`); the coverage frame then has
        ``service_level_promised``.
    overflow:
        An overflow partner's level choices per interval
        (:class:`~staffing.roster.overflow.OverflowLevels`, made by
        :func:`staffing.overflow.overflow_levels`): the model decides per interval how many
        calls to send out; fees are in the objective, the coverage frame gets
        ``overflow_calls``, ``overflow_fee`` and ``partner_answered``.

    Returns
    -------
    RosterResult
        Infeasible hard rules and time limits are statuses, not exceptions; bad input raises
        :class:`~staffing.exceptions.InputError`.
    """
    options = options or SolverOptions()
    if options.objective == "service" and service is None:
        raise InputError("solver.objective", "service",
                         "a service curve (staffing.service_curve.answered_curve; the pipeline "
                         "makes it from the forecast)")
    if options.objective != "service":
        service = None
    elif options.min_interval_service_level is not None and service is not None:
        service = ServiceCurve(service.calls, service.answered, service.target,
                               options.min_interval_service_level)
    t0 = time.perf_counter()
    horizon = make_horizon(required, config)
    rows: BuiltModel | None = None
    first: list[tuple[np.ndarray, float] | None] = [None]

    def report(obj: float | None, bound: float | None) -> None:
        if progress is not None:
            progress(SolveProgress(obj, bound, _gap(obj, bound), time.perf_counter() - t0))

    gate = _AfterRows(cancel)

    def on_rows(model_rows: BuiltModel) -> None:
        # the constructive start, as soon as the rows exist (before the Pyomo stage): the
        # first roster, and what a cancel or time limit from here on answers with
        if model_rows.diagnosis is None:
            first[0] = greedy_start(model_rows)
            if first[0] is not None:
                report(first[0][1], None)
        gate.opened = True

    try:
        built = rows = build_model(horizon, config, cancel=gate, service=service,
                                   overflow=overflow, on_rows=on_rows)
        if built.diagnosis is not None:
            return RosterResult(status=RosterStatus.INFEASIBLE,
                                build_s=time.perf_counter() - t0, diagnosis=built.diagnosis,
                                solver_status="precheck", notes=built.notes)
        if cancel is not None and cancel.is_set():
            raise BuildCancelled(built)
        form, load_note = standard_form(built)
        if cancel is not None and cancel.is_set():
            raise BuildCancelled(built)
        h = load(form)
    except BuildCancelled as exc:
        return _cancelled_in_build(exc.rows or rows, t0, service, first[0])
    warm = first[0]
    notes = built.notes + ((load_note,) if load_note else ())
    lp_bound: float | None = None
    if warm is not None and ROUND_LP:
        # round the LP relaxation into a start (much closer to the optimum than the greedy,
        # in service mode when floors bind); its value is also a proven bound
        budget = 0.3 * (float(options.time_limit_s) - (time.perf_counter() - t0))
        lp = _rounded_lp_start(built, form, budget, options.threads, cancel)
        if lp is not None:
            lp_bound = lp[1]
            if lp[0] is not None and lp[0][1] < warm[1] - 1e-9:
                warm = lp[0]
                notes = notes + ("start: the LP relaxation rounded (people per tour class "
                                 "and pattern rounded, completed greedily, people dropped "
                                 "while that saves)",)
            report(warm[1], lp_bound)
    build_s = time.perf_counter() - t0
    left_s = float(options.time_limit_s) - build_s
    run = HighsRun(h, time_limit_s=max(left_s, 1e-3), mip_rel_gap=options.mip_rel_gap,
                   threads=None if options.threads is None else int(options.threads),
                   extra=dict(options.extra))

    def report_run(obj: float | None, bound: float | None) -> None:
        if bound is not None and lp_bound is not None:
            bound = max(bound, lp_bound)
        report(obj, bound if bound is not None else lp_bound)

    if warm is not None:
        run.set_start(*warm, to_highs=True)
    if cancel is not None and cancel.is_set():
        out = HighsOutcome("kInterrupt", None if warm is None else warm[0],
                           None if warm is None else warm[1], lp_bound, 0.0,
                           "start" if warm is not None else "")
    elif left_s <= 0:
        out = HighsOutcome("kTimeLimit", None if warm is None else warm[0],
                           None if warm is None else warm[1], lp_bound, 0.0,
                           "start" if warm is not None else "")
        notes = notes + (f"building the model took {build_s:.1f} s of the "
                         f"{options.time_limit_s:g} s time limit; HiGHS did not run"
                         + ("; the constructive start is returned" if warm else ""),)
    else:
        out = run.run(report=report_run if progress is not None else None, cancel=cancel)
        if lp_bound is not None and out.values is not None:
            out.bound = lp_bound if out.bound is None else max(out.bound, lp_bound)
    has_solution = out.values is not None
    status = status_from_highs(out.model_status, has_solution)
    if out.note:
        notes = notes + (out.note,)
    solver_status = out.model_status
    if left_s <= 0 and out.model_status == "kTimeLimit":
        solver_status = "time limit reached while building"
    elif out.source == "start":
        notes = notes + ("HiGHS found nothing better than the constructive start in time",)
    result = RosterResult(status=status, build_s=build_s, runtime_s=out.runtime_s,
                          solver_status=solver_status, notes=notes)
    if status is RosterStatus.INFEASIBLE:
        result.diagnosis = _diagnose_infeasible(built)
        return result
    if out.values is None or out.objective is None:
        return result
    result = _fill(result, built, out.values, out.objective, out.bound, service)
    if service is not None:
        promised = result.coverage["service_level_promised"].to_numpy(float)
        level = float((promised * service.calls).sum() / max(service.calls.sum(), 1e-12))
        result.service_point_cost = service_point_cost(built, form, level=level)
    return result


ROUND_LP = True


def _rounded_lp_start(built: BuiltModel, form: StandardForm, budget_s: float,
                      threads: int | None, cancel: threading.Event | None
                      ) -> tuple[tuple[np.ndarray, float] | None, float] | None:
    """Solve the LP relaxation (within ``budget_s``, cancellable) and round it into a start
    (:func:`~staffing.roster.warmstart.rounded_start`): (start or None, LP value = a lower
    bound on every roster), or None when the LP did not solve in time."""
    if budget_s < 0.05:
        return None
    relaxed = dataclasses.replace(form, integer=np.zeros(form.n_cols, dtype=bool))
    lp = HighsRun(load(relaxed), time_limit_s=budget_s, mip_rel_gap=0.0,
                  threads=None if threads is None else int(threads))
    out = lp.run(cancel=cancel)
    if out.model_status != "kOptimal" or out.values is None or out.objective is None:
        return None
    if cancel is not None and cancel.is_set():
        return None, float(out.objective)
    return rounded_start(built, out.values, cancel), float(out.objective)


def service_point_cost(built: BuiltModel, form: StandardForm | None = None, *,
                       level: float | None = None,
                       time_limit_s: float = 10.0) -> float | None:
    """Marginal wages (currency per horizon) of one more point of the weekly service level.

    The LP relaxation of the service model (``form`` with every column continuous) is solved
    with its weekly SL row (``sum z >= level * calls``, the last ``service`` row) at ``level``
    (default the target; the solve passes what the roster delivers, which floors can push
    above the target, so the price is that of going one point beyond the roster) and the
    row's dual is scaled to one percentage point: ``|dual| * 0.01 * calls``. With the
    integer columns fixed at the roster the dual would be 0 (wages no longer move), so the
    relaxation is used: a smooth marginal price of service, comparable with the coverage duals
    (:func:`coverage_duals`). None when the LP does not solve within ``time_limit_s``."""
    service = built.service
    form = form if form is not None else built.form
    if service is None or form is None:
        return None
    rows = form.rows_of("service")
    if not len(rows) or service.calls.sum() <= 0:
        return None
    total = float(service.calls.sum())
    weekly = int(rows[-1])
    # z gets a tiny reward so that, among least-wage LP staffings, the one answering most is
    # taken (the LP is degenerate: z may sit below its lines at no cost)
    z_cols = form.indices[form.indptr[weekly]:form.indptr[weekly + 1]]
    cost = form.cost.copy()
    cost[z_cols] = -1e-7 * float(np.abs(form.cost).max() or 1.0)
    relaxed = dataclasses.replace(form, integer=np.zeros(form.n_cols, dtype=bool),
                                  row_lb=form.row_lb.copy(), cost=cost)
    if level is not None:
        relaxed.row_lb[weekly] = max(float(form.row_lb[weekly]),
                                     (min(level, 1.0) - 1e-9) * total)
    for _ in range(2):
        h = load(relaxed)
        name, duals = solve_lp(h, time_limit_s=time_limit_s)
        if name != "kOptimal" or duals is None:
            return None
        dual = abs(float(duals[weekly]))
        values = primal_values(h)
        if dual > 1e-9 or values is None:
            break
        # the floors already buy more than the level in the LP (the row has slack, dual 0):
        # price the first point the LP has to pay for, just above what its staffing answers
        reached = float(values[z_cols].sum())
        if reached >= total * (1 - 1e-6):
            break
        relaxed.row_lb[weekly] = min(reached + 1e-3 * total, total)
    return dual * 0.01 * total


def _fill(result: RosterResult, built: BuiltModel, values: np.ndarray, objective: float,
          bound: float | None, service: ServiceCurve | None) -> RosterResult:
    """Put a solution (model columns) into ``result``: shifts, tours, coverage, costs."""
    shifts, tours, coverage, agent_hours, cost = extract(built, values)
    result.objective = objective
    result.bound = bound
    result.gap = _gap(objective, bound)
    result.shifts, result.tours, result.coverage = shifts, tours, coverage
    result.agent_hours, result.cost = agent_hours, cost
    result.penalties = penalty_terms(coverage, built.config, built.horizon.min_staff)
    if service is not None:
        coverage["service_level_promised"] = service.promised(coverage["scheduled"].to_numpy())
        result.penalties = tuple(dataclasses.replace(p, cost=0.0) for p in result.penalties)
    if built.overflow is not None:
        result.overflow_calls, result.overflow_fees = fill_result(built.overflow, values,
                                                                  coverage, service)
        if service is None:
            result.penalties = penalty_terms(coverage, built.config, built.horizon.min_staff)
        result.penalties = result.penalties + (PenaltyTerm(
            "overflow fees", result.overflow_calls, "calls sent", result.overflow_fees),)
    return result


def _cancelled_in_build(rows: BuiltModel | None, t0: float,
                        service: ServiceCurve | None,
                        warm: tuple[np.ndarray, float] | None = None) -> RosterResult:
    """A cancel during the build: the constructive start (made as soon as the model's rows
    exist; it needs no solver) when there is one, else no roster."""
    result = RosterResult(status=RosterStatus.CANCELLED, solver_status="cancelled during build")
    if warm is None and rows is not None and rows.diagnosis is None:
        warm = greedy_start(rows)
    result.build_s = time.perf_counter() - t0
    if rows is None or warm is None:
        return result
    result.notes = rows.notes + ("cancelled while building: the constructive start is "
                                 "returned (HiGHS did not run)",)
    return _fill(result, rows, warm[0], warm[1], None, service)


def _lp_feasible(built: BuiltModel, drop: set[str]) -> bool:
    """Is the LP relaxation feasible with the named hard-rule families deactivated?"""
    horizon = built.horizon
    if "min_staff" in drop:
        horizon = dataclasses.replace(horizon, min_staff=np.full(horizon.n, -1))
    relaxed = build_model(horizon, _without(built.config, drop), relax=True)
    name, _ = solve_lp(load(standard_form(relaxed)[0]), time_limit_s=10.0)
    return name == "kOptimal"


def _without(cfg: RosterConfig, drop: set[str]) -> RosterConfig:
    templates = cfg.templates
    rules = cfg.rules
    if "max_headcount" in drop:
        templates = tuple(dataclasses.replace(t, max_headcount=None) for t in templates)
    if "part_time_share_max" in drop:
        rules = dataclasses.replace(rules, part_time_share_max=1.0)
    return RosterConfig(templates, rules, cfg.penalties, cfg.open_hours)


_FAMILY_NAMES = {"min_staff": "open_hours.min_staff",
                 "max_headcount": "templates.*.max_headcount",
                 "part_time_share_max": "rules.part_time_share_max"}


def _diagnose_infeasible(built: BuiltModel) -> str:
    """Deletion filter over the hard-rule families on the LP relaxation: name the active
    families and those whose removal alone restores feasibility."""
    cfg = built.config
    active = []
    if (built.horizon.min_staff > 0).any():
        active.append("min_staff")
    if any(t.max_headcount is not None for t in cfg.templates):
        active.append("max_headcount")
    if cfg.rules.part_time_share_max < 1:
        active.append("part_time_share_max")
    names = ", ".join(_FAMILY_NAMES[f] for f in active)
    if _lp_feasible(built, set()):
        return (f"Hard rule conflict among {names or 'the tour rules'} and integrality: the LP "
                f"relaxation is feasible but no integer roster meets these rules with the "
                f"shift templates and weekly rules (workdays, consecutive_days_off, "
                f"start_band_minutes).")
    culprits = [f for f in active if _lp_feasible(built, {f})]
    if culprits:
        listed = " or ".join(_FAMILY_NAMES[f] for f in culprits)
        return (f"Hard rule conflict among {names} and the shift templates/weekly rules: "
                f"relaxing {listed} alone restores feasibility (checked on the LP "
                f"relaxation).")
    if active and _lp_feasible(built, set(active)):
        return (f"Hard rule conflict among {names}: no single one is to blame; relaxing all "
                f"of them restores feasibility.")
    return "Infeasible model (no hard rule active); please report with the config."


def coverage_duals(required: pd.Series, config: RosterConfig) -> pd.Series:
    """Marginal objective value (currency) of one more required agent in each interval.

    Solves the LP relaxation of the roster model (all variables continuous) and returns the
    dual of each coverage row (``d objective / d required``) as HiGHS reports it. Values are
    between ``-over_per_agent_interval`` and ``under_per_agent_interval``; high values mark the
    intervals where extra demand is expensive to cover. Indexed like ``required``.
    """
    horizon = make_horizon(required, config)
    built = build_model(horizon, config, relax=True)
    if built.diagnosis is not None:
        raise InputError("config", "min_staff", built.diagnosis)
    form, _ = standard_form(built)
    name, duals = solve_lp(load(form), time_limit_s=60.0)
    if duals is None:
        raise InputError("config", name, "a roster LP that HiGHS solves to optimality")
    rows = form.rows_of("coverage")
    return pd.Series(duals[rows], index=required.index, name="coverage_dual")


_ = PenaltyTerm  # re-exported type used in RosterResult.penalties
