"""Actual service of a past period, per interval, local day and week, from a call log.

Definitions (stated by :meth:`ServiceDefinition.describe` in every report)
--------------------------------------------------------------------------
- **offered**: calls that reached the agent queue (the log's ``offered="queue"``; or every call
  at system entry with ``offered="system"``), counted in the interval of that moment; menu
  hang-ups are reported apart (``menu_hangups``).
- **short abandons**: abandoned calls that waited at most ``short_abandon_s`` seconds.
- **service level**: calls answered within ``answer_s`` over

  * ``abandons="counted"``: offered (abandons are misses; the planning convention of
    :mod:`staffing.erlang` and :mod:`staffing.simulate`),
  * ``abandons="short_excluded"``: offered minus short abandons,
  * ``abandons="excluded"``: answered calls only.

  ``service_level`` follows the chosen definition; ``sl_counted`` is always the first one.
- **ASA**: mean queue wait of answered calls (s). **Abandonment**: abandoned / offered.
  **AHT**: mean handle time of answered calls = talk + the log's ``wrap_s`` (s).
- **agents staffed** (estimated from the agent column ``server``): an agent is counted as
  logged in from the start of a call to the end of its after-call work, and across idle gaps
  of at most ``max_idle_s`` between their calls (longer gaps are breaks or off the phone);
  ``agents_staffed`` is the mean number logged in over the interval, ``agents_busy`` the mean
  number talking or wrapping, ``occupancy = agents_busy / agents_staffed``. Without agent
  names these are NaN.

Days and the week are aggregated from sums (calls, seconds), never by averaging ratios.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from staffing.exceptions import InputError
from staffing.grid import INDEX_NAME, IntervalGrid, parse_freq
from staffing.io.calllog import CallLog, floor_local

__all__ = ["ABANDON_RULES", "ServiceDefinition", "actuals_from_log", "aggregate", "ratios"]

AbandonRule = Literal["counted", "short_excluded", "excluded"]
ABANDON_RULES = ("counted", "short_excluded", "excluded")

#: The additive columns from which every ratio is derived.
SUM_COLUMNS = ("offered", "menu_hangups", "answered", "abandoned", "short_abandoned",
               "answered_within", "wait_sum_s", "handle_sum_s", "talk_sum_s", "staffed_s",
               "busy_s", "interval_s")


@dataclass(frozen=True)
class ServiceDefinition:
    """How actual service is counted (module doc).

    Attributes
    ----------
    answer_s:
        Service-level threshold, seconds (the 20 in 80/20).
    abandons:
        ``"counted"``, ``"short_excluded"`` or ``"excluded"``.
    short_abandon_s:
        Abandons within this many seconds are short abandons.
    max_idle_s:
        Longest idle gap (s) between an agent's calls still counted as logged in.
    """

    answer_s: float = 20.0
    abandons: AbandonRule = "counted"
    short_abandon_s: float = 5.0
    max_idle_s: float = 900.0

    def __post_init__(self) -> None:
        for name in ("answer_s", "short_abandon_s", "max_idle_s"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int | float) or not (
                    np.isfinite(v) and v >= 0):
                raise InputError(name, v, "a number of seconds >= 0")
        if self.abandons not in ABANDON_RULES:
            raise InputError("abandons", self.abandons, f"one of {list(ABANDON_RULES)}")

    def describe(self, offered: str = "queue", wrap_s: float | None = None) -> str:
        """The definitions in one sentence, for reports."""
        base = {"counted": "offered (abandons count as misses)",
                "short_excluded": f"offered minus abandons within {self.short_abandon_s:g} s",
                "excluded": "answered calls (abandons ignored)"}[self.abandons]
        who = ("calls that reached the agent queue, at queue entry (menu hang-ups apart)"
               if offered == "queue" else "every call at system entry (menu hang-ups included)")
        text = (f"SL = answered within {self.answer_s:g} s / {base}; offered = {who}; "
                f"short abandon <= {self.short_abandon_s:g} s")
        if wrap_s is not None:
            text += f"; AHT = talk + {wrap_s:.1f} s after-call work"
        return text


def _period_index(log: CallLog, grid: IntervalGrid, start: dt.date | None,
                  days: int | None) -> pd.DatetimeIndex:
    times = log.calls["system_entry"]
    if not len(times):
        raise InputError("call_log", "empty", "at least one call")
    first = times.min().tz_convert(log.tz).date() if start is None else start
    if days is None:
        last = max(times.max(), log.calls["arrival"].max()).tz_convert(log.tz).date()
        days = (last - first).days + 1
    if days < 1:
        raise InputError("days", days, "at least one day")
    return grid.range(first, days)


def _integral(a: np.ndarray, b: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Seconds of the spans ``[a, b)`` (int64 ns) falling in each ``[edges[i], edges[i+1])``."""
    if not len(a):
        return np.zeros(len(edges) - 1)
    sa, sb = np.sort(a), np.sort(b)
    pa = np.concatenate([[0.0], np.cumsum(sa.astype(float))])
    pb = np.concatenate([[0.0], np.cumsum(sb.astype(float))])
    t = edges.astype(float)
    na = np.searchsorted(sa, edges, side="left")
    nb = np.searchsorted(sb, edges, side="left")
    f = (na * t - pa[na]) - (nb * t - pb[nb])
    return np.diff(f) / 1e9


