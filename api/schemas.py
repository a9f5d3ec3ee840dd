"""Request and response models of the HTTP API (pydantic v2).

They are deliberately separate from the library's dataclasses: the wire format is stable and
documented in the OpenAPI schema, and :mod:`api.convert` turns ``*Create`` models into domain
objects (whose own validation raises ``InputError`` -> 422 naming the field). ``*Public``
models are what the API returns.

Units follow the library: seconds in ``*_s``, minutes in ``*_min``, hours in ``*_hours``,
fractions in [0, 1], timestamps ISO 8601 (with a UTC offset, or naive local times in ``tz``).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


def finite_tree(value: Any, path: str = "") -> Any:
    """Check a free-form JSON table: every number finite (no NaN/Infinity); raises
    ``ValueError`` naming the key path."""
    stack = [(value, path)]
    while stack:
        item, at = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            raise ValueError(f"{at or 'value'}: numbers must be finite, got {item}")
        if isinstance(item, dict):
            stack.extend((v, f"{at}.{k}" if at else str(k)) for k, v in item.items())
        elif isinstance(item, list):
            stack.extend((v, f"{at}[{i}]") for i, v in enumerate(item))
    return value


# ----------------------------------------------------------------------------- shared pieces
class HistoryRow(_In):
    """One interval of history: offered calls and, optionally, handle time."""

    interval_start: str = Field(max_length=40, examples=["1999-02-01T08:00:00+02:00"])
    calls: float = Field(ge=0, description="Calls offered in the interval")
    aht_s: float | None = Field(default=None, ge=0, description="Mean handle time, seconds")
    abandoned: float | None = Field(default=None, ge=0)


class ForecastRow(_In):
    """Forecast volume of one interval (input of requirements)."""

    interval_start: str = Field(max_length=40, examples=["1999-03-01T08:00:00+02:00"])
    calls: float = Field(ge=0, description="Calls offered in the interval")
    aht_s: float | None = Field(default=None, ge=0, description="Mean handle time, seconds")


class OpenHoursIn(_In):
    """Opening hours: day ranges to ``"HH:MM-HH:MM"`` (closed days omitted) and the minimum
    agents on duty in every open interval (an int, or a table per day range)."""

    model_config = ConfigDict(extra="allow",
                              json_schema_extra={"examples": [
                                  {"sun-thu": "07:00-24:00", "fri": "07:00-14:00",
                                   "min_staff": 1}]})

    min_staff: int | dict[str, int] = Field(default=0)

    def spec(self) -> dict[str, str]:
        """The day-range windows."""
        return {str(k): str(v) for k, v in (self.model_extra or {}).items()}


class GoalsIn(_In):
    """Service goals (see ``staffing.requirements.ServiceGoals``)."""

    service_level: float | None = Field(default=0.8,
                                        description="Fraction answered within answer_s")
    answer_s: float = Field(default=20.0, description="Service-level threshold, seconds")
    asa_s: float | None = Field(default=None, description="Maximum average speed of answer, s")
    max_occupancy: float | None = Field(default=None, description="Maximum occupancy, fraction")
    abandon_rate: float | None = Field(default=None, description="Maximum abandon fraction "
                                       "(needs patience_s)")
    patience_s: float | None = Field(default=None,
                                     description="Mean patience, s (Erlang A when set)")
    shrinkage: float = Field(default=0.0, description="Fraction of paid time off the phone")
    concurrency: int = Field(default=1, description="Sessions per agent")
    max_agents: int | None = Field(default=None, description="Cap on agents per interval")


class Problem(BaseModel):
    """Error body of every 4xx/5xx response."""

    detail: Any = Field(description="What went wrong (text, or a list of validation errors)")
    field: str | None = Field(default=None, description="The request field at fault, when known")
    expected: str | None = None


# ----------------------------------------------------------------------------- forecasts
class ForecastCreate(_In):
    """Forecast from an interval history in the body."""

    tz: str = Field(min_length=1, max_length=64, examples=["Asia/Jerusalem"])
    freq: str | None = Field(default=None, max_length=16,
                             description="Interval length, e.g. '15min' (inferred when omitted)")
    history: list[HistoryRow] = Field(min_length=1, max_length=200_000)
    start: dt.date | None = Field(default=None, description="First forecast day (local); "
                                  "default the day after the history")
    days: int = Field(default=7, ge=1, le=28)
    level: float = Field(default=0.8, gt=0, lt=1, description="Coverage of calls_lower/calls_upper")
    model: str | None = Field(default=None, max_length=40, description="Force this model")
    models: list[str] | None = Field(default=None, max_length=10, description="Candidate models")
    open_hours: OpenHoursIn | None = None


class ForecastParams(_In):
    """Form fields of the multipart variant (the CSV goes in the ``history`` file part)."""

    tz: str = Field(min_length=1, max_length=64)
    freq: str | None = Field(default=None, max_length=16)
    start: dt.date | None = None
    days: int = Field(default=7, ge=1, le=28)
    level: float = Field(default=0.8, gt=0, lt=1)
    model: str | None = Field(default=None, max_length=40)


class ForecastInterval(BaseModel):
    """Forecast of one interval."""

    interval_start: str
    calls: float
    calls_lower: float
    calls_upper: float
    aht_s: float | None


class ForecastPublic(BaseModel):
    """Forecast result: the chosen model, its backtest and the intervals."""

    model: str
    summary: dict[str, Any]
    intervals: list[ForecastInterval]
    notes: list[str] = []


# ----------------------------------------------------------------------------- requirements
class RequirementsCreate(_In):
    """Forecast volume per interval plus goals -> agents required per interval."""

    tz: str = Field(min_length=1, max_length=64, examples=["Asia/Jerusalem"])
    freq: str | None = Field(default=None, max_length=16,
                             description="Interval length, e.g. '15min'")
    forecast: list[ForecastRow] = Field(min_length=1, max_length=200_000)
    goals: GoalsIn = Field(default_factory=GoalsIn)
    open_hours: OpenHoursIn | None = None


class RequirementInterval(BaseModel):
    """Requirement of one interval (the requirements contract)."""

    interval_start: str
    calls: float
    aht_s: float | None
    erlangs: float
    agents_net: int
    agents_required: int
    service_level: float
    asa_s: float | None
    occupancy: float
    abandon_rate: float | None = None


class RequirementsPublic(BaseModel):
    """Requirements per interval and totals."""

    intervals: list[RequirementInterval]
    summary: dict[str, Any]


# ----------------------------------------------------------------------------- roster jobs
class BreakIn(_In):
    """A break inside a shift (minutes after the shift start)."""

    name: str = Field(default="break", max_length=40)
    duration_min: int
    earliest_offset_min: int
    latest_offset_min: int
    min_gap_min: int = 0
    paid: bool = False


class TemplateIn(_In):
    """A shift template (see ``data/roster_example.toml``)."""

    name: str = Field(min_length=1, max_length=40)
    start_earliest: str = Field(max_length=5, examples=["07:00"])
    start_latest: str = Field(max_length=5, examples=["09:00"])
    start_step_min: int = 30
    paid_hours: float | list[float] = Field(default=8.0, description="Hours, or [min, max]")
    days: list[str | int] | str | None = Field(default=None, examples=[["sun-thu"]])
    cost_per_hour: float = 1.0
    part_time: bool = False
    max_headcount: int | None = None
    breaks: list[BreakIn] = Field(default_factory=list, max_length=8)
    length_step_min: int = 60
    workdays: int | None = None
    before_open_min: int = 0
    after_close_min: int = 0


class RulesIn(_In):
    """Weekly rules of a person's week (tour)."""

    workdays: int = 5
    consecutive_days_off: int = 2
    start_band_minutes: int | None = None
    min_weekly_hours: float = 0.0
    max_weekly_hours: float = 168.0
    part_time_share_max: float = 1.0
    within_open_hours: bool = True


