"""Small input checks shared by modules that must not import each other (erlang, roster, the
plan config, requirements). Each raises :class:`~staffing.exceptions.InputError` naming the
field, the value and what was expected."""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from typing import Any

from staffing.exceptions import InputError

__all__ = ["fraction", "only_keys"]


def fraction(name: str, value: Any, *, low_open: bool, high_open: bool) -> float:
    """A scalar fraction in (0, 1), [0, 1), (0, 1] or [0, 1] as asked."""
    lo, hi = ("(" if low_open else "["), (")" if high_open else "]")
    expected = f"a fraction in {lo}0, 1{hi}"
    try:
        v = float(value)
    except (TypeError, ValueError) as exc:
        raise InputError(name, value, expected) from exc
    low_ok = v > 0 if low_open else v >= 0
    high_ok = v < 1 if high_open else v <= 1
    if not (math.isfinite(v) and low_ok and high_ok):
        raise InputError(name, value, expected)
    return v


def only_keys(table: Mapping[str, Any], prefix: str, allowed: Collection[str]) -> None:
    """Reject the first key of ``table`` not in ``allowed`` as field ``<prefix>.<key>``."""
    for key in table:
        if key not in allowed:
            raise InputError(f"{prefix}.{key}", table[key], f"one of {sorted(allowed)}")
