"""Defect 5: absurd or overflowing inputs (1e308 calls or handle time) are an InputError naming
the field, never a silent wrong answer such as -9223372036854775808 agents."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from staffing import erlang
from staffing.exceptions import InputError
from staffing.requirements import ServiceGoals, compute_requirements

HUGE = 1e308

CASES = [  # (calls, aht_s, field at fault)
    (HUGE, 180.0, "calls"),
    (120.0, HUGE, "aht_s"),
    (HUGE, HUGE, "calls"),
    (1e5, 1e5, "calls"),  # finite product, but 1.1e7 erlangs in a quarter-hour
]
FUNCS = {
    "required_agents": lambda c, h: erlang.required_agents(c, h, 900),
    "required_agents_fractional": lambda c, h: erlang.required_agents_fractional(c, h, 900),
    "required_erlang_a": lambda c, h: erlang.required_agents(c, h, 900, patience_s=120.0),
    "offered_load": lambda c, h: erlang.offered_load(c, h, 900),
    "service_level": lambda c, h: erlang.service_level(c, h, 50, 20, 900),
    "asa": lambda c, h: erlang.asa(c, h, 50, 900),
    "erlang_a_metrics": lambda c, h: erlang.erlang_a_metrics(c, h, 50, 900, 120.0, 20.0),
}


@pytest.mark.parametrize("func", list(FUNCS))
@pytest.mark.parametrize(("calls", "aht_s", "field"), CASES)
def test_overflowing_load_names_the_field(func, calls, aht_s, field):
    with pytest.raises(InputError) as exc:
        FUNCS[func](calls, aht_s)
    assert exc.value.field == field
    assert "erlangs" in exc.value.expected


def test_array_position_is_named():
    with pytest.raises(InputError) as exc:
        erlang.required_agents(np.array([10.0, 20.0, HUGE]), 180.0, 900)
    assert exc.value.field == "calls" and exc.value.where == "index 2"


def test_large_but_sane_load_still_solves():
    """1,000,000 erlangs is the limit, and right below it the answer is a positive integer
    just above the load (square-root staffing)."""
    n = int(erlang.required_agents(4.99e6, 180.0, 900))  # 998,000 erlangs
    assert 998_000 < n < 998_000 + 5 * 1000


@pytest.mark.parametrize(("calls", "aht_s", "field"), CASES[:2])
def test_requirements_name_field_and_interval(calls, aht_s, field):
    idx = pd.date_range("2024-01-01", periods=3, freq="15min", tz="UTC",
                        name="interval_start")
    fc = pd.DataFrame({"calls": [10.0, calls, 10.0], "aht_s": [180.0, aht_s, 180.0]},
                      index=idx)
    with pytest.raises(InputError) as exc:
        compute_requirements(fc, ServiceGoals())
    assert exc.value.field == field
    assert exc.value.where == f"interval {idx[1].isoformat()}"
