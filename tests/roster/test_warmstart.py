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


def _lp(built):
    """The LP relaxation of a built model: (objective, column values), solved by HiGHS."""
    import dataclasses

    from staffing.roster.highs import load, primal_values, solve_lp

    relaxed = dataclasses.replace(built.form, integer=np.zeros(built.form.n_cols, bool))
    h = load(relaxed)
    assert solve_lp(h)[0] == "kOptimal"
    return float(h.getInfo().objective_function_value), primal_values(h)


def _service_day():
    """The one-day service model of tests/roster/test_service.py with a 50 % floor."""
    from staffing.service_curve import answered_curve
    from tests.roster.test_service import GOALS, day_case

    fc, req, cfg = day_case()
    curve = answered_curve(fc, GOALS, freq="30min", required=req["agents_required"],
                           interval_floor=0.5)
    return fc, build_model(make_horizon(req["agents_required"].astype(float), cfg), cfg,
                           service=curve)


def test_rounded_lp_start_is_feasible_and_beats_the_greedy_on_a_service_day():
    """Service mode with a floor: the LP rounded (people per class and pattern rounded,
    completed, surplus people dropped) is a feasible roster meeting the weekly target and
    the floor as evaluate computes them, between the LP value and the greedy start."""
    from staffing.evaluate import evaluate
    from staffing.roster.result import extract
    from staffing.roster.warmstart import rounded_start
    from tests.roster.test_service import GOALS

    fc, built = _service_day()
    greedy = greedy_start(built)
    lp_value, lp_values = _lp(built)
    rounded = rounded_start(built, lp_values)
    assert greedy is not None and rounded is not None
    values, objective = rounded
    assert _feasible(built.form, values)
    assert lp_value - 1e-6 <= objective <= greedy[1] + 1e-6
    _, _, coverage, _, cost = extract(built, values)
    assert cost == pytest.approx(objective)
    ev = evaluate(fc, coverage.set_index("interval_start")["scheduled"].astype(float), GOALS,
                  freq="30min")
    assert ev.week["service_level"] >= 0.8 - 1e-9
    with_calls = fc["calls"].to_numpy() > 0
    assert (ev.intervals["service_level"].to_numpy()[with_calls] >= 0.5 - 1e-9).all()


def test_rounded_lp_start_in_requirement_mode_is_feasible_and_above_the_lp(history_15min):
    from staffing.roster.warmstart import rounded_start

    required = week_requirement(history_15min)
    cfg = RosterConfig.from_toml(EXAMPLE)
    built = build_model(make_horizon(required, cfg), cfg)
    lp_value, lp_values = _lp(built)
    rounded = rounded_start(built, lp_values)
    assert rounded is not None
    values, objective = rounded
    assert _feasible(built.form, values)
    assert objective == pytest.approx(float(built.form.cost @ values))
    assert np.allclose(values[built.integer], np.round(values[built.integer]))
    assert objective >= lp_value - 1e-6
    # not worse than the greedy by more than rounding noise: within 5 % of it or better
    assert objective <= 1.05 * greedy_start(built)[1]


def test_dropping_people_keeps_the_service_start_feasible_and_cheaper():
    """The drop phase of the service start: with it the greedy start is cheaper than
    without it, and still meets every row (checked by the model's own rows)."""
    import staffing.roster.warmstart as ws

    fc, built = _service_day()
    with_drop = greedy_start(built)
    real = ws._drop_people
    try:
        ws._drop_people = lambda _b, shifts, *_a: np.ones(len(shifts), dtype=bool)
        without = greedy_start(built)
    finally:
        ws._drop_people = real
    assert with_drop is not None and without is not None
    assert _feasible(built.form, with_drop[0])
    assert with_drop[1] < without[1] - 1e-9  # here it saves a part-timer (3,920 vs 4,080)
