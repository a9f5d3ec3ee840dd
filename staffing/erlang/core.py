"""Erlang B and Erlang C (M/M/n) with service level, ASA and occupancy, numpy-vectorised.

Units: ``calls`` offered per interval, durations in seconds (``aht_s``, ``answer_s``,
``interval_s``), offered load in erlangs (``calls * aht_s / interval_s``), fractions in [0, 1].
Every function broadcasts scalars and arrays and returns a numpy scalar for scalar input.

Numerics. Erlang B is evaluated in log space from the Poisson form
``B(n, a) = pmf(n; a) / cdf(n; a) = exp(n ln a - a - lnGamma(n + 1)) / Q(n + 1, a)`` with
``Q`` the regularised upper incomplete gamma (:func:`scipy.special.gammaincc`). Where ``Q``
underflows (``n`` far below ``a``), ``1 / B = sum_j n! / ((n - j)! a^j)`` is summed instead, a
fast-converging series there. Neither form has factorials or powers that overflow, so loads of
20,000 erlangs and more are fine. The same formula is the standard continuous extension of
Erlang B to real ``n``, used for fractional staffing. Stepping one agent up uses the classic
recursion ``B(n + 1) = a B(n) / (n + 1 + a B(n))``.

Chat concurrency ``k``: an agent works ``k`` sessions at once; ``aht_s`` is then the length of a
session as handled concurrently, and the queue is modelled as M/M/(k n) (the usual
approximation). Occupancy is ``load / (k n)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import gammaincc, gammaln

from staffing.erlang import _checks as ck

_Q_TINY = 1e-100  # below this the gamma form loses digits; use the series instead


def offered_load(calls: Any, aht_s: Any, interval_s: Any) -> Any:
    """Offered load in erlangs, ``calls * aht_s / interval_s`` (0 where calls == 0)."""
    c = ck.calls_array(calls)
    h = ck.aht_array(aht_s, c)
    t = ck.positive("interval_s", interval_s)
    return ck.out(ck.offered_load(c, h, t))


def _load(calls: np.ndarray, aht_s: np.ndarray, interval_s: np.ndarray) -> np.ndarray:
    c, h, t = np.broadcast_arrays(calls, aht_s, interval_s)
    with np.errstate(invalid="ignore"):
        return np.where(c > 0, c * np.where(c > 0, h, 1.0) / t, 0.0)


def _erlang_b(n: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Erlang B for real n >= 0, a >= 0 (already broadcast, validated)."""
    n, a = np.broadcast_arrays(np.asarray(n, float), np.asarray(a, float))
    res = np.where(n == 0, 1.0, 0.0)  # a == 0: B(0, 0) = 1, B(n > 0, 0) = 0
    idx = np.flatnonzero((a > 0) & (n > 0))
    if idx.size == 0:
        return res
    nf, af = n.ravel()[idx], a.ravel()[idx]
    q = gammaincc(nf + 1.0, af)
    good = q > _Q_TINY
    b = np.empty_like(nf)
    with np.errstate(divide="ignore", under="ignore"):
        g = good
        logpmf = nf[g] * np.log(af[g]) - af[g] - gammaln(nf[g] + 1.0)
        b[g] = np.exp(logpmf - np.log(q[g]))
    if not good.all():
        b[~good] = 1.0 / _inv_b_series(nf[~good], af[~good])
    flat = res.ravel().copy()
    flat[idx] = np.clip(b, 0.0, 1.0)
    return flat.reshape(res.shape)


def _inv_b_series(n: np.ndarray, a: np.ndarray) -> np.ndarray:
    """``1 / B(n, a) = sum_j prod_{i<j} (n - i) / a`` for n well below a (terms shrink fast)."""
    total = np.ones_like(n)
    term = np.ones_like(n)
    active = np.arange(n.size)
    j = 0
    while active.size and j < 1_000_000:
        term[active] *= (n[active] - j) / a[active]
        total[active] += term[active]
        j += 1
        keep = np.abs(term[active]) > 1e-17 * total[active]
        active = active[keep]
    return total


