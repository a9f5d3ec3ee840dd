"""The skills roster on tiny one-day models whose optimum is worked out by hand; allocations
recomputed with plain pandas (no agent counted twice, email deadlines met)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from staffing.queues.roster import QueueNeed, solve_skills_roster
from staffing.queues.spec import SkillGroup
from staffing.roster import RosterConfig, RosterStatus, SolverOptions

TZ = "Europe/London"
IDX = pd.date_range("2026-02-02", periods=96, freq="15min", tz=TZ)  # one Monday
OPTS = SolverOptions(time_limit_s=60, mip_rel_gap=1e-6, threads=1)


def _config(start: str = "08:00", latest: str | None = None, hours: float = 4.0,
            under: float = 1000.0) -> RosterConfig:
    return RosterConfig.from_dict({
        "templates": [{"name": "t", "start_earliest": start, "start_latest": latest or start,
                       "start_step_min": 60, "paid_hours": hours, "days": ["mon-sun"],
                       "cost_per_hour": 10.0}],
        "rules": {"workdays": 1, "consecutive_days_off": 0, "start_band_minutes": None},
        "penalties": {"under_per_agent_hour": under, "over_per_agent_hour": 0.0},
    })


def _need(name: str, spans: list[tuple[str, str, float]], channel: str = "voice",
          **kw: object) -> QueueNeed:
    net = np.zeros(96)
    for a, b, v in spans:
        lo = IDX.get_loc(pd.Timestamp(f"2026-02-02 {a}", tz=TZ))
        hi = IDX.get_loc(pd.Timestamp(f"2026-02-02 {b}", tz=TZ))
        net[lo:hi] = v
    return QueueNeed(name, channel, net, under_per_agent_hour=1000.0, **kw)  # type: ignore[arg-type]


def _no_double_count(res) -> None:
    """Recompute from the returned allocation: per group and interval, the agents given to
    all queues are at most the group's on-phone agents."""
    alloc = res.allocation.groupby(["interval_start", "group"])["agents"].sum()
    phone = res.groups.set_index(["interval_start", "group"])["on_phone"]
    joined = pd.concat([alloc.rename("a"), phone], axis=1).fillna(0.0)
    assert (joined["a"] <= joined["on_phone"] + 1e-6).all()


def test_a_cross_skilled_agent_counts_once_per_interval():
    # A and B each need 2 on the phone 08:00-12:00: a pool serving both needs 4, not 2
    needs = [_need("A", [("08:00", "12:00", 2)]), _need("B", [("08:00", "12:00", 2)])]
    res = solve_skills_roster(IDX, needs, [SkillGroup("pool", ("A", "B"))], _config(),
                              OPTS)
    assert res.status is RosterStatus.OPTIMAL
    assert len(res.tours) == 4
    assert res.cost == pytest.approx(4 * 4 * 10.0)
    assert res.queues["under"].sum() == pytest.approx(0.0, abs=1e-6)
    _no_double_count(res)


def test_cross_skilled_pool_covers_peaks_at_different_times_with_half_the_people():
    # A needs 2 in 08:00-10:00, B needs 2 in 10:00-12:00: dedicated teams need 4 shifts of
    # 4 h (the only template), a pool of 2 serves A then B
    needs = [_need("A", [("08:00", "10:00", 2)]), _need("B", [("10:00", "12:00", 2)])]
    dedicated = solve_skills_roster(IDX, needs, [SkillGroup("a", ("A",)),
                                                 SkillGroup("b", ("B",))], _config(), OPTS)
    pooled = solve_skills_roster(IDX, needs, [SkillGroup("pool", ("A", "B"))], _config(),
                                 OPTS)
    assert dedicated.cost == pytest.approx(160.0) and len(dedicated.tours) == 4
    assert pooled.cost == pytest.approx(80.0) and len(pooled.tours) == 2
    assert set(dedicated.tours["group"]) == {"a", "b"}
    _no_double_count(pooled)
    got = pooled.allocation.groupby("queue")["agents"].sum() / 4  # agent-hours per queue
    assert got.to_dict() == pytest.approx({"A": 4.0, "B": 4.0})


