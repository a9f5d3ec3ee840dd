"""staffing: contact-center workforce planning.

Forecast interval volume, turn it into required agents with Erlang C/A, build optimal weekly
rosters with Pyomo + HiGHS, and evaluate them. See README.md and DESIGN.md.
"""

from staffing.exceptions import (
    DataQualityWarning,
    FallbackWarning,
    GoalUnreachableWarning,
    InputError,
    MissingDataWarning,
    SolverUnavailableError,
    StaffingError,
    StaffingWarning,
)

__version__ = "0.1.0"

__all__ = [
    "DataQualityWarning",
    "FallbackWarning",
    "GoalUnreachableWarning",
    "InputError",
    "MissingDataWarning",
    "SolverUnavailableError",
    "StaffingError",
    "StaffingWarning",
    "__version__",
]
