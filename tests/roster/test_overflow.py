"""Overflow partner in the roster model: levels per interval, fees, promise = evaluation."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from staffing.evaluate import evaluate
from staffing.exceptions import InputError
from staffing.hours import OpenHours
from staffing.overflow import OverflowPartner, overflow_levels
from staffing.requirements import ServiceGoals, compute_requirements
from staffing.roster import (
    Penalties,
    RosterConfig,
    RosterStatus,
    ShiftTemplate,
    SolverOptions,
    solve_roster,
)
from staffing.service_curve import answered_curve
from tests.roster.conftest import ONE_DAY, day_index

GOALS = ServiceGoals(service_level=0.8, answer_s=20, shrinkage=0.0)
FREQ = pd.Timedelta("30min")


def case():
    """Calls 08:00-23:00; the only template (8 h from 07:00-12:00) cannot reach 20:00-23:00."""
    idx = day_index("30min")
    hour = np.arange(len(idx)) / 2
    calls = np.where((hour >= 8) & (hour < 20), 30.0, 0.0)
    calls = np.where((hour >= 20) & (hour < 23), 6.0, calls)
    fc = pd.DataFrame({"calls": calls, "aht_s": 240.0}, index=idx)
    req = compute_requirements(fc, GOALS, freq=FREQ)
    tpl = ShiftTemplate("day", dt.time(7), dt.time(12), 60, 8.0, cost_per_hour=20.0)
    cfg = RosterConfig((tpl,), ONE_DAY, Penalties(under_per_agent_hour=200.0,
                                                  over_per_agent_hour=2.0))
    return fc, req, cfg


def partner(**kw):
    raw = {"price_per_call": 2.0, "hours": {"mon": "18:00-24:00"}, **kw}
    p = OverflowPartner.from_table(raw)
    assert p is not None
    return p


OPTS = dict(mip_rel_gap=0, threads=1, time_limit_s=60)


def test_service_mode_sends_the_unstaffable_evening_and_promises_what_evaluate_gives():
    fc, req, cfg = case()
    required = req["agents_required"].astype(float)
    curve = answered_curve(fc, GOALS, freq=FREQ, required=required)
    # without a partner the evening's 36 of 756 calls are lost: 97 % is out of reach
    hi = type(curve)(curve.calls, curve.answered, 0.97)
    alone = solve_roster(required, cfg, SolverOptions(objective="service", **OPTS), service=hi)
    assert alone.status is RosterStatus.INFEASIBLE
    ptn = partner(service_level=0.9)
    levels = overflow_levels(ptn, fc, GOALS, freq=FREQ, days=1, service=hi)
    res = solve_roster(required, cfg, SolverOptions(objective="service", **OPTS), service=hi,
                       overflow=levels)
    assert res.status is RosterStatus.OPTIMAL
    cov = res.coverage.set_index("interval_start")
    evening = (cov.index.hour >= 20) & (cov.index.hour < 23)
    np.testing.assert_allclose(cov.loc[evening, "overflow_calls"], 6.0)
    assert res.overflow_calls == pytest.approx(cov["overflow_calls"].sum())
    # fees: 2 per call, recomputed; in the objective beside the wages
    assert res.overflow_fees == pytest.approx(2.0 * cov["overflow_calls"].sum())
    assert res.objective == pytest.approx(res.cost + res.overflow_fees, rel=1e-6)
    assert any(p.name == "overflow fees" for p in res.penalties)
    ev = evaluate(fc, cov["scheduled"].astype(float), GOALS, freq=FREQ,
                  overflow=cov["overflow_calls"], overflow_service_level=0.9)
    with_calls = fc["calls"].to_numpy() > 0
    np.testing.assert_allclose(cov["service_level_promised"].to_numpy()[with_calls],
                               ev.intervals["service_level"].to_numpy()[with_calls], atol=1e-3)
    assert ev.week["service_level"] >= 0.97 - 1e-6
    # an independent combination: in-house SL of the kept calls + 90 % of the calls sent
    kept = fc["calls"] - cov["overflow_calls"]
    inhouse = evaluate(fc.assign(calls=kept), cov["scheduled"].astype(float), GOALS, freq=FREQ)
    combined = ((kept * inhouse.intervals["service_level"]).sum()
                + 0.9 * cov["overflow_calls"].sum()) / fc["calls"].sum()
    assert ev.week["service_level"] == pytest.approx(combined, abs=1e-9)


def test_a_dear_partner_or_a_high_weekly_fee_is_not_used():
    fc, req, cfg = case()
    required = req["agents_required"].astype(float)
    curve = answered_curve(fc, GOALS, freq=FREQ, required=required)
    for ptn in (partner(price_per_call=500.0), partner(weekly_fee=1e6)):
        levels = overflow_levels(ptn, fc, GOALS, freq=FREQ, days=1, service=curve)
        res = solve_roster(required, cfg, SolverOptions(objective="service", **OPTS),
                           service=curve, overflow=levels)
        assert res.status is RosterStatus.OPTIMAL
        assert res.overflow_calls == 0
        assert res.overflow_fees == 0


def test_requirement_mode_relieves_the_requirement_and_respects_capacity():
    fc, req, cfg = case()
    required = req["agents_required"].astype(float)
    base = solve_roster(required, cfg, SolverOptions(**OPTS))
    ptn = partner(capacity_calls_per_hour=8.0)  # 4 calls per 30-minute interval
    levels = overflow_levels(ptn, fc, GOALS, freq=FREQ, days=1, required=required,
                             open_hours=None)
    res = solve_roster(required, cfg, SolverOptions(**OPTS), overflow=levels)
    assert res.status is RosterStatus.OPTIMAL
    cov = res.coverage.set_index("interval_start")
    assert (cov["overflow_calls"] <= 4.0 + 1e-9).all()
    evening = (cov.index.hour >= 20) & (cov.index.hour < 23)
    assert cov.loc[evening, "overflow_calls"].min() > 0  # an under-staffed hour is dearer
    # the in-house requirement of the kept calls, recomputed with Erlang C
    kept = fc["calls"] - cov["overflow_calls"]
    again = compute_requirements(fc.assign(calls=kept), GOALS, freq=FREQ)
    np.testing.assert_allclose(cov["required"], again["agents_required"])
    under_h = cov["under"].sum() * 0.5
    over_h = cov["over"].sum() * 0.5
    assert res.objective == pytest.approx(res.cost + 200.0 * under_h + 2.0 * over_h
                                          + res.overflow_fees, rel=1e-6)
    assert res.objective < base.objective


def test_overflow_keys_are_validated_naming_the_key():
    cases = [
        ({"hours": {"mon": "18:00-24:00"}}, "overflow.price_per_call"),
        ({"price_per_call": -1}, "overflow.price_per_call"),
        ({"price_per_minute": "x"}, "overflow.price_per_minute"),
        ({"price_per_call": 1, "capacity_calls_per_hour": 0}, "overflow.capacity_calls_per_hour"),
        ({"price_per_call": 1, "service_level": 1.5}, "overflow.service_level"),
        ({"price_per_call": 1, "max_share": 0}, "overflow.max_share"),
        ({"price_per_call": 1, "share_step": 0.01}, "overflow.share_step"),
        ({"price_per_call": 1, "hours": {"mon": "25:00-26:00"}}, "overflow.hours.mon"),
        ({"price_per_call": 1, "hours": {"funday": "08:00-09:00"}}, "overflow.hours.funday"),
        ({"price_per_call": 1, "hours": {}}, "overflow.hours"),
        ({"price_per_call": 1, "weekly_fee": -5}, "overflow.weekly_fee"),
        ({"price_per_call": 1, "enabled": "yes"}, "overflow.enabled"),
        ({"price_per_call": 1, "cost": 3}, "overflow.cost"),
    ]
    for raw, field in cases:
        with pytest.raises(InputError) as err:
            OverflowPartner.from_table(raw)
        assert err.value.field == field, (raw, err.value.field)
    assert OverflowPartner.from_table({"price_per_call": 1, "enabled": False}) is None


def test_shares_and_the_capacity_level():
    p = partner(share_step=0.5, max_share=0.8, capacity_calls_per_hour=10.0)
    np.testing.assert_allclose(p.shares(), [0.0, 0.5, 0.8])
    fc, req, _ = case()
    lv = overflow_levels(p, fc, GOALS, freq=FREQ, days=1,
                         required=req["agents_required"].astype(float))
    assert lv is not None
    # 30 calls at 18:00: 0, 15 (over the 5-call cap: gone), 24 (gone) and the cap 5
    row = int(np.nonzero(lv.positions == 36)[0][0])
    sent = lv.sent[row]
    assert sent[0] == 0 and np.isnan(sent[1]) and np.isnan(sent[2]) and sent[3] == 5.0
    assert OpenHours.from_dict({"mon": "18:00-24:00"}).mask(fc.index[36:37])[0]


def test_requirement_mode_start_already_sends_what_the_penalties_make_dear():
    """The constructive start (no HiGHS) picks per interval the level of least fee +
    penalties at its own roster: the unstaffable evening goes out, and the start is feasible
    for every row of the model (greedy_start checks them)."""
    from staffing.roster.build import build_model, make_horizon
    from staffing.roster.warmstart import greedy_start

    fc, req, cfg = case()
    required = req["agents_required"].astype(float)
    levels = overflow_levels(partner(), fc, GOALS, freq=FREQ, days=1, required=required)
    built = build_model(make_horizon(required, cfg), cfg, overflow=levels)
    start = greedy_start(built)
    assert start is not None
    values, cost = start
    assert built.overflow is not None
    sent, fee, _ = built.overflow.per_interval(values, len(required))
    hours = required.index.hour
    assert sent[(hours >= 20) & (hours < 23)].sum() == pytest.approx(36.0)
    assert cost == pytest.approx(float(built.form.cost @ values))
    assert fee.sum() == pytest.approx(2.0 * sent.sum())


def test_simulation_of_the_kept_calls_is_combined_with_the_partner():
    """The simulation replays the kept calls; its service levels become (kept x simulated +
    partner SL x sent) / offered per interval, day and week (recomputed here)."""
    from staffing.overflow import combine_simulation, kept_demand
    from staffing.simulate import SimulationOptions, simulate

    fc, _, _ = case()
    sched = pd.Series(np.where(fc["calls"] > 0, 6.0, 0.0), index=fc.index)
    sent = pd.Series(np.where(fc.index.hour >= 20, fc["calls"], 0.0), index=fc.index)
    sent.iloc[20] = 10.0  # 10 of 30 calls out at 10:00
    ev = evaluate(fc, sched, GOALS, freq=FREQ, overflow=sent, overflow_service_level=0.6)
    kept = kept_demand(fc, sent)
    sim = simulate(kept, sched, answer_s=20, options=SimulationOptions(replications=3, seed=1),
                   freq=FREQ)
    both = combine_simulation(sim, ev, 0.6, "UTC")
    offered = fc["calls"].to_numpy()
    k = kept["calls"].to_numpy()
    s_in = np.nan_to_num(sim.intervals["service_level"].to_numpy(float), nan=1.0)
    want = np.where(offered > 0, (k * s_in + 0.6 * sent.to_numpy()) / np.where(
        offered > 0, offered, 1), np.nan)
    np.testing.assert_allclose(both.intervals["service_level"].to_numpy(float), want)
    week = (k.sum() * sim.week["service_level"] + 0.6 * sent.sum()) / offered.sum()
    assert both.week["service_level"] == pytest.approx(week)
    assert both.week["inhouse_service_level"] == sim.week["service_level"]
    assert both.days["service_level"].iloc[0] == pytest.approx(week)  # one day


def test_the_interval_floor_holds_in_hours_only_the_partner_answers():
    """With min_interval_service_level, an interval only the partner can answer gets at least
    the floor (it sends enough however dear it is); the start is feasible with it."""
    from staffing.roster.build import build_model, make_horizon
    from staffing.roster.warmstart import greedy_start

    fc, req, cfg = case()
    required = req["agents_required"].astype(float)
    curve = answered_curve(fc, GOALS, freq=FREQ, required=required, interval_floor=0.5)
    ptn = partner(price_per_call=500.0, service_level=0.9)  # 2 x 0.9 = 1.8 of 6 calls: 30 %
    levels = overflow_levels(ptn, fc, GOALS, freq=FREQ, days=1, service=curve)
    built = build_model(make_horizon(required, cfg), cfg, service=curve, overflow=levels)
    assert greedy_start(built) is not None
    res = solve_roster(required, cfg, SolverOptions(objective="service",
                                                    min_interval_service_level=0.5, **OPTS),
                       service=curve, overflow=levels)
    assert res.status is RosterStatus.OPTIMAL
    cov = res.coverage.set_index("interval_start")
    evening = (cov.index.hour >= 20) & (cov.index.hour < 23)
    # the least share whose 90 % meets 50 %: 75 % of 6 calls (50 % would give 45 %)
    np.testing.assert_allclose(cov.loc[evening, "overflow_calls"], 4.5)
    ev = evaluate(fc, cov["scheduled"].astype(float), GOALS, freq=FREQ,
                  overflow=cov["overflow_calls"], overflow_service_level=0.9)
    with_calls = fc["calls"].to_numpy() > 0
    assert (ev.intervals["service_level"].to_numpy()[with_calls] >= 0.5 - 1e-9).all()
    np.testing.assert_allclose(cov["service_level_promised"].to_numpy()[with_calls],
                               ev.intervals["service_level"].to_numpy()[with_calls], atol=1e-3)