def _ns(times: pd.Series) -> np.ndarray:
    """tz-aware times -> int64 nanoseconds since the epoch (UTC)."""
    return pd.DatetimeIndex(times).tz_convert("UTC").as_unit("ns").asi8


def _agent_spans(log: CallLog, max_idle_s: float) -> tuple[np.ndarray, ...]:
    """(busy start, busy end, logged-in start, logged-in end) as int64 ns arrays."""
    c = log.calls
    served = c["outcome"].eq("served") & c["server"].ne("")
    start = c.loc[served, "arrival"] + pd.to_timedelta(c.loc[served, "wait_s"], unit="s")
    end = start + pd.to_timedelta(c.loc[served, "handle_s"], unit="s")
    a = pd.DataFrame({"server": c.loc[served, "server"], "s": _ns(start), "e": _ns(end)})
    a = a.sort_values(["server", "s"], kind="stable")
    # an agent's after-call work ends when their next call starts (no double counting)
    nxt = a.groupby("server", sort=False)["s"].shift(-1)
    a["e"] = np.where(nxt.notna(), np.minimum(a["e"], nxt.fillna(0)), a["e"]).astype("int64")
    a["e"] = np.maximum(a["e"], a["s"])
    busy_s, busy_e = a["s"].to_numpy(), a["e"].to_numpy()
    prev_end = a.groupby("server", sort=False)["e"].cummax().shift(1)
    same = a["server"].eq(a["server"].shift(1))
    new = ~same | ((a["s"] - prev_end) > max_idle_s * 1e9)
    session = new.cumsum().to_numpy()
    g = a.groupby(session)
    return busy_s, busy_e, g["s"].min().to_numpy(), g["e"].max().to_numpy()


def actuals_from_log(log: CallLog, freq: str | pd.Timedelta = "15min", *,
                     definition: ServiceDefinition | None = None,
                     start: dt.date | str | None = None, days: int | None = None
                     ) -> pd.DataFrame:
    """Actual service per interval of a past period (module doc).

    Parameters
    ----------
    log:
        The call log (its ``offered`` and ``wrap_s`` apply).
    freq:
        Interval length.
    definition:
        Counting rules (default :class:`ServiceDefinition`).
    start, days:
        The period: first local day and number of days (default the whole log).

    Returns
    -------
    Frame indexed by ``interval_start``: the additive columns (``offered``, ``menu_hangups``,
    ``answered``, ``abandoned``, ``short_abandoned``, ``answered_within``, ``wait_sum_s``,
    ``handle_sum_s``, ``talk_sum_s``, ``staffed_s``, ``busy_s``, ``interval_s``) and the ratios
    of :func:`ratios`. ``attrs`` hold ``definition`` (text), ``freq`` and ``tz``.
    """
    d = definition or ServiceDefinition()
    step = parse_freq(freq)
    grid = IntervalGrid(log.tz, step)
    first = dt.date.fromisoformat(start) if isinstance(start, str) else start
    index = _period_index(log, grid, first, days)
    lo, hi = index[0], index[-1] + step
    c = log.offered_calls()
    c = c[(c["time"] >= lo) & (c["time"] < hi)]
    slot = floor_local(c["time"], step, log.tz)
    served = c["outcome"].eq("served")
    aband = c["outcome"].eq("abandoned")
    g = pd.DataFrame({
        "offered": 1,
        "answered": served.astype(int),
        "abandoned": aband.astype(int),
        "short_abandoned": (aband & (c["wait_s"] <= d.short_abandon_s)).astype(int),
        "answered_within": (served & (c["wait_s"] <= d.answer_s)).astype(int),
        "wait_sum_s": c["wait_s"].where(served, 0.0),
        "handle_sum_s": c["handle_s"].where(served, 0.0),
        "talk_sum_s": c["talk_s"].where(served, 0.0),
        INDEX_NAME: slot,
    }).groupby(INDEX_NAME).sum().reindex(index, fill_value=0)
    menu = log.calls.loc[~log.calls["reached_queue"], "system_entry"]
    menu = menu[(menu >= lo) & (menu < hi)]
    g["menu_hangups"] = floor_local(menu, step, log.tz).value_counts().reindex(
        index, fill_value=0).to_numpy()
    edges = np.append(index.as_unit("ns").asi8, (index[-1] + step).as_unit("ns").value)
    g["interval_s"] = np.diff(edges) / 1e9
    if log.has_servers:
        bs, be, ss, se = _agent_spans(log, d.max_idle_s)
        g["busy_s"] = _integral(bs, be, edges)
        g["staffed_s"] = _integral(ss, se, edges)
    else:
        g["busy_s"] = np.nan
        g["staffed_s"] = np.nan
    out = ratios(g[list(SUM_COLUMNS)].astype(float), d)
    out.index.name = INDEX_NAME
    out.attrs.update(definition=d.describe(log.offered, log.wrap_s), freq=step, tz=log.tz)
    return out


