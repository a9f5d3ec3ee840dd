"""The outcome of one scenario (:class:`ScenarioResult`) and its LP marginal values."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from staffing.config import PlanConfig
from staffing.grid import INDEX_NAME
from staffing.scenario.hashing import _canonical


@dataclass(eq=False)
class ScenarioResult:
    """The outcome of one scenario.

    Attributes
    ----------
    name, hash, overrides:
        From the :class:`Scenario`.
    plan:
        :class:`staffing.pipeline.PlanResult` of the effective config, with the adjusted
        forecast (``plan.forecast.frame`` carries the scenario's volume and AHT changes). Its
        ``data`` keeps the interval history only (no call log).
    forecast_key:
        Hash the forecast was cached under.
    runtime_s:
        Wall seconds of the run (0 for stages served from a cache).
    duals:
        LP coverage duals (currency per agent-interval) once computed, see
        :meth:`marginal_values`.
    """

    name: str
    hash: str
    overrides: dict[str, Any]
    plan: Any = field(repr=False)  # staffing.pipeline.PlanResult
    forecast_key: str
    runtime_s: float = 0.0
    duals: pd.Series | None = field(default=None, repr=False)

    @property
    def config(self) -> PlanConfig:
        """Effective plan config."""
        return self.plan.config

    @property
    def roster(self) -> Any:
        """:class:`staffing.roster.RosterResult`."""
        return self.plan.roster

    @property
    def requirements(self) -> pd.DataFrame:
        """Requirements frame (agents per interval)."""
        return self.plan.requirements

    @property
    def evaluation(self) -> Any:
        """Predicted service of the roster (None without a roster)."""
        return self.plan.evaluation

    @property
    def simulation(self) -> Any:
        """Simulated service (None when disabled or without a roster)."""
        return self.plan.simulation

    @property
    def headcount(self) -> dict[str, int]:
        """People (weekly lines) per template, every template of the config listed."""
        names = [t.name for t in self.config.roster.templates]
        tours = self.roster.tours
        counts = (tours.groupby("template")["agent"].nunique().to_dict()
                  if "template" in tours and len(tours) else {})
        return {n: int(counts.get(n, 0)) for n in names}

    def metrics(self) -> dict[str, Any]:
        """One row of :func:`compare` (units in the column names / :func:`compare` docs)."""
        ro = self.roster
        req = self.requirements
        step_h = self.config.freq.total_seconds() / 3600.0
        ev = self.evaluation.week if self.evaluation is not None else {}
        sim = self.simulation.week if self.simulation is not None else {}
        fc = self.plan.forecast.frame
        calls = float(fc["calls"].sum())
        ok = (fc["calls"] > 0) & fc["aht_s"].notna()
        aht = float((fc["aht_s"][ok] * fc["calls"][ok]).sum() / fc["calls"][ok].sum()) \
            if ok.any() else float("nan")
        heads = self.headcount
        nan = float("nan")
        row: dict[str, Any] = {
            "scenario": self.name,
            "hash": self.hash[:12],
            "status": ro.status.value,
            "calls": calls,
            "aht_s": aht,
            "required_agent_hours": float(req["agents_required"].sum()) * step_h,
            "agent_hours": float(ro.agent_hours),
            "cost": float(ro.cost),
            "objective": ro.objective if ro.objective is not None else nan,
            "headcount": int(sum(heads.values())),
        }
        for n, c in heads.items():
            row[f"headcount_{n}"] = c
        row.update({
            "service_level": ev.get("service_level", nan),
            "simulated_service_level": sim.get("service_level", nan),
            "simulated_service_level_low": sim.get("service_level_low", nan),
            "simulated_service_level_high": sim.get("service_level_high", nan),
            "asa_s": ev.get("asa_s", nan),
            "simulated_asa_s": sim.get("asa_s", nan),
            "abandon_rate": ev.get("abandon_rate", nan),
            "simulated_abandon_rate": sim.get("abandon_rate", nan),
            "occupancy": ev.get("occupancy", nan),
            "intervals_under_goal": ev.get("intervals_missed", nan),
            "under_agent_intervals": float(ro.coverage["under"].sum())
            if "under" in ro.coverage else nan,
            "gap": ro.gap if ro.gap is not None else nan,
            "runtime_s": float(ro.runtime_s),
        })
        if self.config.overflow is not None:  # an overflow partner: its calls and fees
            row.update({"overflow_calls": float(ro.overflow_calls),
                        "overflow_fees": float(ro.overflow_fees),
                        "total_cost": float(ro.cost) + float(ro.overflow_fees)})
        return row

    def summary(self) -> dict[str, Any]:
        """JSON-serialisable: name, hash, overrides, metrics and the plan summary."""
        m = {k: (None if isinstance(v, float) and not math.isfinite(v) else v)
             for k, v in self.metrics().items()}
        return {"name": self.name, "hash": self.hash, "overrides": _canonical(self.overrides),
                "metrics": m, "plan": self.plan.summary()}

    def marginal_values(self) -> pd.DataFrame:
        """Coverage with ``marginal_cost`` beside it; see :func:`marginal_values`."""
        return marginal_values(self)


def marginal_values(result: ScenarioResult) -> pd.DataFrame:
    """Coverage (``interval_start, required, scheduled, under, over, service_level``) with
    ``marginal_cost``: the LP relaxation's dual of each coverage row, i.e. the change in the
    roster objective (currency per planning horizon) if one more agent were required on the
    floor in that interval. It lies between ``-over_per_agent_interval`` (the interval is
    over-staffed anyway) and ``under_per_agent_interval`` (the extra agent would go uncovered);
    values near an interval's wage cost mark intervals where requirements bind. The duals are
    computed once and kept on ``result.duals``.
    """
    from staffing.roster import coverage_duals

    cov = result.plan.coverage
    if result.duals is None:
        req = result.requirements["agents_required"].astype(float)
        result.duals = coverage_duals(req, result.config.roster)
    out = cov.copy()
    if out.empty:
        out = result.requirements[["agents_required"]].rename(
            columns={"agents_required": "required"}).rename_axis(INDEX_NAME).reset_index()
    idx = pd.DatetimeIndex(out[INDEX_NAME])
    out["marginal_cost"] = result.duals.reindex(idx).to_numpy()
    return out
