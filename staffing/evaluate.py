"""Predicted service of a roster: roster coverage + forecast -> SL, ASA, occupancy, abandonment.

Per interval the agents on the floor (``scheduled``: on shift and not on a break) are turned into
agents on the phone with the goals' shrinkage, ``agents_on_phone = scheduled * (1 - shrinkage)``
(fractional agents are allowed by the Erlang formulas), and the Erlang C formulas give the
predicted service — or Erlang A (M/M/n+M) when ``goals.patience_s`` is set.

Aggregates per local day and for the week:

- ``service_level`` and ``abandon_rate``: weighted by calls offered (the share of the day's calls
  answered within ``answer_s`` / abandoning);
- ``asa_s``: weighted by calls answered (offered x (1 - abandon rate)), i.e. the mean wait of an
  answered call; ``inf`` when some interval with calls has no capacity under Erlang C;
- ``occupancy``: weighted by net agents (busy agent-time / agent-time on the phone).

An interval *misses the goal* when it has calls and breaks any configured goal: service level
below ``goals.service_level``, ASA above ``goals.asa_s``, occupancy above
``goals.max_occupancy`` or abandonment above ``goals.abandon_rate``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from staffing.erlang import asa, erlang_a_metrics, occupancy, service_level
from staffing.exceptions import InputError
from staffing.grid import INDEX_NAME, by_interval, interval_of, local_dates
from staffing.requirements import ServiceGoals

__all__ = ["Evaluation", "evaluate"]


@dataclass(frozen=True)
class Evaluation:
    """Predicted service of a staffing plan.

    Attributes
    ----------
    intervals:
        Indexed by ``interval_start``: ``calls``, ``aht_s`` (s), ``scheduled`` (agents on the
        floor), ``agents_on_phone`` (scheduled x (1 - shrinkage); not the requirements'
        Erlang ``agents_net``), ``service_level`` (fraction),
        ``asa_s`` (s), ``occupancy`` (fraction), ``abandon_rate`` (fraction; 0 under Erlang C)
        and ``meets_goal`` (bool; True for intervals without calls).
    days:
        Per local ``date``: ``calls``, ``agent_hours_on_phone`` and the four metrics aggregated as
        in the module docstring, plus ``intervals_missed``.
    week:
        The same for the whole horizon (dict).
    misses:
        The rows of ``intervals`` that miss the goal, with a ``reason`` column.
    goals:
        Goals used.
    model:
        ``"erlang_c"`` or ``"erlang_a"``.
    """

    intervals: pd.DataFrame
    days: pd.DataFrame
    week: dict[str, float]
    misses: pd.DataFrame
    goals: ServiceGoals
    model: str

    def summary(self) -> dict[str, Any]:
        """Weekly figures as plain numbers (non-finite values as None)."""
        out: dict[str, Any] = {"model": self.model}
        for k, v in self.week.items():
            out[k] = None if isinstance(v, float) and not math.isfinite(v) else v
        out["goal_service_level"] = self.goals.service_level
        out["answer_s"] = self.goals.answer_s
        return out


def _weighted(values: np.ndarray, weights: np.ndarray, codes: np.ndarray, n: int) -> np.ndarray:
    """Weighted mean per group; inf where an infinite value has positive weight, NaN if no
    weight."""
    w = np.where(weights > 0, weights, 0.0)
    finite = np.isfinite(values)
    num = np.bincount(codes, weights=np.where(finite, values, 0.0) * w, minlength=n)
    den = np.bincount(codes, weights=w, minlength=n)
    inf_hit = np.bincount(codes, weights=(~finite & (w > 0)).astype(float), minlength=n) > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(den > 0, num / den, np.nan)
    return np.where(inf_hit, np.inf, out)


def evaluate(
    forecast: pd.DataFrame,
    scheduled: pd.Series | pd.DataFrame | np.ndarray,
    goals: ServiceGoals,
    *,
    freq: str | pd.Timedelta | None = None,
    tz: str | None = None,
    overflow: pd.Series | np.ndarray | None = None,
    overflow_service_level: float = 1.0,
) -> Evaluation:
    """Predict service per interval, per day and for the week for the agents on the floor.

    Parameters
    ----------
    forecast:
        Indexed by tz-aware ``interval_start`` with ``calls`` (offered per interval) and
        ``aht_s`` (mean handle time, s).
    scheduled:
        Agents on the floor per interval: a Series indexed like ``forecast`` (aligned on the
        index; missing intervals are an error), a coverage frame with ``scheduled`` (and
        ``interval_start`` as index or column, e.g. ``RosterResult.coverage``) or an array of
        the same length.
    goals:
        Service goals; ``shrinkage`` converts floor to phone agents, ``patience_s`` switches to
        Erlang A.
    freq:
        Interval length (default ``forecast.attrs['freq']`` or the smallest index step).
    tz:
        Zone for the per-day table (default the index's zone).
    overflow:
        Calls sent to an overflow partner per interval (Series aligned on the index, or an
        array), or None. The agents then serve the *kept* calls (offered - sent) and
        ``service_level`` is the combined one: (kept x in-house SL + sent x
        ``overflow_service_level``) / offered; ``inhouse_service_level`` (of the kept calls)
        and ``overflow_calls`` are added; ASA, occupancy and abandonment are the in-house
        figures of the kept calls (abandonment over the calls offered).
    overflow_service_level:
        The partner's answered-within-threshold fraction of the calls it gets.
    """
    if not isinstance(goals, ServiceGoals):
        raise InputError("goals", type(goals).__name__, "a ServiceGoals")
    if not isinstance(forecast, pd.DataFrame) or not isinstance(forecast.index, pd.DatetimeIndex):
        raise InputError("forecast", type(forecast).__name__,
                         "a DataFrame indexed by interval_start")
    for col in ("calls", "aht_s"):
        if col not in forecast.columns:
            raise InputError("forecast", sorted(map(str, forecast.columns)), f"a '{col}' column")
    index = forecast.index
    if isinstance(scheduled, pd.DataFrame):  # a coverage frame
        if "scheduled" not in scheduled.columns:
            raise InputError("scheduled", sorted(map(str, scheduled.columns)),
                             "a Series or a coverage frame with a 'scheduled' column")
        scheduled = by_interval(scheduled)["scheduled"].astype(float)
    if isinstance(scheduled, pd.Series):
        s = scheduled.reindex(index)
        if s.isna().any():
            first = index[np.flatnonzero(s.isna().to_numpy())[0]]
            raise InputError("scheduled", "missing", "agents for every forecast interval",
                             f"interval {first.isoformat()}")
        sched = s.to_numpy(float)
    else:
        sched = np.asarray(scheduled, dtype=float)
        if sched.shape != (len(index),):
            raise InputError("scheduled", sched.shape, f"one value per interval ({len(index)})")
    if not np.all(np.isfinite(sched) & (sched >= 0)):
        raise InputError("scheduled", sched[~(np.isfinite(sched) & (sched >= 0))][0],
                         "finite agents >= 0")
    step = interval_of(forecast, freq)
    interval_s = float(step.total_seconds())

    offered = forecast["calls"].to_numpy(float)
    sent = _overflow(overflow, index, offered)
    calls = offered - sent if sent is not None else offered
    aht = forecast["aht_s"].to_numpy(float)
    aht_calc = np.where(calls > 0, aht, 1.0)
    net = sched * (1.0 - goals.shrinkage)
    k = goals.concurrency
    if goals.uses_erlang_a:
        m = erlang_a_metrics(calls, aht_calc, net, interval_s, goals.patience_s, goals.answer_s,
                             concurrency=k)
        sl = np.asarray(m.service_level, float)
        wait = np.asarray(m.asa_s, float)
        occ = np.asarray(m.occupancy, float)
        ab = np.asarray(m.abandon_rate, float)
        model = "erlang_a"
    else:
        sl = np.asarray(service_level(calls, aht_calc, net, goals.answer_s, interval_s,
                                      concurrency=k), float)
        wait = np.asarray(asa(calls, aht_calc, net, interval_s, concurrency=k), float)
        occ = np.asarray(occupancy(calls, aht_calc, net, interval_s, concurrency=k), float)
        ab = np.zeros(len(calls))
        model = "erlang_c"
    zero = calls <= 0
    sl = np.where(zero, 1.0, sl)
    wait = np.where(zero, 0.0, wait)
    occ = np.where(zero, 0.0, occ)
    ab = np.where(zero, 0.0, ab)
    extra: dict[str, np.ndarray] = {}
    if sent is not None:
        p = float(overflow_service_level)
        if not 0 <= p <= 1:
            raise InputError("overflow.service_level", p, "a fraction in [0, 1]")
        extra = {"overflow_calls": sent, "inhouse_service_level": sl}
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(offered > 0, calls / np.where(offered > 0, offered, 1.0), 1.0)
            sl = np.where(offered > 0, (calls * sl + p * sent) / np.where(
                offered > 0, offered, 1.0), 1.0)
        ab = ab * share
        calls = offered
        zero = calls <= 0

    reasons = _reasons(goals, sl, wait, occ, ab, zero)
    frame = pd.DataFrame(
        {
            "calls": calls,
            "aht_s": aht,
            "scheduled": sched,
            "agents_on_phone": net,
            "service_level": sl,
            "asa_s": wait,
            "occupancy": occ,
            "abandon_rate": ab,
            "meets_goal": reasons == "",
            **extra,
        },
        index=index,
    )
    frame.index.name = INDEX_NAME
    misses = frame.loc[reasons != ""].copy()
    misses["reason"] = reasons[reasons != ""]

    day_key = local_dates(index, tz)
    days_u = pd.unique(day_key)
    codes = pd.Index(days_u).get_indexer(day_key)
    per_day = _aggregate(frame, codes, len(days_u), interval_s)
    days = pd.DataFrame(per_day, index=pd.Index(days_u, name="date"))
    week_vals = _aggregate(frame, np.zeros(len(frame), dtype=int), 1, interval_s)
    week = {key: float(v[0]) for key, v in week_vals.items()}
    week["intervals_missed"] = int(week["intervals_missed"])
    week["intervals_with_calls"] = int((~zero).sum())
    return Evaluation(frame, days, week, misses, goals, model)


def _overflow(overflow: pd.Series | np.ndarray | None, index: pd.DatetimeIndex,
              offered: np.ndarray) -> np.ndarray | None:
    """Calls sent out per interval, aligned and clipped to [0, offered]; None without."""
    if overflow is None:
        return None
    if isinstance(overflow, pd.Series):
        s = overflow.reindex(index).fillna(0.0).to_numpy(float)
    else:
        s = np.asarray(overflow, dtype=float)
        if s.shape != (len(index),):
            raise InputError("overflow", s.shape, f"one value per interval ({len(index)})")
    if not np.isfinite(s).all() or (s < -1e-9).any():
        raise InputError("overflow", "negative or non-finite", "calls sent >= 0 per interval")
    return np.clip(s, 0.0, offered)


def _reasons(goals: ServiceGoals, sl: np.ndarray, wait: np.ndarray, occ: np.ndarray,
             ab: np.ndarray, zero: np.ndarray) -> np.ndarray:
    tol = 1e-9
    parts: list[np.ndarray] = []
    checks: Mapping[str, tuple[float | None, np.ndarray, bool]] = {
        "service_level": (goals.service_level, sl, False),
        "asa_s": (goals.asa_s, wait, True),
        "occupancy": (goals.max_occupancy, occ, True),
        "abandon_rate": (goals.abandon_rate, ab, True),
    }
    for name, (target, values, upper) in checks.items():
        if target is None:
            continue
        bad = (values > target + tol) if upper else (values < target - tol)
        bad &= ~zero
        op = ">" if upper else "<"
        parts.append(np.where(bad, f"{name} {op} {target:g}", ""))
    if not parts:
        return np.full(len(sl), "", dtype=object)
    out = parts[0].astype(object)
    for p in parts[1:]:
        out = np.where((out != "") & (p != ""), out + "; " + p, np.where(out != "", out, p))
    return np.asarray(out, dtype=object)


def _aggregate(frame: pd.DataFrame, codes: np.ndarray, n: int,
               interval_s: float) -> dict[str, np.ndarray]:
    calls = frame["calls"].to_numpy(float)
    net = frame["agents_on_phone"].to_numpy(float)
    ab = frame["abandon_rate"].to_numpy(float)
    answered = calls * (1.0 - ab)
    missed = (~frame["meets_goal"].to_numpy()).astype(float)
    return {
        "calls": np.bincount(codes, weights=calls, minlength=n),
        "agent_hours_on_phone": np.bincount(codes, weights=net, minlength=n) * interval_s / 3600.0,
        "service_level": _weighted(frame["service_level"].to_numpy(float), calls, codes, n),
        "asa_s": _weighted(frame["asa_s"].to_numpy(float), answered, codes, n),
        "occupancy": _weighted(frame["occupancy"].to_numpy(float), net, codes, n),
        "abandon_rate": _weighted(ab, calls, codes, n),
        "intervals_missed": np.bincount(codes, weights=missed, minlength=n),
    }
