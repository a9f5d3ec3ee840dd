"""Minimum rest between ANY two shifts of a person (not only consecutive days), and after any
day of a published history: a long night shift followed two days later by an early one."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from staffing.agents.domain import Agent, Contract
from staffing.agents.schedule import schedule_agents
from staffing.agents.solve import AgentSolverOptions
from staffing.roster import ShiftTemplate

TZ = "Europe/Berlin"
OPTS = AgentSolverOptions(time_limit_s=600, mip_rel_gap=0.0, threads=1)
NIGHT = ShiftTemplate(name="night", start_earliest=dt.time(20, 0), start_latest=dt.time(20, 0),
                      paid_hours=14.0)
EARLY = ShiftTemplate(name="early", start_earliest=dt.time(6, 0), start_latest=dt.time(6, 0),
                      paid_hours=8.0)


def _min_rest_h(shifts: pd.DataFrame) -> float:
    """Smallest gap between a shift's start and the end of any earlier shift (hours)."""
    s = shifts.sort_values("start")
    ends = s["end"].to_numpy()
    starts = s["start"].to_numpy()
    gaps = [(starts[i] - ends[:i].max()) / np.timedelta64(1, "h") for i in range(1, len(s))]
    return float(min(gaps, default=np.inf))


def test_rest_holds_two_days_apart() -> None:
    # 20:00-10:00 (d+1) then 06:00 on d+2 is 20 h of rest: refused with 24 h required
    person = Agent("N1", "Night", Contract("c", min_rest_hours=24, max_days_per_week=7,
                                           max_consecutive_days=7))
    idx = pd.date_range("2024-03-04", periods=3 * 24, freq="60min", tz=TZ)
    # demand exactly where a Monday night and a Wednesday early shift would cover it
    night = (idx >= pd.Timestamp("2024-03-04 20:00", tz=TZ)) & (
        idx < pd.Timestamp("2024-03-05 10:00", tz=TZ))
    early = (idx >= pd.Timestamp("2024-03-06 06:00", tz=TZ)) & (
        idx < pd.Timestamp("2024-03-06 14:00", tz=TZ))
    req = pd.Series(np.where(night | early, 1.0, 0.0), index=idx)
    res = schedule_agents(req, [NIGHT, EARLY], [person], options=OPTS, method="mip")
    assert res.objective is not None and len(res.shifts) == 1
    assert _min_rest_h(res.shifts) >= 24
    # the same person with 11 h of rest may work night, (nothing), early
    relaxed = Agent("N1", "Night", Contract("c", min_rest_hours=11, max_days_per_week=7,
                                            max_consecutive_days=7))
    res11 = schedule_agents(req, [NIGHT, EARLY], [relaxed], options=OPTS, method="mip")
    assert _min_rest_h(res11.shifts) >= 11 and len(res11.shifts) == 2  # 20 h >= 11 h
    assert res11.objective is not None and res11.objective < res.objective


def test_rest_after_a_history_shift_two_days_back() -> None:
    person = Agent("N1", "Night", Contract("c", min_rest_hours=24, max_days_per_week=7,
                                           max_consecutive_days=7))
    idx = pd.date_range("2024-03-04", periods=2 * 24, freq="60min", tz=TZ)
    monday_early = (idx >= pd.Timestamp("2024-03-04 06:00", tz=TZ)) & (
        idx < pd.Timestamp("2024-03-04 14:00", tz=TZ))
    req = pd.Series(np.where(monday_early, 1.0, 0.0), index=idx)
    start = pd.Timestamp("2024-03-02 20:00", tz=TZ)  # Saturday night, ends Sunday 10:00
    prev = pd.DataFrame({"agent": ["N1"], "date": [dt.date(2024, 3, 2)], "start": [start],
                         "end": [start + pd.Timedelta(hours=14)]})
    res = schedule_agents(req, [NIGHT, EARLY], [person], options=OPTS, method="mip",
                          previous=prev)
    both = pd.concat([prev, res.shifts[["agent", "date", "start", "end"]]])
    assert _min_rest_h(both) >= 24  # no Monday 06:00 early (20 h after Sunday 10:00)
    assert res.objective is not None and not len(res.shifts)
