"""Roster inputs: shift templates, break rules, weekly (tour) rules, penalties, solver options.

Every dataclass validates itself on construction and raises
:class:`~staffing.exceptions.InputError` naming the field, the value and what was expected.
:meth:`RosterConfig.from_toml` / :meth:`RosterConfig.from_dict` read the TOML format shown in
``data/roster_example.toml`` and the README.

Units
-----
- Clock times (``start_earliest``, ``start_latest``) are local wall-clock times of the site.
- Minutes for steps, break durations and offsets (``*_min``); hours for paid lengths and weekly
  hours (``*_hours``).
- Money: ``cost_per_hour`` (currency per paid agent-hour); penalties are currency per
  agent-interval of the planning grid (one agent missing, or one too many, for one interval).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from staffing._validate import only_keys
from staffing.exceptions import InputError
from staffing.hours import DAYS, OpenHours, _expand_days, parse_clock, parse_day
from staffing.io.toml import read_toml

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

__all__ = [
    "BreakRule",
    "Penalties",
    "RosterConfig",
    "ShiftTemplate",
    "SolverOptions",
    "WeeklyRules",
]


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def _tuple(name: str, value: Any) -> tuple[Any, ...]:
    """A list/tuple setting as a tuple (InputError naming the key otherwise)."""
    if isinstance(value, list | tuple):
        return tuple(value)
    raise InputError(name, value, "a list of numbers")


def _num(name: str, value: Any, expected: str, *, lo: float | None = 0.0, strict: bool = False,
         integer: bool = False) -> Any:
    """Validate a number (bools rejected)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(name, value, expected)
    if not math.isfinite(float(value)):
        raise InputError(name, value, expected)
    if integer and float(value) != int(value):
        raise InputError(name, value, expected)
    if lo is not None and (value < lo or (strict and value == lo)):
        raise InputError(name, value, expected)
    return int(value) if integer else float(value)


@dataclass(frozen=True)
class BreakRule:
    """One break (or lunch) inside a shift.

    Attributes
    ----------
    duration_min:
        Break length in minutes (a multiple of the planning grid's interval).
    earliest_offset_min, latest_offset_min:
        Window for the break *start*, in minutes after the shift start.
    min_gap_min:
        Minimum minutes between the end of the previous break rule's window and this window's
        earliest start. Windows of successive rules must not overlap and be ``min_gap_min`` apart
        (Aykin's assumption); then every placement respects the gap by construction.
    paid:
        Paid breaks count towards paid hours; unpaid breaks lengthen the shift span.
    name:
        Label used in reports (``"lunch"``, ``"break"``).
    """

    duration_min: int
    earliest_offset_min: int
    latest_offset_min: int
    min_gap_min: int = 0
    paid: bool = False
    name: str = "break"

    def __post_init__(self) -> None:
        _num("breaks.duration_min", self.duration_min, "a positive whole number of minutes",
             strict=True, integer=True)
        _num("breaks.earliest_offset_min", self.earliest_offset_min,
             "a non-negative whole number of minutes", integer=True)
        _num("breaks.latest_offset_min", self.latest_offset_min,
             "a whole number of minutes >= earliest_offset_min", integer=True)
        if self.latest_offset_min < self.earliest_offset_min:
            raise InputError("breaks.latest_offset_min", self.latest_offset_min,
                             f">= earliest_offset_min ({self.earliest_offset_min})")
        _num("breaks.min_gap_min", self.min_gap_min, "a non-negative whole number of minutes",
             integer=True)
        if not isinstance(self.paid, bool):
            raise InputError("breaks.paid", self.paid, "true or false")


