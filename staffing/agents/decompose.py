"""Large named-agent schedules by decomposition: an anonymous (pooled) roster first, then an
assignment of its shifts to the named people, improved over the whole horizon, then the
breaks re-optimised for those shifts.

1. **Pooled model** (the proven lower bound). The people are pooled by *contract class*
   (equal hard rules; availability, days off and history may differ): integer
   ``nc[c, d, o]`` people of class ``c`` on option ``o`` on day ``d``, at most as many as may
   work it; per class, every personal rule summed over its people: working days per day and
   per week, paid minutes per week and over the horizon, at most ``N`` working days in every
   ``N + 1`` (max consecutive days), no lone working (off) day between two off (working) days
   when runs must be longer, the rest cliques between consecutive days, and weekends: integer
   people working weekend ``w`` >= those working any of its days, their sum within the
   class's ``max_weekends``. The most weekends (late shifts) of one person is at least the
   average, an integer (fairness terms). The interval coverage with aggregated breaks is the
   per-person model's (:func:`staffing.agents.schedule.add_coverage`) on
   ``n[d, o] = sum_c nc[c, d, o]``. Every named schedule maps to a feasible pooled solution
   with the same coverage penalty and no more fairness penalty, and every other term (wishes,
   changes) is >= 0, so HiGHS's dual bound of the pooled model is a **proven lower bound** of
   the named problem's optimum. The gap reported is against it.
2. **Assignment.** The per-person MIP with the interval coverage replaced by soft targets
   ``sum_e x[e, d, o] = n*[d, o]`` (a missing or extra shift costs its on-phone intervals at
   the under/over weights): every contract rule, wish and fairness term exact, but no interval
   rows or break columns. One horizon of a week or less is one MIP; longer horizons go week
   by week (each week continues the last as a published history). HiGHS stops at
   ``objective_target`` once the assignment is good enough for the requested gap.
3. **Fix-and-optimise** (:mod:`staffing.agents.improve`) of the assignment over the whole
   horizon while it is above that target: a few people over the whole horizon or everybody
   over a few days are re-solved at a time, the rest fixed; this trades weekends and hours
   between weeks, which the week-by-week pass cannot.
4. **Exact evaluation.** The full per-person model with the shifts fixed, compiled with the
   fixed columns folded into the rows (:func:`staffing.agents.solve.solve_direct`): HiGHS
   places the breaks optimally for those shifts and the objective is the true one.

If the assignment finds no schedule in its share of the time, the per-person MIP runs on what
is left (warm-started by a feasibility phase). Time shares of ``time_limit_s`` (the builds
count): pooled 25 %, assignment up to :data:`ASSIGN_SHARE` (one MIP) or :data:`WEEKS_SHARE`
(week by week), fix-and-optimise up to :data:`FINISH_SHARE` less :data:`EVAL_SHARE`, the
evaluation and read-out the rest.
"""

from __future__ import annotations

import dataclasses
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from staffing.agents.domain import Agent
from staffing.agents.improve import improve_schedule
from staffing.agents.model import Term
from staffing.agents.penalties import AgentPenalties
from staffing.agents.problem import StaffRules
from staffing.agents.schedule import (
    AgentSchedule,
    AgentsModel,
    add_coverage,
    build_agents_model,
    schedule_from_solution,
)
from staffing.agents.solve import (
    AgentSolverOptions,
    DaySolution,
    ModelRun,
    find_feasible,
    solve_day_model,
    solve_direct,
    solve_model,
)
from staffing.roster import RosterStatus, ShiftTemplate

__all__ = ["ASSIGN_HEURISTIC_EFFORT", "PooledBound", "pooled_bound", "schedule_decomposed"]

#: HiGHS's ``mip_heuristic_effort`` in the assignment step (default 0.05): the targets make
#: good schedules easy to recognise, so more heuristics pay off there.
ASSIGN_HEURISTIC_EFFORT = 0.5


