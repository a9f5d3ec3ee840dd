"""The multi-queue plan: per-queue demand -> skills roster -> predicted and simulated service.

:func:`plan_queues` composes the stages for a :class:`~staffing.queues.MultiQueueConfig`:

1. :func:`staffing.queues.demand.queue_demand`: each queue's forecast and requirement through
   the single-queue stages;
2. :func:`staffing.queues.roster.solve_skills_roster`: shifts per skill group and the
   allocation of on-phone agent time to queues;
3. prediction: each voice/chat queue's Erlang service (:func:`staffing.evaluate.evaluate`)
   with the agents allocated to it; email: backlog and deadline compliance from the
   allocation;
4. :func:`staffing.queues.simulate.simulate_queues`: skill-based routing on the roster.

:class:`QueuesPlanResult` holds every frame, a combined view (all queues per interval) and
``write(out_dir)``.
"""

from __future__ import annotations

import dataclasses
import json
import math
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from staffing.evaluate import Evaluation, evaluate
from staffing.exceptions import collect_warnings
from staffing.grid import INDEX_NAME
from staffing.queues.config import MultiQueueConfig
from staffing.queues.demand import QueueDemand, queue_demand
from staffing.queues.roster import SkillsRosterResult, needs_from, solve_skills_roster
from staffing.queues.simulate import QueuesSimulation, QueueTraffic, simulate_queues
from staffing.queues.spec import SkillGroup
from staffing.roster import SolveProgress

__all__ = ["QueuesPlanResult", "plan_queues", "predicted_service"]


