"""Plots (PNG, matplotlib Agg) and text summaries of a plan.

Figures are built with :class:`matplotlib.figure.Figure` and the Agg canvas directly, so the
global pyplot backend is never touched (safe in servers and tests). Time axes tick in the site's
zone (``tz``) with weekdays and name the zone and its UTC offset; agent axes have integer ticks;
service levels are drawn in percent. ``*_figure`` builds a figure, ``plot_*`` saves it as PNG.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import tzinfo
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from staffing.exceptions import InputError
from staffing.grid import INDEX_NAME, by_interval, parse_tz

__all__ = ["coverage_figure", "forecast_figure", "format_summary", "heatmap_figure",
           "plot_coverage", "plot_forecast", "plot_heatmap", "plot_service", "service_figure",
           "staffing_matrix"]


def _save(fig: Figure, path: str | Path) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    FigureCanvasAgg(fig)
    fig.savefig(p, dpi=110)
    return p


def _zone(index: pd.DatetimeIndex, tz: str | None) -> tzinfo | None:
    """The site's zone: ``tz`` if given, else the index's own (None for naive indexes)."""
    if tz:
        return ZoneInfo(parse_tz(tz))
    return index.tz


def _zone_label(index: pd.DatetimeIndex, zone: tzinfo | None) -> str:
    """``"local time (Asia/Jerusalem, UTC+02:00)"``; offsets listed when DST changes them."""
    if zone is None or not len(index):
        return "local time"
    local = index.tz_convert(zone) if index.tz is not None else index.tz_localize(zone)
    offsets = dict.fromkeys(t.strftime("%z") for t in (local[0], local[-1]))
    text = ", ".join(f"UTC{o[:3]}:{o[3:]}" for o in offsets)
    return f"local time ({zone}, {text})"


def _time_axis(ax: Axes, index: pd.DatetimeIndex, zone: tzinfo | None) -> None:
    """Ticks in the site's zone with weekdays: one labelled tick per local midnight ("Mon 01
    Mar") and hours between for a week; "Mon 08:00" style ticks for a day or two."""
    span_days = (index[-1] - index[0]) / pd.Timedelta(days=1) if len(index) > 1 else 1.0
    if span_days > 2.5:
        ax.xaxis.set_major_locator(mdates.DayLocator(tz=zone))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%a %d %b", tz=zone))
        ax.xaxis.set_minor_locator(mdates.HourLocator(byhour=[6, 12, 18], tz=zone))
        ax.xaxis.set_minor_formatter(mdates.DateFormatter("%H", tz=zone))
        ax.tick_params(axis="x", which="minor", labelsize=6, colors="0.45")
    else:
        every = 3 if span_days > 1.2 else 2
        ax.xaxis.set_major_locator(mdates.HourLocator(byhour=range(0, 24, every), tz=zone))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%a %H:%M", tz=zone))
    ax.set_xlabel(_zone_label(index, zone))
    if len(index):
        ends = _x(index[[0, -1]], zone)
        ax.set_xlim(ends[0], ends[1] + _step_days(index))


def _finish_timeline(fig: Figure, ax: Axes, title: str, index: pd.DatetimeIndex,
                     zone: tzinfo | None, *,
                     legend_loc: Literal["upper left", "lower left"]) -> Figure:
    """Title, grid, legend and zone-aware weekday ticks of a plot over time."""
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(loc=legend_loc, fontsize=8)
    _time_axis(ax, index, zone)
    fig.tight_layout()
    return fig


def _indexed(frame: pd.DataFrame) -> pd.DataFrame:
    if INDEX_NAME in frame.columns:
        frame = by_interval(frame)
    return frame


def _local(index: pd.DatetimeIndex, tz: str | None) -> pd.DatetimeIndex:
    """Wall-clock times in the site's zone, naive (for day x time-of-day tables)."""
    if tz and index.tz is not None:
        index = index.tz_convert(parse_tz(tz))
    return index.tz_localize(None) if index.tz is not None else index


def _x(index: pd.DatetimeIndex, zone: tzinfo | None) -> np.ndarray:
    """Matplotlib date numbers of the instants in ``index`` (naive times taken in ``zone``)."""
    if index.tz is None and zone is not None:
        index = index.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
    return np.asarray(mdates.date2num(index.to_pydatetime()), dtype=float)


