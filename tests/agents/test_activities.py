"""Training and meetings placed into a solved schedule: inside shifts, off breaks, meetings at
one common time, coverage reduced by exactly the placed blocks."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from staffing.agents.activities import Activity, place_activities
from staffing.agents.domain import Window
from staffing.agents.read import read_setup
from staffing.agents.schedule import schedule_agents
from staffing.agents.solve import AgentSolverOptions
from staffing.exceptions import InputError

DATA = Path(__file__).parents[2] / "data"
TZ = "Asia/Jerusalem"


@pytest.fixture(scope="module")
def base(bundled):  # type: ignore[no-untyped-def]
    tpls, s, people = bundled
    idx = pd.date_range("1999-03-01", periods=7 * 96, freq="15min", tz=TZ)
    hour = idx.hour
    required = pd.Series(np.where((hour >= 8) & (hour < 20), 3.0, 0.0), index=idx)
    r = schedule_agents(required, tpls, people[:5], penalties=s.penalties,
                        options=AgentSolverOptions(time_limit_s=600, mip_rel_gap=0.02),
                        weekend_days=s.weekend_days)
    assert len(r.shifts)
    return r


def _blocks(cell: str) -> list[tuple[str, str, str]]:
    out = []
    for part in filter(None, cell.split("; ")):
        clock, name = part.split(" ", 1)
        a, _, z = clock.partition("-")
        out.append((a, z, name))
    return out


def test_meeting_together_and_training_each(base) -> None:  # type: ignore[no-untyped-def]
    ids = [a.id for a in base.agents]
    acts = [Activity("team meeting", 30, attendees=tuple(ids[:3]), together=True,
                     window=Window(9 * 60, 17 * 60)),
            Activity("training", 60, attendees=tuple(ids[3:5]))]
    r = place_activities(base, acts)
    sh = r.shifts
    meeting = [(row.agent, row.date, b) for row in sh.itertuples()
               for b in _blocks(row.activities) if b[2] == "team meeting"]
    assert len(meeting) == 3
    assert len({(d, b[0]) for _a, d, b in meeting}) == 1  # one common time
    assert meeting[0][2][0] >= "09:00" and meeting[0][2][1] <= "17:00"
    training = [(row.agent, b) for row in sh.itertuples() for b in _blocks(row.activities)
                if b[2] == "training"]
    assert sorted(a for a, _ in training) == sorted(ids[3:5])
    for row in sh.itertuples():
        for a, z, _n in _blocks(row.activities):
            start = pd.Timestamp(f"{row.date} {a}", tz=TZ)
            if start < row.start:
                start += pd.Timedelta(days=1)
            assert row.start <= start < row.end
            for ba, bz, _ in _blocks(row.breaks):  # never on a break
                assert z <= ba or bz <= a
    # coverage lost exactly 3 x 2 + 2 x 4 agent-intervals
    lost = base.coverage["scheduled"].sum() - r.coverage["scheduled"].sum()
    assert lost == pytest.approx(3 * 2 + 2 * 4)
    assert (r.coverage["under"] - r.coverage["over"]).to_numpy() == pytest.approx(
        (r.coverage["required"] - r.coverage["scheduled"]).to_numpy())


def test_meeting_goes_where_it_hurts_least(base) -> None:  # type: ignore[no-untyped-def]
    ids = tuple(a.id for a in base.agents[:2])
    r = place_activities(base, [Activity("1:1", 15, attendees=ids, together=True)])
    cells = [b for row in r.shifts.itertuples() for b in _blocks(row.activities)]
    assert len(cells) == 2
    # no other common 15-minute slot of both adds less under-coverage
    added = r.coverage["under"].sum() - base.coverage["under"].sum()
    assert added >= 0
    assert added <= 2  # at most both agents short for one interval


def test_unplaceable_activity_is_reported(base) -> None:  # type: ignore[no-untyped-def]
    r = place_activities(base, [Activity("night class", 60, window=Window(2 * 60, 4 * 60))])
    assert any("night class: placed for 0 of" in n for n in r.notes)


def test_bad_activity_config(tmp_path: Path) -> None:
    p = tmp_path / "c.toml"
    p.write_text("[contracts.x]\n[[activities]]\nname = 'm'\nduration_min = 'long'\n")
    with pytest.raises(InputError) as info:
        read_setup(p)
    assert info.value.field == "activities.m.duration_min"


# --- the optimiser against the greedy ------------------------------------------------------

def _pandas_cost(r, under_w: float = 40.0, over_w: float = 2.0) -> float:  # type: ignore[no-untyped-def]
    """Coverage cost recomputed from the shift rows' text alone (spans, breaks, activities)."""
    cov = r.coverage
    idx = pd.DatetimeIndex(cov["interval_start"])
    sched = pd.Series(0.0, index=idx)
    for row in r.shifts.itertuples():
        sched[(idx >= row.start) & (idx < row.end)] += 1
        for a, z, _n in _blocks(row.breaks) + _blocks(row.activities):
            s = pd.Timestamp(f"{row.date} {a}", tz=idx.tz)
            if s < row.start:
                s += pd.Timedelta(days=1)
            e = pd.Timestamp(f"{s.date()} {z}", tz=idx.tz)
            if e <= s:
                e += pd.Timedelta(days=1)
            sched[(idx >= s) & (idx < e)] -= 1
    req = pd.Series(cov["required"].to_numpy(dtype=float), index=idx)
    return float(under_w * (req - sched).clip(lower=0).sum()
                 + over_w * (sched - req).clip(lower=0).sum())


