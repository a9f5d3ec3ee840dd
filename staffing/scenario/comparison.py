"""One tidy table comparing scenarios."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from staffing.exceptions import InputError
from staffing.scenario.cache import ScenarioCache
from staffing.scenario.result import ScenarioResult
from staffing.scenario.run import run_scenario
from staffing.scenario.spec import Scenario


def compare(items: Iterable[Scenario | ScenarioResult], *, cache: ScenarioCache | bool = True,
            long: bool = False) -> pd.DataFrame:
    """Compare scenarios (run as needed) in one tidy table, one row per scenario.

    Columns: ``scenario``, ``hash`` (first 12 hex digits), ``status``, ``calls`` (offered in
    the horizon), ``aht_s`` (call-weighted mean, s), ``required_agent_hours`` (sum of
    ``agents_required`` x interval hours), ``agent_hours`` (paid), ``cost`` (wages, currency),
    ``objective`` (wages + penalties), ``headcount`` and ``headcount_<template>`` (people),
    ``service_level`` (predicted weekly, fraction), ``simulated_service_level`` with
    ``_low``/``_high`` confidence bounds, ``asa_s`` / ``simulated_asa_s`` (s),
    ``abandon_rate`` / ``simulated_abandon_rate`` (fraction), ``occupancy``,
    ``intervals_under_goal`` (intervals with calls missing a goal), ``under_agent_intervals``,
    ``gap`` (relative MIP gap) and ``runtime_s`` (solver seconds). NaN where a stage did not
    run. With ``long=True``: columns ``scenario, metric, value`` instead.
    """
    rows = []
    for it in items:
        res = it if isinstance(it, ScenarioResult) else run_scenario(it, cache=cache)
        rows.append(res.metrics())
    return comparison_table(rows, long=long)


def comparison_table(rows: list[dict[str, Any]], *, long: bool = False) -> pd.DataFrame:
    """The :func:`compare` table from :meth:`ScenarioResult.metrics` rows (e.g. sent back by
    workers of a cluster)."""
    if not rows:
        raise InputError("scenarios", [], "at least one scenario")
    table = pd.DataFrame(rows)
    heads = [c for c in table.columns if c.startswith("headcount_")]
    table[heads] = table[heads].fillna(0).astype(int)
    if long:
        return table.melt(id_vars=["scenario"], var_name="metric", value_name="value")
    return table
