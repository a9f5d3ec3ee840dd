"""Forecast frame + service goals -> requirements frame."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from staffing.erlang import service_level
from staffing.exceptions import DataQualityWarning, GoalUnreachableWarning, InputError
from staffing.hours import OpenHours
from staffing.requirements import REQUIREMENT_COLUMNS, ServiceGoals, compute_requirements

TZ = "Asia/Jerusalem"
BANK_HOURS = {"sun-thu": "07:00-24:00", "fri": "07:00-14:00", "sat": "19:00-24:00"}


def frame(calls, aht, start="2026-02-01 08:00", freq="30min", attrs=True):
    idx = pd.date_range(start, periods=len(calls), freq=freq, tz=TZ, name="interval_start")
    df = pd.DataFrame({"calls": calls, "aht_s": aht}, index=idx)
    if attrs:
        df.attrs["freq"] = pd.Timedelta(freq)
    return df


def test_reference_example_with_shrinkage():
    df = frame([100.0, 100.0, 0.0], [180.0, 180.0, np.nan])
    out = compute_requirements(df, ServiceGoals(service_level=0.8, answer_s=20, shrinkage=0.3))
    assert tuple(out.columns) == REQUIREMENT_COLUMNS
    assert out.index.equals(df.index) and out.index.name == "interval_start"
    first = out.iloc[0]
    assert first["erlangs"] == pytest.approx(10.0)
    assert first["agents_net"] == 14
    assert first["agents_required"] == 20
    assert first["service_level"] == pytest.approx(0.88835, abs=5e-6)
    assert first["asa_s"] == pytest.approx(7.84, abs=5e-3)
    assert first["occupancy"] == pytest.approx(0.71429, abs=5e-6)
    zero = out.iloc[2]
    assert (zero["agents_net"], zero["agents_required"]) == (0, 0)
    assert (zero["service_level"], zero["asa_s"], zero["occupancy"]) == (1.0, 0.0, 0.0)
    assert out["agents_net"].dtype.kind == "i" and out["agents_required"].dtype.kind == "i"
    assert out.attrs["freq"] == pd.Timedelta("30min")


def test_ten_minute_intervals_freq_inferred():
    df = frame([25.0, 25.0, 25.0], [180.0] * 3, freq="10min", attrs=False)
    out = compute_requirements(df, ServiceGoals())
    assert out["agents_net"].tolist() == [11, 11, 11]
    # explicit freq wins over attrs
    df2 = frame([25.0], [180.0], freq="30min")
    assert compute_requirements(df2, ServiceGoals(), freq=pd.Timedelta("10min"))[
        "agents_net"
    ].tolist() == [11]


def test_dst_day_uses_absolute_interval_length():
    # Israel springs forward on Friday 2026-03-27 at 02:00: 92 quarter-hours that day
    idx = pd.date_range("2026-03-27", "2026-03-28", freq="15min", tz=TZ, inclusive="left")
    assert len(idx) == 92
    df = pd.DataFrame({"calls": 20.0, "aht_s": 200.0}, index=idx.rename("interval_start"))
    out = compute_requirements(df, ServiceGoals())
    assert len(out) == 92 and out["agents_net"].nunique() == 1


def test_open_hours_floor_and_closed_intervals():
    # Friday 2026-02-06: open 07:00-14:00 with a floor of 3 agents
    oh = OpenHours.from_dict(BANK_HOURS, min_staff=3)
    df = frame([0.0, 2.0, 100.0, 0.0, 5.0], [np.nan, 200, 180, np.nan, 200],
               start="2026-02-06 12:00", freq="30min")
    with pytest.warns(DataQualityWarning, match="1 closed interval"):
        out = compute_requirements(df, ServiceGoals(shrinkage=0.3), open_hours=oh)
    # 12:00 open, no calls -> floor; 12:30 open, 2 calls need 2 (3 with shrinkage) -> 3;
    # 13:00 Erlang wins
    # 13:30 open, no calls -> floor; 14:00 closed with calls -> Erlang requirement kept
    assert out["agents_net"].tolist()[:3] == [0, 2, 14]
    assert out["agents_required"].tolist()[:4] == [3, 3, 20, 3]
    assert out["agents_required"].iloc[4] == int(np.ceil(out["agents_net"].iloc[4] / 0.7))
    closed_empty = frame([0.0], [np.nan], start="2026-02-06 15:00")
    assert compute_requirements(closed_empty, ServiceGoals(), open_hours=oh)[
        "agents_required"
    ].tolist() == [0]


def test_nan_aht_with_calls_names_the_interval():
    df = frame([10.0, 12.0], [180.0, np.nan])
    with pytest.raises(InputError) as info:
        compute_requirements(df, ServiceGoals())
    assert info.value.field == "aht_s"
    assert "2026-02-01T08:30:00+02:00" in str(info.value)


@pytest.mark.parametrize(
    ("calls", "aht", "field"),
    [([-1.0], [180.0], "calls"), ([np.nan], [180.0], "calls"), ([5.0], [0.0], "aht_s")],
)
def test_bad_forecast_values(calls, aht, field):
    with pytest.raises(InputError) as info:
        compute_requirements(frame(calls, aht), ServiceGoals())
    assert info.value.field == field


def test_bad_forecast_shape():
    with pytest.raises(InputError, match="calls"):
        compute_requirements(frame([1.0], [1.0]).rename(columns={"calls": "x"}), ServiceGoals())
    naive = frame([1.0], [100.0])
    naive.index = naive.index.tz_localize(None)
    with pytest.raises(InputError, match="tz-aware"):
        compute_requirements(naive, ServiceGoals())


@pytest.mark.parametrize(
    ("kwargs", "field", "value"),
    [
        ({"service_level": 0.0}, "service_level", 0.0),
        ({"service_level": 1.0}, "service_level", 1.0),
        ({"service_level": -0.2}, "service_level", -0.2),
        ({"answer_s": -1.0}, "answer_s", -1.0),
        ({"shrinkage": 1.0}, "shrinkage", 1.0),
        ({"shrinkage": 1.5}, "shrinkage", 1.5),
        ({"shrinkage": -0.1}, "shrinkage", -0.1),
        ({"asa_s": 0.0}, "asa_s", 0.0),
        ({"max_occupancy": 0.0}, "max_occupancy", 0.0),
        ({"patience_s": 0.0}, "patience_s", 0.0),
        ({"abandon_rate": 0.05}, "abandon_rate", 0.05),
        ({"concurrency": 0}, "concurrency", 0),
        ({"max_agents": 0}, "max_agents", 0),
        ({"service_level": None}, "service_level", None),
    ],
)
def test_service_goals_validation(kwargs, field, value):
    with pytest.raises(InputError) as info:
        ServiceGoals(**kwargs)
    assert info.value.field == field
    assert repr(value) in str(info.value)


def test_service_goals_from_dict():
    g = ServiceGoals.from_dict({"service_level": 0.9, "answer_s": 15, "shrinkage": 0.35})
    assert (g.service_level, g.answer_s, g.shrinkage) == (0.9, 15, 0.35)
    assert ServiceGoals.from_dict(g.to_dict()) == g
    with pytest.raises(InputError) as info:
        ServiceGoals.from_dict({"servicelevel": 0.8})
    assert info.value.field == "goals.servicelevel"


def test_erlang_a_adds_abandon_rate():
    df = frame([100.0, 0.0], [180.0, np.nan])
    out = compute_requirements(df, ServiceGoals(patience_s=120, abandon_rate=0.05))
    assert tuple(out.columns) == (*REQUIREMENT_COLUMNS, "abandon_rate")
    assert out["abandon_rate"].iloc[0] <= 0.05
    assert out["service_level"].iloc[0] >= 0.8
    assert out["abandon_rate"].iloc[1] == 0.0


def test_capped_goal_warns():
    df = frame([100.0], [180.0])
    with pytest.warns(GoalUnreachableWarning):
        out = compute_requirements(df, ServiceGoals(max_agents=9))
    assert out["agents_net"].tolist() == [9]


def test_real_history_week_with_open_hours_floor(history_15min):
    week = history_15min.loc["1999-02-07":"1999-02-13"].copy()  # Sunday to Saturday
    assert len(week) == 672
    # intervals where every call abandoned have no AHT: refused, naming the interval
    with pytest.raises(InputError, match="interval 1999-02-07"):
        compute_requirements(week, ServiceGoals())
    # fill them with the week's mean handle time (a forecast would provide AHT)
    missing = week["calls"].gt(0) & week["aht_s"].isna()
    week.loc[missing, "aht_s"] = week["aht_s"].mean()
    oh = OpenHours.from_dict(BANK_HOURS, min_staff=2)
    goals = ServiceGoals(service_level=0.8, answer_s=20, shrinkage=0.3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = compute_requirements(week, goals, open_hours=oh)
    assert any(issubclass(w.category, DataQualityWarning) for w in caught)  # night calls
    assert tuple(out.columns) == REQUIREMENT_COLUMNS and len(out) == 672

    floor = oh.min_staff(week.index)
    is_open, busy = floor >= 0, out["calls"].to_numpy() > 0
    req, net = out["agents_required"].to_numpy(), out["agents_net"].to_numpy()
    assert np.all(req[is_open] >= 2)
    assert np.all(req[~is_open & ~busy] == 0)
    assert np.all(req >= np.ceil(net / 0.7 - 1e-9))
    assert np.all(net[busy] > out["erlangs"].to_numpy()[busy])
    assert np.all(out["service_level"].to_numpy()[busy] >= 0.8)
    # one agent fewer would miss the goal where the Erlang requirement binds
    c, h = out["calls"].to_numpy()[busy], out["aht_s"].to_numpy()[busy]
    below = service_level(c, h, net[busy] - 1, 20, 900)
    assert np.all(below < 0.8)
    # a sane week: peak hours need more than a dozen agents on the phone
    assert 10 < net.max() < 60
    assert out["occupancy"].between(0, 1).all()
