"""Fix-and-optimise a named schedule on the full per-person model (a large neighbourhood
search), through HiGHS directly (:mod:`staffing.roster.highs`).

The full model (every contract rule, the interval coverage with its breaks, wishes, fairness)
is compiled once by Pyomo's public standard-form compiler and loaded into ``highspy`` once.
Each step frees the shift columns of one neighbourhood (a few people over the whole horizon,
or everybody over a few days; they alternate, seeded) and fixes every other shift at the
incumbent's value through the column bounds, hands the incumbent to HiGHS as a start and
solves the small sub-MIP for a few seconds. The incumbent only changes when a step returns a
solution that is feasible for the whole model (rows, bounds and integrality re-checked here,
not taken on trust) and cheaper; so the result is never worse than the start, and every
personal rule still holds. Step 0 (nothing freed) is the exact evaluation of the start.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from staffing.agents.model import BuiltDayModel
from staffing.agents.solve import AgentSolverOptions, DaySolution, read_solution
from staffing.roster import RosterStatus

__all__ = ["Improvement", "improve_schedule"]

#: Shift columns one neighbourhood frees (at least; a whole person or day at a time).
NEIGHBOURHOOD_COLS = 3000
#: Seconds of one step at most (HiGHS's own limit; the run's total limit is kept).
STEP_S = 6.0
_TOL = 1e-6


@dataclass
class Improvement:
    """The search's outcome: the solution (values loaded into the model), the start's exact
    objective, the steps run and how many improved."""

    solution: DaySolution
    start_objective: float | None
    steps: int
    improved: int
    seconds: float


def _feasible(form: Any, x: np.ndarray, lb: np.ndarray, ub: np.ndarray) -> bool:
    """``x`` within the bounds, integral where integer, and every row within its range."""
    if np.any(x < lb - _TOL) or np.any(x > ub + _TOL):
        return False
    ints = x[form.integer]
    if np.any(np.abs(ints - np.round(ints)) > _TOL):
        return False
    act = np.add.reduceat(form.data * x[form.indices], form.indptr[:-1]) \
        if len(form.data) else np.zeros(form.n_rows)
    empty = np.diff(form.indptr) == 0
    act = np.where(empty, 0.0, act)
    return bool(np.all(act >= form.row_lb - 1e-5) and np.all(act <= form.row_ub + 1e-5))


def _neighbourhoods(keys: Sequence[tuple[int, int, int]], n_staff: int, n_days: int,
                    rng: np.random.Generator, size: int, count: int
                    ) -> list[set[tuple[int, int, int]]]:
    """Alternating neighbourhoods of about ``size`` shift columns: random people (whole
    horizon), then a random window of consecutive days (everybody)."""
    per_e = np.bincount([k[0] for k in keys], minlength=n_staff)
    per_d = np.bincount([k[1] for k in keys], minlength=n_days)
    out: list[set[tuple[int, int, int]]] = []
    people = list(rng.permutation(n_staff))
    for step in range(count):
        if step % 2 == 0 or n_days == 1:
            chosen: set[int] = set()
            cols = 0
            while cols < size and len(chosen) < n_staff:
                if not people:
                    people = list(rng.permutation(n_staff))
                e = int(people.pop())
                if e not in chosen:
                    chosen.add(e)
                    cols += int(per_e[e])
            out.append({k for k in keys if k[0] in chosen})
        else:
            start = int(rng.integers(n_days))
            days: set[int] = set()
            cols = 0
            d = start
            while cols < size and len(days) < n_days:
                days.add(d % n_days)
                cols += int(per_d[d % n_days])
                d += 1
            out.append({k for k in keys if k[1] in days})
    return out


def improve_schedule(built: BuiltDayModel, schedule: Mapping[str, Sequence[str | None]],
                     options: AgentSolverOptions, time_limit_s: float, *,
                     seed: int = 0, target: float | None = None, max_steps: int = 64
                     ) -> Improvement | None:
    """Fix-and-optimise ``schedule`` (option id per person and day, ``None`` off) on
    ``built`` (objective set, no variable fixed) for at most ``time_limit_s`` seconds and
    ``max_steps`` neighbourhoods; stops early once the objective is at most ``target``.
    ``None`` when the model cannot be compiled or the start is infeasible (then the caller
    evaluates it another way)."""
    from staffing.roster import highs as direct

    t0 = time.perf_counter()
    try:
        form, cols, offset = direct.compile_model(built.model)
    except Exception:  # a future Pyomo: the caller falls back
        return None
    pos = {id(v): j for j, v in enumerate(cols)}
    p = built.problem
    xcol: dict[tuple[int, int, int], int] = {}
    inc_x: dict[tuple[int, int, int], float] = {}
    for k, v in built.x.items():
        j = pos.get(id(v))
        if j is not None:
            xcol[k] = j
            e, d, o = k
            inc_x[k] = 1.0 if schedule[p.staff[e].id][d] == p.options[o].id else 0.0
    h = direct.load(form)
    lb0, ub0 = form.col_lb.copy(), form.col_ub.copy()
    all_cols = np.arange(form.n_cols, dtype=np.int32)
    incumbent: np.ndarray | None = None
    best: float | None = None

    busy = [False]  # HiGHS still stopping in the background: the loaded model is not free

    def step(free: set[tuple[int, int, int]], limit_s: float) -> tuple[np.ndarray, float] | None:
        lb, ub = lb0.copy(), ub0.copy()
        for k, j in xcol.items():
            if k not in free:
                lb[j] = ub[j] = inc_x[k]
        h.changeColsBounds(form.n_cols, all_cols, lb, ub)
        run = direct.HighsRun(h, time_limit_s=limit_s, mip_rel_gap=options.mip_rel_gap / 4,
                              threads=options.threads,
                              extra={"random_seed": 0, **options.extra})
        if incumbent is not None and best is not None:
            run.set_start(incumbent, best - offset, to_highs=True)
        out = run.run()
        if out.note and "background" in out.note:
            busy[0] = True
            return None
        if out.values is None:
            return None
        vals = np.asarray(out.values, dtype=float)
        if not _feasible(form, vals, lb, ub):
            return None
        return vals, float(form.cost @ vals) + offset

    rng = np.random.default_rng(seed)
    first = step(set(), max(time_limit_s - (time.perf_counter() - t0), 1.0))
    if first is None:
        return None
    incumbent, best = first
    start_obj = best
    steps = improved = 0
    size = max(NEIGHBOURHOOD_COLS, len(xcol) // 20)
    for free in _neighbourhoods(sorted(xcol), len(p.staff), p.n_days, rng, size, max_steps):
        left = time_limit_s - (time.perf_counter() - t0)
        if left < 1.0 or busy[0] or (target is not None and best <= target):
            break
        res = step(free, min(STEP_S, left))
        steps += 1
        if res is None:
            continue
        vals, obj = res
        if obj < best - 1e-6:
            improved += 1
            incumbent, best = vals, obj
            for k, j in xcol.items():
                inc_x[k] = float(round(vals[j]))
    assert incumbent is not None
    for v, val in zip(cols, incumbent.tolist(), strict=True):
        v.set_value(round(val) if v.is_integer() else val, skip_validation=True)
    status = RosterStatus.FEASIBLE
    sol = read_solution(built, status, best, None, time.perf_counter() - t0, "fix-and-optimise")
    return Improvement(sol, start_obj, steps, improved, time.perf_counter() - t0)