@dataclass
class QueuesPlanResult:
    """A multi-queue plan (module doc).

    Attributes
    ----------
    config:
        The config planned.
    demand:
        Per queue: forecast, goals, requirements.
    roster:
        The skills roster.
    predicted:
        Per voice/chat queue: the Erlang :class:`Evaluation` of the agents allocated to it.
    simulation:
        The skill-routing simulation, or None.
    notes:
        Warnings and stage notes.
    """

    config: MultiQueueConfig
    demand: dict[str, QueueDemand]
    roster: SkillsRosterResult
    predicted: dict[str, Evaluation] = field(default_factory=dict)
    simulation: QueuesSimulation | None = None
    notes: list[str] = field(default_factory=list)

    def queue_table(self) -> pd.DataFrame:
        """One row per queue: channel, goal, calls, required and allocated agent-hours on the
        phone, predicted SL (call-weighted), simulated SL with bounds; email: work, backlog
        peak, late work and simulated on-time share."""
        rows = []
        freq_h = self.config.grid.freq.total_seconds() / 3600
        cov = self.roster.queues
        sim = (self.simulation.queues.set_index("queue") if self.simulation is not None
               else pd.DataFrame())
        for q in self.config.queues:
            d = self.demand[q.name]
            part = cov[cov["queue"] == q.name] if not cov.empty else cov
            row: dict[str, Any] = {
                "queue": q.name, "channel": q.channel, "goal": q.describe_goal(),
                "calls": float(d.requirements["calls"].sum()),
                "required_agent_hours": float(d.net.sum() * freq_h),
                "allocated_agent_hours": float(part["allocated"].sum() * freq_h)
                if len(part) else 0.0,
            }
            if q.deferrable:
                e = self.roster.email.get(q.name)
                row["backlog_peak_agent_hours"] = (float(e["backlog"].max() * freq_h)
                                                   if e is not None else None)
                row["late_agent_hours"] = (float(e["late"].max() * freq_h)
                                           if e is not None else None)
                row["deadline_met"] = (bool(e["late"].max() < 1e-6)
                                       if e is not None else None)
                if q.name in sim.index:
                    row["simulated_on_time"] = sim.loc[q.name, "on_time"]
            else:
                ev = self.predicted.get(q.name)
                row["predicted_sl"] = ev.week.get("service_level") if ev is not None else None
                if q.name in sim.index:
                    row["simulated_sl"] = sim.loc[q.name, "service_level"]
                    row["simulated_sl_low"] = sim.loc[q.name, "service_level_low"]
                    row["simulated_sl_high"] = sim.loc[q.name, "service_level_high"]
            rows.append(row)
        return pd.DataFrame(rows)

    def combined(self) -> pd.DataFrame:
        """The combined view per interval: calls of all queues, required and allocated agents
        on the phone (sums over queues), agents on duty and on the phone (all groups), the
        call-weighted predicted SL of the voice/chat queues."""
        idx = self.config.base.index
        out = pd.DataFrame(index=pd.DatetimeIndex(idx, name=INDEX_NAME))
        out["calls"] = sum(d.requirements["calls"].to_numpy(float)
                           for d in self.demand.values())
        if not self.roster.queues.empty:
            q = self.roster.queues.groupby("interval_start")[["required", "allocated"]].sum()
            out["required_on_phone"] = q["required"].reindex(out.index).to_numpy()
            out["allocated_on_phone"] = q["allocated"].reindex(out.index).to_numpy()
            g = self.roster.groups.groupby("interval_start")[["on_duty", "on_phone"]].sum()
            out["on_duty"] = g["on_duty"].reindex(out.index).to_numpy()
            out["on_phone"] = g["on_phone"].reindex(out.index).to_numpy()
        num = np.zeros(len(out))
        den = np.zeros(len(out))
        for ev in self.predicted.values():
            iv = ev.intervals
            c = iv["calls"].to_numpy(float)
            num += np.nan_to_num(iv["service_level"].to_numpy(float)) * c
            den += c
        with np.errstate(invalid="ignore", divide="ignore"):
            out["predicted_sl"] = np.where(den > 0, num / den, np.nan)
        return out

    def per_queue_intervals(self) -> pd.DataFrame:
        """Per interval and queue: calls, required, allocated, under, predicted SL and the
        simulated SL."""
        cov = self.roster.queues.copy()
        if cov.empty:
            return cov
        pred = []
        for name, ev in self.predicted.items():
            iv = ev.intervals
            pred.append(pd.DataFrame({"interval_start": iv.index, "queue": name,
                                      "calls": iv["calls"].to_numpy(),
                                      "predicted_sl": iv["service_level"].where(
                                          iv["calls"] > 0).to_numpy()}))
        out = cov
        if pred:
            out = out.merge(pd.concat(pred), on=["interval_start", "queue"], how="left")
        if self.simulation is not None and not self.simulation.intervals.empty:
            out = out.merge(self.simulation.intervals[["interval_start", "queue",
                                                       "simulated_sl"]],
                            on=["interval_start", "queue"], how="left")
        return out

    def summary(self) -> dict[str, Any]:
        """JSON-ready summary: roster numbers, per-queue table, notes."""
        table = self.queue_table()
        return {"roster": self.roster.summary(),
                "queues": json.loads(table.to_json(orient="records")),
                "simulation": self.simulation.summary() if self.simulation else None,
                "notes": list(self.notes)}

    def text(self) -> str:
        """A short report for people."""
        r = self.roster
        lines = [f"roster: {r.status.value}, cost {r.cost:,.0f}, {r.agent_hours:,.1f} paid "
                 f"agent-hours, {len(r.tours)} agents"
                 + (f", gap {r.gap:.2%}" if r.gap is not None else "")
                 + f" ({r.size.get('columns', 0):,} columns, {r.size.get('rows', 0):,} rows; "
                 f"build {r.build_s:.1f} s, solve {r.runtime_s:.1f} s)"]
        if not r.tours.empty:
            per = r.tours.groupby("group").size()
            lines.append("agents per group: " + ", ".join(f"{k} {v}" for k, v in per.items()))
        for row in self.queue_table().to_dict(orient="records"):
            if row["channel"] == "email":
                sim = row.get("simulated_on_time")
                lines.append(
                    f"{row['queue']} (email, {row['goal']}): {row['calls']:,.0f} items, "
                    f"{row['required_agent_hours']:,.1f} agent-hours of work, backlog peak "
                    f"{_num(row.get('backlog_peak_agent_hours'))} agent-hours, deadline "
                    f"{'met' if row.get('deadline_met') else 'missed'}"
                    + (f"; simulated on time {sim:.1%}" if _ok(sim) else ""))
                continue
            sim = row.get("simulated_sl")
            pred = row.get("predicted_sl")
            lines.append(
                f"{row['queue']} ({row['channel']}, {row['goal']}): {row['calls']:,.0f} calls, "
                f"{row['allocated_agent_hours']:,.1f} of {row['required_agent_hours']:,.1f} "
                f"required agent-hours on the phone, predicted SL "
                f"{pred:.1%}" if _ok(pred) else f"{row['queue']}: no calls")
            if _ok(sim):
                lines[-1] += (f", simulated {sim:.1%} [{row['simulated_sl_low']:.1%}, "
                              f"{row['simulated_sl_high']:.1%}]")
        lines.append("SL = answered within the queue's answer_s / offered (abandons count as "
                     "misses); email on time = items handled by their deadline")
        return "\n".join(lines)

    def write(self, out_dir: str | Path) -> dict[str, Path]:
        """Write the plan's files (README's table) and return their paths by name."""
        from staffing.io.export import safe_frame

        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        files: dict[str, Path] = {}

        def csv(name: str, frame: pd.DataFrame, index: bool = False) -> None:
            p = out / name
            f = frame.copy()
            for c in f.columns:
                if isinstance(f[c].dtype, pd.DatetimeTZDtype):
                    f[c] = f[c].map(lambda t: t.isoformat())
            if index and isinstance(f.index, pd.DatetimeIndex):
                f.index = f.index.map(lambda t: t.isoformat())
            safe_frame(f).to_csv(p, index=index, float_format="%.6g")
            files[name] = p

        from staffing.queues.demand import stack

        req = stack(self.demand).reset_index()
        csv("requirements.csv", req)
        csv("queues.csv", self.queue_table())
        csv("queue_intervals.csv", self.per_queue_intervals())
        csv("combined.csv", self.combined(), index=True)
        if not self.roster.shifts.empty:
            csv("shifts.csv", self.roster.shifts)
            csv("tours.csv", self.roster.tours)
            csv("groups.csv", self.roster.groups)
            csv("allocation.csv", self.roster.allocation)
        for name, e in self.roster.email.items():
            csv(f"email_{_slug(name)}.csv", e)
        if self.roster.email:
            csv("email.csv", pd.concat([e.assign(queue=name) for name, e in
                                        self.roster.email.items()], ignore_index=True))
        p = out / "summary.json"
        p.write_text(json.dumps(self.summary(), indent=2, default=str))
        files["summary.json"] = p
        return files


