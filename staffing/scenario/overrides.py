"""Scenario overrides: the keys, their validation and the effective plan config they give.

The keys and what they do are listed in :mod:`staffing.scenario`.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from staffing._validate import number, whole
from staffing.config import PlanConfig
from staffing.exceptions import InputError
from staffing.hours import DAYS, _expand_days
from staffing.overflow import OverflowPartner
from staffing.requirements import GOAL_FRACTIONS, goal_fraction
from staffing.scenario.hashing import _canonical

GOAL_KEYS = ("service_level", "answer_s", "asa_s", "max_occupancy", "abandon_rate",
             "patience_s", "shrinkage", "concurrency", "max_agents")
SOLVER_KEYS = ("time_limit_s", "mip_rel_gap", "threads")
DEMAND_KEYS = ("volume_scale", "volume_by_day", "aht_scale", "aht_delta_s")
OTHER_KEYS = ("open_hours", "min_staff", "templates", "max_headcount", "rules", "simulate",
              "overflow")
# [rules] keys a scenario may change (roster.WeeklyRules): e.g. days off not consecutive
RULE_KEYS = ("workdays", "consecutive_days_off", "start_band_minutes", "min_weekly_hours",
             "max_weekly_hours", "part_time_share_max")
OVERRIDE_KEYS: tuple[str, ...] = DEMAND_KEYS + GOAL_KEYS + OTHER_KEYS + SOLVER_KEYS
"""Every key a scenario's ``overrides`` may hold."""

_OPTIONAL_GOALS = {"service_level", "asa_s", "max_occupancy", "abandon_rate", "patience_s",
                   "max_agents"}
_INT_KEYS = {"concurrency", "max_agents", "threads", "min_staff"}


# ----------------------------------------------------------------------------- overrides

def _number(key: str, value: Any, *, lo: float | None = None, hi: float | None = None,
            lo_open: bool = False, hi_open: bool = False, unit: str | None = None) -> float:
    return number(f"overrides.{key}", value, lo=lo, hi=hi, lo_open=lo_open, hi_open=hi_open,
                  unit=unit)


def _whole(key: str, value: Any, lo: int) -> int:
    return whole(f"overrides.{key}", value, lo=lo)


def _day_key(key: str, raw: Any) -> tuple[str, Any]:
    """``("date", date)`` or ``("days", [weekday ints])`` for a ``volume_by_day`` key."""
    text = str(raw).strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return "date", dt.date.fromisoformat(text)
        except ValueError as exc:
            raise InputError(f"overrides.{key}", raw, "a date 'YYYY-MM-DD'") from exc
    try:
        return "days", _expand_days(text)
    except InputError as exc:
        raise InputError(f"overrides.{key}", raw,
                         f"a weekday ({', '.join(DAYS)}), a day range like 'sun-thu' or a "
                         f"date 'YYYY-MM-DD'") from exc