def _erlang_c_from_b(n: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Erlang C (P(wait)) from Erlang B; 1 where the queue is unstable (n <= a)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        c = n * b / (n - a * (1.0 - b))
    c = np.where(n > a, c, 1.0)
    return np.where(a == 0, 0.0, np.clip(c, 0.0, 1.0))


def erlang_b(agents: Any, load: Any) -> Any:
    """Erlang B blocking probability for ``agents`` servers (real >= 0) and ``load`` erlangs."""
    n = ck.agents_array(agents)
    a = ck.non_negative("load", load, unit="erlangs")
    return ck.out(_erlang_b(n, a))


def erlang_c(agents: Any, load: Any) -> Any:
    """Erlang C: probability an arriving call waits, P(wait > 0), in an M/M/n queue.

    ``agents`` servers (real >= 0), ``load`` in erlangs. 1 when ``agents <= load`` (the queue
    grows without bound), 0 when ``load == 0``.
    """
    n = ck.agents_array(agents)
    a = ck.non_negative("load", load, unit="erlangs")
    n, a = np.broadcast_arrays(n, a)
    return ck.out(_erlang_c_from_b(n, a, _erlang_b(n, a)))


def _servers(agents: np.ndarray, concurrency: int) -> np.ndarray:
    return agents * float(concurrency)


def _inputs(
    calls: Any, aht_s: Any, agents: Any, interval_s: Any, concurrency: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    c = ck.calls_array(calls)
    h = ck.aht_array(aht_s, c)
    n = ck.agents_array(agents)
    t = ck.positive("interval_s", interval_s)
    k = ck.positive_int("concurrency", concurrency)
    a = ck.offered_load(c, h, t)
    s = _servers(n, k)
    a, h, s = np.broadcast_arrays(a, np.where(np.isfinite(h) & (h > 0), h, 1.0), s)
    return a, h, s


def _sl_c(a: np.ndarray, h: np.ndarray, s: np.ndarray, c: np.ndarray, t: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore", invalid="ignore"):
        sl = 1.0 - c * np.exp(-(s - a) * t / h)
    sl = np.where(s > a, sl, 0.0)
    return np.where(a == 0, 1.0, np.clip(sl, 0.0, 1.0))


def _asa_c(a: np.ndarray, h: np.ndarray, s: np.ndarray, c: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        w = c * h / (s - a)
    w = np.where(s > a, w, np.inf)
    return np.where(a == 0, 0.0, w)


def _occ(a: np.ndarray, s: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        o = np.minimum(a / s, 1.0)
    return np.where(a == 0, 0.0, np.where(s > 0, o, 1.0))


def p_wait(calls: Any, aht_s: Any, agents: Any, interval_s: Any, *, concurrency: int = 1) -> Any:
    """Probability a call waits (Erlang C) for calls per interval, AHT and agents."""
    a, _h, s = _inputs(calls, aht_s, agents, interval_s, concurrency)
    return ck.out(_erlang_c_from_b(s, a, _erlang_b(s, a)))


def service_level(
    calls: Any,
    aht_s: Any,
    agents: Any,
    answer_s: Any,
    interval_s: Any,
    *,
    concurrency: int = 1,
) -> Any:
    """Erlang C service level: fraction of calls answered within ``answer_s`` seconds.

    ``SL = 1 - C(n, a) exp(-(n - a) answer_s / aht_s)``; 0 when ``agents <= load``, 1 when no
    calls. Result is a fraction in [0, 1].
    """
    a, h, s = _inputs(calls, aht_s, agents, interval_s, concurrency)
    t = ck.non_negative("answer_s", answer_s)
    a, h, s, t = np.broadcast_arrays(a, h, s, t)
    c = _erlang_c_from_b(s, a, _erlang_b(s, a))
    return ck.out(_sl_c(a, h, s, c, t))


def asa(calls: Any, aht_s: Any, agents: Any, interval_s: Any, *, concurrency: int = 1) -> Any:
    """Erlang C average speed of answer in seconds, ``C aht_s / (n - a)`` (all calls).

    ``inf`` when ``agents <= load``, 0 when no calls.
    """
    a, h, s = _inputs(calls, aht_s, agents, interval_s, concurrency)
    c = _erlang_c_from_b(s, a, _erlang_b(s, a))
    return ck.out(_asa_c(a, h, s, c))


def occupancy(
    calls: Any, aht_s: Any, agents: Any, interval_s: Any, *, concurrency: int = 1
) -> Any:
    """Agent occupancy (fraction of time busy), ``load / (concurrency * agents)`` capped at 1.

    0 when no calls; 1 when calls arrive and no agent is present.
    """
    a, _h, s = _inputs(calls, aht_s, agents, interval_s, concurrency)
    return ck.out(_occ(a, s))
