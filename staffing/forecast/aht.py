"""Average handle time (AHT) per interval of the week, volume-weighted, shrunk when thin."""

from __future__ import annotations

import numpy as np
import pandas as pd

from staffing.grid import IntervalGrid

MIN_CALLS = 30.0
AHT_WEEKS = 8


def forecast_aht(
    history: pd.DataFrame,
    grid: IntervalGrid,
    target: pd.DatetimeIndex,
    *,
    min_calls: float = MIN_CALLS,
    weeks: int = AHT_WEEKS,
) -> tuple[np.ndarray, list[str]]:
    """Mean handle time (s) for each interval of ``target``.

    The estimate per interval of the week is the mean of ``aht_s`` weighted by the calls it
    averages (``answered`` when present, else ``calls``) over the last ``weeks`` weeks. Thin
    intervals fall back smoothly: each level is shrunk toward the next coarser one with a prior
    weight of ``min_calls`` calls (interval of week -> day of week -> global mean).

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
    per_day = int(pd.Timedelta(days=1) / grid.freq)
    sow = np.asarray(grid.slot_of_week(recent.index))[ok]
    wa, ww = aht[ok] * w[ok], w[ok]
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
    thin = int(((s_w < min_calls) & (s_w > 0)).sum())
    if thin:
        notes.append(
            f"aht_s: {thin} intervals of the week have fewer than {min_calls:g} calls "
            f"({weight_col}); their handle time is shrunk toward the day-of-week / global mean"
        )
    if (d_w == 0).any():
        notes.append("aht_s: days of week without handle times use the global mean "
                     f"({glob:.1f} s)")
    return slot[tsow], notes
