"""Input checks shared by the Erlang functions (raise :class:`InputError` naming the argument)."""

from __future__ import annotations

from typing import Any

import numpy as np

from staffing._validate import expected_number, number
from staffing._validate import fraction as fraction  # re-exported as ck.fraction
from staffing.exceptions import InputError


def as_array(name: str, value: Any) -> np.ndarray:
    """``value`` as a float array, or InputError naming ``name``."""
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError(name, value, "a number or an array of numbers") from exc


def _first_bad(arr: np.ndarray, bad: np.ndarray) -> tuple[Any, str | None]:
    if arr.ndim == 0:
        return float(arr), None
    pos = np.argwhere(bad)[0]
    where = f"index {tuple(int(i) for i in pos)}" if arr.ndim > 1 else f"index {int(pos[0])}"
    return float(arr[tuple(pos)]), where


def check(name: str, arr: np.ndarray, ok: np.ndarray, expected: str) -> None:
    """Raise InputError for the first element of ``arr`` where ``ok`` is False."""
    ok = np.broadcast_to(ok, arr.shape)
    if not bool(np.all(ok)):
        value, where = _first_bad(arr, ~ok)
        raise InputError(name, value, expected, where)


def calls_array(calls: Any) -> np.ndarray:
    """Calls offered per interval: finite and >= 0."""
    arr = as_array("calls", calls)
    with np.errstate(invalid="ignore"):
        check("calls", arr, np.isfinite(arr) & (arr >= 0), "a finite number of calls >= 0")
    return arr


def aht_array(aht_s: Any, calls: np.ndarray) -> np.ndarray:
    """Average handle time (s): finite and > 0 wherever calls > 0 (anything where calls == 0)."""
    arr = as_array("aht_s", aht_s)
    c, a = np.broadcast_arrays(calls, arr)
    with np.errstate(invalid="ignore"):
        ok = (c == 0) | (np.isfinite(a) & (a > 0))
    check("aht_s", a, ok, "a handle time in seconds > 0 (where calls > 0)")
    return arr


MAX_LOAD_ERLANGS = 1e6
"""Largest offered load (erlangs) per interval accepted: far above any contact center, far
below where agent counts stop being exact integers."""
_TYPICAL = 1e3  # calls per interval and seconds of handle time of an ordinary queue


def offered_load(c: np.ndarray, h: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Offered load ``c * h / t`` (erlangs; 0 where ``c == 0``) of checked calls ``c``, handle
    times ``h`` (s) and interval lengths ``t`` (s). An overflowing or absurd load (more than
    :data:`MAX_LOAD_ERLANGS`) raises InputError naming ``calls`` or ``aht_s``, whichever is
    further from an ordinary value."""
    c, h, t = np.broadcast_arrays(c, h, t)
    with np.errstate(over="ignore", invalid="ignore"):
        a = np.where(c > 0, c * np.where(c > 0, h, 1.0) / t, 0.0)
        bad = ~(np.isfinite(a) & (a <= MAX_LOAD_ERLANGS))
    if bool(np.any(bad)):
        pos = tuple(np.argwhere(bad)[0]) if a.ndim else ()
        ci, hi = float(c[pos]), float(h[pos])
        name, value = ("aht_s", hi) if hi / _TYPICAL > ci / _TYPICAL else ("calls", ci)
        where = None if not a.ndim else (
            f"index {int(pos[0])}" if a.ndim == 1 else f"index {tuple(int(i) for i in pos)}")
        raise InputError(name, value, f"a value giving an offered load calls * aht_s / "
                         f"interval_s of at most {MAX_LOAD_ERLANGS:,.0f} erlangs", where)
    return a


def positive(name: str, value: Any, unit: str = "s") -> np.ndarray:
    """A finite value > 0 (scalar or array)."""
    arr = as_array(name, value)
    with np.errstate(invalid="ignore"):
        check(name, arr, np.isfinite(arr) & (arr > 0),
              expected_number(lo=0, lo_open=True, unit=unit))
    return arr


def non_negative(name: str, value: Any, unit: str = "s") -> np.ndarray:
    """A finite value >= 0 (scalar or array)."""
    arr = as_array(name, value)
    with np.errstate(invalid="ignore"):
        check(name, arr, np.isfinite(arr) & (arr >= 0), expected_number(lo=0, unit=unit))
    return arr


def positive_int(name: str, value: Any, *, minimum: int = 1) -> int:
    """An integer >= ``minimum`` (bools rejected)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise InputError(name, value, f"an integer >= {minimum}")
    return int(value)


def scalar_positive(name: str, value: Any, unit: str = "s") -> float:
    """A finite scalar > 0."""
    return number(name, value, lo=0, lo_open=True, unit=unit)


def scalar_non_negative(name: str, value: Any, unit: str = "s") -> float:
    """A finite scalar >= 0."""
    return number(name, value, lo=0, unit=unit)


def agents_array(agents: Any) -> np.ndarray:
    """Agents on the phone (may be fractional): finite and >= 0."""
    return non_negative("agents", agents, unit="agents")


def out(arr: np.ndarray) -> Any:
    """Return a numpy scalar for 0-d results, the array otherwise."""
    return arr[()] if arr.ndim == 0 else arr
