"""Curtois & Qu benchmark reader and model: structure, bad input, known optima."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import pytest

from staffing.agents import (
    AgentSolverOptions,
    DayShiftProblem,
    parse_curtois,
    read_curtois,
    solve_problem,
)
from staffing.exceptions import InputError
from staffing.roster import RosterStatus

DATA = Path(__file__).parents[1] / "data" / "employee_scheduling"

TINY = """SECTION_HORIZON
7

SECTION_SHIFTS
E,480,
L,480,E

SECTION_STAFF
A,E=7|L=3,2880,1440,3,2,2,1
B,E=2|L=7,2400,960,4,1,1,1

SECTION_DAYS_OFF
A,3

SECTION_SHIFT_ON_REQUESTS
A,0,L,2
B,5,E,3

SECTION_SHIFT_OFF_REQUESTS
B,1,L,2
A,6,E,1

SECTION_COVER
0,E,1,100,1
0,L,1,100,1
1,E,1,100,1
1,L,1,100,1
2,E,2,100,1
2,L,0,100,1
3,E,1,100,1
3,L,1,100,1
4,E,1,100,1
4,L,1,100,1
5,E,1,100,1
5,L,1,100,1
6,E,0,100,1
6,L,1,100,1
"""


def test_instance1_structure() -> None:
    p = read_curtois(DATA / "Instance1.txt")
    assert p.n_days == 14 and len(p.staff) == 8 and [o.id for o in p.options] == ["D"]
    assert sum(r.on for r in p.requests) == 21 and sum(not r.on for r in p.requests) == 5
    assert len(p.covers) == 14 and p.covers[1].required == 7
    a = p.staff[0]
    assert (a.max_total_min, a.min_total_min, a.max_consecutive, a.min_consecutive,
            a.min_consecutive_off, a.max_weekends) == (4320, 3360, 5, 2, 2, 1)
    assert a.days_off == frozenset({0})
    assert p.weekend_pairs() == [[5, 6], [12, 13]]


def test_instance1_solves_to_its_published_optimum() -> None:
    # 607 is the published optimum of instance 1; the solve needs ~1 s, the limits are generous
    sol = solve_problem(read_curtois(DATA / "Instance1.txt"),
                        AgentSolverOptions(time_limit_s=600))
    assert sol.status is RosterStatus.OPTIMAL
    assert sol.objective == pytest.approx(607, abs=1e-6)
    assert sol.gap is not None and sol.gap <= 1e-6


def _runs(seq: list[int], value: int) -> list[tuple[int, int]]:
    out, a = [], None
    for i, v in enumerate([*seq, -1]):
        if v == value and a is None:
            a = i
        elif v != value and a is not None:
            out.append((a, i - a))
            a = None
    return out


def _staff_ok(row: tuple[str | None, ...], rules: dict, n: int) -> bool:
    """Independent check of one person's Curtois rules (runs touching a border are exempt)."""
    work = [0 if s is None else 1 for s in row]
    for sid, cap in rules["caps"].items():
        if sum(s == sid for s in row) > cap:
            return False
    minutes = 480 * sum(work)
    if not rules["min_min"] <= minutes <= rules["max_min"]:
        return False
    if any(row[d] is not None for d in rules["off"]):
        return False
    if any(row[d] == "L" and row[d + 1] == "E" for d in range(n - 1)):
        return False
    for a, k in _runs(work, 1):
        if k > rules["maxc"]:
            return False
        if a > 0 and a + k < n and k < rules["minc"]:
            return False
    for a, k in _runs(work, 0):
        if a > 0 and a + k < n and k < rules["minoff"]:
            return False
    return (work[5] or work[6]) <= rules["maxwe"]


def _rules(p: DayShiftProblem) -> dict[str, dict]:
    return {s.id: {"caps": dict(s.max_per_kind), "min_min": s.min_total_min,
                   "max_min": s.max_total_min, "off": s.days_off, "maxc": s.max_consecutive,
                   "minc": s.min_consecutive, "minoff": s.min_consecutive_off,
                   "maxwe": s.max_weekends} for s in p.staff}


