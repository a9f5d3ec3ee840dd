"""``review()``: how did a past period really go, and against the plan that covered it?

Inputs: a call log (:class:`staffing.io.CallLog`, the richest source: SL, short abandons, agents
staffed) or interval actuals (a history frame: offered, answered, abandoned, AHT, ASA; no SL or
staffing without per-call data), optionally the plan that covered the period
(:class:`PlanInputs`: its ``forecast.csv`` and ``coverage.csv``) and its service goals.

Output: :class:`ReviewResult` with tables per interval, local day, week and for the period
(definitions in :mod:`staffing.review.actuals` and :mod:`staffing.review.compare`), the intervals
that missed the goal with their attributed cause, forecast bias per time of day, plots and an
Excel/CSV report (:meth:`ReviewResult.write`).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from staffing.exceptions import InputError
from staffing.grid import INDEX_NAME, IntervalGrid, parse_freq
from staffing.io.calllog import CallLog
from staffing.requirements import ServiceGoals
from staffing.review.actuals import (
    SUM_COLUMNS,
    ServiceDefinition,
    actuals_from_log,
    aggregate,
    ratios,
)
from staffing.review.compare import attach_plan, attribute

__all__ = ["PlanInputs", "ReviewResult", "actuals_from_history", "review"]


@dataclass(frozen=True)
class PlanInputs:
    """The plan that covered a reviewed period.

    Attributes
    ----------
    forecast:
        ``forecast.csv`` frame (``calls``, ``aht_s``, optionally ``calls_lower``/``_upper``),
        indexed by ``interval_start``; or None.
    coverage:
        ``coverage.csv`` frame (``scheduled``, optionally ``required``, ``service_level``);
        or None.
    """

    forecast: pd.DataFrame | None = None
    coverage: pd.DataFrame | None = None

    @classmethod
    def from_dir(cls, path: str | Path, *, tz: str) -> PlanInputs:
        """Read ``forecast.csv`` and ``coverage.csv`` from a plan's output directory (either
        may be absent, not both)."""
        from staffing.io.export import read_coverage_csv, read_interval_csv

        p = Path(path)
        if not p.is_dir():
            raise InputError("plan", str(p), "a plan output directory (staffing plan --out)")
        fc = p / "forecast.csv"
        cv = p / "coverage.csv"
        if not fc.is_file() and not cv.is_file():
            raise InputError("plan", str(p), "a directory with forecast.csv and/or coverage.csv")
        return cls(
            forecast=read_interval_csv(fc, tz=tz, required=("calls", "aht_s"), what="forecast")
            if fc.is_file() else None,
            coverage=read_coverage_csv(cv, tz=tz) if cv.is_file() else None,
        )

    @property
    def index(self) -> pd.DatetimeIndex | None:
        """Interval starts the plan covers."""
        frame = self.forecast if self.forecast is not None else self.coverage
        return None if frame is None else pd.DatetimeIndex(frame.index)


@dataclass(frozen=True)
class ReviewResult:
    """A reviewed period.

    Attributes
    ----------
    intervals:
        Per ``interval_start``: actuals (sums and ratios of :mod:`staffing.review.actuals`),
        and with a plan its columns, the attribution steps, ``cause`` and ``cause_detail``.
    days, weeks:
        The same aggregated per local date / per week (Monday), plus plan accuracy
        (``wape``, ``bias``, ``band_coverage``), ``predicted_sl``, agent-hours scheduled,
        planned on the phone and staffed, and the shares of intervals meeting the goal
        (``share_met`` realised, ``share_predicted_met`` predicted).
    period:
        The whole period as a dict.
    misses:
        Intervals with calls that missed the goal (with a plan: their cause).
    time_of_day:
        Forecast ``bias`` and ``wape`` per local clock time (with a plan).
    definition:
        The counting rules in words.
    goals:
        The service goals reviewed against.
    has_plan:
        True when a forecast or coverage was given.
    """

    intervals: pd.DataFrame
    days: pd.DataFrame
    weeks: pd.DataFrame
    period: dict[str, Any]
    misses: pd.DataFrame
    time_of_day: pd.DataFrame
    definition: str
    goals: ServiceGoals
    has_plan: bool
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Period figures as plain numbers (non-finite as None) plus the definition."""
        from staffing.io.export import jsonable

        out: dict[str, Any] = {k: jsonable(v) for k, v in self.period.items()}
        out["definition"] = self.definition
        out["goal_service_level"] = self.goals.service_level
        out["answer_s"] = self.goals.answer_s
        out["intervals_missed"] = len(self.misses)
        if self.has_plan and "cause" in self.misses.columns:
            out["causes"] = {str(k): int(v) for k, v in
                             self.misses["cause"].value_counts().items() if k}
        out["notes"] = list(self.notes)
        return out

    def text(self) -> str:
        """A few lines for people."""
        p = self.period
        lines = [f"definitions: {self.definition}"]
        lines.append(
            f"actual: {p['offered']:,.0f} offered ({p['menu_hangups']:,.0f} menu hang-ups apart), "
            f"{p['answered']:,.0f} answered, {p['abandoned']:,.0f} abandoned "
            f"({_pct(p['abandon_rate'])}; {p['short_abandoned']:,.0f} within "
            f"{self._short_s()} s); SL {_pct(p['service_level'])}, ASA {_num(p['asa_s'])} s, "
            f"AHT {_num(p['aht_s'])} s, occupancy {_pct(p['occupancy'])}, "
            f"agents staffed {_num(p['agents_staffed'], '.2f')} on average")
        if self.has_plan and "forecast_calls" in p:
            lines.append(
                f"plan: {p['forecast_calls']:,.0f} calls forecast, WAPE {_pct(p['wape'])}, bias "
                f"{_pct(p['bias'], '+.1%')}, band coverage {_pct(p.get('band_coverage'))}; "
                f"predicted SL {_pct(p.get('predicted_sl'))} vs realised "
                f"{_pct(p['service_level'])}")
        if "share_met" in p:
            lines.append(
                f"intervals meeting the goal: {_pct(p['share_met'])} realised"
                + (f", {_pct(p.get('share_predicted_met'))} predicted"
                   if p.get("share_predicted_met") is not None else ""))
        if "scheduled_hours" in p:
            lines.append(
                f"agent-hours: {p['scheduled_hours']:,.1f} scheduled, "
                f"{p['planned_net_hours']:,.1f} planned on the phone, "
                f"{_num(p['staffed_hours'], ',.1f')} staffed")
        s = self.summary()
        if s.get("causes"):
            lines.append(f"{len(self.misses)} intervals missed the goal; causes: "
                         + ", ".join(f"{k} {v}" for k, v in s["causes"].items()))
        return "\n".join(lines)

    def _short_s(self) -> str:
        return str(self.intervals.attrs.get("short_abandon_s", "short"))

    def write(self, out_dir: str | Path, *, plots: bool = True) -> dict[str, Path]:
        """Write ``intervals.csv``, ``days.csv``, ``weeks.csv``, ``misses.csv``,
        ``time_of_day.csv`` (with a plan), ``summary.json``, ``review.xlsx`` (the same tables
        plus an ``info`` sheet with the definitions) and with ``plots`` ``review.png``."""
        from staffing.io import export

        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths: dict[str, Path] = {}
        tables = {"intervals": self.intervals, "days": self.days, "weeks": self.weeks,
                  "misses": self.misses}
        if self.has_plan and len(self.time_of_day):
            tables["time_of_day"] = self.time_of_day
        for name, frame in tables.items():
            paths[f"{name}.csv"] = export.write_csv(frame, out / f"{name}.csv", index=True)
        summary = self.summary()
        paths["summary.json"] = export.write_summary_json(summary, out / "summary.json")
        info = {k: v for k, v in summary.items() if not isinstance(v, dict | list)}
        info["tz"] = str(self.intervals.attrs.get("tz", ""))
        paths["review.xlsx"] = export.write_workbook(tables, out / "review.xlsx", info=info)
        if plots:
            from staffing.review.plots import plot_review

            paths["review.png"] = plot_review(self, out / "review.png")
        return paths


