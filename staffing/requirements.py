"""Forecast frame + service goals -> requirements frame (per interval).

Input: a frame indexed by tz-aware ``interval_start`` with ``calls`` (offered per interval) and
``aht_s`` (seconds). Output (the requirements contract in DESIGN.md), indexed the same way:

=================  ==========================================================================
``calls``          calls offered (copied)
``aht_s``          average handle time, s (copied; NaN allowed where calls == 0)
``erlangs``        offered load, ``calls * aht_s / interval_s``
``agents_net``     fewest agents on the phone meeting every goal (Erlang C, or A with patience)
``agents_required`` ``ceil(agents_net / (1 - shrinkage))``, then the open-hours floor
``service_level``  predicted fraction answered within ``answer_s`` at ``agents_net``
``asa_s``          predicted average speed of answer at ``agents_net``, s
``occupancy``      predicted occupancy at ``agents_net``, fraction
``abandon_rate``   predicted fraction abandoning (only with ``patience_s``, Erlang A)
=================  ==========================================================================

Choices:

- Zero-volume intervals need 0 net agents and are reported with ``service_level`` 1,
  ``asa_s`` 0, ``occupancy`` 0 (and ``abandon_rate`` 0).
- With ``open_hours``, every open interval gets at least its ``min_staff`` floor in
  ``agents_required`` (``agents_net`` stays the pure Erlang figure). Closed intervals with no
  calls are 0. Closed intervals *with* calls keep their Erlang requirement: the data says calls
  come in, so dropping them would hide work; a :class:`DataQualityWarning` lists how many.
- ``aht_s`` missing (NaN) where calls > 0 is an :class:`InputError` naming the interval.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

from staffing._validate import fraction, number
from staffing.erlang import erlang_a_metrics, required_agents
from staffing.erlang.core import _asa_c, _erlang_b, _erlang_c_from_b, _load, _occ, _sl_c
from staffing.exceptions import DataQualityWarning, InputError, warn
from staffing.grid import INDEX_NAME, interval_of
from staffing.hours import OpenHours

REQUIREMENT_COLUMNS = (
    "calls",
    "aht_s",
    "erlangs",
    "agents_net",
    "agents_required",
    "service_level",
    "asa_s",
    "occupancy",
)


GOAL_FRACTIONS: dict[str, tuple[bool, bool]] = {
    "service_level": (True, True),   # (0, 1)
    "max_occupancy": (True, False),  # (0, 1]
    "abandon_rate": (True, True),    # (0, 1)
    "shrinkage": (False, True),      # [0, 1)
}
"""The goals that are fractions, with (low bound open, high bound open): the one definition
the goals, the plan config and scenario overrides check against."""


def goal_fraction(name: str, value: Any) -> float:
    """Check goal ``name`` (a key of :data:`GOAL_FRACTIONS`) as its fraction."""
    low_open, high_open = GOAL_FRACTIONS[name.rpartition(".")[2]]
    return fraction(name, value, low_open=low_open, high_open=high_open)


def _seconds(name: str, value: Any, *, allow_zero: bool) -> float:
    return number(name, value, lo=0, lo_open=not allow_zero, unit="s")


@dataclass(frozen=True)
class ServiceGoals:
    """Service goals for turning volume into agents.

    Attributes
    ----------
    service_level:
        Target fraction answered within ``answer_s``, in (0, 1); None for no SL goal.
    answer_s:
        Service-level threshold, seconds (the 20 in 80/20).
    asa_s:
        Maximum average speed of answer, seconds, or None.
    max_occupancy:
        Maximum agent occupancy, fraction in (0, 1], or None.
    abandon_rate:
        Maximum fraction abandoning, in (0, 1), or None; needs ``patience_s``.
    patience_s:
        Mean caller patience, seconds; when set, Erlang A (M/M/n+M) is used.
    shrinkage:
        Fraction of paid time off the phone, in [0, 1).
    concurrency:
        Sessions per agent (chat), integer >= 1.
    max_agents:
        Cap on net agents per interval; unreachable goals are capped with a warning.
    """

    service_level: float | None = 0.8
    answer_s: float = 20.0
    asa_s: float | None = None
    max_occupancy: float | None = None
    abandon_rate: float | None = None
    patience_s: float | None = None
    shrinkage: float = 0.0
    concurrency: int = 1
    max_agents: int | None = None

    def __post_init__(self) -> None:
        if self.service_level is not None:
            goal_fraction("service_level", self.service_level)
        _seconds("answer_s", self.answer_s, allow_zero=True)
        if self.asa_s is not None:
            _seconds("asa_s", self.asa_s, allow_zero=False)
        if self.max_occupancy is not None:
            goal_fraction("max_occupancy", self.max_occupancy)
        if self.abandon_rate is not None:
            goal_fraction("abandon_rate", self.abandon_rate)
            if self.patience_s is None:
                raise InputError(
                    "abandon_rate",
                    self.abandon_rate,
                    "no abandonment goal unless patience_s is set",
                )
        if self.patience_s is not None:
            _seconds("patience_s", self.patience_s, allow_zero=False)
        goal_fraction("shrinkage", self.shrinkage)
        for name, minimum in (("concurrency", 1), ("max_agents", 1)):
            v = getattr(self, name)
            if v is None and name == "max_agents":
                continue
            if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < minimum:
                raise InputError(name, v, f"an integer >= {minimum}")
        if all(
            getattr(self, g) is None
            for g in ("service_level", "asa_s", "max_occupancy", "abandon_rate")
        ):
            raise InputError(
                "service_level",
                None,
                "at least one goal (service_level, asa_s, max_occupancy or abandon_rate)",
            )

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any]) -> ServiceGoals:
        """Build from a mapping (e.g. a TOML ``[goals]`` table); unknown keys are an error."""
        if not isinstance(spec, Mapping):
            raise InputError("goals", spec, "a mapping of goal names to values")
        known = {f.name for f in fields(cls)}
        for key in spec:
            if key not in known:
                raise InputError(f"goals.{key}", spec[key], f"one of {sorted(known)}")
        return cls(**dict(spec))

    def to_dict(self) -> dict[str, Any]:
        """The goals as a plain dict (round-trips through :meth:`from_dict`)."""
        return asdict(self)

    @property
    def uses_erlang_a(self) -> bool:
        """True when patience is set (abandonment modelled)."""
        return self.patience_s is not None

    def required_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for :func:`staffing.erlang.required_agents`."""
        return {
            "service_level": self.service_level,
            "answer_s": self.answer_s,
            "asa_s": self.asa_s,
            "max_occupancy": self.max_occupancy,
            "abandon_rate": self.abandon_rate,
            "patience_s": self.patience_s,
            "concurrency": self.concurrency,
            "max_agents": self.max_agents,
        }


