"""``forecast()``: validate history, backtest and select a model, refit, post-process."""

from __future__ import annotations

import datetime as dt
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from staffing.exceptions import FallbackWarning, InputError
from staffing.forecast.aht import forecast_aht
from staffing.forecast.backtest import (
    Backtest,
    count_interval,
    fit_predict_one,
    metrics,
    origins,
    run_backtest,
)
from staffing.forecast.calendar import CalendarConfig, CalendarFit, fit_calendar
from staffing.forecast.data import (
    WallSeries,
    history_grid,
    report_missing,
    target_index,
    to_wall,
    validate_calls,
    wall_steps,
)
from staffing.forecast.intervals import calibrate
from staffing.forecast.models import MODELS, ModelError, profile
from staffing.forecast.result import BacktestConfig, ForecastResult, SpecialDays
from staffing.forecast.sanity import SanityConfig, run_checks
from staffing.forecast.selection import COMBOS, Selection
from staffing.forecast.selection import select as select_candidates
from staffing.grid import INDEX_NAME
from staffing.hours import OpenHours

MIN_DAYS = 7
#: Used, in this order, when the history is too short to backtest (or ``select=False``).
PREFERENCE = ("day_profile", "poisson_glm", "historical_average", "seasonal_naive")
#: Registered models left out of the default candidates (the combinations supersede it).
NOT_DEFAULT = ("ensemble",)
REFERENCE = "seasonal_naive"
#: Longest lead time (days between history end and plan start) mimicked by the backtest.
MAX_LEAD_DAYS = 14
#: Models needing long history are dropped when they leave fewer origins than this.
MIN_ORIGINS = 3
#: Training days an origin gets when the history is long enough.
MIN_TRAIN_DAYS = 14
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
    calendar: CalendarConfig | None = None,
    checks: SanityConfig | None = None,
    params: Mapping[str, Mapping[str, Any]] | None = None,
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
        ``"combo_mean"``/``"combo_weighted"`` force a combination of the candidates.
    calendar:
        Calendar effects, holidays and outlier damping (default :class:`CalendarConfig`:
        effects detected automatically, outliers dampened at 3.5 robust SDs).
    checks:
        Thresholds of the sanity checks (default :class:`SanityConfig`).
    params:
        Model hyper-parameters by model name, e.g. ``{"day_profile": {"smooth_min": 15}}``.

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
                         select=select, model=model, calendar=calendar, sanity=checks,
                         params=params)


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
    calendar: CalendarConfig | None,
    sanity: SanityConfig | None,
    params: Mapping[str, Mapping[str, Any]] | None,
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
    cal_cfg = calendar or CalendarConfig()
    if not isinstance(cal_cfg, CalendarConfig):
        raise InputError("calendar", type(cal_cfg).__name__, "a CalendarConfig")
    if sanity is not None and not isinstance(sanity, SanityConfig):
        raise InputError("checks", type(sanity).__name__, "a SanityConfig")
    params = check_params(params)
    combo = model if model in COMBOS else None
    if combo is not None:
        model = None
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

    # horizon-matched lead time, capped so that a plan far ahead still gets a backtest
    lead = min((first_day - last_day).days - 1, MAX_LEAD_DAYS)
    h_days = config.horizon_days or days
    extra_closed = frozenset(d for d, f in special.scale.items() if f == 0)
    fold_days, usable = _common_folds(ws, config, usable, notes, strict=model is not None,
                                      horizon_days=h_days, lead_days=lead)
    scored = list(dict.fromkeys([*usable, REFERENCE]))
    bt = run_backtest(ws, scored, config, open_mask, fold_days, horizon_days=h_days,
                      lead_days=lead, params=params, calendar=cal_cfg)
    table = bt.table
    metric = config.metric
    sel = select_candidates(bt, usable, metric=metric, half_life_days=config.origin_half_life_days,
                 tie_tolerance=config.tie_tolerance,
                 combine=config.combine and model is None and (select or combo is not None))
    members: dict[str, float] = {}
    if combo is not None:
        chosen = combo
        if combo not in sel.members:
            chosen = _preferred(usable)
            _fallback(f"{combo}: no backtest to build the combination from; using {chosen}",
                      notes)
    elif model is not None or not select:
        chosen = usable[0] if model is not None or models is not None else _preferred(usable)
    elif sel.model:
        chosen = sel.model
    else:
        chosen = _preferred(usable)
        if fold_days:
            errors = "; ".join(e for e in table.loc[usable, "error"] if e)
            why = f"no candidate could be backtested ({errors or 'no scores'})"
        else:
            why = (f"too little history to backtest ({ws.days} days; a fold needs "
                   f"{7 * max(MODELS[n].min_weeks for n in usable) + h_days + lead})")
        _fallback(f"{why}; using {chosen} without validation", notes)

    steps = wall_steps(target, ws)
    n = len(ws.y)
    horizon = int(steps.max()) + 1 - n
    cal_fit = fit_calendar(ws, cal_cfg)
    notes += cal_fit.notes()
    if chosen in sel.members:
        members = sel.members[chosen]
        mean, fit_s, ok_members = _fit_combo(ws, members, horizon, params, cal_fit, open_mask,
                                             extra_closed, notes)
        if not ok_members:
            chosen = FALLBACK
            mean, fit_s, chosen = _fit(ws, chosen, horizon, params, cal_fit, open_mask,
                                       extra_closed, notes)
            members = {}
        else:
            members = ok_members
            notes.append("combination of " + ", ".join(f"{k} ({v:.2f})"
                                                       for k, v in members.items()))
    else:
        mean, fit_s, chosen = _fit(ws, chosen, horizon, params, cal_fit, open_mask,
                                   extra_closed, notes)
    mu = mean[steps - n]

    local_dates = target.tz_convert(grid.tz).date
    special = _with_holidays(special, cal_cfg, set(local_dates))
    mu = _apply_special(mu, local_dates, special, notes)

    ahead = np.array([(d - last_day).days for d in local_dates])
    if chosen in sel.preds and sel.preds[chosen]:
        calib = calibrate(bt.actual, sel.preds[chosen], bt.ahead, float(level))
        alpha = calib.dispersion
        coverage = calib.coverage
        notes += calib.notes
        if calib.cells:
            lower, upper = calib.bounds(mu, ahead)
        else:
            lower, upper = count_interval(mu, alpha, float(level))
    else:
        alpha = _in_sample_dispersion(ws)
        coverage = float("nan")
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
    day_totals = {d: float(v) for d, v in
                  pd.Series(mu).groupby(np.asarray(local_dates)).sum().items()}
    skip = set(special.scale) | set(special.override)
    checks = run_checks(ws, day_totals, last_day, sanity or SanityConfig(), skip)
    table = _report_table(table, sel, bt, chosen)
    per_origin = sel.per_origin.copy()
    if len(per_origin):
        per_origin.index = pd.Index(
            [(ws.start + pd.Timedelta(days=int(o) + lead)).date() for o in per_origin.index],
            name="origin")
    return ForecastResult(
        frame=frame, model=chosen, backtest=table, fit_s=fit_s, level=float(level),
        notes=notes, runtime_s=time.perf_counter() - t_start, dispersion=alpha,
        origins=per_origin, members=members, calendar=cal_fit.table, coverage=coverage,
        checks=checks,
    )


