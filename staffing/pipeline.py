"""The weekly plan, end to end: the only module that composes the stages.

``plan(config)`` runs history -> forecast -> requirements -> roster -> evaluation -> simulation
and keeps every stage's result in a :class:`PlanResult`; ``PlanResult.write(out_dir)`` writes
all outputs. Every caller that runs stages in sequence goes through here: the CLI (``plan``,
``roster``, ``demo``), scenario sweeps (:mod:`staffing.scenario`: cached data and forecasts
through :class:`Reuse`, demand overrides through ``adjust``) and the API's job runners.
:func:`prepare` runs the stages before the roster only (a scenario's requirements). The single
stage functions (:func:`load_data`, :func:`run_forecast`, :func:`run_requirements`,
:func:`run_roster`, :func:`run_evaluation`, :func:`run_simulation`) stay public for notebooks.

Warnings of the `staffing` family issued during a plan reach the caller as usual and are also
collected into ``PlanResult.notes`` with :func:`staffing.exceptions.collect_warnings`
(a context variable: safe in worker threads, unlike ``warnings.catch_warnings``).

Choices
-------
- A call log is aggregated to the site's interval grid; it also provides the handle times
  resampled by the simulation and, with ``goals.patience_s = "fit"``, the patience estimate
  (:func:`staffing.erlang.fit_patience`). An interval history gives neither (the simulation then
  draws exponential handle times).
- The roster covers ``agents_required`` (floor agents, shrinkage included, open-hours floor
  applied). Evaluation and simulation turn the roster's floor agents back into phone agents
  with the same shrinkage.
- The roster's coverage frame gets the predicted ``service_level`` per interval (the
  ``coverage.csv`` contract).
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from staffing.config import PlanConfig
from staffing.erlang import PatienceFit, fit_patience
from staffing.evaluate import Evaluation, evaluate
from staffing.exceptions import InputError, collect_warnings
from staffing.forecast import ForecastResult, forecast
from staffing.grid import INDEX_NAME, by_interval, with_interval_column
from staffing.io.plandata import PlanData
from staffing.requirements import ServiceGoals, compute_requirements
from staffing.roster import RosterResult, RosterStatus, SolveProgress, solve_roster
from staffing.simulate import SimulationResult, simulate

log = logging.getLogger(__name__)

__all__ = [
    "STAGES",
    "PlanData",
    "PlanResult",
    "Prepared",
    "Reuse",
    "Stage",
    "StageEvent",
    "load_data",
    "plan",
    "prepare",
    "run_evaluation",
    "run_forecast",
    "run_requirements",
    "run_roster",
    "run_simulation",
]

STAGES = ("data", "forecast", "requirements", "roster", "evaluate", "simulate")


@dataclass(frozen=True)
class StageEvent:
    """Progress of :func:`plan`.

    ``kind`` is ``"start"``, ``"done"`` or ``"progress"`` (solver reports during the roster
    stage); ``elapsed_s`` is seconds since the stage started; ``detail`` is a short text;
    ``solver`` carries the roster solver's numbers (:class:`staffing.roster.SolveProgress`:
    incumbent objective, bound, gap, elapsed seconds) on roster progress events.
    """

    stage: str
    kind: str
    elapsed_s: float = 0.0
    detail: str = ""
    solver: SolveProgress | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready progress: ``stage``, ``detail`` (kind and text) and, on solver events,
        ``incumbent``, ``bound`` and ``gap`` (None where not finite); what job runners store."""
        out: dict[str, Any] = {"stage": self.stage,
                               "detail": f"{self.kind} {self.detail}".strip()}
        if self.solver is not None:
            p = self.solver
            out.update(incumbent=_finite(p.objective), bound=_finite(p.bound),
                       gap=_finite(p.gap))
        return out


def _finite(x: float | None) -> float | None:
    return float(x) if x is not None and np.isfinite(x) else None


Progress = Callable[[StageEvent], None]


