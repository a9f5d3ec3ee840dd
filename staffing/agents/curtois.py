"""Reader for the Employee Shift Scheduling Benchmark format (Curtois & Qu, Nottingham 2014).

The text format has sections ``SECTION_HORIZON``, ``SECTION_SHIFTS``, ``SECTION_STAFF``,
``SECTION_DAYS_OFF``, ``SECTION_SHIFT_ON_REQUESTS``, ``SECTION_SHIFT_OFF_REQUESTS`` and
``SECTION_COVER`` (comments start with ``#``). Every instance starts on a Monday.

Mapping onto :class:`~staffing.agents.problem.DayShiftProblem`: each shift type is a
:class:`ShiftOption` (its length is the paid minutes, its "cannot follow" list the forbidden
successions); each employee is a :class:`StaffRules` (max shifts per type, min/max total
minutes, max/min consecutive shifts, min consecutive days off, max weekends, fixed days off);
on/off requests are weighted :class:`Request` s and cover rows :class:`DayCover` s with their
under/over weights. The objective is then exactly the benchmark's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from staffing.agents.problem import DayCover, DayShiftProblem, Request, ShiftOption, StaffRules
from staffing.exceptions import InputError

__all__ = ["best_known_from_comments", "parse_curtois", "read_curtois"]

_SECTIONS = ("SECTION_HORIZON", "SECTION_SHIFTS", "SECTION_STAFF", "SECTION_DAYS_OFF",
             "SECTION_SHIFT_ON_REQUESTS", "SECTION_SHIFT_OFF_REQUESTS", "SECTION_COVER")


@dataclass
class _Row:
    caps: dict[str, int]
    vals: list[int]
    off: set[int]


def read_curtois(path: str | Path) -> DayShiftProblem:
    """Read one benchmark instance file; :class:`InputError` names the line and field."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError("path", str(path), f"a readable instance file ({exc})") from exc
    return parse_curtois(text, name=path.stem, source=path.name)


def best_known_from_comments(text: str) -> float | None:
    """A best known objective stated in a comment (``# best known: 607``), if any."""
    m = re.search(r"#.*best[ _-]*known[^0-9\-]*(-?\d+(?:\.\d+)?)", text, re.IGNORECASE)
    return float(m.group(1)) if m else None


def _int(tok: str, field: str, where: str, lo: int | None = 0) -> int:
    try:
        val = int(tok.strip())
    except ValueError:
        raise InputError(field, tok, "an integer", where) from None
    if lo is not None and val < lo:
        raise InputError(field, val, f"an integer >= {lo}", where)
    return val


def _num(tok: str, field: str, where: str) -> float:
    try:
        val = float(tok.strip())
    except ValueError:
        raise InputError(field, tok, "a number", where) from None
    if val < 0:
        raise InputError(field, val, "a weight >= 0", where)
    return val


def _sections(text: str, source: str) -> dict[str, list[tuple[int, str]]]:
    out: dict[str, list[tuple[int, str]]] = {}
    current: str | None = None
    for no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("SECTION_"):
            if line not in _SECTIONS:
                raise InputError("section", line, f"one of {', '.join(_SECTIONS)}",
                                 f"line {no} of {source}")
            current = line
            out.setdefault(current, [])
            continue
        if current is None:
            raise InputError("line", line, "a SECTION_ header first", f"line {no} of {source}")
        out[current].append((no, line))
    for sec in ("SECTION_HORIZON", "SECTION_SHIFTS", "SECTION_STAFF", "SECTION_COVER"):
        if not out.get(sec):
            raise InputError(sec, None, "a non-empty section", source)
    return out


