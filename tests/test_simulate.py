"""Discrete-event simulation: agreement with Erlang C/A, boundaries, determinism, speed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from staffing.erlang import asa, erlang_a_metrics, service_level
from staffing.exceptions import InputError
from staffing.simulate import SimulationOptions, simulate

TZ = "Asia/Jerusalem"


def _steady(calls: float, aht_s: float, n: int, periods: int = 672, freq: str = "15min"):
    idx = pd.date_range("2024-01-01", periods=periods, freq=freq, tz=TZ, name="interval_start")
    return pd.DataFrame({"calls": calls, "aht_s": aht_s}, index=idx), np.full(periods, float(n))


def test_steady_state_matches_erlang_c_within_ci():
    f, agents = _steady(40.0, 180.0, 10)
    opts = SimulationOptions(replications=10, seed=7, handle_times="exponential")
    r = simulate(f, agents, answer_s=20, options=opts)
    sl = float(service_level(40, 180, 10, 20, 900))
    w = float(asa(40, 180, 10, 900))
    # the CI is across replications; allow a small steady-state bias from the empty start
    assert r.week["service_level_low"] - 0.005 <= sl <= r.week["service_level_high"] + 0.005
    assert r.week["asa_s_low"] - 1.0 <= w <= r.week["asa_s_high"] + 1.0
    assert r.week["abandon_rate"] == 0.0
    assert r.handle_times == "exponential"


def test_steady_state_matches_erlang_a_within_ci():
    f, agents = _steady(40.0, 180.0, 9)
    opts = SimulationOptions(replications=10, seed=3, handle_times="exponential")
    r = simulate(f, agents, answer_s=20, patience_s=60.0, options=opts)
    m = erlang_a_metrics(40, 180, 9, 900, 60.0, 20)
    assert r.week["service_level_low"] - 0.005 <= float(m.service_level) <= (
        r.week["service_level_high"] + 0.005)
    assert r.week["abandon_rate_low"] - 0.003 <= float(m.abandon_rate) <= (
        r.week["abandon_rate_high"] + 0.003)


def test_same_seed_same_result_and_different_seed_differs():
    f, agents = _steady(20.0, 200.0, 6, periods=96)
    a = simulate(f, agents, options=SimulationOptions(replications=3, seed=11,
                                                      handle_times="exponential"))
    b = simulate(f, agents, options=SimulationOptions(replications=3, seed=11,
                                                      handle_times="exponential"))
    c = simulate(f, agents, options=SimulationOptions(replications=3, seed=12,
                                                      handle_times="exponential"))
    pd.testing.assert_frame_equal(a.intervals, b.intervals)
    assert a.week != c.week


def test_no_agents_after_horizon_leaves_queued_calls_unanswered():
    idx = pd.date_range("2024-01-01", periods=2, freq="15min", tz=TZ, name="interval_start")
    f = pd.DataFrame({"calls": [0.0, 50.0], "aht_s": [300.0, 300.0]}, index=idx)
    r = simulate(f, [5.0, 0.0], options=SimulationOptions(replications=4, seed=1,
                                                          handle_times="exponential"))
    # nobody on duty in the second interval: every call is offered and none answered
    assert r.week["answered"] == 0
    assert r.week["unanswered"] == r.week["offered"] > 0
    assert r.week["service_level"] == 0.0


def test_leaving_agents_finish_their_calls():
    # one agent in interval 0, none after: a call taken before the boundary is completed
    # (answered), later ones are not; with patience they abandon instead
    idx = pd.date_range("2024-01-01", periods=2, freq="15min", tz=TZ, name="interval_start")
    f = pd.DataFrame({"calls": [3.0, 3.0], "aht_s": [2000.0, 2000.0]}, index=idx)
    r = simulate(f, [1.0, 0.0], patience_s=30.0, handle_s=[2000.0],  # constant handle time
                 options=SimulationOptions(replications=50, seed=5))
    reps = r.replications
    # the agent takes one call and keeps it past the boundary; nobody else is answered
    assert (reps["answered"] <= 1).all() and reps["answered"].sum() > 0
    assert (reps["answered"] + reps["abandoned"] == reps["offered"]).all()
    assert r.intervals["offered"].iloc[1] > 0
    assert r.intervals["service_level"].iloc[1] == 0.0


@pytest.mark.parametrize("pool", [[300.0, 300.0, 300.0], [100.0, 500.0, 0.0, -5.0, np.nan]])
def test_empirical_handle_times_are_rescaled_to_aht(pool):
    """One agent, Poisson arrivals, handle times resampled from ``pool`` and rescaled to the
    interval's AHT of 150 s: the mean wait is Pollaczek-Khinchine's M/G/1 value
    W = lambda E[S^2] / (2 (1 - rho)) with E[S^2] = AHT^2 E[p^2] / E[p]^2 over the valid pool
    (37.5 s for a constant pool, 54.2 s for {100, 500}). Unscaled 300 s handle times would give
    300 s; exponential ones 75 s."""
    f, agents = _steady(2.0, 150.0, 1, periods=2000)
    r = simulate(f, agents, handle_s=pool,
                 options=SimulationOptions(replications=10, seed=5, handle_times="empirical"))
    assert r.handle_times == "empirical" and not r.notes
    valid = np.array([p for p in pool if np.isfinite(p) and p > 0])  # invalid ones ignored
    lam, aht = 2.0 / 900, 150.0
    rho = lam * aht
    pk = lam * aht**2 * np.mean(valid**2) / np.mean(valid) ** 2 / (2 * (1 - rho))
    assert r.week["asa_s_low"] - 1.0 <= pk <= r.week["asa_s_high"] + 1.0
    r2 = simulate(f, agents, options=SimulationOptions(replications=2, seed=2))
    assert r2.handle_times == "exponential" and r2.notes  # no data: falls back, says so


def test_fractional_agents_staffed_on_average():
    f, _ = _steady(30.0, 180.0, 0, periods=400)
    r = simulate(f, np.full(400, 7.5), options=SimulationOptions(
        replications=5, seed=9, handle_times="exponential"))
    lo = float(service_level(30, 180, 7, 20, 900))
    hi = float(service_level(30, 180, 8, 20, 900))
    assert lo < r.week["service_level"] < hi


def test_days_table_and_ci_columns():
    f, agents = _steady(20.0, 180.0, 6, periods=96 * 2)
    r = simulate(f, agents, options=SimulationOptions(replications=4, seed=1,
                                                      handle_times="exponential"))
    assert len(r.days) == 2
    for name in ("service_level", "asa_s", "abandon_rate"):
        assert {name, f"{name}_low", f"{name}_high"} <= set(r.intervals.columns)
        assert (r.days[f"{name}_low"] <= r.days[name] + 1e-12).all()
    s = r.summary()
    assert s["replications"] == 4 and 0 <= s["service_level"] <= 1
    # few replications per interval: t-bounds are clipped to what the metric can be
    for name in ("service_level", "abandon_rate"):
        lo, hi = r.intervals[f"{name}_low"].dropna(), r.intervals[f"{name}_high"].dropna()
        assert (lo >= 0).all() and (hi <= 1).all()
    assert (r.intervals["asa_s_low"].dropna() >= 0).all()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"replications": 0}, "simulation.replications"),
        ({"seed": -1}, "simulation.seed"),
        ({"handle_times": "gamma"}, "simulation.handle_times"),
        ({"confidence": 1.5}, "simulation.confidence"),
    ],
)
def test_bad_options(kwargs, field):
    with pytest.raises(InputError) as exc:
        SimulationOptions(**kwargs)
    assert exc.value.field == field


def test_bad_inputs():
    f, agents = _steady(10.0, 180.0, 3, periods=8)
    with pytest.raises(InputError, match="agents"):
        simulate(f, agents[:-1])
    with pytest.raises(InputError, match="patience_s"):
        simulate(f, agents, patience_s=0.0)
    g = f.copy()
    g.loc[g.index[2], "aht_s"] = np.nan
    with pytest.raises(InputError, match="aht_s"):
        simulate(g, agents)
    with pytest.raises(InputError, match="interval_start"):
        simulate(f.drop(f.index[3]), np.delete(agents, 3))


def test_bundled_week_with_real_handle_times(call_log):
    hist = call_log.to_intervals("15min")
    week = hist.loc["1999-02-14":"1999-02-20", ["calls", "aht_s"]].copy()
    week["calls"] = week["calls"].astype(float)
    week["aht_s"] = week["aht_s"].fillna(180.0)
    agents = np.ceil(week["calls"] * week["aht_s"] / 900 + 2 * (week["calls"] > 0))
    served = call_log.calls.loc[call_log.calls["outcome"] == "served", "handle_s"]
    r = simulate(week, agents, patience_s=300.0, handle_s=served,
                 options=SimulationOptions(replications=10, seed=0))
    # offered calls: Poisson around the week's 8,000-odd calls (10 replications: +-0.5 %)
    assert r.week["offered"] == pytest.approx(week["calls"].sum(), rel=0.01)
    assert r.handle_times == "empirical"
    # against Erlang A per interval with the same agents and patience: the real handle-time
    # distribution (more spread than exponential) differs, but by little over the week
    m = erlang_a_metrics(week["calls"].to_numpy(), week["aht_s"].to_numpy(),
                         agents.to_numpy(), 900, 300.0, 20)
    w = week["calls"].to_numpy()
    predicted = float(np.sum(w * np.asarray(m.service_level)) / w.sum())
    assert abs(r.week["service_level"] - predicted) < 0.02
    assert r.week["service_level_low"] <= r.week["service_level"] <= r.week["service_level_high"]
    assert 0 < r.week["abandon_rate"] < 0.2
    assert len(r.days) == 7 and r.days["offered"].sum() == pytest.approx(r.week["offered"])


def test_dst_week_has_92_and_100_interval_days():
    # Israel 2024: clocks go forward on Fri 29 Mar and back on Sun 27 Oct
    for start, short_or_long in (("2024-03-25", 92), ("2024-10-21", 100)):
        idx = pd.date_range(pd.Timestamp(start, tz=TZ), pd.Timestamp(start, tz=TZ)
                            + pd.Timedelta(days=8), freq="15min", inclusive="left",
                            name="interval_start")
        idx = idx[idx < pd.Timestamp(pd.Timestamp(start) + pd.Timedelta(days=7)).tz_localize(TZ)]
        f = pd.DataFrame({"calls": 12.0, "aht_s": 180.0}, index=idx)
        r = simulate(f, np.full(len(idx), 5.0), options=SimulationOptions(
            replications=2, seed=0, handle_times="exponential"))
        assert len(r.days) == 7
        sizes = pd.Series(idx.tz_convert(TZ).date).value_counts()
        assert short_or_long in set(sizes)
        assert r.days["offered"].sum() == pytest.approx(r.week["offered"])