@dataclass
class PlanResult:
    """Every stage's result of one weekly plan.

    Attributes
    ----------
    config:
        The plan's settings.
    data:
        Interval history (and call log); None when the plan was given its requirements and
        needed no data.
    forecast:
        :class:`staffing.forecast.ForecastResult` (with any demand adjustment applied); None
        when the plan was given its requirements.
    patience:
        :class:`staffing.erlang.PatienceFit` when patience was fitted, else None.
    goals:
        :class:`staffing.requirements.ServiceGoals` used (patience resolved).
    requirements:
        Requirements frame (DESIGN.md contract).
    roster:
        :class:`staffing.roster.RosterResult`.
    evaluation:
        Predicted service of the roster (None when the solve gave no roster).
    simulation:
        Simulated service (None when disabled or no roster).
    timings:
        Wall seconds per stage.
    notes:
        Warnings raised along the way (text) and other remarks.
    """

    config: PlanConfig
    data: PlanData | None
    forecast: ForecastResult | None
    patience: PatienceFit | None
    goals: ServiceGoals
    requirements: pd.DataFrame
    roster: RosterResult
    evaluation: Evaluation | None = None
    simulation: SimulationResult | None = None
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def coverage(self) -> pd.DataFrame:
        """``interval_start, required, scheduled, under, over, service_level`` (predicted)."""
        return coverage_frame(self.roster, self.evaluation)

    def summary(self) -> dict[str, Any]:
        """The ``summary.json`` content: roster keys at the top level (status, objective,
        bound, gap, runtime_s, build_s, agent_hours, cost), the weekly predicted
        ``service_level``, then nested ``forecast``, ``roster``, ``evaluation``,
        ``simulation`` and ``plan`` sections."""
        ro = self.roster.summary()
        ev = self.evaluation.summary() if self.evaluation is not None else None
        si = self.simulation.summary() if self.simulation is not None else None
        cfg = self.config
        out: dict[str, Any] = {
            "status": ro["status"],
            "objective": ro["objective"],
            "bound": ro["bound"],
            "gap": ro["gap"],
            "runtime_s": ro["runtime_s"],
            "build_s": ro["build_s"],
            "agent_hours": ro["agent_hours"],
            "cost": ro["cost"],
            "service_point_cost": ro["service_point_cost"],
            "service_level": ev["service_level"] if ev else None,
            "simulated_service_level": si["service_level"] if si else None,
            "plan": {
                "start": cfg.start.isoformat(),
                "days": cfg.days,
                "tz": cfg.tz,
                "interval_min": cfg.freq.total_seconds() / 60,
                "data": cfg.data_label,
                "data_kind": cfg.data_kind,
                "config": str(cfg.source) if cfg.source else None,
                "goals": self.goals.to_dict(),
                "patience": self.patience.summary() if self.patience is not None else None,
                "timings_s": {k: round(v, 3) for k, v in self.timings.items()},
                "notes": list(self.notes),
            },
            "forecast": self.forecast.summary() if self.forecast is not None else None,
            "requirements": {
                "agent_intervals_required": float(self.requirements["agents_required"].sum()),
                "peak_agents_required": int(self.requirements["agents_required"].max()),
            },
            "roster": ro,
            "evaluation": ev,
            "simulation": si,
        }
        if cfg.overflow is not None:
            out["overflow_calls"] = ro["overflow_calls"]
            out["overflow_fees"] = ro["overflow_fees"]
            out["total_cost"] = ro["cost"] + ro["overflow_fees"]
            out["overflow"] = self._overflow_summary()
        return out

    def _overflow_summary(self) -> dict[str, Any]:
        """Calls sent, fees, wages + fees, the partner's and the in-house service level."""
        ro = self.roster
        cfg = self.config
        assert cfg.overflow is not None
        total = float(self.requirements["calls"].sum())
        out: dict[str, Any] = {
            "calls": float(ro.overflow_calls), "fees": float(ro.overflow_fees),
            "total_cost": float(ro.cost + ro.overflow_fees),
            "share": float(ro.overflow_calls) / total if total > 0 else None,
            "partner_service_level": cfg.overflow.partner_service_level(self.goals),
            "inhouse_service_level": None,
        }
        ev = self.evaluation
        if ev is not None and "inhouse_service_level" in ev.intervals:
            iv = ev.intervals
            kept = (iv["calls"] - iv["overflow_calls"]).to_numpy(float)
            if kept.sum() > 0:
                out["inhouse_service_level"] = float(
                    (kept * iv["inhouse_service_level"].to_numpy(float)).sum() / kept.sum())
        return out

    def service_comparison(self) -> pd.DataFrame:
        """Predicted (Erlang) beside simulated service per local day and for the week.

        Columns: ``calls`` (forecast), ``predicted_sl``, ``simulated_sl`` with
        ``simulated_sl_low``/``_high`` (confidence interval), ``predicted_asa_s``,
        ``simulated_asa_s``, ``predicted_abandon``, ``simulated_abandon``; the last row is
        ``week``. Empty without an evaluation.
        """
        ev = self.evaluation
        if ev is None:
            return pd.DataFrame()
        rows = ev.days.copy()
        rows.index = rows.index.map(str)
        rows.loc["week"] = pd.Series(ev.week)
        out = pd.DataFrame({
            "calls": rows["calls"],
            "predicted_sl": rows["service_level"],
            "predicted_asa_s": rows["asa_s"],
            "predicted_abandon": rows["abandon_rate"],
        })
        out.index.name = "date"
        sim = self.simulation
        if sim is not None:
            sd = sim.days.copy()
            sd.index = sd.index.map(str)
            sd.loc["week"] = pd.Series(sim.week)
            out["simulated_sl"] = sd["service_level"]
            out["simulated_sl_low"] = sd["service_level_low"]
            out["simulated_sl_high"] = sd["service_level_high"]
            out["simulated_asa_s"] = sd["asa_s"]
            out["simulated_abandon"] = sd["abandon_rate"]
        return out

    def service_intervals(self) -> pd.DataFrame:
        """Predicted (Erlang) beside simulated service per interval, for ``service.csv``.

        Indexed by ``interval_start``: ``calls``, ``scheduled``, ``predicted_sl``,
        ``predicted_asa_s`` (s), ``predicted_abandon``, ``meets_goal``, and with a simulation
        ``simulated_sl`` with its ``simulated_sl_low``/``_high`` confidence bounds (fractions;
        NaN where no call arrives). Empty without an evaluation.
        """
        ev = self.evaluation
        if ev is None:
            return pd.DataFrame()
        iv = ev.intervals
        out = pd.DataFrame({
            "calls": iv["calls"], "scheduled": iv["scheduled"],
            "predicted_sl": iv["service_level"], "predicted_asa_s": iv["asa_s"],
            "predicted_abandon": iv["abandon_rate"], "meets_goal": iv["meets_goal"],
        }, index=iv.index)
        if self.simulation is not None:
            si = self.simulation.intervals.reindex(iv.index)
            out["simulated_sl"] = si["service_level"]
            out["simulated_sl_low"] = si["service_level_low"]
            out["simulated_sl_high"] = si["service_level_high"]
        return out

    def text(self) -> str:
        """A few lines for people (see :func:`staffing.report.format_summary`)."""
        from staffing.report import format_summary

        return format_summary(self.summary())

    def write(self, out_dir: str | Path, *, plots: bool = True) -> dict[str, Path]:
        """Write every output into ``out_dir`` (created if needed) and return name -> path.

        Files: ``forecast.csv``, ``requirements.csv``, ``shifts.csv``, ``coverage.csv``,
        ``tours.csv``, ``summary.json``, ``plan.xlsx`` (sheets info, forecast, requirements,
        shifts, tours, coverage, days, misses), ``service.csv`` and ``service_days.csv``
        (predicted and simulated service per interval, and per day with a ``week`` row, as
        :meth:`service_comparison`), ``shifts.ics``, ``forecast.parquet``,
        ``requirements.parquet``, ``coverage.parquet``, ``shifts.parquet`` (the frames with
        their time zone), and with ``plots`` the PNGs
        ``forecast.png``, ``coverage.png``, ``heatmap.png``, ``service.png`` (predicted vs
        simulated service level per interval).
        """
        from staffing.io import export
        from staffing.report import plot_coverage, plot_forecast, plot_heatmap, plot_service

        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        tz = self.config.tz
        paths: dict[str, Path] = {}
        if self.forecast is None:
            raise InputError("forecast", None, "a plan that forecast its demand (this one was "
                             "given its requirements: write the roster's files instead)")
        fcr = self.forecast
        fc = fcr.frame
        paths["forecast.csv"] = export.write_csv(fc, out / "forecast.csv", index=True)
        paths["requirements.csv"] = export.write_requirements_csv(
            self.requirements, out / "requirements.csv")
        shifts = self.roster.shifts
        paths["shifts.csv"] = export.write_shifts_csv(shifts, out / "shifts.csv")
        cov = self.coverage
        paths["coverage.csv"] = export.write_coverage_csv(cov, out / "coverage.csv")
        if len(self.roster.tours.columns):
            paths["tours.csv"] = export.write_csv(self.roster.tours, out / "tours.csv")
        # Parquet beside the CSVs: the frames with their time zone (CSV keeps only offsets)
        for name, frame in (("forecast", fc), ("requirements", self.requirements),
                            ("coverage", cov), ("shifts", shifts)):
            if len(frame.columns):
                paths[f"{name}.parquet"] = export.write_parquet(frame, out / f"{name}.parquet")
        summary = self.summary()
        paths["summary.json"] = export.write_summary_json(summary, out / "summary.json")
        sheets: dict[str, pd.DataFrame] = {
            "forecast": fc,
            "requirements": self.requirements,
            "shifts": shifts,
            "tours": self.roster.tours,
            "coverage": by_interval(cov),
        }
        if self.evaluation is not None:
            sheets["days"] = export.day_sheet(
                self.evaluation.days, shifts, cov, tz=tz,
                interval_hours=self.config.freq.total_seconds() / 3600,
                service=self.service_comparison())
            sheets["misses"] = self.evaluation.misses
            sheets["service"] = self.service_comparison()
        info = {k: v for k, v in summary.items() if not isinstance(v, dict)}
        info["tz"] = tz
        info["forecast_model"] = summary["forecast"]["model"]
        paths["plan.xlsx"] = export.write_workbook(sheets, out / "plan.xlsx", info=info)
        service = self.service_intervals()
        if len(service):
            paths["service.csv"] = export.write_csv(service, out / "service.csv", index=True)
            paths["service_days.csv"] = export.write_csv(
                self.service_comparison(), out / "service_days.csv", index=True)
        if not shifts.empty:
            paths["shifts.ics"] = export.write_ics(
                shifts, out / "shifts.ics", name=f"roster {self.config.start.isoformat()}")
        if plots:
            from staffing.forecast.plots import plot_forecast_check  # matplotlib: plots only

            assert self.data is not None  # a plan with a forecast read its data
            history = self.data.history
            paths["forecast.png"] = plot_forecast(
                fc, out / "forecast.png", history=history,
                level=fcr.level, tz=tz, title=f"Forecast ({fcr.model}) from {self.config.start}")
            paths["forecast_check.png"] = plot_forecast_check(
                fcr, out / "forecast_check.png", history=history, tz=tz)
            if len(cov):
                paths["coverage.png"] = plot_coverage(cov, out / "coverage.png", tz=tz)
                paths["heatmap.png"] = plot_heatmap(cov, out / "heatmap.png", tz=tz)
            if self.evaluation is not None:
                paths["service.png"] = plot_service(
                    self.evaluation.intervals, out / "service.png",
                    simulated=self.simulation.intervals if self.simulation else None,
                    goal=self.goals.service_level, tz=tz)
        return paths


