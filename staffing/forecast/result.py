"""Configuration and result dataclasses of the forecast stage."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

from staffing.exceptions import InputError

METRICS = ("mae", "wape")


@dataclass(frozen=True)
class BacktestConfig:
    """Rolling-origin backtest used to score and select models.

    Attributes
    ----------
    horizon_days:
        Days scored from each origin; ``None`` (default) matches the plan's ``days``. Scoring
        starts as many days after each origin as the plan starts after the history
        (horizon-matched lead time).
    folds:
        Number of origins (default 8), the last one leaving ``horizon_days`` to score.
        Origins leaving a model less than its minimum history are skipped.
    step_days:
        Days between origins; ``None`` spreads the origins over the history, 1 to 7 days
        apart.
    metric:
        ``"mae"`` (mean absolute error, calls per interval) or ``"wape"`` (sum of absolute
        errors / sum of actual calls) used to select the model.
    origin_half_life_days:
        Recency weighting of origins: an origin this many days older than the latest counts
        half (0 = equal weights).
    tie_tolerance:
        Candidates within this fraction of the best score are near-ties; the simplest wins.
    combine:
        Also score forecast combinations (``combo_mean``, ``combo_weighted``) as candidates.
    """

    horizon_days: int | None = None
    folds: int = 8
    step_days: int | None = None
    metric: Literal["mae", "wape"] = "mae"
    origin_half_life_days: float = 28.0
    tie_tolerance: float = 0.02
    combine: bool = True

    def __post_init__(self) -> None:
        if self.horizon_days is not None and (
                not isinstance(self.horizon_days, int) or isinstance(self.horizon_days, bool)
                or self.horizon_days < 1):
            raise InputError("backtest.horizon_days", self.horizon_days,
                             "a positive int (days) or None (the plan's days)")
        if not isinstance(self.folds, int) or self.folds < 1:
            raise InputError("backtest.folds", self.folds, "a positive int")
        if self.step_days is not None and (
            not isinstance(self.step_days, int) or self.step_days < 1
        ):
            raise InputError("backtest.step_days", self.step_days, "a positive int (days) or None")
        if self.metric not in METRICS:
            raise InputError("backtest.metric", self.metric, f"one of {list(METRICS)}")
        hl = self.origin_half_life_days
        if not isinstance(hl, int | float) or isinstance(hl, bool) or not hl >= 0:
            raise InputError("backtest.origin_half_life_days", hl, "a number of days >= 0")
        tol = self.tie_tolerance
        if not isinstance(tol, int | float) or isinstance(tol, bool) or not 0 <= tol < 0.5:
            raise InputError("backtest.tie_tolerance", tol, "a fraction in [0, 0.5)")
        if not isinstance(self.combine, bool):
            raise InputError("backtest.combine", self.combine, "true or false")

    @property
    def step(self) -> int:
        """Days between origins (7 when spread automatically; see :func:`origins`)."""
        return self.step_days or 7


def _date(value: Any, name: str) -> dt.date:
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise InputError(name, value, "a date 'YYYY-MM-DD'") from exc
    if pd.isna(ts):
        raise InputError(name, value, "a date 'YYYY-MM-DD'")
    return ts.date()


@dataclass(frozen=True)
class SpecialDays:
    """Holidays, campaigns and other days that break the weekly pattern.

    Attributes
    ----------
    exclude:
        History dates (local) left out of fitting and backtests (treated as missing).
    scale:
        Forecast dates (local) whose volume is multiplied by a factor (0 = closed, 1.3 = +30 %).
    override:
        Forecast dates (local) whose total offered calls are set to a number; the forecast's
        intraday shape for that day is kept.
    """

    exclude: frozenset[dt.date] = field(default_factory=frozenset)
    scale: Mapping[dt.date, float] = field(default_factory=dict)
    override: Mapping[dt.date, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "exclude", frozenset(_date(d, "special_days.exclude")
                                                      for d in self.exclude))
        scale = {}
        for d, f in dict(self.scale).items():
            if not _finite_nonneg(f):
                raise InputError(f"special_days.scale[{d}]", f, "a non-negative factor")
            scale[_date(d, "special_days.scale")] = float(f)
        override = {}
        for d, v in dict(self.override).items():
            if not _finite_nonneg(v):
                raise InputError(f"special_days.override[{d}]", v,
                                 "a non-negative number of calls for the day")
            override[_date(d, "special_days.override")] = float(v)
        both = set(scale) & set(override)
        if both:
            raise InputError("special_days", sorted(both), "a date in scale or override, not both")
        object.__setattr__(self, "scale", scale)
        object.__setattr__(self, "override", override)

    @classmethod
    def holidays(cls, dates: Iterable[Any]) -> SpecialDays:
        """Closed days: excluded from fitting and forecast as zero volume."""
        days = frozenset(_date(d, "special_days") for d in dates)
        return cls(exclude=days, scale=dict.fromkeys(days, 0.0))


def _finite_nonneg(x: Any) -> bool:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return False
    return math.isfinite(v) and v >= 0


def _json(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if hasattr(x, "item"):
        return _json(x.item())
    return x


@dataclass
class ForecastResult:
    """Forecast of offered calls and handle time per interval.

    Attributes
    ----------
    frame:
        Indexed by tz-aware ``interval_start`` on the target grid (DST days included), columns
        ``calls`` (mean offered calls per interval), ``calls_lower``/``calls_upper`` (prediction
        interval at ``level``, calls) and ``aht_s`` (mean handle time, s).
    model:
        Name of the model that produced ``calls``.
    backtest:
        One row per model (index ``model``): ``mae`` (calls/interval), ``wape`` (fraction),
        ``rmse`` (calls/interval), ``folds``, ``fit_s`` (mean seconds per fit), ``skill_mae``
        (1 - MAE / MAE of seasonal naive), ``selected``, ``error``.
    fit_s:
        Seconds to fit the chosen model on all history (the final refit).
    level:
        Coverage of the prediction interval, e.g. 0.8.
    notes:
        Human-readable notes: missing data, fallbacks, skipped models (warnings were issued too).
    runtime_s:
        Wall seconds of the whole call (backtest included).
    dispersion:
        Negative-binomial dispersion ``alpha`` of the backtest errors (Var = mu + alpha mu^2).
    origins:
        Per-origin backtest scores (index ``origin``: the origin's first forecast date; one
        column per candidate with the selection metric, and ``weight``), to audit the choice.
    members:
        For a combination, its member models and weights.
    calendar:
        Calendar effects (index ``effect``): ``days``, ``multiplier``, ``detected``, ``used``.
    coverage:
        Cross-fitted backtest coverage of the calibrated interval (nominal: ``level``).
    checks:
        Sanity checks (``check``, ``ok``, ``message`` and figures); failed ones were warned.
    """

    frame: pd.DataFrame
    model: str
    backtest: pd.DataFrame
    fit_s: float
    level: float
    notes: list[str] = field(default_factory=list)
    runtime_s: float = 0.0
    dispersion: float = 0.0
    origins: pd.DataFrame = field(default_factory=pd.DataFrame)
    members: dict[str, float] = field(default_factory=dict)
    calendar: pd.DataFrame = field(default_factory=pd.DataFrame)
    coverage: float = float("nan")
    checks: list[dict[str, Any]] = field(default_factory=list)

    @property
    def warnings(self) -> list[str]:
        """Alias of :attr:`notes`."""
        return self.notes

    def summary(self) -> dict[str, Any]:
        """JSON-serialisable overview: model, horizon, totals, backtest scores, notes."""
        f = self.frame
        calls = f["calls"]
        total = float(calls.sum())
        aht = f["aht_s"]
        ok = aht.notna() & (calls > 0)
        mean_aht = float((aht[ok] * calls[ok]).sum() / calls[ok].sum()) if ok.any() else None
        idx = f.index
        freq = pd.Timedelta(f.attrs.get("freq", idx[1] - idx[0] if len(idx) > 1 else 0))
        bt = {
            str(name): {k: _json(v) for k, v in row.items()}
            for name, row in self.backtest.to_dict(orient="index").items()
        }
        return {
            "model": self.model,
            "level": float(self.level),
            "start": idx[0].isoformat() if len(idx) else None,
            "end": (idx[-1] + freq).isoformat() if len(idx) else None,
            "intervals": int(len(idx)),
            "freq_min": float(freq.total_seconds() / 60),
            "tz": str(f.attrs.get("tz", getattr(idx.tz, "key", idx.tz))),
            "total_calls": round(total, 3),
            "peak_calls": round(float(calls.max()), 3) if len(calls) else None,
            "mean_aht_s": None if mean_aht is None else round(mean_aht, 3),
            "fit_s": round(float(self.fit_s), 4),
            "runtime_s": round(float(self.runtime_s), 4),
            "dispersion": round(float(self.dispersion), 6),
            "backtest": bt,
            "backtest_coverage": _json(float(self.coverage)),
            "members": {k: round(float(v), 4) for k, v in self.members.items()},
            "origins": [
                {"origin": str(o), **{str(k): _json(v) for k, v in row.items()}}
                for o, row in self.origins.to_dict(orient="index").items()
            ],
            "calendar": {
                str(name): {k: _json(v) for k, v in row.items()}
                for name, row in self.calendar.to_dict(orient="index").items()
            },
            "checks": [{k: _json(v) if not isinstance(v, list | dict) else v
                        for k, v in c.items()} for c in self.checks],
            "notes": list(self.notes),
        }
