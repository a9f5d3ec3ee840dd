"""Erlang A (M/M/n+M): closed forms vs a brute-force chain and a discrete-event simulation."""

from __future__ import annotations

import heapq

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from staffing.erlang import (
    asa,
    erlang_a_metrics,
    p_wait,
    required_agents,
    required_agents_erlang_a,
    required_agents_fractional,
    service_level,
)
from staffing.exceptions import GoalUnreachableWarning, InputError


def chain(calls, aht_s, n, interval_s, patience_s, m_max=4000):
    """Stationary M/M/n+M birth-death chain, truncated: (P(wait), P(abandon))."""
    lam, mu, th = calls / interval_s, 1 / aht_s, 1 / patience_s
    j = np.arange(1, n + m_max + 1)
    down = np.minimum(j, n) * mu + np.maximum(j - n, 0) * th
    logp = np.concatenate([[0.0], np.cumsum(np.log(lam) - np.log(down))])
    p = np.exp(logp - logp.max())
    p /= p.sum()
    queue = np.maximum(np.arange(n + m_max + 1) - n, 0)
    return p[n:].sum(), th * (queue * p).sum() / lam


@pytest.mark.parametrize(
    ("calls", "aht", "n", "patience"),
    [(100, 180, 9, 300), (100, 180, 14, 120), (500, 300, 60, 60), (40, 600, 20, 900)],
)
def test_matches_birth_death_chain(calls, aht, n, patience):
    m = erlang_a_metrics(calls, aht, n, 1800, patience, 20)
    pw, pab = chain(calls, aht, n, 1800, patience)
    assert float(m.p_wait) == pytest.approx(pw, rel=1e-9)
    assert float(m.abandon_rate) == pytest.approx(pab, rel=1e-9, abs=1e-15)
    assert float(m.occupancy) == pytest.approx(calls * aht / 1800 * (1 - pab) / n, rel=1e-9)


def test_long_patience_tends_to_erlang_c():
    m = erlang_a_metrics(100, 180, 14, 1800, 1e9, 20)
    sl_c = float(service_level(100, 180, 14, 20, 1800))
    assert float(m.service_level) == pytest.approx(sl_c, abs=1e-6)
    assert float(m.p_wait) == pytest.approx(float(p_wait(100, 180, 14, 1800)), abs=1e-6)
    assert float(m.asa_s) == pytest.approx(float(asa(100, 180, 14, 1800)), rel=1e-5)
    assert float(m.abandon_rate) < 1e-6


def test_overload_is_finite_and_consistent():
    # 3 agents for 10 erlangs: served throughput is at most 3 / 10 of the calls
    m = erlang_a_metrics(100, 180, 3, 1800, 1e5, 20)
    assert float(m.abandon_rate) == pytest.approx(0.7, abs=1e-6)
    assert float(m.p_wait) == pytest.approx(1.0)
    assert float(m.occupancy) == pytest.approx(1.0)
    assert np.isfinite(float(m.asa_s))


def test_zero_calls_and_zero_agents():
    m = erlang_a_metrics([0, 10], 180, [0, 0], 1800, 100, 20)
    assert m["service_level"].tolist() == [1.0, 0.0]
    assert m["abandon_rate"].tolist() == [0.0, 1.0]
    assert m.as_dict()["p_wait"].tolist() == [0.0, 1.0]


def simulate(calls, aht_s, n, interval_s, patience_s, answer_s, customers, seed):
    """FCFS M/M/n+M by the Kiefer-Wolfowitz recursion on server free times.

    Each arrival waits V = (earliest server free) - arrival; it is served when V <= patience
    (then that server is busy until start + service), else it abandons and takes no server.
    Returns per-customer arrays (wait V, served flag) in arrival order.
    """
    rng = np.random.default_rng(seed)
    arrivals = np.cumsum(rng.exponential(interval_s / calls, customers))
    service = rng.exponential(aht_s, customers)
    patience = rng.exponential(patience_s, customers)
    free = [0.0] * n
    wait = np.empty(customers)
    served = np.empty(customers, dtype=bool)
    for i in range(customers):
        t = arrivals[i]
        v = max(free[0] - t, 0.0)
        wait[i] = v
        if v <= patience[i]:
            served[i] = True
            heapq.heapreplace(free, t + v + service[i])
        else:
            served[i] = False
    return wait, served


