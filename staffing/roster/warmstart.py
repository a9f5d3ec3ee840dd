"""A constructive warm start: a feasible roster in milliseconds, kept until HiGHS beats it.

Greedy by person (a tour): at each step every tour class (template, paid length, start band)
and days-off pattern is scored by what one more person on it would save — the coverage
penalties avoided minus the wages, with the best start of the band on each working day,
computed for all starts at once from prefix sums of the marginal value of one more agent per
interval. Intervals below the hard minimum staff get a value large enough to dominate. The best
person is added while the saving is positive or a floor is still short, within the
templates' headcount and the part-time share. Breaks are then placed shift by shift (in start
order) where the floor is most over-staffed inside each break window, never below the minimum
staff when avoidable, so breaks come out staggered.

Service mode first turns the weekly target into agents per interval without shifts (each
interval staffed while one more agent answers enough more calls within the threshold for its
wage at a price bisected to meet the target, never below the model's fewest agents) and
covers that profile the same way; the target is raised by 1 and 3 points, and floors broken by
breaks get their shortfall added, until the roster meets the target and floors after breaks.

The result is written in the model's own columns (shift counts, break counts, their prefix
chains, people per pattern, the split of shifts over start bands, under/over) and checked
against every row of the model; a start that breaks a hard row (a floor no template can reach)
is not returned. Units: objective in currency per horizon, like the model.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["greedy_start"]


def _tier_split(short: np.ndarray, tiers: tuple[tuple[float, float], ...]) -> list[np.ndarray]:
    """``short`` agents per interval split over the under-staffing tiers, cheapest first."""
    left = np.maximum(short, 0.0)
    out = []
    for width, _price in tiers:
        take = np.minimum(left, width)
        out.append(take)
        left = left - take
    return out


def _under_cost(short: np.ndarray, tiers: tuple[tuple[float, float], ...]) -> np.ndarray:
    return sum((part * price for part, (_w, price) in zip(_tier_split(short, tiers), tiers,
                                                          strict=True)),
               np.zeros_like(short))


def _marginal(req: np.ndarray, sched: np.ndarray, floor: np.ndarray, under: float,
              over: float, big: float,
              tiers: tuple[tuple[float, float], ...] = ()) -> np.ndarray:
    """Saving (currency) of one more agent on the floor in each interval (``tiers``: convex
    under-staffing, else ``under`` per agent-interval)."""
    tiers = tiers or ((np.inf, under),)
    short_now = np.maximum(req - sched, 0.0)
    short_next = np.maximum(req - sched - 1.0, 0.0)
    over_now = np.maximum(sched - req, 0.0)
    over_next = np.maximum(sched + 1.0 - req, 0.0)
    gain = (_under_cost(short_now, tiers) - _under_cost(short_next, tiers)
            - over * (over_next - over_now))
    return gain + big * (sched < floor)


def _shift_gains(prefix: np.ndarray, starts: np.ndarray, span: int) -> np.ndarray:
    return prefix[starts + span] - prefix[starts]


def greedy_start(built: Any, *, max_people: int | None = None) -> tuple[np.ndarray, float] | None:
    """A feasible start for ``built`` (a :class:`~staffing.roster.build.BuiltModel`) as
    ``(column values, objective)``, or ``None`` when the greedy cannot meet the hard rules.

    In service mode the shift-free least-wage staffing for the weekly target
    (:func:`service_profile`) is covered like a requirement (:func:`_profile_start`), the target
    raised a little while breaks leave the roster short; if that fails, people are added by
    promised calls per unit of wages until the target and the floors are met."""
    form = built.form
    if form is None or built.integer.size == 0 or not built.integer.any():
        return None
    if getattr(built, "service", None) is None:
        out, _ = _attempt(built, max_people, 0.0, None)
        return out
    return _profile_start(built, max_people) or _service_start(built, max_people)


def service_profile(svc: Any, z_int: np.ndarray, need: np.ndarray, wage: float,
                    level: float) -> np.ndarray:
    """Agents per interval that meet the weekly ``level`` (fraction) at least wages, ignoring
    shifts: each interval is staffed while one more agent answers at least ``wage / price``
    more calls within the threshold (the table is concave from the onset), never below
    ``need``; the price is bisected until the level is met. ``wage`` is currency per
    agent-interval."""
    table = svc.promise_table()
    gain = np.diff(table, axis=1)  # (N, K)
    ks = np.arange(table.shape[1] - 1)
    total = float(svc.calls.sum())
    rows = np.arange(table.shape[0])

    def staff(price: float) -> np.ndarray:
        worth = (gain * price >= wage) & (ks[None, :] >= need[:, None])
        # concave from the onset: the worthwhile steps are a run from ``need``
        s = need + worth.sum(axis=1)
        s = np.where(np.isin(rows, z_int), s, need)
        return np.minimum(s, svc.k_max)

    def level_of(s: np.ndarray) -> float:
        return float(table[rows, s].sum()) / max(total, 1e-12)

    lo, hi = 0.0, 1.0
    while level_of(staff(hi)) < level and hi < 1e12:
        lo, hi = hi, hi * 4.0
    for _ in range(50):
        mid = 0.5 * (lo + hi)
        if level_of(staff(mid)) >= level:
            hi = mid
        else:
            lo = mid
    return staff(hi)


def _profile_start(built: Any, max_people: int | None) -> tuple[np.ndarray, float] | None:
    """Service mode's start: the shift-free least-wage profile for the weekly target
    (:func:`service_profile`) covered like a requirement, the target raised a little (0 to
    4 points) while breaks and shift shapes leave the roster short of it or of a floor."""
    svc = built.service
    z_int = built.z_intervals
    h = built.horizon
    need = np.maximum(np.maximum(np.asarray(h.min_staff), 0), 0).astype(np.int64)
    need[z_int] = np.maximum(need[z_int], svc.min_agents()[z_int])
    wage = min(t.cost_per_hour for t in built.config.templates) * h.freq_min / 60
    extra = np.zeros(h.n)
    for margin in (0.0, 0.01, 0.03):
        level = min(svc.target + margin, 1.0)
        for _ in range(4):
            profile = service_profile(svc, z_int, need + extra.astype(np.int64), wage, level)
            out, short = _attempt(built, max_people, 0.0, extra, profile=profile)
            if out is not None:
                return out
            if short is None or not short.any():
                break  # the weekly target was missed: aim higher
            extra = extra + np.ceil(short)  # breaks broke a floor there: that many more
    return None


def _service_start(built: Any, max_people: int | None) -> tuple[np.ndarray, float] | None:
    """Fallback service start: people by promised calls per unit of wages until the target
    (plus 0, 1, 3 points for the breaks placed afterwards) and the floors are met."""
    extra = np.zeros(built.horizon.n)
    for margin in (0.0, 0.01, 0.03):
        for _ in range(4):  # breaks broke a floor: ask for that many more agents there, redo
            out, short = _attempt(built, max_people, margin, extra)
            if out is not None:
                return out
            if short is None or not short.any():
                break
            extra = extra + np.ceil(short)
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
                      big: float) -> np.ndarray:
    """Value of one more agent per interval: promised answered calls gained (x big), plus big
    where the staff floor or the interval service floor is short."""
    table = svc.promise_table()
    k = svc.k_max
    s = np.clip(np.rint(sched), 0, k).astype(int)
    rows = np.arange(len(s))
    gain = table[rows, np.minimum(s + 1, k)] - table[rows, s]
    mask = np.zeros(len(s), bool)
    mask[z_int] = True
    value = np.where(mask, gain, 0.0) * big
    if svc.interval_floor:
        short = mask & (table[rows, s] < svc.interval_floor * svc.calls - 1e-9)
        value = value + big * short
    return value + big * (sched < floor)


def _attempt(built: Any, max_people: int | None, margin: float,
             extra: np.ndarray | None, *, profile: np.ndarray | None = None
             ) -> tuple[tuple[np.ndarray, float] | None, np.ndarray | None]:
    """One greedy pass; on failure also the agents each interval is short of its floor (or
    None).
    In service mode people are added until the target plus ``margin`` and the floors are
    met; with a ``profile`` (agents per interval) that profile is covered as in requirement
    mode (shortfall at 4 x the dearest wage per agent-interval), and the result is checked
    against the service target and floors."""
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
    tiers: tuple[tuple[float, float], ...] = tuple(getattr(built, "tiers", ()))
    if tiers:
        under = max(price for _w, price in tiers)
    target = req
    if profile is not None:
        tiers = ()
        target = np.asarray(profile, dtype=float)
        under, over = 4.0 * max(wages) * h.freq_min / 60, 0.0
    as_requirement = svc is None or profile is not None
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
    for _ in range(limit):
        if as_requirement:
            g_val = _marginal(target, sched, floor, under, over, big, tiers)
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
            if not as_requirement:  # service: most promised calls per unit of wages
                per_week = wage * c.patterns.sum(axis=1)
                scores = np.where(np.isfinite(scores), (scores + per_week) /
                                  np.maximum(per_week, 1e-9), -np.inf)
            p = int(np.argmax(scores))
            if scores[p] > best[0] + 1e-9:
                best = (float(scores[p]), ci, p, day_start)
        saving, ci, p, day_start = best
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
            spare = sched[cover] - target[cover]
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
    for k, part in enumerate(_tier_split(req - sched, tuple(getattr(built, "tiers", ())))):
        values[built.tier0 + k * n:built.tier0 + (k + 1) * n] = part
    values[built.over0:built.over0 + n] = np.maximum(sched - req, 0.0)
    if svc is not None and len(z_int):
        ok, got = _service_state(svc, z_int, sched, 0.0)
        if not ok:
            return None, np.maximum(floor - sched, 0.0)
        values[built.z0:built.z0 + len(z_int)] = got[z_int]
    if getattr(built, "overflow", None) is not None:  # the start sends nothing out
        built.overflow.start_values(values, sched, {
            int(i): built.z0 + q for q, i in enumerate(z_int.tolist())}, built)
    if not _feasible(form, values):
        return None, np.maximum(floor - sched, 0.0)
    return (values, float(form.cost @ values)), None


def _feasible(form: Any, values: np.ndarray, tol: float = 1e-6) -> bool:
    rows = np.repeat(np.arange(form.n_rows), np.diff(form.indptr))
    act = np.bincount(rows, weights=form.data * values[form.indices], minlength=form.n_rows)
    return bool((act >= form.row_lb - tol).all() and (act <= form.row_ub + tol).all()
                and (values >= form.col_lb - tol).all() and (values <= form.col_ub + tol).all())
