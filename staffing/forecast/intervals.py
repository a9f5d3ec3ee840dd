"""Prediction intervals calibrated on the backtest residuals, per horizon and volume level.

The interval of an interval's count is a pair of negative-binomial quantiles around the mean.
Per cell (day-ahead bucket x volume bin of the predicted mean) the dispersion is estimated from
the backtest errors of the chosen model, then the two tail probabilities are tuned so that the
share of backtest actuals below the lower bound and above the upper bound are each
``(1 - level) / 2``: the bounds then cover ``level`` of the backtest, whatever the errors'
shape. The reported coverage is cross-fitted: calibrated on one half of the origins, measured
on the other (and vice versa).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from staffing.forecast.backtest import dispersion

#: Fewest backtest pairs a cell needs; smaller cells merge with their neighbours.
MIN_CELL = 150
#: Day-ahead buckets (upper edges, inclusive).
AHEAD_EDGES = (1, 3, 7, 14, 10_000)
VOLUME_BINS = 3


def _ppf(q: float, mu: np.ndarray, alpha: float) -> np.ndarray:
    if alpha > 1e-9:
        n = 1.0 / alpha
        return np.asarray(stats.nbinom.ppf(q, n, n / (n + mu)), dtype=float)
    return np.asarray(stats.poisson.ppf(q, mu), dtype=float)


def _cdf(k: np.ndarray, mu: np.ndarray, alpha: float) -> np.ndarray:
    if alpha > 1e-9:
        n = 1.0 / alpha
        return np.asarray(stats.nbinom.cdf(k, n, n / (n + mu)), dtype=float)
    return np.asarray(stats.poisson.cdf(k, mu), dtype=float)


def _tails(a: np.ndarray, mu: np.ndarray, alpha: float, target: float) -> tuple[float, float]:
    """Tail probabilities (lower, upper) whose quantile bounds leave ``target`` of ``a`` below
    the lower and ``target`` above the upper bound.

    For a discrete law ``ppf(q) = min{k: F(k) >= q}``, so ``a < ppf(q)`` iff ``F(a) < q`` and
    ``a > ppf(p)`` iff ``F(a - 1) >= p``: both miss rates follow from two CDF evaluations.
    """
    f_a = np.sort(_cdf(a, mu, alpha))
    f_b = np.sort(_cdf(a - 1, mu, alpha))
    k = int(np.floor(target * len(a)))
    q_lo = float(f_a[min(k, len(a) - 1)])
    # upper: the share with F(a-1) >= 1 - q must be <= target
    p = float(f_b[max(len(a) - k - 1, 0)]) if k < len(a) else 0.0
    q_hi = 1.0 - p
    return float(np.clip(q_lo, 1e-4, 0.5)), float(np.clip(q_hi, 1e-4, 0.5))


@dataclass
class Cell:
    """One calibration cell: days ahead ``[ahead_lo, ahead_hi]``, means ``[mu_lo, mu_hi)``."""

    ahead_lo: int
    ahead_hi: int
    mu_lo: float
    mu_hi: float
    alpha: float
    q_lower: float
    q_upper: float
    pairs: int


@dataclass
class Calibration:
    """Calibrated interval cells and the cross-fitted backtest coverage.

    Attributes
    ----------
    cells:
        The calibration cells (see :class:`Cell`).
    level:
        Nominal coverage.
    coverage:
        Share of backtest actuals (intervals with a positive forecast) inside the interval
        calibrated on the other half of the origins; NaN when it could not be measured.
    dispersion:
        Pooled negative-binomial dispersion of the errors (for the report).
    """

    cells: list[Cell]
    level: float
    coverage: float = np.nan
    dispersion: float = 0.0
    notes: list[str] = field(default_factory=list)

    def bounds(self, mu: np.ndarray, ahead: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds (calls) for means ``mu`` forecast ``ahead`` days ahead."""
        mu = np.clip(np.asarray(mu, float), 0.0, None)
        lower = np.zeros_like(mu)
        upper = np.zeros_like(mu)
        done = np.zeros(len(mu), bool)
        for c in self.cells:
            hit = (~done & (ahead >= c.ahead_lo) & (ahead <= c.ahead_hi) & (mu >= c.mu_lo)
                   & (mu < c.mu_hi) & (mu > 0))
            if hit.any():
                lower[hit] = _ppf(c.q_lower, mu[hit], c.alpha)
                upper[hit] = _ppf(1 - c.q_upper, mu[hit], c.alpha)
                done |= hit
        rest = ~done & (mu > 0)
        if rest.any():  # beyond the calibrated horizon: the last cell of the largest volume
            last = (max(self.cells, key=lambda c: (c.ahead_hi, c.mu_hi)) if self.cells
                    else None)
            q_lo, q_hi = ((last.q_lower, last.q_upper) if last else ((1 - self.level) / 2,) * 2)
            a = last.alpha if last else self.dispersion
            lower[rest] = _ppf(q_lo, mu[rest], a)
            upper[rest] = _ppf(1 - q_hi, mu[rest], a)
        return np.minimum(lower, mu), np.maximum(upper, mu)


