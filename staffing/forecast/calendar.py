"""Calendar effects and outlier days: detected on the history, reported, switchable.

Effects (multiplicative on a day's total, estimated from the history):

``after_closure``
    The first open day after a *closure*: a configured holiday, or a normally open weekday with
    no calls or no data (a missing day). Backlog usually makes it busier.
``month_start``
    The first ``month_start_days`` open days of a month (statements, direct debits).
``month_end``
    The last open day of a month.
``pay_days``
    The first open day on or after each configured day of the month (e.g. ``[10, 25]``).

Holidays (a configured list and/or a regional calendar from the ``holidays`` package) are
excluded from fitting and forecast as closed; a day after one is an ``after_closure`` day.

Each effect is ``"auto"`` (used when detected: at least :data:`MIN_DAYS` flagged days whose
ratio to a same-weekday baseline differs from 1 by more than :data:`MIN_EFFECT` and by two
standard errors), ``True`` (always used once estimable) or ``False`` (off). Used effects divide
the history before the non-baseline models fit and multiply their forecast days.

Outlier days (a day total far off both its weekday baseline and the days around it, e.g. an
outage or a mailing) are scaled back to the edge of the normal range (``outlier_z`` robust
standard deviations), not averaged in.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from staffing.exceptions import InputError
from staffing.forecast.data import WallSeries

EFFECTS = ("after_closure", "month_start", "month_end", "pay_days")
MIN_DAYS = 2
MIN_EFFECT = 0.05
#: Same-weekday neighbours (weeks either side) of a day's baseline total.
BASELINE_WEEKS = 4
#: Days either side of a day whose level its outlier test compares against.
LOCAL_DAYS = 3


def _switch(value: Any, name: str) -> bool | str:
    if value is True or value is False or value == "auto":
        return value  # type: ignore[no-any-return]
    raise InputError(name, value, "true, false or \"auto\"")


@dataclass(frozen=True)
class CalendarConfig:
    """Which calendar effects to use, holidays, and outlier damping.

    Attributes
    ----------
    after_closure, month_start, month_end, pay_days:
        ``"auto"`` (used when detected), ``True`` (always) or ``False`` (off) per effect.
    pay_days_of_month:
        Days of the month (1-31) that are pay days; the effect is off without any.
    month_start_days:
        Open days at the start of a month counted as ``month_start`` (>= 1).
    holidays:
        Local dates the centre is closed (history: excluded; forecast: zero).
    region:
        Optional country (or ``"CC-SUBDIV"``) code of the ``holidays`` package, e.g. ``"IL"``,
        ``"DE-BY"``, ``"US-NY"``: its public holidays are added to ``holidays``.
    outlier_z:
        Days further than this many robust standard deviations from the normal range are
        dampened to it; 0 turns damping off.
    """

    after_closure: bool | str = "auto"
    month_start: bool | str = "auto"
    month_end: bool | str = "auto"
    pay_days: bool | str = "auto"
    pay_days_of_month: tuple[int, ...] = ()
    month_start_days: int = 2
    holidays: frozenset[dt.date] = field(default_factory=frozenset)
    region: str | None = None
    outlier_z: float = 3.5

    def __post_init__(self) -> None:
        for name in EFFECTS:
            object.__setattr__(self, name, _switch(getattr(self, name), f"calendar.{name}"))
        days = tuple(self.pay_days_of_month)
        for d in days:
            if not isinstance(d, int) or isinstance(d, bool) or not 1 <= d <= 31:
                raise InputError("calendar.pay_days_of_month", d, "days of the month 1-31")
        object.__setattr__(self, "pay_days_of_month", tuple(sorted(set(days))))
        if (not isinstance(self.month_start_days, int) or isinstance(self.month_start_days, bool)
                or not 1 <= self.month_start_days <= 10):
            raise InputError("calendar.month_start_days", self.month_start_days,
                             "an int from 1 to 10 (open days)")
        hol: set[dt.date] = set()
        for raw in self.holidays:
            try:
                ts = pd.Timestamp(raw)
            except (TypeError, ValueError) as exc:
                raise InputError("calendar.holidays", raw, "dates 'YYYY-MM-DD'") from exc
            if pd.isna(ts):
                raise InputError("calendar.holidays", raw, "dates 'YYYY-MM-DD'")
            hol.add(ts.date())
        object.__setattr__(self, "holidays", frozenset(hol))
        if self.region is not None:
            _region_holidays(self.region, [2000])  # validates the code
        z = self.outlier_z
        if not isinstance(z, int | float) or isinstance(z, bool) or not (z == 0 or z >= 1.5):
            raise InputError("calendar.outlier_z", z, "0 (off) or a number >= 1.5")

    def closed_days(self, years: Iterable[int]) -> frozenset[dt.date]:
        """Configured holidays plus the region's public holidays in ``years``."""
        out = set(self.holidays)
        if self.region is not None:
            out |= _region_holidays(self.region, sorted(set(years)))
        return frozenset(out)