def _spans(row) -> list[tuple[pd.Timestamp, pd.Timestamp, str]]:  # type: ignore[no-untyped-def]
    out = []
    for kind in ("breaks", "activities"):
        for a, z, n in _blocks(getattr(row, kind)):
            s = pd.Timestamp(f"{row.date} {a}", tz=TZ)
            if s < row.start:
                s += pd.Timedelta(days=1)
            e = pd.Timestamp(f"{s.date()} {z}", tz=TZ)
            if e <= s:
                e += pd.Timedelta(days=1)
            out.append((s, e, f"{kind}:{n}"))
    return sorted(out)


def test_optimiser_no_worse_than_greedy_and_rules_hold(base, bundled) -> None:  # type: ignore[no-untyped-def]
    tpls, s, _people = bundled
    ids = [a.id for a in base.agents]
    acts = [Activity("training", 120, repeat="weekly", window=Window(8 * 60, 18 * 60)),
            Activity("team meeting", 30, attendees=tuple(ids[:4]), count=3, together=True,
                     window=Window(9 * 60, 17 * 60))]
    opts = AgentSolverOptions(time_limit_s=120, mip_rel_gap=0, threads=1,
                              extra={"mip_max_nodes": 2000})
    greedy = place_activities(base, acts, method="greedy", penalties=s.penalties)
    best = place_activities(base, acts, penalties=s.penalties, options=opts)
    g_cost, o_cost = _pandas_cost(greedy), _pandas_cost(best)
    assert o_cost <= g_cost + 1e-9
    assert best.activities["coverage_cost"] == pytest.approx(o_cost)
    assert greedy.activities["coverage_cost"] == pytest.approx(g_cost)
    assert best.activities["missed_intervals"] == 0
    # attendance: every agent 2 h of training once, the meeting 3 of the 4 at one time
    sh = best.shifts
    training = [row.agent for row in sh.itertuples() for b in _blocks(row.activities)
                if b[2] == "training"]
    assert sorted(training) == sorted(ids)
    meeting = [(row.agent, row.date, b[0]) for row in sh.itertuples()
               for b in _blocks(row.activities) if b[2] == "team meeting"]
    assert len(meeting) == 3 and {a for a, _d, _t in meeting} <= set(ids[:4])
    assert len({(d, t) for _a, d, t in meeting}) == 1
    by_tpl = {t.name: t for t in tpls}
    for row in sh.itertuples():
        spans = _spans(row)
        for (_s0, e0, _k0), (s1, _e1, _k1) in zip(spans, spans[1:], strict=False):
            assert e0 <= s1  # no activity on a break or on another activity
        for s0, e0, kind in spans:
            assert row.start <= s0 and e0 <= row.end
            if kind.startswith("activities"):
                assert s0.hour * 60 + s0.minute >= 8 * 60
        # re-optimised breaks stay inside their template windows
        rules = by_tpl[row.template].breaks
        got = [(s0, e0) for s0, e0, k in spans if k.startswith("breaks")]
        assert len(got) == len(rules)
        for (s0, e0), rule in zip(got, rules, strict=True):
            off = (s0 - row.start).total_seconds() / 60
            assert rule.earliest_offset_min <= off <= rule.latest_offset_min
            assert (e0 - s0).total_seconds() / 60 == rule.duration_min
    assert any("activities (optimise)" in line
               for line in best.penalty_report())


