"""Plan vs actual: forecast accuracy, scheduled vs staffed, and why intervals missed the goal.

Forecast accuracy (per interval, local day, time of day and period)
-------------------------------------------------------------------
- ``error = offered - forecast_calls`` (calls; positive: more calls than forecast);
- ``wape = sum |error| / sum offered`` (fraction);
- ``bias = (sum forecast_calls - sum offered) / sum offered`` (fraction; positive: the plan
  over-forecast);
- ``band_coverage``: share of intervals with forecast or actual calls whose actual offered fell
  inside the forecast's ``[calls_lower, calls_upper]`` band (compare with the band's level).

Attribution of a missed interval
--------------------------------
The Erlang model of the plan (C, or A with ``goals.patience_s``) is evaluated in four states that
change one input at a time from the plan to what happened:

1. ``sl_plan``: forecast calls, forecast AHT, planned agents on the phone
   (``scheduled * (1 - shrinkage)``);
2. ``sl_calls``: actual offered calls instead;
3. ``sl_aht``: and the actual AHT (talk + wrap);
4. ``sl_staffed``: and the agents actually staffed (estimated from the call log's agent column;
   without it this step is skipped);

and the realised ``service_level`` closes the chain. The differences are the SL points lost to
*calls above forecast*, *handle time above forecast*, *staffed below plan* and the *queueing
model* (what the Erlang model with the actual inputs does not explain: waits carried over from
the previous interval, non-FCFS routing, patience). The cause of a miss is the largest loss, or
*plan predicted a miss* when the plan's own prediction was already below the goal;
``cause_detail`` gives every step with its numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from staffing.erlang import erlang_a_metrics, service_level
from staffing.exceptions import InputError
from staffing.requirements import ServiceGoals

__all__ = ["CAUSES", "attach_plan", "attribute", "erlang_sl"]

CAUSES = {
    "calls": "calls above forecast",
    "aht": "handle time above forecast",
    "staffing": "staffed below plan",
    "model": "queueing model",
    "plan": "plan predicted a miss",
}


def erlang_sl(calls: np.ndarray, aht_s: np.ndarray, agents: np.ndarray, interval_s: float,
              goals: ServiceGoals) -> np.ndarray:
    """Predicted service level per interval (Erlang A with ``goals.patience_s``, else C);
    1 where there are no calls."""
    calls = np.asarray(calls, float)
    aht = np.where((calls > 0) & np.isfinite(aht_s) & (aht_s > 0), aht_s, 1.0)
    agents = np.maximum(np.nan_to_num(np.asarray(agents, float)), 0.0)
    if goals.uses_erlang_a:
        m = erlang_a_metrics(calls, aht, agents, interval_s, goals.patience_s, goals.answer_s,
                             concurrency=goals.concurrency)
        sl = np.asarray(m.service_level, float)
    else:
        sl = np.asarray(service_level(calls, aht, agents, goals.answer_s, interval_s,
                                      concurrency=goals.concurrency), float)
    return np.where(calls > 0, np.nan_to_num(sl, nan=0.0), 1.0)


def attach_plan(actuals: pd.DataFrame, forecast: pd.DataFrame | None,
                coverage: pd.DataFrame | None, goals: ServiceGoals) -> pd.DataFrame:
    """Actuals per interval with the plan's columns beside them.

    Parameters
    ----------
    actuals:
        :func:`staffing.review.actuals_from_log` frame (or interval actuals with the same
        columns).
    forecast:
        The plan's ``forecast.csv`` frame: ``calls``, ``aht_s``, optionally ``calls_lower``,
        ``calls_upper`` (indexed by ``interval_start``).
    coverage:
        The plan's ``coverage.csv`` frame: ``scheduled`` (agents on the floor), optionally
        ``required`` and ``service_level`` (predicted).
    goals:
        The plan's service goals (``shrinkage`` turns floor into phone agents).

    Returns
    -------
    ``actuals`` plus ``forecast_calls``, ``forecast_aht_s``, ``forecast_handle_s``,
    ``calls_lower``, ``calls_upper``, ``error``, ``abs_error``, ``in_band``, ``scheduled``,
    ``required``, ``planned_net``, ``scheduled_s``, ``planned_net_s``, ``predicted_sl``,
    ``predicted_within``, ``meets_goal``, ``predicted_met``, ``intervals``,
    ``intervals_with_calls``, ``intervals_met`` (additive columns aggregate by day/week).
    Plan columns are NaN where the plan does not cover an interval.
    """
    out = actuals.copy()
    index = out.index
    goal = goals.service_level
    has_calls = out["offered"] > 0
    out["intervals"] = 1.0
    out["intervals_with_calls"] = has_calls.astype(float)
    met = out["service_level"] >= (goal - 1e-9) if goal is not None else pd.Series(True, index)
    out["meets_goal"] = met | ~has_calls
    out["intervals_met"] = (met & has_calls).astype(float)
    interval_s = out["interval_s"].to_numpy(float)
    if forecast is not None:
        for col in ("calls", "aht_s"):
            if col not in forecast.columns:
                raise InputError(f"forecast.{col}", sorted(map(str, forecast.columns)),
                                 f"a '{col}' column in the plan's forecast")
        f = forecast.reindex(index)
        if f["calls"].isna().all():
            raise InputError("forecast", f"{forecast.index.min()} .. {forecast.index.max()}",
                             f"a forecast covering the reviewed period ({index[0]} ..)")
        out["forecast_calls"] = f["calls"].astype(float)
        out["forecast_aht_s"] = f["aht_s"].astype(float)
        out["forecast_handle_s"] = out["forecast_calls"] * out["forecast_aht_s"].fillna(0.0)
        out["calls_lower"] = f.get("calls_lower", pd.Series(np.nan, index)).astype(float)
        out["calls_upper"] = f.get("calls_upper", pd.Series(np.nan, index)).astype(float)
        out["error"] = out["offered"] - out["forecast_calls"]
        out["abs_error"] = out["error"].abs()
        busy = (out["offered"] > 0) | (out["forecast_calls"] > 0)
        inside = (out["offered"] >= out["calls_lower"]) & (out["offered"] <= out["calls_upper"])
        out["in_band"] = np.where(busy & out["calls_lower"].notna(), inside.astype(float),
                                  np.nan)
        out["band_intervals"] = np.where(busy & out["calls_lower"].notna(), 1.0, np.nan)
    if coverage is not None:
        if "scheduled" not in coverage.columns:
            raise InputError("coverage.scheduled", sorted(map(str, coverage.columns)),
                             "a 'scheduled' column in the plan's coverage")
        cv = coverage.reindex(index)
        out["scheduled"] = cv["scheduled"].astype(float)
        out["required"] = cv.get("required", pd.Series(np.nan, index)).astype(float)
        out["planned_net"] = out["scheduled"] * (1.0 - goals.shrinkage)
        out["scheduled_s"] = out["scheduled"] * interval_s
        out["planned_net_s"] = out["planned_net"] * interval_s
        if forecast is not None:
            step_s = float(np.nanmedian(interval_s))
            pred = erlang_sl(out["forecast_calls"].fillna(0).to_numpy(),
                             out["forecast_aht_s"].to_numpy(float),
                             out["planned_net"].fillna(0).to_numpy(), step_s, goals)
            if "service_level" in cv.columns and cv["service_level"].notna().any():
                given = cv["service_level"].astype(float).to_numpy()
                pred = np.where(np.isfinite(given), given, pred)
            out["predicted_sl"] = np.where(out["scheduled"].notna(), pred, np.nan)
            out["predicted_within"] = out["predicted_sl"] * out["forecast_calls"]
            fc_busy = out["forecast_calls"] > 0
            out["predicted_met"] = np.where(
                fc_busy, (out["predicted_sl"] >= (goal or 0) - 1e-9).astype(float), np.nan)
    return out


def _pts(loss: float) -> str:
    """A loss of SL (fraction) as signed SL points, e.g. ``-26 pts``."""
    return f"{-loss * 100:+.0f} pts"


def attribute(frame: pd.DataFrame, goals: ServiceGoals) -> pd.DataFrame:
    """Add ``sl_plan``, ``sl_calls``, ``sl_aht``, ``sl_staffed``, the losses ``loss_calls``,
    ``loss_aht``, ``loss_staffing``, ``loss_model`` (SL points as fractions; positive = lost),
    ``cause`` and ``cause_detail`` (only for intervals with calls that missed the goal) to an
    :func:`attach_plan` frame that has both forecast and coverage columns."""
    need = ("forecast_calls", "planned_net")
    if any(c not in frame.columns for c in need):
        raise InputError("plan", "missing", "the plan's forecast.csv and coverage.csv to "
                         "attribute misses")
    out = frame.copy()
    step_s = float(np.nanmedian(out["interval_s"].to_numpy(float)))
    fc = out["forecast_calls"].fillna(0).to_numpy(float)
    fa = out["forecast_aht_s"].to_numpy(float)
    net = out["planned_net"].fillna(0).to_numpy(float)
    ac = out["offered"].to_numpy(float)
    aa = np.where(out["aht_s"].notna(), out["aht_s"], fa)
    staffed = out["agents_staffed"].to_numpy(float)
    has_staff = np.isfinite(staffed)
    s0 = erlang_sl(fc, fa, net, step_s, goals)
    s1 = erlang_sl(ac, fa, net, step_s, goals)
    s2 = erlang_sl(ac, aa, net, step_s, goals)
    s3 = np.where(has_staff, erlang_sl(ac, aa, np.nan_to_num(staffed), step_s, goals), s2)
    real = out["service_level"].to_numpy(float)
    out["sl_plan"], out["sl_calls"], out["sl_aht"], out["sl_staffed"] = s0, s1, s2, s3
    out["loss_calls"] = s0 - s1
    out["loss_aht"] = s1 - s2
    out["loss_staffing"] = s2 - s3
    out["loss_model"] = s3 - real
    miss = (~out["meets_goal"].astype(bool)) & (out["offered"] > 0) & out["scheduled"].notna()
    losses = out[["loss_calls", "loss_aht", "loss_staffing", "loss_model"]].to_numpy(float)
    keys = ("calls", "aht", "staffing", "model")
    cause = np.full(len(out), "", dtype=object)
    detail = np.full(len(out), "", dtype=object)
    goal = goals.service_level if goals.service_level is not None else 0.0
    for i in np.flatnonzero(miss.to_numpy()):
        row = losses[i]
        if s0[i] < goal - 1e-9:
            cause[i] = CAUSES["plan"]
        else:
            cause[i] = CAUSES[keys[int(np.nanargmax(np.round(row, 9)))]]
        parts = [
            f"calls {ac[i]:.0f} vs {fc[i]:.1f} forecast: {_pts(row[0])}",
            f"AHT {aa[i]:.0f} vs {fa[i]:.0f} s: {_pts(row[1])}",
            (f"staffed {staffed[i]:.1f} vs {net[i]:.1f} planned on the phone: {_pts(row[2])}"
             if has_staff[i] else "staffed: no agent data"),
            f"queueing model: {_pts(row[3])}",
        ]
        detail[i] = (f"SL {real[i]:.0%} vs {s0[i]:.0%} predicted; " + "; ".join(parts))
    out["cause"] = cause
    out["cause_detail"] = detail
    return out