class PenaltiesIn(_In):
    """Soft-coverage penalties: currency per agent-hour (``*_per_agent_hour``, the same cost on
    any grid) or, the older form, per agent-interval of the request's grid; one form per side.
    Neither given: 400 and 4 per agent-hour."""

    under_per_agent_hour: float | None = None
    over_per_agent_hour: float | None = None
    under_per_agent_interval: float | None = None
    over_per_agent_interval: float | None = None


class RosterConfigIn(_In):
    """Templates, rules, penalties and opening hours (the roster TOML as JSON)."""

    templates: list[TemplateIn] = Field(min_length=1, max_length=50)
    rules: RulesIn = Field(default_factory=RulesIn)
    penalties: PenaltiesIn = Field(default_factory=PenaltiesIn)
    open_hours: OpenHoursIn | None = None


class SolverIn(_In):
    """HiGHS options; ``time_limit_s`` is capped by the server's ``max_solve_s``.
    ``objective = "service"`` minimises wages so the weekly volume-weighted service level
    meets ``goals.service_level`` (needs ``calls`` and ``aht_s`` in every ``required`` row),
    with no interval below ``min_interval_service_level``."""

    time_limit_s: float | None = Field(default=None, gt=0, description="Seconds (server default "
                                       "when omitted)")
    mip_rel_gap: float = Field(default=1e-4, ge=0, le=1)
    threads: int | None = Field(default=None, ge=1, le=64)
    objective: Literal["requirements", "service"] = Field(
        default="requirements", description="Cover the requirement (soft, penalties) or meet "
        "the weekly service level at least wages")
    min_interval_service_level: float | None = Field(
        default=None, ge=0, le=1, description="Service objective: lowest service level "
        "(fraction) of any staffable interval with calls")