def _pct(v: Any, spec: str = ".1%") -> str:
    return "n/a" if v is None or (isinstance(v, float) and not math.isfinite(v)) else \
        format(v, spec)


def _num(v: Any, spec: str = ".1f") -> str:
    return "n/a" if v is None or (isinstance(v, float) and not math.isfinite(v)) else \
        format(v, spec)


def actuals_from_history(history: pd.DataFrame, definition: ServiceDefinition, *,
                         start: dt.date | None = None, days: int | None = None
                         ) -> pd.DataFrame:
    """Interval actuals (``calls``, ``answered``, ``abandoned``, ``aht_s``, ``asa_s``,
    ``menu_hangups``) in the shape of :func:`staffing.review.actuals_from_log`; service level,
    short abandons and staffing are NaN (they need per-call data)."""
    h = history
    if start is not None:
        tz = str(h.index.tz)
        step = parse_freq(h.attrs.get("freq") or (h.index[1] - h.index[0]))
        idx = IntervalGrid(tz, step).range(start, days or 7)
        h = h.reindex(idx)
        if h["calls"].isna().all():
            raise InputError("start", start.isoformat(), "a period inside the actuals")
    interval_s = float(pd.Series(h.index).diff().min().total_seconds()) if len(h) > 1 else \
        float(parse_freq(h.attrs["freq"]).total_seconds())
    calls = h["calls"].astype(float)
    answered = h["answered"].astype(float) if "answered" in h else calls - h.get(
        "abandoned", 0.0)
    aband = h["abandoned"].astype(float) if "abandoned" in h else calls - answered
    sums = pd.DataFrame(index=h.index)
    sums["offered"] = calls
    sums["menu_hangups"] = h["menu_hangups"].astype(float) if "menu_hangups" in h else 0.0
    sums["answered"] = answered
    sums["abandoned"] = aband
    sums["short_abandoned"] = np.nan
    sums["answered_within"] = np.nan
    sums["wait_sum_s"] = (h["asa_s"].fillna(0.0) * answered) if "asa_s" in h else np.nan
    sums["handle_sum_s"] = (h["aht_s"].fillna(0.0) * answered) if "aht_s" in h else np.nan
    sums["talk_sum_s"] = sums["handle_sum_s"]
    sums["staffed_s"] = np.nan
    sums["busy_s"] = np.nan
    sums["interval_s"] = interval_s
    out = ratios(sums[list(SUM_COLUMNS)], definition)
    out.index.name = INDEX_NAME
    out.attrs.update(definition="interval actuals: " + definition.describe("queue")
                     + " (no per-call data: service level and staffing not available)",
                     tz=str(h.index.tz))
    return out


