"""Tabulate the service objective's curve with :func:`staffing.evaluate.evaluate` itself.

``answered_curve`` gives, per interval and whole number ``k`` of agents on the floor, the
expected calls answered within ``goals.answer_s`` (Erlang C, or Erlang A with
``goals.patience_s``; abandons count as misses; shrinkage and chat concurrency as in
``evaluate``). Because the table is made by ``evaluate``, the service the roster model
promises at integer agent counts is exactly what evaluation reports for the returned roster.
This module sits above ``erlang`` and ``roster`` (which never import each other).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from staffing.evaluate import evaluate
from staffing.exceptions import InputError
from staffing.requirements import ServiceGoals
from staffing.roster.service import ServiceCurve

__all__ = ["answered_curve"]


def answered_curve(forecast: pd.DataFrame, goals: ServiceGoals, *,
                   freq: str | pd.Timedelta | None = None,
                   required: pd.Series | None = None,
                   interval_floor: float | None = None,
                   k_max: int | None = None) -> ServiceCurve:
    """The :class:`~staffing.roster.service.ServiceCurve` for a forecast frame (``calls``,
    ``aht_s`` per interval) and goals: weekly target ``goals.service_level``, interval floor
    ``interval_floor`` (fraction or None). ``k_max`` (agents on the floor tabulated) defaults
    to 1.5 x the largest ``required`` (agents) + 5, or enough for 99.9 % service."""
    if not isinstance(forecast, pd.DataFrame) or "calls" not in forecast:
        raise InputError("forecast", type(forecast).__name__, "a frame with 'calls', 'aht_s'")
    calls = forecast["calls"].to_numpy(float)
    if k_max is None:
        peak = float(np.nanmax(required.to_numpy(float))) if required is not None and len(
            required) else 0.0
        k_max = int(math.ceil(1.5 * peak)) + 5
        k_max = max(k_max, 2)
    if k_max < 1 or k_max > 5000:
        raise InputError("k_max", k_max, "1 .. 5000 agents")
    table = np.zeros((len(calls), k_max + 1))
    for k in range(k_max + 1):
        ev = evaluate(forecast, np.full(len(calls), float(k)), goals, freq=freq)
        table[:, k] = calls * ev.intervals["service_level"].to_numpy(float)
    table[calls <= 0] = 0.0
    if goals.service_level is None:
        raise InputError("goals.service_level", None,
                         "a weekly target (fraction) for the service objective")
    return ServiceCurve(calls=np.where(calls > 0, calls, 0.0), answered=table,
                        target=float(goals.service_level), interval_floor=interval_floor)
