"""Selection on rolling origins, calibrated intervals, sanity checks, [forecast] config keys."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from staffing.exceptions import InputError
from staffing.forecast import ForecastSanityWarning, SanityConfig, forecast
from staffing.forecast.backtest import Backtest
from staffing.forecast.data import history_grid, to_wall
from staffing.forecast.intervals import calibrate
from staffing.forecast.options import parse_extras
from staffing.forecast.sanity import run_checks
from staffing.forecast.selection import origin_weights, select


def _bt(preds: dict[str, list[np.ndarray]], actual: list[np.ndarray]) -> Backtest:
    origins = list(range(10, 10 + len(actual)))
    return Backtest(pd.DataFrame(), {}, origins, dict(zip(origins, actual, strict=True)),
                    {n: dict(zip(origins, p, strict=True)) for n, p in preds.items()},
                    np.ones(len(actual[0]), int))


def test_origin_weights_halve_per_half_life():
    w = origin_weights([0, 14, 28], 14.0)
    assert w == {0: 0.25, 14: 0.5, 28: 1.0}


def test_near_tie_goes_to_the_simpler_model():
    rng = np.random.default_rng(0)
    actual = [rng.poisson(10, 50).astype(float) for _ in range(4)]
    same = [np.full(50, 10.0)] * 4
    slightly = [np.full(50, 10.05)] * 4
    sel = select(_bt({"poisson_glm": same, "historical_average": slightly}, actual),
                 ["poisson_glm", "historical_average"], metric="mae", half_life_days=28,
                 tie_tolerance=0.02, combine=False)
    assert sel.model == "historical_average"
    assert sel.scores["poisson_glm"] <= sel.scores["historical_average"]
    strict = select(_bt({"poisson_glm": same, "historical_average": slightly}, actual),
                    ["poisson_glm", "historical_average"], metric="mae", half_life_days=28,
                    tie_tolerance=0.0, combine=False)
    assert strict.model == "poisson_glm"


def test_combination_scored_leave_one_origin_out():
    # two models biased in opposite directions: their mean is exact
    actual = [np.full(40, 10.0) for _ in range(4)]
    lo = [np.full(40, 8.0)] * 4
    hi = [np.full(40, 12.0)] * 4
    sel = select(_bt({"day_profile": lo, "svd": hi}, actual), ["day_profile", "svd"],
                 metric="mae", half_life_days=28, tie_tolerance=0.02, combine=True)
    assert sel.model in ("combo_mean", "combo_weighted")
    assert sel.scores["combo_mean"] == pytest.approx(0.0)
    assert set(sel.members["combo_mean"]) == {"day_profile", "svd"}
    assert list(sel.per_origin.index) == [10, 11, 12, 13]
    assert {"day_profile", "svd", "combo_mean", "weight"} <= set(sel.per_origin.columns)


def test_calibrated_interval_covers_nominal_on_fresh_draws():
    rng = np.random.default_rng(1)
    alpha = 0.15

    def draw(mu):
        n = 1 / alpha
        return rng.negative_binomial(n, n / (n + mu)).astype(float)

    mu = [rng.uniform(0.5, 40, 600) for _ in range(6)]
    # the model is biased low by 10 %: calibration must absorb it
    pred = {o: 0.9 * m for o, m in enumerate(mu)}
    actual = {o: draw(m) for o, m in enumerate(mu)}
    cal = calibrate(actual, pred, np.ones(600, int), 0.8)
    assert 0.76 < cal.coverage < 0.84
    m = rng.uniform(0.5, 40, 20000)
    y = draw(m)
    lo, hi = cal.bounds(0.9 * m, np.ones(len(m), int))
    inside = ((y >= lo) & (y <= hi)).mean()
    assert 0.77 < inside < 0.83


def test_sanity_checks_warn(synth):
    h = synth(weeks=3, freq="60min")
    ws = to_wall(h["calls"], history_grid(h))
    days = sorted(set(h.index.tz_convert("Europe/Berlin").date))
    last = days[-1]
    week = [last + pd.Timedelta(days=k + 1).to_pytimedelta() for k in range(7)]
    low = dict.fromkeys(week, 10.0)
    with pytest.warns(ForecastSanityWarning, match="below the range"):
        out = run_checks(ws, low, last, SanityConfig())
    assert not out[0]["ok"] and out[1]["ok"] and out[2]["ok"]
    with pytest.warns(ForecastSanityWarning, match="days before the plan starts"):
        r = forecast(h, models=["historical_average"], start="2024-03-01", days=2)
    gap = next(c for c in r.checks if c["check"] == "history_gap")
    assert not gap["ok"] and gap["gap_days"] > 14


def test_thin_weekday_warned(synth):
    h = synth(weeks=2, freq="60min")
    with pytest.warns(ForecastSanityWarning, match="little history for Mon"):
        forecast(h, models=["historical_average"], days=1)


def test_bank_forecast_total_is_plausible_and_calibrated(history_15min):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ForecastSanityWarning)
        warnings.filterwarnings("ignore", category=UserWarning, module="(?!staffing)")
        r = forecast(history_15min)
    weeks = history_15min["calls"].to_numpy().reshape(4, -1).sum(axis=1)
    assert weeks.min() * 0.95 <= r.frame["calls"].sum() <= weeks.max() * 1.05
    assert all(c["ok"] for c in r.checks)
    assert 0.7 < r.coverage < 0.9
    s = r.summary()
    assert s["backtest_coverage"] == pytest.approx(r.coverage)
    assert len(s["origins"]) == 8


@pytest.mark.parametrize(("table", "field"), [
    ({"calendar": {"bogus": 1}}, "forecast.calendar.bogus"),
    ({"calendar": {"month_end": "maybe"}}, "forecast.calendar.month_end"),
    ({"checks": {"week_total_share": 1.5}}, "forecast.checks.week_total_share"),
    ({"checks": {"nope": 1}}, "forecast.checks.nope"),
    ({"params": {"day_profile": {"bogus": 1}}}, "forecast.params.day_profile.bogus"),
    ({"params": {"prophet": {}}}, "forecast.params.prophet"),
])
def test_forecast_extras_errors_name_the_key(table, field):
    with pytest.raises(InputError) as err:
        parse_extras(table)
    assert err.value.field == field


def test_params_reach_the_model(synth):
    h = synth(weeks=3, freq="60min")
    kw = parse_extras({"params": {"day_profile": {"level_half_life_weeks": 0.5}},
                       "checks": {"week_total_share": 0.2}})
    a = forecast(h, model="day_profile", **kw)
    b = forecast(h, model="day_profile")
    assert not np.allclose(a.frame["calls"], b.frame["calls"])


def test_forecast_check_plot(synth, tmp_path):
    from staffing.forecast.plots import plot_forecast_check

    h = synth(weeks=3, freq="60min")
    r = forecast(h, models=["historical_average"], days=7)
    p = plot_forecast_check(r, tmp_path / "check.png", history=h)
    assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 20_000
