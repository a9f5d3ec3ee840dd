"""The one home of input checks on numbers (and unknown keys), shared by modules that must not
import each other (erlang, roster, the plan config, requirements, scenarios, simulation).

Each check raises :class:`~staffing.exceptions.InputError` naming the field, the value and
what was expected, always in the same words: ``"a fraction in (0, 1)"``, ``"a number > 0 (s)"``,
``"a number in [0, 1)"``, ``"a whole number >= 1"``. Booleans, NaN and infinities are refused
everywhere.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Collection, Mapping
from typing import Any

from staffing.exceptions import InputError

__all__ = ["expected_number", "fraction", "number", "only_keys", "whole"]


def _fmt(x: float) -> str:
    return f"{x:g}"


def expected_number(*, lo: float | None = None, hi: float | None = None,
                    lo_open: bool = False, hi_open: bool = False, unit: str | None = None,
                    noun: str = "a number") -> str:
    """The wording of :func:`number` for these bounds, e.g. ``"a number > 0 (s)"``."""
    if lo is not None and hi is not None:
        text = (f"{noun} in {'(' if lo_open else '['}{_fmt(lo)}, {_fmt(hi)}"
                f"{')' if hi_open else ']'}")
    elif lo is not None:
        text = f"{noun} {'>' if lo_open else '>='} {_fmt(lo)}"
    elif hi is not None:
        text = f"{noun} {'<' if hi_open else '<='} {_fmt(hi)}"
    else:
        text = f"a finite {noun.removeprefix('a ')}"
    return f"{text} ({unit})" if unit else text


def number(name: str, value: Any, *, lo: float | None = None, hi: float | None = None,
           lo_open: bool = False, hi_open: bool = False, unit: str | None = None) -> float:
    """A finite real number within the bounds (``lo_open``/``hi_open``: bound excluded)."""
    expected = expected_number(lo=lo, hi=hi, lo_open=lo_open, hi_open=hi_open, unit=unit)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        try:  # numpy scalars and numeric strings from tables are numbers too
            if isinstance(value, bool | str | bytes) or value is None:
                raise TypeError
            v = float(value)
        except (TypeError, ValueError) as exc:
            raise InputError(name, value, expected) from exc
    else:
        v = float(value)
    ok = math.isfinite(v)
    if ok and lo is not None:
        ok = v > lo if lo_open else v >= lo
    if ok and hi is not None:
        ok = v < hi if hi_open else v <= hi
    if not ok:
        raise InputError(name, value, expected)
    return v


def fraction(name: str, value: Any, *, low_open: bool, high_open: bool) -> float:
    """A scalar fraction in (0, 1), [0, 1), (0, 1] or [0, 1] as asked."""
    expected = expected_number(lo=0, hi=1, lo_open=low_open, hi_open=high_open,
                               noun="a fraction")
    try:
        return number(name, value, lo=0, hi=1, lo_open=low_open, hi_open=high_open)
    except InputError as exc:
        raise InputError(name, value, expected) from exc


def whole(name: str, value: Any, *, lo: int = 0) -> int:
    """A whole number >= ``lo`` (ints, and floats without a fraction; bools refused)."""
    expected = f"a whole number >= {lo}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or (
            isinstance(value, float) and not value.is_integer()) or not math.isfinite(
            float(value)) or value < lo:
        raise InputError(name, value, expected)
    return int(float(value))


def only_keys(table: Mapping[str, Any], prefix: str, allowed: Collection[str]) -> None:
    """Reject the first key of ``table`` not in ``allowed`` as field ``<prefix>.<key>``,
    suggesting the closest allowed key ("did you mean 'shrinkage'?") when one is close."""
    import difflib

    for key in table:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), [str(a) for a in allowed], n=1,
                                              cutoff=0.6)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise InputError(f"{prefix}.{key}", table[key],
                             f"{hint}one of {sorted(allowed)}")
