"""Required agents: the fewest agents meeting every given service goal at once.

Goals (any combination; at least one): service level ``service_level`` within ``answer_s``,
average speed of answer ``asa_s``, ``max_occupancy``, and with Erlang A (``patience_s`` set)
``abandon_rate``. Results are *net* agents on the phone, before shrinkage.

Search. Erlang C (no patience) starts at the smallest stable staffing (``n > load``, and
``n >= load / max_occupancy``) and steps up one agent at a time with the Erlang B recursion
(a handful of vectorised steps, about ``sqrt(load)``). Erlang A uses a vectorised integer
bisection (its metrics are monotone in agents). Both stop at ``max_agents`` (or an internal
cap of ``load + 60 sqrt(load) + 200`` agents), return the capped value and issue one
:class:`~staffing.exceptions.GoalUnreachableWarning`; they never loop endlessly.

Fractional staffing uses the continuous extension of Erlang B/C/A in the number of servers
and bisects between the integer answer and one agent less.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from staffing.erlang import _checks as ck
from staffing.erlang.core import _asa_c, _erlang_b, _erlang_c_from_b, _occ, _sl_c
from staffing.erlang.erlang_a import _erlang_a
from staffing.exceptions import GoalUnreachableWarning, InputError, warn

_EPS = 1e-12


class _Goals:
    """Validated goals (scalars)."""

    def __init__(
        self,
        service_level: float | None,
        answer_s: float,
        asa_s: float | None,
        max_occupancy: float | None,
        abandon_rate: float | None,
        patience_s: float | None,
        concurrency: int,
        max_agents: int | None,
    ) -> None:
        self.sl = (
            None
            if service_level is None
            else ck.fraction("service_level", service_level, low_open=True, high_open=True)
        )
        self.answer_s = ck.scalar_non_negative("answer_s", answer_s)
        self.asa_s = None if asa_s is None else ck.scalar_positive("asa_s", asa_s)
        self.occ = (
            None
            if max_occupancy is None
            else ck.fraction("max_occupancy", max_occupancy, low_open=True, high_open=False)
        )
        self.abandon = (
            None
            if abandon_rate is None
            else ck.fraction("abandon_rate", abandon_rate, low_open=True, high_open=True)
        )
        self.patience_s = (
            None if patience_s is None else ck.scalar_positive("patience_s", patience_s)
        )
        self.k = ck.positive_int("concurrency", concurrency)
        self.max_agents = None if max_agents is None else ck.positive_int("max_agents", max_agents)
        if self.abandon is not None and self.patience_s is None:
            raise InputError(
                "abandon_rate", abandon_rate, "no abandonment goal unless patience_s is set"
            )
        if self.sl is None and self.asa_s is None and self.occ is None and self.abandon is None:
            raise InputError(
                "service_level", None, "at least one goal (service_level, asa_s, max_occupancy "
                "or abandon_rate)"
            )


def _caps(a: np.ndarray, goals: _Goals) -> np.ndarray:
    internal = np.ceil((a + 60.0 * np.sqrt(a) + 200.0) / goals.k)
    if goals.max_agents is not None:
        return np.full(a.shape, float(goals.max_agents))
    return internal


def _met_c(a, h, s, b, goals: _Goals) -> np.ndarray:
    c = _erlang_c_from_b(s, a, b)
    ok = s > a
    if goals.sl is not None:
        ok &= _sl_c(a, h, s, c, np.full(a.shape, goals.answer_s)) >= goals.sl - _EPS
    if goals.asa_s is not None:
        ok &= _asa_c(a, h, s, c) <= goals.asa_s + _EPS
    if goals.occ is not None:
        ok &= _occ(a, s) <= goals.occ + _EPS
    return ok


def _met_a(a, h, s, goals: _Goals) -> np.ndarray:
    assert goals.patience_s is not None
    r = _erlang_a(
        a, h, s, np.full(a.shape, goals.patience_s), np.full(a.shape, goals.answer_s),
        with_asa=goals.asa_s is not None,
    )
    ok = s > 0
    if goals.sl is not None:
        ok &= r["service_level"] >= goals.sl - _EPS
    if goals.asa_s is not None:
        ok &= r["asa_s"] <= goals.asa_s + _EPS
    if goals.occ is not None:
        ok &= r["occupancy"] <= goals.occ + _EPS
    if goals.abandon is not None:
        ok &= r["abandon_rate"] <= goals.abandon + _EPS
    return ok


def _search_c(a: np.ndarray, h: np.ndarray, cap: np.ndarray, goals: _Goals):
    """Integer agents for Erlang C: start at the stable minimum, step up with the recursion."""
    k = goals.k
    n = np.floor(a / k) + 1.0
    if goals.occ is not None:
        n = np.maximum(n, np.ceil(a / (k * goals.occ) - _EPS))
    capped = n > cap
    n = np.minimum(n, cap)
    s = n * k
    b = _erlang_b(s, a)
    done = capped | _met_c(a, h, s, b, goals)
    active = np.flatnonzero(~done)
    while active.size:
        aa = a[active]
        ba, sa = b[active], s[active]
        for _ in range(k):
            sa = sa + 1.0
            ba = aa * ba / (sa + aa * ba)
        na = n[active] + 1.0
        n[active], s[active], b[active] = na, sa, ba
        ok = _met_c(aa, h[active], sa, ba, goals)
        hit_cap = ~ok & (na >= cap[active])
        capped[active[hit_cap]] = True
        active = active[~(ok | hit_cap)]
    return n, capped


def _search_a(a: np.ndarray, h: np.ndarray, cap: np.ndarray, goals: _Goals):
    """Integer agents for Erlang A: vectorised bisection (lo infeasible, hi feasible)."""
    k = goals.k
    bound = np.zeros(a.shape)
    if goals.sl is not None:  # answered-in-time <= served <= n k / a
        bound = np.maximum(bound, goals.sl * a / k)
    if goals.abandon is not None:
        bound = np.maximum(bound, (1.0 - goals.abandon) * a / k)
    lo = np.maximum(np.ceil(bound - _EPS) - 1.0, 0.0)
    lo = np.minimum(lo, cap - 1.0)
    hi = np.minimum(lo + np.maximum(np.ceil(np.sqrt(a / k)), 1.0), cap)
    ok = _met_a(a, h, hi * k, goals)
    # grow hi until feasible or capped (doubling the step)
    step = np.maximum(hi - lo, 1.0)
    active = np.flatnonzero(~ok & (hi < cap))
    while active.size:
        lo[active] = hi[active]
        step[active] *= 2.0
        hi[active] = np.minimum(hi[active] + step[active], cap[active])
        ok[active] = _met_a(a[active], h[active], hi[active] * k, goals)
        active = active[~ok[active] & (hi[active] < cap[active])]
    capped = ~ok
    # bisection on (lo, hi]
    active = np.flatnonzero(ok & (hi - lo > 1.0))
    while active.size:
        mid = np.floor((lo[active] + hi[active]) / 2.0)
        good = _met_a(a[active], h[active], mid * k, goals)
        hi[active[good]] = mid[good]
        lo[active[~good]] = mid[~good]
        active = active[hi[active] - lo[active] > 1.0]
    return hi, capped


def _prepare(calls, aht_s, interval_s):
    c = ck.calls_array(calls)
    h = ck.aht_array(aht_s, c)
    t = ck.positive("interval_s", interval_s)
    a = ck.offered_load(c, h, t)
    h = np.where(np.isfinite(h) & (h > 0), h, 1.0)
    a, h = np.broadcast_arrays(a, h)
    return np.array(a, dtype=float).ravel(), np.array(h, dtype=float).ravel(), a.shape


def _required(a: np.ndarray, h: np.ndarray, goals: _Goals) -> tuple[np.ndarray, np.ndarray]:
    n = np.zeros(a.shape)
    capped = np.zeros(a.shape, dtype=bool)
    live = a > 0
    if live.any():
        al, hl = a[live], h[live]
        cap = _caps(al, goals)
        search = _search_c if goals.patience_s is None else _search_a
        nl, cl = search(al, hl, cap, goals)
        n[live], capped[live] = nl, cl
    return n, capped


def _warn(capped: np.ndarray, goals: _Goals) -> None:
    count = int(np.count_nonzero(capped))
    if count:
        limit = f"max_agents={goals.max_agents}" if goals.max_agents else "the internal cap"
        warn(
            f"service goals cannot be met in {count} interval(s) within {limit}; "
            "those intervals are capped",
            GoalUnreachableWarning,
            stacklevel=3,
        )


def _solve(calls: Any, aht_s: Any, interval_s: Any, goals: _Goals,
           ) -> tuple[np.ndarray, np.ndarray, tuple[int, ...], np.ndarray, np.ndarray]:
    """Checked load ``a`` and handle time ``h`` (flat), the input shape, the integer
    requirement ``n`` and the mask of intervals capped at the limit."""
    a, h, shape = _prepare(calls, aht_s, interval_s)
    n, capped = _required(a, h, goals)
    return a, h, shape, n, capped


def required_agents(
    calls: Any,
    aht_s: Any,
    interval_s: Any,
    *,
    service_level: float | None = 0.8,
    answer_s: float = 20,
    asa_s: float | None = None,
    max_occupancy: float | None = None,
    abandon_rate: float | None = None,
    patience_s: float | None = None,
    concurrency: int = 1,
    max_agents: int | None = None,
) -> np.ndarray:
    """Smallest integer number of net agents meeting every goal, per interval.

    Parameters
    ----------
    calls:
        Calls offered per interval (scalar or array, >= 0).
    aht_s:
        Average handle time, seconds (> 0 where calls > 0; ignored where calls == 0).
    interval_s:
        Interval length, seconds (e.g. 1800 for 30 minutes).
    service_level:
        Target fraction answered within ``answer_s``, in (0, 1); None for no SL goal.
    answer_s:
        Service-level threshold, seconds (the 20 in 80/20).
    asa_s:
        Maximum average speed of answer, seconds (Erlang A: of answered calls).
    max_occupancy:
        Maximum occupancy, fraction in (0, 1].
    abandon_rate:
        Maximum fraction of calls abandoning, in (0, 1) (needs ``patience_s``).
    patience_s:
        Mean caller patience, seconds; set it to use Erlang A (M/M/n+M) instead of Erlang C.
    concurrency:
        Sessions per agent (chat); the queue has ``concurrency * agents`` servers.
    max_agents:
        Cap per interval; unreachable goals return the cap with a ``GoalUnreachableWarning``.

    Returns
    -------
    numpy.ndarray of int (0-d for scalar input): net agents before shrinkage; 0 where no calls.
    """
    goals = _Goals(
        service_level, answer_s, asa_s, max_occupancy, abandon_rate, patience_s,
        concurrency, max_agents,
    )
    a, h, shape, n, capped = _solve(calls, aht_s, interval_s, goals)
    _warn(capped, goals)  # here, not in _solve: its stacklevel names the caller's line
    return n.astype(np.int64).reshape(shape)


def required_agents_fractional(
    calls: Any,
    aht_s: Any,
    interval_s: Any,
    *,
    service_level: float | None = 0.8,
    answer_s: float = 20,
    asa_s: float | None = None,
    max_occupancy: float | None = None,
    abandon_rate: float | None = None,
    patience_s: float | None = None,
    concurrency: int = 1,
    max_agents: int | None = None,
    tol: float = 1e-4,
) -> np.ndarray:
    """Smallest real number of net agents meeting every goal (continuous Erlang extension).

    Same arguments as :func:`required_agents`; ``tol`` is the precision in agents. The result
    lies in ``(required_agents - 1, required_agents]``; useful for smooth plots and for
    summing fractional requirements across queues before rounding.
    """
    goals = _Goals(
        service_level, answer_s, asa_s, max_occupancy, abandon_rate, patience_s,
        concurrency, max_agents,
    )
    a, h, shape, n, capped = _solve(calls, aht_s, interval_s, goals)
    _warn(capped, goals)  # here, not in _solve: its stacklevel names the caller's line
    hi = n.copy()
    lo = np.maximum(n - 1.0, 0.0)
    active = np.flatnonzero((a > 0) & ~capped)
    k = goals.k
    while active.size:
        mid = 0.5 * (lo[active] + hi[active])
        aa, ha, s = a[active], h[active], mid * k
        if goals.patience_s is None:
            good = _met_c(aa, ha, s, _erlang_b(s, aa), goals)
        else:
            good = _met_a(aa, ha, s, goals)
        hi[active[good]] = mid[good]
        lo[active[~good]] = mid[~good]
        active = active[hi[active] - lo[active] > tol]
    return hi.reshape(shape)
