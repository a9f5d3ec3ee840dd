"""What-if scenarios: a plan config plus named overrides, content-hashed, cached, comparable.

A :class:`Scenario` is a base :class:`~staffing.config.PlanConfig` and a flat mapping of
overrides (see :data:`OVERRIDE_KEYS`)::

    base = PlanConfig.from_toml("data/plan.toml")
    scenarios = [
        Scenario("base", base),
        Scenario("volume +10%", base, {"volume_scale": 1.1}),
        Scenario("90/15", base, {"service_level": 0.9, "answer_s": 15}),
    ]
    table = compare(scenarios)          # one row per scenario (tidy)

Overrides
---------
- Demand, applied to the forecast frame after forecasting: ``volume_scale`` (factor > 0 on
  ``calls`` and its prediction band), ``volume_by_day`` (``{"mon": 1.2, "sun-thu": 1.05,
  "1999-03-02": 0.0}``: factors per weekday, day range or local date; factors of all keys that
  match a day multiply), ``aht_scale`` (factor > 0) and ``aht_delta_s`` (seconds added to the
  handle time after scaling; the result is kept >= 1 s).
- Service goals, written into ``[goals]``: ``service_level``, ``answer_s``, ``asa_s``,
  ``max_occupancy``, ``abandon_rate``, ``patience_s`` (seconds or ``"fit"``), ``shrinkage``,
  ``concurrency``, ``max_agents``; ``None`` removes an optional goal.
- Hours: ``open_hours`` replaces the ``[open_hours]`` table (same format); ``min_staff``
  replaces only its floor.
- Templates: ``templates`` (names to keep, a subset of the base's), ``max_headcount``
  (``{template: cap or None}``).
- Run settings: ``time_limit_s``, ``mip_rel_gap``, ``threads`` (``[solver]``) and ``simulate``
  (bool, ``[simulation] enabled``).

Every bad override raises :class:`~staffing.exceptions.InputError` whose field is
``overrides.<key>``, e.g. ``overrides.volume_scale``.

Content hash and cache
----------------------
:attr:`Scenario.hash` is the sha256 of a canonical JSON document holding the sha256 of the data
file's bytes, the effective config (the base's TOML tables with the overrides applied, the data
path replaced by its hash), the normalised overrides and the versions of ``staffing``, Pyomo,
HiGHS (highspy), numpy, pandas and statsmodels. Same inputs give the same hash; changing any of
them changes it. :func:`run_scenario` caches results by hash in a :class:`ScenarioCache` (in
memory, plus pickles in a directory when given one). The forecast is cached under its own hash
(data, forecast options, horizon, site grid, open hours, versions), so scenarios that differ only
in demand adjustments, goals, templates or solver settings share one forecast (one backtest).

Cost-vs-service
---------------
:func:`cost_service_curve` sweeps the service-level target (or a headcount cap) and returns one
row per point with the roster cost, agent-hours, predicted service and solver gap, plus
``cost_per_sl_point`` (currency per percentage point of weekly predicted service level between
successive points). :func:`marginal_values` puts the LP relaxation's coverage duals
(:func:`staffing.roster.coverage_duals`) beside the coverage: the change in the roster objective
(currency per planning horizon) for one more agent required in an interval.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import functools
import hashlib
import importlib.metadata
import json
import math
import os
import pickle
import re
import threading
import time
import tomllib
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from staffing.config import PlanConfig
from staffing.exceptions import InputError, StaffingWarning
from staffing.grid import INDEX_NAME
from staffing.hours import DAYS, _expand_days
from staffing.io.toml import read_toml
from staffing.pipeline import Stage

__all__ = [
    "OVERRIDE_KEYS",
    "Scenario",
    "ScenarioCache",
    "ScenarioResult",
    "compare",
    "cost_service_curve",
    "default_cache",
    "load_scenarios",
    "marginal_values",
    "parse_scenario_spec",
    "run_scenario",
    "run_scenarios",
    "scenario_requirements",
]

GOAL_KEYS = ("service_level", "answer_s", "asa_s", "max_occupancy", "abandon_rate",
             "patience_s", "shrinkage", "concurrency", "max_agents")
SOLVER_KEYS = ("time_limit_s", "mip_rel_gap", "threads")
DEMAND_KEYS = ("volume_scale", "volume_by_day", "aht_scale", "aht_delta_s")
OTHER_KEYS = ("open_hours", "min_staff", "templates", "max_headcount", "simulate")
OVERRIDE_KEYS: tuple[str, ...] = DEMAND_KEYS + GOAL_KEYS + OTHER_KEYS + SOLVER_KEYS
"""Every key a scenario's ``overrides`` may hold."""

_OPTIONAL_GOALS = {"service_level", "asa_s", "max_occupancy", "abandon_rate", "patience_s",
                   "max_agents"}
_INT_KEYS = {"concurrency", "max_agents", "threads", "min_staff"}


# ----------------------------------------------------------------------------- hashing

