"""Plots (PNG, matplotlib Agg) and text summaries of a plan.

Figures are built with :class:`matplotlib.figure.Figure` and the Agg canvas directly, so the
global pyplot backend is never touched (safe in servers and tests). Times on the axes are local
wall-clock times of the site.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure

from staffing.exceptions import InputError
from staffing.grid import INDEX_NAME

__all__ = ["format_summary", "plot_coverage", "plot_forecast", "plot_heatmap", "plot_service",
           "staffing_matrix"]


def _save(fig: Figure, path: str | Path) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    FigureCanvasAgg(fig)
    fig.savefig(p, dpi=110)
    return p


def _finish_timeline(fig: Figure, ax: Axes, title: str, path: str | Path, *,
                     legend_loc: Literal["upper left", "lower left"]) -> Path:
    """Title, grid, legend and date ticks of a plot over time, then save it."""
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(loc=legend_loc, fontsize=8)
    fig.autofmt_xdate()
    fig.tight_layout()
    return _save(fig, path)


def _indexed(frame: pd.DataFrame) -> pd.DataFrame:
    if INDEX_NAME in frame.columns:
        return frame.set_index(INDEX_NAME)
    return frame


def _local(index: pd.DatetimeIndex, tz: str | None) -> pd.DatetimeIndex:
    if tz and index.tz is not None:
        index = index.tz_convert(tz)
    return index.tz_localize(None) if index.tz is not None else index


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
    the last week of ``history`` (if given) is drawn before it for context."""
    f = _indexed(forecast)
    for col in ("calls",):
        if col not in f.columns:
            raise InputError("forecast", list(f.columns), "a 'calls' column")
    fig = Figure(figsize=(12, 4.2))
    ax = fig.add_subplot()
    x = _local(f.index, tz)
    if history is not None and len(history):
        h = _indexed(history)
        h = h[h.index >= f.index[0] - pd.Timedelta(days=7)]
        h = h[h.index < f.index[0]]
        if len(h):
            ax.plot(_local(h.index, tz), h["calls"].to_numpy(float), color="0.55", lw=0.8,
                    label="history (last week)")
    if {"calls_lower", "calls_upper"} <= set(f.columns):
        band = f"{level:.0%} interval" if level else "prediction interval"
        ax.fill_between(x, f["calls_lower"].to_numpy(float), f["calls_upper"].to_numpy(float),
                        step="post", color="tab:blue", alpha=0.25, lw=0, label=band)
    ax.step(x, f["calls"].to_numpy(float), where="post", color="tab:blue", lw=1.1,
            label="forecast (mean)")
    ax.set_ylabel("calls offered per interval")
    return _finish_timeline(fig, ax, title, path, legend_loc="upper left")


def plot_coverage(
    coverage: pd.DataFrame,
    path: str | Path,
    *,
    title: str = "Required vs scheduled agents",
    tz: str | None = None,
) -> Path:
    """Required and scheduled agents per interval over the week (step lines), with under-
    staffed intervals shaded."""
    c = _indexed(coverage)
    for col in ("required", "scheduled"):
        if col not in c.columns:
            raise InputError("coverage", list(c.columns), f"a '{col}' column")
    fig = Figure(figsize=(12, 4.2))
    ax = fig.add_subplot()
    x = _local(c.index, tz)
    req = c["required"].to_numpy(float)
    sch = c["scheduled"].to_numpy(float)
    ax.step(x, req, where="post", color="black", lw=1.0, label="required")
    ax.step(x, sch, where="post", color="tab:green", lw=1.1, label="scheduled (on the floor)")
    ax.fill_between(x, sch, req, where=sch < req, step="post", color="tab:red", alpha=0.35,
                    lw=0, label="under")
    ax.set_ylabel("agents")
    return _finish_timeline(fig, ax, title, path, legend_loc="upper left")


def staffing_matrix(coverage: pd.DataFrame, *, tz: str | None = None) -> pd.DataFrame:
    """``scheduled - required`` as a day x time-of-day table (rows local dates, columns
    ``HH:MM`` wall-clock slots). On a DST day the repeated hour is summed and the skipped one
    is empty."""
    c = _indexed(coverage)
    local = _local(c.index, tz)
    diff = (c["scheduled"].to_numpy(float) - c["required"].to_numpy(float))
    frame = pd.DataFrame({"date": local.date, "slot": local.strftime("%H:%M"), "diff": diff})
    return frame.pivot_table(index="date", columns="slot", values="diff", aggfunc="sum")


def plot_heatmap(
    coverage: pd.DataFrame,
    path: str | Path,
    *,
    title: str = "Over (+) / under (-) staffing, agents",
    tz: str | None = None,
) -> Path:
    """Day x interval heatmap of ``scheduled - required`` (red under, blue over)."""
    m = staffing_matrix(coverage, tz=tz)
    values = m.to_numpy(float)
    finite = values[np.isfinite(values)]
    lim = max(1.0, float(np.abs(finite).max())) if finite.size else 1.0
    fig = Figure(figsize=(13, 3.8))
    ax = fig.add_subplot()
    im = ax.imshow(values, aspect="auto", cmap="RdBu", interpolation="nearest",
                   norm=TwoSlopeNorm(vcenter=0.0, vmin=-lim, vmax=lim))
    ax.set_yticks(range(len(m.index)))
    ax.set_yticklabels([f"{pd.Timestamp(d):%a %d %b}" for d in m.index])
    step = max(1, len(m.columns) // 24)
    ax.set_xticks(range(0, len(m.columns), step))
    ax.set_xticklabels(list(m.columns)[::step], rotation=90, fontsize=7)
    ax.set_title(title)
    fig.colorbar(im, ax=ax, label="scheduled - required")
    fig.tight_layout()
    return _save(fig, path)


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
    calls are left blank."""
    p = _indexed(predicted)
    fig = Figure(figsize=(12, 4.2))
    ax = fig.add_subplot()
    x = _local(p.index, tz)
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
    ax.set_ylabel("service level")
    return _finish_timeline(fig, ax, title, path, legend_loc="lower left")


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