def coverage_frame(roster: Any, evaluation: Evaluation | None) -> pd.DataFrame:
    """The roster's coverage with the predicted ``service_level`` and the ``calls`` offered
    added; the service level is empty (NaN) where no call is offered (nothing to answer)."""
    cov = roster.coverage.copy()
    if cov.empty:
        return pd.DataFrame(columns=[INDEX_NAME, "required", "scheduled", "under", "over",
                                     "service_level", "calls"])
    cov = with_interval_column(cov)
    if evaluation is not None:
        at = pd.DatetimeIndex(cov[INDEX_NAME])
        calls = evaluation.intervals["calls"].reindex(at).to_numpy(float)
        sl = evaluation.intervals["service_level"].reindex(at).to_numpy(float)
        cov["service_level"] = np.where(calls > 0, sl, np.nan)
        cov["calls"] = calls
    else:
        cov["service_level"] = float("nan")
        cov["calls"] = float("nan")
    return cov


# ----------------------------------------------------------------------------- stages

def _demand_notes(config: PlanConfig, data: PlanData) -> list[str]:
    """Demand definitions in use and the open-hours coverage check (issue 15)."""
    from staffing.review.hours_check import check_open_hours

    out: list[str] = []
    log_ = data.call_log
    if log_ is not None:
        s = log_.summary()
        text = (f"demand: offered = {config.offered} ({s['reached_queue']} calls reached the "
                f"agent queue, {s['menu_hangups']} menu hang-ups")
        text += " reported apart)" if config.offered == "queue" else " counted as offered)"
        wrap = f"{log_.wrap_s:.1f} s" + (" estimated from agent idle gaps"
                                        if log_.wrap is not None else "")
        out.append(f"{text}; handle time = talk + after-call work {wrap}")
    check_open_hours(data.history, config.demand_hours)  # a DataQualityWarning (collected)
    return out


