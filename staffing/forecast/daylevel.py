"""Day-level models: a forecast of each day's total times an intraday profile per day type.

Call volume is well described as ``day total x share of the day per interval`` (Shen & Huang
2008; Ibrahim & L'Ecuyer 2013): day totals carry the level, the weekday pattern and calendar
effects; the intraday shape is stable and can be pooled over many weeks. The models here fit
on the calendar-adjusted, outlier-dampened history (see :mod:`staffing.forecast.calendar`).

``day_profile``
    Day totals: weekday factors (two-way weekday x week fit, recency-weighted, half-life
    ``season_half_life_weeks``) times a level (recency-weighted mean of deseasonalised totals,
    half-life ``level_half_life_weeks``). Profile: recency-weighted share of the day per
    interval for each weekday, shrunk toward its day type's pooled profile and kernel-smoothed
    over ``smooth_min`` minutes.
``day_glm``
    Day totals from a Poisson GLM on daily totals (weekday terms, a linear level trend damped
    in the forecast, recency weights), times the same profile.
``svd``
    Shen & Huang's low-rank day x interval decomposition: the root-transformed day x interval
    matrix of recent weeks is reduced to ``rank`` singular components; each day's scores are
    forecast by a recency-weighted level plus a weekday effect, then unrooted.
"""

from __future__ import annotations

import warnings
from abc import abstractmethod

import numpy as np
import statsmodels.api as sm

from staffing.forecast.data import WallSeries
from staffing.forecast.models import (
    ForecastModel,
    ModelError,
    _finite,
    _fitting,
    day_types,
    register_model,
    robust_cap,
)


