"""Do the configured opening hours cover the hours in which the history has calls?

A plan forecasts closed intervals as zero and staffs nobody there, so calls the center really
serves outside its configured hours are lost from the plan. :func:`uncovered_hours` lists, per
day of week and local clock hour, the closed hours in which the history regularly has calls;
:func:`check_open_hours` turns them into one :class:`~staffing.exceptions.DataQualityWarning`
naming the days and hours.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from staffing.exceptions import DataQualityWarning, warn
from staffing.hours import OpenHours

__all__ = ["check_open_hours", "uncovered_hours"]

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def uncovered_hours(history: pd.DataFrame, open_hours: OpenHours, *, min_calls: float = 5.0,
                    min_share: float = 0.5) -> pd.DataFrame:
    """Closed (day of week, hour) cells where the history has calls.

    Parameters
    ----------
    history:
        Interval history indexed by tz-aware ``interval_start`` with ``calls``.
    open_hours:
        The configured opening hours.
    min_calls:
        Calls in the closed part of the hour, on one date, for that date to count.
    min_share:
        Fraction in [0, 1] of that weekday's dates in the history that must reach
        ``min_calls`` for the hour to be reported (regular calls, not a stray one).

    Returns
    -------
    One row per reported cell: ``day`` (mon..sun), ``hour`` (local clock hour), ``dates``
    (that weekday's dates in the history), ``dates_with_calls`` (dates reaching ``min_calls``),
    ``calls_min``, ``calls_max`` (calls in the closed part of the hour per date), ``calls``
    (total).
    """
    calls = pd.to_numeric(history["calls"], errors="coerce").fillna(0.0)
    index = pd.DatetimeIndex(history.index)
    closed = ~open_hours.mask(index)
    wall = index.tz_localize(None) if index.tz is not None else index
    frame = pd.DataFrame({"date": wall.normalize(), "dow": wall.day_of_week,
                          "hour": wall.hour, "calls": np.where(closed, calls.to_numpy(), 0.0)})
    n_dates = frame.groupby("dow")["date"].nunique()
    per_date = frame.groupby(["dow", "hour", "date"])["calls"].sum().reset_index()
    rows = []
    for (dow, hour), g in per_date.groupby(["dow", "hour"]):
        hits = g["calls"] >= min_calls
        dates = int(n_dates.get(dow, 0))
        if not dates or hits.sum() < max(1, min_share * dates):
            continue
        rows.append({"day": DAY_NAMES[int(dow)], "dow": int(dow), "hour": int(hour),
                     "dates": dates, "dates_with_calls": int(hits.sum()),
                     "calls_min": float(g.loc[hits, "calls"].min()),
                     "calls_max": float(g.loc[hits, "calls"].max()),
                     "calls": float(g["calls"].sum())})
    cols = ["day", "dow", "hour", "dates", "dates_with_calls", "calls_min", "calls_max", "calls"]
    return pd.DataFrame(rows, columns=cols)


def describe_uncovered(cells: pd.DataFrame) -> list[str]:
    """One phrase per run of consecutive hours of a day, e.g.
    ``"sat 23:00-24:00 (28-39 calls on 4 of 4 sat)"``."""
    out: list[str] = []
    for dow, g in cells.sort_values(["dow", "hour"]).groupby("dow", sort=True):
        hours = g["hour"].to_list()
        runs: list[list[int]] = [[hours[0]]]
        for h in hours[1:]:
            if h == runs[-1][-1] + 1:
                runs[-1].append(h)
            else:
                runs.append([h])
        day = DAY_NAMES[int(dow)]
        for run in runs:
            part = g[g["hour"].isin(run)]
            lo, hi = int(part["calls_min"].min()), int(part["calls_max"].max())
            out.append(f"{day} {run[0]:02d}:00-{run[-1] + 1:02d}:00 ({lo}-{hi} calls an hour "
                       f"on {int(part['dates_with_calls'].min())} of {int(part['dates'].max())}"
                       f" {day})")
    return out


def check_open_hours(history: pd.DataFrame, open_hours: OpenHours | None, *,
                     min_calls: float = 5.0, min_share: float = 0.5) -> list[str]:
    """Warn (:class:`DataQualityWarning`) when the history has regular calls in hours the
    configured ``open_hours`` close; returns the phrases (empty when covered or no hours)."""
    if open_hours is None:
        return []
    cells = uncovered_hours(history, open_hours, min_calls=min_calls, min_share=min_share)
    if cells.empty:
        return []
    phrases = describe_uncovered(cells)
    warn("open_hours: the history has calls in closed hours, the plan forecasts "
         "them as zero and staffs nobody: " + "; ".join(phrases), DataQualityWarning,
         stacklevel=2)
    return phrases
