"""History preparation: validation and the wall-clock series every model works on.

Models see history as a regular array on the *wall clock* of the site: one step per interval of
local time, whole local days, starting at local midnight of the first history day. DST is folded
in here, once:

* spring-forward: the skipped wall-clock hour has no real interval, its steps are NaN;
* fall-back: the repeated wall-clock hour holds two real intervals, their counts are averaged
  into one step (calls per interval stay comparable with other days).

NaN steps are missing data (gaps, excluded special days, DST gaps); zeros are closed hours.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from staffing.exceptions import InputError, MissingDataWarning
from staffing.grid import INDEX_NAME, IntervalGrid, parse_freq

DAY = pd.Timedelta(days=1)


@dataclass(frozen=True)
class WallSeries:
    """Calls per interval on a regular wall-clock grid of whole local days.

    Attributes
    ----------
    y:
        Offered calls per interval (float; NaN = missing or excluded), length ``days * per_day``.
    start:
        Naive local midnight of the first day (wall clock).
    freq:
        Interval length.
    """

    y: np.ndarray
    start: pd.Timestamp
    freq: pd.Timedelta

    @property
    def per_day(self) -> int:
        """Intervals per local day."""
        return int(DAY / self.freq)

    @property
    def per_week(self) -> int:
        """Intervals per week (the weekly season)."""
        return 7 * self.per_day

    @property
    def days(self) -> int:
        """Number of local days covered."""
        return len(self.y) // self.per_day

    @property
    def first_dow(self) -> int:
        """Day of week of the first day (Monday = 0)."""
        return int(self.start.day_of_week)

    def dow(self, first: int = 0, n: int | None = None) -> np.ndarray:
        """Day of week (0 = Monday) of steps ``first .. first + n`` (n defaults to the history)."""
        steps = np.arange(first, first + (len(self.y) if n is None else n))
        return (self.first_dow + steps // self.per_day) % 7

    def slot(self, first: int = 0, n: int | None = None) -> np.ndarray:
        """Wall-clock slot of the day of steps ``first .. first + n``."""
        steps = np.arange(first, first + (len(self.y) if n is None else n))
        return steps % self.per_day

    def slot_of_week(self, first: int = 0, n: int | None = None) -> np.ndarray:
        """Slot of the week (Monday 00:00 = 0) of steps ``first .. first + n``."""
        return self.dow(first, n) * self.per_day + self.slot(first, n)

    def head(self, days: int) -> WallSeries:
        """The first ``days`` days (a backtest's training window)."""
        return WallSeries(self.y[: days * self.per_day].copy(), self.start, self.freq)

    def week_matrix(self) -> np.ndarray:
        """Calls as a (weeks, per_week) matrix aligned on Monday 00:00, NaN-padded."""
        lead = self.first_dow * self.per_day
        total = lead + len(self.y)
        weeks = -(-total // self.per_week)
        out = np.full(weeks * self.per_week, np.nan)
        out[lead:total] = self.y
        return out.reshape(weeks, self.per_week)

    def recent(self, weeks: int) -> np.ndarray:
        """Per slot of week, the last ``weeks`` observed values as a (weeks, per_week) matrix.

        Rows are the most recent observation first; NaN where a slot has fewer observations.
        """
        m = self.week_matrix()[::-1]
        seen = ~np.isnan(m)
        rank = np.cumsum(seen, axis=0)
        out = np.full((weeks, self.per_week), np.nan)
        for k in range(weeks):
            hit = seen & (rank == k + 1)
            rows = hit.argmax(axis=0)
            has = hit.any(axis=0)
            out[k, has] = m[rows[has], np.flatnonzero(has)]
        return out


def history_grid(history: pd.DataFrame) -> IntervalGrid:
    """The grid (tz, freq) of a history frame: ``attrs['freq']``/``attrs['tz']`` or inferred."""
    if not isinstance(history, pd.DataFrame):
        raise InputError("history", type(history).__name__, "a DataFrame indexed by interval_start")
    index = history.index
    if not isinstance(index, pd.DatetimeIndex) or index.tz is None:
        raise InputError(
            "history.index", type(index).__name__,
            "a tz-aware DatetimeIndex of interval starts (use staffing.io.read_history)",
        )
    tz = history.attrs.get("tz") or getattr(index.tz, "key", None) or str(index.tz)
    freq = history.attrs.get("freq")
    if freq is None:
        if len(index) < 2:
            raise InputError("history", len(index), "at least two intervals to infer the freq")
        steps = np.diff(np.sort(index.as_unit("ns").asi8))
        steps = steps[steps > 0]
        if not len(steps):
            raise InputError("history.index", "duplicates only", "distinct interval starts")
        freq = pd.Timedelta(int(steps.min()), unit="ns")
    return IntervalGrid.of(str(tz), parse_freq(freq))


def validate_calls(history: pd.DataFrame) -> pd.Series:
    """The ``calls`` column as float, checked: present, numeric, non-negative, not all zero."""
    if "calls" not in history.columns:
        raise InputError("calls", sorted(map(str, history.columns)), "a 'calls' column")
    if history.index.has_duplicates:
        dup = history.index[history.index.duplicated()][0]
        raise InputError("history.index", str(dup), "unique interval starts")
    try:
        calls = pd.to_numeric(history["calls"], errors="raise").astype(float)
    except (ValueError, TypeError) as exc:
        raise InputError("calls", "non-numeric values", "offered calls per interval") from exc
    neg = calls < 0
    if neg.any():
        at = calls.index[neg.to_numpy().argmax()]
        raise InputError("calls", float(calls[at]), "a non-negative count of offered calls",
                         where=at.isoformat())
    if np.isinf(calls).any():
        raise InputError("calls", "inf", "finite offered calls per interval")
    if not (calls.fillna(0) > 0).any():
        raise InputError("calls", "all zero or missing", "some intervals with offered calls")
    return calls


def to_wall(
    values: pd.Series,
    grid: IntervalGrid,
    exclude: frozenset[dt.date] = frozenset(),
) -> WallSeries:
    """Fold a tz-aware interval series onto the regular wall-clock grid (see module doc).

    Values of ``exclude`` dates become NaN.
    """
    local = values.index.tz_convert(grid.tz).tz_localize(None)
    s = pd.Series(values.to_numpy(float), index=local).groupby(level=0).mean()
    first = s.index.min().normalize()
    last_day = s.index.max().normalize()
    days = int((last_day - first) / DAY) + 1
    wall = pd.date_range(first, periods=days * int(DAY / grid.freq), freq=grid.freq)
    y = s.reindex(wall).to_numpy(float, copy=True)
    if exclude:
        dates = wall.date
        y[np.isin(dates, np.array(sorted(exclude), dtype=object))] = np.nan
    return WallSeries(y, first, grid.freq)


def report_missing(calls: pd.Series, grid: IntervalGrid) -> list[str]:
    """Notes on local days with missing intervals (gaps in the real grid, not DST).

    Days of the week absent from the whole history (a weekday-only center) are closed days,
    noted but not reported as missing. Other gaps issue one :class:`MissingDataWarning`.
    """
    first = calls.index.min().tz_convert(grid.tz)
    last = calls.index.max().tz_convert(grid.tz)
    days = (last.date() - first.date()).days + 1
    full = grid.range(first.date(), days)
    present = calls.dropna().index
    missing = full.difference(present)
    if missing.empty:
        return []
    seen_dow = set(present.tz_convert(grid.tz).day_of_week)
    never = sorted(set(range(7)) - seen_dow)
    notes = []
    if never:
        names = ", ".join(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[d] for d in never)
        notes.append(f"history: no data on {names} at all; treated as closed days (zero)")
        missing = missing[~missing.tz_convert(grid.tz).day_of_week.isin(never)]
        if missing.empty:
            return notes
    local_days = pd.Series(missing.tz_convert(grid.tz).date).value_counts().sort_index()
    per_day = full.tz_convert(grid.tz).date
    expected = pd.Series(per_day).value_counts()
    whole = [d for d, n in local_days.items() if n == expected[d]]
    partial = [d for d, n in local_days.items() if n < expected[d]]
    gaps = []
    if whole:
        gaps.append(f"history: {len(whole)} days with no data: " + _dates(whole))
    if partial:
        gaps.append(
            f"history: {len(partial)} days with missing intervals "
            f"({int(local_days[partial].sum())} intervals): " + _dates(partial)
        )
    warnings.warn("; ".join(gaps) + " (treated as missing, not as zero volume)",
                  MissingDataWarning, stacklevel=3)
    return notes + gaps


def _dates(days: list[dt.date]) -> str:
    shown = ", ".join(d.isoformat() for d in days[:10])
    return shown + (f" and {len(days) - 10} more" if len(days) > 10 else "")


def target_index(grid: IntervalGrid, start: pd.Timestamp, days: int) -> pd.DatetimeIndex:
    """Interval starts of the forecast horizon (real time, so DST days have 92/100 quarters)."""
    idx = grid.range(start, days)
    idx.name = INDEX_NAME
    return idx


def wall_steps(index: pd.DatetimeIndex, ws: WallSeries) -> np.ndarray:
    """Step number on ``ws``'s wall-clock grid of each (tz-aware) interval start."""
    local = index.tz_localize(None) if index.tz is not None else index
    return np.asarray((local - ws.start) // ws.freq, dtype=np.int64)
