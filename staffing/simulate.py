"""Discrete-event simulation of a staffed queue over the planning week.

A check of a roster that does not rely on the Erlang formulas' steady-state assumptions: the
queue carries over from one interval to the next, agents arrive and leave at interval
boundaries, handle times follow the data rather than an exponential law.

Model
-----
- **Arrivals**: a Poisson process whose rate is constant within an interval,
  ``calls / interval_s`` (the forecast mean), so each interval gets ``Poisson(calls)`` arrivals
  at uniform times.
- **Agents**: ``agents`` net agents (on the phone, after shrinkage) per interval; a fractional
  value ``x`` is staffed as ``floor(x)`` or ``floor(x) + 1`` agents with probability
  ``x - floor(x)`` (drawn per interval and replication), so the mean staffing equals ``x``.
  With ``concurrency`` sessions per agent there are ``concurrency * agents`` servers.
- **Boundaries**: at an interval boundary new agents become free at once; agents who leave are
  chosen at random among those on duty (independently of whether they are busy). An agent
  leaving while on a call **finishes that call** and then takes no other.
- **Handle times**: ``"empirical"`` resamples observed handle times of served calls (e.g. from
  the call log, ``CallLog.calls.handle_s``) and rescales them so their mean equals the interval's
  ``aht_s`` (keeping the data's shape and variability); ``"exponential"`` draws exponential
  times with mean ``aht_s`` (the Erlang C/A assumption).
- **Patience** (Erlang A): with ``patience_s`` each call has an exponential patience of mean
  ``patience_s``; it abandons when its wait would exceed it. Without it nobody abandons.
- **Discipline**: first come, first served, one queue. Calls still waiting when the horizon ends
  with no agent left are counted as offered and not answered (``unanswered``).

The simulation uses the FCFS multi-server recursion: calls are taken in arrival order and each is
given the earliest moment a server is free (a heap of server free times), which is exact for
FCFS since service starts are non-decreasing in arrival order; an abandoning call leaves no trace
on the servers.

Metrics (per interval of arrival, per local day and for the week)
-----------------------------------------------------------------
- ``service_level``: calls answered within ``answer_s`` / calls offered. Abandoned calls are in
  the denominator (they count as misses, even if they hung up within ``answer_s``), the same
  convention as :func:`staffing.erlang.erlang_a_metrics`.
- ``asa_s``: mean wait of answered calls, seconds.
- ``abandon_rate``: abandoned / offered.
Each is a mean across replications with a two-sided confidence interval (Student t,
``confidence``, default 95 %) from the replication-to-replication spread.
"""

from __future__ import annotations

import heapq
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from staffing._validate import fraction
from staffing.exceptions import InputError
from staffing.grid import INDEX_NAME, interval_of, local_dates

HandleTimes = Literal["empirical", "exponential"]
METRICS = ("service_level", "asa_s", "abandon_rate")

__all__ = ["SimulationOptions", "SimulationResult", "simulate"]


@dataclass(frozen=True)
class SimulationOptions:
    """Settings of :func:`simulate`.

    Attributes
    ----------
    replications:
        Independent runs of the week (>= 2 for confidence intervals).
    seed:
        Seed of the numpy generator; the same seed gives the same result.
    handle_times:
        ``"empirical"`` (resample observed handle times, rescaled to each interval's AHT) or
        ``"exponential"`` (mean ``aht_s``). Empirical needs ``handle_s`` data; without it the
        simulation falls back to exponential and says so in :attr:`SimulationResult.handle_times`.
    confidence:
        Level of the confidence intervals, in (0, 1).
    """

    replications: int = 10
    seed: int | None = 0
    handle_times: HandleTimes = "empirical"
    confidence: float = 0.95

    def __post_init__(self) -> None:
        r = self.replications
        if isinstance(r, bool) or not isinstance(r, int | np.integer) or r < 1:
            raise InputError("simulation.replications", r, "a whole number >= 1")
        s = self.seed
        if s is not None and (isinstance(s, bool) or not isinstance(s, int | np.integer) or s < 0):
            raise InputError("simulation.seed", s, "a non-negative integer or none")
        if self.handle_times not in ("empirical", "exponential"):
            raise InputError("simulation.handle_times", self.handle_times,
                             "'empirical' or 'exponential'")
        fraction("simulation.confidence", self.confidence, low_open=True, high_open=True)


