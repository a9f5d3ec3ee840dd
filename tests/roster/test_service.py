"""Service objective: weekly SL met at least cost, interval floor, promise = evaluation."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from staffing.evaluate import evaluate
from staffing.exceptions import InputError
from staffing.requirements import ServiceGoals, compute_requirements
from staffing.roster import (
    BreakRule,
    Penalties,
    RosterConfig,
    RosterStatus,
    ShiftTemplate,
    SolverOptions,
    solve_roster,
)
from staffing.roster.service import ServiceCurve
from staffing.service_curve import answered_curve
from tests.roster.conftest import ONE_DAY, day_index

GOALS = ServiceGoals(service_level=0.8, answer_s=20, shrinkage=0.0)


def day_case():
    idx = day_index("30min")
    hour = np.arange(len(idx)) / 2
    calls = np.where((hour >= 8) & (hour < 20), 40 + 60 * np.sin((hour - 8) / 12 * np.pi), 0)
    fc = pd.DataFrame({"calls": calls, "aht_s": 240.0}, index=idx)
    req = compute_requirements(fc, GOALS, freq="30min")
    tpl = ShiftTemplate("t", dt.time(7), dt.time(13), 30, (4.0, 8.0), cost_per_hour=20.0,
                        length_step_min=240,
                        breaks=(BreakRule(30, 120, 180, paid=True, name="b"),))
    cfg = RosterConfig((tpl,), ONE_DAY, Penalties(under_per_agent_hour=400.0,
                                                  over_per_agent_hour=4.0))
    return fc, req, cfg


def test_service_mode_meets_the_weekly_target_and_promises_what_evaluate_gives():
    fc, req, cfg = day_case()
    curve = answered_curve(fc, GOALS, freq="30min", required=req["agents_required"],
                           interval_floor=0.5)
    res = solve_roster(req["agents_required"].astype(float), cfg,
                       SolverOptions(mip_rel_gap=0, objective="service",
                                     min_interval_service_level=0.5), service=curve)
    assert res.status is RosterStatus.OPTIMAL
    sched = res.coverage.set_index("interval_start")["scheduled"].astype(float)
    ev = evaluate(fc, sched, GOALS, freq="30min")
    assert ev.week["service_level"] >= 0.8 - 1e-9
    with_calls = fc["calls"].to_numpy() > 0
    assert (ev.intervals["service_level"].to_numpy()[with_calls] >= 0.5 - 1e-9).all()
    promised = res.coverage["service_level_promised"].to_numpy()
    np.testing.assert_allclose(promised[with_calls],
                               ev.intervals["service_level"].to_numpy()[with_calls], atol=1e-3)


def test_service_mode_is_not_dearer_than_the_requirement_roster():
    fc, req, cfg = day_case()
    base = solve_roster(req["agents_required"].astype(float), cfg, SolverOptions(mip_rel_gap=0))
    sched = base.coverage.set_index("interval_start")["scheduled"].astype(float)
    ev = evaluate(fc, sched, GOALS, freq="30min")
    target = ev.week["service_level"]  # the requirement roster's own weekly SL
    curve = answered_curve(fc, GOALS, freq="30min", required=req["agents_required"])
    curve = ServiceCurve(curve.calls, curve.answered, min(target, 1.0))
    res = solve_roster(req["agents_required"].astype(float), cfg,
                       SolverOptions(mip_rel_gap=0, objective="service"), service=curve)
    assert res.status is RosterStatus.OPTIMAL
    # the requirement roster is feasible for the service model, so it cannot cost less
    assert res.cost <= base.cost + 1e-6
    sched2 = res.coverage.set_index("interval_start")["scheduled"].astype(float)
    assert evaluate(fc, sched2, GOALS, freq="30min").week["service_level"] >= target - 1e-6


def test_service_objective_needs_a_curve_and_valid_keys():
    fc, req, cfg = day_case()
    with pytest.raises(InputError) as info:
        solve_roster(req["agents_required"].astype(float), cfg,
                     SolverOptions(objective="service"))
    assert info.value.field == "solver.objective"
    with pytest.raises(InputError) as info:
        SolverOptions(objective="cheapest")
    assert info.value.field == "solver.objective"
    with pytest.raises(InputError) as info:
        SolverOptions(min_interval_service_level=1.5)
    assert info.value.field == "solver.min_interval_service_level"


def test_plan_config_reads_the_service_keys():
    import tomllib
    from pathlib import Path

    from staffing.config import PlanConfig

    data = Path(__file__).resolve().parents[2] / "data"
    raw = tomllib.loads((data / "plan.toml").read_text())
    raw["solver"].update(objective="service", min_interval_service_level=0.5)
    cfg = PlanConfig.from_dict(raw, base_dir=data)
    assert cfg.solver.objective == "service"
    assert cfg.solver.min_interval_service_level == 0.5
    raw["solver"]["objective"] = "sl"
    with pytest.raises(InputError) as info:
        PlanConfig.from_dict(raw, base_dir=data)
    assert info.value.field == "solver.objective"


def test_onset_and_min_agents_from_a_hand_made_table():
    # steps 0.1, 1.9, 3, 2, 1, 0.5: steepest from 2 agents on, concave after it
    table = np.array([[0, 0.1, 2, 5, 7, 8, 8.5], [0] * 7])
    curve = ServiceCurve(np.array([10.0, 0.0]), table, 0.8, interval_floor=0.7)
    assert curve.onset().tolist() == [2, 0]
    assert curve.min_agents().tolist() == [4, 0]  # 7 of 10 calls needs 4 agents
    assert ServiceCurve(curve.calls, table, 0.8).min_agents().tolist() == [2, 0]
    # from the onset on the lines give the table itself
    np.testing.assert_allclose(curve.promise_table()[0, 2:], table[0, 2:], atol=5e-3)


def test_without_a_floor_the_promise_is_still_what_evaluate_gives():
    # the weekly target alone lets quiet intervals go low; the model never uses the convex
    # start of the curve (at least the onset agents), so its promise stays exact there too
    fc, req, cfg = day_case()
    curve = answered_curve(fc, GOALS, freq="30min", required=req["agents_required"])
    res = solve_roster(req["agents_required"].astype(float), cfg,
                       SolverOptions(mip_rel_gap=0, objective="service"), service=curve)
    assert res.status is RosterStatus.OPTIMAL
    sched = res.coverage.set_index("interval_start")["scheduled"].astype(float)
    ev = evaluate(fc, sched, GOALS, freq="30min")
    with_calls = fc["calls"].to_numpy() > 0
    assert (sched.to_numpy()[with_calls] >= curve.onset()[with_calls]).all()
    np.testing.assert_allclose(res.coverage["service_level_promised"].to_numpy()[with_calls],
                               ev.intervals["service_level"].to_numpy()[with_calls], atol=1e-3)
    assert ev.week["service_level"] >= 0.8 - 1e-6


def _lp_wages(req, cfg, curve, target):
    from staffing.roster.build import build_model, make_horizon
    from staffing.roster.highs import load, solve_lp

    built = build_model(make_horizon(req, cfg), cfg, relax=True,
                        service=ServiceCurve(curve.calls, curve.answered, target))
    h = load(built.form)
    assert solve_lp(h)[0] == "kOptimal"
    return h.getInfo().objective_function_value


def test_a_point_of_service_costs_what_the_lp_says_a_little_more_target_costs():
    fc, req, cfg = day_case()
    required = req["agents_required"].astype(float)
    curve = answered_curve(fc, GOALS, freq="30min", required=required)
    res = solve_roster(required, cfg, SolverOptions(mip_rel_gap=0, objective="service"),
                       service=curve)
    cost = res.service_point_cost
    assert cost is not None and cost > 0
    assert res.summary()["service_point_cost"] == pytest.approx(cost)
    # priced where the roster stands (its promised weekly SL, >= the 80 % target);
    # independent: the LP relaxation rebuilt at that level and 0.1 point above, per point
    promised = res.coverage["service_level_promised"].to_numpy()
    level = float((promised * curve.calls).sum() / curve.calls.sum())
    assert level >= 0.8 - 1e-9
    step = (_lp_wages(required, cfg, curve, level + 0.001)
            - _lp_wages(required, cfg, curve, level))
    assert cost == pytest.approx(step / 0.1, rel=0.02)
    # requirement mode has no weekly SL row
    assert solve_roster(required, cfg, SolverOptions(mip_rel_gap=0)).service_point_cost is None
