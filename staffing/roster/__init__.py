"""Weekly shift rosters: Pyomo model solved by HiGHS (see :mod:`staffing.roster.build`).

Public API: :func:`solve_roster`, :func:`coverage_duals`, :class:`RosterConfig` and its parts,
:class:`SolverOptions`, :class:`RosterResult`, :class:`RosterStatus`, :class:`SolveProgress`.
"""

from staffing.roster.result import (
    HIGHS_STATUS,
    PenaltyTerm,
    RosterResult,
    RosterStatus,
    SolveProgress,
    status_from_highs,
)
from staffing.roster.solve import coverage_duals, solve_roster
from staffing.roster.templates import (
    BreakRule,
    Penalties,
    RosterConfig,
    ShiftTemplate,
    SolverOptions,
    WeeklyRules,
)

__all__ = [
    "HIGHS_STATUS",
    "BreakRule",
    "PenaltyTerm",
    "Penalties",
    "RosterConfig",
    "RosterResult",
    "RosterStatus",
    "ShiftTemplate",
    "SolveProgress",
    "SolverOptions",
    "WeeklyRules",
    "coverage_duals",
    "solve_roster",
    "status_from_highs",
]
