"""``forecast()``: validate history, backtest and select a model, refit, post-process."""

from __future__ import annotations

import datetime as dt
import time
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from staffing.exceptions import FallbackWarning, InputError
from staffing.forecast.aht import forecast_aht
from staffing.forecast.backtest import (
    count_interval,
    dispersion,
    infer_closed,
    origins,
    postprocess,
    run_backtest,
)
from staffing.forecast.data import (
    WallSeries,
    history_grid,
    report_missing,
    target_index,
    to_wall,
    validate_calls,
    wall_steps,
)
from staffing.forecast.models import MODELS, ModelError, profile
from staffing.forecast.result import BacktestConfig, ForecastResult, SpecialDays
from staffing.grid import INDEX_NAME
from staffing.hours import OpenHours

MIN_DAYS = 7
#: Used, in this order, when the history is too short to backtest (or ``select=False``).
PREFERENCE = ("poisson_glm", "historical_average", "seasonal_naive")
REFERENCE = "seasonal_naive"
FALLBACK = "historical_average"


def forecast(
    history: pd.DataFrame,
    *,
    start: dt.date | str | pd.Timestamp | None = None,
    days: int = 7,
    models: Sequence[str] | None = None,
    level: float = 0.8,
    special_days: SpecialDays | None = None,
    backtest: BacktestConfig | None = None,
    open_hours: OpenHours | None = None,
    select: bool = True,
    model: str | None = None,
) -> ForecastResult:
    """Forecast offered calls (with a prediction interval) and AHT per interval.

    Parameters
    ----------
    history:
        Frame indexed by tz-aware ``interval_start`` with ``calls`` (offered calls per interval)
        and optionally ``aht_s`` (mean handle time, s) and ``answered`` (its weights). The
        interval length comes from ``attrs['freq']`` or the smallest step. Closed hours must be
        zero rows; absent rows are missing data (reported, not filled with zero).
    start:
        First forecast day (local midnight); default the day after the last history day.
    days:
        Number of local days to forecast.
    models:
        Candidate model names (see :data:`staffing.forecast.MODELS`); ``None`` = all.
    level:
        Coverage of the ``calls_lower``/``calls_upper`` interval, in (0, 1).
    special_days:
        Dates excluded from fitting and dates scaled or overridden in the forecast.
    backtest:
        Rolling-origin backtest settings (default :class:`BacktestConfig`).
    open_hours:
        Opening hours; intervals outside them are forecast as zero. Without it, intervals of
        the week with zero calls in each of their last 4 observed weeks are treated as closed.
    select:
        Choose the best candidate by backtest metric; when False use the first of ``models``
        (or, with ``models=None``, ``poisson_glm``), still backtested for the report.
    model:
        Force this model (overrides ``models`` and ``select``); it is still backtested.

    Returns
    -------
    ForecastResult
        See :class:`ForecastResult`. Explicit fallbacks issue a ``FallbackWarning`` and a note.
    """
    # The fits are many small dense problems: multi-threaded BLAS only adds contention (measured
    # 0.4 s single-threaded vs 7-13 s with default threads beside a running solve on 2 cores).
    with threadpool_limits(limits=1, user_api="blas"):
        return _forecast(history, start=start, days=days, models=models, level=level,
                         special_days=special_days, backtest=backtest, open_hours=open_hours,
                         select=select, model=model)


