"""Forecast accuracy over time: one row per reviewed week in a CSV file, plotted.

``update_accuracy_log(path, result)`` writes (or replaces) the rows of the weeks a
:class:`~staffing.review.ReviewResult` covers, so re-reviewing a week does not duplicate it;
``read_accuracy_log(path)`` reads it back sorted by week, and
:func:`staffing.review.plots.plot_accuracy_log` draws WAPE and bias per week.

Columns: ``week`` (Monday, ISO date), ``days`` (days of the week reviewed), ``offered``,
``forecast_calls``, ``wape``, ``bias`` (fractions; definitions in
:mod:`staffing.review.compare`), ``band_coverage``, ``aht_s`` (actual), ``forecast_aht_s``,
``service_level`` (realised), ``predicted_sl``, ``share_met``, ``share_predicted_met``,
``definition``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from staffing.exceptions import InputError

__all__ = ["ACCURACY_COLUMNS", "accuracy_rows", "read_accuracy_log", "update_accuracy_log"]

ACCURACY_COLUMNS = ("week", "days", "offered", "forecast_calls", "wape", "bias",
                    "band_coverage", "aht_s", "forecast_aht_s", "service_level",
                    "predicted_sl", "share_met", "share_predicted_met", "definition")


def accuracy_rows(result: Any) -> pd.DataFrame:
    """One row per week of a reviewed period that had a forecast (columns above)."""
    if "forecast_calls" not in result.weeks.columns:
        raise InputError("plan", None, "a plan forecast (forecast.csv) to log its accuracy")
    w = result.weeks.copy()
    days = result.days
    week_of = pd.Index([d - pd.Timedelta(days=pd.Timestamp(d).weekday()) for d in
                        pd.to_datetime(days.index)])
    counts = pd.Series(1, index=week_of).groupby(level=0).sum()
    out = pd.DataFrame({"week": [str(pd.Timestamp(k).date()) for k in w.index]})
    out["days"] = [int(counts.get(pd.Timestamp(k), 0)) for k in w.index]
    for col in ACCURACY_COLUMNS[2:-1]:
        out[col] = w[col].to_numpy() if col in w.columns else float("nan")
    out["definition"] = result.definition
    return out[out["forecast_calls"].notna()].reset_index(drop=True)


def read_accuracy_log(path: str | Path) -> pd.DataFrame:
    """The log as a frame sorted by week (empty frame with the columns if absent)."""
    p = Path(path)
    if not p.exists():
        return pd.DataFrame(columns=list(ACCURACY_COLUMNS))
    log = pd.read_csv(p, dtype={"week": str})
    missing = [c for c in ("week", "wape", "bias") if c not in log.columns]
    if missing:
        raise InputError(missing[0], sorted(map(str, log.columns)),
                         f"accuracy log columns {list(ACCURACY_COLUMNS)}", p.name)
    return log.sort_values("week").reset_index(drop=True)


def update_accuracy_log(path: str | Path, result: Any) -> pd.DataFrame:
    """Add (or replace) the reviewed weeks' rows in the CSV at ``path``; returns the log."""
    p = Path(path)
    new = accuracy_rows(result)
    old = read_accuracy_log(p)
    keep = old[~old["week"].isin(new["week"])]
    log = pd.concat([keep, new], ignore_index=True) if len(keep) else new
    log = log.sort_values("week").reset_index(drop=True)
    p.parent.mkdir(parents=True, exist_ok=True)
    log.to_csv(p, index=False, float_format="%.6g")
    return log