@dataclass
class PooledBound:
    """The pooled model's solve: ``bound`` is a proven lower bound of the named schedule's
    objective; ``targets`` the pooled shifts per (day, option) (empty without a solution),
    ``groups`` the contract class of each person, ``coverage`` the pooled solution's coverage
    penalty (objective units)."""

    run: ModelRun
    targets: dict[tuple[int, int], int]
    build_s: float
    groups: list[int] = dataclasses.field(default_factory=list)
    coverage: float = 0.0

    @property
    def bound(self) -> float | None:
        """HiGHS's dual bound of the pooled model (its optimum when solved to optimality)."""
        return self.run.bound


def _rule_class(s: StaffRules) -> tuple[Any, ...]:
    """People with equal hard rules (availability, days off and history aside) pool."""
    return (s.min_total_min, s.max_total_min, s.min_week_min, s.max_week_min,
            s.max_days_per_week, s.max_consecutive, s.min_consecutive, s.min_consecutive_off,
            s.max_weekends, s.min_rest_min, s.allowed_kinds,
            tuple(sorted(s.max_per_kind.items())))


def pooled_bound(am: AgentsModel, penalties: AgentPenalties,
                 options: AgentSolverOptions) -> PooledBound:
    """Build and solve the pooled model of ``am`` (see the module docstring)."""
    t0 = time.perf_counter()
    b = am.built
    p = b.problem
    n_opts = len(am.opts)
    keys = sorted(k for k in b._by_do if k[1] < n_opts)
    classes: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for e, s in enumerate(p.staff):
        classes[_rule_class(s)].append(e)
    groups = list(classes.values())
    cells: dict[tuple[int, int, int], int] = defaultdict(int)  # (class, d, o) -> people
    days_of: dict[int, set[int]] = defaultdict(set)  # person -> days with a cell
    for e, d, o in b.x:
        if o < n_opts:
            days_of[e].add(d)
    cls_of = {e: c for c, es in enumerate(groups) for e in es}
    for e, d, o in b.x:
        if o < n_opts:
            cells[cls_of[e], d, o] += 1
    m = pyo.ConcreteModel(name="pooled")
    m.rules = pyo.ConstraintList()
    m.C = pyo.Set(initialize=sorted(cells), dimen=3, ordered=True)
    m.nc = pyo.Var(m.C, domain=pyo.NonNegativeIntegers, bounds=lambda _m, c, d, o:
                   (0, cells[c, d, o]))
    by_do: dict[tuple[int, int], list[Any]] = defaultdict(list)
    by_cd: dict[tuple[int, int], list[tuple[int, Any]]] = defaultdict(list)
    for c, d, o in m.C:
        by_do[d, o].append(m.nc[c, d, o])
        by_cd[c, d].append((o, m.nc[c, d, o]))
    terms: list[Term] = []
    req = np.asarray(am.required.to_numpy(dtype=float))
    add_coverage(m, m.rules, keys, am.opts, am.dates, am.day_pos, am.fmin, req, penalties,
                 terms, link=lambda d, o: pyo.quicksum(by_do[d, o]))
    opts = am.opts

    def y(c: int, d: int) -> Any:
        items = by_cd.get((c, d), [])
        return pyo.quicksum(v for _o, v in items) if items else 0

    def people(es: list[int], days: Any) -> int:
        return sum(1 for e in es if days_of[e] & set(days))

    nd = p.n_days
    for c, es in enumerate(groups):
        s = p.staff[es[0]]
        for d in range(nd):
            if len(by_cd.get((c, d), [])) > 1:
                m.rules.add(y(c, d) <= people(es, [d]))
        # paid minutes per week and over the horizon within the sums of the people's limits
        for whole, week in [*((False, w) for w in p.weeks()), (True, range(nd))]:
            lo = s.min_total_min if whole else s.min_week_min * len(week) // 7
            hi = s.max_total_min if whole else s.max_week_min
            mins = pyo.quicksum(opts[o].paid_min * v for d in week
                                for o, v in by_cd.get((c, d), []))
            if lo > 0:
                m.rules.add(mins >= lo * len(es))
            if hi is not None:
                m.rules.add(mins <= hi * len(es))
            if not whole and s.max_days_per_week is not None:
                cap = sum(min(s.max_days_per_week, len(days_of[e] & set(week))) for e in es)
                m.rules.add(pyo.quicksum(y(c, d) for d in week) <= cap)
        # at most N working days in every N + 1 consecutive days
        n = s.max_consecutive
        if n is not None and n < nd:
            for a in range(nd if p.cyclic else nd - n):
                win = [(a + i) % nd for i in range(n + 1)]
                cap = sum(min(n, len(days_of[e] & set(win))) for e in es)
                m.rules.add(pyo.quicksum(y(c, d) for d in win) <= cap)
        # no working (off) day alone between two days off (working days), summed over people
        inner = range(nd) if p.cyclic and nd > 2 else range(1, nd - 1)
        for a in inner:
            prev, nxt = (a - 1) % nd, (a + 1) % nd
            if s.min_consecutive > 1:
                m.rules.add(y(c, a) <= y(c, prev) + y(c, nxt))
            if s.min_consecutive_off > 1:
                m.rules.add(y(c, prev) + y(c, nxt) - y(c, a) <= len(es))
        # rest between the shifts of consecutive days: each person's cliques, summed
        if s.min_rest_min > 0:
            pairs = [(d, d + 1) for d in range(nd - 1)]
            if p.cyclic and nd > 1:
                pairs.append((nd - 1, 0))
            for d, d1 in pairs:
                today = by_cd.get((c, d), [])
                tomorrow = by_cd.get((c, d1), [])
                for end in sorted({opts[o].start_min + opts[o].span_min for o, _v in today}):
                    a_ = [v for o, v in today if opts[o].start_min + opts[o].span_min >= end]
                    b_ = [v for o, v in tomorrow
                          if opts[o].start_min + 1440 < end + s.min_rest_min]
                    if a_ and b_:
                        m.rules.add(pyo.quicksum(a_) + pyo.quicksum(b_)
                                    <= people(es, [d, d1]))
    # weekends: people of a class working a weekend >= those working any of its days
    we_all: list[Any] = []
    m.we = pyo.VarList(domain=pyo.NonNegativeIntegers)
    for c, es in enumerate(groups):
        s = p.staff[es[0]]
        wes = []
        for days in p.weekend_pairs():
            if not any((c, d) in by_cd for d in days):
                continue
            v = m.we.add()
            v.setub(people(es, days))
            for d in days:
                m.rules.add(v >= y(c, d))
            wes.append(v)
        we_all += wes
        if s.max_weekends is not None and wes:
            cap = sum(min(s.max_weekends, sum(1 for days in p.weekend_pairs()
                                              if days_of[e] & set(days))) for e in es)
            m.rules.add(pyo.quicksum(wes) <= cap)
    # fairness: the most weekends (late shifts) of one person >= the average, an integer
    with_we = sum(1 for wes in b.weekend_vars.values() if wes)
    if penalties.fair_weekends and we_all and with_we:
        m.max_we = pyo.Var(domain=pyo.NonNegativeIntegers)
        m.rules.add(with_we * m.max_we >= pyo.quicksum(we_all))
        terms.append(Term("fair_weekends", "most weekends worked by one person (pooled)",
                          penalties.fair_weekends, m.max_we))
    late_min = int(round(penalties.late_end_hours * 60))
    late = {o for o in range(n_opts) if opts[o].start_min + opts[o].span_min > late_min}
    with_late = len({e for e, _d, o in b.x if o in late})
    late_vars = [v for (c, d, o), v in m.nc.items() if o in late]
    if penalties.fair_late and late_vars and with_late:
        m.max_late = pyo.Var(domain=pyo.NonNegativeIntegers)
        m.rules.add(with_late * m.max_late >= pyo.quicksum(late_vars))
        terms.append(Term("fair_late", "most late shifts worked by one person (pooled)",
                          penalties.fair_late, m.max_late))
    m.obj = pyo.Objective(expr=pyo.quicksum(t.weight * t.count for t in terms if t.weight),
                          sense=pyo.minimize)
    build_s = time.perf_counter() - t0
    run = solve_model(m, options)
    targets: dict[tuple[int, int], int] = {}
    cover = 0.0
    if run.objective is not None:
        targets = {(d, o): int(round(m.n[d, o].value or 0)) for d, o in keys}
        cover = sum(t.weight * float(pyo.value(t.count)) for t in terms
                    if t.family.startswith("cover"))
    return PooledBound(run, targets, build_s, [cls_of[e] for e in range(len(p.staff))],
                       cover)