class OverflowIn(_In):
    """An overflow partner (answering service), the ``[overflow]`` plan section: the model
    decides per interval how many calls to send out (shares in steps of ``share_step`` or
    the capacity); its fees are in the objective. Needs ``calls`` and ``aht_s`` per row."""

    enabled: bool = True
    price_per_call: float | None = Field(default=None, description="Currency per call sent")
    price_per_minute: float | None = Field(default=None,
                                           description="Currency per handled minute")
    capacity_calls_per_hour: float | None = Field(default=None,
                                                  description="Most calls per hour it takes")
    hours: dict[str, str] | None = Field(default=None, max_length=14,
                                         description="Day ranges to 'HH:MM-HH:MM' it answers "
                                         "in (default always)",
                                         examples=[{"fri": "14:00-16:00"}])
    service_level: float | None = Field(default=None, description="Fraction of the calls it "
                                        "gets answered within answer_s (default the goal)")
    max_share: float = Field(default=1.0, description="Largest share of an interval's calls")
    share_step: float = Field(default=0.25, description="Step of the shares it chooses from")
    weekly_fee: float = Field(default=0.0, description="Fixed currency per week when used")

    def table(self) -> dict[str, Any]:
        """The ``[overflow]`` TOML table (keys left out when not given)."""
        return self.model_dump(exclude_none=True)


class RequiredRow(_In):
    """Agents required on the floor in one interval (and, for the service objective or an
    overflow partner, the calls offered and their handle time)."""

    interval_start: str = Field(max_length=40, examples=["2024-03-04T08:00:00+01:00"])
    required: float = Field(ge=0, le=100_000)
    calls: float | None = Field(default=None, ge=0, le=10_000_000,
                                description="Calls offered (service objective, overflow)")
    aht_s: float | None = Field(default=None, gt=0, le=86_400,
                                description="Mean handle time, s (service objective, overflow)")


class RosterJobCreate(_In):
    """A weekly roster to solve for a requirement profile (whole local days)."""

    tz: str = Field(min_length=1, max_length=64, examples=["Europe/Berlin"])
    required: list[RequiredRow] = Field(min_length=1, max_length=50_000)
    config: RosterConfigIn
    solver: SolverIn = Field(default_factory=SolverIn)
    goals: GoalsIn | None = Field(default=None, description="Service goals of the service "
                                  "objective and the overflow partner (default 80/20)")
    overflow: OverflowIn | None = None


