"""Pure, numpy-vectorised staffing formulas: Erlang B, C (M/M/n) and A (M/M/n+M).

Units: calls offered per interval, seconds for durations (``aht_s``, ``answer_s``,
``interval_s``, ``asa_s``, ``patience_s``), erlangs for load, fractions in [0, 1]. Agents are
net (on the phone), before shrinkage. No pandas needed here.

Example::

    >>> from staffing.erlang import required_agents, service_level
    >>> int(required_agents(100, 180, 1800, service_level=0.8, answer_s=20))
    14
    >>> round(float(service_level(100, 180, 14, 20, 1800)), 5)
    0.88835
"""

from typing import Any

import numpy as np

from staffing.erlang.core import (
    asa,
    erlang_b,
    erlang_c,
    occupancy,
    offered_load,
    p_wait,
    service_level,
)
from staffing.erlang.erlang_a import ErlangAMetrics, erlang_a_metrics
from staffing.erlang.patience import PatienceFit, fit_patience
from staffing.erlang.required import required_agents, required_agents_fractional


def required_agents_erlang_a(
    calls: Any, aht_s: Any, interval_s: Any, patience_s: float, **goals: Any
) -> np.ndarray:
    """Required net agents with abandonment (Erlang A): ``required_agents(..., patience_s=)``."""
    return required_agents(calls, aht_s, interval_s, patience_s=patience_s, **goals)


__all__ = [
    "ErlangAMetrics",
    "PatienceFit",
    "asa",
    "erlang_a_metrics",
    "erlang_b",
    "erlang_c",
    "fit_patience",
    "occupancy",
    "offered_load",
    "p_wait",
    "required_agents",
    "required_agents_erlang_a",
    "required_agents_fractional",
    "service_level",
]