def normalize_overrides(overrides: Mapping[str, Any] | None,
                        base: PlanConfig | None = None) -> dict[str, Any]:
    """Validate ``overrides`` and return them with canonical types (sorted keys).

    Raises :class:`InputError` with field ``overrides.<key>`` for unknown keys and bad values.
    Template names are checked against ``base`` when given.
    """
    if overrides is None:
        return {}
    if not isinstance(overrides, Mapping):
        raise InputError("overrides", overrides, "a mapping of override names to values")
    out: dict[str, Any] = {}
    names = [t.name for t in base.roster.templates] if base is not None else None
    for key in sorted(overrides):
        v = overrides[key]
        if key not in OVERRIDE_KEYS:
            raise InputError(f"overrides.{key}", v, f"one of {sorted(OVERRIDE_KEYS)}")
        if key == "volume_scale" or key == "aht_scale":
            out[key] = _number(key, v, lo=0, lo_open=True)
        elif key == "aht_delta_s":
            out[key] = _number(key, v, unit="s")
        elif key == "volume_by_day":
            if not isinstance(v, Mapping) or not v:
                raise InputError("overrides.volume_by_day", v,
                                 "a table of weekday, day range or date to a factor >= 0")
            by: dict[str, float] = {}
            for k, f in v.items():
                field_ = f"volume_by_day.{k}"
                _day_key(field_, k)
                by[str(k).strip().lower()] = _number(field_, f, lo=0)
            out[key] = dict(sorted(by.items()))
        elif key in GOAL_KEYS:
            if v is None:
                if key not in _OPTIONAL_GOALS:
                    raise InputError(f"overrides.{key}", v, "a value (this goal cannot be "
                                     "removed)")
                out[key] = None
            elif key == "patience_s" and v == "fit":
                out[key] = "fit"
            elif key in _INT_KEYS:
                out[key] = _whole(key, v, 1)
            elif key in GOAL_FRACTIONS:
                out[key] = goal_fraction(f"overrides.{key}", v)
            else:  # answer_s, asa_s, patience_s
                out[key] = _number(key, v, lo=0, lo_open=key != "answer_s", unit="s")
        elif key == "open_hours":
            if not isinstance(v, Mapping):
                raise InputError("overrides.open_hours", v,
                                 "a table of day ranges to 'HH:MM-HH:MM' (plus min_staff)")
            out[key] = _canonical(dict(v))
        elif key == "min_staff":
            if isinstance(v, Mapping):
                out[key] = {str(k): _whole(f"min_staff.{k}", n, 0) for k, n in v.items()}
            else:
                out[key] = _whole(key, v, 0)
        elif key == "templates":
            if isinstance(v, str):
                v = [v]
            if not isinstance(v, list | tuple) or not v or not all(
                    isinstance(t, str) for t in v):
                raise InputError("overrides.templates", v, "a non-empty list of template names")
            for t in v:
                if names is not None and t not in names:
                    raise InputError("overrides.templates", t, f"one of {names}")
            out[key] = sorted(set(v))
        elif key == "max_headcount":
            if not isinstance(v, Mapping) or not v:
                raise InputError("overrides.max_headcount", v,
                                 "a table of template name to a cap (whole number) or none")
            caps: dict[str, int | None] = {}
            for t, cap in v.items():
                if names is not None and t not in names:
                    raise InputError("overrides.max_headcount", t, f"one of {names}")
                caps[str(t)] = None if cap is None else _whole(f"max_headcount.{t}", cap, 0)
            out[key] = dict(sorted(caps.items()))
        elif key == "rules":
            if not isinstance(v, Mapping) or not v:
                raise InputError("overrides.rules", v, f"a table of {list(RULE_KEYS)}")
            for k in v:
                if k not in RULE_KEYS:
                    raise InputError(f"overrides.rules.{k}", v[k], f"one of {list(RULE_KEYS)}")
            out[key] = _canonical(dict(v))  # values are checked by the roster config
        elif key == "time_limit_s":
            out[key] = _number(key, v, lo=0, lo_open=True, unit="s")
        elif key == "mip_rel_gap":
            out[key] = _number(key, v, lo=0, hi=1, hi_open=True)
        elif key == "threads":
            out[key] = _whole(key, v, 1)
        elif key == "simulate":
            if not isinstance(v, bool):
                raise InputError("overrides.simulate", v, "true or false")
            out[key] = v
        elif key == "overflow":  # a partner table (replaces [overflow]), or None: no partner
            if v is None or v is False:
                out[key] = None
                continue
            try:
                OverflowPartner.from_table(v)
            except InputError as exc:
                raise InputError(f"overrides.{exc.field}", exc.value, exc.expected) from exc
            out[key] = _canonical(dict(v))
    return out


_COMPARED = ("data_path", "data_kind", "data", "tz", "freq", "start", "days", "forecast", "goals",
             "patience_s", "open_hours", "roster", "solver", "simulate", "simulation",
             "overflow")


def _differs(a: PlanConfig, b: PlanConfig) -> list[str]:
    return [f for f in _COMPARED if getattr(a, f) != getattr(b, f)]


def _base_dir(base: PlanConfig) -> Path | None:
    """Where the base's relative paths resolve (its TOML file's or data file's folder)."""
    if base.source is not None:
        return base.source.parent
    return base.data_path.parent if base.data_path is not None else None


