"""Off-phone activities (training, meetings) placed into a solved schedule where they hurt
service least.

An :class:`Activity` has a duration, its attendees (agent ids, or everyone), how many of them
must attend (``count``, default all), whether they attend together (a meeting: one common time)
or each on their own (training), where it may go (weekdays/dates and a clock window) and how
often (``repeat``: once in the horizon, every week, every day).

Placement (:func:`place_activities`), with the shifts fixed:

1. **Greedy** (the start, and the answer with ``method="greedy"``): occurrence by occurrence,
   a meeting at the allowed start that adds the least under-coverage (ties: the largest
   surplus) among attendees on shift and off break; training person by person (fewest choices
   first), each at their own least harmful time; coverage updated after each placement.
2. **Optimised** (``method="optimise"``, the default): a MIP over every shift's break starts
   and every attendee's activity start together (:mod:`staffing.agents.activity_mip`), the
   coverage cost the schedule's own under/over weights, a missed attendance
   ``penalties.activity_missed`` per attendee-interval, warm-started from the greedy. The
   result is the MIP's placement only when its recomputed cost is <= the greedy's, so it is
   never worse than the greedy, by construction.

An activity that fits no one's shift is reported in the notes, never silently dropped.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from staffing.agents.activity_grid import (
    Grid,
    Occurrence,
    Placement,
    block_label,
    build_grid,
    occurrences,
)
from staffing.agents.domain import Window
from staffing.agents.penalties import AgentPenalties
from staffing.agents.schedule import AgentSchedule
from staffing.agents.solve import AgentSolverOptions
from staffing.exceptions import InputError

__all__ = ["METHODS", "REPEATS", "Activity", "greedy_placement", "place_activities"]

#: ``repeat`` values: one occurrence in the horizon, one per 7-day week, one per day.
REPEATS = ("once", "weekly", "daily")
#: ``method`` values of :func:`place_activities`.
METHODS = ("optimise", "greedy")


@dataclass(frozen=True)
class Activity:
    """An off-phone activity; ``duration_min`` minutes (a multiple of the grid interval)."""

    name: str
    duration_min: int
    attendees: tuple[str, ...] | None = None
    count: int | None = None
    together: bool = False
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)
    dates: tuple[dt.date, ...] = ()
    window: Window | None = None
    repeat: str = "once"

    def __post_init__(self) -> None:
        f = f"activities.{self.name}"
        if not 0 < self.duration_min <= 600:
            raise InputError(f"{f}.duration_min", self.duration_min, "minutes in 1..600")
        if self.count is not None and self.count < 1:
            raise InputError(f"{f}.count", self.count, "an integer >= 1")
        if self.repeat not in REPEATS:
            raise InputError(f"{f}.repeat", self.repeat, "'once', 'weekly' or 'daily'")


def greedy_placement(grid: Grid, occs: Sequence[Occurrence]) -> list[Placement]:
    """The greedy placement (module docstring, step 1) around the schedule's breaks."""
    sched = grid.scheduled([[b.current for b in sl.breaks] for sl in grid.slots], [], occs)
    req = grid.req
    busy: list[set[int]] = [{p for b in sl.breaks for p in range(b.current, b.current
                                                                   + b.length)}
                            for sl in grid.slots]
    placed: list[Placement] = []
    for oi, occ in enumerate(occs):
        k = occ.k

        def harm(p0: int, n: int = 1, k: int = k) -> tuple[float, float]:
            s = sched[p0:p0 + k]
            r = req[p0:p0 + k]
            added = np.maximum(r - (s - n), 0).sum() - np.maximum(r - s, 0).sum()
            return float(added), -float((s - r).sum())

        free = {p: [(si, q) for si, q in c if busy[si].isdisjoint(range(q, q + k))]
                for p, c in occ.cands.items()}
        got: list[Placement] = []
        if occ.together:
            best: tuple[tuple[float, float], list[Placement]] | None = None
            for q in sorted({q for c in free.values() for _, q in c}):
                who = [Placement(oi, p, si, q) for p, c in free.items() for si, qq in c
                       if qq == q]
                if len(who) < occ.need:
                    continue
                h = harm(q, occ.need)
                if best is None or h < best[0]:
                    best = (h, who[:occ.need])
            got = best[1] if best is not None else []
        else:
            order = sorted((p for p in occ.people if free[p]), key=lambda p: len(free[p]))
            for p in order[:occ.need]:
                si, q = min(free[p], key=lambda c: harm(c[1]))
                got.append(Placement(oi, p, si, q))
                sched[q:q + k] -= 1
        if occ.together:
            for pl in got:
                sched[pl.start:pl.start + k] -= 1
        for pl in got:
            busy[pl.shift].update(range(pl.start, pl.start + k))
        placed.extend(got)
    return placed


def _cost(grid: Grid, breaks: Sequence[Sequence[int]], placed: Sequence[Placement],
          occs: Sequence[Occurrence], pen: AgentPenalties) -> tuple[float, float, int]:
    """(coverage cost, missed-attendance cost, attendee-intervals missed)."""
    cov = grid.coverage_cost(breaks, placed, occs, pen.under_per_agent_interval,
                             pen.over_per_agent_interval)
    got = [0] * len(occs)
    for pl in placed:
        got[pl.occ] += 1
    missed = sum((o.need - g) * o.k for o, g in zip(occs, got, strict=True))
    return cov, pen.activity_missed * missed, missed


