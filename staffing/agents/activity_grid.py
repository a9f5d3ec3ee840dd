"""A solved schedule on the interval grid, for placing off-phone activities: each shift as
interval positions with its breaks (where the schedule put them and where the template allows
them), each activity as occurrences (once, per week or per day) with their attendees and
candidate blocks, and the coverage cost of any placement (the schedule's own under/over
weights), recomputed from positions alone.

Positions index the requirement grid (``coverage['interval_start']``); a shift covers
``[p0, end)`` (clipped to the horizon), a break of ``length`` intervals starts at one of
``starts`` (the template's offsets, or only where the schedule put it when the template is not
known). An activity's candidate blocks lie inside one shift of an attendee, on an allowed day
and inside the activity's clock window; breaks are not excluded here (the optimiser moves
them, the greedy skips blocks that meet them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from staffing.agents.domain import Agent
from staffing.exceptions import InputError
from staffing.roster import ShiftTemplate

if TYPE_CHECKING:  # pragma: no cover
    from staffing.agents.activities import Activity

__all__ = ["BreakSlot", "Grid", "Occurrence", "Placement", "ShiftSlot", "block_label",
           "build_grid", "occurrences", "parse_blocks"]


@dataclass(frozen=True)
class BreakSlot:
    """One break of a shift: ``length`` intervals, allowed start positions ``starts``,
    ``current`` the schedule's start position."""

    name: str
    length: int
    starts: tuple[int, ...]
    current: int


@dataclass(frozen=True)
class ShiftSlot:
    """One shift row (``row`` in ``shifts``) on the grid: positions ``[p0, end)``."""

    row: int
    agent: str
    date: dt.date
    p0: int
    end: int
    breaks: tuple[BreakSlot, ...]


@dataclass(frozen=True)
class Occurrence:
    """One occurrence of an activity (``period``: ``all``, ``week 2``, ``1999-03-02``):
    ``need`` of ``people`` attend for ``k`` intervals; ``cands[person]`` lists the candidate
    blocks as (shift index, start position)."""

    activity: Activity
    period: str
    people: tuple[str, ...]
    need: int
    k: int
    cands: dict[str, list[tuple[int, int]]]

    @property
    def together(self) -> bool:
        """A meeting: every attendee at one common start."""
        return self.activity.together


@dataclass(frozen=True)
class Placement:
    """Occurrence ``occ`` attended by ``agent`` in shift ``shift`` from position ``start``."""

    occ: int
    agent: str
    shift: int
    start: int


