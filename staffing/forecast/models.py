"""Forecast models and their registry.

Every model maps a :class:`~staffing.forecast.data.WallSeries` (calls per interval on the
wall-clock grid, NaN = missing) to the *mean* offered calls per interval for the ``horizon``
steps right after it. Clipping, closed hours, special days and prediction intervals are applied
by :func:`staffing.forecast.forecast`, the same way for every model.

Registered models (``MODELS``):

``seasonal_naive``
    Same interval last week (the last observed value of each slot of the week).
``historical_average``
    Mean of the last ``weeks`` (4) observed values of each slot of the week.
``poisson_glm``
    statsmodels Poisson GLM (log link): a day-of-week level plus a smooth intraday profile
    (Fourier terms of the time of day, ``harmonics`` pairs) for each *day type*, with
    exponentially decaying weights (half-life ``half_life_weeks``). Day types are inferred:
    busy days (mean volume >= 60 % of the busiest weekday) share one profile, every quieter day
    (e.g. a short Friday, a nearly closed Saturday) gets its own.
``holt_winters``
    statsmodels Holt-Winters (``tsa.holtwinters.ExponentialSmoothing``) with an additive weekly
    season (one state per interval of the week, so intraday and weekly shape together) on
    Anscombe-transformed counts ``sqrt(y + 3/8)``; gaps are imputed by the historical average.
``ensemble``
    Mean of ``poisson_glm`` and ``holt_winters`` (forecast combination).

The statsmodels models fit on spike-capped history (:func:`robust_cap`); the two baselines use
the raw counts, so they stay the textbook references.
"""

from __future__ import annotations

import warnings
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from typing import ClassVar

import numpy as np
import pandas as pd
from statsmodels.tools.sm_exceptions import ConvergenceWarning, SingularMatrixWarning
from statsmodels.tsa.holtwinters import ExponentialSmoothing

from staffing.forecast.data import WallSeries


class ModelError(RuntimeError):
    """A model could not be fitted on this history (caught; the forecast falls back)."""


class ForecastModel(ABC):
    """Base class: a named model with the minimum history it needs, in whole weeks."""

    name: ClassVar[str]
    min_weeks: ClassVar[int] = 1
    #: Rank used to break near-ties in selection (lower = simpler, preferred).
    complexity: ClassVar[int] = 5
    #: Fitted on the calendar-adjusted, outlier-dampened history and given the calendar
    #: multipliers of the forecast days (see :mod:`staffing.forecast.calendar`).
    calendar_aware: ClassVar[bool] = True

    @abstractmethod
    def fit_predict(self, ws: WallSeries, horizon: int, closed: np.ndarray) -> np.ndarray:
        """Fit on ``ws`` and return mean calls per interval for the next ``horizon`` steps.

        ``closed`` is a boolean mask per slot of the week (closed intervals, may be ignored).
        """


MODELS: dict[str, type[ForecastModel]] = {}


def register_model(cls: type[ForecastModel]) -> type[ForecastModel]:
    """Class decorator adding a model (constructed with defaults) to :data:`MODELS`."""
    MODELS[cls.name] = cls
    return cls


def available_models() -> list[str]:
    """Names of the registered models, in registration order."""
    return list(MODELS)


def profile(ws: WallSeries, weeks: int) -> np.ndarray:
    """Per slot of the week, the mean of its last ``weeks`` observed values (NaN if none)."""
    recent = ws.recent(weeks)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(recent, axis=0)


def robust_cap(ws: WallSeries, weeks: int = 8, q: float = 0.999) -> WallSeries:
    """Spikes capped: each value at most the larger of the Poisson ``q`` quantile and 1.5 times
    the median of its slot of the week over the last ``weeks`` observations (median >= 1).

    Used by the statsmodels models so one burst (an outage, a mailing) does not bend a week of
    forecasts; the baselines see the raw history.
    """
    from scipy import stats

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        med = np.nanmedian(ws.recent(weeks), axis=0)
    med = np.maximum(np.nan_to_num(med, nan=1.0), 1.0)
    cap = np.maximum(stats.poisson.ppf(q, med), 1.5 * med)[ws.slot_of_week()]
    y = np.where(np.isnan(ws.y), np.nan, np.minimum(ws.y, cap))
    return WallSeries(y, ws.start, ws.freq)


