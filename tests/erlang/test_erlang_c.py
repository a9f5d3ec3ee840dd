"""Erlang B/C formulas and required agents against outside reference values."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from staffing.erlang import (
    asa,
    erlang_b,
    erlang_c,
    occupancy,
    offered_load,
    p_wait,
    required_agents,
    required_agents_fractional,
    service_level,
)
from staffing.exceptions import GoalUnreachableWarning, InputError


def erlang_b_recursion(n: int, a: float) -> float:
    """Textbook recursion, the independent reference."""
    b = 1.0
    for i in range(1, n + 1):
        b = a * b / (i + a * b)
    return b


# ---- reference example: 100 calls / 30 min, AHT 180 s, 80/20 ------------------------------


def test_reference_100_calls_30_min():
    assert int(required_agents(100, 180, 1800, service_level=0.8, answer_s=20)) == 14
    assert float(service_level(100, 180, 14, 20, 1800)) == pytest.approx(0.88835, abs=5e-6)
    assert float(p_wait(100, 180, 14, 1800)) == pytest.approx(0.17413, abs=5e-6)
    assert float(erlang_c(14, 10.0)) == pytest.approx(0.17413, abs=5e-6)
    assert float(occupancy(100, 180, 14, 1800)) == pytest.approx(0.71429, abs=5e-6)
    assert float(asa(100, 180, 14, 1800)) == pytest.approx(7.84, abs=5e-3)
    # 13 agents miss the goal
    assert float(service_level(100, 180, 13, 20, 1800)) < 0.8


@pytest.mark.parametrize(("shrinkage", "scheduled"), [(0.3, 20), (0.0, 14), (0.5, 28),
                                                      (0.35, 22)])
def test_shrinkage_grosses_up_without_float_round_up(shrinkage, scheduled):
    """14 on the phone at 30 % shrinkage is 20 scheduled (14 / 0.7 = 20.000000000000004 in
    floating point must not become 21); 14 / 0.65 = 21.5 -> 22."""
    from staffing.requirements import ServiceGoals, compute_requirements

    idx = pd.date_range("2024-01-01 09:00", periods=1, freq="30min", tz="UTC",
                        name="interval_start")
    week = pd.DataFrame({"calls": [100.0], "aht_s": [180.0]}, index=idx)
    req = compute_requirements(week, ServiceGoals(service_level=0.8, answer_s=20,
                                                  shrinkage=shrinkage),
                               freq=pd.Timedelta("30min"))
    assert int(req["agents_net"].iloc[0]) == 14
    assert int(req["agents_required"].iloc[0]) == scheduled


def test_reference_25_calls_10_min():
    assert int(required_agents(25, 180, 600, service_level=0.8, answer_s=20)) == 11


def test_offered_load_and_zero_calls():
    assert float(offered_load(100, 180, 1800)) == pytest.approx(10.0)
    # NaN AHT is fine where no calls
    assert float(offered_load(0, np.nan, 1800)) == 0.0
    assert int(required_agents(0, np.nan, 1800)) == 0
    assert float(service_level(0, np.nan, 0, 20, 1800)) == 1.0
    assert float(asa(0, 180, 0, 1800)) == 0.0
    assert float(occupancy(0, 180, 3, 1800)) == 0.0


def test_vectorised_broadcast_matches_scalars():
    calls = np.array([0.0, 10, 100, 250, 1000])
    aht = np.array([np.nan, 300, 180, 240, 200])
    got = required_agents(calls, aht, 1800, service_level=0.8, answer_s=20)
    want = [int(required_agents(c, h, 1800)) for c, h in zip(calls, aht, strict=True)]
    assert got.dtype.kind == "i"
    assert got.tolist() == want
    sl = service_level(calls[1:], aht[1:], got[1:], 20, 1800)
    assert np.all(sl >= 0.8)
    assert np.all(service_level(calls[1:], aht[1:], got[1:] - 1, 20, 1800) < 0.8)
    # 2-D broadcast
    grid = service_level(100, 180, np.arange(11, 16)[:, None], np.array([10, 20, 30]), 1800)
    assert grid.shape == (5, 3)


@pytest.mark.parametrize(
    ("n", "a"),
    [(1, 0.5), (14, 10.0), (5, 100.0), (50, 49.5), (300, 250.0), (1000, 20.0), (2, 1e-4)],
)
def test_erlang_b_matches_recursion(n, a):
    assert float(erlang_b(n, a)) == pytest.approx(erlang_b_recursion(n, a), rel=1e-10, abs=1e-300)


def test_erlang_b_edges():
    assert float(erlang_b(0, 3.0)) == 1.0
    assert float(erlang_b(5, 0.0)) == 0.0
    assert float(erlang_c(3, 3.0)) == 1.0  # unstable queue waits for sure
    assert float(erlang_c(2, 5.0)) == 1.0
    assert float(asa(100, 180, 10, 1800)) == np.inf
    assert float(service_level(100, 180, 9, 20, 1800)) == 0.0


@pytest.mark.parametrize("n", [19_000, 19_990, 20_100, 20_500, 15_000])
def test_large_load_20000_erlangs_no_overflow(n):
    a = 20_000.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow RuntimeWarning
        b = float(erlang_b(n, a))
        c = float(erlang_c(n, a))
    assert np.isfinite(b) and 0.0 <= b <= 1.0
    assert b == pytest.approx(erlang_b_recursion(n, a), rel=1e-8)
    assert 0.0 <= c <= 1.0


def test_large_load_required_agents_sane():
    calls = 20_000 * 1800 / 180  # 20,000 erlangs
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        n = int(required_agents(calls, 180, 1800, service_level=0.8, answer_s=20))
    # square-root staffing: n = a + beta sqrt(a) with a small beta; beyond the load
    assert 20_000 < n < 20_000 + 2 * np.sqrt(20_000)
    assert float(service_level(calls, 180, n, 20, 1800)) >= 0.8
    assert float(service_level(calls, 180, n - 1, 20, 1800)) < 0.8


def test_asa_and_occupancy_goals():
    base = int(required_agents(100, 180, 1800))
    with_asa = int(required_agents(100, 180, 1800, service_level=None, asa_s=5))
    assert float(asa(100, 180, with_asa, 1800)) <= 5
    assert float(asa(100, 180, with_asa - 1, 1800)) > 5
    both = int(required_agents(100, 180, 1800, asa_s=3, max_occupancy=0.6))
    assert both == max(
        int(required_agents(100, 180, 1800, service_level=None, asa_s=3)),
        int(required_agents(100, 180, 1800, service_level=None, max_occupancy=0.6)),
        base,
    )
    assert int(required_agents(100, 180, 1800, service_level=None, max_occupancy=0.6)) == 17


def test_concurrency_divides_servers():
    # 3 chats per agent: 30 erlangs of sessions need the servers of M/M/s, divided by 3
    servers = int(required_agents(300, 180, 1800))
    agents = int(required_agents(300, 180, 1800, concurrency=3))
    assert agents == int(np.ceil(servers / 3))
    assert float(occupancy(300, 180, agents, 1800, concurrency=3)) == pytest.approx(
        30 / (3 * agents)
    )


def test_fractional_between_integers():
    calls = np.array([100.0, 25.0, 500.0])
    frac = required_agents_fractional(calls, 180, np.array([1800, 600, 1800]))
    whole = required_agents(calls, 180, np.array([1800, 600, 1800]))
    assert np.all(frac <= whole) and np.all(frac > whole - 1)
    # the continuous SL at the fractional answer is the goal
    sl = service_level(calls, 180, frac, 20, np.array([1800, 600, 1800]))
    assert np.allclose(sl, 0.8, atol=1e-3)


def test_unreachable_goal_is_capped_with_warning():
    with pytest.warns(GoalUnreachableWarning, match="1 interval"):
        n = required_agents([100, 10], 180, 1800, max_agents=8)
    assert n.tolist() == [8, 3]


def test_tiny_answer_and_strict_goal_terminate():
    n = int(required_agents(100, 180, 1800, service_level=0.999999, answer_s=0))
    assert float(service_level(100, 180, n, 0, 1800)) >= 0.999999


@pytest.mark.parametrize(
    ("kwargs", "field", "value"),
    [
        ({"calls": -1}, "calls", -1.0),
        ({"calls": [5, -2]}, "calls", -2.0),
        ({"aht_s": 0}, "aht_s", 0.0),
        ({"aht_s": -3}, "aht_s", -3.0),
        ({"aht_s": np.nan}, "aht_s", "nan"),
        ({"service_level": 1.0}, "service_level", 1.0),
        ({"service_level": 0}, "service_level", 0),
        ({"service_level": 1.5}, "service_level", 1.5),
        ({"answer_s": -1}, "answer_s", -1),
        ({"interval_s": 0}, "interval_s", 0.0),
        ({"max_occupancy": 1.2}, "max_occupancy", 1.2),
        ({"asa_s": 0}, "asa_s", 0),
        ({"concurrency": 0}, "concurrency", 0),
        ({"max_agents": 0}, "max_agents", 0),
        ({"patience_s": -5}, "patience_s", -5),
        ({"abandon_rate": 0.05}, "abandon_rate", 0.05),  # no patience_s
    ],
)
def test_bad_input_names_argument_and_value(kwargs, field, value):
    args = {"calls": 100, "aht_s": 180, "interval_s": 1800}
    args.update(kwargs)
    calls, aht, interval = args.pop("calls"), args.pop("aht_s"), args.pop("interval_s")
    with pytest.raises(InputError) as info:
        required_agents(calls, aht, interval, **args)
    assert info.value.field == field
    assert str(value) in str(info.value)


def test_bad_input_in_formulas():
    with pytest.raises(InputError, match="agents"):
        service_level(100, 180, -1, 20, 1800)
    with pytest.raises(InputError, match="answer_s"):
        service_level(100, 180, 14, -1, 1800)
    with pytest.raises(InputError, match="load"):
        erlang_b(3, -1.0)


# ---- properties ------------------------------------------------------------------------------

loads = st.floats(min_value=0.05, max_value=400.0, allow_nan=False)
ahts = st.floats(min_value=10.0, max_value=1200.0, allow_nan=False)
answers = st.floats(min_value=0.0, max_value=120.0, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(load=loads, aht=ahts, answer=answers, extra=st.integers(0, 40))
def test_sl_rises_with_agents(load, aht, answer, extra):
    calls = load * 1800 / aht
    n = int(np.floor(load)) + 1 + extra
    sl = service_level(calls, aht, np.array([n, n + 1, n + 5]), answer, 1800)
    assert np.all(np.diff(sl) >= -1e-12)


@settings(max_examples=60, deadline=None)
@given(load=loads, aht=ahts, answer=answers, extra=st.integers(1, 40))
def test_sl_falls_with_load(load, aht, answer, extra):
    n = int(np.floor(load * 1.2)) + extra
    calls = np.array([1.0, 1.1, 1.5]) * load * 1800 / aht
    sl = service_level(calls, aht, n, answer, 1800)
    assert np.all(np.diff(sl) <= 1e-12)


@settings(max_examples=60, deadline=None)
@given(
    load=loads,
    aht=ahts,
    answer=answers,
    target=st.floats(min_value=0.05, max_value=0.99),
)
def test_required_agents_exceed_load_and_are_minimal(load, aht, answer, target):
    calls = load * 1800 / aht
    n = int(required_agents(calls, aht, 1800, service_level=target, answer_s=answer))
    assert n > load
    assert float(service_level(calls, aht, n, answer, 1800)) >= target - 1e-9
    if n - 1 > load:
        assert float(service_level(calls, aht, n - 1, answer, 1800)) < target