@dataclass
class Grid:
    """The schedule on the grid: ``idx`` interval starts, ``req`` agents required, ``on``
    people on shift per position (breaks not subtracted), the shifts, the grid's minutes."""

    idx: pd.DatetimeIndex
    req: np.ndarray
    on: np.ndarray
    slots: list[ShiftSlot]
    fmin: int
    by_agent: dict[str, list[int]] = field(default_factory=dict)
    #: a requirement per skill (:meth:`use_skills`): ``skill_req[t, q]``, the skill groups,
    #: each shift's group and the groups' people on shift per position
    skills: tuple[str, ...] = ()
    skill_req: np.ndarray | None = None
    groups: list[tuple[str, ...]] = field(default_factory=list)
    slot_group: list[int] = field(default_factory=list)
    on_group: np.ndarray | None = None

    def use_skills(self, required: pd.DataFrame, agents: Sequence[Agent]) -> None:
        """Cost coverage per skill (only agents with a skill count for it, each once)."""
        from staffing.agents.skill_cover import skill_groups

        self.skills = tuple(str(c) for c in required.columns)
        self.skill_req = required.to_numpy(dtype=float)
        groups = skill_groups(agents, self.skills)
        self.groups = list(groups)
        gid = {agents[e].id: gi for gi, ms in enumerate(groups.values()) for e in ms}
        self.slot_group = [gid[sl.agent] for sl in self.slots]
        self.on_group = np.zeros((len(self.groups), len(self.req)))
        for sl, g in zip(self.slots, self.slot_group, strict=True):
            self.on_group[g, sl.p0:sl.end] += 1

    def group_on_phone(self, breaks: Sequence[Sequence[int]], placed: Sequence[Placement],
                       occs: Sequence[Occurrence]) -> np.ndarray:
        """People on the phone per skill group and position (after :meth:`use_skills`)."""
        assert self.on_group is not None
        n = len(self.req)
        onp = self.on_group.astype(float).copy()
        for si, (sl, starts) in enumerate(zip(self.slots, breaks, strict=True)):
            for br, p in zip(sl.breaks, starts, strict=True):
                onp[self.slot_group[si], max(p, 0):min(p + br.length, n)] -= 1
        for pl in placed:
            onp[self.slot_group[pl.shift], pl.start:min(pl.start + occs[pl.occ].k, n)] -= 1
        return onp

    def coverage_cost(self, breaks: Sequence[Sequence[int]], placed: Sequence[Placement],
                      occs: Sequence[Occurrence], under_w: float, over_w: float) -> float:
        """The coverage cost of a placement: on the total requirement, or per skill (under
        per skill after the allocation LP, over on the total) when :meth:`use_skills` ran."""
        sched = self.scheduled(breaks, placed, occs)
        if self.skill_req is None or self.on_group is None:
            return self.cost(sched, under_w, over_w)
        from staffing.agents.skill_cover import allocate

        onp = self.group_on_phone(breaks, placed, occs)
        served, _ = allocate(onp, self.groups, self.skills, self.skill_req)
        under = float((self.skill_req.T - served).clip(min=0).sum())
        over = float(np.maximum(onp.sum(axis=0) - self.skill_req.sum(axis=1), 0).sum())
        return under_w * under + over_w * over

    def scheduled(self, breaks: Sequence[Sequence[int]], placed: Sequence[Placement],
                  occs: Sequence[Occurrence]) -> np.ndarray:
        """People on the phone per position with break starts ``breaks[shift][k]`` and the
        activities ``placed``."""
        s = self.on.astype(float).copy()
        n = len(s)
        for sl, starts in zip(self.slots, breaks, strict=True):
            for br, p in zip(sl.breaks, starts, strict=True):
                s[max(p, 0):min(p + br.length, n)] -= 1
        for pl in placed:
            s[pl.start:min(pl.start + occs[pl.occ].k, n)] -= 1
        return s

    def cost(self, sched: np.ndarray, under_w: float, over_w: float) -> float:
        """Coverage cost: ``under_w`` per agent-interval short plus ``over_w`` per extra."""
        return float(under_w * np.maximum(self.req - sched, 0).sum()
                     + over_w * np.maximum(sched - self.req, 0).sum())


def parse_blocks(cell: object) -> list[tuple[str, str, str]]:
    """``"10:00-10:15 break; 12:00-12:30 lunch"`` -> ``[("10:00", "10:15", "break"), ...]``."""
    out = []
    for part in filter(None, (p.strip() for p in str(cell or "").split(";"))):
        clock, _, name = part.partition(" ")
        a, _, z = clock.partition("-")
        out.append((a, z, name))
    return out


def _block_start(shift_start: pd.Timestamp, clock: str, tz: object) -> pd.Timestamp:
    """The timestamp of clock ``HH:MM`` inside a shift starting at ``shift_start``."""
    bs = pd.Timestamp(f"{shift_start.date()} {clock}").tz_localize(
        tz, ambiguous=False, nonexistent="shift_forward")
    if bs < shift_start:
        bs += pd.Timedelta(days=1)
    return bs


def block_label(idx: pd.DatetimeIndex, p: int, minutes: int, name: str, fmin: int) -> str:
    """``HH:MM-HH:MM name`` for a block of ``minutes`` from position ``p``."""
    ts = idx[p] if p < len(idx) else idx[-1] + pd.Timedelta(minutes=fmin * (p - len(idx) + 1))
    return f"{ts:%H:%M}-{ts + pd.Timedelta(minutes=minutes):%H:%M} {name}"


