"""Plan vs actual on the bundled last week: accuracy, scheduled vs staffed, causes, files."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from staffing.requirements import ServiceGoals, compute_requirements
from staffing.review import (
    PlanInputs,
    ServiceDefinition,
    actuals_from_log,
    read_accuracy_log,
    review,
    update_accuracy_log,
)
from tests.conftest import TZ
from tests.review.conftest import seasonal_plan

GOALS = ServiceGoals(service_level=0.8, answer_s=20, shrinkage=0.25, patience_s=345.0)
WEEK3 = slice("1999-02-15", "1999-02-21")
WEEK4 = slice("1999-02-22", "1999-02-28")


@pytest.fixture(scope="module")
def log(call_log):
    return call_log.with_definitions(wrap_s=23.0)


@pytest.fixture(scope="module")
def plan(log) -> PlanInputs:
    """A seasonal-naive plan for week 4: week 3's calls and AHT, staffed to Erlang A."""
    f, sched = seasonal_plan(log, GOALS)
    return PlanInputs(forecast=f, coverage=pd.DataFrame({"scheduled": sched, "required": sched}))


@pytest.fixture(scope="module")
def result(log, plan):
    return review(log, goals=GOALS, plan=plan)


def test_period_is_the_plans_week(result):
    assert str(result.days.index[0]) == "1999-02-22" and len(result.days) == 7
    assert len(result.intervals) == 7 * 96


def test_accuracy_matches_plain_count(result, plan, log):
    h = log.to_intervals("15min").loc[WEEK4]
    f = plan.forecast
    err = h["calls"].to_numpy() - f["calls"].to_numpy()
    p = result.period
    assert p["wape"] == pytest.approx(np.abs(err).sum() / h["calls"].sum())
    assert p["bias"] == pytest.approx((f["calls"].sum() - h["calls"].sum()) / h["calls"].sum())
    day = result.days.iloc[1]  # Tuesday
    tue = h.index.day_of_week == 1
    assert day["wape"] == pytest.approx(np.abs(err[tue]).sum() / h["calls"][tue].sum())
    busy = (h["calls"].to_numpy() > 0) | (f["calls"].to_numpy() > 0)
    inside = (h["calls"].to_numpy() >= f["calls_lower"].to_numpy()) & (
        h["calls"].to_numpy() <= f["calls_upper"].to_numpy())
    assert p["band_coverage"] == pytest.approx(inside[busy].mean())
    assert set(result.time_of_day.columns) >= {"bias", "wape"}
    assert len(result.time_of_day) == 96


def test_scheduled_vs_staffed(result, plan):
    p = result.period
    assert p["scheduled_hours"] == pytest.approx(plan.coverage["scheduled"].sum() / 4)
    assert p["planned_net_hours"] == pytest.approx(p["scheduled_hours"] * 0.75)
    assert 0 < p["staffed_hours"] < p["scheduled_hours"]
    assert 0 < p["share_met"] < p["share_predicted_met"] <= 1


def test_every_miss_has_a_cause_with_numbers(result):
    m = result.misses
    assert len(m) > 50
    assert (m["cause"] != "").all()
    assert m["cause_detail"].str.contains("calls .* vs .* forecast").all()
    # the four losses add up to predicted minus realised SL
    total = m[["loss_calls", "loss_aht", "loss_staffing", "loss_model"]].sum(axis=1)
    np.testing.assert_allclose(total, m["sl_plan"] - m["service_level"], atol=1e-9)


def test_causes_follow_the_inputs(log, plan):
    a = actuals_from_log(log, "15min", start="1999-02-22", days=7)
    # a perfect forecast with the bank's own staffing: the Erlang model at the actual inputs
    # predicts a miss (the bank was understaffed) or, when it does not, the model is at fault
    f = pd.DataFrame({"calls": a["offered"], "aht_s": a["aht_s"].fillna(200.0)})
    cov = pd.DataFrame({"scheduled": a["agents_staffed"].fillna(0) / 0.75})
    r = review(log, goals=GOALS, plan=PlanInputs(f, cov))
    assert set(r.misses["cause"]) == {"queueing model", "plan predicted a miss"}
    m = r.misses
    planned_miss = m["sl_plan"] < 0.8
    assert (m.loc[planned_miss, "cause"] == "plan predicted a miss").all()
    np.testing.assert_allclose(m[["loss_calls", "loss_aht", "loss_staffing"]], 0, atol=1e-6)
    # half the calls forecast and staffed for: the calls explain most misses
    half = f.assign(calls=f["calls"] / 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        req = compute_requirements(half, GOALS, freq="15min")
    cov2 = pd.DataFrame({"scheduled": req["agents_required"].astype(float)})
    r2 = review(log, goals=GOALS, plan=PlanInputs(half, cov2))
    counts = r2.misses["cause"].value_counts()
    assert counts.index[0] in ("calls above forecast", "staffed below plan")
    assert counts.get("calls above forecast", 0) > 0.2 * len(r2.misses)


def test_write_report_and_accuracy_log(result, tmp_path):
    paths = result.write(tmp_path / "rev")
    for name in ("intervals.csv", "days.csv", "weeks.csv", "misses.csv", "time_of_day.csv",
                 "summary.json", "review.xlsx", "review.png"):
        assert paths[name].is_file() and paths[name].stat().st_size > 0
    s = json.loads(paths["summary.json"].read_text())
    assert "answered within 20 s" in s["definition"]
    assert s["intervals_missed"] == len(result.misses)
    path = tmp_path / "accuracy.csv"
    update_accuracy_log(path, result)
    log2 = update_accuracy_log(path, result)  # the same week again: replaced, not duplicated
    assert log2["week"].tolist() == ["1999-02-22"]
    back = read_accuracy_log(path)
    assert back.loc[0, "wape"] == pytest.approx(result.period["wape"])


def test_interval_actuals_without_per_call_data(history_15min, plan):
    r = review(history_15min, goals=GOALS, plan=plan,
               definition=ServiceDefinition(answer_s=20))
    p = r.period
    h = history_15min.loc[WEEK4]
    assert p["offered"] == h["calls"].sum()
    assert p["abandon_rate"] == pytest.approx(h["abandoned"].sum() / h["calls"].sum())
    assert np.isnan(p["service_level"]) and np.isnan(p["agents_staffed"])
    assert p["wape"] > 0
    assert str(pd.Timestamp(r.intervals.index[0]).tz) == TZ