@pytest.mark.parametrize(
    ("calls", "aht", "n", "patience", "answer"),
    [(100, 180, 9, 120, 20), (60, 240, 9, 300, 30)],
)
def test_against_discrete_event_simulation(calls, aht, n, patience, answer):
    """Closed forms inside 99.9 % batch-means confidence intervals of a seeded simulation."""
    customers, warmup, batches = 60_000, 2_000, 20
    wait, served = simulate(calls, aht, n, 1800, patience, answer, customers, seed=20260)
    wait, served = wait[warmup:], served[warmup:]
    size = len(wait) // batches
    per_batch = {"p_wait": [], "abandon_rate": [], "service_level": [], "asa_s": []}
    for b in range(batches):
        w, s = wait[b * size : (b + 1) * size], served[b * size : (b + 1) * size]
        per_batch["p_wait"].append(np.mean(w > 0))
        per_batch["abandon_rate"].append(np.mean(~s))
        per_batch["service_level"].append(np.mean(s & (w <= answer)))
        per_batch["asa_s"].append(w[s].mean())
    m = erlang_a_metrics(calls, aht, n, 1800, patience, answer).as_dict()
    tq = stats.t.ppf(0.9995, batches - 1)
    for key, values in per_batch.items():
        v = np.asarray(values)
        half = tq * v.std(ddof=1) / np.sqrt(batches)
        assert abs(float(m[key]) - v.mean()) <= half, (key, float(m[key]), v.mean(), half)
        # and the interval is informative (not trivially wide)
        assert half < (0.15 * v.mean() if key == "asa_s" else 0.04)
    # the check discriminates: Erlang C (no abandonment) is far outside the SL interval
    sl_c = float(service_level(calls, aht, n, answer, 1800))
    assert abs(sl_c - np.mean(per_batch["service_level"])) > 0.1


def test_required_agents_with_patience():
    kw = {"service_level": 0.8, "answer_s": 20}
    n_c = int(required_agents(100, 180, 1800, **kw))
    n_a = int(required_agents(100, 180, 1800, patience_s=120, **kw))
    assert n_a <= n_c  # abandonment shortens the queue
    sl = erlang_a_metrics(100, 180, np.array([n_a - 1, n_a]), 1800, 120, 20).service_level
    assert sl[0] < 0.8 <= sl[1]
    assert int(required_agents_erlang_a(100, 180, 1800, 120, **kw)) == n_a


def test_required_agents_abandon_goal_vectorised():
    calls = np.array([0.0, 20, 100, 400, 2000])
    n = required_agents(calls, 200, 1800, service_level=None, abandon_rate=0.03, patience_s=90)
    m = erlang_a_metrics(calls, 200, n, 1800, 90, 20)
    below = erlang_a_metrics(calls, 200, np.maximum(n - 1, 0), 1800, 90, 20)
    assert n[0] == 0
    assert np.all(m.abandon_rate[1:] <= 0.03)
    assert np.all(below.abandon_rate[1:] > 0.03)


def test_required_agents_asa_goal_erlang_a():
    n = int(required_agents(100, 180, 1800, service_level=None, asa_s=4, patience_s=200))
    m = erlang_a_metrics(100, 180, np.array([n - 1, n]), 1800, 200, 20)
    assert m.asa_s[1] <= 4 < m.asa_s[0]


def test_fractional_erlang_a():
    f = float(required_agents_fractional(100, 180, 1800, patience_s=120))
    n = int(required_agents(100, 180, 1800, patience_s=120))
    assert n - 1 < f <= n
    assert float(erlang_a_metrics(100, 180, f, 1800, 120, 20).service_level) == pytest.approx(
        0.8, abs=1e-3
    )


def test_unreachable_abandon_goal_capped():
    with pytest.warns(GoalUnreachableWarning):
        n = required_agents(
            [400, 5], 180, 1800, service_level=None, abandon_rate=0.001, patience_s=30,
            max_agents=45,
        )
    assert int(n[0]) == 45
    assert int(n[1]) < 45


def test_bad_patience():
    with pytest.raises(InputError, match="patience_s"):
        erlang_a_metrics(100, 180, 10, 1800, 0, 20)
    with pytest.raises(InputError, match="abandon_rate"):
        required_agents(100, 180, 1800, abandon_rate=1.0, patience_s=60)


@settings(max_examples=40, deadline=None)
@given(
    load=st.floats(min_value=0.1, max_value=200.0),
    aht=st.floats(min_value=30.0, max_value=900.0),
    patience=st.floats(min_value=5.0, max_value=3600.0),
    answer=st.floats(min_value=0.0, max_value=60.0),
    frac=st.floats(min_value=0.3, max_value=1.5),
)
def test_erlang_a_monotone_in_agents(load, aht, patience, answer, frac):
    calls = load * 1800 / aht
    n0 = max(1, int(load * frac))
    m = erlang_a_metrics(calls, aht, np.array([n0, n0 + 1, n0 + 3]), 1800, patience, answer)
    assert np.all(np.diff(m.service_level) >= -1e-9)
    assert np.all(np.diff(m.abandon_rate) <= 1e-12)
    assert np.all(np.diff(m.p_wait) <= 1e-12)
    for arr in m.as_dict().values():
        assert np.all(np.isfinite(arr)) and np.all(arr >= 0)
    assert np.all(m.service_level <= 1 - m.abandon_rate + 1e-9)