def build_grid(shifts: pd.DataFrame, coverage: pd.DataFrame,
               templates: Sequence[ShiftTemplate]) -> Grid:
    """The shifts of a schedule on its coverage grid; a template among ``templates`` gives
    each break its allowed offsets, otherwise breaks stay where the schedule put them."""
    idx = pd.DatetimeIndex(coverage["interval_start"])
    fmin = int(pd.Timedelta(idx[1] - idx[0]).total_seconds() // 60)
    n = len(idx)
    req = coverage["required"].to_numpy(dtype=float)
    on = np.zeros(n)
    by_name = {t.name: t for t in templates}
    slots: list[ShiftSlot] = []
    by_agent: dict[str, list[int]] = {}
    for ri, r in enumerate(shifts.itertuples(index=False)):
        start = pd.Timestamp(r.start)
        p0 = int(idx.searchsorted(start))
        span = int((pd.Timestamp(r.end) - start).total_seconds() // 60) // fmin
        end = min(p0 + span, n)
        on[p0:end] += 1
        tpl = by_name.get(str(r.template))
        parts = parse_blocks(r.breaks)
        brs = []
        for k, (a, z, name) in enumerate(parts):
            bs = _block_start(start, a, idx.tz)
            hh, mm = (int(t) for t in z.split(":"))
            dur = (hh * 60 + mm - (bs.hour * 60 + bs.minute)) % 1440
            cur = p0 + int((bs - start).total_seconds() // 60) // fmin
            starts: tuple[int, ...] = (cur,)
            if tpl is not None and len(tpl.breaks) == len(parts):
                rule = tpl.breaks[k]
                starts = tuple(p0 + off // fmin for off in range(
                    rule.earliest_offset_min, rule.latest_offset_min + 1, fmin))
                if cur not in starts:  # not the template's rule: keep it where it is
                    starts = (cur,)
            brs.append(BreakSlot(name, max(dur // fmin, 1), starts, cur))
        slots.append(ShiftSlot(ri, str(r.agent), r.date, p0, end, tuple(brs)))
        by_agent.setdefault(str(r.agent), []).append(ri)
    return Grid(idx=idx, req=req, on=on, slots=slots, fmin=fmin, by_agent=by_agent)


def _periods(act: Activity, dates: Sequence[dt.date]) -> list[tuple[str, set[dt.date]]]:
    ok = [d for d in dates if d.weekday() in act.weekdays and (not act.dates or d in act.dates)]
    if act.repeat == "once":
        return [("all", set(ok))]
    if act.repeat == "weekly":
        weeks = [dates[i:i + 7] for i in range(0, len(dates), 7)]
        return [(f"week {w + 1}", set(ok) & set(days)) for w, days in enumerate(weeks)
                if set(ok) & set(days)]
    return [(f"{d}", {d}) for d in ok]


def occurrences(grid: Grid, activities: Sequence[Activity], agent_ids: Sequence[str],
                dates: Sequence[dt.date]) -> list[Occurrence]:
    """Every occurrence of ``activities`` over the horizon's ``dates`` with its candidates.

    Attendees not among ``agent_ids`` (e.g. a subset of the agents file) are left out.
    ``need``: ``count`` (at most the attendees), default every attendee; for a daily activity
    without ``count``, every attendee working that day."""
    out = []
    idx, fmin = grid.idx, grid.fmin
    for act in activities:
        if act.duration_min % fmin:
            raise InputError(f"activities.{act.name}.duration_min", act.duration_min,
                             f"a multiple of the {fmin}-minute grid")
        k = act.duration_min // fmin
        people = tuple(a for a in agent_ids if act.attendees is None or a in act.attendees)
        for period, days in _periods(act, dates):
            cands: dict[str, list[tuple[int, int]]] = {p: [] for p in people}
            for p in people:
                for si in grid.by_agent.get(p, []):
                    sl = grid.slots[si]
                    if sl.date not in days:
                        continue
                    for q in range(sl.p0, sl.end - k + 1):
                        ts = idx[q]
                        clock = ts.hour * 60 + ts.minute
                        if act.window is None or act.window.contains(clock,
                                                                     clock + act.duration_min):
                            cands[p].append((si, q))
            if act.repeat == "daily" and act.count is None:
                need = sum(1 for p in people if any(
                    grid.slots[si].date in days for si in grid.by_agent.get(p, [])))
            else:
                need = len(people) if act.count is None else min(act.count, len(people))
            if need:
                out.append(Occurrence(act, period, people, need, k, cands))
    return out