def place_activities(result: AgentSchedule, activities: Sequence[Activity], *,
                     method: str = "optimise", penalties: AgentPenalties | None = None,
                     options: AgentSolverOptions | None = None) -> AgentSchedule:
    """A copy of ``result`` with the activities placed: ``shifts['activities']`` lists them like
    breaks (``10:00-12:00 training``), ``shifts['breaks']`` the (re-optimised) breaks,
    ``coverage`` is recomputed, ``notes`` say what could not be placed and
    ``activities`` (in :meth:`AgentSchedule.summary`) the method, costs and counts.

    ``penalties`` should be the schedule's own (coverage weights, ``activity_missed``);
    ``options`` bound the MIP (default 30 s, gap 1e-4)."""
    if method not in METHODS:
        raise InputError("activities.method", method, "'optimise' or 'greedy'")
    if not len(result.shifts) or not activities:
        return result
    pen = penalties or AgentPenalties()
    shifts = result.shifts.reset_index(drop=True).copy()
    grid = build_grid(shifts, result.coverage, result.templates)
    if result.skill_required is not None:
        grid.use_skills(result.skill_required, result.agents)
    occs = occurrences(grid, activities, [a.id for a in result.agents], result.dates)
    breaks0 = [[b.current for b in sl.breaks] for sl in grid.slots]
    greedy = greedy_placement(grid, occs)
    g_cov, g_miss, g_missed = _cost(grid, breaks0, greedy, occs, pen)
    info: dict[str, object] = {"method": method, "occurrences": len(occs),
                               "greedy_coverage_cost": round(g_cov, 6),
                               "greedy_missed_intervals": g_missed}
    breaks, placed = breaks0, greedy
    notes = list(result.notes)
    if method == "optimise" and occs:
        from staffing.agents.activity_mip import optimise_placement

        opts = options or AgentSolverOptions(time_limit_s=30.0, mip_rel_gap=1e-4)
        m_breaks, m_placed, run = optimise_placement(grid, occs, breaks0, greedy, pen, opts)
        info.update({"mip_status": run.status.value, "mip_objective": run.objective,
                     "mip_bound": run.bound, "mip_gap": run.gap,
                     "mip_solve_s": round(run.solve_s, 3)})
        if m_placed is not None and m_breaks is not None:
            cov, miss, _ = _cost(grid, m_breaks, m_placed, occs, pen)
            if cov + miss <= g_cov + g_miss + 1e-6:
                breaks, placed = m_breaks, m_placed
            else:
                notes.append("activities: the MIP's placement was not better than the greedy's; "
                             "kept the greedy")
        notes.append(f"activities placed by a MIP with the shifts fixed (breaks re-optimised "
                     f"with them, warm-started from the greedy): {run.status.value}")
    else:
        notes.append("activities placed greedily after the solve on the least harmful times")
    cov, miss, missed = _cost(grid, breaks, placed, occs, pen)
    info.update({"coverage_cost": round(cov, 6), "missed_intervals": missed,
                 "placed": len(placed), "needed": sum(o.need for o in occs)})
    shifts = _write(shifts, grid, occs, breaks, placed)
    got = [0] * len(occs)
    for pl in placed:
        got[pl.occ] += 1
    for o, g in zip(occs, got, strict=True):
        if g < o.need:
            where = "" if o.period == "all" else f" ({o.period})"
            notes.append(f"activity {o.activity.name}{where}: placed for {g} of {o.need} "
                         "people (no shift had a free block in its window)")
    ids = {a.id for a in result.agents}
    for a in activities:
        if a.attendees is not None and not ids & set(a.attendees):
            notes.append(f"activity {a.name}: none of its attendees is scheduled")
    cover = result.coverage.copy()
    sched = grid.scheduled(breaks, placed, occs)
    cover["scheduled"] = sched
    cover["under"] = np.maximum(grid.req - sched, 0)
    cover["over"] = np.maximum(sched - grid.req, 0)
    skill_cov = result.skill_coverage
    if result.skill_required is not None:
        from staffing.agents.skill_cover import skill_coverage

        skill_cov = skill_coverage(shifts, result.skill_required, result.agents)
    return dataclasses.replace(result, shifts=shifts, coverage=cover, notes=notes,
                               activities=info, skill_coverage=skill_cov)


def _write(shifts: pd.DataFrame, grid: Grid, occs: Sequence[Occurrence],
           breaks: Sequence[Sequence[int]], placed: Sequence[Placement]) -> pd.DataFrame:
    """``breaks`` and ``activities`` cells of every shift row, in time order."""
    idx, fmin = grid.idx, grid.fmin
    acts: dict[int, list[tuple[int, str]]] = {}
    for pl in placed:
        a = occs[pl.occ].activity
        acts.setdefault(pl.shift, []).append(
            (pl.start, block_label(idx, pl.start, a.duration_min, a.name, fmin)))
    brk, act_col = [], []
    for si, sl in enumerate(grid.slots):
        brk.append("; ".join(block_label(idx, p, b.length * fmin, b.name, fmin)
                             for b, p in zip(sl.breaks, breaks[si], strict=True)))
        act_col.append("; ".join(lbl for _p, lbl in sorted(acts.get(si, []))))
    shifts["breaks"] = brk
    shifts["activities"] = act_col
    return shifts