def _forecast(
    history: pd.DataFrame,
    *,
    start: dt.date | str | pd.Timestamp | None,
    days: int,
    models: Sequence[str] | None,
    level: float,
    special_days: SpecialDays | None,
    backtest: BacktestConfig | None,
    open_hours: OpenHours | None,
    select: bool,
    model: str | None,
) -> ForecastResult:
    t_start = time.perf_counter()
    if not isinstance(days, int | np.integer) or isinstance(days, bool) or days < 1:
        raise InputError("days", days, "a positive number of days")
    if not isinstance(level, float | int) or not 0 < float(level) < 1:
        raise InputError("level", level, "a coverage in (0, 1), e.g. 0.8")
    special = special_days or SpecialDays()
    if not isinstance(special, SpecialDays):
        raise InputError("special_days", type(special).__name__, "a SpecialDays")
    config = backtest or BacktestConfig()
    if not isinstance(config, BacktestConfig):
        raise InputError("backtest", type(config).__name__, "a BacktestConfig")
    names = _candidates(models, model)

    grid = history_grid(history)
    calls = validate_calls(history)
    notes: list[str] = []
    notes += report_missing(calls, grid)
    ws = to_wall(calls, grid, special.exclude)
    observed_days = int((~np.isnan(ws.y.reshape(ws.days, ws.per_day))).any(axis=1).sum())
    if ws.days < MIN_DAYS or observed_days < MIN_DAYS:
        raise InputError(
            "history", f"{observed_days} observed days over {ws.days}",
            f"at least {MIN_DAYS} days of history (one weekly season)",
        )
    if not (np.nan_to_num(ws.y) > 0).any():
        raise InputError("calls", "all zero outside excluded days", "some offered calls")
    if special.exclude:
        notes.append(f"special days: {len(special.exclude)} dates excluded from fitting")

    last_day = calls.index.max().tz_convert(grid.tz).date()
    first_day = last_day + dt.timedelta(days=1)
    if start is not None:
        first_day = grid.midnight(start).date()
        if first_day <= last_day:
            raise InputError("start", str(start), f"a day after the last history day {last_day}")
    target = target_index(grid, first_day, days)

    usable = [n for n in names if ws.days >= 7 * MODELS[n].min_weeks]
    skipped = [n for n in names if n not in usable]
    if skipped:
        msg = (f"models {skipped} need more history than {ws.days} days "
               f"(holt_winters/ensemble need 14); skipped")
        if not usable:
            usable = [FALLBACK]
            msg += f"; falling back to {FALLBACK}"
        _fallback(msg, notes)

    open_mask = None
    if open_hours is not None:
        if not isinstance(open_hours, OpenHours):
            raise InputError("open_hours", type(open_hours).__name__, "an OpenHours")

        def open_mask(steps: np.ndarray) -> np.ndarray:
            return open_hours.mask(pd.DatetimeIndex(ws.start + steps * ws.freq))

    fold_days, usable = _common_folds(ws, config, usable, notes, strict=model is not None)
    scored = list(dict.fromkeys([*usable, REFERENCE]))
    bt = run_backtest(ws, scored, config, open_mask, fold_days)
    table = bt.table
    metric = config.metric
    ok = table.loc[usable]
    ok = ok[(ok["folds"] > 0) & ok[metric].notna()]
    if model is not None or not select:
        chosen = usable[0] if model is not None or models is not None else _preferred(usable)
    elif len(ok):
        chosen = str(ok[metric].idxmin())
    else:
        chosen = _preferred(usable)
        if fold_days:
            errors = "; ".join(e for e in table.loc[usable, "error"] if e)
            why = f"no candidate could be backtested ({errors or 'no scores'})"
        else:
            why = (f"too little history to backtest ({ws.days} days; a fold needs "
                   f"{7 * max(MODELS[n].min_weeks for n in usable) + config.horizon_days})")
        _fallback(f"{why}; using {chosen} without validation", notes)

    steps = wall_steps(target, ws)
    n = len(ws.y)
    horizon = int(steps.max()) + 1 - n
    closed = infer_closed(ws)
    mean, fit_s, chosen = _fit(ws, chosen, horizon, closed, notes)
    mu = postprocess(ws, mean, n, closed, open_mask)[steps - n]

    local_dates = target.tz_convert(grid.tz).date
    mu = _apply_special(mu, local_dates, special, notes)

    if chosen in bt.pairs:
        alpha = dispersion(*bt.pairs[chosen])
    else:
        alpha = _in_sample_dispersion(ws)
        notes.append("prediction interval: dispersion estimated in-sample (no backtest)")
    lower, upper = count_interval(mu, alpha, float(level))

    aht, aht_notes = forecast_aht(history, grid, target)
    notes += aht_notes

    frame = pd.DataFrame(
        {"calls": mu, "calls_lower": lower, "calls_upper": upper, "aht_s": aht},
        index=pd.DatetimeIndex(target, name=INDEX_NAME),
    )
    frame.attrs["freq"] = grid.freq
    frame.attrs["tz"] = grid.tz
    table = table.copy()
    ref = table.loc[REFERENCE, "mae"] if REFERENCE in table.index else np.nan
    table["skill_mae"] = 1.0 - table["mae"] / ref if ref and np.isfinite(ref) else np.nan
    table["selected"] = table.index == chosen
    table = table[["mae", "wape", "rmse", "folds", "fit_s", "skill_mae", "selected", "error"]]
    return ForecastResult(
        frame=frame, model=chosen, backtest=table, fit_s=fit_s, level=float(level),
        notes=notes, runtime_s=time.perf_counter() - t_start, dispersion=alpha,
    )


