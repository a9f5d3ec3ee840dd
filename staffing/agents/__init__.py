"""Schedules for named people: agents, contracts, availability, preferences, multi-week horizons.

Layers (one job each): :mod:`problem` (the day-level rostering problem), :mod:`model` (its
Pyomo MIP, rule family by rule family, soft rules as named terms), :mod:`solve` (HiGHS via
Pyomo APPSI, status/bound/gap), :mod:`curtois` (the Employee Shift Scheduling Benchmark reader).
"""

from staffing.agents.curtois import best_known_from_comments, parse_curtois, read_curtois
from staffing.agents.model import BuiltDayModel, Term, build_day_model, finish_objective
from staffing.agents.problem import DayCover, DayShiftProblem, Request, ShiftOption, StaffRules
from staffing.agents.solve import (
    AgentSolverOptions,
    DaySolution,
    TermValue,
    solve_day_model,
    solve_problem,
)

__all__ = [
    "AgentSolverOptions",
    "BuiltDayModel",
    "DayCover",
    "DayShiftProblem",
    "DaySolution",
    "Request",
    "ShiftOption",
    "StaffRules",
    "Term",
    "TermValue",
    "best_known_from_comments",
    "build_day_model",
    "finish_objective",
    "parse_curtois",
    "read_curtois",
    "solve_day_model",
    "solve_problem",
]
