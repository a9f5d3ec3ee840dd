"""Rolling-origin backtest, error metrics, closed-hour inference and count intervals."""

from __future__ import annotations

import datetime as dt
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from staffing.forecast.calendar import CalendarConfig, CalendarFit, day_dates, fit_calendar
from staffing.forecast.data import WallSeries
from staffing.forecast.models import MODELS, ModelError
from staffing.forecast.result import BacktestConfig

CLOSED_WEEKS = 4
CAP_WEEKS = 8
CAP_FACTOR = 3.0
CAP_CALLS = 5.0
CLOSED_WINDOW = pd.Timedelta("15min")


def infer_closed(ws: WallSeries, weeks: int = CLOSED_WEEKS,
                 window: pd.Timedelta = CLOSED_WINDOW) -> np.ndarray:
    """Closed slots of the week: no call in their last ``weeks`` observations, nor in those of
    the slots within ``window`` before and after them on the same day.

    The window keeps quiet but open intervals of fine grids (5 minutes) open; it spans no
    neighbour on grids of 30 minutes or more. Slots never observed (e.g. weekends of a
    weekday-only center) count as closed.
    """
    calls = np.nansum(ws.recent(weeks), axis=0).reshape(7, ws.per_day)
    half = int(window // ws.freq)
    if half > 0:
        padded = np.pad(calls, ((0, 0), (half, half)))
        calls = sum(padded[:, k:k + ws.per_day] for k in range(2 * half + 1))
    return (calls == 0).reshape(-1)


def postprocess(
    ws: WallSeries, mean: np.ndarray, first: int, closed: np.ndarray,
    open_mask: Callable[[np.ndarray], np.ndarray] | None = None,
) -> np.ndarray:
    """Non-negative means with closed intervals (history- or open-hours-closed) set to zero,
    capped at :data:`CAP_FACTOR` x the busiest recent value of the interval of the week (and
    its neighbours) plus :data:`CAP_CALLS`: a safety net against a model's extrapolation
    blowing up at the edge of opening hours."""
    out = np.clip(np.nan_to_num(mean, nan=0.0, posinf=0.0), 0.0, None)
    sow = ws.slot_of_week(first, len(out))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        peak = np.nan_to_num(np.nanmax(ws.recent(CAP_WEEKS), axis=0), nan=0.0)
    peak = np.maximum(peak, np.maximum(np.roll(peak, 1), np.roll(peak, -1)))
    out = np.minimum(out, CAP_FACTOR * peak[sow] + CAP_CALLS)
    out[closed[sow]] = 0.0
    if open_mask is not None:
        out[~open_mask(np.arange(first, first + len(out)))] = 0.0
    return out


def metrics(actual: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    """MAE and RMSE (calls per interval) and WAPE (fraction) over non-missing actuals."""
    ok = ~np.isnan(actual)
    a, p = actual[ok], pred[ok]
    if not len(a):
        return {"mae": np.nan, "wape": np.nan, "rmse": np.nan}
    err = np.abs(a - p)
    return {
        "mae": float(err.mean()),
        "wape": float(err.sum() / a.sum()) if a.sum() > 0 else np.nan,
        "rmse": float(np.sqrt(((a - p) ** 2).mean())),
    }


@dataclass
class Backtest:
    """Predictions of every candidate on every origin, and the pooled pairs of each.

    Attributes
    ----------
    table:
        One row per model: pooled ``mae``, ``wape``, ``rmse``, ``folds``, ``fit_s``, ``error``.
    pairs:
        Per model, pooled (actual, predicted) over its origins.
    origins:
        Origin days (days from the start of history) every candidate was scored on.
    actual:
        Per origin, the actual calls of its scoring window (NaN = missing).
    preds:
        Per model, per origin, the predicted calls of the scoring window.
    ahead:
        Day ahead (1 = first forecast day) of each step of a scoring window.
    """

    table: pd.DataFrame
    pairs: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    origins: list[int] = field(default_factory=list)
    actual: dict[int, np.ndarray] = field(default_factory=dict)
    preds: dict[str, dict[int, np.ndarray]] = field(default_factory=dict)
    ahead: np.ndarray = field(default_factory=lambda: np.zeros(0, int))


def origins(ws: WallSeries, config: BacktestConfig, *, horizon_days: int | None = None,
            lead_days: int = 0, min_train_days: int = 7) -> list[int]:
    """Origin days (from the start of history), latest last.

    The latest origin leaves ``lead_days + horizon_days`` days to score; earlier ones are
    ``config.step_days`` apart, or, by default, spread evenly over the available history
    (between 1 and 7 days apart) so that ``config.folds`` origins fit.
    """
    h = horizon_days or config.horizon_days or 7
    last = ws.days - lead_days - h
    first = max(7, min_train_days)
    if last < first:
        return []
    step = config.step_days
    if step is None:
        step = 7 if config.folds <= 1 else max(1, min(7, (last - first) // (config.folds - 1)))
    out = [last - k * step for k in range(config.folds)]
    return sorted(o for o in out if o >= first)


def fit_predict_one(ws: WallSeries, name: str, steps: int, *,
                    params: dict[str, Any] | None = None,
                    calendar: CalendarFit | None = None,
                    open_mask: Callable[[np.ndarray], np.ndarray] | None = None,
                    extra_closed: frozenset[dt.date] = frozenset()) -> np.ndarray:
    """Fit ``name`` on ``ws`` and forecast the next ``steps`` steps, post-processed: calendar
    multipliers (calendar-aware models), closed intervals zero, non-negative."""
    cls = MODELS[name]
    model = cls(**(params or {}).get(name, {}))
    closed = infer_closed(ws)
    aware = calendar is not None and cls.calendar_aware
    src = calendar.series if aware and calendar is not None else ws
    mean = model.fit_predict(src, steps, closed)
    if aware and calendar is not None:
        ndays = -(-steps // ws.per_day)
        dates = day_dates(ws, ws.days, ndays)
        mult = calendar.multipliers(dates, extra_closed)
        mean = mean * np.repeat(mult, ws.per_day)[:steps]
    return postprocess(ws, mean, len(ws.y), closed, open_mask)


def run_backtest(
    ws: WallSeries,
    names: Sequence[str],
    config: BacktestConfig,
    open_mask: Callable[[np.ndarray], np.ndarray] | None = None,
    days: Sequence[int] | None = None,
    *,
    horizon_days: int | None = None,
    lead_days: int = 0,
    params: dict[str, Any] | None = None,
    calendar: CalendarConfig | None = None,
) -> Backtest:
    """Score each model on rolling origins inside the history (see :class:`BacktestConfig`).

    From origin ``o`` every model is fitted on days ``[0, o)`` and scored on days
    ``[o + lead_days, o + lead_days + horizon_days)`` (horizon-matched to the plan).
    ``days`` are the origins (default :func:`origins`).
    """
    h_days = horizon_days or config.horizon_days or 7
    days = list(origins(ws, config, horizon_days=h_days, lead_days=lead_days)
                if days is None else days)
    h = h_days * ws.per_day
    skip = lead_days * ws.per_day
    rows = []
    pairs: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    preds: dict[str, dict[int, np.ndarray]] = {}
    actual_by: dict[int, np.ndarray] = {}
    cal_by: dict[int, CalendarFit | None] = {}
    for o in days:
        first = (o + lead_days) * ws.per_day
        actual_by[o] = ws.y[first:first + h]
    for name in names:
        cls = MODELS[name]
        actual: list[np.ndarray] = []
        pred: list[np.ndarray] = []
        secs: list[float] = []
        error = ""
        preds[name] = {}
        for o in days:
            if o < 7 * cls.min_weeks:
                continue
            train = ws.head(o)
            if cls.calendar_aware and o not in cal_by:
                cal_by[o] = fit_calendar(train, calendar)
            t0 = time.perf_counter()
            try:
                p = fit_predict_one(train, name, skip + h, params=params,
                                    calendar=cal_by.get(o) if cls.calendar_aware else None,
                                    open_mask=open_mask)
            except ModelError as exc:
                error = str(exc)
                continue
            secs.append(time.perf_counter() - t0)
            preds[name][o] = p[skip:]
            pred.append(p[skip:])
            actual.append(actual_by[o])
        if actual:
            a, p = np.concatenate(actual), np.concatenate(pred)
            pairs[name] = (a, p)
            m = metrics(a, p)
        else:
            m = {"mae": np.nan, "wape": np.nan, "rmse": np.nan}
            error = error or f"needs {7 * cls.min_weeks + h_days} days of history"
        rows.append({"model": name, **m, "folds": len(actual),
                     "fit_s": float(np.mean(secs)) if secs else np.nan, "error": error})
    table = pd.DataFrame(rows).set_index("model")
    table["folds"] = table["folds"].astype(int)
    ahead = np.repeat(np.arange(lead_days + 1, lead_days + h_days + 1), ws.per_day)
    return Backtest(table, pairs, days, actual_by, preds, ahead)


def dispersion(actual: np.ndarray, pred: np.ndarray) -> float:
    """Method-of-moments negative-binomial ``alpha`` from forecast errors (Var = mu + a mu^2)."""
    ok = ~np.isnan(actual) & (pred > 0)
    a, p = actual[ok], pred[ok]
    if len(a) < 10 or (p**2).sum() <= 0:
        return 0.0
    return float(max(0.0, (((a - p) ** 2 - p).sum()) / (p**2).sum()))


def count_interval(mean: np.ndarray, alpha: float, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Central prediction interval of counts: negative binomial (Poisson when ``alpha`` = 0).

    The bounds are widened, if needed, to contain the mean itself.
    """
    lo_q, hi_q = (1 - level) / 2, (1 + level) / 2
    mu = np.clip(mean, 0.0, None)
    lower = np.zeros_like(mu)
    upper = np.zeros_like(mu)
    pos = mu > 0
    if alpha > 1e-9:
        n = 1.0 / alpha
        p = n / (n + mu[pos])
        lower[pos] = stats.nbinom.ppf(lo_q, n, p)
        upper[pos] = stats.nbinom.ppf(hi_q, n, p)
    else:
        lower[pos] = stats.poisson.ppf(lo_q, mu[pos])
        upper[pos] = stats.poisson.ppf(hi_q, mu[pos])
    return np.minimum(lower, mu), np.maximum(upper, mu)