def _region_holidays(region: str, years: list[int]) -> set[dt.date]:
    try:
        import holidays as hol_pkg
    except ImportError as exc:  # pragma: no cover - the package is a dependency
        raise InputError("calendar.region", region, "the 'holidays' package installed") from exc
    country, _, subdiv = str(region).partition("-")
    try:
        cal = hol_pkg.country_holidays(country.upper(), subdiv=subdiv.upper() or None,
                                       years=years)
    except (NotImplementedError, KeyError) as exc:
        raise InputError("calendar.region", region,
                         "a country code of the holidays package, e.g. 'IL' or 'DE-BY'") from exc
    return set(cal.keys())


@dataclass
class CalendarFit:
    """Calendar effects and outlier days estimated on one history (see module doc).

    Attributes
    ----------
    series:
        The history with holidays and closures as missing, used effects divided out and
        outlier days dampened: what the non-baseline models fit on.
    table:
        One row per effect: ``days`` (flagged history days with a baseline), ``multiplier``
        (estimated, shrunk toward 1), ``detected``, ``used``.
    dampened:
        History dates whose volume was scaled back, with the factor applied.
    closed:
        Dates treated as closures (configured or regional holidays, zero or missing days on
        normally open weekdays).
    """

    series: WallSeries
    table: pd.DataFrame
    dampened: dict[dt.date, float]
    closed: frozenset[dt.date]
    config: CalendarConfig
    open_dow: np.ndarray

    def multipliers(self, dates: list[dt.date], extra_closed: Iterable[dt.date] = ()) -> np.ndarray:
        """Product of the used effects' multipliers for each of ``dates`` (future days)."""
        used = {str(k): float(v) for k, v in self.table.loc[self.table["used"], "multiplier"]
                .items()}
        if not used:
            return np.ones(len(dates))
        closed = set(self.closed) | set(extra_closed)
        closed |= self.config.closed_days({d.year for d in dates})
        flags = flag_days(dates, self.open_dow, closed, self.config)
        out = np.ones(len(dates))
        for name, m in used.items():
            out[flags[name]] *= m
        return out

    def notes(self) -> list[str]:
        """Human-readable lines for the forecast notes."""
        out = []
        for name, row in self.table.iterrows():
            if row["used"]:
                out.append(f"calendar: {name} x{row['multiplier']:.3f} "
                           f"({int(row['days'])} history days)")
        if self.dampened:
            days = ", ".join(f"{d.isoformat()} x{f:.2f}" for d, f in
                             sorted(self.dampened.items())[:6])
            more = len(self.dampened) - 6
            out.append(f"outlier days dampened: {days}" + (f" and {more} more" if more > 0
                                                            else ""))
        return out


def day_dates(ws: WallSeries, first_day: int = 0, n: int | None = None) -> list[dt.date]:
    """Local dates of days ``first_day .. first_day + n`` of ``ws``."""
    n = ws.days - first_day if n is None else n
    base = ws.start.date()
    return [base + dt.timedelta(days=first_day + k) for k in range(n)]


