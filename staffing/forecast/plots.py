"""The planner's plausibility plot of a forecast: weekly totals (history vs forecast) and each
forecast day against the same weekday of the recent weeks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from staffing.forecast.result import ForecastResult

RECENT_WEEKS = 4


def _daily(calls: pd.Series, tz: str) -> pd.Series:
    local = calls.index.tz_convert(tz)
    return calls.groupby(local.tz_localize(None).normalize()).sum(min_count=1)


def plot_forecast_check(result: ForecastResult, path: str | Path, *,
                        history: pd.DataFrame, tz: str | None = None,
                        weeks: int = 26) -> Path:
    """Write a two-panel PNG: weekly totals of the last ``weeks`` history weeks (7-day blocks
    ending on the last history day) with the forecast's total, and each forecast day's total
    beside the same weekday of the last :data:`RECENT_WEEKS` weeks."""
    tz = tz or str(result.frame.attrs.get("tz") or result.frame.index.tz)
    hist = _daily(history["calls"], tz)
    fc = _daily(result.frame["calls"], tz)
    last = hist.index.max()
    fig = Figure(figsize=(12, 7.5))
    ax1, ax2 = fig.subplots(2, 1)
    # weekly totals: blocks of 7 days ending on the last history day
    ends = [last - pd.Timedelta(days=7 * k) for k in range(weeks)][::-1]
    totals = [hist[(hist.index > e - pd.Timedelta(days=7)) & (hist.index <= e)].sum()
              for e in ends]
    starts = [e - pd.Timedelta(days=6) for e in ends]
    keep = [i for i, e in enumerate(ends) if e - pd.Timedelta(days=6) >= hist.index.min()]
    xs = [starts[i] for i in keep]
    ax1.plot(xs, [totals[i] for i in keep], marker="o", color="0.35", lw=1.2,
             label="history, 7-day totals")
    n_days = len(fc)
    fc_week = fc.sum() * 7.0 / max(n_days, 1)
    label = "forecast" + ("" if n_days == 7 else f" (scaled to 7 days from {n_days})")
    ax1.plot([fc.index.min()], [fc_week], marker="D", ms=9, color="tab:blue", ls="",
             label=label)
    recent = [totals[i] for i in keep][-RECENT_WEEKS:]
    if recent:
        ax1.axhspan(min(recent), max(recent), color="tab:green", alpha=0.12,
                    label=f"range of the last {len(recent)} weeks")
    ax1.set_title(f"Weekly totals: history vs forecast ({result.model})")
    ax1.set_ylabel("calls per week")
    ax1.grid(alpha=0.3)
    ax1.legend(loc="best", fontsize=8)
    # each forecast day vs the same weekday of recent weeks
    x = np.arange(n_days)
    ax2.bar(x, fc.to_numpy(), color="tab:blue", alpha=0.75, label="forecast")
    for k in range(1, RECENT_WEEKS + 1):
        same = [hist.get(d - pd.Timedelta(days=7 * k), np.nan) for d in fc.index]
        # a plan later than the next day: the same weekday counted back from the history end
        if all(pd.isna(v) for v in same):
            same = [hist[(hist.index.day_of_week == d.day_of_week)].iloc[-k]
                    if (hist.index.day_of_week == d.day_of_week).sum() >= k else np.nan
                    for d in fc.index]
        ax2.plot(x, same, ls="", marker="o", color=str(0.15 + 0.15 * k), ms=5,
                 label=f"same weekday, {k} week{'s' if k > 1 else ''} before")
    ax2.set_xticks(x, [d.strftime("%a %d %b") for d in fc.index], rotation=0, fontsize=8)
    ax2.set_ylabel("calls per day")
    ax2.set_title("Each forecast day vs the same weekday of recent weeks")
    ax2.grid(alpha=0.3, axis="y")
    ax2.legend(loc="best", fontsize=8, ncol=2)
    fig.tight_layout()
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    FigureCanvasAgg(fig)
    fig.savefig(p, dpi=100)
    return p
