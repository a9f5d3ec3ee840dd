"""Long synthetic call-volume histories for honest evaluation (benchmarks, tests).

A history is drawn interval by interval as negative-binomial counts around
``level(day) x weekday factor x calendar effects x intraday share``, with

* a weekly pattern and an intraday profile per *shape* (see :data:`SHAPES`): a weekday-only
  bank (Mon-Fri 08:00-18:00, lunch dip), a seven-day retail line with quiet weekends, and a
  Sunday-Thursday centre with a short Friday and a Saturday evening (like the bundled data);
* a slow trend, random level shifts, AR(1) day-to-day noise;
* calendar effects: the first open days of a month, the first open day after a closure;
* holidays (closed weekdays, listed in ``attrs['holidays']``), whole missing days (rows
  absent), and rare outlier days (a mailing or an outage).

The generator knows the truth (column ``mean_calls``: the intensity per interval), so a benchmark
can also report the Poisson noise floor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from staffing.grid import INDEX_NAME, IntervalGrid


@dataclass(frozen=True)
class Shape:
    """Weekly and intraday pattern of a synthetic centre.

    ``weekday`` holds the factor per weekday (Monday first; 0 = closed); ``hours`` the open
    hours per weekday as (open, close) in hours; ``peaks`` the intraday peaks as
    (hour, width_hours, weight).
    """

    weekday: tuple[float, ...]
    hours: tuple[tuple[float, float], ...]
    peaks: tuple[tuple[float, float, float], ...]


SHAPES = {
    "weekday_bank": Shape((1.25, 1.05, 1.0, 0.97, 0.9, 0.0, 0.0),
                          ((8, 18),) * 5 + ((0, 0),) * 2,
                          ((10.0, 1.3, 1.0), (14.5, 1.6, 0.8))),
    "retail_7d": Shape((1.1, 1.0, 1.0, 1.0, 1.05, 0.7, 0.45),
                       ((8, 22),) * 5 + ((9, 20), (10, 18)),
                       ((11.0, 2.0, 1.0), (19.0, 1.8, 0.7))),
    "sun_thu": Shape((1.0, 0.95, 0.95, 0.9, 0.35, 0.08, 1.1),
                     ((7, 24),) * 4 + ((7, 14), (19, 23), (7, 24)),
                     ((10.0, 1.5, 1.0), (16.0, 2.0, 0.6), (21.0, 1.0, 0.35))),
}


def synthetic_history(
    *,
    weeks: int = 52,
    freq: str = "15min",
    shape: str | Shape = "weekday_bank",
    daily_calls: float = 3000.0,
    seed: int = 0,
    tz: str = "Europe/Berlin",
    start: str = "2023-01-02",
    trend_per_year: float = 0.08,
    level_shifts: int = 2,
    month_start: float = 1.15,
    after_closure: float = 1.3,
    holidays_per_year: int = 8,
    missing_days: int = 3,
    outlier_days: int = 3,
    dispersion: float = 0.02,
) -> pd.DataFrame:
    """A history frame (``calls``, ``answered``, ``aht_s``) on the ``freq`` grid of ``tz``.

    ``daily_calls`` is the mean volume of a weekday with factor 1; column ``mean_calls`` is
    the true intensity per interval; ``shape`` is a name of :data:`SHAPES` or a
    :class:`Shape` (e.g. a 24/7 line). ``attrs`` carry ``freq``, ``tz``, ``holidays`` (closed
    dates), ``missing`` (absent dates) and ``outliers``.
    """
    if isinstance(shape, Shape):
        sh = shape
    elif shape in SHAPES:
        sh = SHAPES[shape]
    else:
        raise ValueError(f"shape: got {shape!r}, expected one of {list(SHAPES)} or a Shape")
    rng = np.random.default_rng(seed)
    grid = IntervalGrid.of(tz, freq)
    ndays = 7 * weeks
    dates = pd.date_range(start, periods=ndays, freq="D").date
    dow = np.array([d.weekday() for d in dates])
    open_dow = np.array(sh.weekday) > 0
    # holidays: random open weekdays
    cand = np.flatnonzero(open_dow[dow])
    n_hol = int(round(holidays_per_year * weeks / 52))
    hol = set(rng.choice(cand, size=min(n_hol, len(cand)), replace=False).tolist())
    # level: trend, shifts, AR(1) noise (log scale)
    t = np.arange(ndays) / 365.0
    log_level = np.log(daily_calls) + np.log1p(trend_per_year) * t
    for k in rng.choice(np.arange(28, ndays - 14), size=level_shifts, replace=False):
        log_level[k:] += rng.choice([-1, 1]) * rng.uniform(0.08, 0.2)
    ar = np.zeros(ndays)
    for k in range(1, ndays):
        ar[k] = 0.5 * ar[k - 1] + rng.normal(0, 0.04)
    factor = np.exp(log_level + ar) * np.array(sh.weekday)[dow]
    # calendar effects
    prev_closed = False
    seen_month: dict[tuple[int, int], int] = {}
    for k, d in enumerate(dates):
        is_open = bool(open_dow[dow[k]]) and k not in hol
        if not is_open:
            prev_closed = prev_closed or k in hol
            continue
        key = (d.year, d.month)
        rank = seen_month.get(key, 0)
        seen_month[key] = rank + 1
        if rank < 2:
            factor[k] *= month_start
        if prev_closed:
            factor[k] *= after_closure
        prev_closed = False
    for k in hol:
        factor[k] = 0.0
    outliers = rng.choice(cand, size=min(outlier_days, len(cand)), replace=False)
    for k in outliers:
        factor[k] *= rng.choice([0.4, 1.8])
    # intraday profile per weekday on the wall clock
    per_day = int(pd.Timedelta(days=1) / grid.freq)
    hour = (np.arange(per_day) + 0.5) * grid.freq.total_seconds() / 3600
    prof = np.zeros((7, per_day))
    for d in range(7):
        lo, hi = sh.hours[d]
        if hi <= lo:
            continue
        p = sum(w * np.exp(-0.5 * ((hour - c) / s) ** 2) for c, s, w in sh.peaks) + 0.15
        p = np.where((hour >= lo) & (hour < hi), p, 0.0)
        prof[d] = p / p.sum()
    idx = grid.range(dates[0], ndays)
    local = idx.tz_convert(tz)
    day_i = np.asarray((local.tz_localize(None).normalize()
                        - pd.Timestamp(dates[0])) // pd.Timedelta(days=1))
    slot = np.asarray((local.hour * 60 + local.minute) * 60 // grid.freq.total_seconds(),
                      dtype=int)
    mu = factor[day_i] * prof[dow[day_i], slot]
    # per-interval overdispersion (gamma-Poisson)
    lam = mu * rng.gamma(1 / dispersion, dispersion, len(mu)) if dispersion > 0 else mu
    calls = rng.poisson(lam).astype(float)
    aht = 240 + 25 * np.sin(2 * np.pi * slot / per_day) + 15 * t[day_i] + rng.normal(0, 8,
                                                                                 len(mu))
    frame = pd.DataFrame({"calls": calls, "answered": calls, "mean_calls": mu,
                          "aht_s": np.where(calls > 0, aht, np.nan)},
                         index=pd.DatetimeIndex(idx, name=INDEX_NAME))
    miss_cand = [k for k in cand if k not in hol and k not in set(outliers.tolist())]
    missing = rng.choice(miss_cand, size=min(missing_days, len(miss_cand)), replace=False)
    keep = ~np.isin(day_i, missing)
    if not open_dow.all():  # a weekday-only centre has no weekend rows at all
        keep &= open_dow[dow[day_i]]
    out = frame[keep].copy()
    out.attrs["freq"] = grid.freq
    out.attrs["tz"] = tz
    out.attrs["holidays"] = sorted(dates[k] for k in hol)
    out.attrs["missing"] = sorted(dates[k] for k in missing)
    out.attrs["outliers"] = sorted(dates[k] for k in outliers)
    return out