def flag_days(dates: list[dt.date], open_dow: np.ndarray, closed: set[dt.date] | frozenset[
        dt.date], config: CalendarConfig) -> dict[str, np.ndarray]:
    """Boolean flags per effect for consecutive ``dates`` (closures known in ``closed``).

    Month ranks look at whole months around ``dates`` (the calendar, not the data).
    """
    n = len(dates)
    if not n:
        return {e: np.zeros(0, bool) for e in EFFECTS}
    first = dates[0].replace(day=1)
    last = (pd.Timestamp(dates[-1]) + pd.offsets.MonthEnd(0)).date() + dt.timedelta(days=10)
    span = [first + dt.timedelta(days=k) for k in range((last - first).days + 1)]
    is_open = np.array([bool(open_dow[d.weekday()]) and d not in closed for d in span])
    month = np.array([d.year * 12 + d.month for d in span])
    rank = np.zeros(len(span), int)
    left = np.zeros(len(span), int)
    count: dict[int, int] = {}
    for k in range(len(span)):
        rank[k] = count.get(month[k], 0)
        count[month[k]] = rank[k] + int(is_open[k])
    for k in range(len(span)):
        left[k] = count[month[k]] - rank[k] - int(is_open[k])  # open days after k in month
    pay = np.zeros(len(span), bool)
    for m in sorted(set(month.tolist())):
        idx = np.flatnonzero(month == m)
        for p in config.pay_days_of_month:
            k = idx[min(p, len(idx)) - 1]
            while k < len(span) and not is_open[k]:
                k += 1
            if k < len(span):
                pay[k] = True
    off = (dates[0] - first).days
    sel = slice(off, off + n)
    opened = is_open[sel]
    after = np.zeros(n, bool)
    prev_closed = (dates[0] - dt.timedelta(days=1)) in closed
    for k in range(n):
        if opened[k] and prev_closed:
            after[k] = True
        if opened[k]:
            prev_closed = False
        elif dates[k] in closed:
            prev_closed = True
    return {"after_closure": after,
            "month_start": opened & (rank[sel] < config.month_start_days),
            "month_end": opened & (left[sel] == 0),
            "pay_days": opened & pay[sel]}


def _nanmedian(x: np.ndarray) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(np.nanmedian(x)) if np.isfinite(x).any() else math.nan


def weekday_baseline(totals: np.ndarray, dow: np.ndarray, weeks: int = BASELINE_WEEKS,
                     exclude: np.ndarray | None = None) -> np.ndarray:
    """Median total of the same weekday within ``weeks`` weeks either side (excluding self).

    ``dow`` is implied by position (consecutive days); it is kept for the signature.
    """
    n = len(totals)
    t = totals.astype(float).copy()
    if exclude is not None:
        t[exclude] = np.nan
    pad = np.full(7 * weeks, np.nan)
    tp = np.r_[pad, t, pad]
    lags = [7 * j for j in range(-weeks, weeks + 1) if j != 0]
    m = np.column_stack([tp[7 * weeks + lag: 7 * weeks + lag + n] for lag in lags])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.asarray(np.nanmedian(m, axis=1))


