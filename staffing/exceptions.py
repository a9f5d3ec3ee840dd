"""Errors and the warnings family of `staffing`.

All warnings derive from :class:`StaffingWarning`, so users can filter them together
(``warnings.simplefilter("ignore", StaffingWarning)``), like statsmodels' ``sm_exceptions``.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
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


# ----------------------------------------------------------------------------- collecting

_SINKS: ContextVar[tuple[list[str], ...]] = ContextVar("staffing_warning_sinks", default=())


def warn(message: str, category: type[StaffingWarning], stacklevel: int = 1) -> None:
    """Issue a `staffing` warning: to Python's :mod:`warnings` (filters apply as usual) and
    as text ``"<Category>: <message>"`` to every :func:`collect_warnings` block open in the
    calling thread or task. ``stacklevel`` counts from the caller, as in ``warnings.warn``."""
    text = f"{category.__name__}: {message}"
    for sink in _SINKS.get():
        if text not in sink:
            sink.append(text)
    warnings.warn(message, category, stacklevel=stacklevel + 1)


@contextmanager
def collect_warnings() -> Iterator[list[str]]:
    """Collect the text of the `staffing` warnings issued inside the block.

    Thread-safe, unlike ``warnings.catch_warnings`` (which swaps process-global state): the
    collector lives in a :class:`contextvars.ContextVar`, so a plan running in one worker
    thread sees only its own warnings, and Python's warning filters are left alone.
    """
    sink: list[str] = []
    token = _SINKS.set((*_SINKS.get(), sink))
    try:
        yield sink
    finally:
        _SINKS.reset(token)