def _synced_raw(base: PlanConfig) -> dict[str, Any]:
    """The base's TOML tables, rewritten from its fields so a config changed with
    ``dataclasses.replace`` (e.g. another ``start`` or ``solver``) is hashed as it is."""
    if not base.raw:
        raise InputError("base", type(base).__name__,
                         "a PlanConfig read with PlanConfig.from_toml or from_dict")
    raw = copy.deepcopy(dict(base.raw))
    raw["data"] = ({"kind": base.data_kind} if base.data is not None
                   else {"path": str(base.data_path), "kind": base.data_kind})
    raw["data"].update(offered=base.offered, wrap_s=base.wrap_s)
    minutes = base.freq.total_seconds() / 60
    raw["site"] = {"tz": base.tz, "interval": f"{minutes:g}min"}
    raw["plan"] = {"start": base.start, "days": base.days}
    goals = dict(base.goals)
    if base.patience_s is not None:
        goals["patience_s"] = base.patience_s
    raw["goals"] = goals
    solver: dict[str, Any] = {"time_limit_s": base.solver.time_limit_s,
                              "mip_rel_gap": base.solver.mip_rel_gap}
    if base.solver.threads is not None:
        solver["threads"] = base.solver.threads
    if base.solver.objective != "requirements":
        solver["objective"] = base.solver.objective
    if base.solver.min_interval_service_level is not None:
        solver["min_interval_service_level"] = base.solver.min_interval_service_level
    raw["solver"] = solver
    sim = base.simulation
    raw["simulation"] = {"enabled": base.simulate, "replications": sim.replications,
                         "handle_times": sim.handle_times, "confidence": sim.confidence}
    if sim.seed is not None:
        raw["simulation"]["seed"] = sim.seed
    base_dir = _base_dir(base)
    probe = PlanConfig.from_dict(raw, base_dir=base_dir, source=base.source, data=base.data)
    if probe.roster != base.roster or probe.open_hours != base.open_hours:
        rd = base.roster.to_dict()
        for k in ("templates", "rules", "penalties"):
            raw[k] = rd[k]
        if base.roster.open_hours == base.open_hours:
            if "open_hours" in rd:
                raw["open_hours"] = rd["open_hours"]
            else:
                raw.pop("open_hours", None)
        probe = PlanConfig.from_dict(raw, base_dir=base_dir, source=base.source,
                                     data=base.data)
    bad = _differs(probe, base)
    if bad:
        raise InputError("base", bad, "a PlanConfig whose settings can be written back as its "
                         "TOML tables (change them through scenario overrides instead)")
    return raw


def _effective_raw(base: PlanConfig, ov: Mapping[str, Any]) -> dict[str, Any]:
    """The base's TOML tables with the config-level overrides applied."""
    raw = _synced_raw(base)
    goals = dict(raw.get("goals", {}))
    for k in GOAL_KEYS:
        if k in ov:
            if ov[k] is None:
                goals.pop(k, None)
            else:
                goals[k] = ov[k]
    raw["goals"] = goals
    if "open_hours" in ov:
        raw["open_hours"] = dict(ov["open_hours"])
    if "min_staff" in ov:
        if "open_hours" not in raw:
            raise InputError("overrides.min_staff", ov["min_staff"],
                             "open hours in the base config or an open_hours override")
        raw["open_hours"] = {**dict(raw["open_hours"]), "min_staff": ov["min_staff"]}
    templates = [dict(t) for t in raw.get("templates", [])]
    if "templates" in ov:
        templates = [t for t in templates if t.get("name") in ov["templates"]]
    if "max_headcount" in ov:
        for t in templates:
            if t.get("name") in ov["max_headcount"]:
                cap = ov["max_headcount"][t["name"]]
                if cap is None:
                    t.pop("max_headcount", None)
                else:
                    t["max_headcount"] = cap
    raw["templates"] = templates
    if "rules" in ov:
        raw["rules"] = {**dict(raw.get("rules", {})), **ov["rules"]}
    solver = dict(raw.get("solver", {}))
    for k in SOLVER_KEYS:
        if k in ov:
            solver[k] = ov[k]
    raw["solver"] = solver
    if "simulate" in ov:
        raw["simulation"] = {**dict(raw.get("simulation", {})), "enabled": ov["simulate"]}
    if "overflow" in ov:
        if ov["overflow"] is None:
            raw.pop("overflow", None)
        else:
            raw["overflow"] = dict(ov["overflow"])
    return raw


def _rename_field(exc: InputError, ov: Mapping[str, Any]) -> InputError:
    f = exc.field
    head, _, rest = f.partition(".")
    if head in ("goals", "solver") and rest.split(".")[0] in ov:
        name = f"overrides.{rest}"
    elif head == "simulation" and "simulate" in ov:
        name = "overrides.simulate"
    elif head == "open_hours" and "min_staff" in ov and "open_hours" not in ov:
        name = f"overrides.min_staff{f[len('open_hours.min_staff'):]}" if rest.startswith(
            "min_staff") else f"overrides.{f}"
    elif (head == "open_hours" and "open_hours" in ov or head == "rules" and "rules" in ov
          or head == "overflow" and "overflow" in ov):
        name = f"overrides.{f}"
    elif head == "templates" and ("templates" in ov or "max_headcount" in ov):
        name = "overrides.max_headcount" if "max_headcount" in rest and \
            "max_headcount" in ov else "overrides.templates"
    else:
        name = f"overrides ({f})"
    new = InputError(name, exc.value, exc.expected, exc.where)
    new.__cause__ = exc
    return new


def _build_config(base: PlanConfig, ov: Mapping[str, Any]) -> tuple[PlanConfig, dict[str, Any]]:
    raw = _effective_raw(base, ov)
    try:
        cfg = PlanConfig.from_dict(raw, base_dir=_base_dir(base), source=base.source,
                                   data=base.data)
    except InputError as exc:
        raise _rename_field(exc, ov) from exc
    return cfg, raw
