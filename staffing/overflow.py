"""An overflow partner (answering service): the ``[overflow]`` plan section and its tables.

A centre that cannot or will not staff every hour sends calls to a partner who charges per
call and/or per handled minute, takes at most ``capacity_calls_per_hour``, answers only in its
``hours`` and answers ``service_level`` of what it gets within the centre's ``answer_s``. The
roster model decides per interval how many calls to send (:mod:`staffing.roster.overflow`:
levels of the interval's calls in steps of ``share_step``, plus the most the capacity allows);
this module, which sits above ``erlang`` and ``roster`` like :mod:`staffing.service_curve`,
makes the per-level tables: fee, calls the partner answers within the threshold and, for the
kept calls, the in-house Erlang requirement (requirement mode, by
:func:`staffing.requirements.compute_requirements`) or the answered-within-threshold table
(service mode, by :func:`staffing.service_curve.answered_curve`, i.e. by ``evaluate``), so the
promise for a roster with overflow equals what :func:`staffing.evaluate.evaluate` reports for
it with ``overflow=`` the calls sent.

Units: prices in currency (per call, per handled minute, per week), capacity in calls per
hour (the per-interval cap is ``capacity_calls_per_hour x interval hours``), fractions in
[0, 1].
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from staffing._validate import fraction, number, only_keys
from staffing.exceptions import InputError
from staffing.hours import DayHours, OpenHours
from staffing.requirements import ServiceGoals, compute_requirements
from staffing.roster.overflow import OverflowLevels
from staffing.roster.service import ServiceCurve

if TYPE_CHECKING:
    from staffing.roster.size import ModelSize

__all__ = ["KEYS", "OverflowPartner", "combine_simulation", "demand_hours", "estimate_size",
           "kept_demand", "overflow_levels"]

#: The keys of ``[overflow]``.
KEYS = ("enabled", "price_per_call", "price_per_minute", "capacity_calls_per_hour", "hours",
        "service_level", "max_share", "share_step", "weekly_fee")


@dataclass(frozen=True)
class OverflowPartner:
    """The ``[overflow]`` section (see the module docstring for units).

    Attributes
    ----------
    price_per_call:
        Currency per call sent.
    price_per_minute:
        Currency per handled minute at the partner (calls sent x the interval's AHT / 60).
    capacity_calls_per_hour:
        Most calls per hour the partner takes (None: unlimited).
    hours:
        Weekly windows the partner answers in (None: always).
    service_level:
        Fraction of the calls sent the partner answers within the centre's ``answer_s``
        (None: the centre's ``goals.service_level``).
    max_share:
        Largest share of an interval's calls that may be sent, fraction in (0, 1].
    share_step:
        Step of the shares the model chooses from, fraction in (0, 1] (0.25: 0, 25, 50, 75,
        100 % of the interval's calls, and the capacity).
    weekly_fee:
        Fixed currency per week (prorated to the horizon) charged when any call is sent.
    """

    price_per_call: float = 0.0
    price_per_minute: float = 0.0
    capacity_calls_per_hour: float | None = None
    hours: OpenHours | None = None
    service_level: float | None = None
    max_share: float = 1.0
    share_step: float = 0.25
    weekly_fee: float = 0.0

    @classmethod
    def from_table(cls, raw: Any) -> OverflowPartner | None:
        """Validate an ``[overflow]`` table (errors name ``overflow.<key>``); None when
        ``enabled = false``."""
        if not isinstance(raw, Mapping):
            raise InputError("overflow", raw, "a table of overflow partner settings")
        only_keys(raw, "overflow", set(KEYS))
        enabled = raw.get("enabled", True)
        if not isinstance(enabled, bool):
            raise InputError("overflow.enabled", enabled, "true or false")
        if "price_per_call" not in raw and "price_per_minute" not in raw:
            raise InputError("overflow.price_per_call", None,
                             "a price per call sent and/or overflow.price_per_minute per "
                             "handled minute (currency; at least one is required)")
        per_call = number("overflow.price_per_call", raw.get("price_per_call", 0.0), lo=0,
                          unit="currency per call")
        per_min = number("overflow.price_per_minute", raw.get("price_per_minute", 0.0), lo=0,
                         unit="currency per handled minute")
        cap = raw.get("capacity_calls_per_hour")
        if cap is not None:
            cap = number("overflow.capacity_calls_per_hour", cap, lo=0, lo_open=True,
                         unit="calls per hour")
        hours = None
        if "hours" in raw:
            table = raw["hours"]
            if not isinstance(table, Mapping) or not table:
                raise InputError("overflow.hours", table,
                                 "a table of day ranges to 'HH:MM-HH:MM' (the partner's hours)")
            if "min_staff" in table:
                raise InputError("overflow.hours.min_staff", table["min_staff"],
                                 "no min_staff (the partner's hours have no in-house staff)")
            try:
                hours = OpenHours.from_dict(dict(table))
            except InputError as exc:
                raise InputError("overflow.hours" + exc.field.removeprefix("open_hours"),
                                 exc.value, exc.expected) from exc
        sl = raw.get("service_level")
        if sl is not None:
            sl = fraction("overflow.service_level", sl, low_open=False, high_open=False)
        max_share = fraction("overflow.max_share", raw.get("max_share", 1.0), low_open=True,
                             high_open=False)
        step = fraction("overflow.share_step", raw.get("share_step", 0.25), low_open=True,
                        high_open=False)
        if 1.0 / step > 20 + 1e-9:
            raise InputError("overflow.share_step", step, "a fraction >= 0.05 (at most 20 "
                             "levels per interval: each level is a binary of the model)")
        fee = number("overflow.weekly_fee", raw.get("weekly_fee", 0.0), lo=0,
                     unit="currency per week")
        if not enabled:
            return None
        return cls(per_call, per_min, cap, hours, sl, max_share, step, fee)

    def partner_service_level(self, goals: ServiceGoals) -> float:
        """The partner's answered-within-threshold fraction (default the centre's target)."""
        if self.service_level is not None:
            return self.service_level
        return float(goals.service_level) if goals.service_level is not None else 1.0

    def mask(self, index: pd.DatetimeIndex) -> np.ndarray:
        """Is the partner answering in each interval (bool per interval start)."""
        if self.hours is None:
            return np.ones(len(index), dtype=bool)
        return np.asarray(self.hours.mask(index), dtype=bool)

    def shares(self) -> np.ndarray:
        """The shares of an interval's calls the model may send (0 first)."""
        k = int(math.floor(self.max_share / self.share_step + 1e-9))
        grid = [min(j * self.share_step, 1.0) for j in range(k + 1)]
        if grid[-1] < self.max_share - 1e-9:
            grid.append(self.max_share)
        return np.array(grid)


def demand_hours(open_hours: OpenHours | None,
                 partner: OverflowPartner | None) -> OpenHours | None:
    """Hours calls are answered in (and so forecast): the centre's open hours joined with the
    partner's (no minimum staff in the partner's hours); None when either is always open."""
    if open_hours is None or partner is None:
        return open_hours
    if partner.hours is None:
        return None
    extra = tuple(DayHours(d.day, d.open, d.close, 0) for d in partner.hours.days)
    return OpenHours(open_hours.days + extra)


def overflow_levels(partner: OverflowPartner, demand: pd.DataFrame, goals: ServiceGoals, *,
                    freq: pd.Timedelta, days: int, required: pd.Series | None = None,
                    service: ServiceCurve | None = None,
                    open_hours: OpenHours | None = None) -> OverflowLevels | None:
    """The per-interval overflow choices for the roster model.

    ``demand`` holds ``calls`` and ``aht_s`` per interval (the roster's grid); ``required``
    (agents on the floor, requirement mode) gives level 0's requirement, the other levels get
    :func:`compute_requirements` of their kept calls with ``open_hours`` (floors);
    ``service`` (service mode) gives the agents tabulated (``k_max``); the kept calls' tables
    come from :func:`staffing.service_curve.answered_curve`. ``days`` prorates the weekly fee.
    None when the partner can take no call in the horizon."""
    calls = demand["calls"].to_numpy(float)
    aht = demand["aht_s"].to_numpy(float)
    pos = np.nonzero(partner.mask(pd.DatetimeIndex(demand.index)) & (calls > 0))[0]
    if not len(pos):
        return None
    c = calls[pos]
    hours = freq.total_seconds() / 3600.0
    cap = (np.full(len(pos), np.inf) if partner.capacity_calls_per_hour is None
           else np.full(len(pos), partner.capacity_calls_per_hour * hours))
    grid = partner.shares()
    sent = c[:, None] * grid[None, :]
    sent[sent > cap[:, None] + 1e-9] = np.nan
    # the most the capacity allows, when it cuts a share on the grid
    most = np.minimum(cap, partner.max_share * c)
    dup = np.isclose(sent, most[:, None], rtol=0, atol=1e-9).any(axis=1) | (most <= 0)
    sent = np.column_stack([sent, np.where(dup, np.nan, most)])
    sent[:, 0] = 0.0
    a = np.where(np.isfinite(aht[pos]), aht[pos], 0.0)
    fee = sent * partner.price_per_call + sent * a[:, None] / 60.0 * partner.price_per_minute
    p_sl = partner.partner_service_level(goals)
    sub = demand.iloc[pos][["calls", "aht_s"]].copy()
    L = sent.shape[1]
    req_tab = None
    curves = None
    if service is None:
        if required is None:
            raise InputError("required", None, "agents required per interval (requirements)")
        # level m needs the given requirement less what Erlang saves on the calls sent
        # (the same as Erlang of the kept calls when ``required`` is Erlang's own, as in a
        # plan), never below the open-hours floor
        req_tab = np.full(sent.shape, np.nan)
        given = required.to_numpy(float)[pos]
        full = compute_requirements(sub, goals, open_hours=open_hours, freq=freq)
        full_req = full["agents_required"].to_numpy(float)
        floor = (np.maximum(open_hours.min_staff(pd.DatetimeIndex(sub.index)), 0)
                 if open_hours is not None else np.zeros(len(pos)))
        req_tab[:, 0] = given
        for m in range(1, L):
            kept = c - np.nan_to_num(sent[:, m], nan=0.0)
            r = compute_requirements(sub.assign(calls=kept), goals, open_hours=open_hours,
                                     freq=freq)["agents_required"].to_numpy(float)
            lvl = np.maximum(given - (full_req - r), np.minimum(floor, given))
            req_tab[:, m] = np.where(np.isfinite(sent[:, m]), lvl, np.nan)
    else:
        from staffing.service_curve import answered_curve

        tabs = []
        for m in range(L):
            kept = c - np.nan_to_num(sent[:, m], nan=0.0)
            curve = answered_curve(sub.assign(calls=kept), goals, freq=freq,
                                   k_max=service.k_max)
            tabs.append(curve)
        curves = tuple(tabs)
    weekly = partner.weekly_fee * days / 7.0
    return OverflowLevels(positions=pos, calls=c, sent=sent, fee=fee,
                          partner_answered=sent * p_sl, required=req_tab, curves=curves,
                          fixed_fee=weekly, partner_service_level=p_sl)


def kept_demand(demand: pd.DataFrame, sent: pd.Series) -> pd.DataFrame:
    """The demand frame with the calls sent to the partner taken out (what in-house serves)."""
    s = sent.reindex(demand.index).fillna(0.0).to_numpy(float)
    out = demand.copy()
    out["calls"] = np.maximum(demand["calls"].to_numpy(float) - s, 0.0)
    return out


def combine_simulation(sim: Any, evaluation: Any, partner_sl: float, tz: str) -> Any:
    """A simulation of the kept calls with its service levels (mean and confidence bounds,
    per interval, day and week) made combined: (kept x simulated in-house SL + sent x the
    partner's SL) / offered, weighted by the forecast calls; the in-house figures stay as
    ``inhouse_service_level`` columns / key."""
    import dataclasses

    from staffing.grid import local_dates

    iv = evaluation.intervals
    offered = iv["calls"].to_numpy(float)
    sent = iv["overflow_calls"].to_numpy(float)
    kept = offered - sent
    cols = ("service_level", "service_level_low", "service_level_high")

    def combine(frame: pd.DataFrame, off: np.ndarray, kp: np.ndarray,
                sn: np.ndarray) -> pd.DataFrame:
        out = frame.copy()
        out["inhouse_service_level"] = frame["service_level"]
        with np.errstate(divide="ignore", invalid="ignore"):
            for c in cols:
                if c in out:
                    ins = np.nan_to_num(out[c].to_numpy(float), nan=1.0)
                    out[c] = np.where(off > 0, (kp * ins + partner_sl * sn) / off, np.nan)
        return out

    intervals = combine(sim.intervals.reindex(iv.index), offered, kept, sent)
    day = pd.Index(local_dates(iv.index, tz))
    totals = pd.DataFrame({"off": offered, "kept": kept, "sent": sent}, index=iv.index)
    per_day = totals.groupby(day.to_numpy()).sum()
    days = sim.days
    if len(days):
        t = per_day.reindex(days.index).fillna(0.0)
        days = combine(days, t["off"].to_numpy(), t["kept"].to_numpy(), t["sent"].to_numpy())
    week = dict(sim.week)
    off_t, kept_t, sent_t = float(offered.sum()), float(kept.sum()), float(sent.sum())
    if off_t > 0:
        week["inhouse_service_level"] = week.get("service_level")
        for c in cols:
            v = week.get(c)
            if v is not None and math.isfinite(float(v)):
                week[c] = (kept_t * float(v) + partner_sl * sent_t) / off_t
        week["overflow_calls"] = sent_t
    return dataclasses.replace(sim, intervals=intervals, days=days, week=week)


def estimate_size(partner: OverflowPartner, index: pd.DatetimeIndex, *, service: bool,
                  k_max: int = 50) -> ModelSize:
    """About what the partner adds to the roster model (nothing built): every interval of
    ``index`` in its hours counted as having calls (an upper bound), ``share_step`` levels
    (+ the capacity level), service mode with ``k_max`` tangent lines per level (the lines
    run from the curve's onset to saturation: 10-40 on the bundled loads)."""
    from staffing.roster.size import ModelSize

    P = int(partner.mask(index).sum())
    L = len(partner.shares()) + 1
    if service:
        cols = 3 * P * L
        rows = 3 * P + P * L * (2 + k_max + 1)
        nnz = P * (3 * L + 2) + P * L * (4 + 3 * (k_max + 1))
    else:
        cols = P * L
        rows = 2 * P
        nnz = 4 * P * L
    fee = 1 if partner.weekly_fee > 0 else 0
    return ModelSize(variables=cols + fee, integer_variables=P * L + fee,
                     constraints=rows + fee, nonzeros=nnz + fee * (P * L + 1))