def _days(ws: WallSeries, window_weeks: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The last ``window_weeks`` weeks as a (days, per_day) matrix, weekday per row, and the
    age in days of each row (0 = last history day)."""
    m = ws.y.reshape(ws.days, ws.per_day)
    keep = min(ws.days, 7 * window_weeks)
    m = m[-keep:]
    dow = (ws.first_dow + np.arange(ws.days - keep, ws.days)) % 7
    age = np.arange(keep)[::-1].astype(float)
    return m, dow, age


def _complete(m: np.ndarray) -> np.ndarray:
    return ~np.isnan(m).any(axis=1)


def _decay(age_days: np.ndarray, half_life_weeks: float) -> np.ndarray:
    if half_life_weeks <= 0:
        return np.ones(len(age_days))
    return np.asarray(0.5 ** (age_days / (7.0 * half_life_weeks)))


def weekday_factors(totals: np.ndarray, dow: np.ndarray, age: np.ndarray,
                    half_life_weeks: float, iterations: int = 15) -> np.ndarray:
    """Multiplicative weekday factors (mean 1 over weekdays with volume) of daily totals.

    Two-way fit ``total ~ week level x weekday factor`` by alternating weighted means, weeks
    counted back from the last day (so a partly observed week still helps).
    """
    ok = np.isfinite(totals)
    week = (age // 7).astype(int)
    w = _decay(age, half_life_weeks)
    s = np.ones(7)
    nweeks = int(week.max()) + 1 if len(week) else 1
    level = np.ones(nweeks)
    for _ in range(iterations):
        num = np.bincount(week[ok], weights=totals[ok], minlength=nweeks)
        den = np.bincount(week[ok], weights=s[dow[ok]], minlength=nweeks)
        level = np.where(den > 0, num / np.maximum(den, 1e-12), 0.0)
        num_s = np.bincount(dow[ok], weights=w[ok] * totals[ok], minlength=7)
        den_s = np.bincount(dow[ok], weights=w[ok] * level[week[ok]], minlength=7)
        s = np.where(den_s > 0, num_s / np.maximum(den_s, 1e-12), 0.0)
        pos = s > 0
        if pos.any():
            s = s / s[pos].mean()
    return s


def day_profiles(m: np.ndarray, dow: np.ndarray, age: np.ndarray, types: np.ndarray,
                 *, half_life_weeks: float, prior_calls_per_slot: float,
                 smooth_slots: float) -> np.ndarray:
    """Share of the day per interval (7, per_day), rows summing to 1 (0 for empty weekdays).

    Each weekday's recency-weighted share is shrunk toward its day type's pooled share with a
    prior weight of ``prior_calls_per_slot`` calls per interval, then kernel-smoothed.
    """
    per_day = m.shape[1]
    ok = _complete(m)
    w = _decay(age, half_life_weeks)
    num = np.zeros((7, per_day))
    tot = np.zeros(7)
    for d in range(7):
        hit = ok & (dow == d)
        if hit.any():
            num[d] = (w[hit, None] * m[hit]).sum(axis=0)
            tot[d] = num[d].sum()
    out = np.zeros((7, per_day))
    prior = prior_calls_per_slot * per_day
    for d in range(7):
        if tot[d] <= 0:
            continue
        same = (types == types[d]) & (tot > 0) if types[d] >= 0 else np.eye(7, dtype=bool)[d]
        pooled = num[same].sum(axis=0)
        pooled /= max(pooled.sum(), 1e-12)
        own = num[d] / tot[d]
        share = (tot[d] * own + prior * pooled) / (tot[d] + prior)
        out[d] = _smooth(share, smooth_slots)
    return out


def _smooth(share: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian kernel smoothing (``sigma`` in slots) that keeps empty slots empty."""
    if sigma < 0.35 or share.sum() <= 0:
        return share / max(share.sum(), 1e-12)
    half = int(np.ceil(3 * sigma))
    k = np.exp(-0.5 * (np.arange(-half, half + 1) / sigma) ** 2)
    k /= k.sum()
    open_ = share > 0
    sm_ = np.convolve(share, k, mode="same")
    norm = np.convolve(open_.astype(float), k, mode="same")
    out = np.where(open_, sm_ / np.maximum(norm, 1e-12), 0.0)
    return out / max(out.sum(), 1e-12)


_ROOT_GRID: tuple[np.ndarray, np.ndarray] | None = None


def unroot(x: np.ndarray) -> np.ndarray:
    """Poisson mean ``mu`` whose ``E[sqrt(Y + 1/4)]`` is ``x`` (inverse of the root transform;
    plain ``x**2`` is biased upward at low counts)."""
    global _ROOT_GRID
    if _ROOT_GRID is None:
        from scipy import stats

        mu = np.r_[0.0, np.geomspace(1e-3, 400.0, 400)]
        k = np.arange(0, 600)
        pmf = stats.poisson.pmf(k[None, :], mu[:, None])
        g = (pmf * np.sqrt(k + 0.25)[None, :]).sum(axis=1)
        _ROOT_GRID = (g, mu)
    g, mu = _ROOT_GRID
    x = np.asarray(x, dtype=float)
    out = np.interp(x, g, mu)
    big = x > g[-1]
    out[big] = x[big] ** 2
    return np.asarray(np.where(x <= g[0], 0.0, out))


class _DayModel(ForecastModel):
    """Shared profile part of the day-level models."""

    min_weeks = 1
    calendar_aware = True

    def __init__(self, window_weeks: int = 26, profile_half_life_weeks: float = 6.0,
                 season_half_life_weeks: float = 8.0, level_half_life_weeks: float = 1.0,
                 smooth_min: float = 10.0, prior_calls_per_slot: float = 20.0,
                 spike_cap: float = 1.0) -> None:
        self.window_weeks = int(window_weeks)
        self.profile_half_life_weeks = float(profile_half_life_weeks)
        self.season_half_life_weeks = float(season_half_life_weeks)
        self.level_half_life_weeks = float(level_half_life_weeks)
        self.smooth_min = float(smooth_min)
        self.prior_calls_per_slot = float(prior_calls_per_slot)
        self.spike_cap = float(spike_cap)

    @abstractmethod
    def day_totals(self, totals: np.ndarray, dow: np.ndarray, age: np.ndarray,
                   future_dow: np.ndarray, future_ahead: np.ndarray) -> np.ndarray:
        """Forecast daily totals (calls per day) for the days ahead.

        ``totals`` are the history's daily totals (NaN where a day is incomplete), ``dow`` their
        weekday (0 = Monday), ``age`` their age in days; ``future_dow`` and ``future_ahead``
        (days ahead, 1 = tomorrow) describe the days to forecast. Each day-level model
        (``DayProfile``, ``DayGLM``) supplies its own; the intraday profile is shared.
        """

    def fit_predict(self, ws: WallSeries, horizon: int, closed: np.ndarray) -> np.ndarray:
        if self.spike_cap:
            ws = robust_cap(ws)
        m, dow, age = _days(ws, self.window_weeks)
        ok = _complete(m)
        if ok.sum() < 5:
            raise ModelError(f"{self.name}: fewer than 5 complete days")
        totals = np.where(ok, np.nansum(m, axis=1), np.nan)
        types = day_types(ws)
        smooth = self.smooth_min * 60.0 / ws.freq.total_seconds()
        shares = day_profiles(m, dow, age, types, half_life_weeks=self.profile_half_life_weeks,
                              prior_calls_per_slot=self.prior_calls_per_slot,
                              smooth_slots=smooth)
        n = len(ws.y)
        ndays = -(-horizon // ws.per_day) + 1
        first_day = n // ws.per_day
        fdow = (ws.first_dow + first_day + np.arange(ndays)) % 7
        ahead = np.arange(1, ndays + 1, dtype=float)
        dt_ = self.day_totals(totals, dow, age, fdow, ahead)
        dt_ = np.where(np.isfinite(dt_), np.maximum(dt_, 0.0), 0.0)
        out = (dt_[:, None] * shares[fdow]).reshape(-1)[:horizon]
        return _finite(self.name, out)


@register_model
class DayProfile(_DayModel):
    """Weekday-factor x level day totals times a pooled, smoothed intraday profile."""

    name = "day_profile"
    complexity = 2

    def day_totals(self, totals: np.ndarray, dow: np.ndarray, age: np.ndarray,
                   future_dow: np.ndarray, future_ahead: np.ndarray) -> np.ndarray:
        s = weekday_factors(totals, dow, age, self.season_half_life_weeks)
        ok = np.isfinite(totals) & (s[dow] > 0)
        w = _decay(age, self.level_half_life_weeks)[ok] * s[dow[ok]]
        # weighted ratio estimator of the level: sum w*total/s / sum w, with weights s so that
        # quiet days (noisier ratios) count less
        level = float((w * totals[ok] / s[dow[ok]]).sum() / max(w.sum(), 1e-12))
        return level * s[future_dow]


@register_model
class DayGLM(_DayModel):
    """Poisson GLM on daily totals (weekday + damped linear trend) times the pooled profile."""

    name = "day_glm"
    complexity = 3

    def __init__(self, trend_damping: float = 0.5, glm_half_life_weeks: float = 4.0,
                 **kwargs: float) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.trend_damping = float(trend_damping)
        self.glm_half_life_weeks = float(glm_half_life_weeks)

    def day_totals(self, totals: np.ndarray, dow: np.ndarray, age: np.ndarray,
                   future_dow: np.ndarray, future_ahead: np.ndarray) -> np.ndarray:
        ok = np.isfinite(totals)
        present = np.unique(dow[ok & (totals > 0)])
        rows = ok & np.isin(dow, present)
        if rows.sum() < len(present) + 3:
            raise ModelError("day_glm: too few days for the weekday + trend fit")
        t = -age / 7.0  # weeks, 0 = last day
        x = np.column_stack([(dow[rows, None] == present[None, :]).astype(float), t[rows]])
        w = _decay(age[rows], self.glm_half_life_weeks)
        with _fitting(self.name):
            res = sm.GLM(np.maximum(totals[rows], 0.0), x, family=sm.families.Poisson(),
                         var_weights=w).fit(maxiter=50, tol=1e-8)
        beta = np.asarray(res.params)
        slope = float(beta[-1])
        # a trend beyond +-10 % a week is not extrapolated
        slope = float(np.clip(slope, -0.1, 0.1))
        out = np.zeros(len(future_dow))
        idx = {int(d): k for k, d in enumerate(present)}
        for j, d in enumerate(future_dow):
            if int(d) in idx:
                tf = self.trend_damping * future_ahead[j] / 7.0
                out[j] = np.exp(np.clip(beta[idx[int(d)]] + slope * tf, -50, 50))
        return out


@register_model
class LowRankSVD(ForecastModel):
    """Shen & Huang (2008): rank-``rank`` SVD of the root day x interval matrix, scores
    forecast by a recency-weighted level plus a weekday effect."""

    name = "svd"
    min_weeks = 1
    complexity = 3
    calendar_aware = True

    def __init__(self, rank: int = 3, window_weeks: int = 16,
                 level_half_life_weeks: float = 1.5,
                 season_half_life_weeks: float = 6.0, spike_cap: float = 1.0) -> None:
        self.spike_cap = float(spike_cap)
        self.rank = int(rank)
        self.window_weeks = int(window_weeks)
        self.level_half_life_weeks = float(level_half_life_weeks)
        self.season_half_life_weeks = float(season_half_life_weeks)

    def fit_predict(self, ws: WallSeries, horizon: int, closed: np.ndarray) -> np.ndarray:
        if self.spike_cap:
            ws = robust_cap(ws)
        m, dow, age = _days(ws, self.window_weeks)
        ok = _complete(m) & (np.nansum(m, axis=1) > 0)
        if ok.sum() < max(7, self.rank + 2):
            raise ModelError("svd: fewer than 7 complete open days")
        x = np.sqrt(m[ok] + 0.25)
        d_ok, a_ok = dow[ok], age[ok]
        with _fitting(self.name):
            u, s, vt = np.linalg.svd(x, full_matrices=False)
        k = max(1, min(self.rank, len(s)))
        scores = u[:, :k] * s[:k]
        n = len(ws.y)
        ndays = -(-horizon // ws.per_day) + 1
        first_day = n // ws.per_day
        fdow = (ws.first_dow + first_day + np.arange(ndays)) % 7
        ws_season = _decay(a_ok, self.season_half_life_weeks)
        ws_level = _decay(a_ok, self.level_half_life_weeks)
        present = np.zeros(7, bool)
        present[np.unique(d_ok)] = True
        fc = np.zeros((ndays, k))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            for j in range(k):
                b = scores[:, j]
                eff = np.zeros(7)
                wsum = np.bincount(d_ok, weights=ws_season, minlength=7)
                eff_num = np.bincount(d_ok, weights=ws_season * b, minlength=7)
                eff[present] = eff_num[present] / wsum[present]
                resid = b - eff[d_ok]
                level = float((ws_level * resid).sum() / ws_level.sum())
                fc[:, j] = level + eff[fdow]
        xf = fc @ vt[:k]
        yf = unroot(xf)
        yf[~present[fdow]] = 0.0
        return _finite(self.name, yf.reshape(-1)[:horizon])
