"""Sanity checks a planner sees: forecast total vs recent weeks, stale history, thin weekdays."""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from staffing.exceptions import InputError, StaffingWarning
from staffing.forecast.data import WallSeries

DOW = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class ForecastSanityWarning(StaffingWarning):
    """The forecast looks implausible against the history (the check says why)."""


@dataclass(frozen=True)
class SanityConfig:
    """Thresholds of the forecast sanity checks.

    Attributes
    ----------
    week_total_share:
        Warn when the forecast total is outside the range of the same days of the
        ``recent_weeks`` last history weeks by more than this fraction (0.05 = 5 %).
    recent_weeks:
        History weeks the total is compared against.
    max_gap_days:
        Warn when the plan starts more than this many days after the last history day.
    min_days_per_weekday:
        Warn when a forecast weekday has fewer observed history days than this.
    """

    week_total_share: float = 0.05
    recent_weeks: int = 4
    max_gap_days: int = 14
    min_days_per_weekday: int = 3

    def __post_init__(self) -> None:
        share = self.week_total_share
        if (not isinstance(share, int | float) or isinstance(share, bool)
                or not 0 <= share < 1):
            raise InputError("checks.week_total_share", share, "a fraction in [0, 1)")
        for name, lo in (("recent_weeks", 1), ("max_gap_days", 0), ("min_days_per_weekday", 0)):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < lo:
                raise InputError(f"checks.{name}", v, f"an int >= {lo}")


def run_checks(ws: WallSeries, day_totals: dict[dt.date, float], last_day: dt.date,
               config: SanityConfig, skip: Iterable[dt.date] = ()) -> list[dict[str, Any]]:
    """Run the checks; each failed one also issues a :class:`ForecastSanityWarning`.

    ``day_totals`` are the forecast calls per local day; ``skip`` days (holidays, scaled or
    overridden days) are left out of the total comparison.
    """
    out = [_total_check(ws, day_totals, config, set(skip)),
           _gap_check(min(day_totals), last_day, config),
           _weekday_check(ws, day_totals, config)]
    for c in out:
        if not c["ok"]:
            warnings.warn(c["message"], ForecastSanityWarning, stacklevel=3)
    return out


def _total_check(ws: WallSeries, day_totals: dict[dt.date, float], config: SanityConfig,
                 skip: set[dt.date]) -> dict[str, Any]:
    days = [d for d in day_totals if d not in skip]
    fc = float(sum(day_totals[d] for d in days))
    m = ws.y.reshape(ws.days, ws.per_day)
    totals = np.where(np.isnan(m).any(axis=1) & np.isnan(m).all(axis=1), np.nan,
                      np.nansum(m, axis=1))
    totals[np.isnan(m).any(axis=1) & ~np.isnan(m).all(axis=1) & (np.nansum(m, axis=1) == 0)] \
        = np.nan
    start_dow = ws.first_dow
    recent = []
    for k in range(config.recent_weeks):
        hi = ws.days - 7 * k
        lo = hi - 7
        if lo < 0:
            break
        block = totals[lo:hi]
        dows = (start_dow + np.arange(lo, hi)) % 7
        by = {int(w): float(t) for w, t in zip(dows, block, strict=True)}
        vals = [by.get(d.weekday(), math.nan) for d in days]
        if vals and all(math.isfinite(v) for v in vals):
            recent.append(sum(vals))
    res: dict[str, Any] = {"check": "total_vs_recent_weeks", "ok": True, "forecast": fc,
                           "recent": recent, "share": config.week_total_share}
    if not days or not recent:
        res["message"] = "forecast total: no complete recent weeks to compare with"
        return res
    lo_, hi_ = min(recent), max(recent)
    span = f"{len(days)} days"
    if fc < lo_ * (1 - config.week_total_share) or fc > hi_ * (1 + config.week_total_share):
        res["ok"] = False
        side = "below" if fc < lo_ else "above"
        off = (lo_ - fc) / lo_ if fc < lo_ else (fc - hi_) / hi_
        res["message"] = (
            f"forecast total {fc:,.0f} calls ({span}) is {off:.1%} {side} the range of the "
            f"same days in the last {len(recent)} weeks ({lo_:,.0f}-{hi_:,.0f}); check the "
            f"model and special days"
        )
    else:
        res["message"] = (f"forecast total {fc:,.0f} calls within the last {len(recent)} "
                          f"weeks' {lo_:,.0f}-{hi_:,.0f} (+-{config.week_total_share:.0%})")
    return res


def _gap_check(first_day: dt.date, last_day: dt.date, config: SanityConfig) -> dict[str, Any]:
    gap = (first_day - last_day).days - 1
    ok = gap <= config.max_gap_days
    msg = (f"history ends {last_day.isoformat()}, {gap} days before the plan starts "
           f"{first_day.isoformat()}" + ("" if ok else
                                        f" (more than {config.max_gap_days}): the level and "
                                        "pattern may have changed since"))
    return {"check": "history_gap", "ok": ok, "gap_days": gap, "message": msg}


def _weekday_check(ws: WallSeries, day_totals: dict[dt.date, float],
                   config: SanityConfig) -> dict[str, Any]:
    m = ws.y.reshape(ws.days, ws.per_day)
    seen = ~np.isnan(m).any(axis=1)
    dows = (ws.first_dow + np.arange(ws.days)) % 7
    open_ = np.nansum(m, axis=1) > 0
    counts = np.bincount(dows[seen & open_], minlength=7)
    ever = np.bincount(dows[open_], minlength=7) > 0
    need = sorted({d.weekday() for d, v in day_totals.items() if v > 0})
    thin = [d for d in need if ever[d] and counts[d] < config.min_days_per_weekday]
    ok = not thin
    if ok:
        msg = "every forecast weekday has enough history"
    else:
        msg = ("little history for " + ", ".join(f"{DOW[d]} ({counts[d]} days)" for d in thin)
               + f": fewer than {config.min_days_per_weekday} observed days; their level and "
               "shape are uncertain")
    return {"check": "history_per_weekday", "ok": ok,
            "days": {DOW[d]: int(counts[d]) for d in range(7)}, "message": msg}
