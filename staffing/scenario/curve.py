"""Cost-vs-service: roster cost over a sweep of service-level targets or headcount caps."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from staffing._validate import fraction
from staffing.config import PlanConfig
from staffing.exceptions import InputError
from staffing.grid import INDEX_NAME
from staffing.requirements import GOAL_FRACTIONS
from staffing.scenario.cache import ScenarioCache
from staffing.scenario.overrides import _whole, normalize_overrides
from staffing.scenario.result import marginal_values
from staffing.scenario.run import run_scenario
from staffing.scenario.spec import Scenario


def cost_service_curve(
    base: PlanConfig | Scenario,
    targets: Sequence[float] | None = None,
    *,
    headcount: Sequence[int] | None = None,
    template: str | None = None,
    overrides: Mapping[str, Any] | None = None,
    cache: ScenarioCache | bool = True,
    duals: bool = False,
    run: Callable[[list[Scenario]], list[dict[str, Any]]] | None = None,
) -> pd.DataFrame:
    """Roster cost against service: sweep the service-level target or a headcount cap.

    Parameters
    ----------
    base:
        Plan config (or a scenario whose overrides every point starts from).
    targets:
        Service-level targets (fractions, e.g. ``[0.7, 0.8, 0.9]``), each solved as the
        ``service_level`` override.
    headcount:
        Instead of ``targets``: caps (people) applied as ``max_headcount`` to ``template``, or to
        every template when ``template`` is None.
    overrides:
        Applied to every point (e.g. ``{"time_limit_s": 15}``).
    cache:
        As in :func:`run_scenario`.
    duals:
        Add ``marginal_cost_mean`` / ``marginal_cost_max`` (currency per agent-interval over
        intervals with calls) from the LP relaxation's coverage duals.
    run:
        Runs the points elsewhere: gets the point scenarios and returns their
        :meth:`ScenarioResult.metrics` rows in order (e.g. on a Dask cluster:
        :func:`staffing.sites.sweep.cluster_runner`); not with ``duals``.

    Returns
    -------
    pandas.DataFrame
        One row per point, in the order given: ``sweep`` (``"service_level"`` or
        ``"max_headcount"``), ``target``, then the :func:`compare` columns, and
        ``cost_per_sl_point``: wage cost change per percentage point of weekly predicted service
        level from the previous point (NaN for the first point or when SL did not move).
        Points are solved to the config's ``mip_rel_gap``: costs of neighbouring points can be
        out of order by up to about the gap.
    """
    if (targets is None) == (headcount is None):
        raise InputError("targets", targets, "either service-level targets or headcount caps")
    start = base if isinstance(base, Scenario) else Scenario("base", base)
    common = {**start.overrides, **normalize_overrides(overrides, start.base)}
    names = [t.name for t in start.config.roster.templates]
    points: list[tuple[str, float, dict[str, Any]]] = []
    if targets is not None:
        if not isinstance(targets, Sequence) or not targets:
            raise InputError("targets", targets, "a non-empty list of service levels")
        sl_lo, sl_hi = GOAL_FRACTIONS["service_level"]
        for i, t in enumerate(targets):
            v = fraction(f"targets[{i}]", t, low_open=sl_lo, high_open=sl_hi)
            points.append(("service_level", v, {"service_level": v}))
    else:
        assert headcount is not None
        if not isinstance(headcount, Sequence) or not headcount:
            raise InputError("headcount", headcount, "a non-empty list of caps")
        if template is not None and template not in names:
            raise InputError("template", template, f"one of {names}")
        for i, cap in enumerate(headcount):
            c = _whole(f"headcount[{i}]", cap, 0)
            which = [template] if template is not None else names
            points.append(("max_headcount", float(c),
                           {"max_headcount": {**common.get("max_headcount", {}),
                                              **dict.fromkeys(which, c)}}))
    scenarios = [Scenario(f"{sweep}={target:g}", start.base, {**common, **ov})
                 for sweep, target, ov in points]
    if run is not None:
        if duals:
            raise InputError("duals", duals, "false when the points run elsewhere (run=...)")
        metrics = run(scenarios)
        rows = [{"sweep": sweep, "target": target, **m}
                for (sweep, target, _), m in zip(points, metrics, strict=True)]
        return _with_cost_per_point(pd.DataFrame(rows))
    rows = []
    for (sweep, target, _), sc in zip(points, scenarios, strict=True):
        res = run_scenario(sc, cache=cache, duals=duals)
        row = {"sweep": sweep, "target": target, **res.metrics()}
        if duals:
            mv = marginal_values(res)
            busy = res.requirements["calls"].reindex(pd.DatetimeIndex(mv[INDEX_NAME])) > 0
            d = mv.loc[busy.to_numpy(), "marginal_cost"]
            row["marginal_cost_mean"] = float(d.mean()) if len(d) else float("nan")
            row["marginal_cost_max"] = float(d.max()) if len(d) else float("nan")
        rows.append(row)
    return _with_cost_per_point(pd.DataFrame(rows))


def _with_cost_per_point(table: pd.DataFrame) -> pd.DataFrame:
    d_cost = table["cost"].diff()
    d_pts = table["service_level"].diff() * 100.0
    with np.errstate(divide="ignore", invalid="ignore"):
        per = np.where(d_pts.abs() > 1e-9, d_cost / d_pts, np.nan)
    table["cost_per_sl_point"] = per
    return table