def _check_frame(forecast: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(forecast, pd.DataFrame):
        raise InputError("forecast", type(forecast).__name__, "a pandas DataFrame")
    for col in ("calls", "aht_s"):
        if col not in forecast.columns:
            raise InputError("forecast", list(forecast.columns), f"a '{col}' column")
    idx = forecast.index
    if not isinstance(idx, pd.DatetimeIndex) or idx.tz is None:
        raise InputError(
            "forecast.index", type(idx).__name__, "a tz-aware DatetimeIndex of interval starts"
        )
    try:
        calls = forecast["calls"].to_numpy(dtype=float)
        aht = forecast["aht_s"].to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError("forecast", "non-numeric calls/aht_s", "numeric columns") from exc
    bad = ~np.isfinite(calls) | (calls < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError("calls", calls[i], "a finite number of calls >= 0", str(idx[i]))
    with np.errstate(invalid="ignore"):
        bad = (calls > 0) & ~(np.isfinite(aht) & (aht > 0))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            "aht_s",
            aht[i],
            f"a handle time > 0 s where calls > 0 ({int(bad.sum())} interval(s) affected)",
            f"interval {idx[i].isoformat()}",
        )
    return calls, aht


def compute_requirements(
    forecast: pd.DataFrame,
    goals: ServiceGoals,
    *,
    open_hours: OpenHours | None = None,
    freq: pd.Timedelta | None = None,
) -> pd.DataFrame:
    """Required agents and predicted service per interval.

    Parameters
    ----------
    forecast:
        Frame indexed by tz-aware ``interval_start`` with ``calls`` and ``aht_s`` (seconds).
    goals:
        :class:`ServiceGoals` (Erlang A when ``goals.patience_s`` is set).
    open_hours:
        Opening hours with ``min_staff`` floors; None means no floor and no closed check.
    freq:
        Interval length; defaults to ``forecast.attrs['freq']``, else inferred from the index.

    Returns
    -------
    DataFrame indexed by ``interval_start`` with the columns listed in the module docstring;
    ``attrs`` carries ``freq`` (and ``tz`` when the input had it).
    """
    if not isinstance(goals, ServiceGoals):
        raise InputError("goals", type(goals).__name__, "a ServiceGoals")
    calls, aht = _check_frame(forecast)
    step = interval_of(forecast, freq)
    interval_s = float(step.total_seconds())
    aht_calc = np.where(calls > 0, aht, 1.0)

    try:
        net = required_agents(calls, aht_calc, interval_s, **goals.required_kwargs())
    except InputError as exc:  # name the interval, not the array position
        if exc.where is None or not exc.where.startswith("index "):
            raise
        pos = int(exc.where.removeprefix("index "))
        raise InputError(exc.field, exc.value, exc.expected,
                         f"interval {forecast.index[pos].isoformat()}") from exc
    net = net.astype(np.int64)
    load = _load(calls, aht_calc, np.asarray(interval_s))
    servers = net.astype(float) * goals.concurrency
    h = aht_calc.astype(float)

    out = pd.DataFrame(index=forecast.index.copy())
    out.index.name = INDEX_NAME
    out["calls"] = calls
    out["aht_s"] = aht
    out["erlangs"] = load
    out["agents_net"] = net
    req = np.ceil(net / (1.0 - goals.shrinkage) - 1e-9).astype(np.int64)
    req = np.maximum(req, net)

    if open_hours is not None:
        floor = open_hours.min_staff(forecast.index)
        closed = floor < 0
        busy_closed = closed & (calls > 0)
        if busy_closed.any():
            first = forecast.index[np.flatnonzero(busy_closed)[0]].isoformat()
            warn(
                f"{int(busy_closed.sum())} closed interval(s) have calls (first {first}); "
                "their Erlang requirement is kept",
                DataQualityWarning,
                stacklevel=2,
            )
        req = np.where(closed, req, np.maximum(req, floor))
    out["agents_required"] = req.astype(np.int64)

    if goals.uses_erlang_a:
        m = erlang_a_metrics(
            calls, aht_calc, net, interval_s, goals.patience_s, goals.answer_s,
            concurrency=goals.concurrency,
        )
        sl, asa, occ = (np.asarray(v, float) for v in (m.service_level, m.asa_s, m.occupancy))
        abandon = np.asarray(m.abandon_rate, float)
    else:
        c = _erlang_c_from_b(servers, load, _erlang_b(servers, load))
        sl = _sl_c(load, h, servers, c, np.full(load.shape, goals.answer_s))
        asa = _asa_c(load, h, servers, c)
        occ = _occ(load, servers)
        abandon = None
    zero = calls == 0
    out["service_level"] = np.where(zero, 1.0, sl)
    out["asa_s"] = np.where(zero, 0.0, asa)
    out["occupancy"] = np.where(zero, 0.0, occ)
    if abandon is not None:
        out["abandon_rate"] = np.where(zero, 0.0, abandon)
    out.attrs["freq"] = step
    if "tz" in forecast.attrs:
        out.attrs["tz"] = forecast.attrs["tz"]
    return out