def _two_people(required: list[float], days: int = 1):  # type: ignore[no-untyped-def]
    """Two agents X, Y on 08:00-12:00 on each day, no breaks; ``required`` per interval from
    08:00 (0 elsewhere)."""
    from staffing.agents.domain import Agent, Contract
    from staffing.agents.schedule import AgentSchedule
    from staffing.roster import RosterStatus

    idx = pd.date_range("1999-03-01", periods=96 * days, freq="15min", tz=TZ)
    req = np.zeros(len(idx))
    for d in range(days):
        req[96 * d + 32:96 * d + 32 + len(required)] = required
    rows = [{"agent": a, "name": a, "date": day.date(), "start": day + pd.Timedelta(hours=8),
             "end": day + pd.Timedelta(hours=12), "template": "morning", "breaks": "",
             "paid_hours": 4.0, "skills": ""}
            for day in idx[::96] for a in ("X", "Y")]
    shifts = pd.DataFrame(rows)
    sched = np.zeros(len(idx))
    for d in range(days):
        sched[96 * d + 32:96 * d + 48] = 2
    cov = pd.DataFrame({"interval_start": idx, "required": req, "scheduled": sched,
                        "under": np.maximum(req - sched, 0), "over": np.maximum(sched - req, 0)})
    c = Contract("c")
    return AgentSchedule(status=RosterStatus.OPTIMAL, objective=0.0, bound=0.0, gap=0.0,
                         build_s=0.0, solve_s=0.0, shifts=shifts, coverage=cov, terms=[],
                         agents=[Agent("X", "X", c), Agent("Y", "Y", c)],
                         dates=sorted({t.date() for t in idx}))


def test_greedy_strictly_worse_case() -> None:
    # 08:00 needs nobody (2 spare), 08:15 needs one (1 spare), the rest of the shift both:
    # the greedy puts X's training in the most spare slot, 08:00, then the X+Y meeting can
    # only go to 08:15 and leaves it one short; the optimum swaps them (no one short).
    base = _two_people([0, 1] + [2] * 14)
    acts = [Activity("training", 15, attendees=("X",)),
            Activity("meeting", 15, attendees=("X", "Y"), together=True)]
    opts = AgentSolverOptions(time_limit_s=60, mip_rel_gap=0, threads=1)
    greedy = place_activities(base, acts, method="greedy")
    best = place_activities(base, acts, options=opts)
    assert _pandas_cost(greedy) == pytest.approx(40.0 + 2.0)  # one short at 08:15, one spare
    # at 08:00
    assert _pandas_cost(best) == pytest.approx(0.0)
    cells = dict(zip(best.shifts["agent"], best.shifts["activities"], strict=True))
    assert cells == {"X": "08:00-08:15 meeting; 08:15-08:30 training",
                     "Y": "08:00-08:15 meeting"}


