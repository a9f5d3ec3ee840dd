"""Solve the roster model with HiGHS: options, progress callbacks, cancellation, status.

How the solver is reached
-------------------------
The model is a Pyomo ``ConcreteModel`` (:mod:`staffing.roster.build`). It is loaded into HiGHS
with Pyomo's APPSI interface (``pyomo.contrib.appsi.solvers.Highs.set_instance``), and the
*underlying* ``highspy.Highs`` object of that interface is then run directly, because Pyomo's
``solve()`` offers no hook for HiGHS callbacks. Options are set on that object
(``time_limit``, ``mip_rel_gap``, ``threads`` and anything in ``SolverOptions.extra``), and:

- ``cbMipImprovingSolution`` reports each new incumbent to ``progress``;
- ``cbMipInterrupt`` / ``cbSimplexInterrupt`` / ``cbIpmInterrupt`` poll ``cancel`` (a
  ``threading.Event``) and report ``progress`` at most every 0.5 s; when ``cancel`` is set they
  interrupt HiGHS, which returns ``kInterrupt`` -> ``RosterStatus.CANCELLED`` with the incumbent.

Values are read back through APPSI's variable-to-column map, so the Pyomo model is the single
source of truth for the formulation.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from typing import Any

import highspy
import numpy as np
import pandas as pd

from staffing.exceptions import InputError, SolverUnavailableError
from staffing.roster.build import BuiltModel, build_model, make_horizon
from staffing.roster.result import (
    PenaltyTerm,
    RosterResult,
    RosterStatus,
    SolveProgress,
    extract,
    penalty_terms,
    status_from_highs,
)
from staffing.roster.templates import RosterConfig, SolverOptions

__all__ = ["coverage_duals", "solve_roster"]


def _highs_interface() -> Any:
    try:
        import highspy  # noqa: F401
        from pyomo.contrib.appsi.solvers.highs import Highs
    except ImportError as exc:  # pragma: no cover - dependency is declared
        raise SolverUnavailableError(f"HiGHS is not available: {exc}") from exc
    opt = Highs()
    if not opt.available():  # pragma: no cover
        raise SolverUnavailableError("HiGHS (highspy) is not available to Pyomo")
    opt.config.stream_solver = False
    opt.config.load_solution = False
    return opt


# APPSI's set_instance redirects the process's stdout/stderr file descriptors while it loads
# (to capture HiGHS's banner); loads are serialised so concurrent solves (API job threads) never
# interleave those redirections.
_LOAD_LOCK = threading.Lock()


# HiGHS runs its parallel parts on one process-wide scheduler whose thread count is fixed by the
# first solve; a later ``run()`` asking for another count fails at once with kError. We reset the
# scheduler when a different count is asked for and no other solve is running; while one is, the
# running count is kept and the result notes that the request was not honoured.
_SCHED_LOCK = threading.Lock()
_SCHED: dict[str, int | None] = {"threads": None, "active": 0}


def _enter_scheduler(requested: int | None) -> tuple[int | None, str | None]:
    """Register a solve; return the thread count to set (None: leave HiGHS's default) and a note."""
    with _SCHED_LOCK:
        current = _SCHED["threads"]
        note = None
        threads = None
        if requested is not None:
            if not _SCHED["active"]:
                # Other HiGHS runs (LP duals, diagnosis, other libraries) may have started the
                # scheduler with another count, so reset whenever no solve of ours is running.
                highspy.Highs.resetGlobalScheduler(True)
                _SCHED["threads"] = threads = requested
            elif requested == current:
                threads = requested
            else:
                note = (f"threads={requested} not applied: a concurrent solve holds HiGHS's "
                        f"process-wide scheduler at {current or 'its default'} threads")
        _SCHED["active"] = int(_SCHED["active"] or 0) + 1
        return threads, note


def _interrupt(event: Any) -> None:
    """Ask HiGHS to stop from inside a callback (``interrupt()`` in newer highspy; older
    releases, 1.8 among them, take the flag on ``data_in``)."""
    if hasattr(event, "interrupt"):
        event.interrupt()
    else:
        event.data_in.user_interrupt = True


def _leave_scheduler() -> None:
    with _SCHED_LOCK:
        _SCHED["active"] = int(_SCHED["active"] or 0) - 1


def _load(built: BuiltModel) -> tuple[Any, Any, np.ndarray]:
    """Load the Pyomo model into HiGHS; return (appsi interface, highspy object, column map)."""
    opt = _highs_interface()
    with _LOAD_LOCK:
        opt.set_instance(built.model)
    h = opt._solver_model  # the highspy.Highs behind APPSI (no public accessor)
    h.setOptionValue("output_flag", False)
    vmap = opt._pyomo_var_to_solver_var_map
    v = built.model.v
    cols = np.fromiter((vmap[id(v[j])] for j in range(built.n_cols)), dtype=np.int64,
                       count=built.n_cols)
    return opt, h, cols


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
    progress:
        Called with :class:`SolveProgress` (incumbent objective, dual bound, gap, elapsed
        seconds) at each improving solution and at most every 0.5 s while HiGHS runs. It runs
        on the solver's thread; keep it quick.
    cancel:
        When set (from any thread) HiGHS is interrupted within its next callback poll
        (milliseconds) and the result has status ``CANCELLED`` with the incumbent, if any.

    Returns
    -------
    RosterResult
        Infeasible hard rules and time limits are statuses, not exceptions; bad input raises
        :class:`~staffing.exceptions.InputError`.
    """
    options = options or SolverOptions()
    t0 = time.perf_counter()
    horizon = make_horizon(required, config)
    built = build_model(horizon, config)
    if built.diagnosis is not None:
        return RosterResult(status=RosterStatus.INFEASIBLE, build_s=time.perf_counter() - t0,
                            diagnosis=built.diagnosis, solver_status="precheck",
                            notes=built.notes)
    opt, h, cols = _load(built)
    build_s = time.perf_counter() - t0

    h.setOptionValue("time_limit", float(options.time_limit_s))
    h.setOptionValue("mip_rel_gap", float(options.mip_rel_gap))
    for key, value in options.extra.items():
        if h.setOptionValue(str(key), value) != highspy.HighsStatus.kOk:
            raise InputError(f"extra.{key}", value, "a HiGHS option name with a valid value")
    threads, thread_note = _enter_scheduler(
        None if options.threads is None else int(options.threads))
    try:
        if threads is not None:
            h.setOptionValue("threads", threads)
        result = _run(built, h, cols, options, build_s, progress, cancel, thread_note)
        if threads is not None and result.solver_status == "kNotset":
            # HiGHS refused the thread count (its scheduler runs another): use its default.
            h.setOptionValue("threads", 0)
            note = f"threads={threads} refused by HiGHS's running scheduler; used its default"
            result = _run(built, h, cols, options, build_s, progress, cancel, note)
        return result
    finally:
        _leave_scheduler()


def _run(
    built: BuiltModel,
    h: Any,
    cols: np.ndarray,
    options: SolverOptions,
    build_s: float,
    progress: Callable[[SolveProgress], None] | None,
    cancel: threading.Event | None,
    thread_note: str | None,
) -> RosterResult:
    """Run HiGHS with the callbacks and turn its answer into a :class:`RosterResult`."""

    start = time.perf_counter()
    last = [0.0]

    def report(obj: float | None, bound: float | None) -> None:
        if progress is None:
            return
        obj = obj if obj is not None and np.isfinite(obj) and abs(obj) < 1e50 else None
        bound = bound if bound is not None and np.isfinite(bound) and abs(bound) < 1e50 else None
        progress(SolveProgress(obj, bound, _gap(obj, bound), time.perf_counter() - start))

    def on_improving(e: Any) -> None:
        report(e.data_out.mip_primal_bound, e.data_out.mip_dual_bound)
        last[0] = time.perf_counter()

    def on_poll(e: Any) -> None:
        if cancel is not None and cancel.is_set():
            _interrupt(e)
            return
        now = time.perf_counter()
        if progress is not None and now - last[0] >= 0.5:
            last[0] = now
            out = e.data_out
            report(out.mip_primal_bound, out.mip_dual_bound)

    if progress is not None:
        h.cbMipImprovingSolution.subscribe(on_improving)
    if progress is not None or cancel is not None:
        h.cbMipInterrupt.subscribe(on_poll)
        h.cbSimplexInterrupt.subscribe(on_poll)
        h.cbIpmInterrupt.subscribe(on_poll)
    if cancel is not None and cancel.is_set():
        return RosterResult(status=RosterStatus.CANCELLED, build_s=build_s,
                            solver_status="cancelled before solve")
    try:
        h.run()
    finally:
        runtime_s = time.perf_counter() - start
        for cb, fn in ((h.cbMipImprovingSolution, on_improving), (h.cbMipInterrupt, on_poll),
                       (h.cbSimplexInterrupt, on_poll), (h.cbIpmInterrupt, on_poll)):
            cb.unsubscribe(fn)

    model_status = h.getModelStatus()
    sol = h.getSolution()
    info = h.getInfo()
    has_solution = bool(sol.value_valid) and info.primal_solution_status >= 2
    status = status_from_highs(model_status, has_solution)
    status_name = getattr(model_status, "name", str(model_status))
    notes = built.notes + ((thread_note,) if thread_note else ())
    result = RosterResult(status=status, build_s=build_s, runtime_s=runtime_s,
                          solver_status=status_name, notes=notes)
    if status is RosterStatus.INFEASIBLE:
        result.diagnosis = _diagnose_infeasible(built)
        return result
    if not has_solution:
        return result
    values = np.asarray(sol.col_value)[cols]
    objective = float(info.objective_function_value)
    bound: float | None = (float(info.mip_dual_bound) if info.mip_node_count >= 0
                           else objective)
    if bound is not None and (not np.isfinite(bound) or abs(bound) > 1e50):
        bound = None
    shifts, tours, coverage, agent_hours, cost = extract(built, values)
    result.objective = objective
    result.bound = bound
    result.gap = _gap(objective, bound)
    result.shifts, result.tours, result.coverage = shifts, tours, coverage
    result.agent_hours, result.cost = agent_hours, cost
    result.penalties = penalty_terms(coverage, built.config, built.horizon.min_staff)
    return result


def _lp_feasible(built: BuiltModel, drop: set[str]) -> bool:
    """Is the LP relaxation feasible with the named hard-rule families deactivated?"""
    horizon = built.horizon
    if "min_staff" in drop:
        horizon = dataclasses.replace(horizon, min_staff=np.full(horizon.n, -1))
    relaxed = build_model(horizon, _without(built.config, drop), relax=True)
    _, h, _ = _load(relaxed)
    h.setOptionValue("time_limit", 10.0)
    h.run()
    return getattr(h.getModelStatus(), "name", "") == "kOptimal"


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
    dual of each coverage row (``d objective / d required``), read through Pyomo APPSI's
    ``get_duals``. Values are between ``-over_per_agent_interval`` and
    ``under_per_agent_interval``; high values mark the intervals where extra demand is
    expensive to cover. Indexed like ``required``.
    """
    horizon = make_horizon(required, config)
    built = build_model(horizon, config, relax=True)
    if built.diagnosis is not None:
        raise InputError("config", "min_staff", built.diagnosis)
    opt, h, _ = _load(built)
    h.setOptionValue("time_limit", 60.0)
    h.run()
    opt._postsolve(_Timer())
    rows = [built.model.rows[r] for r in range(built.coverage_rows)]
    duals = opt.get_duals(rows)
    return pd.Series([float(duals[c]) for c in rows], index=required.index,
                     name="coverage_dual")


class _Timer:
    """Minimal stand-in for Pyomo's HierarchicalTimer used by APPSI's _postsolve."""

    def start(self, _name: str) -> None:
        return None

    def stop(self, _name: str) -> None:
        return None


_ = PenaltyTerm  # re-exported type used in RosterResult.penalties