def _run_assignment(am: AgentsModel, options: AgentSolverOptions, phase1_s: float,
                    limit_s: float, stop: float | None) -> DaySolution:
    """Feasibility phase then the assignment MIP, stopped at ``stop`` (HiGHS's
    ``objective_target``) when a schedule that good is enough for the requested gap."""
    warm = find_feasible(am.built, phase1_s)  # a first schedule matters most
    extra: dict[str, Any] = {"mip_heuristic_effort": ASSIGN_HEURISTIC_EFFORT, **options.extra}
    if stop is not None:
        extra.setdefault("objective_target", stop)
    return solve_day_model(am.built, dataclasses.replace(options, time_limit_s=limit_s,
                                                         extra=extra), warmstart=warm)


def _assign(required: pd.Series, templates: Sequence[ShiftTemplate],
            agents: Sequence[Agent], pooled: PooledBound, options: AgentSolverOptions,
            kw: dict[str, Any], left: Any, limit: float, stop: float | None
            ) -> tuple[dict[str, list[str | None]] | None, str, AgentsModel | None,
                       float | None]:
    """The assignment step over the whole horizon: (schedule, note, the assignment model,
    its objective)."""
    assign = build_agents_model(required, templates, agents, targets=pooled.targets, **kw)
    sol = _run_assignment(assign, options, left(ASSIGN_SHARE / 1.5), left(ASSIGN_SHARE), stop)
    note = (f"assignment to named people: {sol.status.value} ({sol.termination}), objective "
            f"{sol.objective} ({assign.build_s:.1f} s build, {sol.solve_s:.1f} s solve)")
    return (sol.schedule if sol.has_solution else None), note, assign, sol.objective


