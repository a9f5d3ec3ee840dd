"""Opening hours and minimum staff in open hours (extended hours).

Shared by requirements (floor on required agents) and roster (hard minimum coverage). Times are
local wall-clock times of the site; a window may cross midnight (``close <= open``), in which case
it ends on the next day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from staffing.exceptions import InputError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_day(value: str | int) -> int:
    """Day of week as 0 (Monday) .. 6 (Sunday) from ``"mon"``, ``"Monday"`` or an int."""
    if isinstance(value, int) and 0 <= value <= 6:
        return value
    key = str(value).strip().lower()[:3]
    if key in DAYS:
        return DAYS.index(key)
    raise InputError("day", value, f"a day of week, one of {list(DAYS)} or 0..6")


def parse_clock(value: str | dt.time, field_name: str = "time") -> dt.time:
    """Parse ``"HH:MM"`` (``"24:00"`` allowed as end of day, returned as 00:00)."""
    if isinstance(value, dt.time):
        return value
    text = str(value).strip()
    if text == "24:00":
        return dt.time(0, 0)
    try:
        return dt.time.fromisoformat(text)
    except ValueError as exc:
        raise InputError(field_name, value, "a clock time 'HH:MM'") from exc


@dataclass(frozen=True)
class DayHours:
    """One day's open window [open, close) with the minimum agents on duty while open."""

    day: int
    open: dt.time
    close: dt.time
    min_staff: int = 0

    @property
    def crosses_midnight(self) -> bool:
        """True when the window ends on the next day (``close <= open``)."""
        return self.close <= self.open


@dataclass(frozen=True)
class OpenHours:
    """Weekly opening hours; days without an entry are closed.

    Build with :meth:`from_dict`, e.g.
    ``{"mon-thu": "07:00-24:00", "fri": "07:00-14:00", "sun": "07:00-24:00"}``
    with an optional ``min_staff`` (agents on duty in every open interval, or a mapping per day).
    """

    days: tuple[DayHours, ...] = field(default_factory=tuple)

    @classmethod
    def always(cls, min_staff: int = 0) -> OpenHours:
        """Open 24/7."""
        return cls(tuple(DayHours(d, dt.time(0), dt.time(0), min_staff) for d in range(7)))

    @classmethod
    def from_table(cls, raw: Any) -> OpenHours:
        """Parse an ``[open_hours]`` TOML table: day ranges to ``'HH:MM-HH:MM'`` plus an
        optional ``min_staff`` (agents, or a table per day range)."""
        if not isinstance(raw, Mapping):
            raise InputError("open_hours", raw, "a table of day ranges to 'HH:MM-HH:MM'")
        spec = {k: v for k, v in raw.items() if k != "min_staff"}
        floor = raw.get("min_staff", 0)
        if isinstance(floor, bool) or not isinstance(floor, int | Mapping):
            raise InputError("open_hours.min_staff", floor,
                             "agents (int) or a table per day range")
        return cls.from_dict(spec, floor)

    @classmethod
    def from_dict(
        cls, spec: Mapping[str, str], min_staff: int | Mapping[str, int] = 0
    ) -> OpenHours:
        """Parse ``{"mon-fri": "08:00-20:00", "sat": "09:00-13:00"}`` (closed days omitted)."""
        per_day: dict[int, DayHours] = {}
        for key, window in spec.items():
            try:
                days = _expand_days(key)
            except InputError as exc:
                raise InputError(f"open_hours.{key}", key, exc.expected) from exc
            try:
                a, b = (s.strip() for s in str(window).split("-"))
            except ValueError as exc:
                raise InputError(f"open_hours.{key}", window, "a window 'HH:MM-HH:MM'") from exc
            start = parse_clock(a, f"open_hours.{key}")
            end = parse_clock(b, f"open_hours.{key}")
            for d in days:
                floor = min_staff if isinstance(min_staff, int) else _staff_for(min_staff, d)
                if floor < 0:
                    raise InputError("min_staff", floor, "a non-negative number of agents")
                per_day[d] = DayHours(d, start, end, int(floor))
        return cls(tuple(per_day[d] for d in sorted(per_day)))

    def mask(self, index: pd.DatetimeIndex) -> np.ndarray:
        """Boolean array: is the interval starting at each timestamp open."""
        return self.min_staff(index) >= 0

    def min_staff(self, index: pd.DatetimeIndex) -> np.ndarray:
        """Minimum agents per interval start: the day's floor when open, -1 when closed."""
        out = np.full(len(index), -1, dtype=int)
        if not len(index):
            return out
        wall = index.tz_localize(None) if index.tz is not None else index
        dow = wall.day_of_week.to_numpy()
        tod = (wall - wall.normalize()).to_numpy()
        for h in self.days:
            o = pd.Timedelta(hours=h.open.hour, minutes=h.open.minute).to_timedelta64()
            c = pd.Timedelta(hours=h.close.hour, minutes=h.close.minute).to_timedelta64()
            if h.crosses_midnight:
                same = (dow == h.day) & (tod >= o)
                nxt = (dow == (h.day + 1) % 7) & (tod < c)
                hit = same | nxt
            else:
                hit = (dow == h.day) & (tod >= o) & (tod < c)
            out[hit] = np.maximum(out[hit], h.min_staff)
        return out


def _expand_days(key: str) -> list[int]:
    key = key.strip().lower()
    if key in ("all", "daily", "mon-sun"):
        return list(range(7))
    if "-" in key:
        a, b = (parse_day(p) for p in key.split("-"))
        return [(a + i) % 7 for i in range((b - a) % 7 + 1)]
    return [parse_day(p) for p in key.split(",")]


def _staff_for(spec: Mapping[str, int], day: int) -> int:
    for key, value in spec.items():
        if day in _expand_days(key):
            return int(value)
    return 0
