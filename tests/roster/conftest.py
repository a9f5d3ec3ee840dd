"""Helpers shared by the roster tests: a one-day rule set and small UTC grids."""

from __future__ import annotations

import pandas as pd

from staffing.grid import IntervalGrid
from staffing.roster import WeeklyRules

ONE_DAY = WeeklyRules(workdays=1, consecutive_days_off=0)
"""A person works one day (no days-off block): single-day instances."""


def day_index(freq: str = "60min", days: int = 1, start: str = "2024-01-01",
              tz: str = "UTC") -> pd.DatetimeIndex:
    """The interval starts of a ``days``-day grid from ``start`` (a Monday by default)."""
    return IntervalGrid.of(tz, freq).range(start, days)
