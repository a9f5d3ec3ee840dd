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
- Weekly rules: ``rules`` merges keys into ``[rules]`` (``workdays``, ``consecutive_days_off``,
  ``start_band_minutes``, ``min_weekly_hours``, ``max_weekly_hours``, ``part_time_share_max``),
  e.g. ``{"consecutive_days_off": 1}``: may the two days off be apart?
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

from staffing.scenario.cache import ScenarioCache, default_cache
from staffing.scenario.comparison import compare
from staffing.scenario.curve import cost_service_curve
from staffing.scenario.files import load_scenarios, parse_scenario_spec
from staffing.scenario.hashing import file_sha256 as file_sha256
from staffing.scenario.hashing import versions as versions
from staffing.scenario.overrides import DEMAND_KEYS as DEMAND_KEYS
from staffing.scenario.overrides import GOAL_KEYS as GOAL_KEYS
from staffing.scenario.overrides import OTHER_KEYS as OTHER_KEYS
from staffing.scenario.overrides import OVERRIDE_KEYS
from staffing.scenario.overrides import RULE_KEYS as RULE_KEYS
from staffing.scenario.overrides import SOLVER_KEYS as SOLVER_KEYS
from staffing.scenario.overrides import normalize_overrides as normalize_overrides
from staffing.scenario.result import ScenarioResult, marginal_values
from staffing.scenario.run import adjust_forecast as adjust_forecast
from staffing.scenario.run import run_scenario, run_scenarios, scenario_requirements
from staffing.scenario.spec import Scenario

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
