"""Running scenarios through :func:`staffing.pipeline.plan` (the one composer of stages): the
scenario cache supplies data, forecast and patience (:class:`staffing.pipeline.Reuse`) and the
demand overrides adjust the forecast (``adjust``); results are cached by content hash.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from staffing import pipeline as pl
from staffing.exceptions import InputError
from staffing.roster import RosterStatus
from staffing.scenario.cache import ScenarioCache, _pick_cache
from staffing.scenario.overrides import _day_key
from staffing.scenario.result import ScenarioResult, marginal_values
from staffing.scenario.spec import Scenario


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


def _reuse(scenario: Scenario, store: ScenarioCache | None) -> pl.Reuse | None:
    """The cache's data, forecast and patience of a scenario, keyed by its content hashes."""
    if store is None:
        return None
    return pl.Reuse(data=lambda make: store.data(scenario.data_key, make),
                    forecast=lambda make: store.forecast(scenario.forecast_key, make),
                    patience=lambda make: store.patience(scenario.data_key, make))


def _adjust(scenario: Scenario) -> Callable[[pd.DataFrame], pd.DataFrame]:
    return lambda frame: adjust_forecast(frame, scenario.overrides, scenario.config.tz)


def scenario_requirements(scenario: Scenario, *,
                          cache: ScenarioCache | bool = True) -> pd.DataFrame:
    """The requirements frame of a scenario (forecast with its demand overrides, goals), without
    solving a roster: ``calls, aht_s, erlangs, agents_net, agents_required, ...`` per interval."""
    if not isinstance(scenario, Scenario):
        raise InputError("scenario", type(scenario).__name__, "a Scenario")
    prep = pl.prepare(scenario.config, reuse=_reuse(scenario, _pick_cache(cache)),
                      adjust=_adjust(scenario))
    return prep.requirements


def run_scenario(
    scenario: Scenario,
    *,
    cache: ScenarioCache | bool = True,
    duals: bool = False,
    progress: Callable[[pl.StageEvent], None] | None = None,
    cancel: threading.Event | None = None,
) -> ScenarioResult:
    """Run one scenario through :func:`staffing.pipeline.plan`: data -> forecast (cached by its
    own hash) -> demand overrides -> requirements -> roster -> evaluation -> simulation (when
    enabled).

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
        progress with incumbent/bound/gap) from the calling thread or the solver's thread.
    cancel:
        Set it to stop the solve; a cancelled scenario is neither evaluated nor cached.

    Returns
    -------
    ScenarioResult
        From the cache when a result with the same hash is there (the very same object for
        the in-memory cache); a roster without a solution is a status, not an exception.
    """
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
    t_start = time.perf_counter()
    plan = pl.plan(scenario.config, progress=progress, cancel=cancel,
                   reuse=_reuse(scenario, store), adjust=_adjust(scenario))
    if plan.data is not None and plan.data.call_log is not None:
        # results are cached (and pickled): keep the intervals, not the whole call log
        plan = dataclasses.replace(plan, data=pl.PlanData(plan.data.history, None,
                                                          plan.data.source))
    result = ScenarioResult(name=scenario.name, hash=scenario.hash,
                            overrides=dict(scenario.overrides), plan=plan,
                            forecast_key=scenario.forecast_key,
                            runtime_s=time.perf_counter() - t_start)
    if duals:
        marginal_values(result)
    if store is not None and plan.roster.status is not RosterStatus.CANCELLED:
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
