"""Named agents and their contracts: the validated dataclasses (no file reading here).

Units: clock windows in minutes from local midnight (``end_min`` may be 1440), hours as
``*_hours``, rest as ``min_rest_hours``. Weekdays 0 = Monday .. 6 = Sunday.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from staffing.exceptions import InputError

__all__ = ["Agent", "Contract", "DatedException", "Preferences", "Window"]


@dataclass(frozen=True)
class Window:
    """A clock window ``[start_min, end_min)`` in minutes from local midnight."""

    start_min: int
    end_min: int

    def __post_init__(self) -> None:
        if not 0 <= self.start_min < self.end_min <= 1440 + 720:
            raise InputError("window", (self.start_min, self.end_min),
                             "0 <= start < end minutes from midnight")

    def contains(self, start_min: int, end_min: int) -> bool:
        """True when ``[start_min, end_min)`` lies inside the window."""
        return self.start_min <= start_min and end_min <= self.end_min


@dataclass(frozen=True)
class Contract:
    """Hard rules of a contract (``None`` = no limit). Hours are paid hours."""

    name: str
    templates: tuple[str, ...] | None = None
    min_week_hours: float = 0.0
    max_week_hours: float | None = None
    min_horizon_hours: float = 0.0
    max_horizon_hours: float | None = None
    max_days_per_week: int | None = 5
    min_consecutive_days: int = 1
    max_consecutive_days: int | None = 6
    min_consecutive_days_off: int = 1
    max_weekends: int | None = None
    min_rest_hours: float = 11.0

    def __post_init__(self) -> None:
        f = f"contracts.{self.name}"
        for key in ("min_week_hours", "min_horizon_hours", "min_rest_hours"):
            v = getattr(self, key)
            if not 0 <= v <= 168 * 6:
                raise InputError(f"{f}.{key}", v, "hours >= 0")
        for lo, hi in (("min_week_hours", "max_week_hours"),
                       ("min_horizon_hours", "max_horizon_hours")):
            v = getattr(self, hi)
            if v is not None and not getattr(self, lo) <= v:
                raise InputError(f"{f}.{hi}", v, f"hours >= {lo} ({getattr(self, lo)})")
        if self.min_rest_hours > 24:
            raise InputError(f"{f}.min_rest_hours", self.min_rest_hours, "hours <= 24")
        if self.max_days_per_week is not None and not 1 <= self.max_days_per_week <= 7:
            raise InputError(f"{f}.max_days_per_week", self.max_days_per_week, "1..7")
        if not 1 <= self.min_consecutive_days <= 7:
            raise InputError(f"{f}.min_consecutive_days", self.min_consecutive_days, "1..7")
        if self.max_consecutive_days is not None and not (
                self.min_consecutive_days <= self.max_consecutive_days <= 42):
            raise InputError(f"{f}.max_consecutive_days", self.max_consecutive_days,
                             f"{self.min_consecutive_days}..42")
        if not 1 <= self.min_consecutive_days_off <= 7:
            raise InputError(f"{f}.min_consecutive_days_off", self.min_consecutive_days_off,
                             "1..7")
        if self.max_weekends is not None and self.max_weekends < 0:
            raise InputError(f"{f}.max_weekends", self.max_weekends, "an integer >= 0")


@dataclass(frozen=True)
class DatedException:
    """A dated exception: ``time_off`` (no work that day) or ``training`` (off the phone all
    day: no shift is scheduled, the day is reported as training)."""

    date: dt.date
    kind: str

    def __post_init__(self) -> None:
        if self.kind not in ("time_off", "training"):
            raise InputError("exception.kind", self.kind, "'time_off' or 'training'")


@dataclass(frozen=True)
class Preferences:
    """Soft wishes with weights (objective units per unmet wish).

    ``preferred_start`` is a clock window for shift starts (each shift starting outside costs
    ``start_weight``); ``preferred_templates`` likewise (``template_weight``); ``days_off``
    lists weekdays or dates the person wishes off (``day_off_weight`` each).
    """

    preferred_start: Window | None = None
    start_weight: float = 1.0
    preferred_templates: tuple[str, ...] = ()
    template_weight: float = 1.0
    days_off_weekdays: tuple[int, ...] = ()
    days_off_dates: tuple[dt.date, ...] = ()
    day_off_weight: float = 3.0


@dataclass(frozen=True)
class Agent:
    """One named person. ``availability`` maps weekday -> windows a shift must lie in (a
    weekday absent from a non-empty map is unavailable; an empty map = always available)."""

    id: str
    name: str
    contract: Contract
    skills: Mapping[str, int] = field(default_factory=dict)
    availability: Mapping[int, tuple[Window, ...]] = field(default_factory=dict)
    exceptions: tuple[DatedException, ...] = ()
    preferences: Preferences = field(default_factory=Preferences)
    seniority: int = 0

    def available(self, date: dt.date, start_min: int, end_min: int) -> bool:
        """Whether a shift ``[start_min, end_min)`` on ``date`` is allowed for this person."""
        if any(x.date == date for x in self.exceptions):
            return False
        if not self.availability:
            return True
        return any(w.contains(start_min, end_min)
                   for w in self.availability.get(date.weekday(), ()))

    def exception_on(self, date: dt.date) -> str | None:
        """``time_off``/``training`` when the person has that exception on ``date``."""
        for x in self.exceptions:
            if x.date == date:
                return x.kind
        return None
