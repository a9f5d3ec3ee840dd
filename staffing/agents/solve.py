"""Solve a built day-shift model with HiGHS through Pyomo's public APPSI interface.

``pyomo.contrib.appsi.solvers.Highs.solve`` is used as is (time limit, relative gap, any HiGHS
option through ``highs_options``); its termination condition maps onto
:class:`staffing.roster.RosterStatus` in one table, so statuses read the same as the roster's.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass, field
from typing import Any

import pyomo.environ as pyo
from pyomo.contrib.appsi.base import TerminationCondition as TC

from staffing.agents.model import BuiltDayModel, build_day_model, finish_objective
from staffing.agents.problem import DayShiftProblem
from staffing.exceptions import InputError, SolverUnavailableError
from staffing.roster import RosterStatus
from staffing.roster.result import status_from_highs

__all__ = ["AgentSolverOptions", "DaySolution", "ModelRun", "TermValue", "find_feasible",
           "read_solution", "solve_day_model", "solve_direct", "solve_model", "solve_problem"]

# The one table: APPSI termination -> (status with a solution, status without one).
_STATUS: dict[Any, tuple[RosterStatus, RosterStatus]] = {
    TC.optimal: (RosterStatus.OPTIMAL, RosterStatus.ERROR),
    TC.infeasible: (RosterStatus.INFEASIBLE, RosterStatus.INFEASIBLE),
    TC.infeasibleOrUnbounded: (RosterStatus.INFEASIBLE, RosterStatus.INFEASIBLE),
    TC.maxTimeLimit: (RosterStatus.FEASIBLE, RosterStatus.TIME_LIMIT_NO_SOLUTION),
    TC.maxIterations: (RosterStatus.FEASIBLE, RosterStatus.TIME_LIMIT_NO_SOLUTION),
    TC.objectiveLimit: (RosterStatus.FEASIBLE, RosterStatus.TIME_LIMIT_NO_SOLUTION),
    TC.interrupted: (RosterStatus.CANCELLED, RosterStatus.CANCELLED),
}


@dataclass(frozen=True)
class AgentSolverOptions:
    """HiGHS settings: ``time_limit_s`` (seconds), ``mip_rel_gap`` (fraction), ``threads``
    (``None`` = HiGHS's default), ``extra`` (any HiGHS option, e.g. ``mip_max_nodes``)."""

    time_limit_s: float = 60.0
    mip_rel_gap: float = 1e-6
    threads: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not (self.time_limit_s > 0 and math.isfinite(self.time_limit_s)):
            raise InputError("time_limit_s", self.time_limit_s, "seconds > 0")
        if not 0 <= self.mip_rel_gap < 1:
            raise InputError("mip_rel_gap", self.mip_rel_gap, "a fraction in [0, 1)")
        if self.threads is not None and self.threads < 1:
            raise InputError("threads", self.threads, "an integer >= 1")


@dataclass(frozen=True)
class TermValue:
    """A soft term after the solve: ``count`` violations/units at ``weight`` each."""

    family: str
    label: str
    weight: float
    count: float
    staff: str | None

    @property
    def penalty(self) -> float:
        """``weight * count`` (objective units)."""
        return self.weight * self.count


@dataclass
class DaySolution:
    """Outcome of a solve: status, objective, dual bound, gap (fraction), seconds, schedule.

    ``schedule[staff_id][day]`` is the option id worked, or ``None`` (off).
    """

    status: RosterStatus
    objective: float | None
    bound: float | None
    gap: float | None
    solve_s: float
    schedule: dict[str, list[str | None]]
    terms: list[TermValue]
    termination: str
    build_s: float = 0.0

    @property
    def has_solution(self) -> bool:
        """True when a schedule was found."""
        return self.objective is not None


def _gap(obj: float | None, bound: float | None) -> float | None:
    if obj is None or bound is None or not (math.isfinite(obj) and math.isfinite(bound)):
        return None
    if abs(obj) < 1e-9:
        return 0.0 if abs(bound) < 1e-9 else float("inf")
    return max(0.0, (obj - bound) / abs(obj))


def _solver(options: AgentSolverOptions) -> Any:
    try:
        from pyomo.contrib.appsi.solvers.highs import Highs
    except ImportError as exc:  # pragma: no cover - dependency is declared
        raise SolverUnavailableError(f"HiGHS is not available: {exc}") from exc
    opt = Highs()
    if not opt.available():  # pragma: no cover
        raise SolverUnavailableError("HiGHS (highspy) is not available to Pyomo")
    opt.config.stream_solver = False
    opt.config.load_solution = False
    opt.config.time_limit = float(options.time_limit_s)
    opt.config.mip_gap = float(options.mip_rel_gap)
    hopts: dict[str, Any] = {"random_seed": 0, **options.extra}
    if options.threads is not None:
        hopts["threads"] = int(options.threads)
    opt.highs_options = hopts
    return opt


@dataclass
class ModelRun:
    """A solve of any Pyomo model: status, objective, dual bound, gap, seconds; the solution
    (when there is one) is loaded into the model's variables."""

    status: RosterStatus
    objective: float | None
    bound: float | None
    gap: float | None
    solve_s: float


def solve_model(model: Any, options: AgentSolverOptions, *, warmstart: bool = False
                ) -> ModelRun:
    """Solve a Pyomo model (objective set) with HiGHS and load its solution."""
    opt = _solver(options)
    opt.config.warmstart = warmstart
    t0 = time.perf_counter()
    res = opt.solve(model)
    tc = res.termination_condition
    if tc == TC.unknown and options.threads is not None:  # see solve_day_model
        opt = _solver(dataclasses.replace(options, threads=None))
        opt.config.warmstart = warmstart
        res = opt.solve(model)
        tc = res.termination_condition
    obj = res.best_feasible_objective
    has = obj is not None and math.isfinite(obj)
    with_sol, without = _STATUS.get(tc, (RosterStatus.ERROR, RosterStatus.ERROR))
    status = with_sol if has else without
    bound = res.best_objective_bound
    bound = float(bound) if bound is not None and math.isfinite(bound) else None
    if has:
        res.solution_loader.load_vars()
    objective = float(obj) if has else None
    if status is RosterStatus.OPTIMAL and bound is None:
        bound = objective
    return ModelRun(status, objective, bound, _gap(objective, bound), time.perf_counter() - t0)


def find_feasible(built: BuiltDayModel, time_limit_s: float) -> bool:
    """Phase 1: a schedule that meets every hard rule, with a zero objective (HiGHS stops at
    its first feasible point). Leaves the values in the model's variables for a warm start;
    returns whether one was found."""
    m = built.model
    saved = m.obj.expr if hasattr(m, "obj") else None
    if hasattr(m, "obj"):
        m.del_component(m.obj)
    m.obj = pyo.Objective(expr=0.0, sense=pyo.minimize)
    opt = _solver(AgentSolverOptions(time_limit_s=max(time_limit_s, 0.1)))
    res = opt.solve(m)
    ok = res.best_feasible_objective is not None and math.isfinite(res.best_feasible_objective)
    if ok:
        res.solution_loader.load_vars()
    m.del_component(m.obj)
    if saved is not None:
        m.obj = pyo.Objective(expr=saved, sense=pyo.minimize)
    return bool(ok)


def solve_day_model(built: BuiltDayModel, options: AgentSolverOptions | None = None, *,
                    warmstart: bool = False) -> DaySolution:
    """Solve ``built`` (objective already set) and read the schedule and the terms back;
    ``warmstart`` hands the variables' current values to HiGHS as a start."""
    options = options or AgentSolverOptions()
    opt = _solver(options)
    opt.config.warmstart = warmstart
    t0 = time.perf_counter()
    res = opt.solve(built.model)
    tc = res.termination_condition
    if tc == TC.unknown and options.threads is not None:
        # HiGHS's scheduler is process-wide: once started with another thread count, a run
        # asking for a different one fails at once. Retry on the running scheduler's count.
        opt = _solver(dataclasses.replace(options, threads=None))
        res = opt.solve(built.model)
        tc = res.termination_condition
        built.notes.append(f"threads={options.threads} refused by HiGHS's running scheduler; "
                           "used its default")
    solve_s = time.perf_counter() - t0
    obj = res.best_feasible_objective
    has = obj is not None and math.isfinite(obj)
    with_sol, without = _STATUS.get(tc, (RosterStatus.ERROR, RosterStatus.ERROR))
    status = with_sol if has else without
    bound = res.best_objective_bound
    bound = float(bound) if bound is not None and math.isfinite(bound) else None
    if has:
        res.solution_loader.load_vars()
    return read_solution(built, status, float(obj) if has else None, bound, solve_s,
                         str(getattr(tc, "name", tc)))


def read_solution(built: BuiltDayModel, status: RosterStatus, objective: float | None,
                  bound: float | None, solve_s: float, termination: str) -> DaySolution:
    """A :class:`DaySolution` from the values in ``built``'s variables (schedule from the
    shift binaries, every term's count), whatever solver put them there."""
    p = built.problem
    schedule: dict[str, list[str | None]] = {s.id: [None] * p.n_days for s in p.staff}
    terms: list[TermValue] = []
    if objective is not None:
        for (e, d, o), v in built.x.items():
            if (v.value or 0) > 0.5:
                schedule[p.staff[e].id][d] = p.options[o].id
        for t in built.terms:
            cnt = float(pyo.value(t.count))
            terms.append(TermValue(t.family, t.label, t.weight, round(cnt, 6), t.staff))
    if status is RosterStatus.OPTIMAL and bound is None:
        bound = objective
    return DaySolution(status=status, objective=objective, bound=bound,
                       gap=_gap(objective, bound), solve_s=solve_s, schedule=schedule,
                       terms=terms, termination=termination)


def solve_direct(built: BuiltDayModel, options: AgentSolverOptions | None = None
                 ) -> DaySolution:
    """Solve ``built`` with HiGHS through :mod:`staffing.roster.highs` (Pyomo's public
    standard-form compiler, then ``highspy`` directly) instead of APPSI. Fixed variables are
    folded into the rows, so a model with its shifts fixed (the decomposition's evaluation)
    compiles to its break and coverage part only and loads in a fraction of APPSI's time;
    the run keeps to ``time_limit_s`` even inside a HiGHS phase without checks. Falls back
    to :func:`solve_day_model` when the compiler refuses the model."""
    from staffing.roster import highs as direct

    options = options or AgentSolverOptions()
    t0 = time.perf_counter()
    try:
        form, cols, offset = direct.compile_model(built.model)
    except Exception as exc:  # a future Pyomo, or a row made infeasible by the fixed values
        built.notes.append(f"direct HiGHS path unavailable ({type(exc).__name__}); APPSI used")
        return solve_day_model(built, options)
    h = direct.load(form)
    run = direct.HighsRun(h, time_limit_s=max(options.time_limit_s - (time.perf_counter()
                                                                      - t0), 0.5),
                          mip_rel_gap=options.mip_rel_gap, threads=options.threads,
                          extra={"random_seed": 0, **options.extra})
    out = run.run()
    objective = None
    if out.values is not None:
        for v, val in zip(cols, out.values.tolist(), strict=True):
            v.set_value(round(val) if v.is_integer() else val, skip_validation=True)
        for v in built.model.component_data_objects(pyo.Var, descend_into=True):
            if v.value is None:  # in no row or objective: any value, 0 is as good
                v.set_value(0, skip_validation=True)
        objective = float(pyo.value(built.model.obj))
    status = status_from_highs(out.model_status, objective is not None)
    bound = None if out.bound is None else out.bound + offset
    return read_solution(built, status, objective, bound, time.perf_counter() - t0,
                         out.model_status)


def solve_problem(problem: DayShiftProblem,
                  options: AgentSolverOptions | None = None) -> DaySolution:
    """Build the model of ``problem`` (rules, requests, day cover) and solve it."""
    t0 = time.perf_counter()
    built = build_day_model(problem)
    finish_objective(built)
    build_s = time.perf_counter() - t0
    sol = solve_day_model(built, options)
    sol.build_s = build_s
    return sol
