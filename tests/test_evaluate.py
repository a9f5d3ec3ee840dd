"""Predicted service of a roster's coverage (Erlang C / A), aggregates and misses."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from staffing.erlang import asa, erlang_a_metrics, occupancy, service_level
from staffing.evaluate import evaluate
from staffing.exceptions import InputError
from staffing.requirements import ServiceGoals

TZ = "Asia/Jerusalem"


@pytest.fixture()
def frame():
    idx = pd.date_range("1999-03-01", periods=8, freq="30min", tz=TZ, name="interval_start")
    calls = np.array([0.0, 10.0, 40.0, 80.0, 60.0, 30.0, 5.0, 0.0])
    return pd.DataFrame({"calls": calls, "aht_s": 200.0}, index=idx)


def test_erlang_c_per_interval_and_week(frame):
    sched = pd.Series([0, 3, 7, 12, 8, 5, 1, 0], index=frame.index, dtype=float)
    goals = ServiceGoals(service_level=0.8, answer_s=20, shrinkage=0.2)
    ev = evaluate(frame, sched, goals)
    net = sched.to_numpy() * 0.8
    calls = frame["calls"].to_numpy()
    sl = np.where(calls > 0, service_level(calls, 200.0, net, 20, 1800), 1.0)
    np.testing.assert_allclose(ev.intervals["service_level"], sl)
    np.testing.assert_allclose(ev.intervals["agents_on_phone"], net)
    w = np.where(calls > 0, asa(calls, 200.0, net, 1800), 0.0)
    np.testing.assert_allclose(ev.intervals["asa_s"], w)
    occ = np.where(calls > 0, occupancy(calls, 200.0, net, 1800), 0.0)
    np.testing.assert_allclose(ev.intervals["occupancy"], occ)
    assert ev.model == "erlang_c"
    # weekly SL is calls-weighted
    assert ev.week["service_level"] == pytest.approx((sl * calls).sum() / calls.sum())
    assert ev.week["occupancy"] == pytest.approx((occ * net).sum() / net.sum())
    assert ev.week["calls"] == pytest.approx(calls.sum())
    # misses: intervals with calls whose SL is under 0.8
    expected = frame.index[(calls > 0) & (sl < 0.8)]
    assert list(ev.misses.index) == list(expected)
    assert ev.week["intervals_missed"] == len(expected)
    assert (ev.misses["reason"].str.contains("service_level")).all()


def test_erlang_a_with_patience(frame):
    sched = np.array([0, 3, 7, 12, 8, 5, 1, 0], dtype=float)
    goals = ServiceGoals(service_level=0.8, answer_s=20, patience_s=120.0, abandon_rate=0.05)
    ev = evaluate(frame, sched, goals)
    calls = frame["calls"].to_numpy()
    m = erlang_a_metrics(calls, 200.0, sched, 1800, 120.0, 20)
    has = calls > 0
    np.testing.assert_allclose(ev.intervals["service_level"][has], m.service_level[has])
    np.testing.assert_allclose(ev.intervals["abandon_rate"][has], m.abandon_rate[has])
    assert ev.model == "erlang_a"
    answered = calls * (1 - ev.intervals["abandon_rate"].to_numpy())
    assert ev.week["asa_s"] == pytest.approx(
        (ev.intervals["asa_s"].to_numpy() * answered).sum() / answered.sum())


def test_per_day_aggregates_by_local_date():
    idx = pd.date_range("1999-03-01", periods=96 * 2, freq="15min", tz=TZ, name="interval_start")
    f = pd.DataFrame({"calls": 10.0, "aht_s": 180.0}, index=idx)
    ev = evaluate(f, np.full(len(idx), 4.0), ServiceGoals())
    assert list(ev.days.index.astype(str)) == ["1999-03-01", "1999-03-02"]
    assert ev.days["calls"].sum() == pytest.approx(10.0 * len(idx))
    assert ev.days["agent_hours_on_phone"].iloc[0] == pytest.approx(4.0 * 24)


def test_no_capacity_gives_infinite_asa(frame):
    ev = evaluate(frame, np.zeros(len(frame)), ServiceGoals())
    assert ev.week["service_level"] == 0.0
    assert ev.week["asa_s"] == float("inf")
    assert ev.summary()["asa_s"] is None


def test_goal_checks_asa_and_occupancy(frame):
    goals = ServiceGoals(service_level=None, asa_s=10.0, max_occupancy=0.7)
    ev = evaluate(frame, np.array([0, 3, 7, 12, 8, 5, 1, 0], float), goals)
    assert ev.misses["reason"].str.contains("asa_s|occupancy").all()


def test_bad_inputs(frame):
    with pytest.raises(InputError, match="scheduled"):
        evaluate(frame, pd.Series([1.0], index=frame.index[:1]), ServiceGoals())
    with pytest.raises(InputError, match="scheduled"):
        evaluate(frame, np.ones(3), ServiceGoals())
    with pytest.raises(InputError, match="goals"):
        evaluate(frame, np.ones(len(frame)), {"service_level": 0.8})


def test_dst_day_and_heatmap(tmp_path):
    from staffing.report import plot_heatmap, staffing_matrix

    start = pd.Timestamp("2024-10-26", tz=TZ)
    idx = pd.date_range(start, pd.Timestamp("2024-10-28", tz=TZ), freq="15min",
                        inclusive="left", name="interval_start")
    assert len(idx) == 96 + 100  # Sat normal, Sun 27 Oct falls back
    f = pd.DataFrame({"calls": 8.0, "aht_s": 180.0}, index=idx)
    ev = evaluate(f, np.full(len(idx), 3.0), ServiceGoals())
    assert ev.days["calls"].iloc[1] == pytest.approx(8.0 * 100)
    cov = pd.DataFrame({"required": 3, "scheduled": 2}, index=idx)
    m = staffing_matrix(cov)
    assert m.shape == (2, 96)
    assert m.loc[m.index[1]].min() == -2  # the repeated hour is summed
    assert plot_heatmap(cov, tmp_path / "h.png").stat().st_size > 0


def test_accepts_a_coverage_frame(frame):
    cov = pd.DataFrame({"interval_start": frame.index, "required": 3,
                        "scheduled": [0, 3, 7, 12, 8, 5, 1, 0]})
    a = evaluate(frame, cov, ServiceGoals())
    b = evaluate(frame, cov.set_index("interval_start")["scheduled"].astype(float),
                 ServiceGoals())
    pd.testing.assert_frame_equal(a.intervals, b.intervals)
    with pytest.raises(InputError, match="scheduled"):
        evaluate(frame, cov.drop(columns="scheduled"), ServiceGoals())