def _step_days(index: pd.DatetimeIndex) -> float:
    """Interval length in days (matplotlib date units)."""
    if len(index) > 1:
        return float(pd.Series(index).diff().dropna().min() / pd.Timedelta(days=1))
    return 15 / 1440


def forecast_figure(
    forecast: pd.DataFrame,
    *,
    history: pd.DataFrame | None = None,
    level: float | None = None,
    title: str = "Forecast of offered calls",
    tz: str | None = None,
) -> Figure:
    """Figure of :func:`plot_forecast`."""
    f = _indexed(forecast)
    for col in ("calls",):
        if col not in f.columns:
            raise InputError("forecast", list(f.columns), "a 'calls' column")
    zone = _zone(f.index, tz)
    fig = Figure(figsize=(12, 4.2))
    ax = fig.add_subplot()
    x = _x(f.index, zone)
    shown = f.index
    if history is not None and len(history):
        h = _indexed(history)
        h = h[h.index >= f.index[0] - pd.Timedelta(days=7)]
        h = h[h.index < f.index[0]]
        if len(h):
            ax.plot(_x(h.index, zone), h["calls"].to_numpy(float), color="0.55", lw=0.8,
                    label="history (last week)")
            shown = h.index.append(f.index)
    if {"calls_lower", "calls_upper"} <= set(f.columns):
        band = f"{level:.0%} interval" if level else "prediction interval"
        ax.fill_between(x, f["calls_lower"].to_numpy(float), f["calls_upper"].to_numpy(float),
                        step="post", color="tab:blue", alpha=0.25, lw=0, label=band)
    ax.step(x, f["calls"].to_numpy(float), where="post", color="tab:blue", lw=1.1,
            label="forecast (mean)")
    ax.set_ylabel("calls offered per interval")
    return _finish_timeline(fig, ax, title, shown, zone, legend_loc="upper left")


def plot_forecast(
    forecast: pd.DataFrame,
    path: str | Path,
    *,
    history: pd.DataFrame | None = None,
    level: float | None = None,
    title: str = "Forecast of offered calls",
    tz: str | None = None,
) -> Path:
    """Forecast calls per interval with its prediction band (``calls_lower``/``calls_upper``);
    the last week of ``history`` (if given) is drawn before it for context. Time ticks are in
    ``tz`` (default: the index's zone) with weekdays; the zone is named on the axis."""
    return _save(forecast_figure(forecast, history=history, level=level, title=title, tz=tz),
                 path)


def coverage_figure(
    coverage: pd.DataFrame,
    *,
    title: str = "Required vs scheduled agents",
    tz: str | None = None,
) -> Figure:
    """Figure of :func:`plot_coverage`."""
    c = _indexed(coverage)
    for col in ("required", "scheduled"):
        if col not in c.columns:
            raise InputError("coverage", list(c.columns), f"a '{col}' column")
    zone = _zone(c.index, tz)
    fig = Figure(figsize=(12, 4.2))
    ax = fig.add_subplot()
    x = _x(c.index, zone)
    width = _step_days(c.index)
    req = c["required"].to_numpy(float)
    sch = c["scheduled"].to_numpy(float)
    under = sch < req
    over = sch > req
    # one bar per interval between scheduled and required: an isolated short interval stays
    # visible (a stepped fill_between with `where` drops it)
    ax.bar(x[under], (req - sch)[under], bottom=sch[under], width=width, align="edge",
           color="tab:red", alpha=0.75, lw=0, label=f"under ({int(under.sum())} intervals)")
    ax.bar(x[over], (sch - req)[over], bottom=req[over], width=width, align="edge",
           color="tab:green", alpha=0.25, lw=0, label="over")
    ax.step(x, req, where="post", color="black", lw=1.0, label="required")
    ax.step(x, sch, where="post", color="tab:blue", lw=1.1, label="scheduled (on the floor)")
    ax.set_ylabel("agents")
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    return _finish_timeline(fig, ax, title, c.index, zone, legend_loc="upper left")


