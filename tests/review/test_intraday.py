"""Intraday re-forecast: shrinkage formula, rest-of-day risk, replay of real calls."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from staffing.cli import app
from staffing.exceptions import InputError
from staffing.requirements import ServiceGoals
from staffing.review import ServiceDefinition, actuals_from_log, aggregate
from staffing.review.intraday import intraday, reforecast
from staffing.review.replay import replay
from tests.conftest import DATA, TZ
from tests.review.conftest import seasonal_plan, write_plan_dir

GOALS = ServiceGoals(service_level=0.8, answer_s=20, shrinkage=0.25, patience_s=345.0)


def test_reforecast_shrinks_toward_the_plan():
    plan = np.array([10.0, 10, 10, 10])
    actual = np.array([20.0, 20, np.nan, np.nan])
    elapsed = np.array([True, True, False, False])
    fc, r = reforecast(plan, actual, elapsed, prior_calls=0)
    assert r == 2 and fc[2:].tolist() == [20, 20] and fc[:2].tolist() == [10, 10]
    fc, r = reforecast(plan, actual, elapsed, prior_calls=20)  # (40 + 20) / (20 + 20)
    assert r == pytest.approx(1.5)
    _, r = reforecast(plan, actual, elapsed, prior_calls=1e9)
    assert r == pytest.approx(1.0)
    _, r = reforecast(plan, actual, np.zeros(4, bool), prior_calls=0)  # nothing seen yet
    assert r == 1.0
    with pytest.raises(InputError, match="prior_calls"):
        reforecast(plan, actual, elapsed, prior_calls=-1)


@pytest.fixture(scope="module")
def plan(call_log):
    """Seasonal-naive plan for the last bundled week (week 3's calls), staffed to Erlang A."""
    f, sched = seasonal_plan(call_log, GOALS)
    return f[["calls", "aht_s"]], sched


def test_intraday_on_a_real_day(call_log, plan):
    f, sched = plan
    now = pd.Timestamp("1999-02-23 12:00", tz=TZ)
    h = call_log.to_intervals("15min")
    res = intraday(f, sched, h, now, GOALS)
    day = h.loc["1999-02-23"]
    before = day.index < now
    assert res.observed == day.loc[before, "calls"].sum()
    assert res.expected == pytest.approx(f.loc["1999-02-23"].loc[before, "calls"].sum())
    assert res.ratio == pytest.approx((res.observed + 100) / (res.expected + 100))
    rest = res.rest
    assert rest.index[0] == now and len(rest) == 48
    np.testing.assert_allclose(rest["calls"], rest["plan_calls"] * res.ratio)
    # at risk = predicted below the goal; agents short = requirement - scheduled
    assert (res.at_risk["service_level"] < 0.8).all()
    np.testing.assert_allclose(rest["agents_short"], rest["agents_required"] - rest["scheduled"])
    assert rest.loc[rest["agents_short"] >= 1, "at_risk"].any() or res.at_risk.empty
    # scaling demand up raises the risk
    more = h.copy()
    more["calls"] = more["calls"] * 2
    worse = intraday(f, sched, more, now, GOALS)
    assert worse.ratio > res.ratio and len(worse.at_risk) > len(res.at_risk)
    assert worse.summary()["agent_intervals_short"] > res.summary()["agent_intervals_short"]
    with pytest.raises(InputError, match="now"):
        intraday(f, sched, h, "1999-04-01 12:00", GOALS)


def test_replay_uses_real_arrivals(call_log, plan):
    f, sched = plan
    log = call_log.with_definitions(wrap_s=20)
    rp = replay(log, sched, shrinkage=0.25, answer_s=20, patience_s=345.0)
    act = actuals_from_log(log, "15min", start="1999-02-22", days=7)
    assert rp.period["offered"] == act["offered"].sum()
    assert (rp.intervals["answered"] + rp.intervals["abandoned"] == rp.intervals["offered"]).all()
    # no agents: every call abandons; many agents: everyone is answered at once
    none = replay(log, sched * 0, answer_s=20, patience_s=345.0)
    assert none.period["answered"] == 0
    lots = replay(log, sched * 0 + 200, answer_s=20, patience_s=345.0)
    assert lots.period["service_level"] == 1.0 and lots.period["asa_s"] == 0
    # the replay of the same roster is deterministic for a seed
    again = replay(log, sched, shrinkage=0.25, answer_s=20, patience_s=345.0)
    assert again.period == rp.period
    real = aggregate(act, ServiceDefinition(), by="period").iloc[0]
    assert rp.period["service_level"] > real["service_level"]  # the plan staffs more


def test_cli_intraday(call_log, tmp_path):
    d = write_plan_dir(call_log, GOALS, tmp_path / "plan")
    res = CliRunner().invoke(app, ["intraday", "-c", str(DATA / "plan.toml"), "--plan", str(d),
                                   "--now", "1999-02-23 12:00", "--out", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    assert "466 calls so far" in res.output
    assert (tmp_path / "o" / "intraday.csv").is_file()
    bad = CliRunner().invoke(app, ["intraday", "-c", str(DATA / "plan.toml"), "--plan", str(d),
                                   "--now", "someday"])
    assert bad.exit_code == 2 and "--now" in bad.output