class Progress(BaseModel):
    """Latest solver (or plan stage) progress."""

    incumbent: float | None = Field(default=None, description="Best objective found (currency)")
    bound: float | None = Field(default=None, description="Dual bound (currency)")
    gap: float | None = Field(default=None, description="Relative gap")
    elapsed_s: float | None = Field(default=None, description="Seconds since the job started")
    stage: str | None = Field(default=None, description="Plan stage (plans only)")
    detail: str | None = None


class JobError(BaseModel):
    """Why a job failed."""

    detail: str
    field: str | None = None


class JobPublic(BaseModel):
    """A roster or plan job."""

    id: str
    kind: Literal["roster", "plan", "scenarios", "agents", "sites"]
    status: Literal["queued", "running", "done", "failed", "cancelled"]
    created_at: dt.datetime
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    time_limit_s: float
    cancel_requested: bool = False
    progress: Progress | None = None
    result: dict[str, Any] | None = Field(default=None, description="Summary (status, objective, "
                                          "bound, gap, runtime_s, ...) once finished")
    error: JobError | None = None
    notes: list[str] = []
    links: dict[str, str] = {}


class JobPage(BaseModel):
    """One page of jobs of a kind, newest first."""

    items: list[JobPublic]
    total: int = Field(description="Jobs of this kind (and status, when filtered)")
    limit: int
    offset: int
    next: str | None = Field(default=None, description="URL of the next page, if any")


# ----------------------------------------------------------------------------- plans
class PlanData(_In):
    """Plan input data: an interval history CSV or a call log CSV, as text."""

    filename: str = Field(default="history.csv", max_length=100)
    csv: str = Field(min_length=1, description="CSV text (interval history or call log)")


class PlanCreate(_In):
    """Whole weekly pipeline: the plan TOML sections as JSON (without ``data.path``) plus the
    data, either as ``history`` rows or as CSV text in ``data``."""

    config: dict[str, Any] = Field(description="Sections of data/plan.toml: site, plan, "
                                   "forecast, goals, open_hours, templates, rules, penalties, "
                                   "solver (objective, min_interval_service_level, ...), "
                                   "simulation, overflow (see data/overflow.toml)")
    history: list[HistoryRow] | None = Field(default=None, max_length=200_000)
    data: PlanData | None = None

    @field_validator("config")
    @classmethod
    def _finite_config(cls, v: dict[str, Any]) -> dict[str, Any]:
        return finite_tree(v)


class Health(BaseModel):
    """Liveness and readiness."""

    status: Literal["ok", "degraded"]
    database: bool
    workers: int
    queued: int
    running: int
    version: str


# ----------------------------------------------------------------------------- scenarios
MAX_SCENARIO_SOLVES = 12


class ScenarioIn(_In):
    """One what-if: a name and overrides of the base plan (``staffing.scenario``)."""

    name: str = Field(min_length=1, max_length=100)
    overrides: dict[str, Any] = Field(
        default_factory=dict,
        description="volume_scale, volume_by_day, aht_scale, aht_delta_s (s), service_level, "
                    "answer_s (s), asa_s (s), max_occupancy, abandon_rate, patience_s, "
                    "shrinkage, concurrency, max_agents, open_hours, min_staff, templates, "
                    "max_headcount, rules, mip_rel_gap, threads, simulate",
        examples=[{"volume_scale": 1.1}, {"service_level": 0.9, "answer_s": 15}])

    @field_validator("overrides")
    @classmethod
    def _finite_overrides(cls, v: dict[str, Any]) -> dict[str, Any]:
        return finite_tree(v)


