"""Classic cyclic instance, full week, infeasibility, status, cancellation, duals, bad input."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from staffing.exceptions import InputError
from staffing.hours import OpenHours
from staffing.roster import (
    HIGHS_STATUS,
    BreakRule,
    Penalties,
    RosterConfig,
    RosterStatus,
    ShiftTemplate,
    SolverOptions,
    coverage_duals,
    solve_roster,
    status_from_highs,
)
from tests.roster.conftest import ONE_DAY, day_index

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "data" / "roster_example.toml"


def cyclic_optimum(r: np.ndarray, length: int) -> int:
    """Independent optimum of the cyclic covering problem (scipy's MILP on the circulant)."""
    n = len(r)
    a = np.zeros((n, n))
    for s in range(n):
        a[(s + np.arange(length)) % n, s] = 1
    res = milp(np.ones(n), constraints=LinearConstraint(a, r, np.inf),
               integrality=np.ones(n), bounds=Bounds(0, np.inf))
    return round(res.fun)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_classic_cyclic_24h_instance(seed):
    rng = np.random.default_rng(seed)
    r = rng.integers(0, 9, 24).astype(float)
    idx = day_index()
    t = ShiftTemplate("eight", dt.time(0), dt.time(23), 60, 8.0, cost_per_hour=1 / 8)
    cfg = RosterConfig((t,), ONE_DAY, Penalties(1000.0, 0.0))
    res = solve_roster(pd.Series(r, index=idx), cfg, SolverOptions(mip_rel_gap=0))
    assert res.status is RosterStatus.OPTIMAL
    best = cyclic_optimum(r, 8)
    # every shift covers exactly one of the hours i, i+8, i+16: a lower bound
    window = max(r[i] + r[i + 8] + r[i + 16] for i in range(8))
    assert best >= window
    assert len(res.shifts) == best
    assert res.objective == pytest.approx(best)
    assert (res.coverage["scheduled"] >= r).all()


def week_requirement(history_15min) -> pd.Series:
    """Crude offered-load requirement for Sun 1999-02-07 .. Sat 1999-02-13 (15 min)."""
    week = history_15min.loc["1999-02-07":"1999-02-13"]
    aht = week["aht_s"].fillna(week["aht_s"].median())
    return np.ceil(week["calls"] * aht / 900) + (week["calls"] > 0)


def test_full_week_15min(history_15min):
    required = week_requirement(history_15min)
    assert len(required) == 672
    cfg = RosterConfig.from_toml(EXAMPLE)
    seen = []
    # HiGHS stops at the gap (about 2 s here); the limit only guards slow CI machines
    res = solve_roster(required, cfg, SolverOptions(time_limit_s=60, mip_rel_gap=0.005),
                       progress=seen.append)
    assert res.status is RosterStatus.OPTIMAL
    assert res.gap is not None and res.gap <= 0.005
    assert res.build_s > 0 and res.runtime_s > 0  # reported apart; speed: bench_roster.py
    assert seen and seen[-1].objective is not None
    # the extracted roster is the model's solution
    penalties = sum(p.cost for p in res.penalties)
    assert res.objective == pytest.approx(res.cost + penalties, rel=1e-6)
    # open hours: hard minimum of 1 agent
    floor = cfg.open_hours.min_staff(required.index)
    assert (res.coverage["scheduled"].to_numpy()[floor > 0] >= 1).all()
    # every shift has its breaks inside the windows, in order
    for _, s in res.shifts.iterrows():
        tpl = cfg.template(s["template"])
        spans = s["breaks"].split(";")
        assert len(spans) == len(tpl.breaks)
        for rule, text in zip(tpl.breaks, spans, strict=True):
            b = pd.Timestamp(f"{s['start'].date()} {text[:5]}").tz_localize(s["start"].tz)
            if b < s["start"]:
                b += pd.Timedelta(days=1)
            off = (b - s["start"]).total_seconds() / 60
            assert rule.earliest_offset_min <= off <= rule.latest_offset_min
    # tours: 5 workdays, 2 consecutive days off, start band 2 h
    days = res.tours.columns[3:]
    for _, line in res.tours.iterrows():
        assert sum(line[c] != "OFF" for c in days) == 5
    for _, g in res.shifts.groupby("agent"):
        m = g["start"].dt.hour * 60 + g["start"].dt.minute
        assert m.max() - m.min() <= 120
    assert list(res.coverage.columns) == ["interval_start", "required", "scheduled", "under",
                                          "over"]
    s = res.summary()
    import json

    json.dumps(s)
    assert s["agents"] == res.tours["agent"].nunique()


def test_build_counts_against_the_time_limit(history_15min):
    """A limit shorter than the build ends at the build (HiGHS does not run on for the whole
    limit after it) and still returns a roster: the constructive start, status feasible."""
    required = week_requirement(history_15min)
    cfg = RosterConfig.from_toml(EXAMPLE)
    res = solve_roster(required, cfg, SolverOptions(time_limit_s=1e-3))
    assert res.status is RosterStatus.FEASIBLE
    assert res.solver_status == "time limit reached while building"
    assert res.runtime_s == 0.0 and res.build_s > 1e-3
    assert res.has_roster and len(res.shifts) > 0
    assert any("time limit" in n and "constructive start" in n for n in res.notes)


def test_time_limited_solve_is_a_status(history_15min):
    required = week_requirement(history_15min)
    cfg = RosterConfig.from_toml(EXAMPLE)
    # node limit, not wall clock: deterministic on any machine
    res = solve_roster(required, cfg, SolverOptions(time_limit_s=120, mip_rel_gap=0,
                                                    extra={"mip_max_nodes": 1}))
    assert res.solver_status in ("kSolutionLimit", "kOptimal")
    assert res.status in (RosterStatus.FEASIBLE, RosterStatus.TIME_LIMIT_NO_SOLUTION,
                          RosterStatus.OPTIMAL)


def test_cancel_before_solve_returns_cancelled(history_15min):
    required = week_requirement(history_15min)
    cfg = RosterConfig.from_toml(EXAMPLE)
    cancel = threading.Event()
    cancel.set()
    res = solve_roster(required, cfg, cancel=cancel)
    assert res.status is RosterStatus.CANCELLED
    assert res.solver_status == "cancelled during build"
    assert res.runtime_s == 0.0
    # the rows and the constructive start are made before the cancel is honoured: a roster
    assert res.has_roster and len(res.shifts) > 0


def test_cancel_while_the_pyomo_model_is_built_returns_the_constructive_start(
        history_15min, monkeypatch):
    """The rows exist before the Pyomo model is made: a cancel from then on still answers
    with a roster (the constructive start), checked against the requirement's floors."""
    import staffing.roster.build as build

    required = week_requirement(history_15min)
    cfg = RosterConfig.from_toml(EXAMPLE)
    cancel = threading.Event()
    real = build._pyomo_model

    def cancelled_meanwhile(*args, **kwargs):
        cancel.set()
        return real(*args, **kwargs)

    monkeypatch.setattr(build, "_pyomo_model", cancelled_meanwhile)
    res = solve_roster(required, cfg, cancel=cancel)
    assert res.status is RosterStatus.CANCELLED
    assert res.solver_status == "cancelled during build"
    assert res.shifts is not None and len(res.shifts) > 0
    cov = res.coverage
    assert res.cost == pytest.approx(sum(res.shifts["paid_hours"] * res.shifts["template"].map(
        {t.name: t.cost_per_hour for t in cfg.templates})))
    floor = cfg.open_hours.min_staff(pd.DatetimeIndex(cov["interval_start"]))
    assert (cov["scheduled"].to_numpy()[floor > 0] >= floor[floor > 0]).all()


def test_cancel_at_first_incumbent_returns_it(history_15min):
    """Cancel is set from the progress callback at the first reported roster (the constructive
    start, reported before HiGHS runs; no timer): the solve stops with status cancelled and
    returns that roster (best so far)."""
    required = week_requirement(history_15min)
    cfg = RosterConfig.from_toml(EXAMPLE)
    cfg = RosterConfig(cfg.templates, dataclasses.replace(cfg.rules, start_band_minutes=None),
                       cfg.penalties, cfg.open_hours)  # hard to prove optimal (symmetric tours)
    cancel = threading.Event()
    seen: list[float] = []

    def on_progress(p):
        if p.objective is not None:
            seen.append(p.objective)
            cancel.set()

    res = solve_roster(required, cfg, SolverOptions(time_limit_s=600, mip_rel_gap=0),
                       progress=on_progress, cancel=cancel)
    assert seen, "HiGHS reported no incumbent"
    assert res.status is RosterStatus.CANCELLED
    assert res.has_roster and len(res.shifts) > 0
    assert res.objective is not None and res.objective <= seen[0] + 1e-6
    assert res.runtime_s < 300  # stopped long before the 600 s limit


def test_status_table():
    assert status_from_highs("kTimeLimit", True) is RosterStatus.FEASIBLE
    assert status_from_highs("kTimeLimit", False) is RosterStatus.TIME_LIMIT_NO_SOLUTION
    assert status_from_highs("kInterrupt", False) is RosterStatus.CANCELLED
    assert status_from_highs("kSolveError", False) is RosterStatus.ERROR
    assert HIGHS_STATUS["kInfeasible"][0] is RosterStatus.INFEASIBLE


def test_min_staff_outside_templates_is_infeasible_with_diagnosis():
    idx = day_index()  # a Monday
    hours = OpenHours.from_dict({"mon": "09:00-22:00"}, min_staff=1)
    t = ShiftTemplate("day", dt.time(9), dt.time(10), 60, 8.0)
    res = solve_roster(pd.Series(1.0, index=idx), RosterConfig((t,), ONE_DAY, Penalties(),
                                                               hours))
    assert res.status is RosterStatus.INFEASIBLE
    assert "open_hours.min_staff" in res.diagnosis
    assert "Mon 2024-01-01 18:00-22:00" in res.diagnosis
    assert "day:" in res.diagnosis


def test_headcount_conflict_is_infeasible_and_named():
    idx = day_index()
    hours = OpenHours.from_dict({"mon": "09:00-17:00"}, min_staff=3)
    t = ShiftTemplate("day", dt.time(9), dt.time(9), 60, 8.0, max_headcount=2)
    res = solve_roster(pd.Series(0.0, index=idx), RosterConfig((t,), ONE_DAY, Penalties(),
                                                               hours))
    assert res.status is RosterStatus.INFEASIBLE
    assert "max_headcount" in res.diagnosis and "min_staff" in res.diagnosis


def test_coverage_duals_price_short_intervals():
    idx = day_index()
    r = pd.Series(0.0, index=idx)
    r.iloc[9:12] = 3
    t = ShiftTemplate("day", dt.time(9), dt.time(9), 60, 3.0, cost_per_hour=1.0,
                      max_headcount=2)
    duals = coverage_duals(r, RosterConfig((t,), ONE_DAY, Penalties(50.0, 1.0)))
    assert duals.index.equals(idx)
    assert duals.iloc[10] == pytest.approx(50.0)  # short: one more agent costs a penalty
    assert duals.iloc[3] == pytest.approx(-1.0)  # idle: one more required saves over-staffing


def test_example_config_loads():
    cfg = RosterConfig.from_toml(EXAMPLE)
    assert len(cfg.templates) >= 4
    assert all(t.breaks for t in cfg.templates)
    assert cfg.template("peak-pt").part_time


BASE = {"templates": [{"name": "a", "start_earliest": "08:00", "start_latest": "10:00"}]}


def with_(path: str, value):
    import copy

    d = copy.deepcopy(BASE)
    target = d
    keys = path.split(".")
    for k in keys[:-1]:
        target = target[int(k)] if k.isdigit() else target.setdefault(k, {})
    target[keys[-1]] = value
    return d


@pytest.mark.parametrize(("data", "field"), [
    (with_("templates.0.start_latest", "07:00"), "templates.a.start_latest"),
    (with_("templates.0.start_earliest", "8am"), "templates.a.start_earliest"),
    (with_("templates.0.paid_hours", -1), "templates.a.paid_hours"),
    (with_("templates.0.paid_hours", [9, 8]), "templates.a.paid_hours"),
    (with_("templates.0.days", ["funday"]), "templates.a.days"),
    (with_("templates.0.cost_per_hour", "cheap"), "templates.a.cost_per_hour"),
    (with_("templates.0.colour", "red"), "templates.a.colour"),
    (with_("templates.0.breaks", [{"duration_min": 30, "earliest_offset_min": 60,
                                   "latest_offset_min": 30}]), "breaks.latest_offset_min"),
    (with_("templates.0.breaks", [{"duration_min": 15, "earliest_offset_min": 60,
                                   "latest_offset_min": 120},
                                  {"name": "lunch", "duration_min": 30,
                                   "earliest_offset_min": 120, "latest_offset_min": 200,
                                   "min_gap_min": 30}]),
     "templates.a.breaks.lunch.earliest_offset_min"),
    (with_("rules.workdays", 8), "rules.workdays"),
    (with_("rules.part_time_share_max", 1.5), "rules.part_time_share_max"),
    (with_("rules.max_weekly_hours", -3), "rules.max_weekly_hours"),
    (with_("penalties.under_per_agent_interval", -1), "penalties.under_per_agent_interval"),
    (with_("open_hours.min_staff", "two"), "open_hours.min_staff"),
    ({"templates": []}, "templates"),
    ({**BASE, "rota": {}}, "rota"),
])
def test_bad_config(data, field):
    with pytest.raises(InputError) as info:
        RosterConfig.from_dict(data)
    assert info.value.field == field


def test_bad_requirement():
    cfg = RosterConfig.from_dict(BASE)
    idx = day_index()
    with pytest.raises(InputError, match="required.index"):
        solve_roster(pd.Series(1.0, index=idx.tz_localize(None)), cfg)
    with pytest.raises(InputError, match="required.index"):
        solve_roster(pd.Series(1.0, index=idx[3:]), cfg)
    bad = pd.Series(1.0, index=idx)
    bad.iloc[5] = -2
    with pytest.raises(InputError, match="required"):
        solve_roster(bad, cfg)
    off_grid = RosterConfig.from_dict(with_("templates.0.start_step_min", 45))
    with pytest.raises(InputError) as info:
        solve_roster(pd.Series(1.0, index=idx), off_grid)
    assert info.value.field == "templates.a.start_step_min"
    with pytest.raises(InputError):
        SolverOptions(time_limit_s=0)
    with pytest.raises(InputError):
        BreakRule(0, 10, 20)


def test_library_is_silent_and_checks_extra_options(capfd):
    idx = day_index("30min")
    cfg = RosterConfig.from_dict(BASE)
    res = solve_roster(pd.Series(1.0, index=idx), cfg, SolverOptions(extra={"random_seed": 3}))
    assert res.status is RosterStatus.OPTIMAL
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    with pytest.raises(InputError) as info:
        solve_roster(pd.Series(1.0, index=idx), cfg, SolverOptions(extra={"no_such": 1}))
    assert info.value.field == "extra.no_such"


def test_config_round_trip():
    cfg = RosterConfig.from_toml(EXAMPLE)
    again = RosterConfig.from_dict(cfg.to_dict())
    assert again == cfg
    assert ShiftTemplate("x", dt.time(8), dt.time(9), pd.Timedelta("15min")).start_step_min == 15


def test_thread_count_can_change_between_solves():
    """HiGHS fixes its process-wide scheduler's thread count at the first run; a later solve
    asking for another count must still solve (the scheduler is reset between solves)."""
    idx = pd.date_range("2024-01-01", periods=24, freq="1h", tz="UTC", name="interval_start")
    required = pd.Series([1, 2, 2, 1] * 6, index=idx, dtype=float)
    cfg = RosterConfig.from_dict({
        "templates": [{"name": "t", "start_earliest": "00:00", "start_latest": "23:00",
                       "start_step_min": 60, "paid_hours": 2, "days": ["mon"],
                       "cost_per_hour": 1}],
        "rules": {"workdays": 1, "consecutive_days_off": 0},
    })
    for threads in (1, 2, 1, None):
        res = solve_roster(required, cfg, SolverOptions(time_limit_s=10, threads=threads))
        assert res.status is RosterStatus.OPTIMAL, (threads, res.solver_status)