def plot_coverage(
    coverage: pd.DataFrame,
    path: str | Path,
    *,
    title: str = "Required vs scheduled agents",
    tz: str | None = None,
) -> Path:
    """Required and scheduled agents per interval over the week (step lines), under-staffed
    intervals as red bars and over-staffed ones light green; integer agent ticks, weekday
    time ticks in ``tz``."""
    return _save(coverage_figure(coverage, title=title, tz=tz), path)


def staffing_matrix(coverage: pd.DataFrame, *, tz: str | None = None) -> pd.DataFrame:
    """``scheduled - required`` as a day x time-of-day table (rows local dates, columns
    ``HH:MM`` wall-clock slots). On a DST day the repeated hour is summed and the skipped one
    is empty."""
    c = _indexed(coverage)
    local = _local(c.index, tz)
    diff = (c["scheduled"].to_numpy(float) - c["required"].to_numpy(float))
    frame = pd.DataFrame({"date": local.date, "slot": local.strftime("%H:%M"), "diff": diff})
    return frame.pivot_table(index="date", columns="slot", values="diff", aggfunc="sum")


def heatmap_figure(
    coverage: pd.DataFrame,
    *,
    title: str = "Over (+) / under (-) staffing, agents",
    tz: str | None = None,
) -> Figure:
    """Figure of :func:`plot_heatmap`."""
    m = staffing_matrix(coverage, tz=tz)
    values = m.to_numpy(float)
    finite = values[np.isfinite(values)]
    # under and over get their own colour ranges, so one agent short is clearly red even
    # when over-staffing elsewhere reaches ten
    low = max(1.0, -float(finite.min())) if finite.size else 1.0
    high = max(1.0, float(finite.max())) if finite.size else 1.0
    fig = Figure(figsize=(13, 3.8))
    ax = fig.add_subplot()
    im = ax.imshow(values, aspect="auto", cmap="RdBu", interpolation="nearest",
                   norm=TwoSlopeNorm(vcenter=0.0, vmin=-low, vmax=high))
    ax.set_yticks(range(len(m.index)))
    ax.set_yticklabels([f"{pd.Timestamp(d):%a %d %b}" for d in m.index])
    step = max(1, len(m.columns) // 24)
    ax.set_xticks(range(0, len(m.columns), step))
    ax.set_xticklabels(list(m.columns)[::step], rotation=90, fontsize=7)
    c = _indexed(coverage)
    ax.set_xlabel(_zone_label(c.index, _zone(c.index, tz)))
    ax.set_title(title)
    bar = fig.colorbar(im, ax=ax, label="scheduled - required (agents)")
    bar.locator = MaxNLocator(integer=True)
    bar.update_ticks()
    fig.tight_layout()
    return fig


def plot_heatmap(
    coverage: pd.DataFrame,
    path: str | Path,
    *,
    title: str = "Over (+) / under (-) staffing, agents",
    tz: str | None = None,
) -> Path:
    """Day x interval heatmap of ``scheduled - required`` (red under, blue over), weekday
    row labels, local wall-clock columns, integer colour-bar ticks."""
    return _save(heatmap_figure(coverage, title=title, tz=tz), path)


def service_figure(
    predicted: pd.DataFrame,
    *,
    simulated: pd.DataFrame | None = None,
    goal: float | None = None,
    title: str = "Service level per interval: Erlang prediction vs simulation",
    tz: str | None = None,
) -> Figure:
    """Figure of :func:`plot_service`."""
    p = _indexed(predicted)
    zone = _zone(p.index, tz)
    fig = Figure(figsize=(12, 4.2))
    ax = fig.add_subplot()
    x = _x(p.index, zone)
    has = p["calls"].to_numpy(float) > 0 if "calls" in p else np.ones(len(p), bool)
    sl = np.where(has, p["service_level"].to_numpy(float), np.nan)
    if simulated is not None and len(simulated):
        q = _indexed(simulated).reindex(p.index)
        lo = q["service_level_low"].to_numpy(float)
        hi = q["service_level_high"].to_numpy(float)
        ax.fill_between(x, np.clip(lo, 0, 1), np.clip(hi, 0, 1), step="post", color="tab:orange",
                        alpha=0.3, lw=0, label="simulated 95% CI")
        ax.step(x, np.where(has, q["service_level"].to_numpy(float), np.nan), where="post",
                color="tab:orange", lw=0.8, label="simulated mean")
    ax.step(x, sl, where="post", color="tab:blue", lw=1.0, label="predicted (Erlang)")
    if goal is not None:
        ax.axhline(goal, color="black", lw=0.8, ls="--", label=f"goal {goal:.0%}")
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    ax.set_ylabel("service level (% of offered calls)")
    return _finish_timeline(fig, ax, title, p.index, zone, legend_loc="lower left")


def plot_service(
    predicted: pd.DataFrame,
    path: str | Path,
    *,
    simulated: pd.DataFrame | None = None,
    goal: float | None = None,
    title: str = "Service level per interval: Erlang prediction vs simulation",
    tz: str | None = None,
) -> Path:
    """Predicted service level per interval (``Evaluation.intervals``) with the simulation's
    mean and confidence band (``SimulationResult.intervals``) and the goal; intervals without
    calls are left blank. The service axis is in percent, like the legend's goal."""
    return _save(service_figure(predicted, simulated=simulated, goal=goal, title=title, tz=tz),
                 path)


def _fmt(v: Any, spec: str, unit: str = "") -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "n/a"
    return f"{v:{spec}}{unit}"


def format_summary(summary: Mapping[str, Any]) -> str:
    """A short text summary of a plan summary dict (``PlanResult.summary()``)."""
    lines: list[str] = []
    fc = summary.get("forecast") or {}
    if fc:
        bt = (fc.get("backtest") or {}).get(fc.get("model"), {})
        lines.append(
            f"forecast: {fc.get('model')} (backtest MAE {_fmt(bt.get('mae'), '.2f')} calls/"
            f"interval, WAPE {_fmt(bt.get('wape'), '.1%')}), {_fmt(fc.get('total_calls'), ',.0f')}"
            f" calls in the week"
        )
    ro = summary.get("roster") or {}
    if ro:
        lines.append(
            f"roster: {ro.get('status')}, {ro.get('agents', 0)} agents, "
            f"{_fmt(ro.get('agent_hours'), ',.1f')} agent-hours, cost "
            f"{_fmt(ro.get('cost'), ',.2f')}, objective {_fmt(ro.get('objective'), ',.2f')}, "
            f"gap {_fmt(ro.get('gap'), '.2%')}, solve {_fmt(ro.get('runtime_s'), '.1f', ' s')}"
        )
        if ro.get("service_point_cost") is not None:
            lines.append(f"one more point of weekly service level costs about "
                         f"{_fmt(ro.get('service_point_cost'), ',.0f')} in wages (LP marginal "
                         f"of the weekly SL target)")
    ov = summary.get("overflow") or {}
    if ov:
        lines.append(
            f"overflow partner: {_fmt(ov.get('calls'), ',.0f')} calls sent "
            f"({_fmt(ov.get('share'), '.1%')} of the week's), fees "
            f"{_fmt(ov.get('fees'), ',.2f')}, wages + fees {_fmt(ov.get('total_cost'), ',.2f')};"
            f" partner answers {_fmt(ov.get('partner_service_level'), '.0%')} in time, "
            f"in-house SL of the kept calls {_fmt(ov.get('inhouse_service_level'), '.1%')}")
    ev = summary.get("evaluation") or {}
    if ev:
        lines.append(
            f"predicted ({ev.get('model')}): SL {_fmt(ev.get('service_level'), '.1%')}, ASA "
            f"{_fmt(ev.get('asa_s'), '.1f', ' s')}, abandon {_fmt(ev.get('abandon_rate'), '.1%')},"
            f" occupancy {_fmt(ev.get('occupancy'), '.1%')}; "
            f"{ev.get('intervals_missed', 0)} of {ev.get('intervals_with_calls', 0)} intervals "
            f"miss the goal"
        )
    si = summary.get("simulation") or {}
    if si and si.get("service_level") is not None:
        lines.append(
            f"simulated ({si.get('replications')} reps, {si.get('handle_times')} handle times): "
            f"SL {_fmt(si.get('service_level'), '.1%')} "
            f"[{_fmt(si.get('service_level_low'), '.1%')}, "
            f"{_fmt(si.get('service_level_high'), '.1%')}], ASA "
            f"{_fmt(si.get('asa_s'), '.1f', ' s')}, abandon {_fmt(si.get('abandon_rate'), '.1%')}"
        )
    return "\n".join(lines)
