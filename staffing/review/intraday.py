"""Intraday: re-forecast the rest of today from the actuals so far, re-check the roster.

Method (chosen and backtested in ``benchmarks/bench_intraday.py``)
-----------------------------------------------------------------
The plan's interval profile for the rest of the day is kept and scaled by the day's volume
multiplier, estimated from the intervals already complete with shrinkage toward the plan:

``ratio = (observed + prior_calls) / (expected + prior_calls)``

where ``observed`` and ``expected`` are the actual and planned calls of the elapsed intervals.
It is the posterior mean of the multiplier under a Gamma prior of mean 1 worth ``prior_calls``
calls and Poisson arrivals: early in the day (few calls seen) it stays near the plan, later it
follows the day. Handle time is scaled the same way with ``prior_answered`` answered calls:
``aht_ratio = (observed_handle + prior_answered) / (expected_handle + prior_answered)`` with
handle in units of the plan's AHT (``expected_handle`` = answered calls of the elapsed
intervals, ``observed_handle`` = their actual handle time / the plan's AHT).

The rest of the day is then evaluated on the scheduled roster (:func:`staffing.evaluate`) and its
requirement recomputed (:func:`staffing.requirements.compute_requirements`): an interval is
**at risk** when its predicted service misses the goal; ``agents_short`` (floor agents) is the
requirement minus the scheduled agents (positive: short, negative: spare), with an action:
overtime or moving a break/training out of the interval when short, voluntary time off or
training when at least one agent is spare.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from staffing.evaluate import evaluate
from staffing.exceptions import InputError
from staffing.grid import INDEX_NAME
from staffing.hours import OpenHours
from staffing.requirements import ServiceGoals, compute_requirements

__all__ = ["PRIOR_ANSWERED", "PRIOR_CALLS", "IntradayResult", "intraday", "reforecast"]

#: Prior weight of the plan's day volume, in calls: a Gamma prior of mean 1 and coefficient of
#: variation 1/sqrt(100) = 10 %, about the day-level error of a weekly forecast (see the module
#: doc and docs/benchmarks.md for the backtest).
PRIOR_CALLS = 100.0
#: Prior weight of the plan's AHT, in answered calls.
PRIOR_ANSWERED = 100.0


@dataclass(frozen=True)
class IntradayResult:
    """Re-forecast and risk of the rest of a day.

    Attributes
    ----------
    now:
        The cut-off (tz-aware): intervals ending at or before it are observed.
    ratio, aht_ratio:
        Volume and handle-time multipliers applied to the rest of the day.
    observed, expected:
        Actual and planned calls of the elapsed intervals of the day.
    intervals:
        The whole day per ``interval_start``: ``plan_calls``, ``plan_aht_s``,
        ``actual_calls`` (NaN after ``now``), ``elapsed`` (bool), ``calls``/``aht_s`` (the
        re-forecast for the rest, the actuals before), ``scheduled`` (floor agents),
        ``plan_sl`` (predicted on the plan), ``service_level`` (predicted on the re-forecast),
        ``agents_required``, ``agents_short`` (required - scheduled), ``at_risk``, ``action``.
    at_risk:
        The rest-of-day intervals predicted to miss the goal.
    goals:
        Goals used.
    """

    now: pd.Timestamp
    ratio: float
    aht_ratio: float
    observed: float
    expected: float
    intervals: pd.DataFrame
    at_risk: pd.DataFrame
    goals: ServiceGoals
    notes: list[str] = field(default_factory=list)

    @property
    def rest(self) -> pd.DataFrame:
        """The intervals after ``now``."""
        return self.intervals[~self.intervals["elapsed"]]

    def summary(self) -> dict[str, Any]:
        """Plain numbers for JSON."""
        rest = self.rest
        calls = float(rest["calls"].sum())
        sl = float((rest["service_level"] * rest["calls"]).sum() / calls) if calls else None
        plan_calls = float(rest["plan_calls"].sum())
        plan_sl = (float((rest["plan_sl"] * rest["plan_calls"]).sum() / plan_calls)
                   if plan_calls else None)
        short = rest["agents_short"].clip(lower=0)
        spare = (-rest["agents_short"]).clip(lower=0)
        return {
            "now": self.now.isoformat(),
            "observed_calls": self.observed,
            "expected_calls": self.expected,
            "ratio": self.ratio,
            "aht_ratio": self.aht_ratio,
            "rest_plan_calls": plan_calls,
            "rest_calls": calls,
            "rest_plan_service_level": plan_sl,
            "rest_service_level": sl,
            "intervals_at_risk": int(len(self.at_risk)),
            "agent_intervals_short": float(short.sum()),
            "agent_intervals_spare": float(spare.sum()),
            "notes": list(self.notes),
        }

    def text(self) -> str:
        """A few lines for people."""
        s = self.summary()
        goal = self.goals.service_level or 0.0
        lines = [
            f"{self.now:%a %Y-%m-%d %H:%M}: {s['observed_calls']:.0f} calls so far vs "
            f"{s['expected_calls']:.1f} planned -> rest of day x{self.ratio:.2f} "
            f"({s['rest_plan_calls']:.0f} -> {s['rest_calls']:.0f} calls), AHT "
            f"x{self.aht_ratio:.2f}",
            f"rest of day predicted SL {_pct(s['rest_service_level'])} (plan "
            f"{_pct(s['rest_plan_service_level'])}, goal {goal:.0%}); "
            f"{s['intervals_at_risk']} intervals at risk, {s['agent_intervals_short']:.0f} "
            f"agent-intervals short, {s['agent_intervals_spare']:.0f} spare",
        ]
        return "\n".join(lines)


def _pct(v: float | None) -> str:
    return "n/a" if v is None or not math.isfinite(v) else f"{v:.1%}"


def reforecast(plan_calls: np.ndarray, actual_calls: np.ndarray, elapsed: np.ndarray, *,
               prior_calls: float = PRIOR_CALLS) -> tuple[np.ndarray, float]:
    """The rest-of-day forecast (calls per interval) and the volume multiplier (module doc).

    ``plan_calls`` and ``actual_calls`` are per interval of the day; ``elapsed`` marks the
    intervals already complete (their ``actual_calls`` are used). Elapsed intervals keep their
    plan value in the returned array (compare the rest only)."""
    if not (isinstance(prior_calls, int | float) and prior_calls >= 0):
        raise InputError("prior_calls", prior_calls, "a number of calls >= 0")
    plan = np.asarray(plan_calls, float)
    act = np.asarray(actual_calls, float)
    el = np.asarray(elapsed, bool)
    obs = float(np.nansum(act[el]))
    exp_ = float(np.nansum(plan[el]))
    den = exp_ + prior_calls
    ratio = (obs + prior_calls) / den if den > 0 else 1.0
    out = np.where(el, plan, plan * ratio)
    return out, ratio


def intraday(
    plan_forecast: pd.DataFrame,
    scheduled: pd.Series,
    actuals: pd.DataFrame,
    now: pd.Timestamp | dt.datetime | str,
    goals: ServiceGoals,
    *,
    tz: str | None = None,
    open_hours: OpenHours | None = None,
    prior_calls: float = PRIOR_CALLS,
    prior_answered: float = PRIOR_ANSWERED,
) -> IntradayResult:
    """Re-forecast the rest of ``now``'s local day and re-check the roster (module doc).

    Parameters
    ----------
    plan_forecast:
        The plan's ``forecast.csv`` frame (``calls``, ``aht_s``) covering the day.
    scheduled:
        Agents on the floor per interval (``coverage.csv`` ``scheduled``) covering the day.
    actuals:
        Interval actuals of the day so far: ``calls`` (offered), optionally ``answered`` and
        ``aht_s`` (e.g. ``CallLog.to_intervals``); intervals after ``now`` are ignored.
    now:
        The cut-off time (naive = local time in ``tz``).
    goals:
        Service goals (shrinkage turns floor into phone agents).
    tz:
        Site zone (default the forecast index's).
    open_hours:
        Opening hours for the recomputed requirement's floor.
    prior_calls, prior_answered:
        Shrinkage toward the plan (module doc).
    """
    index = pd.DatetimeIndex(plan_forecast.index)
    zone = tz or str(index.tz)
    ts = pd.Timestamp(now)
    ts = ts.tz_convert(zone) if ts.tzinfo is not None else ts.tz_localize(zone)
    day0 = ts.normalize()
    local = index.tz_convert(zone)
    in_day = (local >= day0) & (local < day0 + pd.Timedelta(days=1))
    if not in_day.any():
        raise InputError("now", ts.isoformat(), f"a time on a day the plan covers "
                         f"({local[0].date()} .. {local[-1].date()})")
    f = plan_forecast.loc[in_day, ["calls", "aht_s"]].astype(float)
    step = (index[1] - index[0]) if len(index) > 1 else pd.Timedelta(minutes=15)
    elapsed = (f.index + step) <= ts
    a = actuals.reindex(f.index)
    act_calls = a["calls"].astype(float).to_numpy() if "calls" in a else np.full(len(f), np.nan)
    missing = elapsed & np.isnan(act_calls)
    notes: list[str] = []
    if missing.any():
        notes.append(f"{int(missing.sum())} elapsed intervals have no actuals: counted as 0")
    act_calls = np.where(elapsed, np.nan_to_num(act_calls), np.nan)
    plan_calls = f["calls"].to_numpy(float)
    calls, ratio = reforecast(plan_calls, act_calls, elapsed, prior_calls=prior_calls)

    plan_aht = f["aht_s"].to_numpy(float)
    aht_ratio = 1.0
    if "aht_s" in a and "answered" in a:
        ans = np.where(elapsed, np.nan_to_num(a["answered"].to_numpy(float)), 0.0)
        act_aht = a["aht_s"].to_numpy(float)
        ok = elapsed & (ans > 0) & np.isfinite(act_aht) & np.isfinite(plan_aht) & (plan_aht > 0)
        obs_h = float((ans[ok] * act_aht[ok] / plan_aht[ok]).sum())
        exp_h = float(ans[ok].sum())
        aht_ratio = (obs_h + prior_answered) / (exp_h + prior_answered)
    aht = np.where(elapsed, plan_aht, plan_aht * aht_ratio)

    sched = scheduled.reindex(f.index)
    if sched.isna().any():
        first = f.index[np.flatnonzero(sched.isna().to_numpy())[0]]
        raise InputError("scheduled", "missing", "agents for every interval of the day",
                         f"interval {first.isoformat()}")
    frame = pd.DataFrame({"calls": np.where(elapsed, np.nan_to_num(act_calls), calls),
                          "aht_s": aht}, index=f.index)
    frame.index.name = INDEX_NAME
    plan_frame = pd.DataFrame({"calls": plan_calls, "aht_s": plan_aht}, index=f.index)
    ev_plan = evaluate(plan_frame.fillna({"aht_s": 1.0}), sched.astype(float), goals,
                       freq=step, tz=zone)
    ev = evaluate(frame.fillna({"aht_s": 1.0}), sched.astype(float), goals, freq=step, tz=zone)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # closed-hours calls: the requirement keeps them
        req = compute_requirements(frame.fillna({"aht_s": 1.0}), goals, open_hours=open_hours,
                                   freq=step)
    out = pd.DataFrame(index=f.index)
    out["plan_calls"] = plan_calls
    out["plan_aht_s"] = plan_aht
    out["actual_calls"] = act_calls
    out["elapsed"] = elapsed
    out["calls"] = frame["calls"]
    out["aht_s"] = aht
    out["scheduled"] = sched.astype(float).to_numpy()
    out["plan_sl"] = ev_plan.intervals["service_level"].to_numpy()
    out["service_level"] = ev.intervals["service_level"].to_numpy()
    out["agents_required"] = req["agents_required"].to_numpy(float)
    out["agents_short"] = out["agents_required"] - out["scheduled"]
    goal = goals.service_level if goals.service_level is not None else 0.0
    risk = (~out["elapsed"]) & (out["calls"] > 0) & (out["service_level"] < goal - 1e-9)
    out["at_risk"] = risk
    spare = (~out["elapsed"]) & (out["agents_short"] <= -1) & ~risk
    action = np.full(len(out), "", dtype=object)
    short_n = np.maximum(out["agents_short"].to_numpy(), 0)
    action[risk.to_numpy()] = [
        f"short {n:.0f}: overtime or move a break" if n > 0 else "move a break or training"
        for n in short_n[risk.to_numpy()]]
    action[spare.to_numpy()] = [
        f"spare {-n:.0f}: VTO or training"
        for n in out.loc[spare, "agents_short"].to_numpy()]
    out["action"] = action
    return IntradayResult(now=ts, ratio=float(ratio), aht_ratio=float(aht_ratio),
                          observed=float(np.nansum(act_calls)),
                          expected=float(plan_calls[elapsed].sum()), intervals=out,
                          at_risk=out[risk].copy(), goals=goals, notes=notes)