class ScenariosCreate(PlanCreate):
    """A plan (``config`` + data, as ``POST /v1/plans``) and the scenarios to compare."""

    scenarios: list[ScenarioIn] = Field(default_factory=list, max_length=MAX_SCENARIO_SOLVES,
                                        description="At least one, unless extension is set")
    include_base: bool = Field(True, description="Add the unchanged plan as scenario 'base' "
                               "(unless a scenario has no overrides or is named 'base').")
    curve: list[float] | None = Field(
        None, max_length=MAX_SCENARIO_SOLVES,
        description="Service-level targets (fractions) of a cost-vs-service curve")
    extension: bool = Field(False, description="Also compare base hours, the open hours "
                            "extended by [overflow] hours in-house, and that extension "
                            "outsourced to the [overflow] partner (staffing.scenario."
                            "extension); files extension.csv, extension_days.csv")

    @model_validator(mode="after")
    def _something_to_run(self) -> ScenariosCreate:
        if not self.scenarios and not self.extension:
            raise ValueError("at least one scenario (or extension: true)")
        return self

    @field_validator("scenarios")
    @classmethod
    def _distinct(cls, v: list[ScenarioIn]) -> list[ScenarioIn]:
        names = [s.name for s in v]
        if len(set(names)) != len(names):
            raise ValueError("scenario names must be distinct")
        return v


# ----------------------------------------------------------------------------- agents
class CsvText(_In):
    """An uploaded CSV file as text, with the client's file name (used in error messages)."""

    filename: str = Field(default="file.csv", max_length=100)
    csv: str = Field(min_length=1, description="CSV text")


class AgentsCreate(_In):
    """A schedule for named agents (``staffing.agents.schedule_agents``).

    ``config``: the plan TOML sections as JSON (``[site]`` tz and interval, ``[[templates]]``,
    ``[solver]`` time_limit_s / mip_rel_gap; with ``data`` also the forecast and goals
    sections, ``[data] path`` not allowed). ``contracts``: the contracts TOML as JSON
    (``[contracts.NAME]``, ``[weekend]``, ``[penalties]``, ``[[activities]]``). The horizon
    comes from ``requirements`` (``interval_start, agents_required``, whole local days, 1 to
    42 days) or, with ``data`` (history or call log CSV), from forecasting the plan's week.
    ``previous``: published shifts before the horizon (rest and runs continue); ``published``:
    the published schedule of this horizon (re-plan: changes are penalised and listed).
    """

    config: dict[str, Any] = Field(description="Sections of data/plan.toml")
    contracts: dict[str, Any] = Field(description="Sections of data/agents_contracts.toml")
    agents: CsvText = Field(description="Agents CSV (data/agents.csv layout)")
    requirements: CsvText | None = Field(default=None, description="requirements.csv: "
                                         "interval_start, agents_required")
    data: CsvText | None = Field(default=None, description="History or call log CSV "
                                 "(forecast the plan's week instead of 'requirements')")
    previous: CsvText | None = Field(default=None, description="agent_shifts.csv before the "
                                     "horizon")
    published: CsvText | None = Field(default=None, description="agent_shifts.csv of this "
                                      "horizon (re-plan)")
    cyclic: bool = Field(default=False, description="A rotation: the last day is followed "
                         "by the first (not with 'previous')")

    @field_validator("config", "contracts")
    @classmethod
    def _finite_tables(cls, v: dict[str, Any]) -> dict[str, Any]:
        return finite_tree(v)


# ----------------------------------------------------------------------------- site batches
MAX_BATCH_SITES = 50


class SiteIn(PlanCreate):
    """One site of a batch: a name and a plan (``config`` + data, as ``POST /v1/plans``)."""

    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
                      description="Site name (letters, digits, '.', '_', '-')")


class SiteBatchCreate(_In):
    """Many sites planned at once (``staffing.sites.run_sites``): one plan per site."""

    sites: list[SiteIn] = Field(min_length=1, max_length=MAX_BATCH_SITES)

    @field_validator("sites")
    @classmethod
    def _distinct(cls, v: list[SiteIn]) -> list[SiteIn]:
        names = [s.name for s in v]
        if len(set(names)) != len(names):
            raise ValueError("site names must be distinct")
        return v