def ratios(sums: pd.DataFrame, definition: ServiceDefinition) -> pd.DataFrame:
    """Add the ratio columns to a frame of :data:`SUM_COLUMNS`: ``service_level`` (chosen
    definition), ``sl_counted``, ``sl_short_excluded``, ``sl_excluded``, ``asa_s``,
    ``abandon_rate``, ``short_abandon_rate``, ``aht_s``, ``talk_s``, ``agents_staffed``,
    ``agents_busy``, ``occupancy`` (NaN where the denominator is zero)."""
    out = sums.copy()

    def div(a: pd.Series, b: pd.Series) -> pd.Series:
        return (a / b.where(b > 0)).astype(float)

    within = out["answered_within"]
    out["sl_counted"] = div(within, out["offered"])
    out["sl_short_excluded"] = div(within, out["offered"] - out["short_abandoned"])
    out["sl_excluded"] = div(within, out["answered"])
    out["service_level"] = out[f"sl_{definition.abandons}"]
    out["asa_s"] = div(out["wait_sum_s"], out["answered"])
    out["abandon_rate"] = div(out["abandoned"], out["offered"])
    out["short_abandon_rate"] = div(out["short_abandoned"], out["offered"])
    out["aht_s"] = div(out["handle_sum_s"], out["answered"])
    out["talk_s"] = div(out["talk_sum_s"], out["answered"])
    out["agents_staffed"] = div(out["staffed_s"], out["interval_s"])
    out["agents_busy"] = div(out["busy_s"], out["interval_s"])
    out["occupancy"] = div(out["busy_s"], out["staffed_s"])
    return out


def aggregate(intervals: pd.DataFrame, definition: ServiceDefinition, *, by: str = "day",
              tz: str | None = None) -> pd.DataFrame:
    """Sum the additive columns per local ``day`` (index ``date``), per ``week`` (index: the
    week's first local date, Monday) or for the whole ``period`` (one row), then derive the
    ratios. Extra additive columns present in ``intervals`` (e.g. ``forecast_calls``) are
    summed too."""
    index = pd.DatetimeIndex(intervals.index)
    zone = tz or (str(index.tz) if index.tz is not None else None)
    local = index.tz_convert(zone) if zone else index
    dates = pd.Index(local.tz_localize(None).normalize().date, name="date")
    if by == "day":
        key = dates
    elif by == "week":
        key = pd.Index([x - dt.timedelta(days=x.weekday()) for x in dates], name="week")
    elif by == "period":
        key = pd.Index(["period"] * len(index), name="period")
    else:
        raise InputError("by", by, "'day', 'week' or 'period'")
    cols = [c for c in intervals.columns if c in SUM_COLUMNS or c in EXTRA_SUMS]
    sums = intervals[cols].groupby(key.to_numpy()).sum(min_count=1)
    sums.index.name = key.name
    return ratios(sums, definition)


#: Additive plan columns aggregated alongside the actuals (see :mod:`staffing.review.compare`).
EXTRA_SUMS = ("forecast_calls", "forecast_handle_s", "scheduled_s", "planned_net_s",
              "predicted_within", "abs_error", "error", "in_band", "intervals",
              "intervals_with_calls", "intervals_met", "predicted_met", "band_intervals",
              "predicted_intervals")
