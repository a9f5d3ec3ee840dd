"""Calendar effects (detected, reported, switchable), holidays and outlier damping."""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pandas as pd
import pytest

from staffing.exceptions import InputError
from staffing.forecast import CalendarConfig, forecast
from staffing.forecast.calendar import fit_calendar, flag_days
from staffing.forecast.data import history_grid, to_wall
from tests.forecast.conftest import make_history


def _boost(h: pd.DataFrame, days: list[dt.date], factor: float, weeks: int,
           seed: int = 1) -> pd.DataFrame:
    """Redraw the calls of ``days`` (of a 60-minute history from 2024-01-01) with ``factor``
    times the mean."""
    out = h.copy()
    rng = np.random.default_rng(seed)
    local = out.index.tz_convert("Europe/Berlin").date
    base = make_history(weeks=weeks, freq="60min", seed=seed + 100)
    for d in days:
        hit = local == d
        out.loc[hit, "calls"] = rng.poisson(np.maximum(base.loc[hit, "calls"], 0.5) * factor
                                            * (base.loc[hit, "calls"] > 0))
    return out


def _month_starts(h: pd.DataFrame) -> list[dt.date]:
    days = sorted(set(h.index.tz_convert("Europe/Berlin").date))
    out = []
    for d in days:
        if d.weekday() < 5 and sum(1 for e in days if e.month == d.month and e < d
                                   and e.weekday() < 5) < 2:
            out.append(d)
    return out


@pytest.fixture(scope="module")
def month_history():
    h = make_history(weeks=17, freq="60min", seed=4, start="2024-01-01")
    return _boost(h, _month_starts(h), 1.5, 17)


def test_flags_month_turn_and_after_closure():
    open_dow = np.array([True] * 5 + [False, False])
    dates = [dt.date(2024, 2, 26) + dt.timedelta(days=k) for k in range(10)]  # Mon .. Wed
    flags = flag_days(dates, open_dow, {dt.date(2024, 2, 28)}, CalendarConfig(
        pay_days_of_month=[3]))
    on = {e: [d.isoformat() for d, f in zip(dates, v, strict=True) if f] for e, v in flags.items()}
    assert on["after_closure"] == ["2024-02-29"]          # Thu after the closed Wed
    assert on["month_end"] == ["2024-02-29"]               # Fri 1 Mar is open: no
    assert on["month_start"] == ["2024-03-01", "2024-03-04"]
    assert on["pay_days"] == ["2024-03-04"]                 # Sun 3 Mar -> next open day


def test_month_start_effect_detected_and_used(month_history):
    fit = fit_calendar(to_wall(month_history["calls"], history_grid(month_history)))
    row = fit.table.loc["month_start"]
    assert row["detected"] and row["used"]
    assert row["multiplier"] == pytest.approx(1.5, abs=0.2)
    assert not fit.table.loc["month_end", "used"]


def test_month_start_raises_the_forecast_and_can_be_switched_off(month_history):
    h = month_history[month_history.index < pd.Timestamp("2024-04-27", tz="Europe/Berlin")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        on = forecast(h, model="day_profile", days=7)
        off = forecast(h, model="day_profile", days=7,
                       calendar=CalendarConfig(month_start=False))
    day = on.frame.groupby(on.frame.index.date)["calls"].sum()
    day_off = off.frame.groupby(off.frame.index.date)["calls"].sum()
    wed, thu = dt.date(2024, 5, 1), dt.date(2024, 5, 2)   # first open days of May
    # the month-start multiplier applies (the "off" fit also sees a slightly higher level,
    # since the boosted days stay in its history)
    assert day[wed] > 1.25 * day_off[wed]
    assert day[thu] > 1.25 * day_off[thu]
    assert day[dt.date(2024, 4, 29)] == pytest.approx(day_off[dt.date(2024, 4, 29)], rel=0.1)
    assert not off.calendar.loc["month_start", "used"]
    assert any("month_start" in n for n in on.notes)
    assert on.summary()["calendar"]["month_start"]["used"] is True


def test_holidays_closed_in_forecast_and_excluded_from_fit():
    h = make_history(weeks=4, freq="60min", seed=2)
    hol = dt.date(2024, 1, 31)  # a Wednesday of the forecast (history ends Sun 28 Jan)
    past = dt.date(2024, 1, 17)
    r = forecast(h, model="day_profile", days=7,
                 calendar=CalendarConfig(holidays=frozenset([hol, past])))
    f = r.frame
    assert f.loc[f.index.date == hol, "calls"].sum() == 0
    assert f.loc[f.index.date == dt.date(2024, 2, 1), "calls"].sum() > 0
    fit = fit_calendar(to_wall(h["calls"], history_grid(h)),
                       CalendarConfig(holidays=frozenset([past])))
    assert past in fit.closed


def test_region_holidays_and_bad_region():
    cal = CalendarConfig(region="DE-BY")
    assert dt.date(2024, 1, 6) in cal.closed_days([2024])  # Epiphany in Bavaria
    with pytest.raises(InputError) as err:
        CalendarConfig(region="XX")
    assert err.value.field == "calendar.region"


def test_outlier_day_dampened_not_averaged_in():
    h = make_history(weeks=6, freq="60min", seed=7)
    spike = dt.date(2024, 1, 31)
    h2 = _boost(h, [spike], 4.0, 6)
    fit = fit_calendar(to_wall(h2["calls"], history_grid(h2)))
    assert spike in fit.dampened and fit.dampened[spike] < 0.5
    assert len(fit.dampened) <= 2
    off = fit_calendar(to_wall(h2["calls"], history_grid(h2)), CalendarConfig(outlier_z=0))
    assert not off.dampened


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"month_start": "yes"}, "calendar.month_start"),
    ({"pay_days_of_month": [0]}, "calendar.pay_days_of_month"),
    ({"outlier_z": 1.0}, "calendar.outlier_z"),
    ({"holidays": frozenset(["not a date"])}, "calendar.holidays"),
])
def test_calendar_validation(kwargs, field):
    with pytest.raises(InputError) as err:
        CalendarConfig(**kwargs)
    assert err.value.field == field