def _candidates(models: Sequence[str] | None, model: str | None) -> list[str]:
    if model is not None:
        if model not in MODELS:
            raise InputError("model", model, f"one of {list(MODELS)}")
        return [model]
    if models is None:
        return list(MODELS)
    if isinstance(models, str):
        models = [models]
    names = list(dict.fromkeys(models))
    if not names:
        raise InputError("models", names, f"a non-empty list from {list(MODELS)}")
    for name in names:
        if name not in MODELS:
            raise InputError("models", name, f"one of {list(MODELS)}")
    return names


def _common_folds(ws: WallSeries, config: BacktestConfig, usable: list[str], notes: list[str],
                  *, strict: bool) -> tuple[list[int], list[str]]:
    """Origins on which every candidate can be scored, so scores are comparable.

    When the longest-memory candidates leave no common origin, they are dropped (with a
    warning) in favour of models that can be backtested; ``strict`` keeps the candidates.
    """
    all_days = origins(ws, config)
    cands = list(usable)
    while True:
        need = max(MODELS[n].min_weeks for n in cands)
        common = [o for o in all_days if o >= 7 * need]
        if common or strict or need <= 1:
            return common, cands
        drop = [n for n in cands if MODELS[n].min_weeks == need]
        keep = [n for n in cands if n not in drop]
        if not keep or not any(o >= 7 * max(MODELS[n].min_weeks for n in keep)
                               for o in all_days):
            return common, cands
        _fallback(f"models {drop} skipped: {ws.days} days of history leave no backtest fold "
                  f"for them (need {7 * need + config.horizon_days} days)", notes)
        cands = keep


def _preferred(usable: list[str]) -> str:
    for name in PREFERENCE:
        if name in usable:
            return name
    return usable[0]


def _fallback(message: str, notes: list[str]) -> None:
    notes.append(message)
    warnings.warn(message, FallbackWarning, stacklevel=3)


def _fit(ws: WallSeries, name: str, horizon: int, closed: np.ndarray,
         notes: list[str]) -> tuple[np.ndarray, float, str]:
    t0 = time.perf_counter()
    try:
        mean = MODELS[name]().fit_predict(ws, horizon, closed)
        return mean, time.perf_counter() - t0, name
    except ModelError as exc:
        if name == FALLBACK:
            raise
        _fallback(f"{exc}; falling back to {FALLBACK}", notes)
    t0 = time.perf_counter()
    mean = MODELS[FALLBACK]().fit_predict(ws, horizon, closed)
    return mean, time.perf_counter() - t0, FALLBACK


def _apply_special(mu: np.ndarray, dates: np.ndarray, special: SpecialDays,
                   notes: list[str]) -> np.ndarray:
    out = mu.copy()
    for day, factor in special.scale.items():
        hit = dates == day
        if hit.any():
            out[hit] *= factor
            notes.append(f"special days: {day} scaled by {factor:g}")
    for day, total in special.override.items():
        hit = dates == day
        if not hit.any():
            continue
        current = out[hit].sum()
        if current > 0:
            out[hit] *= total / current
        elif total > 0:
            out[hit] = total / hit.sum()
            notes.append(f"special days: {day} had no forecast volume; override spread evenly")
        notes.append(f"special days: {day} total set to {total:g} calls")
    return out


def _in_sample_dispersion(ws: WallSeries) -> float:
    """NB alpha from week-to-week variation around the historical average profile."""
    recent = ws.recent(4)
    mean = profile(ws, 4)
    k = (~np.isnan(recent)).sum(axis=0)
    ok = (k >= 2) & (mean > 0)
    if not ok.any():
        return 0.0
    var = np.nanvar(recent[:, ok], axis=0, ddof=1)
    m = mean[ok]
    return float(max(0.0, ((var - m).sum()) / (m**2).sum()))


