"""Erlang A (M/M/n+M): Poisson arrivals, exponential handle times, exponential patience.

Callers abandon the queue after an exponential patience with mean ``patience_s``. Formulas
follow Mandelbaum & Zeltyn (Erlang-A), written in log space so that long patience and heavy
overload do not overflow. With ``x = n aht_s... `` in patience units: ``x = n patience_s / aht_s``
and ``y = arrival rate * patience_s``, the queue series is

    S(x, y) = sum_{m>=0} y^m / ((x + 1) ... (x + m)) = Gamma(x + 1) e^y y^-x P(x, y)

(``P`` the regularised lower incomplete gamma), and with ``E`` the Erlang B of ``n`` servers:

- ``P(wait > 0) = E S / (1 + (S - 1) E)``
- ``P(abandon) = E (1 + (S - 1)(1 - n / a)) / (1 + (S - 1) E)``
- the virtual wait ``V`` has ``P(V > t) = P(wait > 0) gamma(x, y e^(-t / patience)) / gamma(x, y)``;
  a call is answered within ``t`` when ``V <= t`` and its patience exceeds ``V``.

Definitions used here (state them when you report): ``service_level`` = fraction of *offered*
calls answered within ``answer_s`` (abandons count as misses); ``asa_s`` = mean wait of
*answered* calls; ``abandon_rate`` = fraction of offered calls that abandon; ``occupancy`` =
``load (1 - abandon_rate) / (k n)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import gammainc, gammaln

from staffing.erlang import _checks as ck
from staffing.erlang.core import _erlang_b

_P_TINY = 1e-100


@dataclass(frozen=True)
class ErlangAMetrics:
    """Erlang A predictions per interval (arrays, or numpy scalars for scalar input).

    Attributes
    ----------
    service_level:
        Fraction of offered calls answered within ``answer_s`` (abandons are misses), [0, 1].
    asa_s:
        Mean wait of answered calls, seconds.
    abandon_rate:
        Fraction of offered calls that abandon, [0, 1].
    p_wait:
        Probability an arriving call finds all agents busy, [0, 1].
    occupancy:
        Fraction of agent time busy, [0, 1].
    """

    service_level: Any
    asa_s: Any
    abandon_rate: Any
    p_wait: Any
    occupancy: Any

    def as_dict(self) -> dict[str, Any]:
        """The metrics as a plain dict."""
        return {
            "service_level": self.service_level,
            "asa_s": self.asa_s,
            "abandon_rate": self.abandon_rate,
            "p_wait": self.p_wait,
            "occupancy": self.occupancy,
        }

    def __getitem__(self, key: str) -> Any:
        return self.as_dict()[key]


def _log_s(x: np.ndarray, z: np.ndarray) -> np.ndarray:
    """``log S(x, z)``, ``S = sum_m z^m / ((x+1)...(x+m))``, for x >= 0, z >= 0 (broadcast)."""
    x, z = np.broadcast_arrays(np.asarray(x, float), np.asarray(z, float))
    res = np.zeros(x.shape)
    flat = res.ravel()
    idx = np.flatnonzero(z > 0)
    if idx.size == 0:
        return res
    xf, zf = x.ravel()[idx], z.ravel()[idx]
    p = gammainc(np.maximum(xf, 1e-300), zf)
    p = np.where(xf == 0, 1.0, p)
    good = p > _P_TINY
    vals = np.empty_like(xf)
    with np.errstate(divide="ignore"):
        g = good
        vals[g] = gammaln(xf[g] + 1.0) + zf[g] - xf[g] * np.log(zf[g]) + np.log(p[g])
    if not good.all():
        vals[~good] = np.log(_s_series(xf[~good], zf[~good]))
    flat[idx] = np.maximum(vals, 0.0)  # S >= 1
    return flat.reshape(res.shape)


def _s_series(x: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Direct series for S where z << x (terms shrink geometrically)."""
    total = np.ones_like(x)
    term = np.ones_like(x)
    active = np.arange(x.size)
    m = 0
    while active.size and m < 1_000_000:
        m += 1
        term[active] *= z[active] / (x[active] + m)
        total[active] += term[active]
        active = active[term[active] > 1e-17 * total[active]]
    return total


