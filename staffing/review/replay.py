"""Replay a period's real calls against a roster: what service would the plan have given?

A discrete-event FCFS replay with the **actual** arrivals (queue entry) and handle times of the
call log, the roster's agents and one queue:

- agents on the phone per interval: ``round(scheduled * (1 - shrinkage))`` (nearest whole
  agent); at an interval boundary new agents are free at once and leaving agents are the ones
  who become free first (a leaving agent finishes the current call);
- a served call keeps its handle time (talk + the log's ``wrap_s``); an abandoned call has no
  handle time, so if the replay answers it it gets the handle time of a served call of the same
  interval of arrival (drawn with ``seed``; any served call when the interval had none);
- patience: an abandoned call's patience is its observed wait; a served call's patience is
  censored at its observed wait, so it is that wait plus an exponential draw of mean
  ``patience_s`` (memoryless, as in Erlang A; infinite without ``patience_s``).

Service level counts abandons as misses (answered within ``answer_s`` / offered), like
:mod:`staffing.simulate` and the Erlang A prediction it is compared with.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from staffing.exceptions import InputError
from staffing.grid import INDEX_NAME
from staffing.io.calllog import CallLog, floor_local

__all__ = ["ReplayResult", "replay"]


@dataclass(frozen=True)
class ReplayResult:
    """Replayed service per interval (``offered``, ``answered``, ``abandoned``,
    ``answered_within``, ``wait_sum_s``, ``agents``, ``service_level``, ``asa_s``,
    ``abandon_rate``) and the same per local day (``days``) and for the period (``period``)."""

    intervals: pd.DataFrame
    days: pd.DataFrame
    period: dict[str, float]


def _ratios(t: pd.DataFrame) -> pd.DataFrame:
    off = t["offered"].where(t["offered"] > 0)
    ans = t["answered"].where(t["answered"] > 0)
    t["service_level"] = t["answered_within"] / off
    t["asa_s"] = t["wait_sum_s"] / ans
    t["abandon_rate"] = t["abandoned"] / off
    return t


def replay(log: CallLog, scheduled: pd.Series, *, shrinkage: float = 0.0, answer_s: float = 20,
           patience_s: float | None = None, seed: int = 0) -> ReplayResult:
    """Replay the log's calls arriving in ``scheduled``'s intervals (module doc).

    Parameters
    ----------
    log:
        The call log (its ``offered`` definition and ``wrap_s`` apply).
    scheduled:
        Agents on the floor per interval (``coverage.csv`` ``scheduled``), regular index.
    shrinkage:
        Fraction in [0, 1) of floor time off the phone.
    answer_s:
        Service-level threshold, seconds.
    patience_s:
        Mean patience (s) beyond the observed wait of served calls; None = infinite.
    seed:
        Seed of the draws (handle times of replay-answered abandons, censored patience).
    """
    if not 0 <= shrinkage < 1:
        raise InputError("shrinkage", shrinkage, "a fraction in [0, 1)")
    idx = pd.DatetimeIndex(scheduled.index)
    if len(idx) < 2:
        raise InputError("scheduled", len(idx), "at least two intervals")
    step = idx[1] - idx[0]
    rng = np.random.default_rng(seed)
    c = log.offered_calls()
    c = c[(c["time"] >= idx[0]) & (c["time"] < idx[-1] + step)].sort_values("time")
    t0 = idx[0]
    arr = (c["time"] - t0).dt.total_seconds().to_numpy(float)
    slot = idx.get_indexer(floor_local(c["time"], step, log.tz))
    served = c["outcome"].eq("served").to_numpy()
    wait_obs = c["wait_s"].to_numpy(float)
    handle = c["handle_s"].to_numpy(float).copy()
    pool_all = handle[served]
    if not len(pool_all):
        raise InputError("call_log", "no served calls", "served calls in the replayed period")
    for m in np.flatnonzero(~served).tolist():
        same = served & (slot == slot[m])
        pool = handle[same] if same.any() else pool_all
        handle[m] = pool[rng.integers(0, len(pool))]
    extra = (rng.exponential(patience_s, len(c)) if patience_s is not None
             else np.full(len(c), np.inf))
    patience = np.where(served, wait_obs + extra, wait_obs)

    agents = np.floor(scheduled.to_numpy(float) * (1 - shrinkage) + 0.5).astype(int)
    interval_s = step.total_seconds()
    bounds = (np.arange(len(idx) + 1) * interval_s).tolist()
    target = [*agents.tolist(), 0]
    heap: list[float] = []
    b = 0
    n = len(c)
    start = np.full(n, np.nan)
    answered = np.zeros(n, dtype=bool)

    def apply(j: int) -> None:
        want, have = target[j], len(heap)
        if want > have:
            for _ in range(want - have):
                heapq.heappush(heap, bounds[j])
        else:
            for _ in range(have - want):
                heapq.heappop(heap)  # the agent free first leaves

    inf = math.inf
    arr_l, hnd_l, pat_l = arr.tolist(), handle.tolist(), patience.tolist()
    for i in range(n):
        t = arr_l[i]
        while b < len(bounds) and bounds[b] <= t:
            apply(b)
            b += 1
        while True:
            f = heap[0] if heap else inf
            s = t if f < t else f
            if b < len(bounds) and s > bounds[b]:
                apply(b)
                b += 1
                continue
            break
        if s - t <= pat_l[i] and s < inf:
            answered[i] = True
            start[i] = s
            heapq.heapreplace(heap, s + hnd_l[i])
    wait = start - arr
    k = len(idx)
    frame = pd.DataFrame(index=idx)
    frame.index.name = INDEX_NAME
    frame["offered"] = np.bincount(slot, minlength=k).astype(float)
    frame["answered"] = np.bincount(slot, weights=answered, minlength=k)
    frame["abandoned"] = frame["offered"] - frame["answered"]
    frame["answered_within"] = np.bincount(slot, weights=answered & (wait <= answer_s),
                                           minlength=k)
    frame["wait_sum_s"] = np.bincount(slot, weights=np.where(answered, wait, 0.0), minlength=k)
    frame["agents"] = agents.astype(float)
    local = idx.tz_convert(log.tz)
    sums = frame.drop(columns="agents").groupby(local.tz_localize(None).normalize().date).sum()
    sums.index.name = "date"
    total = frame.drop(columns="agents").sum().to_frame().T
    period = {k2: float(v) for k2, v in _ratios(total).iloc[0].items()}
    return ReplayResult(_ratios(frame), _ratios(sums), period)