def _with_plan_ratios(t: pd.DataFrame) -> pd.DataFrame:
    """Accuracy and plan figures from the summed plan columns of an aggregated table."""
    out = t.copy()

    def div(a: pd.Series, b: pd.Series) -> pd.Series:
        return (a / b.where(b > 0)).astype(float)

    if "forecast_calls" in out:
        out["wape"] = div(out["abs_error"], out["offered"])
        out["bias"] = div(out["forecast_calls"] - out["offered"], out["offered"])
        out["forecast_aht_s"] = div(out["forecast_handle_s"], out["forecast_calls"])
        if "in_band" in out:
            out["band_coverage"] = div(out["in_band"], out["band_intervals"])
    if "predicted_within" in out:
        out["predicted_sl"] = div(out["predicted_within"], out["forecast_calls"])
    if "scheduled_s" in out:
        out["scheduled_hours"] = out["scheduled_s"] / 3600.0
        out["planned_net_hours"] = out["planned_net_s"] / 3600.0
    out["staffed_hours"] = out["staffed_s"] / 3600.0
    out["share_met"] = div(out["intervals_met"], out["intervals_with_calls"])
    if "predicted_met" in out:
        out["share_predicted_met"] = div(out["predicted_met"], out["predicted_intervals"])
    return out


def _aggregate_all(intervals: pd.DataFrame, d: ServiceDefinition, by: str) -> pd.DataFrame:
    return _with_plan_ratios(aggregate(intervals, d, by=by))


