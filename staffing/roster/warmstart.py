"""A constructive warm start: a feasible roster in milliseconds, handed to HiGHS.

Greedy by person (a tour): at each step every tour class (template, paid length, start band)
and days-off pattern is scored by what one more person on it would save — the coverage
penalties avoided minus the wages, with the best start of the band on each working day,
computed for all starts at once from prefix sums of the marginal value of one more agent per
interval. Intervals below the hard minimum staff get a value large enough to dominate. The best
person is added while the saving is positive or a floor is still short, within the
templates' headcount and the part-time share. Breaks are then placed shift by shift (in start
order) where the floor is most over-staffed inside each break window, never below the minimum
staff when avoidable, so breaks come out staggered.

The result is written in the model's own columns (shift counts, break counts, their prefix
chains, people per pattern, the split of shifts over start bands, under/over) and checked
against every row of the model; a start that breaks a hard row (a floor no template can reach)
is not returned. Units: objective in currency per horizon, like the model.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

__all__ = ["greedy_start"]


def _marginal(req: np.ndarray, sched: np.ndarray, floor: np.ndarray, under: float,
              over: float, big: float) -> np.ndarray:
    """Saving (currency) of one more agent on the floor in each interval."""
    short_now = np.maximum(req - sched, 0.0)
    short_next = np.maximum(req - sched - 1.0, 0.0)
    over_now = np.maximum(sched - req, 0.0)
    over_next = np.maximum(sched + 1.0 - req, 0.0)
    gain = under * (short_now - short_next) - over * (over_next - over_now)
    return gain + big * (sched < floor)


def _shift_gains(prefix: np.ndarray, starts: np.ndarray, span: int) -> np.ndarray:
    return prefix[starts + span] - prefix[starts]


def greedy_start(built: Any, *, max_people: int | None = None) -> tuple[np.ndarray, float] | None:
    """A feasible start for ``built`` (a :class:`~staffing.roster.build.BuiltModel`) as
    ``(column values, objective)``, or ``None`` when the greedy cannot meet the hard rules.

    In service mode a price per promised call answered within the threshold is searched for
    (:func:`_service_start`); people are added while they save more than they cost, and the
    cheapest roster that meets the weekly target and the floors (after its breaks) is kept."""
    form = built.form
    if form is None or built.integer.size == 0 or not built.integer.any():
        return None
    if getattr(built, "service", None) is None:
        out, _ = _attempt(built, max_people, 0.0, None)
        return out
    return _service_start(built, max_people)


def _service_start(built: Any, max_people: int | None,
                   budget_s: float = 0.5) -> tuple[np.ndarray, float] | None:
    """Service mode: a price per promised call answered within the threshold turns the
    service into a requirement-like saving (price x calls gained - wages); the price is
    doubled until the roster meets the weekly target and floors, then bisected (within
    ``budget_s`` seconds of passes) for the cheapest roster that still does. If no price
    gives a feasible roster, the older fill-until-met greedy is tried."""
    t0 = time.perf_counter()
    extra = np.zeros(built.horizon.n)
    best: tuple[np.ndarray, float] | None = None
    lo, hi = 0.0, None
    price = 1.0
    for _ in range(40):
        out, short = _attempt(built, max_people, 0.0, extra, price=price)
        if out is None and short is not None and short.any() and hi is None:
            extra = extra + short  # breaks broke a floor there: one more agent, redo
            out, short = _attempt(built, max_people, 0.0, extra, price=price)
        if out is not None:
            hi = price
            if best is None or out[1] < best[1]:
                best = out
        else:
            lo = price
        if hi is None:
            price *= 2.0
            if price > 1e7:
                break
        else:
            if hi - lo <= 0.02 * hi or time.perf_counter() - t0 > budget_s:
                break
            price = 0.5 * (lo + hi)
    if best is not None:
        return best
    extra = np.zeros(built.horizon.n)
    for margin in (0.0, 0.01, 0.03):
        for _ in range(4):  # breaks broke a floor: ask for one more agent there and redo
            out, short = _attempt(built, max_people, margin, extra)
            if out is not None:
                return out
            if short is None or not short.any():
                break
            extra = extra + short
    return None


def _service_state(svc: Any, z_int: np.ndarray, sched: np.ndarray,
                   margin: float) -> tuple[bool, np.ndarray]:
    """(target and floors met?, promised answered per interval) for whole agents ``sched``."""
    table = svc.promise_table()
    s = np.clip(np.rint(sched), 0, svc.k_max).astype(int)
    got = table[np.arange(len(s)), s]
    ok = got[z_int].sum() >= (min(svc.target + margin, 1.0)) * svc.calls.sum() - 1e-9
    if svc.interval_floor:
        ok = ok and bool((got[z_int] >= svc.interval_floor * svc.calls[z_int] - 1e-9).all())
    return bool(ok), got


def _service_marginal(svc: Any, z_int: np.ndarray, sched: np.ndarray, floor: np.ndarray,
                      big: float, price: float | None = None,
                      floor_value: float | None = None) -> np.ndarray:
    """Value of one more agent per interval: promised answered calls gained (x ``price``, or
    x big without a price), plus big where the staff floor or the interval service floor is
    short."""
    table = svc.promise_table()
    k = svc.k_max
    s = np.clip(np.rint(sched), 0, k).astype(int)
    rows = np.arange(len(s))
    gain = table[rows, np.minimum(s + 1, k)] - table[rows, s]
    mask = np.zeros(len(s), bool)
    mask[z_int] = True
    value = np.where(mask, gain, 0.0) * (big if price is None else price)
    if svc.interval_floor:
        short = mask & (table[rows, s] < svc.interval_floor * svc.calls - 1e-9)
        value = value + big * short
    fv = big if floor_value is None else floor_value
    return value + fv * (sched < floor)


def _attempt(built: Any, max_people: int | None, margin: float,
             extra: np.ndarray | None, *, price: float | None = None
             ) -> tuple[tuple[np.ndarray, float] | None, np.ndarray | None]:
    """One greedy pass; on failure also the intervals left short of a floor (or None).
    In service mode with a ``price`` (currency per promised call answered within the
    threshold) people are added while they save more than they cost, as in requirement
    mode; without one, until the target plus ``margin`` and the floors are met."""
    form = built.form
    svc = getattr(built, "service", None)
    z_int = getattr(built, "z_intervals", np.zeros(0, np.int64))
    h = built.horizon
    cfg = built.config
    n = h.n
    req = np.asarray(h.required, dtype=float)
    floor = np.maximum(np.asarray(h.min_staff, dtype=float), 0.0)
    if svc is not None and len(z_int):
        # the model's fewest agents per interval (onset, interval service floor), kept by
        # people and breaks like min_staff
        floor[z_int] = np.maximum(floor[z_int], svc.min_agents()[z_int])
    if extra is not None:
        floor = floor + extra
    under = float(form.cost[built.under0])
    over = float(form.cost[built.over0])
    wages = [t.cost_per_hour for t in cfg.templates]
    big = 10.0 * (max(wages) * 24 + under + over + 1.0)

    group_of: dict[tuple[int, int, int], Any] = {(g.template, g.length_min, g.day): g
                                                 for g in built.groups}
    classes = built.classes
    members: list[dict[int, np.ndarray]] = []  # per class: day -> start indices in its band
    for c in classes:
        per_day = {}
        for d in range(c.patterns.shape[1]):
            g = group_of.get((c.template, c.length_min, d))
            if g is None:
                continue
            idx = np.nonzero((g.start_wall >= c.band_lo) & (g.start_wall <= c.band_hi))[0]
            if len(idx):
                per_day[d] = idx
        members.append(per_day)

    sched = np.zeros(n)
    people = np.zeros(len(classes), dtype=np.int64)
    per_pattern = [np.zeros(len(c.patterns), dtype=np.int64) for c in classes]
    shifts: list[tuple[Any, int, int]] = []  # (group, start index, class index)
    head = np.zeros(len(cfg.templates), dtype=np.int64)
    pt_flags = np.array([cfg.templates[c.template].part_time for c in classes], dtype=bool)
    share = cfg.rules.part_time_share_max
    limit = max_people if max_people is not None else int(4 * (req.max() + floor.max()) *
                                                          len(h.dates) + 50)
    if svc is not None:
        limit = max(limit, int(4 * svc.k_max * len(h.dates) + 50))
    escalate = False
    floor_value = 4.0 * max(wages) * h.freq_min / 60
    for _ in range(limit):
        if svc is None:
            g_val = _marginal(req, sched, floor, under, over, big)
        elif price is not None:
            # floors first at a price a planner would pay (4 x the dearest wage per agent-
            # interval short), so people are not stacked to fill them; what is still short
            # when nobody saves more than they cost is filled at any price
            g_val = _service_marginal(svc, z_int, sched, floor, big, price,
                                      None if escalate else floor_value)
        else:
            if _service_state(svc, z_int, sched, margin)[0] and (sched >= floor).all():
                break
            g_val = _service_marginal(svc, z_int, sched, floor, big)
        prefix = np.concatenate([[0.0], np.cumsum(np.concatenate([g_val, g_val]))])
        best: tuple[float, int, int, dict[int, int]] = (0.0, -1, -1, {})  # saving, class,
        # pattern, day -> start index
        total = int(people.sum())
        pt_total = int(people[pt_flags].sum())
        group_gain: dict[int, np.ndarray] = {}
        for ci, c in enumerate(classes):
            tpl = cfg.templates[c.template]
            if tpl.max_headcount is not None and head[c.template] >= tpl.max_headcount:
                continue
            if pt_flags[ci] and pt_total + 1 > share * (total + 1) + 1e-9:
                continue
            day_best = np.full(c.patterns.shape[1], -np.inf)
            day_start: dict[int, int] = {}
            wage = tpl.cost_per_hour * c.length_min / 60
            for d, idx in members[ci].items():
                g = group_of[(c.template, c.length_min, d)]
                key = id(g)
                if key not in group_gain:
                    group_gain[key] = _shift_gains(prefix, g.starts % n, g.span)
                gains = group_gain[key][idx]
                k = int(np.argmax(gains))
                day_best[d] = gains[k] - wage
                day_start[d] = int(idx[k])
            if not day_start:
                continue
            scores = np.where(c.patterns.astype(bool), day_best[None, :], 0.0).sum(axis=1)
            scores[~np.isfinite(scores)] = -np.inf
            if svc is not None and price is None:  # most promised calls per unit of wages
                per_week = wage * c.patterns.sum(axis=1)
                scores = np.where(np.isfinite(scores), (scores + per_week) /
                                  np.maximum(per_week, 1e-9), -np.inf)
            p = int(np.argmax(scores))
            if scores[p] > best[0] + 1e-9:
                best = (float(scores[p]), ci, p, day_start)
        saving, ci, p, day_start = best
        if ci < 0 and price is not None and not escalate and (sched < floor).any():
            escalate = True
            continue
        if ci < 0:
            break
        c = classes[ci]
        people[ci] += 1
        per_pattern[ci][p] += 1
        head[c.template] += 1
        for d in np.nonzero(c.patterns[p])[0].tolist():
            g = group_of[(c.template, c.length_min, d)]
            i = day_start[d]
            sched[(g.starts[i] + np.arange(g.span)) % n] += 1
            shifts.append((g, i, ci))

    # ---- breaks, staggered: in start order, where the floor has most to spare -------------
    values = np.zeros(form.n_cols)
    break_counts: dict[tuple[int, int], np.ndarray] = {}
    shifts.sort(key=lambda s: int(s[0].starts[s[1]]))
    for g, i, _ci in shifts:
        for k, fam in enumerate(g.breaks):
            lo = int(g.starts[i]) + fam.offset_lo
            hi = int(g.starts[i]) + fam.offset_hi
            cand = np.arange(lo, hi + 1)
            cover = (cand[:, None] + np.arange(fam.duration)[None, :]) % n
            spare = sched[cover] - req[cover]
            safe = (sched[cover] - 1 >= floor[cover]).all(axis=1)
            score = spare.min(axis=1) + big * safe
            j = int(cand[int(np.argmax(score))])
            sched[(j + np.arange(fam.duration)) % n] -= 1
            counts = break_counts.setdefault((id(g), k), np.zeros(len(fam.positions), np.int64))
            counts[j - int(fam.positions[0])] += 1

    # ---- write the columns ----------------------------------------------------------------
    x_counts: dict[int, np.ndarray] = {}
    by_class_start: dict[tuple[int, int], np.ndarray] = {}
    for g, i, ci in shifts:
        x = x_counts.setdefault(id(g), np.zeros(len(g.starts), np.int64))
        x[i] += 1
        u = by_class_start.setdefault((id(g), ci), np.zeros(len(g.starts), np.int64))
        u[i] += 1
    class_pos = {id(c): ci for ci, c in enumerate(classes)}
    for g in built.groups:
        x = x_counts.get(id(g), np.zeros(len(g.starts), np.int64))
        values[g.x0:g.x0 + len(g.starts)] = x
        if g.breaks:
            values[g.s0:g.s0 + len(g.starts)] = np.cumsum(x)
        for k, fam in enumerate(g.breaks):
            w = break_counts.get((id(g), k), np.zeros(len(fam.positions), np.int64))
            values[fam.w0:fam.w0 + len(fam.positions)] = w
            values[fam.c0:fam.c0 + len(fam.positions)] = np.cumsum(w)
    for ci, c in enumerate(classes):
        values[c.y0:c.y0 + len(c.patterns)] = per_pattern[ci]
    for g, lay in built.bands:
        for c, mem, u0 in lay:
            u = by_class_start.get((id(g), class_pos[id(c)]), np.zeros(len(g.starts), np.int64))
            values[u0:u0 + len(mem)] = u[mem]
    values[built.under0:built.under0 + n] = np.maximum(req - sched, 0.0)
    values[built.over0:built.over0 + n] = np.maximum(sched - req, 0.0)
    if svc is not None and len(z_int):
        ok, got = _service_state(svc, z_int, sched, 0.0)
        if not ok:
            return None, sched < floor
        values[built.z0:built.z0 + len(z_int)] = got[z_int]
    if not _feasible(form, values):
        return None, sched < floor
    return (values, float(form.cost @ values)), None


def _feasible(form: Any, values: np.ndarray, tol: float = 1e-6) -> bool:
    rows = np.repeat(np.arange(form.n_rows), np.diff(form.indptr))
    act = np.bincount(rows, weights=form.data * values[form.indices], minlength=form.n_rows)
    return bool((act >= form.row_lb - tol).all() and (act <= form.row_ub + tol).all()
                and (values >= form.col_lb - tol).all() and (values <= form.col_ub + tol).all())
