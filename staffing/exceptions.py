"""Errors and the warnings family of `staffing`.

All warnings derive from :class:`StaffingWarning`, so users can filter them together
(``warnings.simplefilter("ignore", StaffingWarning)``), like statsmodels' ``sm_exceptions``.
"""

from __future__ import annotations

from typing import Any


class StaffingError(Exception):
    """Base class of every error raised by `staffing`."""


class InputError(StaffingError, ValueError):
    """Bad input: names the field, the value and what was expected.

    Parameters
    ----------
    field:
        Name of the argument, column or config key at fault.
    value:
        The offending value (shown with ``repr``).
    expected:
        What would have been accepted.
    where:
        Optional location, e.g. ``"line 17 of history.csv"``.
    """

    def __init__(self, field: str, value: Any, expected: str, where: str | None = None) -> None:
        self.field = field
        self.value = value
        self.expected = expected
        self.where = where
        loc = f" at {where}" if where else ""
        super().__init__(f"{field}{loc}: got {value!r}, expected {expected}")


class SolverUnavailableError(StaffingError):
    """The requested MIP solver (HiGHS) cannot be loaded."""


class StaffingWarning(UserWarning):
    """Base class of every warning issued by `staffing`."""


class MissingDataWarning(StaffingWarning):
    """History has gaps: intervals on the grid with no row (never silently filled)."""


class DataQualityWarning(StaffingWarning):
    """Rows were dropped or repaired on ingest (e.g. negative VRU times in a call log)."""


class FallbackWarning(StaffingWarning):
    """A method fell back to a simpler one (e.g. a baseline forecast) and says why."""


class GoalUnreachableWarning(StaffingWarning):
    """A service goal cannot be met within the cap; the result is capped."""


class SolverWarning(StaffingWarning):
    """The solver stopped early (time limit) or returned a non-optimal status."""