def parse_curtois(text: str, *, name: str = "instance", source: str = "<text>") -> DayShiftProblem:
    """Parse the benchmark text format into a :class:`DayShiftProblem`."""
    sec = _sections(text, source)

    def at(no: int) -> str:
        return f"line {no} of {source}"

    no, line = sec["SECTION_HORIZON"][0]
    n_days = _int(line, "horizon", at(no), lo=1)

    shifts: dict[str, tuple[int, list[str], int]] = {}
    for no, line in sec["SECTION_SHIFTS"]:
        parts = [p.strip() for p in line.split(",")]
        if len(parts) < 2 or not parts[0]:
            raise InputError("shift", line, "ShiftID, minutes[, cannot-follow ids]", at(no))
        if parts[0] in shifts:
            raise InputError("shift id", parts[0], "unique shift ids", at(no))
        minutes = _int(parts[1], f"shift {parts[0]}.length", at(no))
        nxt = [t.strip() for t in ",".join(parts[2:]).split("|") if t.strip()]
        shifts[parts[0]] = (minutes, nxt, no)
    for sid, (_m, nxt, no) in shifts.items():
        for t in nxt:
            if t not in shifts:
                raise InputError(f"shift {sid}.cannot_follow", t, "a known shift id", at(no))
    options = [ShiftOption(id=sid, paid_min=m, forbidden_next=frozenset(nxt))
               for sid, (m, nxt, _no) in shifts.items()]

    staff_rows: dict[str, _Row] = {}
    for no, line in sec["SECTION_STAFF"]:
        parts = [p.strip() for p in line.split(",")]
        if len(parts) != 8:
            raise InputError("staff", line, "8 fields: ID, MaxShifts, MaxTotalMinutes, "
                             "MinTotalMinutes, MaxConsecutiveShifts, MinConsecutiveShifts, "
                             "MinConsecutiveDaysOff, MaxWeekends", at(no))
        sid = parts[0]
        if not sid or sid in staff_rows:
            raise InputError("staff id", sid, "a unique non-empty id", at(no))
        caps: dict[str, int] = {}
        for item in filter(None, (t.strip() for t in parts[1].split("|"))):
            key, sep, val = item.partition("=")
            if not sep or key.strip() not in shifts:
                raise InputError(f"staff {sid}.max_shifts", item, "ShiftID=count", at(no))
            caps[key.strip()] = _int(val, f"staff {sid}.max_shifts.{key}", at(no))
        vals = [_int(t, f"staff {sid}.{f}", at(no)) for t, f in zip(
            parts[2:], ("max_total_minutes", "min_total_minutes", "max_consecutive_shifts",
                        "min_consecutive_shifts", "min_consecutive_days_off", "max_weekends"),
            strict=True)]
        if vals[1] > vals[0]:
            raise InputError(f"staff {sid}.min_total_minutes", vals[1],
                             f"at most max_total_minutes ({vals[0]})", at(no))
        staff_rows[sid] = _Row(caps, vals, set())

    for no, line in sec.get("SECTION_DAYS_OFF", []):
        parts = [p.strip() for p in line.split(",") if p.strip()]
        if parts[0] not in staff_rows:
            raise InputError("days_off.staff", parts[0], "a staff id", at(no))
        for t in parts[1:]:
            d = _int(t, f"days_off of {parts[0]}", at(no))
            if d >= n_days:
                raise InputError(f"days_off of {parts[0]}", d, f"a day 0..{n_days - 1}", at(no))
            staff_rows[parts[0]].off.add(d)

    requests: list[Request] = []
    for key, on in (("SECTION_SHIFT_ON_REQUESTS", True), ("SECTION_SHIFT_OFF_REQUESTS", False)):
        for no, line in sec.get(key, []):
            parts = [p.strip() for p in line.split(",")]
            kind = "on" if on else "off"
            if len(parts) != 4:
                raise InputError(f"shift_{kind}_request", line, "Employee, Day, Shift, Weight",
                                 at(no))
            who, day, sid, w = parts
            if who not in staff_rows:
                raise InputError(f"shift_{kind}_request.staff", who, "a staff id", at(no))
            if sid not in shifts:
                raise InputError(f"shift_{kind}_request.shift", sid, "a shift id", at(no))
            d = _int(day, f"shift_{kind}_request.day", at(no))
            if d >= n_days:
                raise InputError(f"shift_{kind}_request.day", d, f"0..{n_days - 1}", at(no))
            requests.append(Request(who, d, sid, _num(w, f"shift_{kind}_request.weight",
                                                      at(no)), on))

    covers: list[DayCover] = []
    seen: set[tuple[int, str]] = set()
    for no, line in sec["SECTION_COVER"]:
        parts = [p.strip() for p in line.split(",")]
        if len(parts) != 5:
            raise InputError("cover", line, "Day, ShiftID, Requirement, WeightUnder, WeightOver",
                             at(no))
        d = _int(parts[0], "cover.day", at(no))
        if d >= n_days or parts[1] not in shifts or (d, parts[1]) in seen:
            raise InputError("cover", (d, parts[1]), "a new (day in horizon, shift id) pair",
                             at(no))
        seen.add((d, parts[1]))
        covers.append(DayCover(d, parts[1], _int(parts[2], "cover.requirement", at(no)),
                               _num(parts[3], "cover.weight_under", at(no)),
                               _num(parts[4], "cover.weight_over", at(no))))

    staff = []
    for sid, row in staff_rows.items():
        mx, mn, maxc, minc, minoff, maxwe = row.vals
        staff.append(StaffRules(
            id=sid, max_per_kind=dict(row.caps), min_total_min=mn, max_total_min=mx,
            max_consecutive=maxc, min_consecutive=minc, min_consecutive_off=minoff,
            max_weekends=maxwe, days_off=frozenset(row.off)))
    return DayShiftProblem(n_days=n_days, options=options, staff=staff, requests=requests,
                           covers=covers, first_weekday=0, name=name)