@dataclass(frozen=True)
class ShiftTemplate:
    """A family of shifts: allowed starts, paid length(s), days, cost and breaks.

    Attributes
    ----------
    name:
        Unique template name.
    start_earliest, start_latest:
        Wall-clock window for shift starts on a day (``start_latest >= start_earliest``; the
        shift itself may run past midnight and past the end of the week, it wraps cyclically).
    start_step_min:
        Minutes between allowed starts (a multiple of the grid interval); a ``Timedelta`` is
        accepted and converted to minutes.
    paid_hours:
        Paid hours per shift, or an inclusive ``(min, max)`` range stepped by
        ``length_step_min``. A person (tour) keeps one length all week.
    days:
        Weekdays (0 = Monday .. 6 = Sunday) on which the template may be worked.
    cost_per_hour:
        Currency per paid agent-hour.
    part_time:
        Counts towards ``WeeklyRules.part_time_share_max``.
    max_headcount:
        Upper bound on people (tours) on this template, ``None`` for no bound.
    breaks:
        Break rules, in time order.
    length_step_min:
        Step of the paid-length range in minutes.
    workdays:
        Days worked per week by people on this template (overrides ``WeeklyRules.workdays``).
    before_open_min, after_close_min:
        Minutes a shift may be on duty before the centre opens / after it closes (set-up,
        wrap-up) when ``WeeklyRules.within_open_hours`` keeps paid time inside open hours.
    """

    name: str
    start_earliest: dt.time
    start_latest: dt.time
    start_step_min: int = 30
    paid_hours: float | tuple[float, float] = 8.0
    days: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)
    cost_per_hour: float = 1.0
    part_time: bool = False
    max_headcount: int | None = None
    breaks: tuple[BreakRule, ...] = ()
    length_step_min: int = 60
    workdays: int | None = None
    before_open_min: int = 0
    after_close_min: int = 0

    def __post_init__(self) -> None:
        f = f"templates.{self.name}"
        for attr in ("before_open_min", "after_close_min"):
            _num(f"{f}.{attr}", getattr(self, attr), "a non-negative whole number of minutes",
                 integer=True)
        if isinstance(self.start_step_min, dt.timedelta):  # also pd.Timedelta
            object.__setattr__(self, "start_step_min",
                               int(self.start_step_min.total_seconds() // 60))
        if not isinstance(self.name, str) or not self.name.strip():
            raise InputError("templates.name", self.name, "a non-empty name")
        for attr in ("start_earliest", "start_latest"):
            if not isinstance(getattr(self, attr), dt.time):
                raise InputError(f"{f}.{attr}", getattr(self, attr), "a clock time 'HH:MM'")
        if self.start_latest < self.start_earliest:
            raise InputError(f"{f}.start_latest", self.start_latest.strftime("%H:%M"),
                             f"a time not before start_earliest "
                             f"({self.start_earliest.strftime('%H:%M')})")
        _num(f"{f}.start_step_min", self.start_step_min, "a positive whole number of minutes",
             strict=True, integer=True)
        lo, hi = self.paid_range
        for v in (lo, hi):
            _num(f"{f}.paid_hours", v, "hours in (0, 24]", strict=True)
            if v > 24:
                raise InputError(f"{f}.paid_hours", self.paid_hours, "hours in (0, 24]")
        if hi < lo:
            raise InputError(f"{f}.paid_hours", self.paid_hours, "a range (min, max), min <= max")
        _num(f"{f}.length_step_min", self.length_step_min, "a positive whole number of minutes",
             strict=True, integer=True)
        if not self.days or any(not isinstance(d, int) or not 0 <= d <= 6 for d in self.days):
            raise InputError(f"{f}.days", self.days, "weekdays 0 (Mon) .. 6 (Sun), at least one")
        _num(f"{f}.cost_per_hour", self.cost_per_hour, "a non-negative number")
        if not isinstance(self.part_time, bool):
            raise InputError(f"{f}.part_time", self.part_time, "true or false")
        if self.max_headcount is not None:
            _num(f"{f}.max_headcount", self.max_headcount, "a non-negative whole number or none",
                 integer=True)
        if self.workdays is not None:
            _num(f"{f}.workdays", self.workdays, "a whole number of days in 1..7", lo=1,
                 integer=True)
            if self.workdays > 7:
                raise InputError(f"{f}.workdays", self.workdays, "a whole number of days in 1..7")
        for b in self.breaks:
            if not isinstance(b, BreakRule):
                raise InputError(f"{f}.breaks", b, "BreakRule entries")
        for prev, nxt in zip(self.breaks, self.breaks[1:], strict=False):
            need = prev.latest_offset_min + prev.duration_min + nxt.min_gap_min
            if nxt.earliest_offset_min < need:
                raise InputError(
                    f"{f}.breaks.{nxt.name}.earliest_offset_min", nxt.earliest_offset_min,
                    f">= {need} (previous break window ends at {prev.latest_offset_min}+"
                    f"{prev.duration_min} min, plus min_gap {nxt.min_gap_min} min)")
        for length in self.lengths_min:
            span = self.span_min(length)
            last = self.breaks[-1] if self.breaks else None
            if last is not None and last.latest_offset_min + last.duration_min > span:
                raise InputError(f"{f}.breaks.{last.name}.latest_offset_min",
                                 last.latest_offset_min,
                                 f"a break ending within the shift span of {span} min")
            if span > 24 * 60:
                raise InputError(f"{f}.paid_hours", self.paid_hours,
                                 "a shift span (paid + unpaid breaks) of at most 24 h")

    @property
    def paid_range(self) -> tuple[float, float]:
        """``(min, max)`` paid hours."""
        if isinstance(self.paid_hours, tuple | list):
            if len(self.paid_hours) != 2:
                raise InputError(f"templates.{self.name}.paid_hours", self.paid_hours,
                                 "hours or a (min, max) pair")
            return (self.paid_hours[0], self.paid_hours[1])
        return (self.paid_hours, self.paid_hours)

    @property
    def lengths_min(self) -> tuple[int, ...]:
        """Allowed paid lengths in minutes."""
        lo, hi = (round(h * 60) for h in self.paid_range)
        return tuple(range(lo, hi + 1, self.length_step_min))

    @property
    def unpaid_break_min(self) -> int:
        """Minutes of unpaid breaks per shift."""
        return sum(b.duration_min for b in self.breaks if not b.paid)

    def span_min(self, paid_min: int) -> int:
        """Shift span (start to end) in minutes for a paid length in minutes."""
        return paid_min + self.unpaid_break_min

    def start_times_min(self) -> tuple[int, ...]:
        """Allowed start times in minutes after local midnight."""
        return tuple(range(_minutes(self.start_earliest), _minutes(self.start_latest) + 1,
                           self.start_step_min))


@dataclass(frozen=True)
class WeeklyRules:
    """Rules for one person's week (a tour).

    Attributes
    ----------
    workdays:
        Days worked per week (per tour). With a horizon shorter than a week it is capped at the
        number of days planned.
    consecutive_days_off:
        Minimum length of a block of consecutive days off (cyclic over the week boundary); 0 or
        1 means days off may be scattered.
    start_band_minutes:
        Maximum spread between a person's earliest and latest shift start across the week
        (wall-clock minutes), ``None`` for no limit.
    min_weekly_hours, max_weekly_hours:
        Bounds on a person's paid hours per week (``workdays x paid length``; applied when the
        horizon is a full week). Template lengths outside them are not offered and are listed
        in ``RosterResult.notes``.
    part_time_share_max:
        Maximum fraction of people on part-time templates, in [0, 1].
    within_open_hours:
        With open hours given, no paid time while the centre is closed: a shift is offered
        only if it lies inside the open hours, widened by its template's ``before_open_min``
        and ``after_close_min`` (default true).
    """

    workdays: int = 5
    consecutive_days_off: int = 2
    start_band_minutes: int | None = None
    min_weekly_hours: float = 0.0
    max_weekly_hours: float = 168.0
    part_time_share_max: float = 1.0
    within_open_hours: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.within_open_hours, bool):
            raise InputError("rules.within_open_hours", self.within_open_hours, "true or false")
        _num("rules.workdays", self.workdays, "a whole number of days in 1..7", lo=1,
             integer=True)
        if self.workdays > 7:
            raise InputError("rules.workdays", self.workdays, "a whole number of days in 1..7")
        _num("rules.consecutive_days_off", self.consecutive_days_off,
             "a whole number of days in 0..6", integer=True)
        if self.consecutive_days_off > 7 - self.workdays:
            raise InputError("rules.consecutive_days_off", self.consecutive_days_off,
                             f"at most 7 - workdays = {7 - self.workdays}")
        if self.start_band_minutes is not None:
            _num("rules.start_band_minutes", self.start_band_minutes,
                 "a non-negative whole number of minutes or none", integer=True)
        _num("rules.min_weekly_hours", self.min_weekly_hours, "non-negative hours")
        _num("rules.max_weekly_hours", self.max_weekly_hours, "hours >= min_weekly_hours")
        if self.max_weekly_hours < self.min_weekly_hours:
            raise InputError("rules.max_weekly_hours", self.max_weekly_hours,
                             f">= min_weekly_hours ({self.min_weekly_hours})")
        _num("rules.part_time_share_max", self.part_time_share_max, "a fraction in [0, 1]")
        if self.part_time_share_max > 1:
            raise InputError("rules.part_time_share_max", self.part_time_share_max,
                             "a fraction in [0, 1]")


#: Roster objectives (``SolverOptions.objective``).
OBJECTIVES = ("requirements", "service")

#: Default penalties, currency per agent-hour (at 15-minute intervals: 100 and 1 per interval).
DEFAULT_UNDER_PER_AGENT_HOUR = 400.0
DEFAULT_OVER_PER_AGENT_HOUR = 4.0


@dataclass(frozen=True)
class Penalties:
    """Soft-coverage penalties.

    ``under_per_agent_hour`` / ``over_per_agent_hour``: currency per agent-hour short of /
    over the requirement (the same roster cost on 5-, 15- and 30-minute grids). The older
    ``*_per_agent_interval`` keys (currency per agent-interval of whatever grid is planned, so
    a finer grid weighs the same shortage more) are still read; giving both forms of one side
    is an error. Neither given: 400 and 4 per agent-hour.

    ``under_tier_agents`` / ``under_tier_factors`` make the under-staffing penalty convex
    (requirement mode): the first ``under_tier_agents[0]`` agents short in an interval cost
    ``under_tier_factors[0]`` x the under price, the next ``under_tier_agents[1]`` the second
    factor, and so on; the last factor applies beyond (so there is one factor more than
    widths, factors non-decreasing). One interval 4 agents short then costs more than four
    intervals 1 short. Empty (the default): linear.
    """

    under_per_agent_interval: float | None = None
    over_per_agent_interval: float | None = None
    under_per_agent_hour: float | None = None
    over_per_agent_hour: float | None = None
    under_tier_agents: tuple[float, ...] = ()
    under_tier_factors: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        widths = _tuple("penalties.under_tier_agents", self.under_tier_agents)
        factors = _tuple("penalties.under_tier_factors", self.under_tier_factors)
        object.__setattr__(self, "under_tier_agents", widths)
        object.__setattr__(self, "under_tier_factors", factors)
        for w in widths:
            _num("penalties.under_tier_agents", w, "positive agents per tier", strict=True)
        for f in factors:
            _num("penalties.under_tier_factors", f, "non-negative multipliers of the under "
                 "price")
        if (widths or factors) and len(factors) != len(widths) + 1:
            raise InputError("penalties.under_tier_factors", list(factors),
                             f"{len(widths) + 1} factors: one per width in under_tier_agents "
                             f"and one for beyond the last")
        if any(b < a for a, b in zip(factors, factors[1:], strict=False)):
            raise InputError("penalties.under_tier_factors", list(factors),
                             "non-decreasing factors (a deeper hole costs more per agent)")
        for side in ("under", "over"):
            per_i = getattr(self, f"{side}_per_agent_interval")
            per_h = getattr(self, f"{side}_per_agent_hour")
            if per_i is not None:
                _num(f"penalties.{side}_per_agent_interval", per_i,
                     "a non-negative number (currency per agent-interval)")
            if per_h is not None:
                _num(f"penalties.{side}_per_agent_hour", per_h,
                     "a non-negative number (currency per agent-hour)")
            if per_i is not None and per_h is not None:
                raise InputError(f"penalties.{side}_per_agent_interval", per_i,
                                 f"either {side}_per_agent_hour or {side}_per_agent_interval, "
                                 "not both")

    def per_interval(self, interval_hours: float) -> tuple[float, float]:
        """(under, over) in currency per agent-interval of an ``interval_hours`` grid."""
        out = []
        for side, default in (("under", DEFAULT_UNDER_PER_AGENT_HOUR),
                              ("over", DEFAULT_OVER_PER_AGENT_HOUR)):
            per_i = getattr(self, f"{side}_per_agent_interval")
            per_h = getattr(self, f"{side}_per_agent_hour")
            if per_i is not None:
                out.append(float(per_i))
            else:
                out.append(float(default if per_h is None else per_h) * interval_hours)
        return out[0], out[1]

    def under_tiers(self, interval_hours: float) -> tuple[tuple[float, float], ...]:
        """((width in agents or inf, currency per agent-interval), ...) of the under-staffing
        penalty on an ``interval_hours`` grid: one linear tier without ``under_tier_*``."""
        under, _ = self.per_interval(interval_hours)
        if not self.under_tier_factors:
            return ((math.inf, under),)
        widths = (*self.under_tier_agents, math.inf)
        return tuple((float(w), under * float(f))
                     for w, f in zip(widths, self.under_tier_factors, strict=True))

    def under_cost(self, short: np.ndarray, interval_hours: float) -> np.ndarray:
        """Penalty (currency) of ``short`` agents short per interval, tier by tier."""
        left = np.maximum(np.asarray(short, dtype=float), 0.0)
        out = np.zeros_like(left)
        for width, price in self.under_tiers(interval_hours):
            take = np.minimum(left, width)
            out += take * price
            left = left - take
        return out

    @property
    def time_based(self) -> bool:
        """True when no side uses the per-interval (grid-dependent) form."""
        return self.under_per_agent_interval is None and self.over_per_agent_interval is None


@dataclass(frozen=True)
class SolverOptions:
    """HiGHS options passed through.

    Attributes
    ----------
    time_limit_s:
        Wall-clock limit for the solve in seconds.
    mip_rel_gap:
        Relative gap at which HiGHS stops and reports optimal.
    threads:
        HiGHS ``threads`` option (``None`` = HiGHS default).
    extra:
        Any other HiGHS option by its HiGHS name, e.g. ``{"random_seed": 1}``.
    objective:
        ``"requirements"`` (cover the per-interval requirement; soft, penalties per
        agent-hour) or ``"service"`` (least wages such that the volume-weighted service level
        over the horizon meets ``goals.service_level``; see :mod:`staffing.roster.service`).
    min_interval_service_level:
        Service objective only: lowest service level (fraction) allowed in any interval with
        calls that a template can staff; ``None`` for no floor.
    """

    time_limit_s: float = 60.0
    mip_rel_gap: float = 1e-4
    threads: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    objective: str = "requirements"
    min_interval_service_level: float | None = None

    def __post_init__(self) -> None:
        _num("time_limit_s", self.time_limit_s, "a positive number of seconds", strict=True)
        _num("mip_rel_gap", self.mip_rel_gap, "a non-negative fraction")
        if self.threads is not None:
            _num("threads", self.threads, "a positive whole number or none", lo=1, integer=True)
        if not isinstance(self.extra, Mapping):
            raise InputError("extra", self.extra, "a mapping of HiGHS option names to values")
        if self.objective not in OBJECTIVES:
            raise InputError("solver.objective", self.objective, f"one of {list(OBJECTIVES)}")
        if self.min_interval_service_level is not None:
            _num("solver.min_interval_service_level", self.min_interval_service_level,
                 "a fraction in [0, 1] or none")
            if self.min_interval_service_level > 1:
                raise InputError("solver.min_interval_service_level",
                                 self.min_interval_service_level, "a fraction in [0, 1] or none")


@dataclass(frozen=True)
class RosterConfig:
    """Everything the roster model needs besides the requirement series."""

    templates: tuple[ShiftTemplate, ...]
    rules: WeeklyRules = field(default_factory=WeeklyRules)
    penalties: Penalties = field(default_factory=Penalties)
    open_hours: OpenHours | None = None

    def __post_init__(self) -> None:
        if not self.templates:
            raise InputError("templates", self.templates, "at least one shift template")
        names = [t.name for t in self.templates]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise InputError("templates.name", sorted(dup)[0], "unique template names")
        for t in self.templates:
            if not isinstance(t, ShiftTemplate):
                raise InputError("templates", t, "ShiftTemplate entries")

    def template(self, name: str) -> ShiftTemplate:
        """The template called ``name``."""
        for t in self.templates:
            if t.name == name:
                return t
        raise InputError("template", name, f"one of {[t.name for t in self.templates]}")

    def to_dict(self) -> dict[str, Any]:
        """The TOML-shaped mapping; ``RosterConfig.from_dict(c.to_dict()) == c``."""
        out: dict[str, Any] = {"templates": [], "rules": {}, "penalties": {}}
        for t in self.templates:
            d: dict[str, Any] = {
                "name": t.name, "start_earliest": t.start_earliest.strftime("%H:%M"),
                "start_latest": t.start_latest.strftime("%H:%M"),
                "start_step_min": t.start_step_min,
                "paid_hours": list(t.paid_hours) if isinstance(t.paid_hours, tuple)
                else t.paid_hours,
                "days": [DAYS[d] for d in t.days], "cost_per_hour": t.cost_per_hour,
                "part_time": t.part_time, "length_step_min": t.length_step_min,
                "breaks": [{k: getattr(b, k) for k in BreakRule.__dataclass_fields__}
                           for b in t.breaks],
            }
            if t.max_headcount is not None:
                d["max_headcount"] = t.max_headcount
            if t.workdays is not None:
                d["workdays"] = t.workdays
            for k in ("before_open_min", "after_close_min"):
                if getattr(t, k):
                    d[k] = getattr(t, k)
            out["templates"].append(d)
        for k in WeeklyRules.__dataclass_fields__:
            v = getattr(self.rules, k)
            if v is not None:
                out["rules"][k] = v
        for k in Penalties.__dataclass_fields__:
            if getattr(self.penalties, k) is not None:
                out["penalties"][k] = getattr(self.penalties, k)
        if self.open_hours is not None:
            hours: dict[str, Any] = {
                DAYS[h.day]: f"{h.open:%H:%M}-{h.close:%H:%M}" for h in self.open_hours.days}
            hours["min_staff"] = {DAYS[h.day]: h.min_staff for h in self.open_hours.days}
            out["open_hours"] = hours
        return out

    @classmethod
    def from_toml(cls, path: str | Path) -> RosterConfig:
        """Read a roster config TOML file (format: ``data/roster_example.toml``)."""
        return cls.from_dict(read_toml(path, "path"))

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> RosterConfig:
        """Build from a plain mapping (parsed TOML/JSON): keys ``templates`` (list), ``rules``,
        ``penalties``, ``open_hours`` (day ranges to ``"HH:MM-HH:MM"`` plus optional
        ``min_staff``)."""
        if not isinstance(d, Mapping):
            raise InputError("config", d, "a mapping with 'templates'")
        known = {"templates", "rules", "penalties", "open_hours"}
        for key in d:
            if key not in known:
                raise InputError(str(key), d[key], f"one of the sections {sorted(known)}")
        raw_templates = d.get("templates")
        if not isinstance(raw_templates, list) or not raw_templates:
            raise InputError("templates", raw_templates, "a non-empty list of templates")
        templates = tuple(_template_from_dict(t, i) for i, t in enumerate(raw_templates))
        rules = WeeklyRules(**_fields(d.get("rules", {}), "rules", WeeklyRules))
        penalties = Penalties(**_fields(d.get("penalties", {}), "penalties", Penalties))
        hours = OpenHours.from_table(d["open_hours"]) if "open_hours" in d else None
        return cls(templates, rules, penalties, hours)


def _fields(raw: Any, section: str, klass: type[DataclassInstance]) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise InputError(section, raw, "a table of settings")
    only_keys(raw, section, set(klass.__dataclass_fields__))
    return dict(raw)


_TEMPLATE_KEYS = {
    "name", "start_earliest", "start_latest", "start_step_min", "paid_hours", "days",
    "cost_per_hour", "part_time", "max_headcount", "breaks", "length_step_min", "workdays",
    "before_open_min", "after_close_min",
}
_BREAK_KEYS = set(BreakRule.__dataclass_fields__)


def _template_from_dict(raw: Any, i: int) -> ShiftTemplate:
    if not isinstance(raw, Mapping):
        raise InputError(f"templates[{i}]", raw, "a table")
    name = raw.get("name", f"templates[{i}]")
    f = f"templates.{name}"
    only_keys(raw, f, _TEMPLATE_KEYS)
    for key in ("name", "start_earliest", "start_latest"):
        if key not in raw:
            raise InputError(f"{f}.{key}", None, "a value (required)")
    kw: dict[str, Any] = dict(raw)
    kw["start_earliest"] = parse_clock(raw["start_earliest"], f"{f}.start_earliest")
    kw["start_latest"] = parse_clock(raw["start_latest"], f"{f}.start_latest")
    if "paid_hours" in raw and isinstance(raw["paid_hours"], list):
        kw["paid_hours"] = tuple(raw["paid_hours"])
    if "days" in raw:
        kw["days"] = _parse_days(raw["days"], f"{f}.days")
    if "breaks" in raw:
        if not isinstance(raw["breaks"], list):
            raise InputError(f"{f}.breaks", raw["breaks"], "a list of break tables")
        rules = []
        for b in raw["breaks"]:
            if not isinstance(b, Mapping):
                raise InputError(f"{f}.breaks", b, "a table")
            only_keys(b, f"{f}.breaks", _BREAK_KEYS)
            for key in ("duration_min", "earliest_offset_min", "latest_offset_min"):
                if key not in b:
                    raise InputError(f"{f}.breaks.{key}", None, "a value (required)")
            rules.append(BreakRule(**b))
        kw["breaks"] = tuple(rules)
    return ShiftTemplate(**kw)


def _parse_days(value: Any, field_name: str) -> tuple[int, ...]:
    """``["mon-fri", "sun"]``, ``"sun-thu"`` or ``[0, 1]`` -> sorted weekday numbers."""
    items = value if isinstance(value, list | tuple) else [value]
    out: set[int] = set()
    try:
        for item in items:
            if isinstance(item, int) and not isinstance(item, bool):
                out.add(parse_day(item))
            else:
                out.update(_expand_days(str(item)))
    except InputError as exc:
        raise InputError(field_name, value, f"weekdays like 'sun-thu' or {list(DAYS)}") from exc
    if not out:
        raise InputError(field_name, value, "at least one weekday")
    return tuple(sorted(out))