def _remaining(agent: Agent, used_min: float, weekends_used: int, weeks_left: int) -> Agent:
    """The agent with horizon limits reduced by what earlier weeks used (a week-by-week
    assignment): max hours and weekends left; min hours left that later weeks cannot hold."""
    c = agent.contract
    used_h = used_min / 60
    later_cap = (weeks_left - 1) * (c.max_week_hours if c.max_week_hours is not None else 168)
    new = dataclasses.replace(
        c,
        min_horizon_hours=max(0.0, c.min_horizon_hours - used_h - later_cap),
        max_horizon_hours=None if c.max_horizon_hours is None
        else max(c.max_horizon_hours - used_h, 0.0),
        max_weekends=None if c.max_weekends is None else max(c.max_weekends - weekends_used, 0))
    return dataclasses.replace(agent, contract=new)


def _assign_by_week(required: pd.Series, templates: Sequence[ShiftTemplate],
                    agents: Sequence[Agent], pooled: PooledBound,
                    options: AgentSolverOptions, kw: dict[str, Any], left: Any,
                    limit: float, stop: float | None
                    ) -> tuple[dict[str, list[str | None]] | None, str, AgentsModel | None,
                               float | None]:
    """The assignment step week by week: each week continues the weeks before it as a
    published history (rest, runs, successions across the boundary) with the horizon limits
    that are left; it cannot trade weekends or hours between weeks, which the fix-and-optimise
    pass over the whole horizon does afterwards."""
    local = np.array([ts.date() for ts in required.index])
    dates = sorted(set(local.tolist()))
    weeks = [dates[i:i + 7] for i in range(0, len(dates), 7)]
    schedule: dict[str, list[str | None]] = {a.id: [] for a in agents}
    frames: list[pd.DataFrame] = []
    used = {a.id: 0.0 for a in agents}
    weekend_days = kw["weekend_days"]
    worked_weekends: dict[str, set[tuple[int, int]]] = {a.id: set() for a in agents}
    solved = 0
    for w, days in enumerate(weeks):
        mask = pd.Index(local).isin(days)
        req_w = required[mask]
        tgt = {(d - 7 * w, o): v for (d, o), v in pooled.targets.items()
               if 7 * w <= d < 7 * w + 7}
        people = [_remaining(a, used[a.id], len(worked_weekends[a.id]), len(weeks) - w)
                  for a in agents]
        prev = pd.concat(frames, ignore_index=True) if frames else kw["previous"]
        share = WEEKS_SHARE * limit * (w + 1) / len(weeks)
        am = build_agents_model(req_w, templates, people, targets=tgt,
                                **{**kw, "previous": prev})
        sol = _run_assignment(am, options,
                              left((share - WEEKS_SHARE * limit / 2 / len(weeks)) / limit),
                              left(share / limit),
                              None if stop is None else stop / len(weeks))
        if not sol.has_solution:
            return None, f"assignment week {w + 1}: no schedule ({sol.status.value})", None, None
        solved += 1
        res = schedule_from_solution(am, sol)
        frames.append(res.shifts[["agent", "date", "start", "end"]])
        for a in agents:
            schedule[a.id].extend(sol.schedule[a.id])
        for r in res.shifts.itertuples(index=False):
            used[r.agent] += float(r.paid_hours) * 60
            iso = r.date.isocalendar()
            if r.date.weekday() in weekend_days:
                worked_weekends[r.agent].add((iso[0], iso[1]))
    return (schedule, f"assignment to named people week by week: {solved} weeks solved",
            None, None)


