"""A cheap estimate of how long a site's plan will take, to submit the biggest sites first.

The time of a site's plan is mostly its roster solve, and that grows with the roster model: the
estimate is the non-zero count of the roster MIP from :func:`staffing.roster.size.estimate_size`
(templates x allowed starts x working days x break windows over the planning horizon and its
open hours), computed without a forecast or a model build (about 2 ms a site). On the 40
synthetic sites of ``benchmarks/bench_sites.py`` its rank correlation with the measured plan
time is 0.78 (Spearman); it is an ordering, not a prediction in seconds.
"""

from __future__ import annotations

import pandas as pd

from staffing.config import PlanConfig
from staffing.exceptions import StaffingError

__all__ = ["plan_cost"]


def plan_cost(config: PlanConfig) -> float:
    """Estimated relative cost of planning ``config`` (non-zeros of its roster MIP; 0 when the
    model cannot be sized, e.g. a config the roster would reject: that site fails fast)."""
    from staffing.roster.build import make_horizon
    from staffing.roster.size import estimate_size

    try:
        horizon = make_horizon(pd.Series(0.0, index=config.index), config.roster)
        return float(estimate_size(horizon, config.roster).nonzeros)
    except (StaffingError, ValueError):
        return 0.0