def _cells(a: np.ndarray, p: np.ndarray, ahead: np.ndarray, level: float) -> list[Cell]:
    target = (1 - level) / 2
    groups: list[tuple[int, int]] = []
    lo = 1
    for e in AHEAD_EDGES:
        if ((ahead >= lo) & (ahead <= e)).sum() >= MIN_CELL * VOLUME_BINS:
            groups.append((lo, e))
            lo = e + 1
    # what is left after the last full bucket joins it; short horizons make one bucket
    groups = [(1, 10_000)] if not groups else [*groups[:-1], (groups[-1][0], 10_000)]
    cells = []
    for g_lo, g_hi in groups:
        hit = (ahead >= g_lo) & (ahead <= g_hi)
        ag, pg = a[hit], p[hit]
        nb = max(1, min(VOLUME_BINS, len(ag) // MIN_CELL))
        qs = np.quantile(pg, np.linspace(0, 1, nb + 1)[1:-1]) if nb > 1 else np.array([])
        edges_mu = np.r_[0.0, np.unique(qs), np.inf]
        for k in range(len(edges_mu) - 1):
            m_lo, m_hi = edges_mu[k], edges_mu[k + 1]
            sel = (pg >= m_lo) & (pg < m_hi)
            if sel.sum() < 10:
                continue
            alpha = dispersion(ag[sel], pg[sel])
            q_lo, q_hi = _tails(ag[sel], pg[sel], alpha, target)
            cells.append(Cell(g_lo, g_hi, float(m_lo), float(m_hi), alpha, q_lo, q_hi,
                              int(sel.sum())))
    return cells


def calibrate(actual: dict[int, np.ndarray], pred: dict[int, np.ndarray], ahead: np.ndarray,
              level: float) -> Calibration:
    """Calibrate on backtest predictions (per origin) of the chosen candidate."""
    origins = sorted(pred)
    a_all, p_all, h_all, o_all = [], [], [], []
    for o in origins:
        a, p = actual[o], pred[o]
        ok = ~np.isnan(a) & (p > 0)
        a_all.append(a[ok])
        p_all.append(p[ok])
        h_all.append(ahead[ok])
        o_all.append(np.full(int(ok.sum()), o))
    if not origins or sum(len(x) for x in a_all) < 10:
        return Calibration([], level, notes=["prediction interval: too few backtest errors "
                                             "to calibrate; Poisson bounds"])
    a, p, h, org = (np.concatenate(x) for x in (a_all, p_all, h_all, o_all))
    cal = Calibration(_cells(a, p, h, level), level, dispersion=dispersion(a, p))
    if len(origins) >= 2:
        half = np.isin(org, origins[len(origins) // 2:])
        inside = 0
        total = 0
        for train in (half, ~half):
            test = ~train
            if train.sum() < 10 or test.sum() < 1:
                continue
            c = Calibration(_cells(a[train], p[train], h[train], level), level,
                            dispersion=dispersion(a[train], p[train]))
            lo, hi = c.bounds(p[test], h[test])
            inside += int(((a[test] >= lo) & (a[test] <= hi)).sum())
            total += int(test.sum())
        cal.coverage = inside / total if total else np.nan
    return cal
