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

import threading
from typing import Any

import numpy as np

__all__ = ["greedy_start", "lp_seed", "rounded_start"]


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


#: How far up the LP's people are rounded (a fraction f rounds y up when its fractional part
#: is >= 1 - f): all up (then surplus people are dropped), half, all down; the cheapest wins.
ROUNDINGS = (0.999, 0.5, 1e-6)


def rounded_start(built: Any, lp_values: np.ndarray,
                  cancel: threading.Event | None = None) -> tuple[np.ndarray, float] | None:
    """A start from an LP solution of the model (``lp_values``): its people rounded
    (:func:`lp_seed`, each of :data:`ROUNDINGS`), completed greedily until the target (plus
    0, 1, 3 points for the breaks placed afterwards) and the floors hold (service mode) or
    while a person saves more than they cost (requirement mode), then (service mode) people
    dropped while the target and floors still hold; the cheapest of them. None when every
    rounding fails; ``cancel`` stops after the rounding under way."""
    if built.form is None or not built.integer.any():
        return None
    best: tuple[np.ndarray, float] | None = None
    for up in ROUNDINGS:
        if cancel is not None and cancel.is_set() and best is not None:
            break
        out = _rounded(built, lp_seed(built, lp_values, up))
        if out is not None and (best is None or out[1] < best[1] - 1e-9):
            best = out
    return best


def _rounded(built: Any, seed: list[tuple[int, int, dict[int, int]]]
             ) -> tuple[np.ndarray, float] | None:
    if getattr(built, "service", None) is None:
        out, _ = _attempt(built, None, 0.0, None, seed=seed)
        return out
    return _service_start(built, None, seed)


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