def _canonical(obj: Any) -> Any:
    """A JSON-ready copy with stable types: integral floats as ints, dates ISO strings."""
    if isinstance(obj, bool) or obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, int | np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        v = float(obj)
        if not math.isfinite(v):
            return repr(v)
        return int(v) if v.is_integer() and abs(v) < 2**53 else v
    if isinstance(obj, dt.datetime | dt.date | dt.time):
        return obj.isoformat()
    if isinstance(obj, pd.Timedelta | dt.timedelta):
        return f"{pd.Timedelta(obj).total_seconds()}s"
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, Mapping):
        return {str(k): _canonical(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        items = [_canonical(v) for v in obj]
        if isinstance(obj, set | frozenset):
            items = sorted(items, key=lambda x: json.dumps(x, sort_keys=True))
        return items
    return repr(obj)


def _digest(doc: Any) -> str:
    text = json.dumps(_canonical(doc), sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


_FILE_HASHES: dict[tuple[str, int, int], str] = {}


def file_sha256(path: str | Path) -> str:
    """sha256 of a file's bytes (memoised by path, size and modification time)."""
    p = Path(path).resolve()
    st = p.stat()
    key = (str(p), st.st_size, st.st_mtime_ns)
    if key not in _FILE_HASHES:
        h = hashlib.sha256()
        with p.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        _FILE_HASHES[key] = h.hexdigest()
    return _FILE_HASHES[key]


def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


@functools.cache
def _versions() -> tuple[tuple[str, str | None], ...]:
    from staffing import __version__

    dists = ("pyomo", "highspy", "numpy", "pandas", "statsmodels", "scipy")
    return (("staffing", __version__), *((d, _version(d)) for d in dists))


def versions() -> dict[str, str | None]:
    """Versions that can change a scenario's result (part of every hash): staffing, pyomo,
    highspy, numpy, pandas, statsmodels, scipy (read once per process)."""
    return dict(_versions())


# ----------------------------------------------------------------------------- overrides

def _number(key: str, value: Any, expected: str, *, lo: float | None = None,
            hi: float | None = None, strict_lo: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise InputError(f"overrides.{key}", value, expected)
    v = float(value)
    if not math.isfinite(v) or (lo is not None and (v < lo or (strict_lo and v == lo))) or (
            hi is not None and v > hi):
        raise InputError(f"overrides.{key}", value, expected)
    return v


def _whole(key: str, value: Any, lo: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer | float) or (
            isinstance(value, float) and not value.is_integer()) or value < lo:
        raise InputError(f"overrides.{key}", value, f"a whole number >= {lo}")
    return int(value)


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
        if key == "volume_scale":
            out[key] = _number(key, v, "a factor > 0, e.g. 1.1", lo=0, strict_lo=True)
        elif key == "aht_scale":
            out[key] = _number(key, v, "a factor > 0, e.g. 1.05", lo=0, strict_lo=True)
        elif key == "aht_delta_s":
            out[key] = _number(key, v, "seconds added to the handle time, e.g. 15")
        elif key == "volume_by_day":
            if not isinstance(v, Mapping) or not v:
                raise InputError("overrides.volume_by_day", v,
                                 "a table of weekday, day range or date to a factor >= 0")
            by: dict[str, float] = {}
            for k, f in v.items():
                field_ = f"volume_by_day.{k}"
                _day_key(field_, k)
                by[str(k).strip().lower()] = _number(field_, f, "a factor >= 0", lo=0)
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
            elif key in ("service_level", "max_occupancy", "abandon_rate"):
                out[key] = _number(key, v, "a fraction in (0, 1]", lo=0, hi=1, strict_lo=True)
            elif key == "shrinkage":
                out[key] = _number(key, v, "a fraction in [0, 1)", lo=0, hi=1)
                if out[key] >= 1:
                    raise InputError("overrides.shrinkage", v, "a fraction in [0, 1)")
            else:  # answer_s, asa_s, patience_s
                out[key] = _number(key, v, "seconds >= 0" if key == "answer_s"
                                   else "seconds > 0", lo=0, strict_lo=key != "answer_s")
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
        elif key == "time_limit_s":
            out[key] = _number(key, v, "seconds > 0", lo=0, strict_lo=True)
        elif key == "mip_rel_gap":
            out[key] = _number(key, v, "a relative gap in [0, 1)", lo=0, hi=1)
        elif key == "threads":
            out[key] = _whole(key, v, 1)
        elif key == "simulate":
            if not isinstance(v, bool):
                raise InputError("overrides.simulate", v, "true or false")
            out[key] = v
    return out


_COMPARED = ("data_path", "data_kind", "tz", "freq", "start", "days", "forecast", "goals",
             "patience_s", "open_hours", "roster", "solver", "simulate", "simulation")


def _differs(a: PlanConfig, b: PlanConfig) -> list[str]:
    return [f for f in _COMPARED if getattr(a, f) != getattr(b, f)]


def _synced_raw(base: PlanConfig) -> dict[str, Any]:
    """The base's TOML tables, rewritten from its fields so a config changed with
    ``dataclasses.replace`` (e.g. another ``start`` or ``solver``) is hashed as it is."""
    if not base.raw:
        raise InputError("base", type(base).__name__,
                         "a PlanConfig read with PlanConfig.from_toml or from_dict")
    raw = copy.deepcopy(dict(base.raw))
    raw["data"] = {"path": str(base.data_path), "kind": base.data_kind}
    minutes = base.freq.total_seconds() / 60
    raw["site"] = {"tz": base.tz, "interval": f"{minutes:g}min"}
    raw["plan"] = {"start": base.start, "days": base.days}
    goals = dict(base.goals)
    if base.patience_s is not None:
        goals["patience_s"] = base.patience_s
    raw["goals"] = goals
    solver = {"time_limit_s": base.solver.time_limit_s, "mip_rel_gap": base.solver.mip_rel_gap}
    if base.solver.threads is not None:
        solver["threads"] = base.solver.threads
    raw["solver"] = solver
    sim = base.simulation
    raw["simulation"] = {"enabled": base.simulate, "replications": sim.replications,
                         "handle_times": sim.handle_times, "confidence": sim.confidence}
    if sim.seed is not None:
        raw["simulation"]["seed"] = sim.seed
    base_dir = base.source.parent if base.source is not None else base.data_path.parent
    probe = PlanConfig.from_dict(raw, base_dir=base_dir, source=base.source)
    if probe.roster != base.roster or probe.open_hours != base.open_hours:
        rd = base.roster.to_dict()
        for k in ("templates", "rules", "penalties"):
            raw[k] = rd[k]
        if base.roster.open_hours == base.open_hours:
            if "open_hours" in rd:
                raw["open_hours"] = rd["open_hours"]
            else:
                raw.pop("open_hours", None)
        probe = PlanConfig.from_dict(raw, base_dir=base_dir, source=base.source)
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
    solver = dict(raw.get("solver", {}))
    for k in SOLVER_KEYS:
        if k in ov:
            solver[k] = ov[k]
    raw["solver"] = solver
    if "simulate" in ov:
        raw["simulation"] = {**dict(raw.get("simulation", {})), "enabled": ov["simulate"]}
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
    elif head == "open_hours" and "open_hours" in ov:
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
    base_dir = base.source.parent if base.source is not None else base.data_path.parent
    try:
        cfg = PlanConfig.from_dict(raw, base_dir=base_dir, source=base.source)
    except InputError as exc:
        raise _rename_field(exc, ov) from exc
    return cfg, raw


# ----------------------------------------------------------------------------- scenario

@dataclass(frozen=True, eq=False)
class Scenario:
    """A named what-if: ``base`` plan config plus ``overrides`` (see the module docstring).

    Attributes set on construction: ``overrides`` (validated, canonical types), ``config`` (the
    effective :class:`PlanConfig`) and ``hash`` (sha256 hex of every input). Scenarios are
    equal (and hash alike in sets) when name and content hash agree.
    """

    name: str
    base: PlanConfig = field(repr=False)
    overrides: Mapping[str, Any] = field(default_factory=dict)
    config: PlanConfig = field(init=False, repr=False, compare=False)
    hash: str = field(init=False, compare=False)
    forecast_key: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise InputError("name", self.name, "a non-empty scenario name")
        if not isinstance(self.base, PlanConfig):
            raise InputError("base", type(self.base).__name__, "a PlanConfig")
        ov = normalize_overrides(self.overrides, self.base)
        cfg, raw = _build_config(self.base, ov)
        data_hash = file_sha256(cfg.data_path)
        raw_h = {k: v for k, v in raw.items()}
        raw_h["data"] = {"sha256": data_hash, "kind": cfg.data_kind}
        vers = versions()
        key = _digest({"schema": 1, "config": raw_h, "overrides": ov, "versions": vers})
        hours = raw_h.get("open_hours")
        if isinstance(hours, Mapping):  # the floor does not change the forecast
            hours = {k: v for k, v in hours.items() if k != "min_staff"}
        fkey = _digest({"schema": 1, "data": raw_h["data"], "site": raw_h.get("site", {}),
                        "plan": raw_h.get("plan", {}), "forecast": raw_h.get("forecast", {}),
                        "open_hours": hours, "versions": vers})
        object.__setattr__(self, "overrides", ov)
        object.__setattr__(self, "config", cfg)
        object.__setattr__(self, "hash", key)
        object.__setattr__(self, "forecast_key", fkey)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Scenario) and (self.name, self.hash) == (other.name,
                                                                          other.hash)

    def __hash__(self) -> int:
        return hash((self.name, self.hash))

    @property
    def data_key(self) -> str:
        """Hash of the loaded data (file bytes, kind, zone, interval)."""
        c = self.config
        return _digest({"data": file_sha256(c.data_path), "kind": c.data_kind, "tz": c.tz,
                        "freq": c.freq})

    def with_overrides(self, name: str | None = None, **overrides: Any) -> Scenario:
        """A new scenario on the same base with ``overrides`` merged over these ones."""
        return Scenario(name or self.name, self.base, {**self.overrides, **overrides})

    def summary(self) -> dict[str, Any]:
        """Name, hash and overrides (JSON-serialisable)."""
        return {"name": self.name, "hash": self.hash, "overrides": _canonical(self.overrides)}


# ----------------------------------------------------------------------------- results

@dataclass(eq=False)
class ScenarioResult:
    """The outcome of one scenario.

    Attributes
    ----------
    name, hash, overrides:
        From the :class:`Scenario`.
    plan:
        :class:`staffing.pipeline.PlanResult` of the effective config, with the adjusted
        forecast (``plan.forecast.frame`` carries the scenario's volume and AHT changes). Its
        ``data`` keeps the interval history only (no call log).
    forecast_key:
        Hash the forecast was cached under.
    runtime_s:
        Wall seconds of the run (0 for stages served from a cache).
    duals:
        LP coverage duals (currency per agent-interval) once computed, see
        :meth:`marginal_values`.
    """

    name: str
    hash: str
    overrides: dict[str, Any]
    plan: Any = field(repr=False)  # staffing.pipeline.PlanResult
    forecast_key: str
    runtime_s: float = 0.0
    duals: pd.Series | None = field(default=None, repr=False)

    @property
    def config(self) -> PlanConfig:
        """Effective plan config."""
        return self.plan.config

    @property
    def roster(self) -> Any:
        """:class:`staffing.roster.RosterResult`."""
        return self.plan.roster

    @property
    def requirements(self) -> pd.DataFrame:
        """Requirements frame (agents per interval)."""
        return self.plan.requirements

    @property
    def evaluation(self) -> Any:
        """Predicted service of the roster (None without a roster)."""
        return self.plan.evaluation

    @property
    def simulation(self) -> Any:
        """Simulated service (None when disabled or without a roster)."""
        return self.plan.simulation

    @property
    def headcount(self) -> dict[str, int]:
        """People (weekly lines) per template, every template of the config listed."""
        names = [t.name for t in self.config.roster.templates]
        tours = self.roster.tours
        counts = (tours.groupby("template")["agent"].nunique().to_dict()
                  if "template" in tours and len(tours) else {})
        return {n: int(counts.get(n, 0)) for n in names}

    def metrics(self) -> dict[str, Any]:
        """One row of :func:`compare` (units in the column names / :func:`compare` docs)."""
        ro = self.roster
        req = self.requirements
        step_h = self.config.freq.total_seconds() / 3600.0
        ev = self.evaluation.week if self.evaluation is not None else {}
        sim = self.simulation.week if self.simulation is not None else {}
        fc = self.plan.forecast.frame
        calls = float(fc["calls"].sum())
        ok = (fc["calls"] > 0) & fc["aht_s"].notna()
        aht = float((fc["aht_s"][ok] * fc["calls"][ok]).sum() / fc["calls"][ok].sum()) \
            if ok.any() else float("nan")
        heads = self.headcount
        nan = float("nan")
        row: dict[str, Any] = {
            "scenario": self.name,
            "hash": self.hash[:12],
            "status": ro.status.value,
            "calls": calls,
            "aht_s": aht,
            "required_agent_hours": float(req["agents_required"].sum()) * step_h,
            "agent_hours": float(ro.agent_hours),
            "cost": float(ro.cost),
            "objective": ro.objective if ro.objective is not None else nan,
            "headcount": int(sum(heads.values())),
        }
        for n, c in heads.items():
            row[f"headcount_{n}"] = c
        row.update({
            "service_level": ev.get("service_level", nan),
            "simulated_service_level": sim.get("service_level", nan),
            "simulated_service_level_low": sim.get("service_level_low", nan),
            "simulated_service_level_high": sim.get("service_level_high", nan),
            "asa_s": ev.get("asa_s", nan),
            "simulated_asa_s": sim.get("asa_s", nan),
            "abandon_rate": ev.get("abandon_rate", nan),
            "simulated_abandon_rate": sim.get("abandon_rate", nan),
            "occupancy": ev.get("occupancy", nan),
            "intervals_under_goal": ev.get("intervals_missed", nan),
            "under_agent_intervals": float(ro.coverage["under"].sum())
            if "under" in ro.coverage else nan,
            "gap": ro.gap if ro.gap is not None else nan,
            "runtime_s": float(ro.runtime_s),
        })
        return row

    def summary(self) -> dict[str, Any]:
        """JSON-serialisable: name, hash, overrides, metrics and the plan summary."""
        m = {k: (None if isinstance(v, float) and not math.isfinite(v) else v)
             for k, v in self.metrics().items()}
        return {"name": self.name, "hash": self.hash, "overrides": _canonical(self.overrides),
                "metrics": m, "plan": self.plan.summary()}

    def marginal_values(self) -> pd.DataFrame:
        """Coverage with ``marginal_cost`` beside it; see :func:`marginal_values`."""
        return marginal_values(self)


def marginal_values(result: ScenarioResult) -> pd.DataFrame:
    """Coverage (``interval_start, required, scheduled, under, over, service_level``) with
    ``marginal_cost``: the LP relaxation's dual of each coverage row, i.e. the change in the
    roster objective (currency per planning horizon) if one more agent were required on the
    floor in that interval. It lies between ``-over_per_agent_interval`` (the interval is
    over-staffed anyway) and ``under_per_agent_interval`` (the extra agent would go uncovered);
    values near an interval's wage cost mark intervals where requirements bind. The duals are
    computed once and kept on ``result.duals``.
    """
    from staffing.roster import coverage_duals

    cov = result.plan.coverage
    if result.duals is None:
        req = result.requirements["agents_required"].astype(float)
        result.duals = coverage_duals(req, result.config.roster)
    out = cov.copy()
    if out.empty:
        out = result.requirements[["agents_required"]].rename(
            columns={"agents_required": "required"}).rename_axis(INDEX_NAME).reset_index()
    idx = pd.DatetimeIndex(out[INDEX_NAME])
    out["marginal_cost"] = result.duals.reindex(idx).to_numpy()
    return out


# ----------------------------------------------------------------------------- cache

class ScenarioCache:
    """Results, forecasts and loaded data keyed by content hash.

    In memory (at most ``max_results`` scenario results, least recently used dropped) and, when
    ``directory`` is given, as pickles ``scenario-<hash>.pkl`` / ``forecast-<hash>.pkl`` there.
    Only point ``directory`` at a folder you trust: pickles execute code when loaded.
    ``hits`` / ``misses`` count scenario-result look-ups.
    """

    def __init__(self, directory: str | Path | None = None, *, max_results: int = 64) -> None:
        self.directory = Path(directory) if directory is not None else None
        if self.directory is not None:
            self.directory.mkdir(parents=True, exist_ok=True)
        self.max_results = int(max_results)
        self._results: OrderedDict[str, ScenarioResult] = OrderedDict()
        self._forecasts: OrderedDict[str, Any] = OrderedDict()
        self._data: OrderedDict[str, Any] = OrderedDict()
        self._patience: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.RLock()
        self.hits = 0
        self.misses = 0

    def _path(self, kind: str, key: str) -> Path | None:
        return self.directory / f"{kind}-{key}.pkl" if self.directory is not None else None

    def _load(self, kind: str, key: str) -> Any:
        p = self._path(kind, key)
        if p is None or not p.is_file():
            return None
        try:
            with p.open("rb") as fh:
                return pickle.load(fh)  # noqa: S301 - local cache directory chosen by the user
        except Exception:  # noqa: BLE001 - a corrupt or stale cache entry is recomputed
            return None

    def _save(self, kind: str, key: str, obj: Any) -> None:
        p = self._path(kind, key)
        if p is None:
            return
        tmp = p.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        with tmp.open("wb") as fh:
            pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, p)

    def get(self, key: str) -> ScenarioResult | None:
        """The cached result of scenario hash ``key``, or None."""
        with self._lock:
            res = self._results.get(key)
            if res is None:
                res = self._load("scenario", key)
                if res is not None:
                    self._remember(key, res)
            else:
                self._results.move_to_end(key)
            if res is None:
                self.misses += 1
            else:
                self.hits += 1
            return res

    def _remember(self, key: str, res: ScenarioResult) -> None:
        self._results[key] = res
        self._results.move_to_end(key)
        while len(self._results) > self.max_results:
            self._results.popitem(last=False)

    def put(self, key: str, res: ScenarioResult) -> None:
        """Store a result under its hash."""
        with self._lock:
            self._remember(key, res)
            self._save("scenario", key, res)

    @staticmethod
    def _keep(store: OrderedDict[str, Any], key: str, value: Any, limit: int) -> Any:
        store[key] = value
        store.move_to_end(key)
        while len(store) > limit:
            store.popitem(last=False)
        return value

    def forecast(self, key: str, make: Callable[[], Any]) -> Any:
        """The forecast cached under ``key``, computed with ``make()`` on a miss (the last
        16 in memory)."""
        with self._lock:
            fc = self._forecasts.get(key)
            if fc is None:
                fc = self._load("forecast", key)
            if fc is None:
                fc = make()
                self._save("forecast", key, fc)
            return self._keep(self._forecasts, key, fc, 16)

    def data(self, key: str, make: Callable[[], Any]) -> Any:
        """Loaded data (memory only, the last 4 data sets)."""
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
            return self._keep(self._data, key, make(), 4)

    def patience(self, key: str, make: Callable[[], Any]) -> Any:
        """Fitted patience per data hash (memory only)."""
        with self._lock:
            if key in self._patience:
                return self._patience[key]
            return self._keep(self._patience, key, make(), 16)

    def clear(self) -> None:
        """Forget everything held in memory (files in ``directory`` stay)."""
        with self._lock:
            self._results.clear()
            self._forecasts.clear()
            self._data.clear()
            self._patience.clear()
            self.hits = self.misses = 0


default_cache = ScenarioCache()
"""The process-wide cache :func:`run_scenario` uses unless told otherwise."""


def _pick_cache(cache: ScenarioCache | bool | None) -> ScenarioCache | None:
    if cache is True:
        return default_cache
    if cache is False or cache is None:
        return None
    if not isinstance(cache, ScenarioCache):
        raise InputError("cache", type(cache).__name__, "a ScenarioCache, True or False")
    return cache


# ----------------------------------------------------------------------------- running

def adjust_forecast(frame: pd.DataFrame, overrides: Mapping[str, Any], tz: str) -> pd.DataFrame:
    """Apply ``volume_scale``, ``volume_by_day``, ``aht_scale`` and ``aht_delta_s`` (s) to a
    forecast frame (``calls``, ``calls_lower``, ``calls_upper``, ``aht_s``); a copy."""
    out = frame.copy()
    factor = np.full(len(out), float(overrides.get("volume_scale", 1.0)))
    by = overrides.get("volume_by_day")
    if by:
        local = out.index.tz_convert(tz)
        dates = np.asarray(local.date)
        dow = np.asarray(local.dayofweek)
        for k, f in by.items():
            kind, what = _day_key(f"volume_by_day.{k}", k)
            hit = dates == what if kind == "date" else np.isin(dow, what)
            factor = np.where(hit, factor * f, factor)
    for col in ("calls", "calls_lower", "calls_upper"):
        if col in out:
            out[col] = out[col].to_numpy(float) * factor
    if "aht_scale" in overrides or "aht_delta_s" in overrides:
        aht = out["aht_s"].to_numpy(float) * float(overrides.get("aht_scale", 1.0))
        aht = aht + float(overrides.get("aht_delta_s", 0.0))
        out["aht_s"] = np.where(np.isnan(aht), aht, np.maximum(aht, 1.0))
    out.attrs = dict(frame.attrs)
    return out


def _prepare(scenario: Scenario, store: ScenarioCache | None,
             stage: Callable[[str], Stage]) -> tuple[Any, Any, Any, Any, Any, pd.DataFrame]:
    """data, forecast, adjusted forecast, patience fit, goals, requirements of a scenario."""
    from staffing import pipeline as pl

    cfg = scenario.config
    with stage("data"):
        data = (store.data(scenario.data_key, lambda: pl.load_data(cfg))
                if store is not None else pl.load_data(cfg))
    with stage("forecast") as st:
        fc = (store.forecast(scenario.forecast_key, lambda: pl.run_forecast(cfg, data.history))
              if store is not None else pl.run_forecast(cfg, data.history))
        st.emit("progress", f"model {fc.model}")
        fc_adj = dataclasses.replace(fc, frame=adjust_forecast(fc.frame, scenario.overrides,
                                                               cfg.tz))
    patience = None
    with stage("requirements"):
        if cfg.patience_s == "fit":
            patience = (store.patience(scenario.data_key, lambda: pl.fit_patience_from(data))
                        if store is not None else pl.fit_patience_from(data))
        goals, req = pl.run_requirements(
            cfg, fc_adj.frame, patience.mean_patience_s if patience is not None else None)
    return data, fc, fc_adj, patience, goals, req


def scenario_requirements(scenario: Scenario, *,
                          cache: ScenarioCache | bool = True) -> pd.DataFrame:
    """The requirements frame of a scenario (forecast with its demand overrides, goals), without
    solving a roster: ``calls, aht_s, erlangs, agents_net, agents_required, ...`` per interval."""
    if not isinstance(scenario, Scenario):
        raise InputError("scenario", type(scenario).__name__, "a Scenario")
    timings: dict[str, float] = {}
    *_, req = _prepare(scenario, _pick_cache(cache), lambda n: Stage(n, None, timings))
    return req


def run_scenario(
    scenario: Scenario,
    *,
    cache: ScenarioCache | bool = True,
    duals: bool = False,
    progress: Callable[[Any], None] | None = None,
    cancel: threading.Event | None = None,
) -> ScenarioResult:
    """Run one scenario: data -> forecast (cached by its own hash) -> demand overrides ->
    requirements -> roster -> evaluation -> simulation (when enabled).

    Parameters
    ----------
    scenario:
        The :class:`Scenario`.
    cache:
        ``True`` (default): the process-wide :data:`default_cache`; a :class:`ScenarioCache`;
        ``False``: neither read nor write a cache.
    duals:
        Also compute the LP coverage duals (:func:`marginal_values`).
    progress:
        Called with :class:`staffing.pipeline.StageEvent` objects (stage start/done, solver
        progress) from the calling thread or the solver's thread.

    Returns
    -------
    ScenarioResult
        From the cache when a result with the same hash is there (the very same object for
        the in-memory cache); a roster without a solution is a status, not an exception.
    """
    from staffing import pipeline as pl
    from staffing.roster import solve_roster

    if not isinstance(scenario, Scenario):
        raise InputError("scenario", type(scenario).__name__, "a Scenario")
    store = _pick_cache(cache)
    if store is not None:
        hit = store.get(scenario.hash)
        if hit is not None:
            if duals and hit.duals is None:
                marginal_values(hit)
                store.put(scenario.hash, hit)
            if hit.name != scenario.name:  # same inputs under another label
                hit = dataclasses.replace(hit, name=scenario.name)
            return hit
    cfg = scenario.config
    ov = scenario.overrides
    t_start = time.perf_counter()
    timings: dict[str, float] = {}
    notes: list[str] = []

    def stage(name: str) -> Stage:
        return Stage(name, progress, timings)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", StaffingWarning)
        data, fc, fc_adj, patience, goals, req = _prepare(scenario, store, stage)
        frame = fc_adj.frame
        with stage("roster") as st:

            def on_solver(p: Any) -> None:
                gap = f"{p.gap:.2%}" if p.gap is not None else "n/a"
                obj = f"{p.objective:,.0f}" if p.objective is not None else "none"
                st.emit("progress", f"incumbent {obj}, gap {gap}")

            roster = solve_roster(req["agents_required"].astype(float), cfg.roster, cfg.solver,
                                  progress=on_solver if progress else None, cancel=cancel)
        evaluation = sim = None
        if roster.has_roster and not roster.coverage.empty:
            with stage("evaluate"):
                evaluation = pl.run_evaluation(goals, frame, roster, cfg.tz)
            if cfg.simulate and evaluation is not None:
                with stage("simulate"):
                    sim = pl.run_simulation(cfg, goals, frame, evaluation, data.handle_s)
                notes.extend(sim.notes)
        else:
            notes.append(f"roster status {roster.status.value}: no roster to evaluate"
                         + (f" ({roster.diagnosis})" if roster.diagnosis else ""))
    for w in caught:
        if issubclass(w.category, StaffingWarning):
            text = f"{w.category.__name__}: {w.message}"
            if text not in notes:
                notes.append(text)
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    notes.extend(n for n in fc.notes if n not in notes)
    plan = pl.PlanResult(config=cfg, data=pl.PlanData(data.history, None), forecast=fc_adj,
                         patience=patience, goals=goals, requirements=req, roster=roster,
                         evaluation=evaluation, simulation=sim, timings=timings, notes=notes)
    result = ScenarioResult(name=scenario.name, hash=scenario.hash,
                            overrides=dict(ov), plan=plan, forecast_key=scenario.forecast_key,
                            runtime_s=time.perf_counter() - t_start)
    if duals:
        marginal_values(result)
    if store is not None and roster.status.value != "cancelled":
        store.put(scenario.hash, result)
    return result


def run_scenarios(scenarios: Iterable[Scenario], *, cache: ScenarioCache | bool = True,
                  duals: bool = False,
                  progress: Callable[[str, Any], None] | None = None) -> list[ScenarioResult]:
    """Run several scenarios in order (sharing forecasts through the cache); ``progress`` gets
    the scenario name and each :class:`~staffing.pipeline.StageEvent`."""
    out = []
    for s in scenarios:
        cb = (lambda e, n=s.name: progress(n, e)) if progress is not None else None
        out.append(run_scenario(s, cache=cache, duals=duals, progress=cb))
    return out


def compare(items: Iterable[Scenario | ScenarioResult], *, cache: ScenarioCache | bool = True,
            long: bool = False) -> pd.DataFrame:
    """Compare scenarios (run as needed) in one tidy table, one row per scenario.

    Columns: ``scenario``, ``hash`` (first 12 hex digits), ``status``, ``calls`` (offered in
    the horizon), ``aht_s`` (call-weighted mean, s), ``required_agent_hours`` (sum of
    ``agents_required`` x interval hours), ``agent_hours`` (paid), ``cost`` (wages, currency),
    ``objective`` (wages + penalties), ``headcount`` and ``headcount_<template>`` (people),
    ``service_level`` (predicted weekly, fraction), ``simulated_service_level`` with
    ``_low``/``_high`` confidence bounds, ``asa_s`` / ``simulated_asa_s`` (s),
    ``abandon_rate`` / ``simulated_abandon_rate`` (fraction), ``occupancy``,
    ``intervals_under_goal`` (intervals with calls missing a goal), ``under_agent_intervals``,
    ``gap`` (relative MIP gap) and ``runtime_s`` (solver seconds). NaN where a stage did not
    run. With ``long=True``: columns ``scenario, metric, value`` instead.
    """
    rows = []
    for it in items:
        res = it if isinstance(it, ScenarioResult) else run_scenario(it, cache=cache)
        rows.append(res.metrics())
    if not rows:
        raise InputError("scenarios", [], "at least one scenario")
    table = pd.DataFrame(rows)
    heads = [c for c in table.columns if c.startswith("headcount_")]
    table[heads] = table[heads].fillna(0).astype(int)
    if long:
        return table.melt(id_vars=["scenario"], var_name="metric", value_name="value")
    return table


# ----------------------------------------------------------------------------- curve

def cost_service_curve(
    base: PlanConfig | Scenario,
    targets: Sequence[float] | None = None,
    *,
    headcount: Sequence[int] | None = None,
    template: str | None = None,
    overrides: Mapping[str, Any] | None = None,
    cache: ScenarioCache | bool = True,
    duals: bool = False,
) -> pd.DataFrame:
    """Roster cost against service: sweep the service-level target or a headcount cap.

    Parameters
    ----------
    base:
        Plan config (or a scenario whose overrides every point starts from).
    targets:
        Service-level targets (fractions, e.g. ``[0.7, 0.8, 0.9]``), each solved as the
        ``service_level`` override.
    headcount:
        Instead of ``targets``: caps (people) applied as ``max_headcount`` to ``template``, or to
        every template when ``template`` is None.
    overrides:
        Applied to every point (e.g. ``{"time_limit_s": 15}``).
    cache:
        As in :func:`run_scenario`.
    duals:
        Add ``marginal_cost_mean`` / ``marginal_cost_max`` (currency per agent-interval over
        intervals with calls) from the LP relaxation's coverage duals.

    Returns
    -------
    pandas.DataFrame
        One row per point, in the order given: ``sweep`` (``"service_level"`` or
        ``"max_headcount"``), ``target``, then the :func:`compare` columns, and
        ``cost_per_sl_point``: wage cost change per percentage point of weekly predicted service
        level from the previous point (NaN for the first point or when SL did not move).
        Points are solved to the config's ``mip_rel_gap``: costs of neighbouring points can be
        out of order by up to about the gap.
    """
    if (targets is None) == (headcount is None):
        raise InputError("targets", targets, "either service-level targets or headcount caps")
    start = base if isinstance(base, Scenario) else Scenario("base", base)
    common = {**start.overrides, **normalize_overrides(overrides, start.base)}
    names = [t.name for t in start.config.roster.templates]
    points: list[tuple[str, float, dict[str, Any]]] = []
    if targets is not None:
        if not isinstance(targets, Sequence) or not targets:
            raise InputError("targets", targets, "a non-empty list of service levels")
        for i, t in enumerate(targets):
            v = _number(f"targets[{i}]", t, "a fraction in (0, 1)", lo=0, hi=1, strict_lo=True)
            points.append(("service_level", v, {"service_level": v}))
    else:
        assert headcount is not None
        if not isinstance(headcount, Sequence) or not headcount:
            raise InputError("headcount", headcount, "a non-empty list of caps")
        if template is not None and template not in names:
            raise InputError("template", template, f"one of {names}")
        for i, cap in enumerate(headcount):
            c = _whole(f"headcount[{i}]", cap, 0)
            which = [template] if template is not None else names
            points.append(("max_headcount", float(c),
                           {"max_headcount": {**common.get("max_headcount", {}),
                                              **dict.fromkeys(which, c)}}))
    rows = []
    for sweep, target, ov in points:
        label = f"{sweep}={target:g}"
        sc = Scenario(label, start.base, {**common, **ov})
        res = run_scenario(sc, cache=cache, duals=duals)
        row = {"sweep": sweep, "target": target, **res.metrics()}
        if duals:
            mv = marginal_values(res)
            busy = res.requirements["calls"].reindex(pd.DatetimeIndex(mv[INDEX_NAME])) > 0
            d = mv.loc[busy.to_numpy(), "marginal_cost"]
            row["marginal_cost_mean"] = float(d.mean()) if len(d) else float("nan")
            row["marginal_cost_max"] = float(d.max()) if len(d) else float("nan")
        rows.append(row)
    table = pd.DataFrame(rows)
    d_cost = table["cost"].diff()
    d_pts = table["service_level"].diff() * 100.0
    with np.errstate(divide="ignore", invalid="ignore"):
        per = np.where(d_pts.abs() > 1e-9, d_cost / d_pts, np.nan)
    table["cost_per_sl_point"] = per
    return table


# ----------------------------------------------------------------------------- parsing

def _split_top(text: str, sep: str) -> list[str]:
    """Split on ``sep`` outside brackets, braces and quotes."""
    parts, depth, quote, cur = [], 0, "", []
    for ch in text:
        if quote:
            cur.append(ch)
            if ch == quote:
                quote = ""
            continue
        if ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return [p.strip() for p in parts if p.strip()]


def _value(text: str) -> Any:
    """A TOML value (number, bool, string, array, inline table) or the bare text."""
    t = text.strip()
    if t.lower() in ("none", "null"):
        return None
    try:
        return tomllib.loads(f"v = {t}")["v"]
    except tomllib.TOMLDecodeError:
        return t


def parse_scenario_spec(spec: str) -> tuple[str, dict[str, Any]]:
    """``"name:key=value,key=value"`` -> ``(name, overrides)``.

    Values are TOML (``1.1``, ``true``, ``"text"``, ``["early", "day"]``,
    ``{mon = 1.2}``); a bare word is a string and ``none`` removes an optional goal. Example:
    ``"busy:volume_scale=1.1,aht_delta_s=15,service_level=0.9"``. A spec without ``:`` and
    ``=`` is a scenario with no overrides.
    """
    if not isinstance(spec, str) or not spec.strip():
        raise InputError("scenario", spec, "'name:key=value,...'")
    name, sep, rest = spec.partition(":")
    if not sep:
        if "=" in spec:
            raise InputError("scenario", spec, "'name:key=value,...' (a name, then ':')")
        return spec.strip(), {}
    out: dict[str, Any] = {}
    for part in _split_top(rest, ","):
        key, eq, val = part.partition("=")
        if not eq or not key.strip():
            raise InputError("scenario", part, "key=value")
        out[key.strip()] = _value(val)
    if not name.strip():
        raise InputError("scenario", spec, "a scenario name before ':'")
    return name.strip(), out


def load_scenarios(path: str | Path, base: PlanConfig | None = None) -> list[Scenario]:
    """Scenarios from a TOML file (see ``data/scenarios.toml``)::

        config = "plan.toml"          # base plan (relative to this file); or pass base=
        [defaults]                    # optional overrides applied to every scenario
        time_limit_s = 20
        [[scenarios]]
        name = "volume +10%"
        volume_scale = 1.1

    Every ``[[scenarios]]`` table needs ``name``; its other keys are overrides.
    """
    p = Path(path)
    doc = read_toml(p, "scenarios")
    for key in doc:
        if key not in ("config", "defaults", "scenarios"):
            raise InputError(key, doc[key], "one of 'config', 'defaults', 'scenarios'")
    if base is None:
        if "config" not in doc:
            raise InputError("config", None, "a base plan config path (or pass base=)")
        cfg_path = Path(str(doc["config"]))
        if not cfg_path.is_absolute():
            cfg_path = p.resolve().parent / cfg_path
        base = PlanConfig.from_toml(cfg_path)
    defaults = doc.get("defaults", {})
    if not isinstance(defaults, Mapping):
        raise InputError("defaults", defaults, "a table of overrides")
    items = doc.get("scenarios")
    if not isinstance(items, list) or not items:
        raise InputError("scenarios", items, "a non-empty array of [[scenarios]] tables")
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, Mapping) or "name" not in item:
            raise InputError(f"scenarios[{i}].name", None, "a scenario name")
        ov = {k: v for k, v in item.items() if k != "name"}
        out.append(Scenario(str(item["name"]), base, {**dict(defaults), **ov}))
    return out
