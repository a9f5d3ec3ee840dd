"""`PlanConfig`: the weekly plan's settings from one TOML file (see ``data/plan.toml``).

Sections (all keys optional unless marked *required*)::

    [data]        path* (call log or interval history CSV, relative to the TOML file;
                  not needed when the data is passed in memory: ``from_dict(d, data=frame)``),
                  kind = "auto" | "call_log" | "history",
                  offered = "queue" | "system" (calls that reached the agent queue, or every
                  call at system entry incl. menu hang-ups; see staffing.io.calllog),
                  wrap_s = 0 (after-call work added to handle time, s, or "estimate" from the
                  call log's agent idle gaps)
    [site]        tz* (IANA zone), interval = "15min"
    [plan]        start* (first local day of the planning week, "YYYY-MM-DD"), days = 7
    [forecast]    models = [...], model, level = 0.8,
                  [forecast.backtest] horizon_days, folds, step_days, metric,
                  [forecast.special_days] exclude = [dates], scale = {date = factor},
                  override = {date = calls}, holidays = [dates] (closed: excluded from
                  fitting and forecast as zero)
    [goals]       service_level, answer_s, asa_s, max_occupancy, abandon_rate, shrinkage,
                  concurrency, max_agents, patience_s (seconds, or "fit" to estimate it from the
                  call log's abandonments; omit for Erlang C)
    [open_hours]  day ranges to "HH:MM-HH:MM", min_staff (agents, or a table per day range)
    [[templates]], [rules], [penalties]   shift templates and roster rules, exactly as in
                  ``data/roster_example.toml`` (read by :meth:`RosterConfig.from_dict`)
    [solver]      time_limit_s, mip_rel_gap, threads, objective, min_interval_service_level
    [simulation]  enabled = true, replications = 10, seed = 0,
                  handle_times = "empirical" | "exponential", confidence = 0.95
    [overflow]    an overflow partner (answering service, :mod:`staffing.overflow`):
                  price_per_call and/or price_per_minute (currency), capacity_calls_per_hour,
                  hours (day ranges to "HH:MM-HH:MM"; default always), service_level
                  (default goals.service_level), max_share = 1, share_step = 0.25,
                  weekly_fee = 0, enabled = true

Every bad value raises :class:`~staffing.exceptions.InputError` whose field is the TOML key path,
e.g. ``goals.service_level`` or ``solver.time_limit_s``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from staffing._validate import fraction, number, only_keys, whole
from staffing.exceptions import InputError
from staffing.forecast import COMBOS, BacktestConfig, SpecialDays, available_models
from staffing.forecast.options import KEYS, parse_extras
from staffing.grid import IntervalGrid
from staffing.hours import OpenHours
from staffing.io.files import check_text_file
from staffing.io.plandata import DataKind, PlanData, as_plan_data, read_plan_data
from staffing.io.toml import read_toml
from staffing.overflow import OverflowPartner, demand_hours
from staffing.requirements import ServiceGoals
from staffing.roster import BreakRule, RosterConfig, SolverOptions
from staffing.simulate import SimulationOptions

__all__ = ["ForecastOptions", "PlanConfig", "load_config"]

SECTIONS = ("data", "site", "plan", "forecast", "goals", "open_hours", "templates", "rules",
            "penalties", "solver", "simulation", "overflow")


@contextmanager
def _section(prefix: str) -> Iterator[None]:
    """Re-raise InputErrors from library constructors with the TOML key path as field."""
    try:
        yield
    except InputError as exc:
        if exc.field == prefix or exc.field.startswith(prefix + "."):
            raise
        raise InputError(f"{prefix}.{exc.field}", exc.value, exc.expected, exc.where) from exc


def _table(d: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    raw = d.get(name, {})
    if not isinstance(raw, Mapping):
        raise InputError(name, raw, "a table of settings")
    return raw




def _date(value: Any, key: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise InputError(key, value, "a date 'YYYY-MM-DD'") from exc


def _data_path(data: Mapping[str, Any], base: Path) -> Path:
    if "path" not in data:
        raise InputError("data.path", None, "a call log or history CSV path (required)")
    if not isinstance(data["path"], str) or not data["path"].strip():
        raise InputError("data.path", data["path"], "a file path string")
    path = Path(data["path"]).expanduser()
    if not path.is_absolute():
        path = (base / path).resolve()
    if not path.is_file():
        raise InputError("data.path", str(path), "an existing file")
    return path


def sniff_kind(path: Path, *, field: str = "data.path") -> DataKind:
    """``"call_log"`` or ``"history"`` from a CSV header line (Parquet files are histories).
    ``field`` names the input in errors (``data.path`` in a plan TOML)."""
    if path.suffix.lower() == ".parquet":
        return "history"
    check_text_file(path, "call-log or history CSV file", field=field)
    try:
        with path.open(encoding="utf-8", errors="replace") as fh:
            header = {c.strip().lower() for c in fh.readline().split(",")}
    except OSError as exc:
        raise InputError(field, str(path), "a readable CSV file") from exc
    if "interval_start" in header:
        return "history"
    if {"vru_entry", "q_time"} <= header or {"arrival", "wait_s"} <= header:
        return "call_log"
    raise InputError("data.kind" if field == "data.path" else field, "auto" if
                     field == "data.path" else str(path),
                     "a call log or an interval history (the header matches neither layout: "
                     "interval_start,calls,... or arrival,wait_s,outcome,handle_s)")


@dataclass(frozen=True)
class ForecastOptions:
    """Keyword arguments of :func:`staffing.forecast.forecast` (see there for meanings)."""

    models: tuple[str, ...] | None = None
    model: str | None = None
    level: float = 0.8
    backtest: BacktestConfig | None = None
    special_days: SpecialDays | None = None
    extras: Mapping[str, Any] = field(default_factory=dict)  # calendar, checks, params

    def kwargs(self) -> dict[str, Any]:
        """The options as keyword arguments."""
        return {
            "models": list(self.models) if self.models is not None else None,
            "model": self.model,
            "level": self.level,
            "backtest": self.backtest,
            "special_days": self.special_days,
            **self.extras,
        }


@dataclass(frozen=True)
class PlanConfig:
    """Validated settings of one weekly plan (build with :meth:`from_toml` / :meth:`from_dict`).

    Attributes
    ----------
    data_path:
        Absolute path of the call log or interval history; None when the data is in memory.
    data_kind:
        ``"call_log"`` (one row per call) or ``"history"`` (one row per interval).
    tz:
        Site IANA zone.
    freq:
        Interval length of the plan.
    start:
        First local day of the planning week.
    days:
        Days planned (7 for a week).
    forecast:
        Forecast options.
    goals:
        ``[goals]`` as validated keyword arguments of :class:`ServiceGoals`, without
        ``patience_s``; see :meth:`service_goals`.
    patience_s:
        Mean patience in seconds, ``"fit"`` (estimated from the call log) or None (Erlang C).
    open_hours:
        Opening hours with minimum staff, or None (always open, no floor).
    roster:
        Templates, rules, penalties and open hours of the roster.
    solver:
        HiGHS options.
    simulate:
        Run the simulation stage.
    simulation:
        Simulation options.
    source:
        The TOML file read (None when built from a dict).
    raw:
        The parsed mapping, for reference and content hashing.
    data:
        The data in memory (:class:`~staffing.io.PlanData`) when it was given as an object
        rather than a path (``from_dict(d, data=...)``, :meth:`with_data`); None otherwise.
    offered:
        Demand definition of a call log: ``"queue"`` (calls that reached the agent queue, at
        queue entry; the default) or ``"system"`` (every call at system entry).
    wrap_s:
        After-call work (s) added to every served call's handle time, or ``"estimate"``.
    overflow:
        The ``[overflow]`` partner (:class:`~staffing.overflow.OverflowPartner`), or None.
    """

    data_path: Path | None
    data_kind: DataKind
    tz: str
    freq: pd.Timedelta
    start: dt.date
    days: int
    forecast: ForecastOptions
    goals: Mapping[str, Any]
    patience_s: float | Literal["fit"] | None
    open_hours: OpenHours | None
    roster: RosterConfig
    solver: SolverOptions
    simulate: bool
    simulation: SimulationOptions
    source: Path | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)
    data: PlanData | None = field(default=None, repr=False)
    offered: Literal["queue", "system"] = "queue"
    wrap_s: float | Literal["estimate"] = 0.0
    overflow: OverflowPartner | None = None

    @property
    def demand_hours(self) -> OpenHours | None:
        """Hours calls are answered in and forecast for: ``[open_hours]`` joined with the
        overflow partner's hours (the centre's own floors stay in ``roster.open_hours``)."""
        return demand_hours(self.open_hours, self.overflow)

    @property
    def grid(self) -> IntervalGrid:
        """The site's interval grid."""
        return IntervalGrid(self.tz, self.freq)

    @property
    def index(self) -> pd.DatetimeIndex:
        """Interval starts of the planning horizon."""
        return self.grid.range(self.start, self.days)

    @property
    def data_label(self) -> str:
        """The data file's path, or what the in-memory data is (for summaries)."""
        if self.data is not None:
            return self.data.source
        return str(self.data_path)

    def with_data(self, data: object) -> PlanConfig:
        """This config with its data given in memory: an interval history ``DataFrame``, a
        :class:`~staffing.io.CallLog` or a :class:`~staffing.io.PlanData` (validated on the
        site's grid; InputError field ``data``)."""
        loaded = as_plan_data(data, self.grid)
        if self.patience_s == "fit" and loaded.call_log is None:
            raise InputError("goals.patience_s", "fit",
                             "a number of seconds (fitting patience needs a call log)")
        return replace(self, data=loaded, data_path=None, data_kind=loaded.kind)

    def load_data(self) -> PlanData:
        """The plan's data: the in-memory data, else the file read onto the site's grid
        (an interval history's missing intervals give a MissingDataWarning), under the
        demand definitions ``offered`` and ``wrap_s``."""
        from staffing.io.plandata import with_demand

        if self.data is not None:
            self.data.warn_gaps()
            base = self.data
        else:
            assert self.data_path is not None
            base = read_plan_data(self.data_path, self.data_kind, self.grid)
        return with_demand(base, self.grid, offered=self.offered, wrap_s=self.wrap_s)

    def service_goals(self, patience_s: float | None = None) -> ServiceGoals:
        """The :class:`~staffing.requirements.ServiceGoals`; ``patience_s`` (s) is used when the
        config says ``"fit"`` and ignored otherwise."""
        pat = patience_s if self.patience_s == "fit" else self.patience_s
        with _section("goals"):
            return ServiceGoals(**dict(self.goals), patience_s=pat)

    @classmethod
    def from_toml(cls, path: str | Path) -> PlanConfig:
        """Read a plan TOML file; relative paths resolve against its directory."""
        p = Path(path)
        data = read_toml(p, "config")
        return cls.from_dict(data, base_dir=p.resolve().parent, source=p.resolve())

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], *, base_dir: str | Path | None = None,
                  source: Path | None = None, data: object = None) -> PlanConfig:
        """Build from a parsed mapping; ``base_dir`` anchors relative paths (default cwd).

        ``data`` passes the plan's data in memory instead of ``[data] path``: an interval
        history ``DataFrame``, a :class:`~staffing.io.CallLog` or a
        :class:`~staffing.io.PlanData` (validated here on the ``[site]`` grid; a bad row raises
        InputError naming the line). ``[data]`` may then hold ``kind`` only.
        """
        if not isinstance(d, Mapping):
            raise InputError("config", d, "a table of sections")
        for key in d:
            if key in ("queues", "groups"):
                raise InputError(str(key), "[[queues]]" if key == "queues" else "[[groups]]",
                                 "a single-queue plan here: a config with [[queues]] is a "
                                 "multi-queue plan (staffing queues, "
                                 "staffing.queues.MultiQueueConfig)")
            if key not in SECTIONS:
                import difflib

                close = difflib.get_close_matches(str(key), list(SECTIONS), n=1)
                hint = f"did you mean [{close[0]}]? " if close else ""
                raise InputError(str(key), d[key],
                                 f"{hint}one of the sections {list(SECTIONS)}")
        base = Path(base_dir) if base_dir is not None else Path.cwd()

        # [data]
        data_t = _table(d, "data")
        only_keys(data_t, "data", {"path", "kind", "offered", "wrap_s"})
        kind = data_t.get("kind", "auto")
        if kind not in ("auto", "call_log", "history"):
            raise InputError("data.kind", kind, "'auto', 'call_log' or 'history'")
        data_path: Path | None = None
        if data is not None:
            if "path" in data_t:
                raise InputError("data.path", data_t["path"],
                                 "no path when the data is given in memory")
        else:
            data_path = _data_path(data_t, base)
        data_kind: DataKind = (sniff_kind(data_path) if data_path is not None and kind == "auto"
                               else "history" if kind == "auto" else kind)
        offered = data_t.get("offered", "queue")
        if offered not in ("queue", "system"):
            raise InputError("data.offered", offered,
                             "'queue' (calls that reached the agent queue) or 'system' (every "
                             "call at system entry, menu hang-ups included)")
        wrap_s = data_t.get("wrap_s", 0.0)
        if wrap_s != "estimate":
            try:
                wrap_s = number("data.wrap_s", wrap_s, lo=0, unit="s")
            except InputError as exc:
                raise InputError(exc.field, exc.value, f'{exc.expected} or "estimate"') from exc

        # [site]
        site = _table(d, "site")
        only_keys(site, "site", {"tz", "interval"})
        if "tz" not in site:
            raise InputError("site.tz", None, "an IANA time zone such as 'Asia/Jerusalem' "
                             "(required)")
        with _section("site"):
            grid = IntervalGrid.of(site["tz"], site.get("interval", "15min"))
        loaded: PlanData | None = None
        if data is not None:
            loaded = as_plan_data(data, grid)
            if kind != "auto" and kind != loaded.kind:
                raise InputError("data.kind", kind, f"'{loaded.kind}' (the data given)")
            data_kind = loaded.kind
        if wrap_s == "estimate" and data_kind != "call_log":
            raise InputError("data.wrap_s", wrap_s, "a number of seconds (estimating "
                             "after-call work needs a call log)")

        # [plan]
        plan = _table(d, "plan")
        only_keys(plan, "plan", {"start", "days"})
        if "start" not in plan:
            raise InputError("plan.start", None, "the first day of the planning week "
                             "'YYYY-MM-DD' (required)")
        start = _date(plan["start"], "plan.start")
        days = whole("plan.days", plan.get("days", 7), lo=1)
        if days > 28:
            raise InputError("plan.days", days, "at most 28 days")

        forecast = _forecast_options(_table(d, "forecast"))

        # [goals]
        goals = dict(_table(d, "goals"))
        only_keys(goals, "goals", set(ServiceGoals.__dataclass_fields__))
        patience = goals.pop("patience_s", None)
        if patience is not None and patience != "fit":
            try:
                patience = number("goals.patience_s", patience, lo=0, lo_open=True, unit="s")
            except InputError as exc:
                raise InputError(exc.field, exc.value, f'{exc.expected} or "fit"') from exc
        if patience == "fit" and data_kind != "call_log":
            raise InputError("goals.patience_s", "fit",
                             "a number of seconds (fitting patience needs a call log)")

        # [open_hours]
        open_hours = None
        if "open_hours" in d:
            open_hours = _open_hours(d["open_hours"])

        # roster: [[templates]], [rules], [penalties]
        if "templates" not in d:
            raise InputError("templates", None, "at least one [[templates]] table (required)")
        roster_raw = {k: d[k] for k in ("templates", "rules", "penalties", "open_hours")
                      if k in d}
        try:
            roster = RosterConfig.from_dict(roster_raw)
        except InputError as exc:
            raise _locate_break_error(exc, d["templates"]) from exc

        solver_raw = _table(d, "solver")
        only_keys(solver_raw, "solver", {"time_limit_s", "mip_rel_gap", "threads", "objective",
                                         "min_interval_service_level"})
        with _section("solver"):
            solver = SolverOptions(**dict(solver_raw))

        sim = dict(_table(d, "simulation"))
        only_keys(sim, "simulation", {"enabled", "replications", "seed", "handle_times",
                                  "confidence"})
        enabled = sim.pop("enabled", True)
        if not isinstance(enabled, bool):
            raise InputError("simulation.enabled", enabled, "true or false")
        with _section("simulation"):
            simulation = SimulationOptions(**sim)

        overflow = None
        if "overflow" in d:
            overflow = OverflowPartner.from_table(d["overflow"])

        cfg = cls(
            data_path=data_path, data_kind=data_kind, tz=grid.tz, freq=grid.freq, start=start,
            days=days, forecast=forecast, goals=goals, patience_s=patience,
            open_hours=open_hours, roster=roster, solver=solver, simulate=enabled,
            simulation=simulation, source=source, raw=dict(d), data=loaded, offered=offered,
            wrap_s=wrap_s, overflow=overflow,
        )
        cfg.service_goals(1.0 if patience == "fit" else None)  # validate [goals] now
        return cfg