def _service_start(built: Any, max_people: int | None,
                   seed: list[tuple[int, int, dict[int, int]]] | None = None
                   ) -> tuple[np.ndarray, float] | None:
    """Service start (the fallback of the greedy, and the completion of a rounded LP's
    ``seed`` people): people by promised calls per unit of wages until the target (plus 0,
    1, 3 points for the breaks placed afterwards) and the floors are met."""
    extra = np.zeros(built.horizon.n)
    for margin in (0.0, 0.01, 0.03):
        for _ in range(4):  # breaks broke a floor: ask for that many more agents there, redo
            out, short = _attempt(built, max_people, margin, extra, seed=seed)
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
             extra: np.ndarray | None, *, profile: np.ndarray | None = None,
             seed: list[tuple[int, int, dict[int, int]]] | None = None
             ) -> tuple[tuple[np.ndarray, float] | None, np.ndarray | None]:
    """One greedy pass; on failure also the agents each interval is short of its floor (or
    None).
    In service mode people are added until the target plus ``margin`` and the floors are
    met; with a ``profile`` (agents per interval) that profile is covered as in requirement
    mode (shortfall at 4 x the dearest wage per agent-interval), and the result is checked
    against the service target and floors. ``seed`` people (class, pattern, day -> start
    index) are placed first."""
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
    shifts: list[tuple[Any, int, int, int]] = []  # (group, start index, class, person)
    person_class: list[int] = []
    head = np.zeros(len(cfg.templates), dtype=np.int64)
    pt_flags = np.array([cfg.templates[c.template].part_time for c in classes], dtype=bool)
    share = cfg.rules.part_time_share_max
    limit = max_people if max_people is not None else int(4 * (req.max() + floor.max()) *
                                                          len(h.dates) + 50)
    if svc is not None:
        limit = max(limit, int(4 * svc.k_max * len(h.dates) + 50))

    def add(ci: int, p: int, day_start: dict[int, int]) -> None:
        c = classes[ci]
        people[ci] += 1
        per_pattern[ci][p] += 1
        head[c.template] += 1
        pid = len(person_class)
        person_class.append(ci * 1_000_000 + p)
        for d in np.nonzero(c.patterns[p])[0].tolist():
            g = group_of[(c.template, c.length_min, d)]
            i = day_start[d]
            sched[(g.starts[i] + np.arange(g.span)) % n] += 1
            shifts.append((g, i, ci, pid))

    for seed_ci, seed_p, seed_starts in seed or ():
        add(seed_ci, seed_p, seed_starts)
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
        add(ci, p, day_start)
    # ---- breaks, staggered: in start order, where the floor has most to spare -------------
    values = np.zeros(form.n_cols)
    placed: list[list[tuple[int, int]]] = []  # per shift: (family index, break start)
    shifts.sort(key=lambda s: int(s[0].starts[s[1]]))
    for g, i, _ci, _pid in shifts:
        mine = []
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
            mine.append((k, j))
        placed.append(mine)
    if len(shifts) and (svc is None or len(z_int)):
        keep = _drop_people(built, shifts, placed, sched, len(person_class))
        shifts = [sh for sh, kp in zip(shifts, keep, strict=True) if kp]
        placed = [pl for pl, kp in zip(placed, keep, strict=True) if kp]
        per_pattern = [np.zeros(len(c.patterns), dtype=np.int64) for c in classes]
        for pc in {sh[3]: person_class[sh[3]] for sh in shifts}.values():
            per_pattern[pc // 1_000_000][pc % 1_000_000] += 1
    break_counts: dict[tuple[int, int], np.ndarray] = {}
    for (g, _i, _ci, _pid), mine in zip(shifts, placed, strict=True):
        for k, j in mine:
            fam = g.breaks[k]
            counts = break_counts.setdefault((id(g), k), np.zeros(len(fam.positions), np.int64))
            counts[j - int(fam.positions[0])] += 1

    # ---- write the columns ----------------------------------------------------------------
    x_counts: dict[int, np.ndarray] = {}
    by_class_start: dict[tuple[int, int], np.ndarray] = {}
    for g, i, ci, _pid in shifts:
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


def lp_seed(built: Any, values: np.ndarray, up: float = 1e-6
            ) -> list[tuple[int, int, dict[int, int]]]:
    """Whole people from an LP solution of the model (``values``, its columns): per tour
    class and days-off pattern ``floor(y + up)`` of the LP's ``y`` people (``up`` = 1e-6:
    rounded down; 0.999: up), each working day's start taken
    from the LP's shifts of that class (largest remainder over the starts of its band)."""
    classes = built.classes
    group_of = {(g.template, g.length_min, g.day): g for g in built.groups}
    # LP shifts per (class, day) over the group's starts
    weights: dict[tuple[int, int], np.ndarray] = {}
    class_pos = {id(c): ci for ci, c in enumerate(classes)}
    split = set()
    for g, lay in built.bands:
        for c, mem, u0 in lay:
            w = np.zeros(len(g.starts))
            w[mem] = np.maximum(values[u0:u0 + len(mem)], 0.0)
            weights[(class_pos[id(c)], g.day)] = w
        split.add(id(g))
    out: list[tuple[int, int, dict[int, int]]] = []
    for ci, c in enumerate(classes):
        ys = np.floor(np.maximum(values[c.y0:c.y0 + len(c.patterns)], 0.0) + up
                      ).astype(int)
        if not ys.any():
            continue
        per_day: dict[int, list[int]] = {}
        for d in range(c.patterns.shape[1]):
            m = int((ys * c.patterns[:, d]).sum())
            g = group_of.get((c.template, c.length_min, d))
            if not m or g is None:
                continue
            band = (g.start_wall >= c.band_lo) & (g.start_wall <= c.band_hi)
            lp_w = weights.get((ci, d))
            if lp_w is None:
                lp_w = np.maximum(values[g.x0:g.x0 + len(g.starts)], 0.0)
            w = np.where(band, lp_w, 0.0)
            if w.sum() <= 1e-9:
                w = band.astype(float)
            want = m * w / w.sum()
            take = np.floor(want).astype(int)
            rest = m - int(take.sum())
            if rest > 0:
                take[np.argsort(-(want - take), kind="stable")[:rest]] += 1
            per_day[d] = np.repeat(np.arange(len(g.starts)), take).tolist()
        for p in np.nonzero(ys)[0].tolist():
            days = np.nonzero(c.patterns[p])[0].tolist()
            for _ in range(int(ys[p])):
                if not all(per_day.get(d) for d in days):
                    break
                out.append((ci, p, {d: per_day[d].pop() for d in days}))
    return out


def _drop_people(built: Any, shifts: list[tuple[Any, int, int, int]],
                 placed: list[list[tuple[int, int]]], sched: np.ndarray,
                 n_people: int) -> np.ndarray:
    """Local improvement: drop whole people (all their shifts and breaks, the others' breaks
    staying where they are) while the roster stays feasible and gets cheaper. Service mode:
    while the weekly target and every floor hold, the one losing the fewest promised
    answered calls per unit of wages first; requirement mode: while a person's wages exceed
    the coverage penalties their absence adds (minimum staff kept), the biggest saving
    first. Updates ``sched`` (agents on the floor) in place; returns which shifts are kept."""
    h = built.horizon
    cfg = built.config
    n = h.n
    on = np.zeros((n_people, n), dtype=np.int64)  # each person's agents on the floor
    wage = np.zeros(n_people)
    part = np.zeros(n_people, dtype=bool)
    for (g, i, _ci, pid), mine in zip(shifts, placed, strict=True):
        tpl = cfg.templates[g.template]
        np.add.at(on[pid], (g.starts[i] + np.arange(g.span)) % n, 1)
        for k, j in mine:
            np.add.at(on[pid], (j + np.arange(g.breaks[k].duration)) % n, -1)
        wage[pid] += tpl.cost_per_hour * g.length_min / 60
        part[pid] = tpl.part_time
    floor = np.maximum(np.asarray(h.min_staff, dtype=float), 0.0)
    svc = getattr(built, "service", None)
    z_int = getattr(built, "z_intervals", np.zeros(0, np.int64))
    if svc is not None:
        floor[z_int] = np.maximum(floor[z_int], svc.min_agents()[z_int])
    share = cfg.rules.part_time_share_max
    alive = np.ones(n_people, dtype=bool)
    s = np.rint(sched).astype(np.int64)
    gain = _service_gain(built, wage) if svc is not None else _penalty_gain(built, wage)
    for _ in range(n_people):
        after = s[None, :] - on  # (people, N): the floor without each person
        ok = alive & ~((on != 0) & (after < floor[None, :] - 1e-9)).any(axis=1)
        total, pt = int(alive.sum()), int((alive & part).sum())
        ok &= part | (pt <= share * (total - 1) + 1e-9)
        score = gain(s, after, ok)
        if not np.isfinite(score).any():
            break
        j = int(np.argmax(score))
        alive[j] = False
        s = s - on[j]
    sched[:] = s
    return np.array([bool(alive[sh[3]]) for sh in shifts], dtype=bool)


def _service_gain(built: Any, wage: np.ndarray) -> Any:
    """Score of dropping each person in service mode (-inf: not allowed): minus the promised
    answered calls lost per unit of wages, while the target and the service floors hold."""
    svc = built.service
    n = built.horizon.n
    table = svc.promise_table()
    rows = np.arange(n)
    mask = np.zeros(n, dtype=bool)
    mask[built.z_intervals] = True
    need_total = svc.target * float(svc.calls.sum()) + 1e-6
    floor_calls = (svc.interval_floor or 0.0) * svc.calls

    def score(s: np.ndarray, after: np.ndarray, ok: np.ndarray) -> np.ndarray:
        got = np.where(mask, table[rows, np.clip(s, 0, svc.k_max)], 0.0).sum()
        got_after = np.where(mask[None, :], table[rows[None, :],
                                                  np.clip(after, 0, svc.k_max)], 0.0)
        ok = ok & ~(mask[None, :] & (got_after < floor_calls[None, :] - 1e-9)).any(axis=1)
        left = got_after.sum(axis=1)
        ok &= left >= need_total
        return np.where(ok, -(got - left) / np.maximum(wage, 1e-9), -np.inf)

    return score


def _penalty_gain(built: Any, wage: np.ndarray) -> Any:
    """Score of dropping each person in requirement mode (-inf: not allowed or no saving):
    wages saved minus the coverage penalties added."""
    form = built.form
    h = built.horizon
    req = np.asarray(h.required, dtype=float)
    under = float(form.cost[built.under0])
    over = float(form.cost[built.over0])
    tiers: tuple[tuple[float, float], ...] = tuple(getattr(built, "tiers", ())) or (
        (np.inf, under),)

    def penalty(s: np.ndarray) -> np.ndarray:
        return (_under_cost(np.maximum(req - s, 0.0), tiers)
                + over * np.maximum(s - req, 0.0)).sum(axis=-1)

    def score(s: np.ndarray, after: np.ndarray, ok: np.ndarray) -> np.ndarray:
        saving = wage - (penalty(after.astype(float)) - penalty(s.astype(float)))
        return np.where(ok & (saving > 1e-9), saving, -np.inf)

    return score


def _feasible(form: Any, values: np.ndarray, tol: float = 1e-6) -> bool:
    rows = np.repeat(np.arange(form.n_rows), np.diff(form.indptr))
    act = np.bincount(rows, weights=form.data * values[form.indices], minlength=form.n_rows)
    return bool((act >= form.row_lb - tol).all() and (act <= form.row_ub + tol).all()
                and (values >= form.col_lb - tol).all() and (values <= form.col_ub + tol).all())
