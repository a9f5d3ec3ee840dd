"""Per-call logs aggregated to interval history.

Two layouts are read:

* the Anonymous Bank (Technion SEE lab) layout: ``date`` (yymmdd), ``vru_entry``, ``q_start``,
  ``q_time``, ``outcome`` (AGENT/HANG/PHANTOM), ``ser_time`` ... (see ``data/README.md``);
* a generic layout: ``arrival`` (ISO 8601), ``wait_s``, ``outcome`` (served/abandoned),
  ``handle_s``.

The arrival time of a call is its system entry (``vru_entry``). PHANTOM calls and rows with a
negative VRU time are dropped as data errors (counted in :attr:`CallLog.dropped`, with a
:class:`~staffing.exceptions.DataQualityWarning`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from staffing.exceptions import DataQualityWarning, InputError, warn
from staffing.grid import INDEX_NAME, IntervalGrid, parse_freq, parse_tz
from staffing.io.timestamps import _where, parse_timestamps

BANK_COLUMNS = ("date", "vru_entry", "vru_time", "q_start", "q_time", "outcome", "ser_time")
GENERIC_COLUMNS = ("arrival", "wait_s", "outcome", "handle_s")
_BANK_OUTCOMES = {"AGENT": "served", "HANG": "abandoned", "PHANTOM": "phantom"}


@dataclass(frozen=True)
class CallLog:
    """A cleaned per-call log.

    Attributes
    ----------
    calls:
        One row per call: ``arrival`` (tz-aware), ``outcome`` ("served"/"abandoned"),
        ``queued`` (entered the agent queue), ``wait_s`` (queue wait, s), ``handle_s``
        (talk/handle time of served calls, s; 0 otherwise), plus ``type`` and ``priority``
        where the log has them.
    tz:
        Site IANA zone.
    dropped:
        Number of rows dropped per reason.
    """

    calls: pd.DataFrame
    tz: str
    dropped: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.calls)

    def to_intervals(
        self,
        freq: str | pd.Timedelta = "15min",
        *,
        full_days: bool = True,
    ) -> pd.DataFrame:
        """Aggregate to an interval history.

        Parameters
        ----------
        freq:
            Interval length (5/10/15/20/30/60 minutes).
        full_days:
            Cover every interval of each local day from the first to the last call's day, so
            closed hours appear as zero volume (not as missing data).

        Returns
        -------
        Frame indexed by ``interval_start`` with ``calls`` (offered), ``answered``,
        ``abandoned``, ``aht_s`` (mean handle time of served calls, s; NaN without any) and
        ``asa_s`` (mean queue wait of served calls, s).
        """
        step = parse_freq(freq)
        grid = IntervalGrid(self.tz, step)
        c = self.calls
        start = c["arrival"].dt.floor(step, ambiguous="NaT", nonexistent="shift_forward")
        # floor() works in local wall time; re-derive from UTC when DST made it ambiguous
        if start.isna().any():
            utc = c["arrival"].dt.tz_convert("UTC")
            start = start.fillna(utc.dt.floor(step).dt.tz_convert(self.tz))
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
        if full_days and len(c):
            first = c["arrival"].min()
            last = c["arrival"].max()
            days = (last.tz_convert(self.tz).normalize().date() - first.date()).days + 1
            index = grid.range(first, days)
        else:
            index = pd.DatetimeIndex(g.index, name=INDEX_NAME)
        g = g.reindex(index, fill_value=0)
        out = pd.DataFrame(index=index)
        out["calls"] = g["calls"].astype(int)
        out["answered"] = g["answered"].astype(int)
        out["abandoned"] = g["abandoned"].astype(int)
        with np.errstate(invalid="ignore", divide="ignore"):
            out["aht_s"] = np.where(out["answered"] > 0, g["handle_sum"] / out["answered"], np.nan)
            out["asa_s"] = np.where(out["answered"] > 0, g["wait_sum"] / out["answered"], np.nan)
        out.index.name = INDEX_NAME
        out.attrs["freq"] = step
        out.attrs["tz"] = self.tz
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
        """Counts and means for a quick look (calls, served, abandoned, mean handle time s)."""
        c = self.calls
        served = c["outcome"].eq("served")
        return {
            "calls": int(len(c)),
            "served": int(served.sum()),
            "abandoned": int(c["outcome"].eq("abandoned").sum()),
            "first_arrival": c["arrival"].min().isoformat() if len(c) else None,
            "last_arrival": c["arrival"].max().isoformat() if len(c) else None,
            "mean_handle_s": float(c.loc[served, "handle_s"].mean()) if served.any() else None,
            "dropped": dict(self.dropped),
        }


def read_call_log(path: str | Path, *, tz: str) -> CallLog:
    """Read a per-call log (Anonymous Bank or generic layout, see module doc).

    Parameters
    ----------
    path:
        CSV file.
    tz:
        Site IANA zone; the log's clock times are local and naive, so it is required.
    """
    p = Path(path)
    if not p.exists():
        raise InputError("path", str(p), "an existing call-log file")
    raw = pd.read_csv(p, dtype=str, keep_default_na=False, skipinitialspace=True)
    raw.columns = [str(c).strip() for c in raw.columns]
    return parse_call_log(raw, tz=tz, source=p.name)


def parse_call_log(raw: pd.DataFrame, *, tz: str, source: str = "call log") -> CallLog:
    """Validate and clean an in-memory call log (string columns as read from CSV)."""
    tz = parse_tz(tz)
    if all(c in raw.columns for c in BANK_COLUMNS):
        return _parse_bank(raw, tz, source)
    if all(c in raw.columns for c in GENERIC_COLUMNS):
        return _parse_generic(raw, tz, source)
    missing_bank = [c for c in BANK_COLUMNS if c not in raw.columns]
    missing_gen = [c for c in GENERIC_COLUMNS if c not in raw.columns]
    missing = missing_gen if len(missing_gen) <= len(missing_bank) else missing_bank
    raise InputError(
        missing[0], sorted(raw.columns),
        f"call-log columns {list(GENERIC_COLUMNS)} or the Anonymous Bank layout "
        f"{list(BANK_COLUMNS)}",
        source,
    )


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
    arrival = parse_timestamps(iso, tz=tz, field="vru_entry", source=source)

    keep = (outcome_raw != "PHANTOM").to_numpy() & (vru_time >= 0)
    dropped = {
        "phantom": int((outcome_raw == "PHANTOM").sum()),
        "negative_vru_time": int(((vru_time < 0) & (outcome_raw != "PHANTOM").to_numpy()).sum()),
    }
    _warn_dropped(dropped, source)
    outcome = outcome_raw.map(_BANK_OUTCOMES).to_numpy()
    calls = pd.DataFrame(
        {
            "arrival": arrival,
            "outcome": outcome,
            "queued": (raw["q_start"].str.strip() != "0:00:00").to_numpy(),
            "wait_s": q_time,
            "handle_s": np.where(outcome == "served", ser_time, 0.0),
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
    calls = pd.DataFrame(
        {
            "arrival": arrival,
            "outcome": outcome.to_numpy(),
            "queued": (wait > 0) | ~served,
            "wait_s": wait,
            "handle_s": np.where(served, handle, 0.0),
        }
    )
    calls = calls.sort_values("arrival", kind="stable").reset_index(drop=True)
    return CallLog(calls=calls, tz=tz, dropped={})


def _warn_dropped(dropped: dict[str, int], source: str) -> None:
    total = sum(dropped.values())
    if total:
        parts = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in dropped.items() if n)
        warn(f"{source}: dropped {total} rows ({parts})", DataQualityWarning,
                      stacklevel=3)
