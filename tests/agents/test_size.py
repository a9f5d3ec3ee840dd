"""The model-size estimate (no build) against a real build of the same model."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

from staffing.agents.schedule import build_agents_model
from staffing.agents.size import estimate_agents_size

TZ = "Asia/Jerusalem"


def test_estimate_is_close_and_not_below_the_build(bundled: Any) -> None:
    tpls, s, people = bundled
    idx = pd.date_range("1999-03-01", periods=7 * 96, freq="15min", tz=TZ)
    hours = idx.hour.to_numpy()
    required = pd.Series(np.where((hours >= 8) & (hours < 20), 3.0, 0.0), index=idx)
    agents = people[:10]
    am = build_agents_model(required, tpls, agents, penalties=s.penalties,
                            weekend_days=s.weekend_days)
    info = LinearStandardFormCompiler().write(am.built.model, mixed_form=True)
    est = estimate_agents_size(idx, tpls, agents)
    n_cols, nnz = len(info.columns), info.A.nnz
    assert n_cols <= est.variables <= 1.15 * n_cols
    assert nnz <= est.nonzeros <= 1.3 * nnz
    # shift columns are counted exactly
    assert est.integer_variables >= len(am.built.x)
