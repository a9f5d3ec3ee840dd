"""Large named-agent schedules by decomposition: an anonymous (pooled) roster first, then an
assignment of its shifts to the named people, then the breaks re-optimised for those shifts.

1. **Pooled model** (the proven lower bound). The people are pooled: integer ``n[d, o]``
   shifts of option ``o`` on day ``d``, at most as many as people who may work it
   (availability, contract templates), at most the people available that day, the weekly paid
   minutes and working days within the sums of the contracts' limits; the interval coverage
   with aggregated breaks is the per-person model's (:func:`staffing.agents.schedule.
   add_coverage`). Every named schedule maps to a feasible pooled solution with the same
   coverage penalty, and every other term of the named objective (wishes, fairness, changes)
   is >= 0, so the pooled optimum, and HiGHS's dual bound of it, is a **proven lower bound** of
   the named problem's optimum. The gap reported is against it.
2. **Assignment.** The per-person MIP with the interval coverage replaced by soft targets
   ``sum_e x[e, d, o] = n*[d, o]`` (a missing or extra shift costs its on-phone intervals at
   the under/over weights): every contract rule, wish and fairness term exact, but no interval
   rows or break columns, so HiGHS's presolve and root LP are a fraction of the full model's.
3. **Exact evaluation.** The full per-person model with the assignment's shifts fixed: HiGHS
   places the breaks optimally for those shifts and the objective is the true one.

If the assignment finds no schedule in its share of the time, the per-person MIP runs on what
is left (warm-started by a feasibility phase). Time shares of ``time_limit_s`` (the builds
count): pooled 25 %, assignment up to 75 %, evaluation the rest.
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
from staffing.agents.model import Term
from staffing.agents.penalties import AgentPenalties
from staffing.agents.schedule import (
    AgentSchedule,
    AgentsModel,
    add_coverage,
    build_agents_model,
    schedule_from_solution,
)
from staffing.agents.solve import (
    AgentSolverOptions,
    ModelRun,
    find_feasible,
    solve_day_model,
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
    objective; ``targets`` the pooled shifts per (day, option) (empty without a solution)."""

    run: ModelRun
    targets: dict[tuple[int, int], int]
    build_s: float

    @property
    def bound(self) -> float | None:
        """HiGHS's dual bound of the pooled model (its optimum when solved to optimality)."""
        return self.run.bound