def _erlang_a(
    a: np.ndarray,
    h: np.ndarray,
    s: np.ndarray,
    patience: np.ndarray,
    t: np.ndarray,
    *,
    with_asa: bool = True,
) -> dict[str, np.ndarray]:
    """Core Erlang A on broadcast arrays: load a (erlangs), aht h (s), servers s, patience, t."""
    a, h, s, patience, t = np.broadcast_arrays(a, h, s, patience, t)
    shape = a.shape
    pw = np.zeros(shape)
    pab = np.zeros(shape)
    sl = np.ones(shape)
    asa = np.zeros(shape)
    none = (a > 0) & (s == 0)
    pw[none], pab[none], sl[none], asa[none] = 1.0, 1.0, 0.0, np.nan
    live = (a > 0) & (s > 0)
    if live.any():
        av, hv, sv, pv, tv = (v[live] for v in (a, h, s, patience, t))
        x = sv * pv / hv  # n mu / theta
        y = av * pv / hv  # lambda / theta
        e = _erlang_b(sv, av)
        ls = _log_s(x, y)
        inv_s = np.exp(-ls)
        den = inv_s + e * (1.0 - inv_s)  # (1 + (S - 1) E) / S
        pwv = e / den
        pabv = e * (inv_s + (1.0 - inv_s) * (1.0 - sv / av)) / den
        th_t = tv / pv
        zt = y * np.exp(-th_t)
        log_k = -(x + 1.0) * th_t + y * (-np.expm1(-th_t))
        inner = (x / y) * (1.0 - inv_s) - (x / (x + 1.0)) * np.exp(log_k + _log_s(x + 1.0, zt) - ls)
        slv = 1.0 - pwv + pwv * inner
        pw[live] = np.clip(pwv, 0.0, 1.0)
        pab[live] = np.clip(pabv, 0.0, 1.0)
        sl[live] = np.clip(slv, 0.0, 1.0)
        if with_asa:
            asa[live] = _asa_served(x, y, ls, pwv, pab[live], pv)
    occ = np.where(a > 0, np.minimum(a * (1.0 - pab) / np.where(s > 0, s, 1.0), 1.0), 0.0)
    occ = np.where(none, 0.0, occ)
    return {"p_wait": pw, "abandon_rate": pab, "service_level": sl, "asa_s": asa, "occupancy": occ}


def _asa_served(
    x: np.ndarray, y: np.ndarray, ls: np.ndarray, pw: np.ndarray, pab: np.ndarray, pat: np.ndarray
) -> np.ndarray:
    """Mean wait of answered calls: sum over m waiting ahead at arrival.

    With m ahead, the tagged call passes m + 1 exponential stages of rates ``theta (x + k + 1)``
    (k = m .. 0) and is served with probability ``x / (x + m + 1)``; the stage times do not
    depend on which event ends them, so ``E[wait; served | m] = x / (x + m + 1) sum_k 1 /
    (theta (x + k + 1))``. Weights ``y^m / ((x+1)...(x+m)) / S``.
    """
    n = x.size
    acc = np.zeros(n)
    log_t = np.zeros(n)  # log of the m-th series term
    harm = np.zeros(n)  # sum_{k=0}^{m} 1 / (x + k + 1)
    active = np.arange(n)
    m = 0
    while active.size and m < 2_000_000:
        xa = x[active]
        harm[active] += 1.0 / (xa + m + 1.0)
        w = np.exp(log_t[active] - ls[active])
        acc[active] += w * xa / (xa + m + 1.0) * harm[active]
        m += 1
        log_t[active] += np.log(y[active]) - np.log(xa + m)
        past_peak = m > y[active] - xa
        tiny = np.exp(log_t[active] - ls[active]) * (m + 1.0) < 1e-15
        active = active[~(past_peak & tiny)]
    served = np.maximum(1.0 - pab, 1e-300)
    return pw * acc * pat / served


def erlang_a_metrics(
    calls: Any,
    aht_s: Any,
    agents: Any,
    interval_s: Any,
    patience_s: Any,
    answer_s: Any,
    *,
    concurrency: int = 1,
) -> ErlangAMetrics:
    """Erlang A service level, ASA, abandonment, P(wait) and occupancy per interval.

    Parameters
    ----------
    calls:
        Calls offered per interval (>= 0).
    aht_s:
        Average handle time, seconds (> 0 where calls > 0).
    agents:
        Agents on the phone (real >= 0; net of shrinkage).
    interval_s:
        Interval length, seconds.
    patience_s:
        Mean caller patience, seconds (exponential); see :func:`fit_patience`.
    answer_s:
        Service-level threshold, seconds (the 20 in 80/20).
    concurrency:
        Sessions per agent (chat); servers = ``concurrency * agents``.
    """
    c = ck.calls_array(calls)
    h = ck.aht_array(aht_s, c)
    n = ck.agents_array(agents)
    t_int = ck.positive("interval_s", interval_s)
    pat = ck.positive("patience_s", patience_s)
    t = ck.non_negative("answer_s", answer_s)
    k = ck.positive_int("concurrency", concurrency)
    a = ck.offered_load(c, h, t_int)
    hh = np.where(np.isfinite(h) & (h > 0), h, 1.0)
    res = _erlang_a(a, hh, n * float(k), pat, t)
    return ErlangAMetrics(**{key: ck.out(v) for key, v in res.items()})