def load_data(config: PlanConfig) -> PlanData:
    """The plan's data on the site's grid: in memory, or read from ``[data] path``."""
    return config.load_data()


def run_forecast(config: PlanConfig, history: pd.DataFrame) -> ForecastResult:
    """Forecast the planning horizon (``staffing.forecast.forecast``)."""
    last = history.index[-1].tz_convert(config.tz).date()
    first = history.index[0].tz_convert(config.tz).date()
    if config.start <= first:
        raise InputError("plan.start", config.start.isoformat(),
                         f"a date after the history's first day {first}")
    if config.start <= last:
        log.warning("plan.start %s is inside the history (last day %s): the forecast uses "
                    "history up to the day before it", config.start, last)
        cut = config.grid.midnight(config.start)
        history = history[history.index < cut]
    return forecast(history, start=config.start, days=config.days,
                    open_hours=config.demand_hours, **config.forecast.kwargs())


def fit_patience_from(data: PlanData | None) -> PatienceFit:
    """Mean patience fitted on the call log's queued calls (:class:`PatienceFit`)."""
    if data is None or data.call_log is None:
        raise InputError("goals.patience_s", "fit", "a number of seconds (no call log)")
    obs = data.call_log.patience_observations()
    return fit_patience(obs["wait_s"].to_numpy(float), obs["abandoned"].to_numpy(bool))


