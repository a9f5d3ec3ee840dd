"""Overflow to a partner (an answering service) inside the roster model.

The roster model does not know Erlang: the caller (:func:`staffing.overflow.overflow_levels`)
tabulates, per interval the partner may take calls in, a few *levels* of calls sent out
(level 0 sends nothing; the others send a share of the interval's calls in steps of
``share_step``, and the most the partner's capacity allows) with, per level, the fee, the
calls the partner answers within the threshold and either the in-house requirement of the
kept calls (requirement mode) or the in-house answered-within-threshold table of the kept calls
(service mode, made by :func:`staffing.evaluate.evaluate` like the service curve).

Why levels and not a continuous share: the calls answered in-house within the threshold,
``H(agents, kept calls)``, is concave in agents for fixed kept calls but *not* jointly concave
(Erlang's economies of scale: twice the agents for twice the calls answer more than twice as
many; on the bundled loads a midpoint lies 3-17 % of the calls below its neighbours), so
tangent planes in (agents, kept calls) would over-promise, and a chord under-promises by more
than the 0.1 point the promise allows. With one binary per (interval, level), a convex-hull
(perspective) formulation per interval is exact at every roster: agents on the floor split
``s = sum_m s_m`` with ``need_m lam_m <= s_m <= K lam_m``, the in-house answered
``z_m <= a lam_m + d s_m`` for each tangent line of level ``m``'s table, and the interval's
answered-within-threshold is ``sum_m z_m + partner_answered_m lam_m``. Requirement mode changes
the interval's coverage target to ``sum_m required_m lam_m`` (and keeps the hard minimum staff).
The calls sent are ``sum_m sent_m lam_m`` (a variable of the model, on the level grid) and the
fees ``sum_m fee_m lam_m`` enter the objective as the term ``overflow fees``; a fixed fee per
horizon (``fixed_fee``) is charged through one binary "partner used" that every sending level
switches on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from staffing.exceptions import InputError
from staffing.roster.service import ServiceCurve

__all__ = ["OverflowLayout", "OverflowLevels", "add_overflow", "fill_result", "overflow_costs"]

Row = tuple[np.ndarray, np.ndarray, float, float]


@dataclass(frozen=True)
class OverflowLevels:
    """The overflow choices per interval the partner may take calls in.

    Attributes
    ----------
    positions:
        ``(P,)`` interval positions on the roster horizon (0-based, increasing).
    calls:
        ``(P,)`` calls offered in those intervals.
    sent:
        ``(P, L)`` calls sent to the partner at each level; level 0 sends nothing; NaN marks a
        level that does not exist for that interval (capacity, duplicates).
    fee:
        ``(P, L)`` partner fee (currency) of each level.
    partner_answered:
        ``(P, L)`` calls the partner answers within the threshold (sent x its service level).
    required:
        ``(P, L)`` agents on the floor required for the kept calls (requirement mode), else
        None.
    curves:
        ``(P, L)`` :class:`ServiceCurve` rows as one curve per level over the ``P`` intervals
        (service mode: in-house answered within the threshold of the kept calls per agents
        on the floor), else None.
    fixed_fee:
        Currency per horizon charged when any call is sent (0: none).
    partner_service_level:
        The partner's answered-within-threshold fraction (for reports).
    """

    positions: np.ndarray
    calls: np.ndarray
    sent: np.ndarray
    fee: np.ndarray
    partner_answered: np.ndarray
    required: np.ndarray | None = None
    curves: tuple[ServiceCurve, ...] | None = None
    fixed_fee: float = 0.0
    partner_service_level: float = 1.0

    def __post_init__(self) -> None:
        pos = np.asarray(self.positions, dtype=np.int64)
        sent = np.asarray(self.sent, dtype=float)
        if sent.ndim != 2 or sent.shape[0] != len(pos) or sent.shape[1] < 1:
            raise InputError("overflow.levels", sent.shape, f"a ({len(pos)}, L) table")
        for name in ("fee", "partner_answered"):
            if np.asarray(getattr(self, name)).shape != sent.shape:
                raise InputError(f"overflow.{name}", np.asarray(getattr(self, name)).shape,
                                 f"the shape of sent {sent.shape}")
        if self.required is not None and np.asarray(self.required).shape != sent.shape:
            raise InputError("overflow.required", np.asarray(self.required).shape,
                             f"the shape of sent {sent.shape}")
        if self.curves is not None and len(self.curves) != sent.shape[1]:
            raise InputError("overflow.curves", len(self.curves), f"{sent.shape[1]} levels")
        object.__setattr__(self, "positions", pos)
        object.__setattr__(self, "sent", sent)

    @property
    def n_levels(self) -> int:
        """Levels per interval (L)."""
        return int(self.sent.shape[1])

    def available(self) -> np.ndarray:
        """``(P, L)`` bool: the level exists for the interval."""
        return np.isfinite(self.sent)


@dataclass
class OverflowLayout:
    """Where the overflow columns sit in the model and what the solution sent."""

    levels: OverflowLevels
    lam0: int  # (P * L) binaries, row-major (interval, level)
    s0: int = 0  # service mode: (P * L) agents per level
    zl0: int = 0  # service mode: (P * L) in-house answered per level
    zu0: int = 0  # service mode: one answered column per unreached interval
    unreached: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    used: int = -1  # the "partner used" binary, -1 without a fixed fee
    need: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.int64))
    allowed: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), bool))

    def lam(self, values: np.ndarray) -> np.ndarray:
        """``(P, L)`` level choice (rounded) of a solution."""
        P, L = self.levels.sent.shape
        return np.rint(values[self.lam0:self.lam0 + P * L].reshape(P, L)).clip(0, 1)

    def chosen(self, values: np.ndarray) -> np.ndarray:
        """``(P,)`` chosen level per interval (0 = nothing sent)."""
        lam = self.lam(values)
        return np.where(lam.sum(axis=1) > 0, np.argmax(lam, axis=1), 0)

    def per_interval(self, values: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray,
                                                                 np.ndarray]:
        """Calls sent, fees and partner-answered calls per horizon interval (length ``n``)."""
        lv = self.levels
        pick = self.chosen(values)
        rows = np.arange(len(lv.positions))
        sent = np.zeros(n)
        fee = np.zeros(n)
        ans = np.zeros(n)
        sent[lv.positions] = np.nan_to_num(lv.sent[rows, pick])
        fee[lv.positions] = np.nan_to_num(lv.fee[rows, pick])
        ans[lv.positions] = np.nan_to_num(lv.partner_answered[rows, pick])
        return sent, fee, ans

    def start_values(self, values: np.ndarray, sched: np.ndarray,
                     z_of: dict[int, int], built: Any = None) -> None:
        """Fill the overflow columns of a constructive start with ``sched`` agents on the
        floor per interval (``z_of``: interval -> z column). Service mode sends nothing
        (level 0 everywhere: the in-house start meets the target). Requirement mode (with
        ``built``) picks per interval the level whose fee plus the coverage penalties left at
        ``sched`` is least (the shifts stay; a fixed fee is paid only if the levels save more),
        and rewrites that interval's under/over columns."""
        lv = self.levels
        P, L = lv.sent.shape
        lam = np.zeros((P, L))
        lam[:, 0] = 1.0
        if lv.curves is None and lv.required is not None and built is not None and P:
            pick = self._cheapest_levels(values, sched, built)
            lam[:] = 0.0
            lam[np.arange(P), pick] = 1.0
            if self.used >= 0:
                values[self.used] = float((pick > 0).any())
        sends = np.zeros(P, bool)
        if lv.curves is not None and len(self.unreached):
            # hours only the partner answers whose floor rules out sending nothing: the
            # cheapest level that meets it
            for p in self.unreached.tolist():
                if not self.allowed[p, 0] and self.allowed[p].any():
                    fee = np.where(self.allowed[p], np.nan_to_num(lv.fee[p], nan=np.inf),
                                   np.inf)
                    m = int(np.argmin(fee))
                    lam[p] = 0.0
                    lam[p, m] = 1.0
                    sends[p] = m > 0
        values[self.lam0:self.lam0 + P * L] = lam.ravel()
        if lv.curves is None:
            return
        s = np.zeros((P, L))
        s[:, 0] = sched[lv.positions]
        values[self.s0:self.s0 + P * L] = s.ravel()
        z = np.zeros((P, L))
        for p, i in enumerate(lv.positions.tolist()):
            if i in z_of:
                z[p, 0] = values[z_of[i]]
        values[self.zl0:self.zl0 + P * L] = z.ravel()
        if len(self.unreached):
            pick = np.argmax(lam[self.unreached], axis=1)
            values[self.zu0:self.zu0 + len(self.unreached)] = np.nan_to_num(
                lv.partner_answered[self.unreached, pick])
        if self.used >= 0:
            values[self.used] = float(sends.any())

    def _cheapest_levels(self, values: np.ndarray, sched: np.ndarray, built: Any) -> np.ndarray:
        """Requirement-mode start: per interval the level of least fee + penalties at
        ``sched``; under/over (and tier) columns of ``values`` set for it."""
        lv = self.levels
        form = built.form
        n = built.horizon.n
        tiers = tuple(getattr(built, "tiers", ()))
        under_c = float(form.cost[built.under0])
        over_c = float(form.cost[built.over0])
        pos = lv.positions
        s = sched[pos].astype(float)[:, None]
        assert lv.required is not None
        req = np.where(np.isfinite(lv.sent), np.nan_to_num(lv.required), np.inf)
        short = np.maximum(req - s, 0.0)
        over = np.maximum(s - req, 0.0)

        def under_cost(x: np.ndarray) -> np.ndarray:
            if not tiers:
                return x * under_c
            left, total = x.copy(), np.zeros_like(x)
            for width, price in tiers:
                take = np.minimum(left, width)
                total += take * price
                left = left - take
            return total

        with np.errstate(invalid="ignore"):
            total = under_cost(short) + over * over_c + np.nan_to_num(lv.fee, nan=np.inf)
        total = np.where(np.isfinite(lv.sent), total, np.inf)
        pick = np.argmin(total, axis=1)
        rows = np.arange(len(pos))
        saving = float((total[:, 0] - total[rows, pick]).sum())
        if self.used >= 0 and saving <= lv.fixed_fee:
            pick[:] = 0
        # the coverage row of a changed interval: scheduled + under - over = its requirement
        # (level 0's requirement is the horizon's, already in ``values``)
        for p in np.nonzero(pick > 0)[0].tolist():
            i = int(pos[p])
            m = int(pick[p])
            values[built.under0 + i] = short[p, m]
            values[built.over0 + i] = over[p, m]
            left = float(short[p, m])
            for k, (width, _price) in enumerate(tiers):
                take = min(left, width)
                values[built.tier0 + k * n + i] = take
                left -= take
        return pick