@dataclass(frozen=True)
class SimulationResult:
    """Simulated service per interval, per day and for the week.

    Attributes
    ----------
    intervals:
        Indexed by ``interval_start``: ``agents`` (mean net agents staffed), ``offered`` (mean
        calls per replication), then for each of ``service_level``, ``asa_s``,
        ``abandon_rate`` the mean and ``*_low`` / ``*_high`` confidence bounds. Intervals
        without calls have NaN metrics.
    days:
        The same per local date (``date`` index), volume-weighted within each replication.
    week:
        The same for the whole horizon, as a dict, plus ``offered``, ``answered``,
        ``abandoned``, ``unanswered`` (mean calls per replication).
    replications:
        One row per replication with its weekly figures.
    options:
        The settings used.
    answer_s, patience_s:
        Service-level threshold and mean patience (s; ``None``: no abandonment).
    handle_times:
        Handle-time model actually used.
    runtime_s:
        Wall-clock time of the simulation, seconds.
    """

    intervals: pd.DataFrame
    days: pd.DataFrame
    week: dict[str, float]
    replications: pd.DataFrame
    options: SimulationOptions
    answer_s: float
    patience_s: float | None
    handle_times: str
    runtime_s: float = 0.0
    notes: tuple[str, ...] = field(default_factory=tuple)

    def summary(self) -> dict[str, Any]:
        """Weekly figures with confidence intervals, as plain numbers."""
        out: dict[str, Any] = {
            "replications": self.options.replications,
            "seed": self.options.seed,
            "handle_times": self.handle_times,
            "answer_s": self.answer_s,
            "patience_s": self.patience_s,
            "confidence": self.options.confidence,
            "runtime_s": round(self.runtime_s, 3),
        }
        out.update({k: _plain(v) for k, v in self.week.items()})
        return out


def _plain(v: Any) -> Any:
    if isinstance(v, float | np.floating):
        return None if not math.isfinite(float(v)) else float(v)
    if isinstance(v, np.integer):
        return int(v)
    return v


def _interval_seconds(index: pd.DatetimeIndex, freq: Any) -> float:
    return float(interval_of(index, freq).total_seconds())


def _check_inputs(
    forecast: pd.DataFrame, agents: pd.Series | np.ndarray | Sequence[float]
) -> tuple[pd.DatetimeIndex, np.ndarray, np.ndarray, np.ndarray]:
    if not isinstance(forecast, pd.DataFrame) or not isinstance(forecast.index, pd.DatetimeIndex):
        raise InputError("forecast", type(forecast).__name__,
                         "a DataFrame indexed by interval_start with calls and aht_s")
    for col in ("calls", "aht_s"):
        if col not in forecast.columns:
            raise InputError(col, sorted(map(str, forecast.columns)), f"a column '{col}'")
    index = forecast.index
    if not index.is_monotonic_increasing or index.has_duplicates:
        raise InputError(INDEX_NAME, "unsorted or duplicated", "increasing interval starts")
    calls = forecast["calls"].to_numpy(float)
    aht = forecast["aht_s"].to_numpy(float)
    if isinstance(agents, pd.Series):
        if not agents.index.equals(index):
            agents = agents.reindex(index)
        n = agents.to_numpy(float)
    else:
        n = np.asarray(agents, dtype=float)
    if n.shape != calls.shape:
        raise InputError("agents", n.shape, f"one value per interval ({len(calls)})")
    if not np.all(np.isfinite(calls) & (calls >= 0)):
        raise InputError("calls", calls[~(np.isfinite(calls) & (calls >= 0))][0],
                         "finite calls >= 0 per interval")
    if not np.all(np.isfinite(n) & (n >= 0)):
        raise InputError("agents", n[~(np.isfinite(n) & (n >= 0))][0],
                         "finite agents >= 0 per interval (missing intervals?)")
    bad_aht = (calls > 0) & ~(np.isfinite(aht) & (aht > 0))
    if bad_aht.any():
        raise InputError("aht_s", aht[bad_aht][0], "a positive handle time (s) where calls > 0")
    aht = np.where(np.isfinite(aht) & (aht > 0), aht, 1.0)
    return index, calls, aht, n