def _locate_break_error(exc: InputError, templates: Any) -> InputError:
    """Break-rule errors come back as ``breaks.<key>``; name the template they belong to."""
    if not exc.field.startswith("breaks.") or not isinstance(templates, list):
        return exc
    for i, t in enumerate(templates):
        if not isinstance(t, Mapping):
            continue
        for b in t.get("breaks", []) or []:
            try:
                BreakRule(**b)
            except (InputError, TypeError):
                name = t.get("name", f"templates[{i}]")
                return InputError(f"templates.{name}.{exc.field}", exc.value, exc.expected,
                                  exc.where)
    return exc


def _open_hours(raw: Any) -> OpenHours:
    with _section("open_hours"):
        return OpenHours.from_table(raw)


def _forecast_options(f: Mapping[str, Any]) -> ForecastOptions:
    only_keys(f, "forecast", {"models", "model", "level", "backtest", "special_days", *KEYS})
    known = available_models()
    models = f.get("models")
    if models is not None:
        if not isinstance(models, list) or not models or not all(
                isinstance(m, str) for m in models):
            raise InputError("forecast.models", models, f"a non-empty list from {known}")
        for m in models:
            if m not in known:
                raise InputError("forecast.models", m, f"one of {known}")
        models = tuple(models)
    model = f.get("model")
    if model is not None and model not in [*known, *COMBOS]:
        raise InputError("forecast.model", model, f"one of {[*known, *COMBOS]}")
    level = fraction("forecast.level", f.get("level", 0.8), low_open=True, high_open=True)
    bt = f.get("backtest", {})
    if not isinstance(bt, Mapping):
        raise InputError("forecast.backtest", bt, "a table of backtest settings")
    only_keys(bt, "forecast.backtest", set(BacktestConfig.__dataclass_fields__))
    with _section("forecast"):
        backtest = BacktestConfig(**dict(bt))
    sd = f.get("special_days", {})
    if not isinstance(sd, Mapping):
        raise InputError("forecast.special_days", sd, "a table with exclude, scale, override")
    only_keys(sd, "forecast.special_days", {"exclude", "scale", "override", "holidays"})
    with _section("forecast"):
        exclude = sd.get("exclude", [])
        scale = sd.get("scale", {})
        override = sd.get("override", {})
        if not isinstance(exclude, list):
            raise InputError("special_days.exclude", exclude, "a list of dates")
        if not isinstance(scale, Mapping):
            raise InputError("special_days.scale", scale, "a table of date = factor")
        if not isinstance(override, Mapping):
            raise InputError("special_days.override", override, "a table of date = calls")
        holidays = sd.get("holidays", [])
        if not isinstance(holidays, list):
            raise InputError("special_days.holidays", holidays, "a list of dates")
        special = SpecialDays(exclude=frozenset(exclude) | frozenset(holidays),
                              scale={**dict(scale), **dict.fromkeys(holidays, 0.0)},
                              override=dict(override))
    return ForecastOptions(models=models, model=model, level=level, backtest=backtest,
                           special_days=special, extras=parse_extras(f))


def load_config(path: str | Path) -> PlanConfig:
    """Shorthand for :meth:`PlanConfig.from_toml`."""
    return PlanConfig.from_toml(path)