def _ok(x: Any) -> bool:
    return x is not None and isinstance(x, float | int) and math.isfinite(float(x))


def _num(x: Any) -> str:
    return f"{x:,.1f}" if _ok(x) else "-"


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)


def serving(roster: SkillsRosterResult, demand: Mapping[str, QueueDemand]) -> pd.DataFrame:
    """On-phone agents serving each voice/chat queue per interval (rows) and queue (columns):
    the agents allocated to it plus its part of each group's spare on-phone time (on the
    phone but allocated to no queue), split over the group's voice/chat skills in proportion
    to their allocation then (evenly when it has none). A dedicated team's whole on-phone
    staff serves its queue, as in the simulation."""
    live = [n for n, d in demand.items() if not d.spec.deferrable]
    idx = pd.DatetimeIndex(roster.groups["interval_start"].unique())
    out = pd.DataFrame(0.0, index=idx, columns=live)
    if roster.groups.empty:
        return out
    alloc = roster.allocation.pivot_table(index=["interval_start", "group"], columns="queue",
                                          values="agents", aggfunc="sum", fill_value=0.0)
    skills = {g.name: [q for q in g.skills if q in live] for g in _groups_of(roster)}
    for g, rows in roster.groups.groupby("group", sort=False):
        own = [q for q in skills.get(str(g), []) if q in live]
        if not own:
            continue
        phone = rows.set_index("interval_start")["on_phone"].reindex(idx).fillna(0.0)
        a = pd.DataFrame(0.0, index=idx, columns=own)
        if len(alloc):
            try:
                part = alloc.xs(g, level="group")
                for q in own:
                    if q in part.columns:
                        a[q] = part[q].reindex(idx).fillna(0.0)
            except KeyError:
                pass
        used = roster.allocation[roster.allocation["group"] == g].groupby(
            "interval_start")["agents"].sum().reindex(idx).fillna(0.0)
        spare = (phone - used).clip(lower=0.0)
        tot = a.sum(axis=1)
        for q in own:
            w = np.where(tot > 1e-9, a[q] / tot.where(tot > 1e-9, 1.0), 1.0 / len(own))
            out[q] += a[q] + spare * w
    return out


