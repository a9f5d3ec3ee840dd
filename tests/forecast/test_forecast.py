"""forecast(): contract, calendars, special days, AHT, fallbacks and bad input."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from staffing.exceptions import FallbackWarning, InputError, MissingDataWarning
from staffing.forecast import (
    COMBOS,
    MODELS,
    BacktestConfig,
    ForecastModel,
    ForecastResult,
    ModelError,
    SpecialDays,
    available_models,
    forecast,
)
from staffing.hours import OpenHours
from tests.forecast.conftest import make_history

FAST = ["seasonal_naive", "historical_average", "poisson_glm"]
COLUMNS = ["calls", "calls_lower", "calls_upper", "aht_s"]


def check_frame(result: ForecastResult, n: int) -> pd.DataFrame:
    f = result.frame
    assert list(f.columns) == COLUMNS
    assert f.index.name == "interval_start"
    assert f.index.tz is not None
    assert len(f) == n
    assert (f["calls"] >= 0).all()
    assert (f["calls_lower"] <= f["calls"] + 1e-9).all()
    assert (f["calls_upper"] >= f["calls"] - 1e-9).all()
    return f


@pytest.fixture(scope="module")
def bank(history_15min):
    with warnings.catch_warnings():
        warnings.simplefilter("error", FallbackWarning)
        return forecast(history_15min, models=FAST)


def test_registry_has_baselines_and_statsmodels_models():
    names = available_models()
    for name in ("seasonal_naive", "historical_average", "poisson_glm", "holt_winters"):
        assert name in names


def test_bank_forecast_contract(bank, history_15min):
    f = check_frame(bank, 7 * 96)
    assert f.index[0] == pd.Timestamp("1999-03-01 00:00", tz="Asia/Jerusalem")
    assert bank.model in [*FAST, *COMBOS]
    assert bank.level == 0.8
    assert bank.fit_s > 0
    assert set(FAST) <= set(bank.backtest.index)
    assert {"mae", "wape", "rmse", "folds", "fit_s", "skill_mae", "selected"} <= set(
        bank.backtest.columns)
    assert bank.backtest["selected"].sum() == 1
    assert bank.backtest.loc[bank.model, "selected"]
    # 8 origins, one day apart (the 4-week history leaves days 14..21)
    assert (bank.backtest["folds"] == 8).all()
    assert list(bank.origins.index) == [pd.Timestamp(f"1999-02-{d}").date()
                                        for d in range(15, 23)]
    # weekly volume in the range of the four history weeks
    weekly = history_15min["calls"].sum() / 4
    assert 0.7 * weekly < f["calls"].sum() < 1.2 * weekly
    # AHT present and plausible (seconds)
    assert f["aht_s"].between(30, 600).all()


def test_bank_glm_beats_seasonal_naive_in_backtest(bank):
    bt = bank.backtest
    assert bt.loc["poisson_glm", "mae"] < 0.85 * bt.loc["seasonal_naive", "mae"]
    assert bt.loc["poisson_glm", "skill_mae"] > 0.15


def test_bank_closed_intervals_stay_closed(bank, history_15min):
    # zero in all 4 weeks for the interval and its 15-minute neighbours on the same day
    h = history_15min["calls"].to_numpy().reshape(4, 7, 96).sum(axis=0)
    padded = np.pad(h, ((0, 0), (1, 1)))
    closed = ((padded[:, :-2] + padded[:, 1:-1] + padded[:, 2:]) == 0).reshape(-1)
    assert closed.sum() > 20
    f = bank.frame
    assert (f["calls"].to_numpy()[closed] == 0).all()
    assert (f["calls_upper"].to_numpy()[closed] == 0).all()


def test_summary_is_json(bank):
    s = bank.summary()
    text = json.dumps(s)
    assert json.loads(text)["model"] == bank.model
    assert s["intervals"] == 672
    assert s["freq_min"] == 15
    assert set(s["backtest"]) >= set(FAST)


def test_holt_winters_and_ensemble_run(synth):
    h = synth(weeks=3, freq="60min")
    for name in ("holt_winters", "ensemble"):
        r = forecast(h, model=name, days=7)
        assert r.model == name
        check_frame(r, 7 * 24)


@pytest.mark.parametrize("freq", ["5min", "15min", "30min", "60min"])
def test_grids(synth, freq):
    h = synth(weeks=3, freq=freq)
    r = forecast(h, models=FAST, days=2)
    per_day = int(pd.Timedelta("1D") / pd.Timedelta(freq))
    f = check_frame(r, 2 * per_day)
    assert (f.index[1:] - f.index[:-1] == pd.Timedelta(freq)).all()


def test_dst_days_spring_and_autumn(synth):
    # history up to Sat 2024-03-30; Sun 2024-03-31 is spring-forward in Berlin
    spring = synth(weeks=3, start="2024-03-10", freq="15min")
    spring = spring[spring.index < pd.Timestamp("2024-03-30", tz="Europe/Berlin")]
    r = forecast(spring, models=FAST, days=2)
    sizes = r.frame.groupby(r.frame.index.date).size()
    assert list(sizes) == [96, 92]
    # history spanning the autumn change, forecast covering the next one's week later
    autumn = synth(weeks=3, start="2024-10-14", freq="15min")
    r = forecast(autumn, models=FAST, days=7)
    assert len(r.frame) == 7 * 96
    # 13 days of history: a 1-day plan is backtested on 1-day horizons (horizon-matched)
    r2 = forecast(autumn[autumn.index < pd.Timestamp("2024-10-27", tz="Europe/Berlin")],
                  models=FAST, days=1)
    assert r2.backtest["folds"].min() >= 3
    assert len(r2.frame) == 100
    f = r2.frame
    assert f.index.is_monotonic_increasing
    assert (f["calls"] >= 0).all()


def test_weekday_only_center(synth):
    h = synth(weeks=3, weekdays_only=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", MissingDataWarning)
        r = forecast(h, models=FAST, days=7)
    f = r.frame
    weekend = f.index.day_of_week >= 5
    assert (f.loc[weekend, "calls"] == 0).all()
    assert f.loc[~weekend, "calls"].sum() > 0
    assert any("Sat, Sun" in n and "closed" in n for n in r.notes)
    # a missing weekday on top is still reported
    gap = h.index.date == pd.Timestamp("2024-01-09").date()
    with pytest.warns(MissingDataWarning, match="2024-01-09"):
        forecast(h[~gap], models=["historical_average"])


def test_missing_day_is_reported_not_zero(synth):
    h = synth(weeks=3)
    gap = h.index.date == pd.Timestamp("2024-01-10").date()
    with pytest.warns(MissingDataWarning, match="2024-01-10"):
        r = forecast(h[~gap], models=FAST)
    assert any("2024-01-10" in n for n in r.notes)
    wed = r.frame[r.frame.index.day_of_week == 2]["calls"].sum()
    thu = r.frame[r.frame.index.day_of_week == 3]["calls"].sum()
    assert wed > 0.7 * thu


def test_special_days_exclude_scale_override(synth):
    h = synth(weeks=3).copy()
    spike = h.index.date == pd.Timestamp("2024-01-17").date()
    h.loc[spike, "calls"] *= 10
    base = forecast(h, model="historical_average")
    sd = SpecialDays(
        exclude=["2024-01-17"],
        scale={"2024-01-22": 0.0, "2024-01-23": 1.5},
        override={"2024-01-24": 100},
    )
    r = forecast(h, model="historical_average", special_days=sd)
    day = r.frame.groupby(r.frame.index.date)["calls"].sum()
    bday = base.frame.groupby(base.frame.index.date)["calls"].sum()
    d = [pd.Timestamp(x).date() for x in ("2024-01-22", "2024-01-23", "2024-01-24", "2024-01-26")]
    assert day[d[0]] == 0
    assert day[d[1]] == pytest.approx(1.5 * bday[d[1]])
    assert day[d[2]] == pytest.approx(100)
    assert day[d[3]] == pytest.approx(bday[d[3]])
    # excluding the spike day (a Wednesday) brings the Wednesday forecast back down
    r2 = forecast(h, model="historical_average", special_days=SpecialDays(exclude=["2024-01-17"]))
    wed = r2.frame.index.date == d[2]
    assert r2.frame.loc[wed, "calls"].sum() < 0.5 * bday[d[2]]
    hol = forecast(h, model="historical_average",
                   special_days=SpecialDays.holidays(["2024-01-23"]))
    assert hol.frame.loc[hol.frame.index.date == d[1], "calls_upper"].sum() == 0


def test_special_days_validation():
    with pytest.raises(InputError, match="scale"):
        SpecialDays(scale={"2024-01-01": -1})
    with pytest.raises(InputError):
        SpecialDays(exclude=["not a date"])
    with pytest.raises(InputError, match="not both"):
        SpecialDays(scale={"2024-01-01": 2}, override={"2024-01-01": 5})


def test_open_hours_close_intervals(synth):
    h = synth(weeks=3)
    hours = OpenHours.from_dict({"mon-fri": "09:00-17:00"})
    r = forecast(h, models=FAST, open_hours=hours)
    f = r.frame
    inside = hours.mask(f.index)
    assert (f.loc[~inside, "calls"] == 0).all()
    assert f.loc[inside, "calls"].sum() > 0


def test_aht_volume_weighted_and_fallbacks(synth):
    h = synth(weeks=2, freq="60min")
    r = forecast(h, model="historical_average")
    f = r.frame
    hours = f.index.hour
    busy = f["calls"] > 3
    assert f.loc[busy & (hours < 14), "aht_s"].mean() == pytest.approx(180, abs=5)
    assert f.loc[busy & (hours >= 15), "aht_s"].mean() == pytest.approx(200, abs=5)
    # thin intervals (night, Sunday) still get a value from the day / global mean
    assert f["aht_s"].notna().all()
    no_aht = forecast(h.drop(columns=["aht_s", "answered"]), model="historical_average")
    assert no_aht.frame["aht_s"].isna().all()
    assert any("aht_s" in n for n in no_aht.notes)


def test_volume_weighting_of_aht(synth):
    h = synth(weeks=2, freq="60min", aht=False)
    h["aht_s"] = np.where(h.index.day_of_week == 0, 100.0, 300.0)
    h["answered"] = np.where(h.index.day_of_week == 0, 1000.0, 1.0)
    r = forecast(h, model="historical_average")
    # for each slot of the week only its own weekday contributes
    mon = r.frame.index.day_of_week == 0
    assert r.frame.loc[mon, "aht_s"].median() == pytest.approx(100, abs=10)


def test_metric_wape_and_backtest_config(synth):
    h = synth(weeks=4)
    r = forecast(h, models=FAST, backtest=BacktestConfig(horizon_days=2, folds=3, metric="wape"))
    bt = r.backtest
    assert (bt["folds"] == 3).all()
    assert r.model == bt.loc[FAST, "wape"].idxmin()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"horizon_days": 0}, "backtest.horizon_days"),
        ({"folds": 0}, "backtest.folds"),
        ({"metric": "mape"}, "backtest.metric"),
        ({"step_days": -1}, "backtest.step_days"),
    ],
)
def test_backtest_config_validation(kwargs, field):
    with pytest.raises(InputError) as err:
        BacktestConfig(**kwargs)
    assert err.value.field == field


def test_prediction_interval_coverage(synth):
    h = synth(weeks=5, freq="30min", seed=3)
    train = h[h.index < h.index[0] + pd.Timedelta(weeks=4)]
    test = h[h.index >= h.index[0] + pd.Timedelta(weeks=4)]["calls"]
    r = forecast(train, model="poisson_glm", level=0.8)
    f = r.frame
    busy = f["calls"] > 2
    inside = (test >= f["calls_lower"]) & (test <= f["calls_upper"])
    assert 0.7 < inside[busy].mean() < 0.98
    wide = forecast(train, model="poisson_glm", level=0.95).frame
    assert (wide["calls_upper"] >= f["calls_upper"]).all()


def _bad_frames() -> dict[str, tuple[pd.DataFrame, str]]:
    h = make_history(weeks=2)
    neg = h.copy()
    neg.iloc[40, 0] = -1
    zero = h.copy()
    zero["calls"] = 0.0
    short = h[h.index < h.index[0] + pd.Timedelta(days=5)]
    naive = h.copy()
    naive.index = naive.index.tz_localize(None)
    nocalls = h.drop(columns=["calls"])
    return {
        "negative": (neg, "calls"),
        "all_zero": (zero, "calls"),
        "too_short": (short, "history"),
        "naive_index": (naive, "history.index"),
        "no_calls_column": (nocalls, "calls"),
    }


@pytest.mark.parametrize("case", list(_bad_frames()))
def test_bad_history(case):
    frame, field = _bad_frames()[case]
    with pytest.raises(InputError) as err:
        forecast(frame, models=["seasonal_naive"])
    assert err.value.field == field


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"days": 0}, "days"),
        ({"level": 1.2}, "level"),
        ({"models": ["prophet"]}, "models"),
        ({"model": "prophet"}, "model"),
        ({"start": "2024-01-03"}, "start"),
    ],
)
def test_bad_arguments(synth, kwargs, field):
    with pytest.raises(InputError) as err:
        forecast(synth(weeks=2), **kwargs)
    assert err.value.field == field


def test_short_history_falls_back_with_warning(synth):
    h = synth(weeks=2)
    h = h[h.index < h.index[0] + pd.Timedelta(days=10)]
    with pytest.warns(FallbackWarning, match="holt_winters"):
        r = forecast(h, model="holt_winters")
    assert r.model == "historical_average"
    assert any("falling back" in n for n in r.notes)
    with pytest.warns(FallbackWarning, match="too little history to backtest"):
        r = forecast(h, models=FAST)
    assert r.model == "poisson_glm"
    check_frame(r, 7 * 48)


def test_quiet_open_intervals_of_fine_grids_stay_open(synth):
    h = synth(weeks=2, freq="5min", peak=6.0, seed=1)
    day = h.index.hour
    assert (h.loc[(day >= 9) & (day < 19) & (h.index.day_of_week == 0), "calls"] == 0).any()
    r = forecast(h, model="poisson_glm", days=1)
    f = r.frame
    hours = f.index.hour
    # every open 5-minute interval gets volume although many had zero calls in history
    assert (f.loc[(hours >= 9) & (hours < 19), "calls"] > 0).all()
    assert (f.loc[hours < 6, "calls"] == 0).all()


def test_model_error_falls_back(synth, monkeypatch):
    class Broken(ForecastModel):
        name = "broken"

        def fit_predict(self, ws, horizon, closed):
            raise ModelError("broken: always fails")

    monkeypatch.setitem(MODELS, "broken", Broken)
    with pytest.warns(FallbackWarning, match="always fails"):
        r = forecast(synth(weeks=2), model="broken")
    assert r.model == "historical_average"
    assert r.backtest.loc["broken", "error"] == "broken: always fails"


def test_start_later_than_next_day(synth):
    h = synth(weeks=2)
    r = forecast(h, models=FAST, start="2024-01-22", days=3)
    assert r.frame.index[0] == pd.Timestamp("2024-01-22", tz="Europe/Berlin")
    assert len(r.frame) == 3 * 48
