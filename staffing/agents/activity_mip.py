"""The activity-placement MIP: with the shifts fixed, every break start and every attendee's
activity start chosen together where they cost the least coverage.

Variables (all binary unless said): ``u[s, k, j]`` break ``k`` of shift ``s`` starts at its
``j``-th allowed position (``sum_j u = 1``); ``y[i]`` candidate ``i`` = (occurrence, attendee,
shift, start) is used; for a meeting ``z[o, q]`` occurrence ``o`` starts at ``q`` (``sum_q z
<= 1``, ``y <= z``); ``miss[o] >= 0`` attendees missing (``sum y + miss = need``, each person
at most once per occurrence). Per shift and position: the activities covering it sum to at
most 1, and each break covering it plus those activities to at most 1 (no activity on a break
or on another activity; breaks among themselves keep the schedule's rules). Coverage per
position: ``on - breaks - activities + under - over = required`` (``under, over >= 0``).
Objective: the schedule's coverage weights on under/over plus ``activity_missed`` per missed
attendee-interval. The greedy placement (breaks where the schedule put them) is a feasible
point with the same cost, handed to HiGHS as the warm start.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import pyomo.environ as pyo

from staffing.agents.activity_grid import Grid, Occurrence, Placement
from staffing.agents.penalties import AgentPenalties
from staffing.agents.skill_cover import add_skill_allocation
from staffing.agents.solve import AgentSolverOptions, ModelRun, solve_model

__all__ = ["optimise_placement"]


def optimise_placement(grid: Grid, occs: Sequence[Occurrence],
                       breaks0: Sequence[Sequence[int]], start: Sequence[Placement],
                       pen: AgentPenalties, options: AgentSolverOptions
                       ) -> tuple[list[list[int]] | None, list[Placement] | None, ModelRun]:
    """Solve the MIP (module docstring) from the placement ``start`` with breaks at
    ``breaks0``; returns (break starts per shift, placements, run), the first two ``None``
    without a solution."""
    n = len(grid.req)
    m = pyo.ConcreteModel(name="activities")
    m.rules = pyo.ConstraintList()
    # breaks: u[s, k, j]
    ukeys = [(s, k, j) for s, sl in enumerate(grid.slots) for k, b in enumerate(sl.breaks)
             for j in range(len(b.starts))]
    m.U = pyo.Set(initialize=ukeys, dimen=3, ordered=True)
    m.u = pyo.Var(m.U, domain=pyo.Binary)
    brk_at: dict[tuple[int, int, int], list[Any]] = defaultdict(list)  # (s, k, pos)
    off_at: dict[int, list[Any]] = defaultdict(list)  # pos -> vars taking one person off
    off_g: dict[tuple[int, int], list[Any]] = defaultdict(list)  # (skill group, pos) -> same
    grp = grid.slot_group or [0] * len(grid.slots)
    for s, sl in enumerate(grid.slots):
        for k, b in enumerate(sl.breaks):
            m.rules.add(pyo.quicksum(m.u[s, k, j] for j in range(len(b.starts))) == 1)
            for j, p in enumerate(b.starts):
                for q in range(max(p, 0), min(p + b.length, n)):
                    brk_at[s, k, q].append(m.u[s, k, j])
                    off_at[q].append(m.u[s, k, j])
                    off_g[grp[s], q].append(m.u[s, k, j])
    # activities: y[i]
    cands = [(o, who, si, q) for o, occ in enumerate(occs) for who, c in occ.cands.items()
             for si, q in c]
    m.Y = pyo.RangeSet(0, len(cands) - 1) if cands else pyo.Set(initialize=[])
    m.y = pyo.Var(m.Y, domain=pyo.Binary)
    m.miss = pyo.Var(range(len(occs)), domain=pyo.NonNegativeReals)
    act_at: dict[tuple[int, int], list[Any]] = defaultdict(list)  # (s, pos)
    per_person: dict[tuple[int, str], list[Any]] = defaultdict(list)
    per_occ: dict[int, list[Any]] = defaultdict(list)
    per_start: dict[tuple[int, int], list[Any]] = defaultdict(list)
    for i, (o, who, si, q) in enumerate(cands):
        v = m.y[i]
        per_person[o, who].append(v)
        per_occ[o].append(v)
        if occs[o].together:
            per_start[o, q].append(v)
        for t in range(q, min(q + occs[o].k, n)):
            act_at[si, t].append(v)
            off_at[t].append(v)
            off_g[grp[si], t].append(v)
    for vs in per_person.values():
        if len(vs) > 1:
            m.rules.add(pyo.quicksum(vs) <= 1)
    for o, occ in enumerate(occs):
        m.rules.add(pyo.quicksum(per_occ.get(o, [])) + m.miss[o] == occ.need)
    zkeys = sorted(per_start)
    m.Z = pyo.Set(initialize=zkeys, dimen=2, ordered=True)
    m.z = pyo.Var(m.Z, domain=pyo.Binary)
    by_occ: dict[int, list[Any]] = defaultdict(list)
    for o, q in zkeys:
        by_occ[o].append(m.z[o, q])
        for v in per_start[o, q]:
            m.rules.add(v <= m.z[o, q])
    for vs in by_occ.values():
        m.rules.add(pyo.quicksum(vs) <= 1)
    # one thing off the phone at a time per person
    for (s, t), vs in act_at.items():
        if len(vs) > 1:
            m.rules.add(pyo.quicksum(vs) <= 1)
        for k in range(len(grid.slots[s].breaks)):
            bs = brk_at.get((s, k, t))
            if bs:
                m.rules.add(pyo.quicksum(vs) + pyo.quicksum(bs) <= 1)
    # coverage where anything can change
    pos = sorted(off_at)
    m.under = pyo.Var(pos, domain=pyo.NonNegativeReals)
    m.over = pyo.Var(pos, domain=pyo.NonNegativeReals)
    under: Any = pyo.quicksum(m.under[t] for t in pos)
    if grid.skill_req is None:
        for t in pos:
            m.rules.add(float(grid.on[t]) - pyo.quicksum(off_at[t]) + m.under[t] - m.over[t]
                        == float(grid.req[t]))
    else:
        under = _skill_rows(m, grid, pos, off_g)
    m.obj = pyo.Objective(
        expr=pen.under_per_agent_interval * under
        + pen.over_per_agent_interval * pyo.quicksum(m.over[t] for t in pos)
        + pen.activity_missed * pyo.quicksum(occs[o].k * m.miss[o] for o in range(len(occs))),
        sense=pyo.minimize)
    _warm(m, grid, occs, cands, breaks0, start, pos)
    run = solve_model(m, options, warmstart=True)
    if run.objective is None:
        return None, None, run
    breaks = []
    for s, sl in enumerate(grid.slots):
        row = []
        for k, b in enumerate(sl.breaks):
            vals = [float(m.u[s, k, j].value or 0) for j in range(len(b.starts))]
            row.append(b.starts[vals.index(max(vals))])
        breaks.append(row)
    placed = [Placement(o, who, si, q) for i, (o, who, si, q) in enumerate(cands)
              if (m.y[i].value or 0) > 0.5]
    return breaks, placed, run


def _skill_rows(m: Any, grid: Grid, pos: Sequence[int],
               off_g: dict[tuple[int, int], list[Any]]) -> Any:
    """Per-skill coverage on the positions that can change (as in
    :mod:`staffing.agents.skill_cover`): allocation ``a[g, q, t]`` of each group's people on
    the phone, ``skill_under[q, t]`` per skill, ``over[t]`` on the total; returns the sum of
    the skill shortfalls."""
    assert grid.skill_req is not None and grid.on_group is not None
    req, on_g = grid.skill_req, grid.on_group
    ng = len(grid.groups)
    akeys = [(g, grid.skills.index(q), t) for t in pos for g in range(ng)
             for q in grid.groups[g] if on_g[g, t] > 0]
    capacity = {(g, t): float(on_g[g, t]) - pyo.quicksum(off_g.get((g, t), []))
                for g, _q, t in akeys}
    ukeys = [(q, t) for t in pos for q in range(len(grid.skills)) if req[t, q] > 0]
    short = add_skill_allocation(m, "alloc", akeys, capacity, ukeys, req)
    for t in pos:
        m.rules.add(m.over[t] >= float(on_g[:, t].sum()) - pyo.quicksum(
            v for g in range(ng) for v in off_g.get((g, t), [])) - float(req[t].sum()))
        m.under[t].fix(0)
    return short


def _warm(m: Any, grid: Grid, occs: Sequence[Occurrence],
          cands: Sequence[tuple[int, str, int, int]], breaks0: Sequence[Sequence[int]],
          start: Sequence[Placement], pos: Sequence[int]) -> None:
    """Load the greedy placement (a feasible point) into the variables."""
    for s, sl in enumerate(grid.slots):
        for k, b in enumerate(sl.breaks):
            for j, p in enumerate(b.starts):
                m.u[s, k, j].value = 1 if p == breaks0[s][k] else 0
    chosen = {(pl.occ, pl.agent, pl.shift, pl.start) for pl in start}
    got = [0] * len(occs)
    for i, c in enumerate(cands):
        m.y[i].value = 1 if c in chosen else 0
        got[c[0]] += c in chosen
    for o, occ in enumerate(occs):
        m.miss[o].value = occ.need - got[o]
    for o, q in m.Z:
        m.z[o, q].value = 1 if any(pl.occ == o and pl.start == q for pl in start) else 0
    sched = grid.scheduled(breaks0, start, occs)
    for t in pos:
        if not m.under[t].fixed:
            m.under[t].value = max(grid.req[t] - sched[t], 0.0)
        m.over[t].value = max(sched[t] - grid.req[t], 0.0)
    if grid.skill_req is not None:
        from staffing.agents.skill_cover import allocate

        served, alloc = allocate(grid.group_on_phone(breaks0, start, occs), grid.groups,
                                 grid.skills, grid.skill_req)
        for key in m.alloc:
            m.alloc[key].value = alloc.get(key, 0.0)
        for q, t in m.skill_under:
            m.skill_under[q, t].value = max(float(grid.skill_req[t, q] - served[q, t]), 0.0)
