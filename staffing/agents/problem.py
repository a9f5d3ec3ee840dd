"""The day-level rostering problem every named-agent model in this package solves.

A *shift option* is something a person can work on one day (a Curtois & Qu shift type, or one
template at one start time on the interval grid). A schedule gives each person at most one
option per day. The rules are the standard nurse-rostering set (Curtois & Qu 2014): limits per
option type, min/max paid minutes over the horizon and per week, max working days per week,
min/max consecutive working days, min consecutive days off, max weekends, forbidden successions
(explicit pairs, or a minimum rest in minutes between the end of one shift and the start of the
next), fixed days off, plus weighted on/off requests and cover.

Boundary rule: a working (or off) run touching the *end* of the horizon is never too short (it
may continue). A run touching the *start* is never too short either unless ``history`` gives
the days before the horizon (a published previous schedule), in which case runs, rest and
successions are checked across the boundary.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from staffing.exceptions import InputError

__all__ = ["DayCover", "DayShiftProblem", "Request", "ShiftOption", "StaffRules"]


@dataclass(frozen=True)
class ShiftOption:
    """One thing a person can work on a day.

    ``start_min``/``end_min`` are minutes from the day's midnight (end may pass 1440); they
    drive the minimum-rest rule. ``paid_min`` counts towards the minutes limits. ``kind`` groups
    options for the per-kind limits (the template name, or the Curtois shift id).
    """

    id: str
    paid_min: int
    kind: str = ""
    start_min: int = 0
    end_min: int = 0
    forbidden_next: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.paid_min < 0:
            raise InputError(f"shift {self.id}.paid_min", self.paid_min, "minutes >= 0")
        if not self.kind:
            object.__setattr__(self, "kind", self.id)


@dataclass(frozen=True)
class StaffRules:
    """Hard rules of one person (``None`` = no limit).

    Minutes are paid minutes. ``history`` lists the option ids worked on the days just before
    the horizon (``None`` = off), oldest first; with it the run, rest and succession rules are
    checked across the boundary. ``available`` maps a day to the option ids allowed that day
    (a day missing from it allows every option; an empty set is a day off).
    """

    id: str
    max_per_kind: Mapping[str, int] = field(default_factory=dict)
    min_total_min: int = 0
    max_total_min: int | None = None
    min_week_min: int = 0
    max_week_min: int | None = None
    max_days_per_week: int | None = None
    max_consecutive: int | None = None
    min_consecutive: int = 1
    min_consecutive_off: int = 1
    max_weekends: int | None = None
    min_rest_min: int = 0
    days_off: frozenset[int] = frozenset()
    available: Mapping[int, frozenset[str]] = field(default_factory=dict)
    allowed_kinds: frozenset[str] | None = None
    history: tuple[str | None, ...] | None = None


@dataclass(frozen=True)
class Request:
    """A soft wish: work ``option`` (or any option when ``None``) on ``day`` (``on=True``) or
    not (``on=False``); ``weight`` is paid per unmet request."""

    staff: str
    day: int
    option: str | None
    weight: float
    on: bool


@dataclass(frozen=True)
class DayCover:
    """Wanted number of people on option ``option`` on ``day``; weights per person short/extra."""

    day: int
    option: str
    required: int
    under_weight: float
    over_weight: float


@dataclass
class DayShiftProblem:
    """Days x options x staff, rules, requests and (optionally) day-level cover.

    ``first_weekday`` is the weekday of day 0 (0 = Monday): it places weeks and weekends.
    Weeks are counted from day 0 in blocks of 7 for the per-week rules. ``cyclic`` makes the
    horizon a rotation: the last day is followed by the first for successions, rest and the
    consecutive-day rules (no history then).
    """

    n_days: int
    options: list[ShiftOption]
    staff: list[StaffRules]
    requests: list[Request] = field(default_factory=list)
    covers: list[DayCover] = field(default_factory=list)
    first_weekday: int = 0
    name: str = ""
    weekend_days: tuple[int, ...] = (5, 6)
    cyclic: bool = False

    def __post_init__(self) -> None:
        if self.n_days < 1:
            raise InputError("n_days", self.n_days, "at least 1 day")
        ids = [o.id for o in self.options]
        if len(set(ids)) != len(ids):
            raise InputError("options", ids, "unique option ids")
        sids = [s.id for s in self.staff]
        if len(set(sids)) != len(sids):
            raise InputError("staff", sids, "unique staff ids")
        known = set(ids)
        for o in self.options:
            bad = o.forbidden_next - known
            if bad:
                raise InputError(f"shift {o.id}.forbidden_next", sorted(bad), "known shift ids")
        if self.cyclic and any(s.history for s in self.staff):
            raise InputError("cyclic", True, "no published history (a rotation repeats itself)")
        staff = set(sids)
        for r in self.requests:
            if r.staff not in staff:
                raise InputError("request.staff", r.staff, "a known staff id")
            if not 0 <= r.day < self.n_days:
                raise InputError(f"request of {r.staff}.day", r.day, f"0..{self.n_days - 1}")
            if r.option is not None and r.option not in known:
                raise InputError(f"request of {r.staff}.shift", r.option, "a known shift id")
        for c in self.covers:
            if not 0 <= c.day < self.n_days or c.option not in known:
                raise InputError("cover", (c.day, c.option), "a horizon day and a known shift")

    def weekend_pairs(self) -> list[list[int]]:
        """Days of each (possibly partial) weekend inside the horizon, in order; a weekend is
        a run of consecutive ``weekend_days`` (Sat+Sun by default, Curtois & Qu's)."""
        out: list[list[int]] = []
        for d in range(self.n_days):
            if (self.first_weekday + d) % 7 not in self.weekend_days:
                continue
            if out and out[-1][-1] == d - 1:
                out[-1].append(d)
            else:
                out.append([d])
        return out

    def weeks(self) -> list[range]:
        """Day ranges of the planning weeks (blocks of 7 from day 0; the last may be shorter)."""
        return [range(w, min(w + 7, self.n_days)) for w in range(0, self.n_days, 7)]