def test_daily_repeat_and_missed_attendance_reported() -> None:
    base = _two_people([2] * 16, days=2)
    daily = place_activities(base, [Activity("huddle", 15, together=True, repeat="daily")],
                             options=AgentSolverOptions(time_limit_s=60, threads=1))
    per_day = daily.shifts.groupby("date")["activities"].apply(list)
    assert len(per_day) == 2
    for cells in per_day:
        assert len(set(cells)) == 1 and cells[0].endswith("huddle")  # together, every day
    # a 5-hour course fits nobody's 4-hour shift: reported, not dropped
    r = place_activities(base, [Activity("course", 300, attendees=("X",))],
                         options=AgentSolverOptions(time_limit_s=60, threads=1))
    assert any("course: placed for 0 of 1" in n for n in r.notes)
    assert r.activities["missed_intervals"] == 20


@pytest.mark.parametrize(("body", "field"), [
    ("name = 'm'\nduration_min = 30\nrepeat = 'monthly'", "activities.m.repeat"),
    ("name = 'm'\nduration_min = 30\ncount = 'x'", "activities.m.count"),
    ("name = 'm'\nduration_min = 30\nwindow = '25:00-26:00'", "activities.m.window"),
])
def test_bad_activity_fields(tmp_path: Path, body: str, field: str) -> None:
    p = tmp_path / "c.toml"
    p.write_text(f"[contracts.x]\n[[activities]]\n{body}\n")
    with pytest.raises(InputError) as info:
        read_setup(p)
    assert info.value.field == field


def test_unknown_attendees_noted_bad_method_refused() -> None:
    base = _two_people([2] * 16)
    r = place_activities(base, [Activity("m", 15, attendees=("Z", "W"))])
    assert "activity m: none of its attendees is scheduled" in r.notes
    with pytest.raises(InputError) as info:
        place_activities(base, [Activity("m", 15)], method="best")
    assert info.value.field == "activities.method"
    with pytest.raises(InputError) as info:
        place_activities(base, [Activity("m", 20)])
    assert info.value.field == "activities.m.duration_min"


def test_activities_see_the_requirement_per_skill() -> None:
    # X has voice, Y voice and internet, both on 08:00-12:00. 08:00 needs internet only,
    # 08:15 voice only, the rest one of each. On the total requirement 08:00 and 08:15 look the
    # same (2 on, 1 needed) and the greedy takes the first; per skill only 08:15 can spare Y.
    from staffing.agents.domain import Agent, Contract
    from staffing.agents.skill_cover import skill_coverage

    base = _two_people([1] * 16)
    idx = pd.DatetimeIndex(base.coverage["interval_start"])
    inet, voice = np.zeros(len(idx)), np.zeros(len(idx))
    inet[32:48], voice[32:48] = 1, 1
    voice[32], inet[33] = 0, 0
    by_skill = pd.DataFrame({"internet": inet, "voice": voice}, index=idx)
    c = Contract("c")
    people = [Agent("X", "X", c, skills={"voice": 1}),
              Agent("Y", "Y", c, skills={"voice": 1, "internet": 1})]
    cov = base.coverage.assign(required=inet + voice)
    base = dataclasses.replace(base, agents=people, coverage=cov, skill_required=by_skill,
                               skill_coverage=skill_coverage(base.shifts, by_skill, people))
    acts = [Activity("training", 15, attendees=("Y",))]
    greedy = place_activities(base, acts, method="greedy")
    best = place_activities(base, acts, options=AgentSolverOptions(time_limit_s=60, threads=1))
    assert greedy.shifts.set_index("agent").at["Y", "activities"] == "08:00-08:15 training"
    assert best.shifts.set_index("agent").at["Y", "activities"] == "08:15-08:30 training"
    assert greedy.skill_coverage["under"].sum() == pytest.approx(1.0)  # internet at 08:00
    assert best.skill_coverage["under"].sum() == pytest.approx(0.0)
    assert best.activities["coverage_cost"] < greedy.activities["coverage_cost"]