def review(
    actuals: CallLog | pd.DataFrame,
    *,
    goals: ServiceGoals | None = None,
    definition: ServiceDefinition | None = None,
    plan: PlanInputs | None = None,
    freq: str | pd.Timedelta | None = None,
    start: dt.date | str | None = None,
    days: int | None = None,
) -> ReviewResult:
    """Review a past period (module doc).

    Parameters
    ----------
    actuals:
        A call log, or an interval history frame (``read_history``).
    goals:
        Service goals (default 80 % in ``definition.answer_s``, no shrinkage). Their
        ``answer_s`` sets the definition's threshold when no definition is given.
    definition:
        Counting rules (:class:`ServiceDefinition`).
    plan:
        The plan that covered the period (forecast and/or coverage).
    freq:
        Interval length (default the plan's, else 15 minutes; a history keeps its own).
    start, days:
        The period (first local day, days). Default: the plan's horizon, else all actuals.
    """
    goals = goals or ServiceGoals(service_level=0.8, answer_s=20.0)
    d = definition or ServiceDefinition(answer_s=goals.answer_s)
    first = dt.date.fromisoformat(start) if isinstance(start, str) else start
    notes: list[str] = []
    plan_index = plan.index if plan is not None else None
    if plan_index is not None and len(plan_index) > 1:
        if freq is None:
            freq = plan_index[1] - plan_index[0]
        if first is None:
            tz = str(plan_index.tz)
            first = plan_index[0].tz_convert(tz).date()
            last = plan_index[-1].tz_convert(tz).date()
            days = days or (last - first).days + 1
    if isinstance(actuals, CallLog):
        frame = actuals_from_log(actuals, freq or "15min", definition=d, start=first, days=days)
    elif isinstance(actuals, pd.DataFrame):
        frame = actuals_from_history(actuals, d, start=first, days=days)
        notes.append("interval actuals: service level, short abandons and agents staffed need "
                     "a call log")
    else:
        raise InputError("actuals", type(actuals).__name__, "a CallLog or a history frame")
    frame.attrs["short_abandon_s"] = f"{d.short_abandon_s:g}"
    has_plan = plan is not None and (plan.forecast is not None or plan.coverage is not None)
    if has_plan:
        assert plan is not None
        frame = attach_plan(frame, plan.forecast, plan.coverage, goals)
        if "predicted_met" in frame:
            frame["predicted_intervals"] = np.where(frame["predicted_met"].notna(), 1.0, np.nan)
        if plan.forecast is not None and plan.coverage is not None:
            frame = attribute(frame, goals)
    else:
        frame = attach_plan(frame, None, None, goals)
    tz = str(pd.DatetimeIndex(frame.index).tz)
    frame.attrs["tz"] = tz
    local = pd.DatetimeIndex(frame.index).tz_convert(tz)
    days_t = _aggregate_all(frame.set_axis(local), d, "day")
    weeks_t = _aggregate_all(frame.set_axis(local), d, "week")
    period_t = _aggregate_all(frame.set_axis(local), d, "period")
    period = {k: v for k, v in period_t.iloc[0].items()}
    period["start"] = str(local[0].date())
    period["days"] = int(len(days_t))
    has_calls = frame["offered"] > 0
    misses = frame[has_calls & ~frame["meets_goal"].astype(bool)].copy()
    tod = pd.DataFrame()
    if "forecast_calls" in frame:
        clock = pd.Index(local.strftime("%H:%M"), name="time")
        g = frame[["forecast_calls", "offered", "abs_error"]].groupby(clock.to_numpy()).sum()
        g.index.name = "time"
        off = g["offered"].where(g["offered"] > 0)
        g["bias"] = (g["forecast_calls"] - g["offered"]) / off
        g["wape"] = g["abs_error"] / off
        tod = g
    return ReviewResult(intervals=frame, days=days_t, weeks=weeks_t, period=period,
                        misses=misses, time_of_day=tod, definition=str(frame.attrs.get(
                            "definition", d.describe())), goals=goals, has_plan=has_plan,
                        notes=notes)


def load_actuals(config: Any, path: str | Path | None = None) -> CallLog | pd.DataFrame:
    """The actuals to review: ``path`` (a call log or an interval history, sniffed from the
    header) or the config's ``[data] path``, read under the config's demand definitions
    (``[data] offered``, ``wrap_s``)."""
    from staffing.config import sniff_kind
    from staffing.io import read_call_log, read_history

    p = Path(path) if path is not None else config.data_path
    if not p.is_file():
        raise InputError("actuals", str(p), "an existing call log or interval history file")
    kind = sniff_kind(p) if path is not None else config.data_kind
    if kind == "call_log":
        return read_call_log(p, tz=config.tz, offered=config.offered, wrap_s=config.wrap_s)
    hist = read_history(p, tz=config.tz, freq=config.freq)
    if isinstance(config.wrap_s, float) and config.wrap_s > 0 and "aht_s" in hist:
        hist["aht_s"] = hist["aht_s"] + config.wrap_s
    return hist


def goals_for(config: Any, actuals: CallLog | pd.DataFrame) -> ServiceGoals:
    """The config's service goals; ``patience_s = "fit"`` is fitted on the call log."""
    if config.patience_s != "fit":
        return config.service_goals(None)
    if not isinstance(actuals, CallLog):
        raise InputError("goals.patience_s", "fit", "a number of seconds (no call log)")
    from staffing.erlang import fit_patience

    obs = actuals.patience_observations()
    fit = fit_patience(obs["wait_s"].to_numpy(float), obs["abandoned"].to_numpy(bool))
    return config.service_goals(fit.mean_patience_s)