def fit_calendar(ws: WallSeries, config: CalendarConfig | None = None) -> CalendarFit:
    """Detect closures, estimate the effects and dampen outlier days on ``ws``."""
    config = config or CalendarConfig()
    days = ws.y.reshape(ws.days, ws.per_day)
    dates = day_dates(ws)
    dow = np.array([d.weekday() for d in dates])
    observed = ~np.isnan(days).all(axis=1)
    totals = np.where(observed, np.nansum(days, axis=1), np.nan)
    # normally open weekdays: mean volume above 2 % of the busiest weekday's
    means = np.array([np.nanmean(totals[dow == d]) if np.isfinite(totals[dow == d]).any()
                      else 0.0 for d in range(7)])
    open_dow = means > 0.02 * max(means.max(), 1e-9)
    holidays = config.closed_days({d.year for d in dates})
    base0 = weekday_baseline(totals, dow)
    closed = set()
    for k, d in enumerate(dates):
        if not open_dow[dow[k]]:
            continue
        if d in holidays or not observed[k]:
            closed.add(d)
        elif np.isfinite(base0[k]) and base0[k] > 0 and totals[k] < 0.05 * base0[k]:
            closed.add(d)  # an unannounced closure (or an outage): not normal volume
    closed_arr = np.array([d in closed for d in dates])
    flags = flag_days(dates, open_dow, closed, config)
    flagged_any = np.zeros(ws.days, bool)
    for name in EFFECTS:
        flagged_any |= flags[name]
    base = weekday_baseline(totals, dow, exclude=closed_arr | flagged_any)
    ok = open_dow[dow] & ~closed_arr & np.isfinite(base) & (base > 0) & (totals > 0)
    logr = np.full(ws.days, np.nan)
    logr[ok] = np.log(totals[ok] / base[ok])
    rows = []
    for name in EFFECTS:
        setting = getattr(config, name)
        hit = flags[name] & ok
        if name == "pay_days" and not config.pay_days_of_month:
            setting = False
        n = int(hit.sum())
        if n:
            vals = logr[hit]
            mean = float(vals.mean())
            sd = float(vals.std(ddof=1)) if n > 1 else math.inf
            mult = math.exp(vals.sum() / (n + 1))  # shrunk toward 1 by one pseudo-day
            se = sd / math.sqrt(n) if n > 1 else math.inf
            detected = (n >= MIN_DAYS and abs(mult - 1) > MIN_EFFECT
                        and abs(mean) > 2 * se)
        else:
            mult, detected = 1.0, False
        used = bool(setting is True and n >= 1) or bool(setting == "auto" and detected)
        rows.append({"effect": name, "days": n, "multiplier": mult, "detected": detected,
                     "used": used})
    table = pd.DataFrame(rows).set_index("effect")
    factor = np.ones(ws.days)
    for name in EFFECTS:
        if table.loc[name, "used"]:
            factor[flags[name]] *= float(table.loc[name, "multiplier"])
    y = days.copy()
    y[closed_arr] = np.nan
    y /= factor[:, None]
    dampened: dict[dt.date, float] = {}
    if config.outlier_z > 0:
        adj_tot = np.where(ok, totals / factor, np.nan)
        lr = np.full(ws.days, np.nan)
        lr[ok] = np.log(adj_tot[ok] / base[ok])
        dampened = _dampen(y, lr, dates, config.outlier_z)
    series = WallSeries(y.reshape(-1), ws.start, ws.freq)
    return CalendarFit(series, table, dampened, frozenset(closed), config, open_dow)


def _dampen(y: np.ndarray, lr: np.ndarray, dates: list[dt.date], z: float) -> dict[dt.date, float]:
    """Scale outlier days of ``y`` (in place) back to ``z`` robust SDs of the local level."""
    fin = np.isfinite(lr)
    if fin.sum() < 10:
        return {}
    med = float(np.median(lr[fin]))
    scale = max(1.4826 * float(np.median(np.abs(lr[fin] - med))), 0.03)
    out = {}
    n = len(lr)
    for k in np.flatnonzero(fin):
        lo, hi = max(0, k - LOCAL_DAYS), min(n, k + LOCAL_DAYS + 1)
        nb = np.r_[lr[lo:k], lr[k + 1:hi]]
        local = _nanmedian(nb) if np.isfinite(nb).any() else med
        dev = lr[k] - local
        if abs(dev) > z * scale:
            target = local + math.copysign(z * scale, dev)
            f = math.exp(target - lr[k])
            y[k] *= f
            out[dates[k]] = f
    return out


def parse_calendar(table: Mapping[str, Any], prefix: str = "forecast.calendar") -> CalendarConfig:
    """A :class:`CalendarConfig` from a TOML table (errors name ``prefix.key``)."""
    known = {*EFFECTS, "pay_days_of_month", "month_start_days", "holidays", "region",
             "outlier_z"}
    for key in table:
        if key not in known:
            raise InputError(f"{prefix}.{key}", key, f"one of {sorted(known)}")
    kw = dict(table)
    for key in ("holidays", "pay_days_of_month"):
        if key in kw and not isinstance(kw[key], list):
            raise InputError(f"{prefix}.{key}", kw[key], "a list")
    if "holidays" in kw:
        kw["holidays"] = frozenset(kw["holidays"])
    if "pay_days_of_month" in kw:
        kw["pay_days_of_month"] = tuple(kw["pay_days_of_month"])
    try:
        return CalendarConfig(**kw)
    except InputError as exc:
        raise InputError(exc.field.replace("calendar", prefix, 1), exc.value,
                         exc.expected) from exc
