"""Per-queue forecast and requirements through the single-queue stages.

Voice and chat queues run :func:`staffing.pipeline.prepare` on their own
:class:`~staffing.config.PlanConfig` (forecast, patience fit, Erlang C/A requirements with the
queue's goals; chat with ``concurrency``). Email queues run the same forecast
(:func:`staffing.pipeline.run_forecast`) and get a *workload* instead of an Erlang requirement:

- ``workload`` = items x handle time / interval length: agent-intervals of work arriving in
  the interval (agents, fractional);
- ``due`` = the interval position by which that work must be handled
  (:meth:`~staffing.queues.spec.DeferredGoal.due`);
- ``agents_net`` = the agents a "handle everything the moment it arrives" plan would need
  (= ``workload``); the skills roster may defer it up to ``due``, filling valleys of the
  voice and chat queues.

The frames keep the single-queue requirements columns, indexed by ``interval_start``;
:func:`stack` gives the tidy multi-queue frame indexed by (``interval_start``, ``queue``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from staffing.config import PlanConfig
from staffing.erlang import PatienceFit
from staffing.forecast import ForecastResult
from staffing.io.plandata import PlanData
from staffing.pipeline import prepare, run_forecast
from staffing.queues.config import MultiQueueConfig
from staffing.queues.spec import QueueSpec
from staffing.requirements import ServiceGoals

__all__ = ["QueueDemand", "queue_demand", "stack"]


@dataclass
class QueueDemand:
    """One queue's forecast and requirement.

    Attributes
    ----------
    spec:
        The queue.
    config:
        Its single-queue plan config (data in memory).
    forecast:
        The forecast result (``frame``: ``calls``, ``aht_s`` per interval).
    goals:
        Service goals (patience resolved); email: shrinkage only.
    requirements:
        Voice/chat: the single-queue requirements frame (``agents_net`` = agents on the phone
        by Erlang, ``agents_required`` = after shrinkage); email: ``calls``, ``aht_s``,
        ``workload`` (agents), ``due`` (position), ``agents_net``, ``agents_required``.
    patience:
        The fitted patience, when the queue fits one.
    notes:
        Notes of the stages.
    """

    spec: QueueSpec
    config: PlanConfig
    forecast: ForecastResult | None
    goals: ServiceGoals
    requirements: pd.DataFrame
    patience: PatienceFit | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def demand(self) -> pd.DataFrame:
        """``calls`` and ``aht_s`` per interval (the forecast frame, or the requirements')."""
        if self.forecast is not None:
            return self.forecast.frame
        return self.requirements[["calls", "aht_s"]]

    @property
    def net(self) -> np.ndarray:
        """Agents on the phone the queue needs per interval (voice/chat Erlang; email:
        workload arriving)."""
        return self.requirements["agents_net"].to_numpy(float)


def email_requirements(spec: QueueSpec, frame: pd.DataFrame, freq: pd.Timedelta,
                       shrinkage: float) -> pd.DataFrame:
    """Workload and deadlines of an email queue from its forecast frame (module doc)."""
    assert spec.deferred is not None
    calls = frame["calls"].to_numpy(float)
    aht = frame["aht_s"].fillna(0.0).to_numpy(float)
    work = calls * aht / freq.total_seconds()
    out = pd.DataFrame(index=frame.index)
    out["calls"] = calls
    out["aht_s"] = aht
    out["workload"] = work
    out["due"] = spec.deferred.due(pd.DatetimeIndex(frame.index), freq)
    out["agents_net"] = work
    out["agents_required"] = np.ceil(work / (1.0 - shrinkage) - 1e-9)
    return out


def queue_demand(config: MultiQueueConfig, data: Mapping[str, PlanData] | None = None,
                 *, requirements: Mapping[str, pd.DataFrame] | None = None
                 ) -> dict[str, QueueDemand]:
    """Forecast and requirements of every queue (module doc). ``data`` is the per-queue data
    (default :meth:`MultiQueueConfig.load_data`); ``requirements`` skips the forecast for the
    queues it names (frames with ``calls``, ``aht_s``, ``agents_net``)."""
    requirements = requirements or {}
    need = [q.name for q in config.queues if q.name not in requirements]
    if data is None and need:
        data = config.load_data()
    cfgs = config.queue_configs(data) if need and data is not None else dict(config.configs)
    out: dict[str, QueueDemand] = {}
    for q in config.queues:
        cfg = cfgs[q.name]
        given = requirements.get(q.name)
        if q.deferrable:
            goals = q.service_goals()
            if given is not None:
                req = given if "due" in given else email_requirements(
                    q, given, cfg.freq, goals.shrinkage)
                out[q.name] = QueueDemand(q, cfg, None, goals, req)
                continue
            pdata = cfg.load_data()
            fc = run_forecast(cfg, pdata.history)
            req = email_requirements(q, fc.frame, cfg.freq, goals.shrinkage)
            out[q.name] = QueueDemand(q, cfg, fc, goals, req, None, list(fc.notes))
            continue
        prep = prepare(cfg, requirements=given)
        out[q.name] = QueueDemand(q, cfg, prep.forecast, prep.goals, prep.requirements,
                                  prep.patience, list(prep.notes))
    return out


def stack(demand: Mapping[str, QueueDemand], column: str = "requirements") -> pd.DataFrame:
    """The tidy multi-queue frame: every queue's requirements (or ``"demand"``) indexed by
    (``interval_start``, ``queue``), with ``channel``."""
    frames = []
    for name, d in demand.items():
        f = (d.requirements if column == "requirements" else d.demand).copy()
        f["queue"] = name
        f["channel"] = d.spec.channel
        frames.append(f)
    out = pd.concat(frames)
    return out.set_index("queue", append=True).sort_index()