def _groups_of(roster: SkillsRosterResult) -> list[SkillGroup]:
    return list(roster.skill_groups)


def predicted_service(demand: Mapping[str, QueueDemand], roster: SkillsRosterResult,
                      tz: str) -> dict[str, Evaluation]:
    """Each voice/chat queue's Erlang service (:func:`staffing.evaluate.evaluate`) with the
    on-phone agents serving it (:func:`serving`)."""
    out: dict[str, Evaluation] = {}
    if roster.queues.empty:
        return out
    serve = serving(roster, demand)
    for name, d in demand.items():
        if d.spec.deferrable:
            continue
        goals = d.goals
        scheduled = serve[name] / (1.0 - goals.shrinkage)
        out[name] = evaluate(d.demand, scheduled.reindex(d.demand.index).fillna(0.0), goals,
                             tz=tz)
    return out


def traffic_of(demand: Mapping[str, QueueDemand]) -> list[QueueTraffic]:
    """The simulation's load per queue from the demand (forecast means, goals)."""
    out = []
    for name, d in demand.items():
        dem = d.demand
        aht = dem["aht_s"].fillna(dem["aht_s"].mean()).fillna(0.0).to_numpy(float)
        spec = d.spec
        due = d.requirements["due"].to_numpy(np.int64) if spec.deferrable else None
        out.append(QueueTraffic(
            name, spec.channel, dem["calls"].to_numpy(float), aht, spec.priority,
            float(d.goals.answer_s), d.goals.patience_s, spec.concurrency, due,
            spec.deferred.handled_share if spec.deferred is not None else 1.0))
    return out


def plan_queues(config: MultiQueueConfig, *, groups: tuple[SkillGroup, ...] | None = None,
                simulate: bool | None = None, time_limit_s: float | None = None,
                requirements: Mapping[str, pd.DataFrame] | None = None,
                demand: Mapping[str, QueueDemand] | None = None,
                progress: Callable[[SolveProgress], None] | None = None,
                cancel: threading.Event | None = None) -> QueuesPlanResult:
    """Run the multi-queue plan (module doc). ``groups`` replaces the config's skill groups
    (a what-if), ``demand`` reuses an earlier :func:`queue_demand` (same config),
    ``requirements`` skips the forecast of the queues it names."""
    with collect_warnings() as notes:
        dem = dict(demand) if demand is not None else queue_demand(config,
                                                                    requirements=requirements)
        base = config.base
        shrink = {d.goals.shrinkage for d in dem.values()}
        shrinkage = max(shrink) if shrink else 0.0
        options = base.solver
        if time_limit_s is not None:
            options = dataclasses.replace(options, time_limit_s=float(time_limit_s))
        needs = needs_from(dem, base.roster, base.freq)
        use = groups if groups is not None else config.groups
        roster = solve_skills_roster(base.index, needs, use, base.roster, options,
                                     shrinkage=shrinkage, progress=progress, cancel=cancel)
        predicted = predicted_service(dem, roster, base.tz)
        sim = None
        do_sim = base.simulate if simulate is None else simulate
        if do_sim and roster.has_roster:
            opts = base.simulation
            sim = simulate_queues(base.index, traffic_of(dem),
                                  {g.name: g.skills for g in use}, roster.on_phone(),
                                  replications=opts.replications, seed=opts.seed or 0,
                                  confidence=opts.confidence)
    extra = [n for d in dem.values() for n in d.notes]
    if len(shrink) > 1:
        extra.append(f"queues have different shrinkage {sorted(shrink)}: the roster uses "
                     f"{shrinkage:g} for every group")
    cfg = config if groups is None else dataclasses.replace(config, groups=groups)
    return QueuesPlanResult(cfg, dem, roster, predicted, sim,
                            list(dict.fromkeys([*notes, *extra, *roster.notes])))