def _report_table(table: pd.DataFrame, sel: Selection, bt: Backtest,
                  chosen: str) -> pd.DataFrame:
    """The backtest table with combinations, weighted scores, skill and the choice."""
    table = table.copy()
    for name in sel.members:
        preds = sel.preds[name]
        a = np.concatenate([bt.actual[o] for o in preds])
        p = np.concatenate(list(preds.values()))
        for k, v in metrics(a, p).items():
            table.loc[name, k] = v
        table.loc[name, "folds"] = len(preds)
        table.loc[name, "error"] = ""
    table["score"] = pd.Series(sel.scores, dtype=float)
    table["folds"] = table["folds"].fillna(0).astype(int)
    ref = table.loc[REFERENCE, "mae"] if REFERENCE in table.index else np.nan
    table["skill_mae"] = 1.0 - table["mae"] / ref if ref and np.isfinite(ref) else np.nan
    table["selected"] = table.index == chosen
    table["error"] = table["error"].fillna("")
    return table[["mae", "wape", "rmse", "score", "folds", "fit_s", "skill_mae", "selected",
                  "error"]]


def _with_holidays(special: SpecialDays, cal: CalendarConfig, dates: set[dt.date]) -> SpecialDays:
    """``special`` plus configured/regional holidays in the forecast as closed days."""
    hol = cal.closed_days({d.year for d in dates}) & dates
    add = {d: 0.0 for d in hol if d not in special.scale and d not in special.override}
    if not add:
        return special
    return SpecialDays(exclude=special.exclude, scale={**special.scale, **add},
                       override=special.override)


