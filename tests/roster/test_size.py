"""staffing.roster.size: the estimate agrees with the model build_model makes."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from staffing.exceptions import InputError
from staffing.roster import RosterConfig
from staffing.roster.build import build_model, make_horizon
from staffing.roster.size import ModelSize, estimate_size

DATA = Path(__file__).resolve().parents[2] / "data"


def _built_size(horizon, config) -> ModelSize:
    built = build_model(horizon, config)
    form = built.form  # the rows the Pyomo model is built from (one per constraint)
    ints = int(built.integer.sum())
    return ModelSize(built.n_cols, ints, form.n_rows, int(np.count_nonzero(form.data)))


def _at_most(est: ModelSize, built: ModelSize) -> bool:
    return (est.variables >= built.variables
            and est.integer_variables >= built.integer_variables
            and est.constraints >= built.constraints and est.nonzeros >= built.nonzeros)


def _week(freq: str, tz: str = "Europe/Berlin", days: int = 7) -> pd.Series:
    idx = pd.date_range("2024-03-04", periods=days * pd.Timedelta("1D") // pd.Timedelta(freq),
                        freq=freq, tz=tz)
    hours = idx.hour
    return pd.Series(np.where((hours >= 8) & (hours < 20), 5.0, 0.0), index=idx)


def _example(**rules) -> RosterConfig:
    with (DATA / "roster_example.toml").open("rb") as fh:
        raw = tomllib.load(fh)
    raw["rules"].update(rules)
    return RosterConfig.from_dict(raw)


@pytest.mark.parametrize("band", [None, 60])
def test_estimate_matches_the_built_example_week(band) -> None:
    # exact when every start is offered; with rules.within_open_hours (the default) the build
    # drops shifts that would run while closed, so the estimate is an upper bound
    config = _example(start_band_minutes=band, within_open_hours=False)
    horizon = make_horizon(_week("15min"), config)
    assert estimate_size(horizon, config) == _built_size(horizon, config)
    config = _example(start_band_minutes=band)
    assert _at_most(estimate_size(horizon, config), _built_size(horizon, config))


def test_estimate_matches_a_one_day_model_with_open_hours() -> None:
    raw = {"templates": [{"name": "day", "start_earliest": "07:00", "start_latest": "11:00",
                          "start_step_min": 30, "paid_hours": [6, 8], "max_headcount": 9,
                          "part_time": True,
                          "breaks": [{"name": "lunch", "duration_min": 30,
                                      "earliest_offset_min": 180, "latest_offset_min": 270}]}],
           "rules": {"workdays": 1, "consecutive_days_off": 0, "part_time_share_max": 0.5,
                     "within_open_hours": False},
           "open_hours": {"mon": "08:00-18:00", "min_staff": 1}}
    config = RosterConfig.from_dict(raw)
    horizon = make_horizon(_week("15min", days=1), config)
    assert estimate_size(horizon, config) == _built_size(horizon, config)
    raw["rules"]["within_open_hours"] = True
    config = RosterConfig.from_dict(raw)
    assert _at_most(estimate_size(horizon, config), _built_size(horizon, config))


def test_five_minute_week_is_refused_by_a_cap() -> None:
    config = _example()
    fine = estimate_size(make_horizon(_week("15min"), config), config)
    big = estimate_size(make_horizon(_week("5min"), config), config)
    assert big.nonzeros > 2 * fine.nonzeros and big.variables > 2 * fine.variables
    fine.check(max_variables=fine.variables, max_nonzeros=fine.nonzeros)
    with pytest.raises(InputError) as err:
        big.check(max_variables=fine.variables)
    assert err.value.field == "config.templates"
    assert f"{big.variables:,} variables" in str(err.value)


def test_off_grid_template_is_named() -> None:
    config = RosterConfig.from_dict({"templates": [
        {"name": "early", "start_earliest": "07:10", "start_latest": "08:00"}]})
    with pytest.raises(InputError) as err:
        estimate_size(make_horizon(_week("15min", days=1), config), config)
    assert err.value.field == "templates.early.start_earliest"