def pooled_bound(am: AgentsModel, penalties: AgentPenalties,
                 options: AgentSolverOptions) -> PooledBound:
    """Build and solve the pooled model of ``am`` (see the module docstring)."""
    t0 = time.perf_counter()
    b = am.built
    p = b.problem
    keys = sorted(k for k in b._by_do if k[1] < len(am.opts))
    m = pyo.ConcreteModel(name="pooled")
    m.rules = pyo.ConstraintList()
    terms: list[Term] = []
    req = np.asarray(am.required.to_numpy(dtype=float))
    add_coverage(m, m.rules, keys, am.opts, am.dates, am.day_pos, am.fmin, req, penalties,
                 terms)
    for d, o in keys:
        m.n[d, o].setub(len(b._by_do[d, o]))
    people_on: dict[int, set[int]] = defaultdict(set)
    for e, d in b._by_ed:
        people_on[d].add(e)
    by_day: dict[int, list[Any]] = defaultdict(list)
    for d, o in keys:
        by_day[d].append((o, m.n[d, o]))
    for d, items in by_day.items():
        if len(items) > len(people_on[d]):
            m.rules.add(pyo.quicksum(v for _o, v in items) <= len(people_on[d]))
    staff = p.staff
    for week in p.weeks():
        wk = [(o, v) for d in week for o, v in by_day.get(d, [])]
        if not wk:
            continue
        minutes = pyo.quicksum(am.opts[o].paid_min * v for o, v in wk)
        if all(s.max_week_min is not None for s in staff):
            m.rules.add(minutes <= sum(int(s.max_week_min or 0) for s in staff))
        need = sum(s.min_week_min * len(week) // 7 for s in staff)
        if need > 0:
            m.rules.add(minutes >= need)
        days_cap = 0
        for e, s in enumerate(staff):
            avail = sum(1 for d in week if (e, d) in b._by_ed)
            cap = s.max_days_per_week if s.max_days_per_week is not None else 7
            days_cap += min(cap, avail)
        m.rules.add(pyo.quicksum(v for _o, v in wk) <= days_cap)
    m.obj = pyo.Objective(expr=pyo.quicksum(t.weight * t.count for t in terms if t.weight),
                          sense=pyo.minimize)
    build_s = time.perf_counter() - t0
    run = solve_model(m, options)
    targets: dict[tuple[int, int], int] = {}
    if run.objective is not None:
        targets = {(d, o): int(round(m.n[d, o].value or 0)) for d, o in keys}
    return PooledBound(run, targets, build_s)


def _assign(required: pd.Series, templates: Sequence[ShiftTemplate],
            agents: Sequence[Agent], targets: dict[tuple[int, int], int], full: AgentsModel,
            options: AgentSolverOptions, kw: dict[str, Any], left: Any, limit: float
            ) -> tuple[dict[str, list[str | None]] | None, str]:
    """The assignment step over the whole horizon."""
    assign = build_agents_model(required, templates, agents, targets=targets, **kw)
    warm = find_feasible(assign.built, left(0.5))  # a first schedule matters most
    sol = solve_day_model(assign.built, dataclasses.replace(
        options, time_limit_s=left(0.75),
        extra={"mip_heuristic_effort": ASSIGN_HEURISTIC_EFFORT, **options.extra}),
        warmstart=warm)
    note = (f"assignment to named people: {sol.status.value}, objective {sol.objective} "
            f"({assign.build_s:.1f} s build, {sol.solve_s:.1f} s solve)")
    return (sol.schedule if sol.has_solution else None), note


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
                    agents: Sequence[Agent], targets: dict[tuple[int, int], int],
                    full: AgentsModel, options: AgentSolverOptions, kw: dict[str, Any],
                    left: Any, limit: float
                    ) -> tuple[dict[str, list[str | None]] | None, str]:
    """The assignment step week by week: each week continues the weeks before it as a
    published history (rest, runs, successions across the boundary) with the horizon limits
    that are left; multi-week fairness is evaluated, not optimised, across weeks."""
    dates = full.dates
    local = np.array([ts.date() for ts in required.index])
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
        tgt = {(d - 7 * w, o): v for (d, o), v in targets.items() if 7 * w <= d < 7 * w + 7}
        people = [_remaining(a, used[a.id], len(worked_weekends[a.id]), len(weeks) - w)
                  for a in agents]
        prev = pd.concat(frames, ignore_index=True) if frames else kw["previous"]
        share = 0.75 * limit * (w + 1) / len(weeks)
        am = build_agents_model(req_w, templates, people, targets=tgt,
                                **{**kw, "previous": prev})
        warm = find_feasible(am.built, left((share - 0.375 * limit / len(weeks)) / limit))
        sol = solve_day_model(am.built, dataclasses.replace(
            options, time_limit_s=left(share / limit),
            extra={"mip_heuristic_effort": ASSIGN_HEURISTIC_EFFORT, **options.extra}),
            warmstart=warm)
        if not sol.has_solution:
            return None, f"assignment week {w + 1}: no schedule ({sol.status.value})"
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
    return schedule, f"assignment to named people week by week: {solved} weeks solved"


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
    notes = [f"decomposition: pooled (anonymous) model {pooled.run.status.value}, "
             f"objective {pooled.run.objective}, proven lower bound {pooled.bound} "
             f"({pooled.build_s:.1f} s build, {pooled.run.solve_s:.1f} s solve)"]
    schedule: dict[str, list[str | None]] | None = None
    if pooled.targets:
        rolling = len(full.dates) > 7 and not cyclic
        schedule, note = (_assign_by_week if rolling else _assign)(
            required, templates, agents, pooled.targets, full, options, kw,
            lambda share: left(share), limit)
        notes.append(note)
    if schedule is None:
        notes.append("no assignment in time: the per-person MIP runs on the rest of the "
                     "time limit")
        warm = find_feasible(full.built, max(0.3 * left(), 1.0))
        sol = solve_day_model(full.built, dataclasses.replace(options, time_limit_s=left()),
                              warmstart=warm)
    else:
        idx = {(full.built.problem.staff[e].id, d, full.built.problem.options[o].id): v
               for (e, d, o), v in full.built.x.items()}
        for (sid, d, oid), v in idx.items():
            v.fix(1 if schedule[sid][d] == oid else 0)
        sol = solve_day_model(full.built, dataclasses.replace(options, time_limit_s=left()))
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