def _week_once(
    rng: np.random.Generator,
    starts: np.ndarray,
    interval_s: float,
    calls: np.ndarray,
    aht: np.ndarray,
    agents: np.ndarray,
    concurrency: int,
    pool: np.ndarray | None,
    patience_s: float | None,
    answer_s: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    """One replication; returns per-interval offered, within, answered, abandoned, wait sums."""
    k = len(calls)
    counts = rng.poisson(calls)
    total = int(counts.sum())
    which = np.repeat(np.arange(k), counts)
    arrival = starts[which] + rng.random(total) * interval_s
    order = np.argsort(arrival, kind="stable")
    arrival = arrival[order]
    which = which[order]
    if pool is not None:
        base = pool[rng.integers(0, len(pool), total)]
        handle = base * aht[which]  # pool is normalised to mean 1
    else:
        handle = rng.exponential(1.0, total) * aht[which]
    patience = (rng.exponential(patience_s, total) if patience_s is not None
                else np.full(total, np.inf))
    frac = agents - np.floor(agents)
    staff = (np.floor(agents) + (rng.random(k) < frac)).astype(int) * concurrency
    # staffing changes: at starts[i] the target is staff[i]; after the horizon, nobody
    bounds = (np.append(starts, starts[-1] + interval_s) if k else np.array([0.0])).tolist()
    target = np.append(staff, 0).tolist()

    heap: list[float] = []
    nb = len(bounds)
    b = 0
    start_times = np.full(total, np.nan)
    answered = np.zeros(total, dtype=bool)
    abandoned = np.zeros(total, dtype=bool)

    def apply(j: int) -> None:
        t_b = bounds[j]
        want = target[j]
        have = len(heap)
        if want > have:
            for _ in range(want - have):
                heapq.heappush(heap, t_b)
        elif want < have:
            for _ in range(have - want):
                pos = int(rng.integers(0, len(heap)))
                heap[pos] = heap[-1]
                heap.pop()
            heapq.heapify(heap)

    arr_l = arrival.tolist()
    hnd_l = handle.tolist()
    pat_l = patience.tolist()
    inf = math.inf
    for i in range(total):
        t = arr_l[i]
        while b < nb and bounds[b] <= t:
            apply(b)
            b += 1
        while True:
            f = heap[0] if heap else inf
            s = t if f < t else f
            if b < nb and s > bounds[b]:
                apply(b)
                b += 1
                continue
            break
        if s - t > pat_l[i]:
            abandoned[i] = True
        elif s < inf:
            answered[i] = True
            start_times[i] = s
            heapq.heapreplace(heap, s + hnd_l[i])
    wait = start_times - arrival
    within = answered & (wait <= answer_s)
    offered_i = np.bincount(which, minlength=k).astype(float)
    within_i = np.bincount(which, weights=within, minlength=k)
    answered_i = np.bincount(which, weights=answered, minlength=k)
    abandoned_i = np.bincount(which, weights=abandoned, minlength=k)
    wait_i = np.bincount(which, weights=np.where(answered, wait, 0.0), minlength=k)
    return offered_i, within_i, answered_i, abandoned_i, wait_i, float(staff.mean())


def _ci(values: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and t-interval across axis 0 (replications), ignoring NaN (replications where the
    interval had no calls). No warnings machinery: safe in threads."""
    finite = np.isfinite(values)
    n = finite.sum(axis=0)
    x = np.where(finite, values, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, x.sum(axis=0) / np.maximum(n, 1), np.nan)
        dev = np.where(finite, values - mean, 0.0)
        var = np.where(n > 1, (dev**2).sum(axis=0) / np.maximum(n - 1, 1), np.nan)
        q = stats.t.ppf(0.5 + confidence / 2, np.maximum(n - 1, 1))
        half = np.where(n > 1, q * np.sqrt(var) / np.sqrt(np.maximum(n, 1)), np.nan)
    return mean, mean - half, mean + half


def _metrics(offered: np.ndarray, within: np.ndarray, answered: np.ndarray,
             abandoned: np.ndarray, wait: np.ndarray) -> dict[str, np.ndarray]:
    with np.errstate(invalid="ignore", divide="ignore"):
        return {
            "service_level": np.where(offered > 0, within / offered, np.nan),
            "asa_s": np.where(answered > 0, wait / answered, np.nan),
            "abandon_rate": np.where(offered > 0, abandoned / offered, np.nan),
        }


_FRACTIONS = ("service_level", "abandon_rate")


def _table(per_rep: dict[str, np.ndarray], confidence: float) -> dict[str, np.ndarray]:
    """Mean and confidence bounds per metric; bounds of fractions are clipped to [0, 1] and
    waits to >= 0 (a t-interval over few replications can overshoot them)."""
    cols: dict[str, np.ndarray] = {}
    for name in METRICS:
        mean, low, high = _ci(per_rep[name], confidence)
        low = np.maximum(low, 0.0)
        if name in _FRACTIONS:
            high = np.minimum(high, 1.0)
        cols[name] = mean
        cols[f"{name}_low"] = low
        cols[f"{name}_high"] = high
    return cols


def simulate(
    forecast: pd.DataFrame,
    agents: pd.Series | np.ndarray | Sequence[float],
    *,
    answer_s: float = 20.0,
    patience_s: float | None = None,
    handle_s: np.ndarray | pd.Series | Sequence[float] | None = None,
    options: SimulationOptions | None = None,
    concurrency: int = 1,
    freq: str | pd.Timedelta | None = None,
    tz: str | None = None,
) -> SimulationResult:
    """Simulate the staffed queue over the horizon of ``forecast`` (see the module docstring).

    Parameters
    ----------
    forecast:
        Indexed by ``interval_start`` (tz-aware, consecutive intervals of one length) with
        ``calls`` (expected calls offered per interval) and ``aht_s`` (mean handle time, s).
    agents:
        Net agents on the phone per interval (after breaks and shrinkage), same index.
    answer_s:
        Service-level threshold, seconds.
    patience_s:
        Mean exponential patience, seconds; ``None`` for no abandonment (Erlang C world).
    handle_s:
        Observed handle times of served calls, seconds (for ``handle_times="empirical"``);
        non-positive and non-finite values are ignored.
    options:
        Replications, seed, handle-time model, confidence level.
    concurrency:
        Simultaneous calls per agent.
    freq:
        Interval length; inferred from the index when omitted.
    tz:
        Zone for the per-day table (defaults to the index's zone).
    """
    opts = options or SimulationOptions()
    t0 = time.perf_counter()
    index, calls, aht, n = _check_inputs(forecast, agents)
    if not len(index):
        raise InputError("forecast", "empty", "at least one interval")
    interval_s = _interval_seconds(index, freq if freq is not None else forecast.attrs.get("freq"))
    if not math.isfinite(float(answer_s)) or answer_s < 0:
        raise InputError("answer_s", answer_s, "a non-negative number of seconds")
    if patience_s is not None and not (math.isfinite(float(patience_s)) and patience_s > 0):
        raise InputError("patience_s", patience_s, "a positive number of seconds or None")
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise InputError("concurrency", concurrency, "a whole number >= 1")
    epoch = index[0]
    starts = np.asarray((index - epoch).total_seconds(), dtype=float)
    steps = np.diff(starts)
    if len(steps) and not np.allclose(steps, interval_s):
        raise InputError(INDEX_NAME, "gaps or uneven steps",
                         f"consecutive intervals of {interval_s:.0f} s")

    notes: list[str] = []
    pool: np.ndarray | None = None
    model = opts.handle_times
    if model == "empirical":
        if handle_s is not None:
            h = np.asarray(handle_s, dtype=float)
            h = h[np.isfinite(h) & (h > 0)]
            if len(h):
                pool = h / h.mean()
        if pool is None:
            model = "exponential"
            notes.append("no handle-time data: exponential handle times used")

    rng = np.random.default_rng(opts.seed)
    r = opts.replications
    k = len(index)
    names = ("offered", "within", "answered", "abandoned", "wait")
    per = {nm: np.zeros((r, k)) for nm in names}
    staffed = np.zeros(r)
    for j in range(r):
        res = _week_once(rng, starts, interval_s, calls, aht, n, concurrency, pool,
                         None if patience_s is None else float(patience_s), float(answer_s))
        for nm, arr in zip(names, res[:5], strict=True):
            per[nm][j] = arr
        staffed[j] = res[5]

    # per interval
    m_int = _metrics(*(per[nm] for nm in names))
    cols = {"agents": n, "offered": per["offered"].mean(axis=0)}
    cols.update(_table(m_int, opts.confidence))
    intervals = pd.DataFrame(cols, index=index)
    intervals.index.name = INDEX_NAME

    # per local day
    day_key = local_dates(index, tz)
    days_u = pd.unique(day_key)
    code = pd.Index(days_u).get_indexer(day_key)
    agg = {nm: np.stack([np.bincount(code, weights=per[nm][j], minlength=len(days_u))
                         for j in range(r)]) for nm in names}
    d_cols = {"offered": agg["offered"].mean(axis=0)}
    d_cols.update(_table(_metrics(*(agg[nm] for nm in names)), opts.confidence))
    days = pd.DataFrame(d_cols, index=pd.Index(days_u, name="date"))

    # week
    tot = {nm: per[nm].sum(axis=1, keepdims=True) for nm in names}
    m_week = _metrics(*(tot[nm] for nm in names))
    week: dict[str, float] = {}
    for name, vals in _table(m_week, opts.confidence).items():
        week[name] = float(vals[0])
    week["offered"] = float(tot["offered"].mean())
    week["answered"] = float(tot["answered"].mean())
    week["abandoned"] = float(tot["abandoned"].mean())
    week["unanswered"] = float((tot["offered"] - tot["answered"] - tot["abandoned"]).mean())
    reps = pd.DataFrame({
        "offered": tot["offered"][:, 0],
        "answered": tot["answered"][:, 0],
        "abandoned": tot["abandoned"][:, 0],
        **{nm: m_week[nm][:, 0] for nm in METRICS},
    }, index=pd.RangeIndex(r, name="replication"))
    return SimulationResult(
        intervals=intervals,
        days=days,
        week=week,
        replications=reps,
        options=opts,
        answer_s=float(answer_s),
        patience_s=None if patience_s is None else float(patience_s),
        handle_times=model,
        runtime_s=time.perf_counter() - t0,
        notes=tuple(notes),
    )
