"""The service curve is what ``staffing.evaluate`` reports, agent count by agent count."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from staffing.evaluate import evaluate
from staffing.exceptions import InputError
from staffing.requirements import ServiceGoals
from staffing.service_curve import SATURATED, answered_curve
from tests.roster.conftest import day_index


def _forecast(freq: str = "15min") -> pd.DataFrame:
    idx = day_index(freq)
    rng = np.random.default_rng(7)
    calls = rng.gamma(2.0, 40.0, len(idx))
    calls[:20] = 0.0  # closed night
    calls[30] = 400.0  # one heavy interval (many agent counts before saturation)
    return pd.DataFrame({"calls": calls, "aht_s": rng.uniform(120, 400, len(idx))}, index=idx)


def _by_evaluate(fc: pd.DataFrame, goals: ServiceGoals, k_max: int, freq: str) -> np.ndarray:
    """The reference: one ``evaluate`` per whole agent count on the floor."""
    calls = fc["calls"].to_numpy(float)
    out = np.zeros((len(fc), k_max + 1))
    for k in range(k_max + 1):
        ev = evaluate(fc, np.full(len(fc), float(k)), goals, freq=freq)
        out[:, k] = calls * ev.intervals["service_level"].to_numpy(float)
    out[calls <= 0] = 0.0
    return out


@pytest.mark.parametrize("goals", [
    ServiceGoals(service_level=0.8, answer_s=20, shrinkage=0.0),
    ServiceGoals(service_level=0.8, answer_s=20, shrinkage=0.3),
    ServiceGoals(service_level=0.9, answer_s=30, shrinkage=0.25, patience_s=240.0),
    ServiceGoals(service_level=0.8, answer_s=60, shrinkage=0.1, concurrency=2),
], ids=["erlang-c", "shrinkage", "erlang-a", "chat"])
def test_curve_equals_evaluate_at_every_agent_count(goals):
    fc = _forecast()
    k_max = 140
    curve = answered_curve(fc, goals, freq="15min", k_max=k_max)
    ref = _by_evaluate(fc, goals, k_max, "15min")
    calls = fc["calls"].to_numpy(float)
    # evaluate's numbers until an interval saturates (to rounding: numpy's vectorised exp/log
    # may differ in the last bit with the array's layout), then within SATURATED of its calls
    assert np.abs(curve.answered - ref).max() <= SATURATED * calls.max() + 1e-9
    unsaturated = ref < calls[:, None] * (1 - SATURATED)
    assert unsaturated.sum() > 500  # the comparison covers the rising part of the curves
    np.testing.assert_allclose(curve.answered[unsaturated], ref[unsaturated], rtol=1e-12,
                               atol=1e-9)
    assert (curve.answered[calls <= 0] == 0).all()
    assert curve.target == goals.service_level


def test_curve_is_exact_on_a_five_minute_grid_and_defaults_k_max_from_required():
    fc = _forecast("5min").iloc[:96]
    goals = ServiceGoals(service_level=0.8, answer_s=20, shrinkage=0.2)
    required = pd.Series(np.ceil(fc["calls"].to_numpy() / 5), index=fc.index)
    curve = answered_curve(fc, goals, freq="5min", required=required, interval_floor=0.5)
    assert curve.k_max == int(np.ceil(1.5 * required.max())) + 5
    assert curve.interval_floor == 0.5
    ref = _by_evaluate(fc, goals, curve.k_max, "5min")
    assert np.abs(curve.answered - ref).max() <= SATURATED * fc["calls"].max() + 1e-9


def test_curve_refuses_bad_input():
    fc = _forecast()
    goals = ServiceGoals(service_level=0.8, answer_s=20)
    with pytest.raises(InputError, match="k_max"):
        answered_curve(fc, goals, freq="15min", k_max=0)
    with pytest.raises(InputError, match="aht_s"):
        answered_curve(fc[["calls"]], goals, freq="15min", k_max=5)
    with pytest.raises(InputError, match="forecast"):
        answered_curve(fc["calls"], goals, freq="15min", k_max=5)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="service_level"):
        answered_curve(fc, ServiceGoals(service_level=None, answer_s=20, asa_s=30.0),
                       freq="15min", k_max=5)
