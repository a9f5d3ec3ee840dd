"""Off-phone activities (training, meetings) placed into a solved schedule where they hurt
service least.

An :class:`Activity` has a duration, its attendees (agent ids, or everyone), how many of them
must attend (``count``, default all), whether they attend together (a meeting: one common time)
or each on their own (training), and where it may go: weekdays/dates and a clock window.

Placement runs after the shift MIP, greedily: for a meeting, over every allowed start time it
picks the ``count`` attendees on shift and off break for the whole block and the start that
adds the least under-coverage (ties: the largest surplus of scheduled over required); for
training, person by person (fewest choices first), each at their own least-harmful time.
Coverage is updated after each placement. This is a heuristic on top of a fixed schedule (the
MIP does not see activities), stated as such in the result's notes; an activity that fits no
one's shift is reported, never silently dropped.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from staffing.agents.domain import Window
from staffing.agents.schedule import AgentSchedule
from staffing.exceptions import InputError

__all__ = ["Activity", "place_activities"]


@dataclass(frozen=True)
class Activity:
    """An off-phone activity; ``duration_min`` minutes (a multiple of the grid interval)."""

    name: str
    duration_min: int
    attendees: tuple[str, ...] | None = None
    count: int | None = None
    together: bool = False
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)
    dates: tuple[dt.date, ...] = ()
    window: Window | None = None

    def __post_init__(self) -> None:
        f = f"activities.{self.name}"
        if not 0 < self.duration_min <= 600:
            raise InputError(f"{f}.duration_min", self.duration_min, "minutes in 1..600")
        if self.count is not None and self.count < 1:
            raise InputError(f"{f}.count", self.count, "an integer >= 1")


def _busy_mask(shift: pd.Series, idx: pd.DatetimeIndex) -> np.ndarray:
    """Intervals of ``idx`` on the phone for one shift row (inside the span, off breaks and
    earlier activities)."""
    on = (idx >= shift["start"]) & (idx < shift["end"])
    for col in ("breaks", "activities"):
        for part in filter(None, str(shift.get(col) or "").split("; ")):
            a, _, z = part.split(" ")[0].partition("-")
            bs = pd.Timestamp(f"{pd.Timestamp(shift['start']).date()} {a}").tz_localize(
                idx.tz, ambiguous=False, nonexistent="shift_forward")
            if bs < shift["start"]:
                bs += pd.Timedelta(days=1)
            hh, mm = (int(t) for t in z.split(":"))
            dur = (hh * 60 + mm - (bs.hour * 60 + bs.minute)) % 1440
            on &= ~((idx >= bs) & (idx < bs + pd.Timedelta(minutes=dur)))
    return np.asarray(on)


def place_activities(result: AgentSchedule, activities: Sequence[Activity]) -> AgentSchedule:
    """A copy of ``result`` with the activities placed: ``shifts['activities']`` lists them like
    breaks (``10:00-12:00 training``), ``coverage`` is recomputed, ``notes`` say what could not
    be placed."""
    if not len(result.shifts) or not activities:
        return result
    shifts = result.shifts.reset_index(drop=True)
    if "activities" not in shifts:
        shifts["activities"] = ""
    cov = result.coverage.copy()
    idx = pd.DatetimeIndex(cov["interval_start"])
    freq = pd.Timedelta(idx[1] - idx[0])
    fmin = int(freq.total_seconds() // 60)
    req = cov["required"].to_numpy(dtype=float, copy=True)
    sched = cov["scheduled"].to_numpy(dtype=float, copy=True)
    notes = list(result.notes)
    for act in activities:
        if act.duration_min % fmin:
            raise InputError(f"activities.{act.name}.duration_min", act.duration_min,
                             f"a multiple of the {fmin}-minute grid")
        k = act.duration_min // fmin
        people = [a.id for a in result.agents
                  if act.attendees is None or a.id in act.attendees]
        # candidate (row, start position) blocks per person
        cands: dict[str, list[tuple[int, int]]] = {p: [] for p in people}
        for ri in range(len(shifts)):
            row = shifts.iloc[ri]
            if row["agent"] not in cands:
                continue
            day = row["date"]
            if day.weekday() not in act.weekdays or (act.dates and day not in act.dates):
                continue
            on = _busy_mask(row, idx)
            for q0 in np.flatnonzero(on):
                p0 = int(q0)
                if p0 + k > len(idx) or not on[p0:p0 + k].all():
                    continue
                ts = idx[p0]
                clock = ts.hour * 60 + ts.minute
                if act.window is not None and not act.window.contains(clock, clock +
                                                                      act.duration_min):
                    continue
                cands[row["agent"]].append((ri, p0))
        need = len(people) if act.count is None else min(act.count, len(people))

        def harm(p0: int, n: int = 1, k: int = k) -> tuple[float, float]:
            s = sched[p0:p0 + k]
            r = req[p0:p0 + k]
            added = np.maximum(r - (s - n), 0).sum() - np.maximum(r - s, 0).sum()
            return float(added), -float((s - r).sum())

        placed: list[tuple[str, int, int]] = []
        if act.together:
            best = None
            starts = sorted({p0 for c in cands.values() for _, p0 in c})
            for p0 in starts:
                who = [(p, ri) for p, c in cands.items() for ri, q in c if q == p0]
                if len({p for p, _ in who}) < need:
                    continue
                h = harm(p0, need)
                if best is None or h < best[0]:
                    best = (h, p0, who[:need])
            if best is not None:
                placed = [(p, ri, best[1]) for p, ri in best[2]]
        else:
            order = sorted((p for p in people if cands[p]), key=lambda p: len(cands[p]))
            for p in order[:need]:
                ri, p0 = min(cands[p], key=lambda c: harm(c[1]))
                placed.append((p, ri, p0))
                sched[p0:p0 + k] -= 1
        if act.together:
            for _p, _ri, p0 in placed:
                sched[p0:p0 + k] -= 1
        for _p, ri, p0 in placed:
            ts = idx[p0]
            label = f"{ts:%H:%M}-{ts + pd.Timedelta(minutes=act.duration_min):%H:%M} {act.name}"
            old = shifts.at[ri, "activities"]
            shifts.at[ri, "activities"] = f"{old}; {label}" if old else label
        if len(placed) < need:
            notes.append(f"activity {act.name}: placed for {len(placed)} of {need} people "
                         "(no shift had a free block in its window)")
    notes.append("activities placed greedily after the solve on the least harmful times")
    cov["scheduled"] = sched
    cov["under"] = np.maximum(req - sched, 0)
    cov["over"] = np.maximum(sched - req, 0)
    return dataclasses.replace(result, shifts=shifts, coverage=cov, notes=notes)