def test_shrinkage_scales_on_phone_agents():
    needs = [_need("A", [("08:00", "12:00", 3)])]
    res = solve_skills_roster(IDX, needs, [SkillGroup("a", ("A",))], _config(), OPTS,
                              shrinkage=0.25)
    assert len(res.tours) == 4                     # ceil(3 / 0.75)
    _no_double_count(res)


def test_email_fills_the_valley_before_its_deadline():
    # voice needs 2 in 08:00-10:00; 2 agent-hours of email arrive 08:00-08:15 and are due
    # within 4 h: the two voice agents (08:00-12:00) handle it after 10:00, no third agent
    voice = _need("V", [("08:00", "10:00", 2)])
    work = np.zeros(96)
    work[32] = 8.0                                  # 8 agent-intervals at 08:00
    due = np.arange(96) + 15                        # 4 h = 16 intervals
    email = QueueNeed("E", "email", work, due, 1.0, 1000.0)
    res = solve_skills_roster(IDX, [voice, email], [SkillGroup("pool", ("V", "E"))],
                              _config(), OPTS)
    assert res.status is RosterStatus.OPTIMAL
    assert len(res.tours) == 2
    _no_double_count(res)
    back = res.email["E"]
    # recompute the deadline from the allocation: all 8 done by 11:45 (position 47)
    done = res.allocation[res.allocation["queue"] == "E"]
    t_done = done[done["interval_start"] <= IDX[47]]["agents"].sum()
    assert t_done == pytest.approx(8.0)
    assert back["late"].max() == pytest.approx(0.0, abs=1e-6)
    assert (back["processed_cum"] <= np.cumsum(work) + 1e-6).all()  # none before arrival


def test_email_with_a_short_deadline_needs_its_own_agent():
    voice = _need("V", [("08:00", "12:00", 2)])     # voice keeps both busy all shift
    work = np.zeros(96)
    work[32] = 4.0
    email = QueueNeed("E", "email", work, np.arange(96) + 7, 1.0, 1000.0)  # within 2 h
    res = solve_skills_roster(IDX, [voice, email], [SkillGroup("pool", ("V", "E"))],
                              _config(), OPTS)
    assert len(res.tours) == 3
    assert res.email["E"]["late"].max() == pytest.approx(0.0, abs=1e-6)


def test_unreachable_minimum_staff_is_a_status_with_a_diagnosis():
    cfg = RosterConfig.from_dict({**_config().to_dict(),
                                  "open_hours": {"mon": "06:00-12:00", "min_staff": 1}})
    res = solve_skills_roster(IDX, [_need("A", [("08:00", "12:00", 1)])],
                              [SkillGroup("a", ("A",))], cfg, OPTS)
    assert res.status is RosterStatus.INFEASIBLE
    assert "min_staff" in (res.diagnosis or "")


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"shrinkage": 1.0}, "shrinkage"),
        ({"groups": [SkillGroup("x", ("nope",))]}, "groups.x.skills"),
        ({"needs": [QueueNeed("A", "voice", np.zeros(5))]}, "queues.A.net"),
        ({"needs": [QueueNeed("E", "email", np.zeros(96))]}, "queues.E.due"),
    ],
)
def test_bad_input(kw, field):
    from staffing.exceptions import InputError

    args = {"needs": [_need("A", [("08:00", "12:00", 1)])],
            "groups": [SkillGroup("a", ("A",))], "shrinkage": 0.0}
    args.update(kw)
    with pytest.raises(InputError) as info:
        solve_skills_roster(IDX, args["needs"], args["groups"], _config(), OPTS,
                            shrinkage=args["shrinkage"])
    assert info.value.field == field


def test_group_headcount_cap_holds_and_the_start_respects_it():
    needs = [_need("A", [("08:00", "12:00", 3)]), _need("B", [("08:00", "12:00", 1)])]
    groups = [SkillGroup("a", ("A",)), SkillGroup("b", ("B",)),
              SkillGroup("pool", ("A", "B"), (), 1)]
    res = solve_skills_roster(IDX, needs, groups, _config(), OPTS)
    assert res.status is RosterStatus.OPTIMAL
    assert (res.tours["group"] == "pool").sum() <= 1
    assert len(res.tours) == 4
    assert not any("no constructive start" in n for n in res.notes)
    _no_double_count(res)
