"""Running scenarios: data -> forecast (cached) -> demand overrides -> requirements -> roster
-> evaluation -> simulation.
"""

from __future__ import annotations

import dataclasses
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from staffing.exceptions import InputError, StaffingWarning
from staffing.pipeline import Stage
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
