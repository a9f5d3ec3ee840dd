"""Discrete-event simulation of several queues served by skill groups (skill-based routing).

Checks the skills roster's promised per-queue service without the allocation model's
assumptions: calls of a queue can be taken by any on-duty agent with the skill, so
cross-skilled agents pool the queues they serve.

Model
-----
- **Arrivals**: per queue, Poisson with the forecast's mean ``calls`` per interval, uniform
  inside it; handle times exponential with the interval's ``aht_s`` (voice call, chat session
  or email item).
- **Agents**: per group and interval, the roster's on-phone agents (on duty net of breaks x
  (1 - shrinkage)); a fractional ``x`` is ``floor(x)`` or ``floor(x) + 1`` with probability
  ``x - floor(x)``. At a boundary new agents start free; agents leaving are picked at random
  and finish what they hold.
- **Routing**: an arriving voice/chat contact goes to a free agent with the skill, from the
  group with the fewest skills first (specialists before generalists); otherwise it waits in
  its queue (FIFO). A freed agent takes the waiting contact of its skills with the best
  (priority, earliest arrival); when no voice or chat contact waits it takes email (earliest
  deadline first). A chat agent holds up to ``concurrency`` sessions and takes no call while
  holding one. Work is not pre-empted.
- **Patience**: with a queue's ``patience_s`` (Erlang A) each contact has exponential patience
  and abandons when its wait would exceed it.
- **Email**: an item is on time when its handling *ends* by its deadline (``within_hours``
  after arrival, or the end of its local day); items still open at the end of the horizon
  whose deadline is later are left out of the compliance figure (censored).

Metrics per queue (means over replications with Student-t confidence bounds): service level
(answered within ``answer_s`` / offered, abandons are misses), ASA (s), abandonment; email:
share of items handled by their deadline, mean backlog (items). Per interval: the simulated SL
of each queue's arrivals.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from staffing.exceptions import InputError
from staffing.grid import INDEX_NAME

__all__ = ["QueueTraffic", "QueuesSimulation", "simulate_queues"]


@dataclass(frozen=True)
class QueueTraffic:
    """One queue's load for the simulation: ``calls`` and ``aht_s`` per interval (arrays over
    the horizon), ``channel``, ``priority`` (1 first), ``answer_s`` (s), ``patience_s`` (s or
    None), ``concurrency`` (chat sessions), ``due`` (email: last interval position each
    interval's work may end in) and ``handled_share`` (email goal)."""

    name: str
    channel: str
    calls: np.ndarray
    aht_s: np.ndarray
    priority: int = 1
    answer_s: float = 20.0
    patience_s: float | None = None
    concurrency: int = 1
    due: np.ndarray | None = None
    handled_share: float = 1.0


@dataclass
class QueuesSimulation:
    """Simulated service per queue.

    Attributes
    ----------
    queues:
        One row per queue: ``queue, channel, offered`` (mean per replication),
        ``service_level``, ``service_level_low/high`` (confidence bounds), ``asa_s``,
        ``abandon_rate``; email: ``on_time`` (share of items handled by their deadline, with
        bounds), ``late_items``, ``open_at_end``.
    intervals:
        ``interval_start, queue, offered, simulated_sl`` (mean over replications; NaN
        without contacts).
    replications, seed:
        As run.
    """

    queues: pd.DataFrame
    intervals: pd.DataFrame
    replications: int
    seed: int
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """JSON-ready per-queue figures."""
        rows = self.queues.replace({np.nan: None}).to_dict(orient="records")
        return {"replications": self.replications, "seed": self.seed, "queues": rows}


class _Agent:
    __slots__ = ("busy_until", "chats", "group", "leaving", "skills")

    def __init__(self, group: int, skills: tuple[int, ...]) -> None:
        self.group = group
        self.skills = skills
        self.busy_until = 0.0  # end of the current call / email item
        self.chats = 0  # chat sessions held
        self.leaving = False


def _one(rng: np.random.Generator, starts: np.ndarray, interval_s: float,
         traffic: Sequence[QueueTraffic], staff: np.ndarray,
         skills: Sequence[tuple[int, ...]]) -> dict[str, np.ndarray]:
    """One replication. ``staff`` is (groups, intervals) on-phone agents."""
    n = len(starts)
    nq = len(traffic)
    horizon_end = float(starts[-1] + interval_s)
    # events: (time, seq, kind, payload)
    ev: list[tuple[float, int, int, Any]] = []
    seq = 0
    ARR, DONE, CHAT_DONE, BOUND = 0, 1, 2, 3

    def push(t: float, kind: int, payload: Any) -> None:
        nonlocal seq
        heapq.heappush(ev, (t, seq, kind, payload))
        seq += 1

    item_q: list[np.ndarray] = []
    for qi, q in enumerate(traffic):
        counts = rng.poisson(np.maximum(q.calls, 0.0))
        which = np.repeat(np.arange(n), counts)
        t_arr = starts[which] + rng.random(len(which)) * interval_s
        hold = rng.exponential(1.0, len(which)) * np.asarray(q.aht_s, float)[which]
        pat = (rng.exponential(q.patience_s, len(which)) if q.patience_s is not None
               else np.full(len(which), np.inf))
        if q.due is not None:
            due_t = starts[np.minimum(q.due[which], n - 1)] + interval_s
            due_t = np.where(q.due[which] >= n, np.inf, due_t)
        else:
            due_t = np.full(len(which), np.inf)
        item_q.append(which)
        for k in range(len(which)):
            push(float(t_arr[k]), ARR, (qi, k, float(t_arr[k]), float(hold[k]), float(pat[k]),
                                        float(due_t[k])))
    frac = staff - np.floor(staff)
    target = (np.floor(staff) + (rng.random(staff.shape) < frac)).astype(int)
    for i in range(n):
        push(float(starts[i]), BOUND, i)
    push(horizon_end, BOUND, n)

    on_duty: list[list[_Agent]] = [[] for _ in skills]
    waiting: list[list[tuple[float, int, float, float, float]]] = [[] for _ in traffic]
    wait_pos = [0] * nq  # FIFO head index (lists only grow)
    # per-queue, per-interval tallies
    offered = np.zeros((nq, n))
    within = np.zeros((nq, n))
    answered = np.zeros((nq, n))
    abandoned = np.zeros((nq, n))
    wait_sum = np.zeros((nq, n))
    on_time = np.zeros(nq)
    late = np.zeros(nq)
    is_email = [q.channel == "email" for q in traffic]
    is_chat = [q.channel == "chat" for q in traffic]
    order_groups = sorted(range(len(skills)), key=lambda g: len(skills[g]))

    def record_answer(qi: int, k: int, t_arr: float, t: float) -> None:
        i = int(item_q[qi][k])
        w = t - t_arr
        answered[qi, i] += 1
        wait_sum[qi, i] += w
        if w <= traffic[qi].answer_s + 1e-9:
            within[qi, i] += 1

    def can_take(a: _Agent, qi: int, t: float) -> bool:
        if a.leaving or qi not in a.skills:
            return False
        if is_chat[qi]:
            return a.busy_until <= t and a.chats < traffic[qi].concurrency
        return a.busy_until <= t and a.chats == 0

    def start(a: _Agent, qi: int, item: tuple[float, int, float, float, float],
              t: float) -> None:
        t_arr, k, hold, _pat, due = item
        if is_email[qi]:
            a.busy_until = t + hold
            push(t + hold, DONE, (a, qi, due))
            return
        record_answer(qi, k, t_arr, t)
        if is_chat[qi]:
            a.chats += 1
            push(t + hold, CHAT_DONE, a)
        else:
            a.busy_until = t + hold
            push(t + hold, DONE, (a, qi, math.inf))

    def next_item(a: _Agent, t: float) -> tuple[int, tuple[float, int, float, float, float]
                                                 ] | None:
        best = None
        for qi in a.skills:
            if is_email[qi] or not can_take(a, qi, t):
                continue
            lst = waiting[qi]
            while wait_pos[qi] < len(lst):
                item = lst[wait_pos[qi]]
                if t - item[0] > item[3]:  # gave up before now
                    wait_pos[qi] += 1
                    abandoned[qi, int(item_q[qi][item[1]])] += 1
                    continue
                key = (traffic[qi].priority, item[0])
                if best is None or key < best[0]:
                    best = (key, qi, item)
                break
        if best is not None:
            wait_pos[best[1]] += 1
            return best[1], best[2]
        if a.chats:
            return None
        for qi in sorted((q for q in a.skills if is_email[q]),
                         key=lambda q: traffic[q].priority):
            lst = waiting[qi]
            if wait_pos[qi] < len(lst) and can_take(a, qi, t):
                item = lst[wait_pos[qi]]
                wait_pos[qi] += 1
                return qi, item
        return None

    def serve(a: _Agent, t: float) -> None:
        while True:
            nxt = next_item(a, t)
            if nxt is None:
                return
            start(a, nxt[0], nxt[1], t)
            if not (is_chat[nxt[0]] and a.chats < traffic[nxt[0]].concurrency):
                return

    while ev:
        t, _s, kind, payload = heapq.heappop(ev)
        if kind == BOUND:
            i = payload
            for g in range(len(skills)):
                want = int(target[g, i]) if i < n else 0
                staff_g = [a for a in on_duty[g] if not a.leaving]
                if want > len(staff_g):
                    for _ in range(want - len(staff_g)):
                        a = _Agent(g, skills[g])
                        on_duty[g].append(a)
                        serve(a, t)
                elif want < len(staff_g):
                    pick = rng.choice(len(staff_g), len(staff_g) - want, replace=False)
                    for p in pick.tolist():
                        staff_g[p].leaving = True
                on_duty[g] = [a for a in on_duty[g]
                              if not (a.leaving and a.busy_until <= t and a.chats == 0)]
            continue
        if kind == ARR:
            qi, k, t_arr, hold, pat, due = payload
            item = (t_arr, k, hold, pat, due)
            offered[qi, int(item_q[qi][k])] += 1
            taken = False
            for g in order_groups:
                if qi not in skills[g]:
                    continue
                cands = [a for a in on_duty[g] if can_take(a, qi, t)]
                if not cands:
                    continue
                if is_email[qi] and any(
                        wait_pos[q2] < len(waiting[q2]) for q2 in skills[g] if not is_email[q2]):
                    continue
                a = min(cands, key=lambda x: x.chats) if is_chat[qi] else cands[0]
                start(a, qi, item, t)
                taken = True
                break
            if not taken:
                waiting[qi].append(item)
            continue
        if kind == DONE:
            a, qi, due = payload
            if is_email[qi]:
                if t <= due + 1e-9:
                    on_time[qi] += 1
                else:
                    late[qi] += 1
            a.busy_until = t
            if a.leaving:
                if a.chats == 0:
                    on_duty[a.group] = [x for x in on_duty[a.group] if x is not a]
                continue
            serve(a, t)
            continue
        if kind == CHAT_DONE:
            a = payload
            a.chats -= 1
            if a.leaving:
                if a.chats == 0 and a.busy_until <= t:
                    on_duty[a.group] = [x for x in on_duty[a.group] if x is not a]
                continue
            serve(a, t)
    # contacts still waiting at the end: unanswered (abandoned if patience ran out)
    open_end = np.zeros(nq)
    for qi in range(nq):
        for item in waiting[qi][wait_pos[qi]:]:
            if is_email[qi]:
                if item[4] <= horizon_end:
                    late[qi] += 1
                else:
                    open_end[qi] += 1
            elif horizon_end - item[0] > item[3]:
                abandoned[qi, int(item_q[qi][item[1]])] += 1
    return {"offered": offered, "within": within, "answered": answered,
            "abandoned": abandoned, "wait": wait_sum, "on_time": on_time, "late": late,
            "open_end": open_end}


def _ci(values: np.ndarray, confidence: float) -> tuple[float, float, float]:
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    if not len(v):
        return math.nan, math.nan, math.nan
    m = float(v.mean())
    if len(v) < 2:
        return m, m, m
    h = float(stats.t.ppf(0.5 + confidence / 2, len(v) - 1) * v.std(ddof=1) / math.sqrt(len(v)))
    return m, m - h, m + h


def simulate_queues(index: pd.DatetimeIndex, traffic: Sequence[QueueTraffic],
                    skills: Mapping[str, Sequence[str]], on_phone: pd.DataFrame, *,
                    replications: int = 10, seed: int = 0,
                    confidence: float = 0.95) -> QueuesSimulation:
    """Simulate the horizon (module doc).

    Parameters
    ----------
    index:
        Interval starts (regular grid).
    traffic:
        One :class:`QueueTraffic` per queue.
    skills:
        Group name -> queue names the group serves.
    on_phone:
        On-phone agents per interval (rows, aligned with ``index``) and group (columns).
    """
    if replications < 1 or replications > 1000:
        raise InputError("replications", replications, "a whole number in [1, 1000]")
    names = [q.name for q in traffic]
    groups = list(skills)
    for g in groups:
        for s in skills[g]:
            if s not in names:
                raise InputError(f"groups.{g}.skills", s, f"one of the queues {names}")
        if g not in on_phone.columns:
            raise InputError("on_phone", g, "a column per group")
    n = len(index)
    if len(on_phone) != n:
        raise InputError("on_phone", len(on_phone), f"{n} intervals")
    freq = (index[1] - index[0]) if n > 1 else pd.Timedelta("15min")
    interval_s = freq.total_seconds()
    starts = ((index - index[0]) / pd.Timedelta(seconds=1)).to_numpy(float)
    staff = np.vstack([np.maximum(on_phone[g].to_numpy(float), 0.0) for g in groups])
    sk = [tuple(names.index(s) for s in skills[g]) for g in groups]
    rng = np.random.default_rng(seed)
    reps = [_one(rng, starts, interval_s, traffic, staff, sk) for _ in range(replications)]
    rows = []
    per_int = []
    for qi, q in enumerate(traffic):
        off = np.array([r["offered"][qi].sum() for r in reps])
        if q.channel == "email":
            done = np.array([r["on_time"][qi] + r["late"][qi] for r in reps])
            share = np.array([r["on_time"][qi] / d if d else math.nan
                              for r, d in zip(reps, done, strict=True)])
            m, lo, hi = _ci(share, confidence)
            rows.append({"queue": q.name, "channel": q.channel, "offered": float(off.mean()),
                         "on_time": m, "on_time_low": lo, "on_time_high": hi,
                         "late_items": float(np.mean([r["late"][qi] for r in reps])),
                         "open_at_end": float(np.mean([r["open_end"][qi] for r in reps]))})
            continue
        sl = np.array([r["within"][qi].sum() / o if o else math.nan
                       for r, o in zip(reps, off, strict=True)])
        ans = np.array([r["answered"][qi].sum() for r in reps])
        asa = np.array([r["wait"][qi].sum() / a if a else math.nan
                        for r, a in zip(reps, ans, strict=True)])
        ab = np.array([r["abandoned"][qi].sum() / o if o else math.nan
                       for r, o in zip(reps, off, strict=True)])
        m, lo, hi = _ci(sl, confidence)
        rows.append({"queue": q.name, "channel": q.channel, "offered": float(off.mean()),
                     "service_level": m, "service_level_low": lo, "service_level_high": hi,
                     "asa_s": _ci(asa, confidence)[0], "abandon_rate": _ci(ab, confidence)[0]})
        o_i = np.sum([r["offered"][qi] for r in reps], axis=0)
        w_i = np.sum([r["within"][qi] for r in reps], axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            per_int.append(pd.DataFrame({INDEX_NAME: index, "queue": q.name,
                                         "offered": o_i / replications,
                                         "simulated_sl": np.where(o_i > 0, w_i / o_i,
                                                                  np.nan)}))
    intervals = (pd.concat(per_int, ignore_index=True) if per_int else
                 pd.DataFrame(columns=[INDEX_NAME, "queue", "offered", "simulated_sl"]))
    return QueuesSimulation(pd.DataFrame(rows), intervals, replications, seed)
