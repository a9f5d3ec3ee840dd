"""The interval grid: site time zone, interval length and planning-week ranges.

Intervals are ``[start, start + freq)`` labelled by their start, tz-aware in the site's IANA
zone. Ranges are generated in absolute time, so a spring-forward day has 92 quarter-hours and
a fall-back day 100.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import zoneinfo
from dataclasses import dataclass

import numpy as np
import pandas as pd

from staffing.exceptions import InputError

INDEX_NAME = "interval_start"
ALLOWED_MINUTES = (5, 10, 15, 20, 30, 60)


def parse_freq(freq: str | pd.Timedelta | dt.timedelta | int) -> pd.Timedelta:
    """Parse an interval length ("15min", 900 seconds, a Timedelta) into a ``pd.Timedelta``.

    Integers are seconds. The length must divide one hour (5, 10, 15, 20, 30 or 60 minutes).
    """
    try:
        td = pd.Timedelta(seconds=freq) if isinstance(freq, int) else pd.Timedelta(freq)
    except (ValueError, TypeError) as exc:
        raise InputError("freq", freq, "an interval length like '15min' or 900 (s)") from exc
    minutes = td.total_seconds() / 60
    if minutes not in ALLOWED_MINUTES:
        raise InputError("freq", freq, f"an interval of {ALLOWED_MINUTES} minutes")
    return td


# An IANA name is letters, digits, '_', '+', '-' in '/'-separated parts ("America/Argentina/
# Buenos_Aires", "Etc/GMT+3"); no dots, colons or empty parts, so no path and no
# "dateutil/..." / "tzfile:..." prefix that pandas would hand to a file-opening parser.
_TZ_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+-]{0,40}(?:/[A-Za-z0-9_+-]{1,40}){0,3}")


@functools.cache
def _iana_names() -> frozenset[str]:
    """Every zone name of the tz database available here (read once per process)."""
    return frozenset(zoneinfo.available_timezones())


def parse_tz(tz: object, field: str = "tz") -> str:
    """An IANA time-zone name, checked against the tz database's list of names.

    Only names pass (``"Asia/Jerusalem"``, ``"UTC"``); anything else raises
    :class:`InputError` naming ``field`` before any zone is loaded, so no value can make the
    program open a file (``"dateutil//etc/passwd"``, ``"../../etc/passwd"``).
    """
    if not (isinstance(tz, str) and _TZ_NAME.fullmatch(tz) and tz in _iana_names()):
        raise InputError(field, tz, "an IANA time zone name such as 'Asia/Jerusalem'")
    return tz


def local_dates(index: pd.DatetimeIndex, tz: str | None = None) -> np.ndarray:
    """Local calendar date of each interval start in ``tz`` (default: the index's zone)."""
    if index.tz is None:
        return np.asarray(index.date)
    zone = parse_tz(tz) if tz is not None else str(index.tz)
    return np.asarray(index.tz_convert(zone).date)


def interval_of(frame: pd.DataFrame | pd.DatetimeIndex,
                freq: str | pd.Timedelta | dt.timedelta | int | None = None) -> pd.Timedelta:
    """The interval length of a per-interval frame: ``freq`` when given (int: seconds), else
    the frame's ``attrs['freq']`` (set by the readers and stages), else the smallest step
    between its interval starts (absolute time, so DST days are fine). InputError ``freq`` when
    none exists (one interval, no length given) or the length is not positive."""
    if freq is None and isinstance(frame, pd.DataFrame) and frame.attrs.get("freq") is not None:
        freq = frame.attrs["freq"]
    if freq is None:
        index = frame if isinstance(frame, pd.DatetimeIndex) else frame.index
        if len(index) < 2:
            raise InputError("freq", None, "an interval length (pass freq= for one interval)")
        ordered = pd.DatetimeIndex(index).sort_values()
        freq = pd.Timedelta((ordered[1:] - ordered[:-1]).min())
    try:
        td = pd.Timedelta(seconds=freq) if isinstance(freq, int) else pd.Timedelta(freq)
    except (TypeError, ValueError) as exc:
        raise InputError("freq", freq, "an interval length like '15min' or 900 (s)") from exc
    if pd.isna(td) or td <= pd.Timedelta(0):
        raise InputError("freq", freq, "a positive interval length")
    return td


def by_interval(frame: pd.DataFrame) -> pd.DataFrame:
    """The one shape of per-interval frames (coverage, requirements, forecast): indexed by
    ``interval_start``. A frame carrying ``interval_start`` as a column gets it as index."""
    if INDEX_NAME in frame.columns:
        out = frame.set_index(INDEX_NAME)
        out.index = pd.DatetimeIndex(out.index, name=INDEX_NAME)
        return out
    out = frame.copy()
    out.index.name = INDEX_NAME
    return out


def with_interval_column(frame: pd.DataFrame) -> pd.DataFrame:
    """The file shape of a per-interval frame: ``interval_start`` as the first column."""
    if INDEX_NAME in frame.columns:
        return frame.reset_index(drop=True)
    return by_interval(frame).reset_index()


@dataclass(frozen=True)
class IntervalGrid:
    """A site's interval grid.

    Attributes
    ----------
    tz:
        IANA time-zone name of the site, e.g. ``"Asia/Jerusalem"``.
    freq:
        Interval length (``pd.Timedelta``), one of 5/10/15/20/30/60 minutes.
    """

    tz: str
    freq: pd.Timedelta

    def __post_init__(self) -> None:
        parse_tz(self.tz)
        if not isinstance(self.freq, pd.Timedelta):
            object.__setattr__(self, "freq", parse_freq(self.freq))

    @classmethod
    def of(cls, tz: str, freq: str | pd.Timedelta | int = "15min") -> IntervalGrid:
        """Build a validated grid from a tz name and an interval length."""
        return cls(parse_tz(tz), parse_freq(freq))

    @property
    def freq_s(self) -> float:
        """Interval length in seconds."""
        return float(self.freq.total_seconds())

    def midnight(self, day: dt.date | str | pd.Timestamp) -> pd.Timestamp:
        """Local midnight that starts ``day`` (tz-aware)."""
        d = pd.Timestamp(day)
        if d.tzinfo is not None:
            d = d.tz_convert(self.tz).tz_localize(None)
        return pd.Timestamp(d.date()).tz_localize(self.tz, nonexistent="shift_forward")

    def range(
        self, start: dt.date | str | pd.Timestamp, days: int = 7
    ) -> pd.DatetimeIndex:
        """All interval starts of ``days`` local days beginning at ``start``'s local midnight."""
        if days < 1:
            raise InputError("days", days, "a positive number of days")
        first = self.midnight(start)
        end = self.midnight(pd.Timestamp(first.date()) + pd.Timedelta(days=days))
        idx = pd.date_range(first, end, freq=self.freq, inclusive="left", name=INDEX_NAME)
        return idx

    def week(self, start: dt.date | str | pd.Timestamp) -> pd.DatetimeIndex:
        """The seven-day planning week starting on ``start`` (any weekday)."""
        return self.range(start, 7)

    def between(self, first: pd.Timestamp, last: pd.Timestamp) -> pd.DatetimeIndex:
        """Grid intervals from ``first`` to ``last`` inclusive (both interval starts)."""
        return pd.date_range(first, last, freq=self.freq, name=INDEX_NAME)

    def off_grid(self, index: pd.DatetimeIndex) -> pd.DatetimeIndex:
        """Timestamps of ``index`` that are not aligned to the grid (relative to local midnight)."""
        wall = self._wall(index)
        mask = ((wall - wall.normalize()) % self.freq) != pd.Timedelta(0)
        return index[mask]

    def _wall(self, index: pd.DatetimeIndex) -> pd.DatetimeIndex:
        """Naive local wall-clock times (so DST days keep their clock slots)."""
        if index.tz is None:
            return index
        return index.tz_convert(self.tz).tz_localize(None)

    def slot_of_day(self, index: pd.DatetimeIndex) -> pd.Index:
        """Wall-clock slot within the day (0 .. 24h/freq - 1) for each interval start.

        On a fall-back day the repeated hour maps twice onto the same slots; on a spring-forward
        day the skipped hour's slots do not occur.
        """
        wall = self._wall(index)
        return pd.Index((wall - wall.normalize()) // self.freq, name="slot")

    def slot_of_week(self, index: pd.DatetimeIndex) -> pd.Index:
        """Wall-clock slot within the week (Monday 00:00 = 0) for each interval start."""
        per_day = int(pd.Timedelta(days=1) / self.freq)
        wall = self._wall(index)
        return pd.Index(wall.day_of_week * per_day + self.slot_of_day(index), name="slot_of_week")
