"""Decomposition (pooled roster -> assignment to named people -> breaks): the pooled model's
bound is a valid lower bound, the schedule keeps every hard rule (re-checked from the shifts),
the week-by-week assignment continues across the week boundary."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from staffing.agents.decompose import pooled_bound
from staffing.agents.schedule import build_agents_model, schedule_agents
from staffing.agents.solve import AgentSolverOptions
from staffing.roster import RosterStatus

TZ = "Asia/Jerusalem"
# a gap stop: the assertions use proven bounds (bound <= optimum <= any schedule), so they
# need no optimal solve
EXACT = AgentSolverOptions(time_limit_s=600, mip_rel_gap=0.01, threads=1,
                           extra={"mip_max_nodes": 200})


def _required(days: int) -> pd.Series:
    idx = pd.date_range("1999-03-01", periods=days * 96, freq="15min", tz=TZ)
    h = idx.hour.to_numpy()
    return pd.Series(np.where((h >= 8) & (h < 12), 2.0, np.where((h >= 12) & (h < 22), 1.0,
                                                                   0.0)), index=idx)


def _check_rules(res: Any) -> None:
    """Hard rules recomputed from the shifts frame with plain pandas."""
    s = res.shifts
    assert s.groupby(["agent", "date"]).size().max() == 1
    by_id = {a.id: a for a in res.agents}
    for agent, g in s.sort_values("start").groupby("agent"):
        c = by_id[agent].contract
        rest = (g["start"].iloc[1:].to_numpy() - g["end"].iloc[:-1].to_numpy())
        assert all(r >= np.timedelta64(int(c.min_rest_hours * 60), "m") for r in rest)
        if c.templates is not None:
            assert set(g["template"]) <= set(c.templates)
        for w in range(0, len(res.dates), 7):
            week = res.dates[w:w + 7]
            hours = g[g["date"].isin(week)]["paid_hours"].sum()
            if c.max_week_hours is not None:
                assert hours <= c.max_week_hours + 1e-9
            assert hours >= c.min_week_hours * len(week) // 7 - 1e-9
            if c.max_days_per_week is not None:
                assert g["date"].isin(week).sum() <= c.max_days_per_week


def test_pooled_bound_is_below_the_named_optimum(bundled: Any) -> None:
    tpls, s, people = bundled
    agents = [people[0], people[14], people[16]]
    req = _required(3)
    exact = schedule_agents(req, tpls, agents, penalties=s.penalties, options=EXACT,
                            weekend_days=s.weekend_days, method="mip")
    assert exact.objective is not None and exact.bound is not None
    am = build_agents_model(req, tpls, agents, penalties=s.penalties,
                            weekend_days=s.weekend_days)
    pooled = pooled_bound(am, s.penalties, EXACT)
    assert pooled.bound is not None
    assert pooled.bound <= exact.objective + 1e-6  # a lower bound of the named problem
    dec = schedule_agents(req, tpls, agents, penalties=s.penalties, options=EXACT,
                          weekend_days=s.weekend_days, method="decompose")
    assert dec.objective is not None and dec.bound is not None
    assert dec.bound <= exact.objective + 1e-6
    assert dec.objective >= exact.bound - 1e-6  # a feasible named schedule
    assert dec.gap == pytest.approx((dec.objective - dec.bound) / dec.objective)
    _check_rules(dec)
    # the objective is the true one: coverage recomputed from the shifts matches the terms
    under = sum(t.count for t in dec.terms if t.family == "cover_under")
    assert under == pytest.approx(dec.coverage["under"].sum())
    assert any("proven lower bound" in n for n in dec.notes)


def test_week_by_week_assignment_keeps_rules_across_weeks(bundled: Any) -> None:
    tpls, s, people = bundled
    agents = [people[0], people[1], people[14]]
    req = _required(14)
    dec = schedule_agents(req, tpls, agents, penalties=s.penalties,
                          options=EXACT,
                          weekend_days=s.weekend_days, method="decompose")
    assert dec.status in (RosterStatus.OPTIMAL, RosterStatus.FEASIBLE)
    assert any("week by week: 2 weeks" in n for n in dec.notes)
    assert set(dec.shifts["date"]) & set(dec.dates[7:])  # the second week is scheduled
    _check_rules(dec)  # rest across the boundary between the two weeks included
    am = build_agents_model(req, tpls, agents, penalties=s.penalties,
                            weekend_days=s.weekend_days)
    assert dec.bound is not None
    pooled = pooled_bound(am, s.penalties, EXACT)
    assert pooled.run.objective is not None and dec.objective is not None
    assert pooled.run.bound is not None
    assert dec.bound <= dec.objective + 1e-6


def test_auto_method_keeps_the_mip_for_small_models(bundled: Any) -> None:
    tpls, s, people = bundled
    res = schedule_agents(_required(1), tpls, [people[0]], penalties=s.penalties,
                          options=EXACT, weekend_days=s.weekend_days)
    assert not any("decomposition" in n for n in res.notes)
    with pytest.raises(Exception, match="method"):
        schedule_agents(_required(1), tpls, [people[0]], method="fast")
