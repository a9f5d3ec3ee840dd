"""Rolling-origin backtest, error metrics, closed-hour inference and count intervals."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from staffing.forecast.data import WallSeries
from staffing.forecast.models import MODELS, ModelError
from staffing.forecast.result import BacktestConfig

CLOSED_WEEKS = 4
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
    """Non-negative means with closed intervals (history- or open-hours-closed) set to zero."""
    out = np.clip(np.nan_to_num(mean, nan=0.0), 0.0, None)
    sow = ws.slot_of_week(first, len(out))
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
    """Scores per model plus pooled (actual, predicted) pairs for dispersion estimates."""

    table: pd.DataFrame
    pairs: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    origins: list[int] = field(default_factory=list)


def origins(ws: WallSeries, config: BacktestConfig) -> list[int]:
    """Origin days (from the start of history), latest last; at least a week of training each."""
    last = ws.days - config.horizon_days
    out = [last - k * config.step for k in range(config.folds)]
    return sorted(o for o in out if o >= 7)


def run_backtest(
    ws: WallSeries,
    names: Sequence[str],
    config: BacktestConfig,
    open_mask: Callable[[np.ndarray], np.ndarray] | None = None,
    days: Sequence[int] | None = None,
) -> Backtest:
    """Score each model on rolling origins inside the history (see :class:`BacktestConfig`).

    ``days`` are the origins (days from the start of history; default :func:`origins`).
    """
    days = list(origins(ws, config) if days is None else days)
    h = config.horizon_days * ws.per_day
    rows = []
    pairs: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for name in names:
        model = MODELS[name]()
        actual: list[np.ndarray] = []
        pred: list[np.ndarray] = []
        secs: list[float] = []
        error = ""
        for o in days:
            if o < 7 * model.min_weeks:
                continue
            train = ws.head(o)
            first = o * ws.per_day
            closed = infer_closed(train)
            t0 = time.perf_counter()
            try:
                mean = model.fit_predict(train, h, closed)
            except ModelError as exc:
                error = str(exc)
                continue
            secs.append(time.perf_counter() - t0)
            pred.append(postprocess(train, mean, first, closed, open_mask))
            actual.append(ws.y[first:first + h])
        if actual:
            a, p = np.concatenate(actual), np.concatenate(pred)
            pairs[name] = (a, p)
            m = metrics(a, p)
        else:
            m = {"mae": np.nan, "wape": np.nan, "rmse": np.nan}
            error = error or f"needs {7 * model.min_weeks + config.horizon_days} days of history"
        rows.append({"model": name, **m, "folds": len(actual),
                     "fit_s": float(np.mean(secs)) if secs else np.nan, "error": error})
    table = pd.DataFrame(rows).set_index("model")
    table["folds"] = table["folds"].astype(int)
    return Backtest(table, pairs, days)


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