def _brute_force(p: DayShiftProblem, ok: Callable[[tuple, dict, int], bool]) -> float:
    """Optimum by enumeration of every feasible pair of rows of the two-person instance."""
    n = p.n_days
    rules = _rules(p)
    rows = {sid: [r for r in itertools.product([None, "E", "L"], repeat=n)
                  if ok(r, rules[sid], n)] for sid in rules}
    best = float("inf")
    for ra, rb in itertools.product(rows["A"], rows["B"]):
        sched = {"A": ra, "B": rb}
        cost = sum(r.weight * ((sched[r.staff][r.day] != r.option) if r.on
                               else (sched[r.staff][r.day] == r.option)) for r in p.requests)
        for c in p.covers:
            have = sum(sched[s][c.day] == c.option for s in sched)
            cost += c.under_weight * max(0, c.required - have)
            cost += c.over_weight * max(0, have - c.required)
        best = min(best, cost)
    return best


def test_tiny_instance_matches_brute_force_optimum() -> None:
    expected = _brute_force(parse_curtois(TINY), _staff_ok)
    sol = solve_problem(parse_curtois(TINY), AgentSolverOptions(time_limit_s=600))
    assert sol.status is RosterStatus.OPTIMAL
    assert sol.objective == pytest.approx(expected)
    # and the schedule returned obeys the rules checked independently
    p = parse_curtois(TINY)
    for sid, rules in _rules(p).items():
        assert _staff_ok(tuple(sol.schedule[sid]), rules, p.n_days)
    # every soft term is reported; their penalties add up to the objective
    assert sum(t.penalty for t in sol.terms) == pytest.approx(sol.objective)


@pytest.mark.parametrize(("edit", "field"), [
    (("A,E=7|L=3,2880,1440,3,2,2,1", "A,E=7|L=3,2880,1440,3,2,2"), "staff"),
    (("A,E=7|L=3,2880,1440", "A,E=7|X=3,2880,1440"), "staff A.max_shifts"),
    (("A,E=7|L=3,2880,1440", "A,E=7|L=3,2880,x"), "staff A.min_total_minutes"),
    (("A,E=7|L=3,2880,1440", "A,E=7|L=3,1000,1440"), "staff A.min_total_minutes"),
    (("L,480,E", "L,480,Q"), "shift L.cannot_follow"),
    (("A,3\n", "A,9\n"), "days_off of A"),
    (("A,0,L,2", "Z,0,L,2"), "shift_on_request.staff"),
    (("B,1,L,2", "B,1,L,-2"), "shift_off_request.weight"),
    (("0,E,1,100,1", "0,E,1,100"), "cover"),
    (("6,L,1,100,1", "6,E,1,100,1"), "cover"),
    (("SECTION_COVER", "SECTION_COVERS"), "section"),
])
def test_bad_input_names_the_field(edit: tuple[str, str], field: str) -> None:
    old, new = edit
    assert old in TINY
    with pytest.raises(InputError) as info:
        parse_curtois(TINY.replace(old, new, 1), source="tiny.txt")
    assert info.value.field == field
    assert info.value.where is None or "tiny.txt" in info.value.where


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="path"):
        read_curtois(tmp_path / "nope.txt")


def _staff_ok_cyclic(row: tuple[str | None, ...], rules: dict, n: int) -> bool:
    """Rules of a rotation: the last day is followed by the first, no run is exempt."""
    work = [0 if s is None else 1 for s in row]
    if row[-1] == "L" and row[0] == "E":
        return False
    if 0 < sum(work) < n:
        r = next(i for i in range(n) if work[i] == 1 and work[i - 1] == 0)
        rot = work[r:] + work[:r]
        for _a, k in _runs(rot, 1):
            if k > rules["maxc"] or k < rules["minc"]:
                return False
        for _a, k in _runs(rot, 0):
            if k < rules["minoff"]:
                return False
    elif sum(work) == n and rules["maxc"] < n:
        return False
    flat = {**rules, "minc": 1, "minoff": 1}
    return _staff_ok(row, flat, n)


def test_cyclic_rotation_matches_brute_force() -> None:
    import dataclasses

    p = dataclasses.replace(parse_curtois(TINY), cyclic=True)
    sol = solve_problem(p, AgentSolverOptions(time_limit_s=600))
    assert sol.status is RosterStatus.OPTIMAL
    assert sol.objective == pytest.approx(_brute_force(p, _staff_ok_cyclic))
    for sid, rules in _rules(p).items():
        assert _staff_ok_cyclic(tuple(sol.schedule[sid]), rules, p.n_days)
