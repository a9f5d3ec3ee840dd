"""Biggest first: the cost estimate of a site's plan and the submission order by priority on a
real LocalCluster (2 worker processes, one thread each)."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pandas as pd
import pytest

from staffing.exceptions import InputError
from staffing.roster.build import make_horizon
from staffing.roster.size import estimate_size
from staffing.sites import fan_out, generate_sites
from staffing.sites.cost import plan_cost


def _started(seconds: float) -> float:
    t = time.time()
    time.sleep(seconds)
    return t


def test_plan_cost_orders_sites_by_roster_model_size():
    """A 24/7 site's roster model (open all week) is bigger than a weekday bank's, and its
    estimate matches :func:`staffing.roster.size.estimate_size` (itself checked against
    built models in tests/roster/test_size.py)."""
    sites = {s.name.split("-", 1)[1]: s for s in generate_sites(8, seed=1, time_limit_s=5)}
    weekday, always = sites["weekday-bank"].plan_config(), sites["support-24-7"].plan_config()
    assert plan_cost(always) > plan_cost(weekday) > 0
    horizon = make_horizon(pd.Series(0.0, index=weekday.index), weekday.roster)
    assert plan_cost(weekday) == estimate_size(horizon, weekday.roster).nonzeros


def test_a_config_the_roster_cannot_size_costs_nothing():
    """A horizon the roster refuses (here: no intervals) sizes to 0: the site is sent and
    fails fast with its own error instead of failing the batch's ordering."""
    cfg = generate_sites(1, seed=2, time_limit_s=5)[0].plan_config()
    empty = SimpleNamespace(index=pd.DatetimeIndex([]), roster=cfg.roster)
    assert plan_cost(empty) == 0.0  # type: ignore[arg-type]


@pytest.mark.slow
def test_priorities_submit_the_biggest_first(client):
    """Six naps with priorities: the two highest start before the two lowest."""
    items = [(f"t{i}", 0.5) for i in range(6)]
    prio = [1.0, 5.0, 2.0, 6.0, 3.0, 4.0]
    out = fan_out(client, _started, items, failure=lambda n, st, r: float("nan"),
                  ok=lambda e: True, priorities=prio)
    by_prio = [t for _, t in sorted(zip(prio, out, strict=True), reverse=True)]
    assert max(by_prio[:2]) < min(by_prio[-2:])


@pytest.mark.parametrize("prio", [[1.0], [1.0, float("nan")], [1.0, "big"]])
def test_bad_priorities_name_the_field(prio):
    with pytest.raises(InputError) as e:
        fan_out(None, _started, [("a", 0.0), ("b", 0.0)],  # type: ignore[arg-type]
                failure=lambda n, st, r: 0.0, ok=lambda e: True, priorities=prio)
    assert e.value.field == "priorities"