@contextmanager
def _fitting(name: str, *quiet: type[Warning]) -> Iterator[None]:
    """Around a statsmodels fit: its convergence and runtime warnings (and ``quiet``) are
    silenced, and a failed fit is a :class:`ModelError` naming the model."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        for category in quiet:
            warnings.simplefilter("ignore", category)
        try:
            yield
        except (ValueError, np.linalg.LinAlgError) as exc:
            raise ModelError(f"{name}: fit failed ({exc})") from exc


def poisson_irls(x: np.ndarray, y: np.ndarray, w: np.ndarray, *, maxiter: int = 50,
                 tol: float = 1e-9, ridge: float = 1e-8) -> np.ndarray:
    """Coefficients of a weighted Poisson GLM (log link) by iteratively reweighted least
    squares: the estimate of ``statsmodels`` ``GLM(y, x, Poisson(), var_weights=w)``, without
    its per-call overhead (the backtest fits this model many times)."""
    mu = (y + y.mean()) / 2.0
    eta = np.log(mu)
    dev_old = np.inf
    beta = np.zeros(x.shape[1])
    for _ in range(maxiter):
        z = eta + (y - mu) / mu
        xw = x * (w * mu)[:, None]
        gram = x.T @ xw
        # a tiny ridge keeps ill-conditioned designs (many Fourier terms over a short
        # opening window) from cancelling huge coefficients against each other
        gram[np.diag_indices_from(gram)] += ridge * float(np.mean(np.diag(gram)))
        beta = np.linalg.pinv(gram, rcond=1e-12, hermitian=True) @ (xw.T @ z)
        eta = np.clip(x @ beta, -50, 50)
        mu = np.exp(eta)
        with np.errstate(divide="ignore", invalid="ignore"):
            term = np.where(y > 0, y * np.log(y / mu), 0.0)
        dev = float(2 * (w * (term - (y - mu))).sum())
        if not np.isfinite(dev) or not np.isfinite(beta).all():
            raise ValueError("IRLS diverged (NaN, inf or invalid value)")
        if abs(dev - dev_old) <= tol * (abs(dev) + 0.1):
            break
        dev_old = dev
    return np.asarray(beta)


def _finite(name: str, out: np.ndarray) -> np.ndarray:
    """``out``, or a :class:`ModelError` if any value is not finite."""
    if not np.isfinite(out).all():
        raise ModelError(f"{name}: non-finite forecast")
    return out


def _tail_weeks(ws: WallSeries, weeks: int) -> WallSeries:
    """The last ``weeks`` whole weeks of ``ws`` (all of it when shorter), so the weekday of
    the first step is kept consistent with ``start``."""
    keep = 7 * max(int(weeks), 2)
    if ws.days <= keep:
        return ws
    drop = ws.days - keep
    return WallSeries(ws.y[drop * ws.per_day:].copy(), ws.start + pd.Timedelta(days=drop),
                      ws.freq)


def _by_slot(ws: WallSeries, values: np.ndarray, horizon: int) -> np.ndarray:
    sow = ws.slot_of_week(len(ws.y), horizon)
    return np.nan_to_num(values[sow], nan=0.0)


@register_model
class SeasonalNaive(ForecastModel):
    """Same interval of the week, last observed week."""

    name = "seasonal_naive"
    complexity = 0
    calendar_aware = False

    def fit_predict(self, ws: WallSeries, horizon: int, closed: np.ndarray) -> np.ndarray:
        return _by_slot(ws, ws.recent(1)[0], horizon)


@register_model
class HistoricalAverage(ForecastModel):
    """Mean of the last ``weeks`` observed values of each interval of the week."""

    name = "historical_average"
    complexity = 1
    calendar_aware = False

    def __init__(self, weeks: int = 4) -> None:
        self.weeks = weeks

    def fit_predict(self, ws: WallSeries, horizon: int, closed: np.ndarray) -> np.ndarray:
        return _by_slot(ws, profile(ws, self.weeks), horizon)


def day_types(ws: WallSeries, busy_share: float = 0.6) -> np.ndarray:
    """Day type per weekday (0 = busy days sharing a profile; quieter days one type each).

    Weekdays never observed get type -1.
    """
    days = ws.y.reshape(ws.days, ws.per_day)
    complete = np.isnan(days).mean(axis=1) < 0.5
    totals = np.nansum(days, axis=1)
    dow = (ws.first_dow + np.arange(ws.days)) % 7
    mean = np.full(7, np.nan)
    for d in range(7):
        hit = complete & (dow == d)
        if hit.any():
            mean[d] = totals[hit].mean()
    types = np.full(7, -1)
    top = np.nanmax(mean) if np.isfinite(mean).any() else 0.0
    nxt = 1
    for d in range(7):
        if not np.isfinite(mean[d]):
            continue
        if top > 0 and mean[d] >= busy_share * top:
            types[d] = 0
        else:
            types[d] = nxt
            nxt += 1
    return types


@register_model
class PoissonGLM(ForecastModel):
    """Poisson GLM: day-of-week level + Fourier intraday profile per day type, recency-weighted."""

    name = "poisson_glm"
    complexity = 4

    def __init__(self, harmonics: int = 16, half_life_weeks: float = 2.0) -> None:
        self.harmonics = harmonics
        self.half_life_weeks = half_life_weeks

    def _design(self, ws: WallSeries, dow: np.ndarray, slot: np.ndarray,
                types: np.ndarray, harmonics: list[int]) -> np.ndarray:
        angle = 2 * np.pi * slot / ws.per_day
        cols = [np.eye(7)[dow]]
        t = types[dow]
        for j, k in enumerate(harmonics):
            if k < 1:
                continue
            fourier = np.column_stack(
                [f(h * angle) for h in range(1, k + 1) for f in (np.sin, np.cos)]
            )
            cols.append(fourier * (t == j)[:, None])
        return np.hstack(cols)

    def _harmonics(self, ws: WallSeries, dow: np.ndarray, slot: np.ndarray,
                   types: np.ndarray) -> list[int]:
        """Fourier pairs per day type, capped by the open slots it has (well-posed fit)."""
        cap = max(1, min(self.harmonics, ws.per_day // 2 - 1))
        out = []
        for j in range(int(types.max()) + 1):
            distinct = len(np.unique(slot[types[dow] == j]))
            out.append(min(cap, distinct // 4))
        return out

    def fit_predict(self, ws: WallSeries, horizon: int, closed: np.ndarray) -> np.ndarray:
        ws = robust_cap(ws)
        types = day_types(ws)
        dow, slot, sow = ws.dow(), ws.slot(), ws.slot_of_week()
        keep = ~np.isnan(ws.y) & ~closed[sow] & (types[dow] >= 0)
        if keep.sum() < 2 * ws.per_day:
            raise ModelError("poisson_glm: fewer than two days of open intervals")
        harmonics = self._harmonics(ws, dow[keep], slot[keep], types)
        age = (len(ws.y) - 1 - np.flatnonzero(keep)) / ws.per_week
        hl = self.half_life_weeks
        w = 0.5 ** (age / hl) if hl > 0 else np.ones(len(age))
        # Rows of one slot of the week share their design row, so the weighted Poisson
        # likelihood only needs the weighted mean count and the weight sum per slot: the
        # fit is exact and its size does not grow with the length of history.
        cell = sow[keep]
        wsum = np.bincount(cell, weights=w, minlength=ws.per_week)
        wy = np.bincount(cell, weights=w * ws.y[keep], minlength=ws.per_week)
        cells = np.flatnonzero(wsum > 0)
        cdow, cslot = cells // ws.per_day, cells % ws.per_day
        # a failed fit (thin history: a weekday seen once) is retried with a coarser profile
        error: ModelError | None = None
        for cap in dict.fromkeys([None, 8, 4, 2]):
            harm = harmonics if cap is None else [min(k, cap) for k in harmonics]
            x = self._design(ws, cdow, cslot, types, harm)
            used = x.any(axis=0)
            try:
                with _fitting(self.name, SingularMatrixWarning):
                    # a floor of 0.01 calls per interval keeps all-zero cells at the edge of
                    # opening hours from pulling the log-linear fit to -inf
                    mean = np.maximum(wy[cells] / wsum[cells], 0.01)
                    params = poisson_irls(x[:, used], mean, wsum[cells])
                harmonics = harm
                break
            except ModelError as exc:
                error = exc
        else:
            raise error or ModelError(f"{self.name}: fit failed")
        n = len(ws.y)
        fdow, fslot = ws.dow(n, horizon), ws.slot(n, horizon)
        ok = types[fdow] >= 0
        out = np.zeros(horizon)
        if ok.any():
            xf = self._design(ws, fdow[ok], fslot[ok], types, harmonics)[:, used]
            out[ok] = np.exp(np.clip(xf @ params, -50, 50))
        return _finite(self.name, out)


@register_model
class HoltWinters(ForecastModel):
    """Holt-Winters with an additive weekly season on sqrt-transformed counts."""

    name = "holt_winters"
    min_weeks = 2
    complexity = 5

    def __init__(self, window_weeks: int = 8) -> None:
        self.window_weeks = int(window_weeks)

    def fit_predict(self, ws: WallSeries, horizon: int, closed: np.ndarray) -> np.ndarray:
        ws = robust_cap(_tail_weeks(ws, self.window_weeks))
        y = ws.y.copy()
        gaps = np.isnan(y)
        if gaps.any():
            fill = profile(ws, 4)[ws.slot_of_week()]
            y[gaps] = fill[gaps]
        y = np.nan_to_num(y, nan=0.0)
        if len(y) < 2 * ws.per_week:
            raise ModelError("holt_winters: needs two full weeks")
        z = np.sqrt(y + 3.0 / 8.0)
        with _fitting(self.name):
            res = ExponentialSmoothing(
                z, trend=None, seasonal="add", seasonal_periods=ws.per_week,
                initialization_method="heuristic",
            ).fit(use_brute=False)
        zf = np.asarray(res.forecast(horizon), dtype=float)
        # E[y] ~ E[z]^2 - 1/8 for the Anscombe transform (Var z ~ 1/4)
        out = np.maximum(zf, 0.0) ** 2 - 1.0 / 8.0
        return _finite(self.name, out)


@register_model
class Ensemble(ForecastModel):
    """Mean of the Poisson GLM and Holt-Winters forecasts."""

    name = "ensemble"
    min_weeks = 2
    complexity = 6

    def fit_predict(self, ws: WallSeries, horizon: int, closed: np.ndarray) -> np.ndarray:
        a = PoissonGLM().fit_predict(ws, horizon, closed)
        b = HoltWinters().fit_predict(ws, horizon, closed)
        return 0.5 * (a + b)