def run_requirements(config: PlanConfig, forecast_frame: pd.DataFrame,
                     patience_s: float | None = None) -> tuple[ServiceGoals, pd.DataFrame]:
    """Goals (patience resolved) and the requirements frame."""
    goals = config.service_goals(patience_s)
    req = compute_requirements(forecast_frame, goals, open_hours=config.demand_hours,
                               freq=config.freq)
    return goals, req


def run_roster(config: PlanConfig, requirements: pd.DataFrame, *,
               progress: Callable[[SolveProgress], None] | None = None,
               time_limit_s: float | None = None,
               cancel: threading.Event | None = None,
               goals: ServiceGoals | None = None) -> RosterResult:
    """Solve the roster for ``requirements['agents_required']`` (``cancel`` stops the solve).

    With ``[solver] objective = "service"`` the answered-within-threshold table is made from
    the requirements frame's ``calls`` and ``aht_s`` with ``goals`` (default: the config's
    goals) by :func:`staffing.service_curve.answered_curve`."""
    options = config.solver
    if time_limit_s is not None:
        options = dataclasses.replace(options, time_limit_s=float(time_limit_s))
    required = requirements["agents_required"].astype(float)
    service = None
    goals = goals if goals is not None else config.service_goals(None)
    if options.objective == "service":
        from staffing.service_curve import answered_curve

        service = answered_curve(requirements[["calls", "aht_s"]], goals, freq=config.freq,
                                 required=required,
                                 interval_floor=options.min_interval_service_level)
    levels = None
    if config.overflow is not None:
        from staffing.overflow import overflow_levels

        levels = overflow_levels(config.overflow, requirements[["calls", "aht_s"]], goals,
                                 freq=config.freq, days=config.days, required=required,
                                 service=service, open_hours=config.demand_hours)
    return solve_roster(required, config.roster, options, progress=progress, cancel=cancel,
                        service=service, overflow=levels)


def run_evaluation(goals: ServiceGoals, forecast_frame: pd.DataFrame, roster: RosterResult,
                   tz: str, overflow_service_level: float | None = None) -> Evaluation | None:
    """Predicted service of the roster's coverage, or None when there is no roster. With an
    overflow partner (``overflow_calls`` in the coverage) the agents serve the kept calls and
    the service level is the combined one (``overflow_service_level``: the partner's)."""
    cov = roster.coverage
    if cov is None or cov.empty:
        return None
    frame = by_interval(cov)
    sched = frame["scheduled"]
    if "overflow_calls" in frame and overflow_service_level is not None:
        return evaluate(forecast_frame, sched.astype(float), goals, tz=tz,
                        overflow=frame["overflow_calls"].astype(float),
                        overflow_service_level=overflow_service_level)
    return evaluate(forecast_frame, sched.astype(float), goals, tz=tz)


