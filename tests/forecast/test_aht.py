"""Handle-time forecast: recency weights, damped trend, per queue."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from staffing.exceptions import InputError
from staffing.forecast.aht import TREND_DAMPING, forecast_aht, forecast_aht_by_queue
from staffing.forecast.data import target_index
from staffing.grid import IntervalGrid
from tests.forecast.conftest import make_history

GRID = IntervalGrid.of("Europe/Berlin", "60min")


def _with_aht(weeks: int, per_week_s: float, seed: int = 0) -> pd.DataFrame:
    h = make_history(weeks=weeks, freq="60min", seed=seed, peak=40.0)
    rng = np.random.default_rng(seed)
    age_weeks = (h.index[-1] - h.index) / pd.Timedelta(weeks=1)
    base = 200.0 - per_week_s * age_weeks.to_numpy()
    h["aht_s"] = np.where(h["calls"] > 0, base + rng.normal(0, 3, len(h)), np.nan)
    return h


def test_rising_handle_time_is_carried_forward():
    h = _with_aht(12, 2.0)          # +2 s a week, 200 s at the end
    target = target_index(GRID, pd.Timestamp("2024-03-25").date(), 7)
    aht, notes = forecast_aht(h, GRID, target)
    open_ = ~np.isnan(aht) & (target.hour >= 9) & (target.hour < 19)
    mean = float(np.nanmean(aht[open_]))
    # the plain recency-weighted mean lags (~196 s); the damped trend lifts it to about the
    # last level plus half of the next half week
    flat, _ = forecast_aht(h, GRID, target, trend=False)
    assert float(np.nanmean(flat[open_])) < 198
    assert 199 < mean < 200 + 2.0 * TREND_DAMPING * 1.0
    assert any("trend" in n for n in notes)


def test_flat_handle_time_has_no_trend():
    h = _with_aht(12, 0.0, seed=3)
    target = target_index(GRID, pd.Timestamp("2024-03-25").date(), 7)
    aht, notes = forecast_aht(h, GRID, target)
    assert not any("trend" in n for n in notes)
    assert np.nanmean(aht) == pytest.approx(200, abs=1.5)


def test_recent_weeks_weigh_more():
    h = _with_aht(8, 0.0)
    late = h.index >= h.index[-1] - pd.Timedelta(weeks=2)
    h.loc[late & h["aht_s"].notna(), "aht_s"] = 260.0   # a recent jump (new product)
    target = target_index(GRID, pd.Timestamp("2024-02-26").date(), 1)
    recent, _ = forecast_aht(h, GRID, target, trend=False)
    equal, _ = forecast_aht(h, GRID, target, trend=False, half_life_weeks=0)
    assert np.nanmean(recent) > np.nanmean(equal) + 5


def test_per_queue():
    a = _with_aht(4, 0.0)
    b = _with_aht(4, 0.0, seed=1)
    b["aht_s"] += 100
    both = pd.concat([a.assign(queue="retail"), b.assign(queue="business")])
    target = target_index(GRID, pd.Timestamp("2024-01-29").date(), 1)
    out = forecast_aht_by_queue(both, GRID, target)
    assert list(out.index.names) == ["interval_start", "queue"]
    by = out.groupby(level="queue")["aht_s"].mean()
    assert by["business"] - by["retail"] == pytest.approx(100, abs=3)
    with pytest.raises(InputError):
        forecast_aht_by_queue(a, GRID, target)
