"""The ``[forecast]`` TOML keys of this package beyond models/level/backtest/special_days:
``[forecast.calendar]``, ``[forecast.checks]`` and ``[forecast.params.<model>]`` (errors name
the full key, e.g. ``forecast.checks.week_total_share``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from staffing.exceptions import InputError
from staffing.forecast.calendar import parse_calendar
from staffing.forecast.sanity import SanityConfig

KEYS = ("calendar", "checks", "params")


def _table(f: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    t = f.get(key, {})
    if not isinstance(t, Mapping):
        raise InputError(f"forecast.{key}", t, "a table")
    return t


def parse_extras(f: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword arguments of :func:`staffing.forecast.forecast` from a ``[forecast]`` table."""
    from staffing.forecast.core import check_params

    out: dict[str, Any] = {}
    if "calendar" in f:
        out["calendar"] = parse_calendar(_table(f, "calendar"), "forecast.calendar")
    if "checks" in f:
        t = _table(f, "checks")
        known = {x.name for x in fields(SanityConfig)}
        for k in t:
            if k not in known:
                raise InputError(f"forecast.checks.{k}", k, f"one of {sorted(known)}")
        try:
            out["checks"] = SanityConfig(**dict(t))
        except InputError as exc:
            raise InputError(f"forecast.{exc.field}", exc.value, exc.expected) from exc
    if "params" in f:
        try:
            out["params"] = check_params(_table(f, "params"))
        except InputError as exc:
            raise InputError(f"forecast.{exc.field}", exc.value, exc.expected) from exc
    return out
