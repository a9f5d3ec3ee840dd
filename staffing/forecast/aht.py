"""Average handle time (AHT) per interval of the week, per queue: recency-weighted,
trend-adjusted, shrunk when thin."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from staffing.exceptions import InputError
from staffing.grid import INDEX_NAME, IntervalGrid

MIN_CALLS = 30.0
AHT_WEEKS = 12
HALF_LIFE_WEEKS = 4.0
#: Share of the fitted trend carried into the forecast (damped trend).
TREND_DAMPING = 0.5
#: The trend adjustment never moves AHT by more than this fraction.
MAX_TREND = 0.15
#: A trend is used when its slope is this many standard errors from 0 ...
TREND_T = 3.0
#: ... and at least this fraction per week.
MIN_TREND_PER_WEEK = 0.003


def forecast_aht(
    history: pd.DataFrame,
    grid: IntervalGrid,
    target: pd.DatetimeIndex,
    *,
    min_calls: float = MIN_CALLS,
    weeks: int = AHT_WEEKS,
    half_life_weeks: float = HALF_LIFE_WEEKS,
    trend: bool = True,
) -> tuple[np.ndarray, list[str]]:
    """Mean handle time (s) for each interval of ``target``.

    The estimate per interval of the week is the mean of ``aht_s`` weighted by the calls it
    averages (``answered`` when present, else ``calls``) times a recency weight halving every
    ``half_life_weeks``, over the last ``weeks`` weeks. Thin intervals fall back smoothly: each
    level is shrunk toward the next coarser one with a prior weight of ``min_calls`` calls
    (interval of week -> day of week -> global mean). With ``trend``, a significant linear
    trend of the daily AHT (weighted least squares, > ``TREND_T`` standard errors) moves the
    estimate to each target day, damped by :data:`TREND_DAMPING` beyond the history end and
    capped at +-:data:`MAX_TREND`.

    Returns the array (NaN when history has no handle times) and notes.
    """
    notes: list[str] = []
    if "aht_s" not in history.columns:
        notes.append("aht_s: history has no handle times; aht_s is NaN (supply it downstream)")
        return np.full(len(target), np.nan), notes
    end = history.index.max()
    recent = history[history.index > end - pd.Timedelta(weeks=weeks)]
    weight_col = "answered" if "answered" in recent.columns else "calls"
    aht = pd.to_numeric(recent["aht_s"], errors="coerce").to_numpy(float)
    w = pd.to_numeric(recent[weight_col], errors="coerce").to_numpy(float)
    ok = np.isfinite(aht) & np.isfinite(w) & (w > 0) & (aht >= 0)
    if not ok.any():
        notes.append("aht_s: no interval with handle times in recent history; aht_s is NaN")
        return np.full(len(target), np.nan), notes
    age_days = np.asarray((end - recent.index) / pd.Timedelta(days=1), dtype=float)[ok]
    decay = 0.5 ** (age_days / (7 * half_life_weeks)) if half_life_weeks > 0 else 1.0
    per_day = int(pd.Timedelta(days=1) / grid.freq)
    sow = np.asarray(grid.slot_of_week(recent.index))[ok]
    ww = w[ok] * decay
    wa = aht[ok] * ww
    glob = wa.sum() / ww.sum()
    dow = sow // per_day
    d_w = np.bincount(dow, weights=ww, minlength=7)
    d_a = np.bincount(dow, weights=wa, minlength=7)
    day = (d_a + min_calls * glob) / (d_w + min_calls)
    n = 7 * per_day
    s_w = np.bincount(sow, weights=ww, minlength=n)
    s_a = np.bincount(sow, weights=wa, minlength=n)
    parent = np.repeat(day, per_day)
    slot = (s_a + min_calls * parent) / (s_w + min_calls)
    tsow = np.asarray(grid.slot_of_week(target))
    raw_w = np.bincount(sow, weights=w[ok], minlength=n)
    thin = int(((raw_w < min_calls) & (raw_w > 0)).sum())
    if thin:
        notes.append(
            f"aht_s: {thin} intervals of the week have fewer than {min_calls:g} calls "
            f"({weight_col}); their handle time is shrunk toward the day-of-week / global mean"
        )
    if (d_w == 0).any():
        notes.append("aht_s: days of week without handle times use the global mean "
                     f"({glob:.1f} s)")
    out = slot[tsow]
    if trend:
        factor, note = _trend_factor(aht[ok], w[ok], age_days, decay, target, end)
        out = out * factor
        if note:
            notes.append(note)
    return out, notes


def _trend_factor(aht: np.ndarray, w: np.ndarray, age_days: np.ndarray,
                  decay: np.ndarray | float, target: pd.DatetimeIndex,
                  end: pd.Timestamp) -> tuple[np.ndarray, str]:
    """Multiplicative trend adjustment per target interval (1 without a significant trend)."""
    ones = np.ones(len(target))
    day = np.floor(age_days).astype(int)
    if day.max(initial=0) < 14:
        return ones, ""
    tot_w = np.bincount(day, weights=w)
    tot_a = np.bincount(day, weights=w * aht)
    has = tot_w > 0
    x = -np.flatnonzero(has).astype(float)  # days, 0 = last history day
    y = tot_a[has] / tot_w[has]
    # weights: calls (precision of a day's mean); the recency weighting is not applied to the
    # slope so that it measures the window's trend, not the last days' noise
    v = tot_w[has]
    if len(x) < 10:
        return ones, ""
    xm = (v * x).sum() / v.sum()
    ym = (v * y).sum() / v.sum()
    sxx = (v * (x - xm) ** 2).sum()
    if sxx <= 0:
        return ones, ""
    slope = (v * (x - xm) * (y - ym)).sum() / sxx
    resid = y - ym - slope * (x - xm)
    dof = max(len(x) - 2, 1)
    s2 = (v * resid**2).sum() / dof
    se = math.sqrt(s2 / sxx)
    rel_week = 7 * slope / ym if ym > 0 else 0.0
    if se <= 0 or abs(slope) < TREND_T * se or abs(rel_week) < MIN_TREND_PER_WEEK:
        return ones, ""
    # the recency-weighted profile sits at its weighted mean age; move it to each target day
    centre = float(np.average(age_days, weights=w * decay))
    lead = np.asarray((target - end) / pd.Timedelta(days=1), dtype=float)
    shift_days = centre + TREND_DAMPING * np.maximum(lead, 0.0)
    factor = 1.0 + np.clip(slope * shift_days / ym, -MAX_TREND, MAX_TREND)
    return factor, (f"aht_s: trend {rel_week:+.1%} per week in the last weeks "
                    f"({slope * 7:+.1f} s/week), carried forward damped by {TREND_DAMPING:g}")


def forecast_aht_by_queue(history: pd.DataFrame, grid: IntervalGrid,
                          target: pd.DatetimeIndex, **kwargs: float) -> pd.DataFrame:
    """AHT per interval of ``target`` for each queue of a multi-queue history.

    ``history`` has a ``queue`` column (rows of all queues, indexed by ``interval_start``).
    Returns a tidy frame indexed by (``interval_start``, ``queue``) with ``aht_s``.
    """
    if "queue" not in history.columns:
        raise InputError("history", sorted(map(str, history.columns)), "a 'queue' column")
    frames = []
    for queue, part in history.groupby("queue", sort=True):
        values, _ = forecast_aht(part.drop(columns="queue"), grid, target,
                                 **kwargs)  # type: ignore[arg-type]
        frames.append(pd.DataFrame({"queue": str(queue), "aht_s": values},
                                   index=pd.DatetimeIndex(target, name=INDEX_NAME)))
    return pd.concat(frames).set_index("queue", append=True).sort_index()