def run_simulation(config: PlanConfig, goals: ServiceGoals, forecast_frame: pd.DataFrame,
                   evaluation: Evaluation, handle_s: np.ndarray | None) -> SimulationResult:
    """Simulate the roster's phone agents against Poisson arrivals at the forecast rate."""
    return simulate(
        forecast_frame,
        evaluation.intervals["agents_on_phone"],
        answer_s=goals.answer_s,
        patience_s=goals.patience_s,
        handle_s=handle_s,
        options=config.simulation,
        concurrency=goals.concurrency,
        freq=config.freq,
        tz=config.tz,
    )


class Stage:
    """Context manager timing one named stage into ``timings`` (s) and reporting
    :class:`StageEvent` start/done events to ``progress``."""

    def __init__(self, name: str, progress: Progress | None, timings: dict[str, float]):
        self.name = name
        self.progress = progress
        self.timings = timings
        self.t0 = time.perf_counter()

    def __enter__(self) -> Stage:
        log.info("stage %s", self.name)
        self.emit("start")
        return self

    def emit(self, kind: str, detail: str = "", solver: SolveProgress | None = None) -> None:
        if self.progress is not None:
            self.progress(StageEvent(self.name, kind, time.perf_counter() - self.t0, detail,
                                     solver))

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.timings[self.name] = time.perf_counter() - self.t0
        if exc_type is None:
            self.emit("done", f"{self.timings[self.name]:.1f} s")


@dataclass(frozen=True)
class Reuse:
    """Stage results a caller keeps between plans (the scenario cache). Each callable gets
    the function computing the result and returns it, from its store on a hit."""

    data: Callable[[Callable[[], PlanData]], PlanData] | None = None
    forecast: Callable[[Callable[[], ForecastResult]], ForecastResult] | None = None
    patience: Callable[[Callable[[], PatienceFit]], PatienceFit] | None = None


def _reused(hook: Callable[[Callable[[], Any]], Any] | None, make: Callable[[], Any]) -> Any:
    return make() if hook is None else hook(make)


@dataclass
class Prepared:
    """The stages before the roster: data, forecast, patience, goals and requirements.
    ``demand`` is the frame (``calls``, ``aht_s`` per interval) evaluation and simulation
    use: the forecast's, or the given requirements'."""

    data: PlanData | None
    forecast: ForecastResult | None
    patience: PatienceFit | None
    goals: ServiceGoals
    requirements: pd.DataFrame
    demand: pd.DataFrame
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def prepare(
    config: PlanConfig,
    *,
    progress: Progress | None = None,
    reuse: Reuse | None = None,
    adjust: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
    requirements: pd.DataFrame | None = None,
) -> Prepared:
    """Run the data, forecast and requirements stages of ``config``.

    ``reuse`` supplies cached stage results; ``adjust`` turns the forecast frame into the
    demand planned for (a scenario's volume/handle-time overrides); ``requirements`` (a frame
    with ``agents_required``, ``calls`` and ``aht_s``) skips data and forecast (data is still
    read when ``goals.patience_s = "fit"``).
    """
    rs = reuse or Reuse()
    timings: dict[str, float] = {}
    notes: list[str] = []
    data: PlanData | None = None
    fc: ForecastResult | None = None
    if requirements is None or config.patience_s == "fit":
        with Stage("data", progress, timings):
            data = _reused(rs.data, config.load_data)
        if data.call_log is not None and any(data.call_log.dropped.values()):
            parts = ", ".join(f"{n} {k.replace('_', ' ')}"
                              for k, n in data.call_log.dropped.items() if n)
            notes.append(f"call log: dropped {parts}")
        notes.extend(_demand_notes(config, data))
    if requirements is None:
        assert data is not None
        history = data.history
        with Stage("forecast", progress, timings) as st:
            fc = _reused(rs.forecast, lambda: run_forecast(config, history))
            st.emit("progress", f"model {fc.model}")
            if adjust is not None:
                fc = dataclasses.replace(fc, frame=adjust(fc.frame))
        notes.extend(fc.notes)
    patience = None
    with Stage("requirements", progress, timings):
        if config.patience_s == "fit":
            patience = _reused(rs.patience, lambda: fit_patience_from(data))
        pat_s = patience.mean_patience_s if patience is not None else None
        if fc is not None:
            goals, req = run_requirements(config, fc.frame, pat_s)
            demand = fc.frame
        else:
            assert requirements is not None
            goals, req = config.service_goals(pat_s), requirements
            demand = requirements
    return Prepared(data, fc, patience, goals, req, demand, timings, notes)