#: Share of the time limit by which the one-horizon assignment stops (its feasibility phase
#: by two thirds of it), and by which the week-by-week assignment stops (each week its part,
#: half of it at most for the feasibility phase); fix-and-optimise gets the rest.
ASSIGN_SHARE = 0.65
WEEKS_SHARE = 0.4

#: Share of the time limit by which the search stops (the rest reads the schedule out).
FINISH_SHARE = 0.92
#: Share of the time limit kept for the exact evaluation on the full model.
EVAL_SHARE = 0.06

#: Share of the gap's slack the assignment may use before it stops (the rest is margin for
#: the breaks re-optimised around the assigned shifts).
STOP_SHARE = 0.7


def schedule_decomposed(
    required: pd.Series,
    templates: Sequence[ShiftTemplate],
    agents: Sequence[Agent],
    *,
    penalties: AgentPenalties | None = None,
    options: AgentSolverOptions | None = None,
    previous: pd.DataFrame | None = None,
    published: pd.DataFrame | None = None,
    weekend_days: tuple[int, ...] = (5, 6),
    cyclic: bool = False,
) -> AgentSchedule:
    """:func:`staffing.agents.schedule.schedule_agents` by decomposition (same arguments);
    ``bound`` is the pooled model's proven lower bound and ``gap`` is measured against it."""
    t0 = time.perf_counter()
    pen = penalties or AgentPenalties()
    options = options or AgentSolverOptions()
    limit = options.time_limit_s

    def left(share: float = 1.0) -> float:
        return max(share * limit - (time.perf_counter() - t0), 1.0)

    kw: dict[str, Any] = {"penalties": pen, "previous": previous, "published": published,
                          "weekend_days": weekend_days, "cyclic": cyclic}
    full = build_agents_model(required, templates, agents, **kw)
    pooled = pooled_bound(full, pen, dataclasses.replace(options, time_limit_s=left(0.25),
                                                          mip_rel_gap=options.mip_rel_gap / 4))
    notes = [f"decomposition: pooled (anonymous) model per contract class "
             f"({len(set(pooled.groups))} classes) {pooled.run.status.value}, "
             f"objective {pooled.run.objective}, proven lower bound {pooled.bound} "
             f"({pooled.build_s:.1f} s build, {pooled.run.solve_s:.1f} s solve)"]
    schedule: dict[str, list[str | None]] | None = None
    if pooled.targets:
        # the named schedule costs about the pooled coverage plus the assignment's objective:
        # stop the assignment once that is within the requested gap of the bound
        stop = None
        if pooled.bound is not None and options.mip_rel_gap > 0:
            slack = pooled.bound / (1 - options.mip_rel_gap) - pooled.coverage
            stop = STOP_SHARE * slack if slack > 0 else None
        rolling = len(full.dates) > 7 and not cyclic
        schedule, note, whole, value = (_assign_by_week if rolling else _assign)(
            required, templates, agents, pooled, options, kw, left, limit, stop)
        notes.append(note)
        if schedule is not None and (stop is None or value is None or value > stop) \
                and left(FINISH_SHARE - EVAL_SHARE) > 2.0:
            # fix-and-optimise the assignment over the whole horizon (the week-by-week pass
            # cannot trade a weekend or hours between weeks; HiGHS's own search stalls)
            if whole is None:
                whole = build_agents_model(required, templates, agents,
                                           targets=pooled.targets, **kw)
            imp = improve_schedule(whole.built, schedule, options,
                                   left(FINISH_SHARE - EVAL_SHARE), target=stop)
            if imp is not None:
                schedule = imp.solution.schedule
                notes.append(f"fix-and-optimise of the assignment over the whole horizon: "
                             f"start {imp.start_objective}, {imp.steps} steps, "
                             f"{imp.improved} improved, final {imp.solution.objective} "
                             f"({imp.seconds:.1f} s)")
    if schedule is None:
        notes.append("no assignment in time: the per-person MIP runs on the rest of the "
                     "time limit")
        warm = find_feasible(full.built, max(0.3 * left(), 1.0))
        sol = solve_day_model(full.built, dataclasses.replace(options, time_limit_s=left()),
                              warmstart=warm)
    else:
        t1 = time.perf_counter()
        p = full.built.problem
        for (e, d, o), v in full.built.x.items():
            v.fix(1 if schedule[p.staff[e].id][d] == p.options[o].id else 0)
        # breaks and the true objective for those shifts: the fixed shifts fold into the
        # rows, so only the break and coverage part reaches HiGHS (direct, not APPSI)
        sol = solve_direct(full.built, dataclasses.replace(
            options, time_limit_s=max(left(), 0.1 * limit)))
        notes.append(f"breaks and exact objective for the assigned shifts: {sol.status.value} "
                     f"({time.perf_counter() - t1:.1f} s)")
    sol.build_s = 0.0
    res = schedule_from_solution(full, sol)
    res.solve_s = time.perf_counter() - t0 - full.build_s
    lower = pooled.bound
    if sol.bound is not None and schedule is None:
        lower = max(lower or -np.inf, sol.bound)
    gap = None
    if res.objective is not None and lower is not None:
        gap = max(0.0, (res.objective - lower) / abs(res.objective)) if res.objective else 0.0
    status = res.status
    if res.objective is not None and status in (RosterStatus.OPTIMAL, RosterStatus.FEASIBLE):
        status = RosterStatus.OPTIMAL if gap is not None and gap <= options.mip_rel_gap \
            else RosterStatus.FEASIBLE
    return dataclasses.replace(res, status=status, bound=lower, gap=gap,
                               notes=[*res.notes, *notes])
