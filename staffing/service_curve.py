"""Tabulate the service objective's curve with the formulas :func:`staffing.evaluate.evaluate`
uses, in one vectorised pass.

``answered_curve`` gives, per interval and whole number ``k`` of agents on the floor, the
expected calls answered within ``goals.answer_s`` (Erlang C, or Erlang A with
``goals.patience_s``; abandons count as misses; shrinkage and chat concurrency as in
``evaluate``). Every interval and agent count is stacked into one array and handed to the
same vectorised :mod:`staffing.erlang` function ``evaluate`` calls, with the same arithmetic
(agents on the phone = ``k * (1 - shrinkage)``), so each entry is what ``evaluate`` reports
for ``k`` agents on the floor: the service the roster model promises at integer agent counts
is what evaluation reports for the returned roster. Agent counts are taken in blocks and an
interval stops once it is saturated (at most :data:`SATURATED` of its calls still missed);
the rest of its row repeats that value (off by less than ``SATURATED * calls``).
This module sits above ``erlang`` and ``roster`` (which never import each other).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from staffing.erlang import erlang_a_metrics, service_level
from staffing.exceptions import InputError
from staffing.grid import interval_of
from staffing.requirements import ServiceGoals
from staffing.roster.service import ServiceCurve

__all__ = ["SATURATED", "answered_curve"]

#: Fraction of an interval's calls still missed below which its curve is taken as flat.
SATURATED = 1e-10
_BLOCK = 24  # agent counts per vectorised step


def _service_levels(calls: np.ndarray, aht_s: np.ndarray, floor_agents: np.ndarray,
                    goals: ServiceGoals, interval_s: float) -> np.ndarray:
    """Service level (fraction) per element, exactly as :func:`staffing.evaluate.evaluate`
    computes it for ``floor_agents`` agents on the floor (all arrays of one shape)."""
    net = floor_agents * (1.0 - goals.shrinkage)
    if goals.uses_erlang_a:
        m = erlang_a_metrics(calls, aht_s, net, interval_s, goals.patience_s, goals.answer_s,
                             concurrency=goals.concurrency)
        return np.asarray(m.service_level, float)
    return np.asarray(service_level(calls, aht_s, net, goals.answer_s, interval_s,
                                    concurrency=goals.concurrency), float)


def answered_curve(forecast: pd.DataFrame, goals: ServiceGoals, *,
                   freq: str | pd.Timedelta | None = None,
                   required: pd.Series | None = None,
                   interval_floor: float | None = None,
                   k_max: int | None = None) -> ServiceCurve:
    """The :class:`~staffing.roster.service.ServiceCurve` for a forecast frame (``calls``,
    ``aht_s`` per interval) and goals: weekly target ``goals.service_level``, interval floor
    ``interval_floor`` (fraction or None). ``k_max`` (agents on the floor tabulated) defaults
    to 1.5 x the largest ``required`` (agents) + 5."""
    if not isinstance(forecast, pd.DataFrame) or "calls" not in forecast:
        raise InputError("forecast", type(forecast).__name__, "a frame with 'calls', 'aht_s'")
    if "aht_s" not in forecast:
        raise InputError("forecast", sorted(map(str, forecast.columns)), "an 'aht_s' column")
    if not isinstance(goals, ServiceGoals):
        raise InputError("goals", type(goals).__name__, "a ServiceGoals")
    if goals.service_level is None:
        raise InputError("goals.service_level", None,
                         "a weekly target (fraction) for the service objective")
    calls = forecast["calls"].to_numpy(float)
    aht = forecast["aht_s"].to_numpy(float)
    if not np.isfinite(calls).all() or (calls < 0).any():
        raise InputError("forecast.calls", "non-finite or negative", "calls >= 0")
    if k_max is None:
        peak = float(np.nanmax(required.to_numpy(float))) if required is not None and len(
            required) else 0.0
        k_max = int(math.ceil(1.5 * peak)) + 5
        k_max = max(k_max, 2)
    if k_max < 1 or k_max > 5000:
        raise InputError("k_max", k_max, "1 .. 5000 agents")
    interval_s = float(interval_of(forecast, freq).total_seconds())
    table = np.zeros((len(calls), k_max + 1))
    active = np.flatnonzero(calls > 0)
    aht_calc = np.where(calls > 0, aht, 1.0)  # as evaluate: only intervals with calls count
    lo = 0
    while active.size and lo <= k_max:
        ks = np.arange(lo, min(lo + _BLOCK, k_max + 1), dtype=float)
        shape = (active.size, ks.size)
        c = np.broadcast_to(calls[active, None], shape).ravel()
        sl = _service_levels(c, np.broadcast_to(aht_calc[active, None], shape).ravel(),
                             np.broadcast_to(ks[None, :], shape).ravel(), goals, interval_s)
        block = calls[active, None] * sl.reshape(shape)
        hi = lo + ks.size
        table[active, lo:hi] = block
        done = block[:, -1] >= calls[active] * (1.0 - SATURATED)
        table[active[done], hi:] = block[done, -1:]
        active = active[~done]
        lo = hi
    return ServiceCurve(calls=np.where(calls > 0, calls, 0.0), answered=table,
                        target=float(goals.service_level), interval_floor=interval_floor)
