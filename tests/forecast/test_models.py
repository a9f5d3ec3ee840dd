"""Model internals: wall-clock series, aggregated GLM exactness, closed inference, intervals."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from staffing.forecast import forecast
from staffing.forecast.backtest import count_interval, dispersion, infer_closed
from staffing.forecast.data import history_grid, to_wall
from staffing.forecast.models import PoissonGLM, day_types, robust_cap


def test_wall_series_recent_and_week_matrix(synth):
    h = synth(weeks=3, freq="60min", start="2024-01-03")  # starts on a Wednesday
    ws = to_wall(h["calls"], history_grid(h))
    assert ws.first_dow == 2
    m = ws.week_matrix()
    assert m.shape[1] == 7 * 24
    assert np.isnan(m[0, : 2 * 24]).all()
    rec = ws.recent(2)
    last_wed_noon = h["calls"].iloc[-7 * 24 + 12]
    assert rec[0, 2 * 24 + 12] == last_wed_noon


def test_aggregated_glm_equals_row_level_fit(synth):
    h = synth(weeks=3, freq="60min", seed=5)
    ws = robust_cap(to_wall(h["calls"], history_grid(h)))
    closed = infer_closed(ws)
    model = PoissonGLM(harmonics=4, half_life_weeks=2.0)
    agg = model.fit_predict(ws, 7 * 24, closed)
    # the same model fitted on every row with its own recency weight
    types = day_types(ws)
    dow, slot, sow = ws.dow(), ws.slot(), ws.slot_of_week()
    keep = ~np.isnan(ws.y) & ~closed[sow] & (types[dow] >= 0)
    harm = model._harmonics(ws, dow[keep], slot[keep], types)
    x = model._design(ws, dow[keep], slot[keep], types, harm)
    used = x.any(axis=0)
    age = (len(ws.y) - 1 - np.flatnonzero(keep)) / ws.per_week
    y = ws.y[keep]
    # the aggregated fit floors all-zero cells at 0.01 calls; give the row fit the same cells
    cell_total = np.bincount(sow[keep], weights=y, minlength=ws.per_week)
    zero_cell = cell_total[sow[keep]] == 0
    y = np.where(zero_cell, 0.01, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sm.GLM(y, x[:, used], family=sm.families.Poisson(),
                     var_weights=0.5 ** (age / 2.0)).fit(tol=1e-10)
    n = len(ws.y)
    fdow, fslot = ws.dow(n, 7 * 24), ws.slot(n, 7 * 24)
    ok = types[fdow] >= 0
    row = np.zeros(7 * 24)
    row[ok] = np.exp(model._design(ws, fdow[ok], fslot[ok], types, harm)[:, used] @ res.params)
    # equal where the model was fitted (open intervals); closed ones are extrapolations, which
    # the aggregated fit's tiny ridge keeps bounded (and the forecast sets to zero anyway)
    fitted = ~closed[ws.slot_of_week(n, 7 * 24)]
    assert fitted.sum() > 50
    assert np.allclose(agg[fitted], row[fitted], rtol=1e-4, atol=1e-6)


def test_day_types_group_busy_days(history_15min):
    ws = to_wall(history_15min["calls"], history_grid(history_15min))
    types = day_types(ws)
    # Israeli bank: Sun-Thu busy, short Friday and nearly closed Saturday get their own profile
    assert list(types) == [0, 0, 0, 0, 1, 2, 0]


def test_robust_cap_only_touches_spikes(history_15min):
    ws = to_wall(history_15min["calls"], history_grid(history_15min))
    capped = robust_cap(ws)
    changed = capped.y != ws.y
    assert 0 < changed.sum() < 0.02 * len(ws.y)
    assert np.nanmax(capped.y) < 100 < np.nanmax(ws.y)


def test_count_interval_and_dispersion():
    mu = np.array([0.0, 0.1, 5.0, 50.0])
    lo, hi = count_interval(mu, 0.0, 0.8)
    assert lo[0] == hi[0] == 0
    assert (lo <= mu).all() and (hi >= mu).all()
    lo2, hi2 = count_interval(mu, 0.2, 0.8)
    assert hi2[3] > hi[3] and lo2[3] < lo[3]
    rng = np.random.default_rng(0)
    m = np.full(20000, 10.0)
    y = rng.negative_binomial(1 / 0.3, 1 / (1 + 0.3 * m)).astype(float)
    assert dispersion(y, m) == pytest.approx(0.3, abs=0.03)
    assert dispersion(rng.poisson(m).astype(float), m) < 0.02


def test_select_false_uses_first_model_and_warnings_alias(synth):
    h = synth(weeks=3)
    r = forecast(h, models=["historical_average", "poisson_glm"], select=False)
    assert r.model == "historical_average"
    assert r.backtest.loc["historical_average", "selected"]
    assert r.warnings is r.notes


def test_missing_values_in_calls_are_missing(synth):
    h = synth(weeks=3).copy()
    h.loc[h.index[100:110], "calls"] = np.nan
    with pytest.warns(Warning, match="missing intervals"):
        r = forecast(h, models=["historical_average"])
    assert r.frame["calls"].notna().all()
    assert isinstance(r.frame.index, pd.DatetimeIndex)
