"""The constructive start: feasible for every row of the model, a fair first roster, fast
enough to exist before HiGHS runs (checked on behaviour, not seconds)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from staffing.roster import RosterConfig, RosterStatus, SolverOptions, solve_roster
from staffing.roster.build import build_model, make_horizon
from staffing.roster.warmstart import _feasible, greedy_start
from tests.roster.test_solve import week_requirement

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "data" / "roster_example.toml"


def test_start_is_feasible_and_close(history_15min):
    required = week_requirement(history_15min)
    cfg = RosterConfig.from_toml(EXAMPLE)
    built = build_model(make_horizon(required, cfg), cfg)
    start = greedy_start(built)
    assert start is not None
    values, objective = start
    assert _feasible(built.form, values)
    assert objective == pytest.approx(float(built.form.cost @ values))
    integer = built.integer
    assert np.allclose(values[integer], np.round(values[integer]))
    best = solve_roster(required, cfg, SolverOptions(time_limit_s=120, mip_rel_gap=1e-3))
    assert best.status is RosterStatus.OPTIMAL
    # a fair start: not below the optimum, within 25 % of it
    assert best.objective - 1e-6 <= objective <= 1.25 * best.objective


def test_start_respects_headcount_and_floor(history_15min):
    required = week_requirement(history_15min)
    cfg = RosterConfig.from_toml(EXAMPLE)
    built = build_model(make_horizon(required, cfg), cfg)
    values, _ = greedy_start(built)
    from staffing.roster.result import extract

    shifts, tours, coverage, _, _ = extract(built, values)
    floor = built.horizon.min_staff
    assert (coverage["scheduled"].to_numpy()[floor > 0] >= floor[floor > 0]).all()
    for t in cfg.templates:
        if t.max_headcount is not None:
            assert (tours["template"] == t.name).sum() <= t.max_headcount
    pt = {t.name for t in cfg.templates if t.part_time}
    share = tours["template"].isin(pt).mean()
    assert share <= cfg.rules.part_time_share_max + 1e-9


def test_no_start_when_the_floor_is_out_of_reach():
    idx = pd.date_range("2024-01-01", periods=24, freq="1h", tz="UTC", name="interval_start")
    cfg = RosterConfig.from_dict({
        "templates": [{"name": "t", "start_earliest": "08:00", "start_latest": "08:00",
                       "start_step_min": 60, "paid_hours": 8, "days": ["mon"],
                       "cost_per_hour": 1, "max_headcount": 1}],
        "rules": {"workdays": 1, "consecutive_days_off": 0},
        "open_hours": {"mon": "08:00-16:00", "min_staff": 2},
    })
    built = build_model(make_horizon(pd.Series(1.0, index=idx), cfg), cfg)
    assert greedy_start(built) is None  # two on the floor, one person allowed