def _candidates(models: Sequence[str] | None, model: str | None) -> list[str]:
    if model is not None:
        if model not in MODELS:
            raise InputError("model", model, f"one of {[*MODELS, *COMBOS]}")
        return [model]
    if models is None:
        return [m for m in MODELS if m not in NOT_DEFAULT]
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
                  *, strict: bool, horizon_days: int,
                  lead_days: int) -> tuple[list[int], list[str]]:
    """Origins on which every candidate can be scored, so scores are comparable.

    When the longest-memory candidates leave no common origin, they are dropped (with a
    warning) in favour of models that can be backtested; ``strict`` keeps the candidates.
    """
    cands = list(usable)
    while True:
        need = max(MODELS[n].min_weeks for n in cands)
        # origins train on at least MIN_TRAIN_DAYS when the history allows MIN_ORIGINS of
        # them, never on less than the models' minimum
        last = ws.days - lead_days - horizon_days
        floor = max(7 * need, min(MIN_TRAIN_DAYS, last - MIN_ORIGINS + 1))
        all_days = origins(ws, config, horizon_days=horizon_days, lead_days=lead_days,
                           min_train_days=floor)
        common = [o for o in all_days if o >= 7 * need]
        if len(common) >= min(MIN_ORIGINS, config.folds) or strict or need <= 1:
            return common, cands
        drop = [n for n in cands if MODELS[n].min_weeks == need]
        keep = [n for n in cands if n not in drop]
        more = origins(ws, config, horizon_days=horizon_days, lead_days=lead_days,
                       min_train_days=7 * max([MODELS[n].min_weeks for n in keep] or [1]))
        if not keep or len(more) <= len(common):
            return common, cands
        _fallback(f"models {drop} skipped: {ws.days} days of history leave {len(common)} "
                  f"backtest origins for them (need {7 * need + horizon_days + lead_days} "
                  f"days for one, {MIN_ORIGINS} for a ranking)", notes)
        cands = keep


def _preferred(usable: list[str]) -> str:
    for name in PREFERENCE:
        if name in usable:
            return name
    return usable[0]


def _fallback(message: str, notes: list[str]) -> None:
    notes.append(message)
    warnings.warn(message, FallbackWarning, stacklevel=3)


def _fit(ws: WallSeries, name: str, horizon: int, params: dict[str, dict[str, Any]],
         cal: CalendarFit, open_mask: Callable[[np.ndarray], np.ndarray] | None,
         extra_closed: frozenset[dt.date], notes: list[str]) -> tuple[np.ndarray, float, str]:
    t0 = time.perf_counter()
    kw = {"params": params, "calendar": cal, "open_mask": open_mask,
          "extra_closed": extra_closed}
    try:
        mean = fit_predict_one(ws, name, horizon, **kw)  # type: ignore[arg-type]
        return mean, time.perf_counter() - t0, name
    except ModelError as exc:
        if name == FALLBACK:
            raise
        _fallback(f"{exc}; falling back to {FALLBACK}", notes)
    t0 = time.perf_counter()
    mean = fit_predict_one(ws, FALLBACK, horizon, **kw)  # type: ignore[arg-type]
    return mean, time.perf_counter() - t0, FALLBACK


def _fit_combo(ws: WallSeries, members: dict[str, float], horizon: int,
               params: dict[str, dict[str, Any]], cal: CalendarFit,
               open_mask: Callable[[np.ndarray], np.ndarray] | None,
               extra_closed: frozenset[dt.date],
               notes: list[str]) -> tuple[np.ndarray, float, dict[str, float]]:
    """Refit a combination's members; members that fail are dropped (weights renormalised)."""
    t0 = time.perf_counter()
    parts: dict[str, np.ndarray] = {}
    for name in members:
        try:
            parts[name] = fit_predict_one(ws, name, horizon, params=params, calendar=cal,
                                          open_mask=open_mask, extra_closed=extra_closed)
        except ModelError as exc:
            _fallback(f"{exc}; dropped from the combination", notes)
    total = sum(members[n] for n in parts)
    if not parts or total <= 0:
        return np.zeros(horizon), time.perf_counter() - t0, {}
    w = {n: members[n] / total for n in parts}
    mean = sum(w[n] * parts[n] for n in parts)
    return np.asarray(mean), time.perf_counter() - t0, w


def check_params(params: Mapping[str, Mapping[str, Any]] | None) -> dict[str, dict[str, Any]]:
    """Model hyper-parameters checked against each model's constructor (errors name
    ``params.<model>.<key>``)."""
    import inspect

    out: dict[str, dict[str, Any]] = {}
    if params is None:
        return out
    if not isinstance(params, Mapping):
        raise InputError("params", type(params).__name__, "a table of model = {key = value}")
    for name, kw in params.items():
        if name not in MODELS:
            raise InputError(f"params.{name}", name, f"one of {list(MODELS)}")
        if not isinstance(kw, Mapping):
            raise InputError(f"params.{name}", kw, "a table of hyper-parameters")
        sig = inspect.signature(MODELS[name])
        allowed = {k for k in sig.parameters if k != "self"}
        if any(p.kind == p.VAR_KEYWORD for p in sig.parameters.values()):
            base = MODELS[name].__mro__[1]
            allowed |= set(inspect.signature(base).parameters)
        for k, v in kw.items():
            if k not in allowed - {"kwargs"}:
                raise InputError(f"params.{name}.{k}", k, f"one of {sorted(allowed - {'kwargs'})}")
            if not isinstance(v, int | float) or isinstance(v, bool) or not np.isfinite(v) or v < 0:
                raise InputError(f"params.{name}.{k}", v, "a non-negative number")
        try:
            MODELS[name](**dict(kw))
        except (TypeError, ValueError) as exc:
            raise InputError(f"params.{name}", dict(kw), f"valid hyper-parameters ({exc})") from exc
        out[name] = dict(kw)
    return out


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


