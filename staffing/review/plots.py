"""Review plots (PNG, matplotlib Agg without pyplot, like :mod:`staffing.report`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = ["plot_accuracy_log", "plot_review"]


def _save(fig: Figure, path: str | Path) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    FigureCanvasAgg(fig)
    fig.tight_layout()
    fig.savefig(p, dpi=110)
    return p


def plot_review(result: Any, path: str | Path) -> Path:
    """Offered vs forecast calls per interval (with the band) and the service level per day:
    realised vs predicted, with the goal."""
    iv = result.intervals
    tz = iv.attrs.get("tz")
    local = pd.DatetimeIndex(iv.index).tz_convert(tz).tz_localize(None)
    fig = Figure(figsize=(11, 7))
    ax1, ax2 = fig.subplots(2, 1)
    ax1.plot(local, iv["offered"], lw=0.8, color="black", label="offered (actual)")
    if "forecast_calls" in iv:
        ax1.plot(local, iv["forecast_calls"], lw=0.8, color="tab:blue", label="forecast")
        if iv["calls_lower"].notna().any():
            ax1.fill_between(local, iv["calls_lower"], iv["calls_upper"], color="tab:blue",
                             alpha=0.2, lw=0, label="forecast band")
    if "menu_hangups" in iv and iv["menu_hangups"].sum() > 0:
        ax1.plot(local, iv["menu_hangups"], lw=0.6, color="tab:gray", label="menu hang-ups")
    ax1.set_ylabel("calls per interval")
    ax1.set_title("Calls: actual vs plan")
    ax1.legend(loc="upper left", fontsize=8)
    ax1.grid(alpha=0.3)
    days = result.days
    x = np.arange(len(days))
    labels = [pd.Timestamp(d).strftime("%a %d %b") for d in days.index]
    w = 0.4
    ax2.bar(x - w / 2, days["service_level"], w, label="realised SL", color="black")
    if "predicted_sl" in days:
        ax2.bar(x + w / 2, days["predicted_sl"], w, label="predicted SL", color="tab:blue")
    if result.goals.service_level is not None:
        ax2.axhline(result.goals.service_level, color="tab:red", lw=1, ls="--", label="goal")
    ax2.set_xticks(x, labels, rotation=45, ha="right", fontsize=8)
    ax2.set_ylim(0, 1)
    ax2.set_ylabel("service level")
    ax2.set_title(result.definition[:110], fontsize=8)
    ax2.legend(loc="lower left", fontsize=8)
    ax2.grid(alpha=0.3, axis="y")
    return _save(fig, path)


def plot_accuracy_log(log: pd.DataFrame, path: str | Path) -> Path:
    """Forecast WAPE and bias per week (is the forecast getting better?), and realised vs
    predicted service level."""
    fig = Figure(figsize=(9, 5))
    ax1, ax2 = fig.subplots(2, 1, sharex=True)
    weeks = pd.to_datetime(log["week"])
    ax1.plot(weeks, log["wape"], marker="o", label="WAPE")
    ax1.plot(weeks, log["bias"], marker="s", label="bias (forecast - actual) / actual")
    ax1.axhline(0, color="gray", lw=0.8)
    ax1.set_title("Forecast accuracy per week")
    ax1.legend(fontsize=8)
    ax1.grid(alpha=0.3)
    if "service_level" in log:
        ax2.plot(weeks, log["service_level"], marker="o", color="black", label="realised SL")
    if "predicted_sl" in log:
        ax2.plot(weeks, log["predicted_sl"], marker="o", color="tab:blue", label="predicted SL")
    ax2.set_ylim(0, 1)
    ax2.legend(fontsize=8)
    ax2.grid(alpha=0.3)
    fig.autofmt_xdate()
    return _save(fig, path)
