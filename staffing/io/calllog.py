"""Per-call logs aggregated to interval history, under stated demand definitions.

Two layouts are read:

* the Anonymous Bank (Technion SEE lab) layout: ``date`` (yymmdd), ``vru_entry``, ``vru_time``,
  ``q_start``, ``q_time``, ``outcome`` (AGENT/HANG/PHANTOM), ``ser_time``, optionally ``server``
  (the agent's name) ... (see ``data/README.md``);
* a generic layout: ``arrival`` (ISO 8601), ``wait_s``, ``outcome`` (served/abandoned),
  ``handle_s``, optionally ``server`` (agent id), ``queue``, ``type``, ``priority``.

PHANTOM calls and rows with a negative VRU time are dropped as data errors (counted in
:attr:`CallLog.dropped`, with a :class:`~staffing.exceptions.DataQualityWarning`).

Demand definitions
------------------
- A call *reached the agent queue* when it was queued or served (Anonymous Bank: ``q_start``
  set, or outcome AGENT). Callers who hung up in the phone menu (VRU) before that are **menu
  hang-ups**: reported apart (``menu_hangups``), never offered to agents.
- ``offered="queue"`` (the default) plans on calls that reached the queue, each arriving at its
  **queue entry** (``vru_entry + vru_time``); ``offered="system"`` counts every call at its
  system entry (``vru_entry``), menu hang-ups included as abandoned (the published
  definition of the data set; it overstates the agents' work).
- Handle time = talk time (``ser_time``) + after-call work ``wrap_s``: a fixed number of
  seconds, or ``"estimate"`` = :func:`estimate_wrap` from the agents' idle gaps (needs the
  ``server`` column).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from staffing.exceptions import DataQualityWarning, InputError, warn
from staffing.grid import INDEX_NAME, IntervalGrid, parse_freq, parse_tz
from staffing.io.files import read_csv_table
from staffing.io.timestamps import _where, parse_timestamps

BANK_COLUMNS = ("date", "vru_entry", "vru_time", "q_start", "q_time", "outcome", "ser_time")
GENERIC_COLUMNS = ("arrival", "wait_s", "outcome", "handle_s")
_BANK_OUTCOMES = {"AGENT": "served", "HANG": "abandoned", "PHANTOM": "phantom"}
#: Values of the Anonymous Bank ``server`` column that name no agent.
NO_SERVER = ("", "NO_SERVER")
Offered = Literal["queue", "system"]
OFFERED = ("queue", "system")
#: Idle gaps longer than this (s) are breaks or other work, not after-call work.
MAX_WRAP_GAP_S = 300.0


@dataclass(frozen=True)
class WrapEstimate:
    """After-call work estimated from the agents' idle gaps (:func:`estimate_wrap`).

    Attributes
    ----------
    wrap_s:
        The estimate: mean gap (s) between an agent's end of call and their next call start,
        over gaps that began while at least one call was waiting in the queue and were at most
        ``max_gap_s`` long.
    median_s:
        Median of the same gaps (s).
    gaps:
        Number of gaps used.
    excluded:
        Gaps while calls waited that were longer than ``max_gap_s`` (breaks, other work).
    max_gap_s:
        The cut-off used (s).
    """

    wrap_s: float
    median_s: float
    gaps: int
    excluded: int
    max_gap_s: float

    def summary(self) -> dict[str, float | int]:
        """Plain numbers."""
        return {"wrap_s": round(self.wrap_s, 2), "median_s": round(self.median_s, 2),
                "gaps": self.gaps, "excluded": self.excluded, "max_gap_s": self.max_gap_s}


@dataclass(frozen=True)
class CallLog:
    """A cleaned per-call log.

    Attributes
    ----------
    calls:
        One row per call: ``arrival`` (tz-aware queue entry; for a menu hang-up the moment it
        left the menu), ``system_entry`` (tz-aware first contact, e.g. VRU entry),
        ``reached_queue`` (bool: queued or served; False = menu hang-up), ``outcome``
        ("served"/"abandoned"), ``queued`` (waited in the agent queue), ``wait_s`` (queue
        wait, s), ``talk_s`` (talk time of served calls, s), ``handle_s`` (talk + ``wrap_s``
        for served calls, s; 0 otherwise), ``server`` (agent, "" when none), plus ``type`` and
        ``priority`` where the log has them.
    tz:
        Site IANA zone.
    dropped:
        Number of rows dropped per reason.
    offered:
        Demand definition of :meth:`to_intervals` (``"queue"`` or ``"system"``, module doc).
    wrap_s:
        After-call work added to every served call's handle time (s).
    wrap:
        The estimate behind ``wrap_s`` when it was estimated, else None.
    """

    calls: pd.DataFrame
    tz: str
    dropped: dict[str, int] = field(default_factory=dict)
    offered: Offered = "queue"
    wrap_s: float = 0.0
    wrap: WrapEstimate | None = None

    def __len__(self) -> int:
        return len(self.calls)

    @property
    def menu_hangups(self) -> int:
        """Calls that hung up in the phone menu before reaching the agent queue."""
        return int((~self.calls["reached_queue"]).sum())

    @property
    def has_servers(self) -> bool:
        """True when the log names the agent of served calls (``server`` column)."""
        served = self.calls["outcome"].eq("served")
        return bool(served.any() and self.calls.loc[served, "server"].ne("").any())

    def with_definitions(self, *, offered: Offered | None = None,
                         wrap_s: float | Literal["estimate"] | None = None) -> CallLog:
        """The same log under another demand definition or after-call work (module doc)."""
        log = self
        if offered is not None:
            log = replace(log, offered=_check_offered(offered))
        if wrap_s is not None:
            log = _apply_wrap(log, wrap_s)
        return log

    def offered_calls(self, offered: Offered | None = None) -> pd.DataFrame:
        """Calls counted as offered under ``offered`` (default :attr:`offered`), with the
        column ``time``: the moment the definition counts them (queue entry or system entry)."""
        how = _check_offered(offered or self.offered)
        c = self.calls
        if how == "queue":
            out = c[c["reached_queue"]].copy()
            out["time"] = out["arrival"]
        else:
            out = c.copy()
            out["time"] = out["system_entry"]
        return out

    def to_intervals(
        self,
        freq: str | pd.Timedelta = "15min",
        *,
        full_days: bool = True,
        offered: Offered | None = None,
    ) -> pd.DataFrame:
        """Aggregate to an interval history.

        Parameters
        ----------
        freq:
            Interval length (5/10/15/20/30/60 minutes).
        full_days:
            Cover every interval of each local day from the first to the last call's day, so
            closed hours appear as zero volume (not as missing data).
        offered:
            Demand definition (default :attr:`offered`; see the module doc).

        Returns
        -------
        Frame indexed by ``interval_start`` with ``calls`` (offered), ``answered``,
        ``abandoned``, ``aht_s`` (mean handle time of served calls incl. ``wrap_s``, s; NaN
        without any), ``asa_s`` (mean queue wait of served calls, s) and ``menu_hangups``
        (menu hang-ups by system entry; counted in ``calls`` too under ``"system"``).
        ``attrs`` hold ``freq``, ``tz``, ``offered`` and ``wrap_s``.
        """
        step = parse_freq(freq)
        how = _check_offered(offered or self.offered)
        grid = IntervalGrid(self.tz, step)
        c = self.offered_calls(how)
        start = floor_local(c["time"], step, self.tz)
        served = c["outcome"].eq("served")
        g = pd.DataFrame(
            {
                "calls": 1,
                "answered": served.astype(int),
                "abandoned": c["outcome"].eq("abandoned").astype(int),
                "handle_sum": c["handle_s"].where(served, 0.0),
                "wait_sum": c["wait_s"].where(served, 0.0),
                INDEX_NAME: start,
            }
        ).groupby(INDEX_NAME).sum()
        menu = self.calls.loc[~self.calls["reached_queue"], "system_entry"]
        menu_counts = floor_local(menu, step, self.tz).value_counts()
        all_times = self.calls["system_entry"]
        if full_days and len(self.calls):
            first = min(all_times.min(), self.calls["arrival"].min())
            last = max(all_times.max(), self.calls["arrival"].max())
            days = (last.tz_convert(self.tz).normalize().date()
                    - first.tz_convert(self.tz).date()).days + 1
            index = grid.range(first.tz_convert(self.tz).date(), days)
        else:
            index = pd.DatetimeIndex(g.index.union(menu_counts.index), name=INDEX_NAME)
        g = g.reindex(index, fill_value=0)
        out = pd.DataFrame(index=index)
        out["calls"] = g["calls"].astype(int)
        out["answered"] = g["answered"].astype(int)
        out["abandoned"] = g["abandoned"].astype(int)
        with np.errstate(invalid="ignore", divide="ignore"):
            out["aht_s"] = np.where(out["answered"] > 0, g["handle_sum"] / out["answered"], np.nan)
            out["asa_s"] = np.where(out["answered"] > 0, g["wait_sum"] / out["answered"], np.nan)
        out["menu_hangups"] = menu_counts.reindex(index, fill_value=0).astype(int).to_numpy()
        out.index.name = INDEX_NAME
        out.attrs["freq"] = step
        out.attrs["tz"] = self.tz
        out.attrs["offered"] = how
        out.attrs["wrap_s"] = self.wrap_s
        return out

    def split(self, column: str,
              mapping: Mapping[str, Sequence[str]] | None = None) -> dict[str, CallLog]:
        """One call log per queue: the calls grouped by ``column`` (the bank's ``type``, a
        generic log's ``queue``/``type``), values grouped into queues by ``mapping``
        (queue name -> values of the column; default: each value its own queue).

        Calls whose value no queue takes are left out with a
        :class:`~staffing.exceptions.DataQualityWarning` naming the values and counts; a value
        claimed by two queues or never seen in the log raises :class:`InputError`.
        Demand definitions, after-call work and the dropped-row counts are kept.
        """
        if column not in self.calls.columns or self.calls[column].astype(str).eq("").all():
            have = [c for c in ("type", "priority", "queue") if c in self.calls.columns
                    and self.calls[c].astype(str).ne("").any()]
            raise InputError("split_by", column,
                             f"a column of the call log naming each call's queue (have: {have})")
        values = self.calls[column].astype(str).str.strip()
        seen = sorted(pd.unique(values))
        if mapping is None:
            groups: dict[str, list[str]] = {v: [v] for v in seen}
        else:
            groups = {}
            owner: dict[str, str] = {}
            for queue, vals in mapping.items():
                if isinstance(vals, str) or not isinstance(vals, Sequence) or not vals:
                    raise InputError(f"queues.{queue}.{column}", vals,
                                     f"a non-empty list of {column} values")
                for v in vals:
                    v = str(v).strip()
                    if v in owner:
                        raise InputError(f"queues.{queue}.{column}", v,
                                         f"a value no other queue takes (queue {owner[v]!r} "
                                         f"has it)")
                    if v not in seen:
                        raise InputError(f"queues.{queue}.{column}", v,
                                         f"one of the log's {column} values {seen}")
                    owner[v] = queue
                groups[str(queue)] = [str(v).strip() for v in vals]
        taken = {v for vals in groups.values() for v in vals}
        left = values[~values.isin(taken)]
        if len(left):
            counts = left.value_counts()
            shown = ", ".join(f"{k} {n}" for k, n in counts.items())
            warn(f"call log split by {column}: {len(left)} calls of no queue left out "
                 f"({shown})", DataQualityWarning, stacklevel=2)
        out: dict[str, CallLog] = {}
        for queue, vals in groups.items():
            part = self.calls[values.isin(vals).to_numpy()].reset_index(drop=True)
            out[queue] = replace(self, calls=part)
        return out

    def patience_observations(self) -> pd.DataFrame:
        """Queue waits for abandonment (patience) fitting.

        Returns one row per call that entered the agent queue: ``wait_s`` (time in queue, s)
        and ``abandoned`` (True: the wait is an observed patience; False: the call was served
        and its patience is right-censored at ``wait_s``).
        """
        q = self.calls[self.calls["queued"]]
        return pd.DataFrame(
            {
                "wait_s": q["wait_s"].to_numpy(float),
                "abandoned": q["outcome"].eq("abandoned").to_numpy(),
            },
            index=pd.Index(q["arrival"], name="arrival"),
        )

    def summary(self) -> dict[str, object]:
        """Counts and means for a quick look (calls, reached queue, menu hang-ups, served,
        abandoned in queue, mean talk and handle time s, wrap, definitions)."""
        c = self.calls
        served = c["outcome"].eq("served")
        n = len(c)
        return {
            "calls": int(n),
            "reached_queue": int(c["reached_queue"].sum()),
            "menu_hangups": self.menu_hangups,
            "menu_hangup_share": self.menu_hangups / n if n else None,
            "served": int(served.sum()),
            "abandoned": int(c["outcome"].eq("abandoned").sum()),
            "abandoned_in_queue": int((c["outcome"].eq("abandoned") & c["reached_queue"]).sum()),
            "first_arrival": c["system_entry"].min().isoformat() if n else None,
            "last_arrival": c["system_entry"].max().isoformat() if n else None,
            "mean_talk_s": float(c.loc[served, "talk_s"].mean()) if served.any() else None,
            "mean_handle_s": float(c.loc[served, "handle_s"].mean()) if served.any() else None,
            "offered": self.offered,
            "wrap_s": self.wrap_s,
            "wrap": self.wrap.summary() if self.wrap is not None else None,
            "dropped": dict(self.dropped),
        }


def floor_local(times: pd.Series, step: pd.Timedelta, tz: str) -> pd.Series:
    """Interval start (local wall-clock grid of ``step``) of each tz-aware time."""
    start = times.dt.floor(step, ambiguous="NaT", nonexistent="shift_forward")
    # floor() works in local wall time; re-derive from UTC when DST made it ambiguous
    if start.isna().any():
        utc = times.dt.tz_convert("UTC")
        start = start.fillna(utc.dt.floor(step).dt.tz_convert(tz))
    return start


def _check_offered(offered: Any) -> Offered:
    if offered not in OFFERED:
        raise InputError("offered", offered, "'queue' (calls that reached the agent queue) or "
                         "'system' (every call at system entry)")
    return offered  # type: ignore[no-any-return]


def read_call_log(path: str | Path, *, tz: str, offered: Offered = "queue",
                  wrap_s: float | Literal["estimate"] = 0.0) -> CallLog:
    """Read a per-call log (Anonymous Bank or generic layout, see module doc).

    Parameters
    ----------
    path:
        CSV file.
    tz:
        Site IANA zone; the log's clock times are local and naive, so it is required.
    offered:
        Demand definition: ``"queue"`` (calls that reached the agent queue, at queue entry) or
        ``"system"`` (every call at system entry, menu hang-ups included).
    wrap_s:
        After-call work added to each served call's handle time: seconds, or ``"estimate"``
        (from the agents' idle gaps, :func:`estimate_wrap`; needs a ``server`` column).
    """
    p = Path(path)
    raw = read_csv_table(p, "call-log CSV file", dtype=str, keep_default_na=False,
                         skipinitialspace=True)
    raw.columns = [str(c).strip() for c in raw.columns]
    return parse_call_log(raw, tz=tz, source=p.name, offered=offered, wrap_s=wrap_s)


def parse_call_log(raw: pd.DataFrame, *, tz: str, source: str = "call log",
                   offered: Offered = "queue",
                   wrap_s: float | Literal["estimate"] = 0.0) -> CallLog:
    """Validate and clean an in-memory call log (string columns as read from CSV)."""
    tz = parse_tz(tz)
    how = _check_offered(offered)
    if all(c in raw.columns for c in BANK_COLUMNS):
        log = _parse_bank(raw, tz, source)
    elif all(c in raw.columns for c in GENERIC_COLUMNS):
        log = _parse_generic(raw, tz, source)
    else:
        missing_bank = [c for c in BANK_COLUMNS if c not in raw.columns]
        missing_gen = [c for c in GENERIC_COLUMNS if c not in raw.columns]
        missing = missing_gen if len(missing_gen) <= len(missing_bank) else missing_bank
        raise InputError(
            missing[0], sorted(raw.columns),
            f"call-log columns {list(GENERIC_COLUMNS)} or the Anonymous Bank layout "
            f"{list(BANK_COLUMNS)}",
            source,
        )
    return _apply_wrap(replace(log, offered=how), wrap_s)


def _apply_wrap(log: CallLog, wrap_s: float | Literal["estimate"]) -> CallLog:
    est: WrapEstimate | None = None
    if isinstance(wrap_s, str):
        if wrap_s != "estimate":
            raise InputError("wrap_s", wrap_s, "a number of seconds >= 0 or 'estimate'")
        est = estimate_wrap(log)
        value = est.wrap_s
    else:
        if isinstance(wrap_s, bool) or not isinstance(wrap_s, int | float | np.number) or not (
                np.isfinite(wrap_s) and wrap_s >= 0):
            raise InputError("wrap_s", wrap_s, "a number of seconds >= 0 or 'estimate'")
        value = float(wrap_s)
    calls = log.calls.copy()
    served = calls["outcome"].eq("served")
    calls["handle_s"] = np.where(served, calls["talk_s"] + value, 0.0)
    return replace(log, calls=calls, wrap_s=value, wrap=est)


def estimate_wrap(log: CallLog, *, max_gap_s: float = MAX_WRAP_GAP_S) -> WrapEstimate:
    """After-call work from the agents' idle gaps.

    For every agent (``server``), the gap between the end of one call (answer + talk) and the
    start of their next call is taken when it began while at least one call was waiting in the
    queue (an agent with work waiting who does not take it is finishing the last call) and is
    at most ``max_gap_s`` (s; longer gaps are breaks or other work). The estimate is their mean
    (s). Raises :class:`InputError` when the log names no agents.
    """
    c = log.calls
    served = c["outcome"].eq("served") & c["server"].ne("")
    if not served.any():
        raise InputError("wrap_s", "estimate",
                         "a fixed number of seconds (the call log has no 'server' column "
                         "naming the agent of each call)")
    start = c["arrival"] + pd.to_timedelta(c["wait_s"], unit="s")
    end = start + pd.to_timedelta(c["talk_s"], unit="s")
    a = pd.DataFrame({"server": c.loc[served, "server"], "start": start[served],
                      "end": end[served]}).sort_values(["server", "start"], kind="stable")
    nxt = a.groupby("server", sort=False)["start"].shift(-1)
    gap = (nxt - a["end"]).dt.total_seconds().to_numpy()
    waiting = c["queued"] & (c["wait_s"] > 0)
    ins = np.sort(c.loc[waiting, "arrival"].to_numpy("datetime64[ns]"))
    outs = np.sort((c.loc[waiting, "arrival"]
                    + pd.to_timedelta(c.loc[waiting, "wait_s"], unit="s")
                    ).to_numpy("datetime64[ns]"))
    t = a["end"].to_numpy("datetime64[ns]")
    n_wait = np.searchsorted(ins, t, side="right") - np.searchsorted(outs, t, side="right")
    ok = np.isfinite(gap) & (gap >= 0) & (n_wait > 0)
    used = gap[ok & (gap <= max_gap_s)]
    if not len(used):
        raise InputError("wrap_s", "estimate",
                         "a fixed number of seconds (no agent idle gap while calls waited)")
    return WrapEstimate(wrap_s=float(used.mean()), median_s=float(np.median(used)),
                        gaps=int(len(used)), excluded=int((ok & (gap > max_gap_s)).sum()),
                        max_gap_s=float(max_gap_s))


def _int_col(raw: pd.DataFrame, name: str, source: str, *, negative_ok: bool = False) -> np.ndarray:
    values = pd.to_numeric(raw[name].str.strip(), errors="coerce")
    bad = values.isna()
    if bad.any():
        pos = int(bad.to_numpy().argmax())
        raise InputError(name, raw[name].iloc[pos], "a number of seconds", _where(source, pos))
    arr = values.to_numpy(float)
    if not negative_ok and (arr < 0).any():
        pos = int(np.argmax(arr < 0))
        raise InputError(name, raw[name].iloc[pos], "a non-negative number of seconds",
                         _where(source, pos))
    return arr


def _servers(raw: pd.DataFrame) -> np.ndarray:
    if "server" not in raw.columns:
        return np.full(len(raw), "", dtype=object)
    s = raw["server"].astype(str).str.strip()
    return np.asarray(s.where(~s.str.upper().isin(NO_SERVER), ""), dtype=object)


def _parse_bank(raw: pd.DataFrame, tz: str, source: str) -> CallLog:
    outcome_raw = raw["outcome"].str.strip().str.upper()
    unknown = ~outcome_raw.isin(list(_BANK_OUTCOMES))
    if unknown.any():
        pos = int(unknown.to_numpy().argmax())
        raise InputError("outcome", raw["outcome"].iloc[pos], "one of AGENT, HANG, PHANTOM",
                         _where(source, pos))
    vru_time = _int_col(raw, "vru_time", source, negative_ok=True)
    q_time = _int_col(raw, "q_time", source)
    ser_time = _int_col(raw, "ser_time", source)

    date = pd.to_datetime(raw["date"].str.strip(), format="%y%m%d", errors="coerce")
    if date.isna().any():
        pos = int(date.isna().to_numpy().argmax())
        raise InputError("date", raw["date"].iloc[pos], "a yymmdd date", _where(source, pos))
    clock = pd.to_timedelta(raw["vru_entry"].str.strip(), errors="coerce")
    if clock.isna().any():
        pos = int(clock.isna().to_numpy().argmax())
        raise InputError("vru_entry", raw["vru_entry"].iloc[pos], "a H:MM:SS clock time",
                         _where(source, pos))
    naive = date + clock
    iso = pd.Series(naive.dt.strftime("%Y-%m-%dT%H:%M:%S"), index=raw.index)
    entry = parse_timestamps(iso, tz=tz, field="vru_entry", source=source)

    keep = (outcome_raw != "PHANTOM").to_numpy() & (vru_time >= 0)
    dropped = {
        "phantom": int((outcome_raw == "PHANTOM").sum()),
        "negative_vru_time": int(((vru_time < 0) & (outcome_raw != "PHANTOM").to_numpy()).sum()),
    }
    _warn_dropped(dropped, source)
    outcome = outcome_raw.map(_BANK_OUTCOMES).to_numpy()
    queued = (raw["q_start"].str.strip() != "0:00:00").to_numpy()
    entry_ix = pd.DatetimeIndex(entry)
    arrival = entry_ix + pd.to_timedelta(np.where(vru_time >= 0, vru_time, 0), unit="s")
    calls = pd.DataFrame(
        {
            "arrival": arrival,
            "system_entry": entry_ix,
            "reached_queue": queued | (outcome == "served"),
            "outcome": outcome,
            "queued": queued,
            "wait_s": q_time,
            "talk_s": np.where(outcome == "served", ser_time, 0.0),
            "handle_s": np.where(outcome == "served", ser_time, 0.0),
            "server": _servers(raw),
            "type": raw["type"].to_numpy() if "type" in raw else "",
            "priority": raw["priority"].to_numpy() if "priority" in raw else "",
        }
    )[keep]
    calls = calls.sort_values("arrival", kind="stable").reset_index(drop=True)
    return CallLog(calls=calls, tz=tz, dropped=dropped)


def _parse_generic(raw: pd.DataFrame, tz: str, source: str) -> CallLog:
    arrival = parse_timestamps(raw["arrival"], tz=tz, field="arrival", source=source)
    outcome = raw["outcome"].str.strip().str.lower()
    unknown = ~outcome.isin(["served", "abandoned"])
    if unknown.any():
        pos = int(unknown.to_numpy().argmax())
        raise InputError("outcome", raw["outcome"].iloc[pos], "'served' or 'abandoned'",
                         _where(source, pos))
    wait = _int_col(raw, "wait_s", source)
    handle = _int_col(raw, "handle_s", source)
    served = (outcome == "served").to_numpy()
    arr = pd.DatetimeIndex(arrival)
    calls = pd.DataFrame(
        {
            "arrival": arr,
            "system_entry": arr,
            "reached_queue": np.ones(len(raw), dtype=bool),
            "outcome": outcome.to_numpy(),
            "queued": (wait > 0) | ~served,
            "wait_s": wait,
            "talk_s": np.where(served, handle, 0.0),
            "handle_s": np.where(served, handle, 0.0),
            "server": _servers(raw),
        }
    )
    for col in ("queue", "type", "priority"):  # kept for splitting by queue
        if col in raw.columns:
            calls[col] = raw[col].astype(str).str.strip().to_numpy()
    calls = calls.sort_values("arrival", kind="stable").reset_index(drop=True)
    return CallLog(calls=calls, tz=tz, dropped={})


def _warn_dropped(dropped: dict[str, int], source: str) -> None:
    total = sum(dropped.values())
    if total:
        parts = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in dropped.items() if n)
        warn(f"{source}: dropped {total} rows ({parts})", DataQualityWarning,
             stacklevel=4)