def plan(
    config: PlanConfig,
    *,
    progress: Progress | None = None,
    time_limit_s: float | None = None,
    simulate: bool | None = None,
    cancel: threading.Event | None = None,
    reuse: Reuse | None = None,
    adjust: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
    requirements: pd.DataFrame | None = None,
) -> PlanResult:
    """Run the weekly plan described by ``config``.

    Parameters
    ----------
    config:
        :class:`PlanConfig` (e.g. ``PlanConfig.from_toml("data/plan.toml")``).
    progress:
        Called with :class:`StageEvent` at each stage's start and end and with solver progress
        (incumbent, bound, gap in ``event.solver``) during the roster stage (from the solver
        thread; keep it quick).
    time_limit_s:
        Override of ``[solver] time_limit_s``, seconds.
    simulate:
        Override of ``[simulation] enabled``.
    cancel:
        Set it (from another thread) to stop: the roster solve stops within about a second with
        status ``cancelled`` (keeping its incumbent, if any) and later stages are skipped.
    reuse, adjust, requirements:
        As in :func:`prepare` (cached stage results, a demand adjustment, given requirements).

    Returns
    -------
    PlanResult
        With every stage's result; a roster without a solution (infeasible, no incumbent) is a
        status in ``result.roster`` and leaves ``evaluation``/``simulation`` as None, as does a
        cancelled plan.
    """
    with collect_warnings() as caught:
        prep = prepare(config, progress=progress, reuse=reuse, adjust=adjust,
                       requirements=requirements)
        timings, notes = prep.timings, prep.notes
        with Stage("roster", progress, timings) as st:

            def on_solver(p: SolveProgress) -> None:
                gap = f"{p.gap:.2%}" if p.gap is not None else "n/a"
                obj = f"{p.objective:,.0f}" if p.objective is not None else "none"
                st.emit("progress", f"incumbent {obj}, gap {gap}", solver=p)

            roster = run_roster(config, prep.requirements, progress=on_solver,
                                time_limit_s=time_limit_s, cancel=cancel,
                                goals=prep.goals)
        notes.extend(roster.notes)
        evaluation = None
        sim = None
        cancelled = (cancel is not None and cancel.is_set()) or (
            roster.status is RosterStatus.CANCELLED)
        if roster.has_roster and not roster.coverage.empty and not cancelled:
            p_sl = (config.overflow.partner_service_level(prep.goals)
                    if config.overflow is not None else None)
            with Stage("evaluate", progress, timings):
                evaluation = run_evaluation(prep.goals, prep.demand, roster, config.tz, p_sl)
            run_sim = config.simulate if simulate is None else simulate
            if run_sim and evaluation is not None:
                handle_s = prep.data.handle_s if prep.data is not None else None
                demand = prep.demand
                if "overflow_calls" in evaluation.intervals:  # the agents serve the kept calls
                    from staffing.overflow import kept_demand

                    demand = kept_demand(prep.demand, evaluation.intervals["overflow_calls"])
                with Stage("simulate", progress, timings):
                    sim = run_simulation(config, prep.goals, demand, evaluation, handle_s)
                if p_sl is not None and "overflow_calls" in evaluation.intervals:
                    from staffing.overflow import combine_simulation

                    sim = combine_simulation(sim, evaluation, p_sl, config.tz)
                notes.extend(sim.notes)
        elif cancelled:
            notes.append("cancelled: evaluation and simulation skipped")
        else:
            notes.append(f"roster status {roster.status.value}: no roster to evaluate"
                         + (f" ({roster.diagnosis})" if roster.diagnosis else ""))
    notes.extend(w for w in caught if w not in notes)
    return PlanResult(config=config, data=prep.data, forecast=prep.forecast,
                      patience=prep.patience, goals=prep.goals, requirements=prep.requirements,
                      roster=roster, evaluation=evaluation, simulation=sim, timings=timings,
                      notes=notes)
