"""A constructive start for the skills roster, so a roster exists before HiGHS runs.

Each group's block is built on a heuristic requirement (every queue's need shared evenly by
the groups serving it, after shrinkage; email work as it arrives), so the single-queue greedy
(:func:`staffing.roster.warmstart.greedy_start`) gives the group's shifts, breaks and tours.
Agent time is then handed out interval by interval: voice and chat first, by queue priority
order given (groups with the fewest skills first), then email from its backlog (work already
arrived, earliest deadline first in aggregate). Under-staffing and late work take the rest.
The start is checked against every row of the combined model; one that breaks a hard row
(a template cap across groups, say) is not used.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from staffing.roster.warmstart import greedy_start

__all__ = ["feasible", "heuristic_required", "skills_start"]


def heuristic_required(needs: Sequence[Any], groups: Sequence[Any],
                       shrinkage: float) -> list[np.ndarray]:
    """Per group, agents on duty to aim for: each queue's need (email: workload arriving)
    shared evenly by the groups with its skill, divided by ``1 - shrinkage``."""
    n = len(needs[0].net) if needs else 0
    out = [np.zeros(n) for _ in groups]
    for q in needs:
        who = [gi for gi, g in enumerate(groups) if q.name in g.skills]
        for gi in who:
            out[gi] += q.net / len(who) / (1.0 - shrinkage)
    return out


def skills_start(blocks: Sequence[Any], needs: Sequence[Any], meta: Any, form: Any,
                 shrinkage: float, priority: Sequence[int]) -> tuple[np.ndarray, float] | None:
    """``(column values, objective)`` of a feasible start, or None (module doc)."""
    x = np.zeros(form.n_cols)
    n = len(needs[0].net)
    cap = []
    for b in blocks:
        start = greedy_start(b.built, max_people=b.group.max_headcount)
        if start is None:
            return None
        vals = start[0].copy()
        for k0 in (b.built.under0, b.built.over0):
            vals[k0:k0 + n] = 0.0
        x[b.off:b.off + b.built.n_cols] = vals
        duty = np.array([float(np.dot(v, x[c])) for c, v in zip(b.duty_cols, b.duty_vals,
                                                                   strict=True)])
        cap.append(np.maximum(duty, 0.0) * (1.0 - shrinkage))
    order = sorted(range(len(needs)), key=lambda qi: priority[qi])
    got = {qi: np.zeros(n) for qi in range(len(needs))}
    by_q: dict[int, list[tuple[int, int, np.ndarray]]] = {}
    for (gi, qi), (a0, ts) in meta.alloc.items():
        by_q.setdefault(qi, []).append((gi, a0, ts))
    for qi in order:
        q = needs[qi]
        entries = sorted(by_q.get(qi, []), key=lambda e: len(blocks[e[0]].group.skills))
        if not q.deferrable:
            left = q.net.copy()
            for gi, a0, ts in entries:
                take = np.minimum(left[ts], cap[gi][ts])
                take = np.maximum(take, 0.0)
                x[a0:a0 + len(ts)] = take
                cap[gi][ts] -= take
                left[ts] -= take
                got[qi][ts] += take
    for qi in order:
        q = needs[qi]
        if not q.deferrable:
            continue
        entries = sorted(by_q.get(qi, []), key=lambda e: len(blocks[e[0]].group.skills))
        where = {gi: {int(t): k for k, t in enumerate(ts.tolist())} for gi, _, ts in entries}
        backlog = 0.0
        for t in range(n):
            backlog += float(q.net[t])
            for gi, a0, _ts in entries:
                k = where[gi].get(t)
                if k is None or backlog <= 1e-12:
                    continue
                take = min(backlog, max(cap[gi][t], 0.0))
                x[a0 + k] = take
                cap[gi][t] -= take
                backlog -= take
                got[qi][t] += take
    for qi, q in enumerate(needs):
        if not q.deferrable:
            u0, ts = meta.under[qi]
            x[u0:u0 + len(ts)] = np.maximum(q.net[ts] - got[qi][ts], 0.0)
            continue
        c0, l0 = meta.cum[qi], meta.late[qi]
        done = np.cumsum(got[qi])
        x[c0:c0 + n] = done
        due_w = np.zeros(n)
        d = np.asarray(q.due, dtype=np.int64)
        np.add.at(due_w, d[d < n], q.net[d < n])
        x[l0:l0 + n] = np.maximum(q.handled_share * np.cumsum(due_w) - done, 0.0)
    if not feasible(form, x):
        return None
    return x, float(form.cost @ x)


def feasible(form: Any, values: np.ndarray, tol: float = 1e-6) -> bool:
    """Every row and column bound of the standard form holds at ``values``."""
    rows = np.repeat(np.arange(form.n_rows), np.diff(form.indptr))
    act = np.bincount(rows, weights=form.data * values[form.indices], minlength=form.n_rows)
    return bool((act >= form.row_lb - tol).all() and (act <= form.row_ub + tol).all()
                and (values >= form.col_lb - tol).all() and (values <= form.col_ub + tol).all())