def _level_need(curve: ServiceCurve, p: int, extra: float, calls: float,
                floor: float | None) -> int | None:
    """Fewest agents on the floor for level row ``p``: the curve's onset (when it keeps
    calls) and the interval floor on the combined answered ``curve + extra``; None when no
    agent count meets the floor."""
    f = curve.promise_table()[p]
    need = int(curve.onset()[p]) if curve.calls[p] > 0 else 0
    if floor:
        ok = f + extra >= floor * calls - 1e-9
        if not ok.any():
            return None
        need = max(need, int(np.argmax(ok)))
    return need


def add_overflow(levels: OverflowLevels, *, n: int, reach: np.ndarray,
                 alloc: Callable[[int, bool], int],
                 rows: list[Row], coverage: list[Row], under0: int, over0: int,
                 required: np.ndarray, min_staff: np.ndarray,
                 service: ServiceCurve | None, z_of: dict[int, int],
                 ) -> tuple[OverflowLayout, list[int]]:
    """Allocate the overflow columns and add their rows (family ``overflow``).

    Requirement mode (``service`` None): each overflow interval's coverage row (in
    ``coverage``, one per interval) gets ``- sum_m (required_m - required_0) lam_m``, and a
    row keeps the hard minimum staff on the changed target. Service mode: the interval's
    answered column (``z_of``) is defined by the levels (the caller leaves out its own lines
    and onset row); intervals no shift reaches get an answered column of their own, returned
    to be added to the weekly service-level row. Returns the layout and those columns."""
    lv = levels
    P, L = lv.sent.shape
    if P and (lv.positions.min() < 0 or lv.positions.max() >= n):
        raise InputError("overflow.positions", int(lv.positions.max()), f"positions < {n}")
    ok = lv.available()
    lay = OverflowLayout(lv, alloc(P * L, True))
    inf = float("inf")

    def lam(p: int, m: int) -> int:
        return lay.lam0 + p * L + m

    ub_fixed: list[int] = []  # binaries fixed to 0 (level unavailable / floor unreachable)
    for p in range(P):
        cols = [lam(p, m) for m in range(L)]
        rows.append((np.array(cols), np.ones(L), 1.0, 1.0))
        ub_fixed.extend(lam(p, m) for m in range(L) if not ok[p, m])

    if service is None:
        if lv.required is None:
            raise InputError("overflow.required", None, "the in-house requirement per level")
        req = np.nan_to_num(lv.required)
        for p, i in enumerate(lv.positions.tolist()):
            delta = req[p] - float(required[i])
            delta[0] = 0.0  # level 0 keeps every call: the interval's own requirement
            cols_c, vals_c, lo, hi = coverage[i]
            use = [m for m in range(L) if ok[p, m] and abs(delta[m]) > 1e-12]
            if not use:
                continue
            coverage[i] = (np.concatenate([cols_c, [lam(p, m) for m in use]]),
                           np.concatenate([vals_c, -delta[use]]), lo, hi)
            if min_staff[i] > 0 and reach[i]:
                # scheduled = required_0 + sum delta lam - under + over >= min_staff
                rows.append((np.array([under0 + i, over0 + i] + [lam(p, m) for m in use]),
                             np.concatenate([[1.0, -1.0], -delta[use]]), -inf,
                             float(required[i] - min_staff[i])))
    else:
        if lv.curves is None:
            raise InputError("overflow.curves", None, "the in-house answered table per level")
        lay.s0 = alloc(P * L, False)
        lay.zl0 = alloc(P * L, False)
        unreached = [p for p, i in enumerate(lv.positions.tolist()) if not reach[i]]
        lay.unreached = np.array(unreached, dtype=np.int64)
        lay.zu0 = alloc(len(unreached), False)
        floor = service.interval_floor
        # agents on the floor of a level are capped by a big-M: twice the largest tabulated
        # count (itself 1.5 x the peak requirement + 5); the answered lines are flat beyond it
        k_big = 2 * min(c.k_max for c in lv.curves) + 10
        lay.need = np.zeros((P, L), np.int64)
        for p, i in enumerate(lv.positions.tolist()):
            s_cols = [lay.s0 + p * L + m for m in range(L)]
            z_cols = [lay.zl0 + p * L + m for m in range(L)]
            pa = np.nan_to_num(lv.partner_answered[p])
            if reach[i]:
                # agents on the floor = required - under + over = sum_m s_m
                rows.append((np.array([*s_cols, under0 + i, over0 + i]),
                             np.concatenate([np.ones(L), [1.0, -1.0]]), float(required[i]),
                             float(required[i])))
            elif floor:
                # hours only the partner answers: the interval floor holds there too when the
                # partner's service level can meet it (it answers pa of the interval's calls)
                meets = ok[p] & (pa >= floor * float(lv.calls[p]) - 1e-9)
                if meets.any():
                    ub_fixed.extend(lam(p, m) for m in range(L) if ok[p, m] and not meets[m])
            for m in range(L):
                if not ok[p, m]:
                    rows.append((np.array([s_cols[m]]), np.ones(1), 0.0, 0.0))
                    rows.append((np.array([z_cols[m]]), np.ones(1), 0.0, 0.0))
                    continue
                curve = lv.curves[m]
                need = 0
                if reach[i]:
                    got = _level_need(curve, p, float(pa[m]), float(lv.calls[p]), floor)
                    if got is None:
                        ub_fixed.append(lam(p, m))
                        got = 0
                    need = got
                lay.need[p, m] = need
                # need lam <= s_m <= K lam
                rows.append((np.array([s_cols[m], lam(p, m)]), np.array([1.0, -float(k_big)]),
                             -inf, 0.0))
                if need:
                    rows.append((np.array([s_cols[m], lam(p, m)]),
                                 np.array([1.0, -float(need)]), 0.0, inf))
                if curve.calls[p] <= 0 or not reach[i]:
                    rows.append((np.array([z_cols[m]]), np.ones(1), 0.0, 0.0))
                    continue
                slopes, icpt = curve.lines(p)
                for d, a in zip(slopes.tolist(), icpt.tolist(), strict=True):
                    # z_m <= a lam_m + d s_m
                    rows.append((np.array([z_cols[m], lam(p, m), s_cols[m]]),
                                 np.array([1.0, -a, -d]), -inf, 0.0))
            # the interval's answered within the threshold, in-house + partner
            lam_cols = [lam(p, m) for m in range(L)]
            if reach[i]:
                if i not in z_of:
                    continue
                rows.append((np.array([z_of[i], *z_cols, *lam_cols]),
                             np.concatenate([[1.0], -np.ones(L), -pa]), 0.0, 0.0))
            else:
                q = unreached.index(p)
                rows.append((np.array([lay.zu0 + q, *lam_cols]),
                             np.concatenate([[1.0], -pa]), 0.0, 0.0))
    lay.allowed = ok.copy()
    for j in ub_fixed:
        rows.append((np.array([j]), np.ones(1), 0.0, 0.0))
        lay.allowed[(j - lay.lam0) // L, (j - lay.lam0) % L] = False
    if lv.fixed_fee > 0 and P:
        lay.used = alloc(1, True)
        sending = [lam(p, m) for p in range(P) for m in range(1, L) if ok[p, m]]
        if sending:
            rows.append((np.array([*sending, lay.used]),
                         np.concatenate([np.ones(len(sending)), [-float(P)]]), -inf, 0.0))
    extra = [lay.zu0 + q for q in range(len(lay.unreached))] if service is not None else []
    return lay, extra


def overflow_costs(lay: OverflowLayout, cost: np.ndarray, col_lb: np.ndarray,
                   col_ub: np.ndarray) -> None:
    """Fees on the level binaries and the fixed fee; bounds of the overflow columns."""
    lv = lay.levels
    P, L = lv.sent.shape
    cost[lay.lam0:lay.lam0 + P * L] = np.nan_to_num(lv.fee).ravel()
    col_ub[lay.lam0:lay.lam0 + P * L] = 1.0
    if lay.used >= 0:
        cost[lay.used] = lv.fixed_fee
        col_ub[lay.used] = 1.0
    if lv.curves is not None:
        col_lb[lay.zu0:lay.zu0 + len(lay.unreached)] = 0.0


def fill_result(lay: OverflowLayout, values: np.ndarray, coverage: pd.DataFrame,
                service: ServiceCurve | None) -> tuple[float, float]:
    """Add ``overflow_calls`` (calls sent), ``overflow_fee`` (currency) and
    ``partner_answered`` per interval to a roster's coverage frame; in requirement mode
    ``required``/``under``/``over`` become the in-house requirement of the kept calls, in
    service mode ``service_level_promised`` the combined promise (in-house answered of the
    kept calls + partner answered, over the calls offered). Returns (calls sent, fees incl.
    the fixed fee when used)."""
    lv = lay.levels
    n = len(coverage)
    sent, fee, ans = lay.per_interval(values, n)
    coverage["overflow_calls"] = sent
    coverage["overflow_fee"] = fee
    coverage["partner_answered"] = ans
    pick = lay.chosen(values)
    rows = np.arange(len(lv.positions))
    sched = coverage["scheduled"].to_numpy(float)
    if service is None and lv.required is not None:
        req = coverage["required"].to_numpy(float).copy()
        chosen = lv.required[rows, pick]
        req[lv.positions] = np.where(pick > 0, np.nan_to_num(chosen), req[lv.positions])
        coverage["required"] = req
        coverage["under"] = np.maximum(req - sched, 0.0)
        coverage["over"] = np.maximum(sched - req, 0.0)
    if service is not None and lv.curves is not None and "service_level_promised" in coverage:
        prom = coverage["service_level_promised"].to_numpy(float).copy()
        unreached = set(lay.unreached.tolist())
        for p, i in enumerate(lv.positions.tolist()):
            curve = lv.curves[int(pick[p])]
            k = int(np.clip(np.rint(sched[i]), 0, curve.k_max))
            # no shift reaches the interval: the model answers nothing in-house there
            inhouse = (float(curve.promise_table()[p, k])
                       if curve.calls[p] > 0 and p not in unreached else 0.0)
            prom[i] = (inhouse + float(ans[i])) / float(lv.calls[p])
        coverage["service_level_promised"] = prom
    total_fee = float(fee.sum())
    if lay.used >= 0 and values[lay.used] > 0.5:
        total_fee += lv.fixed_fee
    return float(sent.sum()), total_fee
