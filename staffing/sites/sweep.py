"""What-if scenarios and cost-vs-service curves on the same Dask cluster as the sites.

Each scenario is one task (:func:`run_scenario_task`: :func:`staffing.scenario.run_scenario`
with HiGHS on one thread; forecasts shared per worker process through its scenario cache) that
returns a compact :class:`ScenarioRow` (the :func:`~staffing.scenario.compare` metrics and the
JSON summary); each distinct base config (with its data) is scattered to the cluster once and
the tasks carry only a reference, a name and the overrides; fanned out by
:func:`staffing.sites.fanout.fan_out` with the same failure isolation as the sites.
:func:`in_memory` puts a base config's data in memory first, so the workers need no shared
disk.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from staffing.exceptions import InputError, collect_warnings
from staffing.sites.fanout import BatchProgress, fan_out

__all__ = ["ScenarioRow", "cluster_runner", "in_memory", "run_scenario_task",
           "run_scenarios_on"]


@dataclass(frozen=True)
class ScenarioRow:
    """The compact outcome of one scenario: ``name``, ``status`` (the roster status, or
    ``bad_input`` / ``failed`` / ``worker_died`` / ``cancelled``), ``metrics`` (one row of
    :func:`~staffing.scenario.compare`), ``summary`` (:meth:`ScenarioResult.summary`, JSON
    ready; empty on failure) and ``reason`` (why it has no roster)."""

    name: str
    status: str
    metrics: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    reason: str = ""

    @property
    def ok(self) -> bool:
        """True when the scenario got a roster."""
        return self.status in ("optimal", "feasible")

    def row(self) -> dict[str, Any]:
        """Its metrics, or the name and status with NaN figures for a failed scenario."""
        nan = math.nan
        return self.metrics or {"scenario": self.name, "status": self.status, "cost": nan,
                                "agent_hours": nan, "service_level": nan, "gap": nan}


def in_memory(config: Any) -> Any:
    """``config`` with its data read here and carried in memory (no shared disk needed)."""
    from staffing.io.plandata import read_plan_data

    if config.data is not None:
        return config
    return config.with_data(read_plan_data(config.data_path, config.data_kind, config.grid))


def run_scenario_task(item: tuple[str, Any, dict[str, Any]]) -> ScenarioRow:
    """Run one scenario ``(name, base PlanConfig, overrides)`` on this process (the Dask
    task; the base arrives once per worker, scattered, not once per scenario)."""
    from staffing.scenario import Scenario, run_scenario

    name, base, overrides = item
    try:
        with collect_warnings():
            res = run_scenario(Scenario(name, base, {**overrides, "threads": 1}))
    except InputError as exc:
        return ScenarioRow(name, "bad_input", reason=" ".join(str(exc).split()))
    ro = res.roster
    return ScenarioRow(res.name, ro.status.value, res.metrics(), res.summary(),
                       "" if ro.has_roster else (ro.diagnosis or ro.status.value))


def run_scenarios_on(client: Any, scenarios: Sequence[Any], *,
                     progress: Callable[[BatchProgress], None] | None = None,
                     cancel: threading.Event | None = None) -> list[ScenarioRow]:
    """Every scenario as a task on ``client``'s cluster; rows in the order given."""
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise InputError("scenarios", names, "distinct scenario names")
    shared: dict[int, Any] = {}  # each distinct base (config + data) sent to the cluster once
    for s in scenarios:
        if id(s.base) not in shared:
            shared[id(s.base)] = client.scatter(s.base, broadcast=False, hash=False)
    items = [(s.name, (s.name, shared[id(s.base)], dict(s.overrides))) for s in scenarios]
    return fan_out(client, run_scenario_task, items,
                   failure=lambda n, st, r: ScenarioRow(n, st, reason=r), ok=lambda r: r.ok,
                   progress=progress, cancel=cancel, prefix="scenario")


def cluster_runner(client: Any) -> Callable[[list[Any]], list[dict[str, Any]]]:
    """A ``run=`` for :func:`staffing.scenario.cost_service_curve`: the curve's points on
    ``client``'s cluster, their metrics rows back."""
    def run(scenarios: list[Any]) -> list[dict[str, Any]]:
        return [r.row() for r in run_scenarios_on(client, scenarios)]

    return run
