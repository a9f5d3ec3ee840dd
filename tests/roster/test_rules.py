"""One small hand-made case per rule family; each rule binds and the amount is checked."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from staffing.exceptions import InputError
from staffing.hours import OpenHours
from staffing.roster import (
    BreakRule,
    Penalties,
    RosterConfig,
    RosterResult,
    RosterStatus,
    ShiftTemplate,
    SolverOptions,
    WeeklyRules,
    solve_roster,
)
from tests.roster.conftest import ONE_DAY, day_index

TZ = "UTC"
OPTS = SolverOptions(time_limit_s=20, mip_rel_gap=0)
BIG = Penalties(under_per_agent_interval=1000.0, over_per_agent_interval=1.0)


def req(values: dict[tuple[int, int], float], days: int = 1, start: str = "2024-01-01",
        freq: str = "60min", tz: str = TZ) -> pd.Series:
    """Requirement on a `days`-day grid: {(day, hour): agents}, zero elsewhere."""
    idx = day_index(freq, days, start, tz)
    s = pd.Series(0.0, index=idx)
    for (d, hour), v in values.items():
        s.iloc[d * 24 + hour] = v
    return s


def tpl(name="t", start="09:00", latest=None, paid=1.0, **kw) -> ShiftTemplate:
    return ShiftTemplate(name, dt.time.fromisoformat(start),
                         dt.time.fromisoformat(latest or start), start_step_min=60,
                         paid_hours=paid, **kw)


def cfg(*templates, rules=None, penalties=BIG, hours=None) -> RosterConfig:
    return RosterConfig(tuple(templates), rules or ONE_DAY, penalties, hours)


def test_under_staffing_with_headcount_limit():
    r = req({(0, 9): 3, (0, 10): 3, (0, 11): 3})
    res = solve_roster(r, cfg(tpl(paid=3.0, cost_per_hour=1.0, max_headcount=2)), OPTS)
    assert res.status is RosterStatus.OPTIMAL
    terms = {p.name: p for p in res.penalties}
    assert terms["under-staffing"].amount == 3  # one agent short for 3 hours
    assert terms["under-staffing"].cost == 3000
    assert res.objective == pytest.approx(6 + 3000)
    assert "under-staffing: 3 agent-intervals" in res.penalty_report()


def test_over_staffing_amount():
    r = req({(0, 9): 2, (0, 10): 1, (0, 11): 2})
    res = solve_roster(r, cfg(tpl(paid=3.0, cost_per_hour=1.0)), OPTS)
    assert res.coverage["scheduled"].iloc[9:12].tolist() == [2, 2, 2]
    assert res.coverage["over"].sum() == 1
    assert res.objective == pytest.approx(2 * 3 + 1)


def test_breaks_are_staggered_inside_windows():
    # 4 paid hours + 1 h unpaid break starting 1-2 h after 09:00: one agent leaves a hole.
    r = req({(0, h): 1 for h in (9, 10, 11, 12)})
    lunch = BreakRule(60, 60, 120, name="lunch")
    res = solve_roster(r, cfg(tpl(paid=4.0, cost_per_hour=1.0, breaks=(lunch,))), OPTS)
    assert res.status is RosterStatus.OPTIMAL
    assert len(res.shifts) == 2
    assert (res.coverage["scheduled"].iloc[9:13] >= 1).all()
    assert sorted(res.shifts["breaks"]) == ["10:00-11:00", "11:00-12:00"]
    # scheduled 09..13 = 2,1,1,2,2 against 1,1,1,1,0: over 4
    assert res.objective == pytest.approx(2 * 4 + 4)


def test_shift_crossing_midnight_wraps_cyclically():
    r = req({(0, 22): 1, (0, 23): 1, (0, 0): 1, (0, 1): 1})
    res = solve_roster(r, cfg(tpl(start="22:00", paid=4.0, cost_per_hour=1.0)), OPTS)
    assert len(res.shifts) == 1
    assert res.coverage["under"].sum() == 0 and res.coverage["over"].sum() == 0
    row = res.shifts.iloc[0]
    assert row["end"] - row["start"] == pd.Timedelta(hours=4)
    assert row["end"].hour == 2


@pytest.mark.parametrize(("consecutive", "people"), [(0, 1), (3, 2)])
def test_consecutive_days_off(consecutive, people):
    # Need one agent at 09:00 on Mon, Wed, Fri, Sun; people work 4 days.
    r = req({(d, 9): 1 for d in (0, 2, 4, 6)}, days=7)
    rules = WeeklyRules(workdays=4, consecutive_days_off=consecutive)
    res = solve_roster(r, cfg(tpl(cost_per_hour=1.0), rules=rules), OPTS)
    assert res.tours["agent"].nunique() == people
    assert res.coverage["under"].sum() == 0
    assert res.agent_hours == 4 * people
    if consecutive:
        day_cols = res.tours.columns[3:]
        for _, line in res.tours.iterrows():
            off = np.array([line[c] == "OFF" for c in day_cols] * 2)
            runs = max(len(s) for s in "".join("1" if o else "0" for o in off).split("0"))
            assert runs >= 3


@pytest.mark.parametrize(("band", "people"), [(None, 1), (120, 2)])
def test_start_band(band, people):
    r = req({(0, 6): 1, (1, 10): 1}, days=2)
    rules = WeeklyRules(workdays=2, consecutive_days_off=0, start_band_minutes=band)
    res = solve_roster(r, cfg(tpl(start="06:00", latest="10:00", cost_per_hour=1.0),
                              rules=rules), OPTS)
    assert res.tours["agent"].nunique() == people
    assert res.coverage["under"].sum() == 0
    for _, g in res.shifts.groupby("agent"):
        minutes = g["start"].dt.hour * 60 + g["start"].dt.minute
        assert minutes.max() - minutes.min() <= (band if band is not None else 24 * 60)


def test_weekly_hours_pick_the_length():
    r = req({(d, 9): 1 for d in range(7)}, days=7)
    rules = WeeklyRules(workdays=7, consecutive_days_off=0, min_weekly_hours=14)
    res = solve_roster(r, cfg(tpl(paid=(1.0, 3.0), cost_per_hour=1.0), rules=rules), OPTS)
    assert set(res.shifts["paid_hours"]) == {2.0}
    assert res.tours["paid_hours_week"].tolist() == [14.0]
    assert res.objective == pytest.approx(14 + 7)  # wages + 7 over-staffed hours


def test_part_time_share():
    r = req({(0, h): 2 for h in (9, 10, 11, 12)})
    ft = tpl("ft", paid=8.0, cost_per_hour=1.0)
    pt = tpl("pt", paid=4.0, cost_per_hour=1.0, part_time=True)
    rules = WeeklyRules(workdays=1, consecutive_days_off=0, part_time_share_max=0.5)
    res = solve_roster(r, cfg(ft, pt, rules=rules), OPTS)
    assert res.shifts["template"].value_counts().to_dict() == {"ft": 1, "pt": 1}
    assert res.cost == 12


def test_min_staff_is_hard():
    hours = OpenHours.from_dict({"mon": "09:00-11:00"}, min_staff=1)
    res = solve_roster(req({}), cfg(tpl(paid=2.0, cost_per_hour=1.0), hours=hours), OPTS)
    assert res.coverage["scheduled"].iloc[9:11].tolist() == [1, 1]
    assert res.objective == pytest.approx(2 + 2)
    assert res.coverage["under"].sum() == 0


def test_dst_day_has_92_quarter_hours():
    r = req({}, start="2024-03-31", freq="15min", tz="Europe/Berlin")
    assert len(r) == 92
    r.iloc[4:12] = 1  # 01:00-01:45 and 03:00-03:45 wall clock (02:00-02:59 does not exist)
    res = solve_roster(r, cfg(ShiftTemplate("night", dt.time(1), dt.time(1), 15, 2.0,
                                            cost_per_hour=1.0)), OPTS)
    row = res.shifts.iloc[0]
    assert row["end"] - row["start"] == pd.Timedelta(hours=2)
    assert (row["start"].hour, row["end"].hour) == (1, 4)
    assert res.coverage["under"].sum() == 0


def test_excluded_lengths_are_noted():
    r = req({(d, 9): 1 for d in range(7)}, days=7)
    rules = WeeklyRules(workdays=7, consecutive_days_off=0, max_weekly_hours=10)
    res = solve_roster(r, cfg(tpl(paid=(1.0, 2.0), cost_per_hour=1.0), rules=rules), OPTS)
    assert set(res.shifts["paid_hours"]) == {1.0}
    assert any("14 weekly hours" in n for n in res.notes)
    assert res.summary()["notes"] == list(res.notes)


def _grid_case(freq: str, penalties: Penalties) -> float:
    """One day of demand that is constant within each half hour, seen on a ``freq`` grid."""
    half_hours = np.array([0] * 14 + [2, 3, 5, 6, 6, 7, 8, 8, 7, 6, 5, 5, 6, 7, 8, 8, 7, 6,
                                      5, 4, 3, 3, 2, 2, 1, 1, 1, 1, 0, 0] + [0] * 4, float)
    idx = day_index(freq)
    per = int(pd.Timedelta("30min") / pd.Timedelta(freq))
    required = pd.Series(np.repeat(half_hours, per), index=idx)
    tpl = ShiftTemplate("day", dt.time(6), dt.time(15), 30, (4.0, 8.0), cost_per_hour=20.0)
    cfg = RosterConfig((tpl,), ONE_DAY, penalties)
    res = solve_roster(required, cfg, SolverOptions(time_limit_s=300, mip_rel_gap=0))
    assert res.status is RosterStatus.OPTIMAL
    return float(res.objective)


def test_penalties_per_agent_hour_make_the_cost_grid_independent():
    pen = Penalties(under_per_agent_hour=60.0, over_per_agent_hour=4.0)
    costs = {f: _grid_case(f, pen) for f in ("5min", "15min", "30min")}
    ref = costs["15min"]
    for f, c in costs.items():
        assert abs(c - ref) <= 0.02 * ref, (f, costs)
    # the old per-interval form weighs a finer grid's shortage more: the test can tell
    legacy = {f: _grid_case(f, Penalties(5.0, 0.0)) for f in ("5min", "30min")}
    assert legacy["5min"] != pytest.approx(legacy["30min"], rel=0.02)


def test_both_penalty_forms_for_one_side_is_an_error():
    with pytest.raises(InputError) as info:
        Penalties(under_per_agent_interval=10.0, under_per_agent_hour=40.0)
    assert info.value.field == "penalties.under_per_agent_interval"


def _open_hours_case(**tpl_kw) -> RosterResult:
    idx = day_index("30min")
    required = pd.Series(0.0, index=idx)
    hours = OpenHours.from_dict({"mon": "08:00-16:00"}, min_staff=1)
    required[hours.mask(idx)] = 2.0
    tpl = ShiftTemplate("t", dt.time(6), dt.time(12), 30, 8.0, cost_per_hour=1.0, **tpl_kw)
    # cheap over-staffing: without the rule a 06:00-14:00 shift would be as good as any
    cfg = RosterConfig((tpl,), ONE_DAY, Penalties(under_per_agent_hour=100.0,
                                                  over_per_agent_hour=0.0), hours)
    return solve_roster(required, cfg, SolverOptions(mip_rel_gap=0))


def test_no_paid_time_outside_open_hours():
    res = _open_hours_case()
    assert res.status is RosterStatus.OPTIMAL
    starts = res.shifts["start"].dt.hour * 60 + res.shifts["start"].dt.minute
    assert (starts == 8 * 60).all()  # only 08:00-16:00 fits inside the open hours
    closed = ~OpenHours.from_dict({"mon": "08:00-16:00"}).mask(
        pd.DatetimeIndex(res.coverage["interval_start"]))
    assert (res.coverage["scheduled"].to_numpy()[closed] == 0).all()


def test_template_margin_allows_paid_time_before_opening():
    res = _open_hours_case(before_open_min=60)
    starts = res.shifts["start"].dt.hour * 60 + res.shifts["start"].dt.minute
    assert starts.min() >= 7 * 60 and (starts <= 8 * 60).all()
    with pytest.raises(InputError) as info:
        ShiftTemplate("t", dt.time(6), dt.time(12), 30, 8.0, before_open_min=-5)
    assert info.value.field == "templates.t.before_open_min"


def test_tiered_under_penalty_fills_the_deep_hole():
    """A 2-hour spike of 4 agents; an 8-hour shift costs 8, an agent-hour short 3. Linear:
    leaving an agent short costs 6 < 8, so the whole spike is left (4 deep). Tiered (first
    agent short 1 x, the rest 4 x = 12 per agent-hour): only the first agent stays short."""
    required = req({(0, 12): 4.0, (0, 13): 4.0})
    t = tpl(start="00:00", latest="16:00", paid=8.0, cost_per_hour=1.0)
    linear = Penalties(under_per_agent_hour=3.0, over_per_agent_hour=0.0)
    tiered = Penalties(under_per_agent_hour=3.0, over_per_agent_hour=0.0,
                       under_tier_agents=(1,), under_tier_factors=(1.0, 4.0))
    a = solve_roster(required, cfg(t, penalties=linear), OPTS)
    b = solve_roster(required, cfg(t, penalties=tiered), OPTS)
    assert a.status is b.status is RosterStatus.OPTIMAL
    assert a.coverage["under"].max() == pytest.approx(4.0) and len(a.shifts) == 0
    assert b.coverage["under"].max() == pytest.approx(1.0) and len(b.shifts) == 3
    # objective recomputed by hand: 3 shifts x 8 + 2 hours x 1 agent x 3
    assert b.objective == pytest.approx(24 + 6)
    under = [p for p in b.penalties if p.name == "under-staffing"][0]
    assert under.amount == pytest.approx(2.0) and under.cost == pytest.approx(6.0)


@pytest.mark.parametrize(("kw", "field"), [
    ({"under_tier_agents": (1,), "under_tier_factors": (1.0,)}, "penalties.under_tier_factors"),
    ({"under_tier_agents": (1,), "under_tier_factors": (2.0, 1.0)},
     "penalties.under_tier_factors"),
    ({"under_tier_agents": (0,), "under_tier_factors": (1.0, 2.0)}, "penalties.under_tier_agents"),
    ({"under_tier_agents": "1", "under_tier_factors": (1.0, 2.0)}, "penalties.under_tier_agents"),
])
def test_bad_under_tiers_name_the_key(kw, field):
    with pytest.raises(InputError) as info:
        Penalties(under_per_agent_hour=3.0, **kw)
    assert info.value.field == field
