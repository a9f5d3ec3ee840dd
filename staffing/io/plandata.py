"""A plan's input data in memory: :class:`PlanData` (interval history, plus the call log when
the data came from one).

A plan reads its data from a file (``[data] path``) or takes it as an object: an interval
history ``DataFrame`` (the columns of :func:`~staffing.io.read_history`), a
:class:`~staffing.io.CallLog` or a ready :class:`PlanData`. :func:`as_plan_data` turns any of
those into a validated :class:`PlanData` on the site's grid. Everything here pickles, so a
many-site runner can ship a plan's data to its workers.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from staffing.exceptions import InputError
from staffing.grid import IntervalGrid
from staffing.io.calllog import CallLog, read_call_log
from staffing.io.history import history_queues, read_history, validate_history, warn_gaps

__all__ = ["DataKind", "PlanData", "as_plan_data", "read_plan_data", "with_demand"]

DataKind = Literal["call_log", "history"]


@dataclass(frozen=True, eq=False)
class PlanData:
    """Loaded input of a plan.

    Attributes
    ----------
    history:
        Interval history indexed by tz-aware ``interval_start`` (``calls`` offered per
        interval, ``aht_s`` mean handle time in seconds, ...) on the plan's grid.
    call_log:
        The per-call log the history was aggregated from, or None for an interval history.
    source:
        Where the data came from (a file name, or ``"history (in memory)"``), for messages.
    """

    history: pd.DataFrame
    call_log: CallLog | None = None
    source: str = "history (in memory)"

    @property
    def kind(self) -> DataKind:
        """``"call_log"`` or ``"history"``."""
        return "call_log" if self.call_log is not None else "history"

    @property
    def handle_s(self) -> np.ndarray | None:
        """Handle times of served calls (s), or None without a call log."""
        if self.call_log is None:
            return None
        c = self.call_log.calls
        return c.loc[c["outcome"].eq("served"), "handle_s"].to_numpy(float)

    @functools.cached_property
    def _sha256(self) -> str:
        h = hashlib.sha256()
        hist = self.history
        h.update(np.asarray(pd.util.hash_pandas_object(hist, index=True)).tobytes())
        h.update(",".join(map(str, hist.columns)).encode())
        h.update(str(hist.index.tz).encode())
        if self.call_log is not None:
            calls = self.call_log.calls
            h.update(np.asarray(pd.util.hash_pandas_object(calls, index=False)).tobytes())
            h.update(",".join(map(str, calls.columns)).encode())
        return h.hexdigest()

    def digest(self) -> str:
        """sha256 hex of the data's content (history values and index, call-log rows),
        computed once per object."""
        return self._sha256

    def on_grid(self, grid: IntervalGrid) -> bool:
        """True when the data is already on ``grid`` (same zone and interval length)."""
        freq = self.history.attrs.get("freq")
        tz = str(getattr(self.history.index, "tz", None))
        return freq is not None and pd.Timedelta(freq) == grid.freq and tz == grid.tz and (
            self.call_log is None or self.call_log.tz == grid.tz)

    def warn_gaps(self) -> None:
        """Issue a :class:`~staffing.exceptions.MissingDataWarning` for missing intervals of
        an interval history (a call log's intervals are complete by construction)."""
        if self.call_log is None:
            warn_gaps(self.history, self.source)


def read_plan_data(path: str | Path, kind: DataKind, grid: IntervalGrid) -> PlanData:
    """Read a call log or an interval history file onto ``grid``."""
    p = Path(path)
    if kind == "call_log":
        log = read_call_log(p, tz=grid.tz)
        return PlanData(log.to_intervals(grid.freq), log, p.name)
    return PlanData(one_queue(read_history(p, tz=grid.tz, freq=grid.freq), p.name), None,
                    p.name)


def one_queue(history: pd.DataFrame, source: str) -> pd.DataFrame:
    """``history`` when it holds one queue; a history of several queues (``queue`` column)
    raises :class:`InputError`: a single-queue plan cannot add them up silently
    (plan them with ``[[queues]]``, :mod:`staffing.queues`)."""
    names = history_queues(history)
    if len(names) > 1:
        raise InputError("queue", names, "one queue in a single-queue plan (several queues "
                         "are planned with [[queues]] tables: staffing queues)", source)
    return history


def as_plan_data(data: object, grid: IntervalGrid, *, field: str = "data") -> PlanData:
    """A validated :class:`PlanData` on ``grid`` from an in-memory object.

    ``data`` is an interval history ``DataFrame`` (``interval_start`` as index or column,
    ``calls`` and optionally ``aht_s``, ``abandoned``, ``queue``; validated as by
    :func:`~staffing.io.validate_history`), a :class:`~staffing.io.CallLog` (converted to the
    site zone when it is in another) or a :class:`PlanData` (re-checked on ``grid``). Bad data
    raises :class:`~staffing.exceptions.InputError` naming ``field`` or the column.
    """
    if isinstance(data, PlanData):
        if data.on_grid(grid):
            return data
        if data.call_log is not None:
            return _from_call_log(data.call_log, grid, data.source)
        return PlanData(_history(data.history, grid, data.source), None, data.source)
    if isinstance(data, CallLog):
        return _from_call_log(data, grid, "call log (in memory)")
    if isinstance(data, pd.DataFrame):
        return PlanData(_history(data, grid, "history (in memory)"), None)
    raise InputError(field, type(data).__name__,
                     "an interval history DataFrame, a CallLog, a PlanData or a file path")


def _history(frame: pd.DataFrame, grid: IntervalGrid, source: str) -> pd.DataFrame:
    out = validate_history(frame, tz=grid.tz, freq=grid.freq, source=source, warn_gaps=False)
    return one_queue(out, source)


def _from_call_log(log: CallLog, grid: IntervalGrid, source: str) -> PlanData:
    if log.tz != grid.tz:
        calls = log.calls.copy()
        for col in ("arrival", "system_entry"):
            if col in calls:
                calls[col] = calls[col].dt.tz_convert(grid.tz)
        log = dataclasses.replace(log, calls=calls, tz=grid.tz)
    return PlanData(log.to_intervals(grid.freq), log, source)


def with_demand(data: PlanData, grid: IntervalGrid, *, offered: Literal["queue", "system"],
                wrap_s: float | Literal["estimate"]) -> PlanData:
    """``data`` under the plan's demand definitions (``[data] offered``, ``wrap_s``; see
    :mod:`staffing.io.calllog`): a call log is re-aggregated with them; an interval history's
    ``aht_s`` (talk time) gets a fixed ``wrap_s`` added."""
    if data.call_log is not None:
        log = data.call_log
        if log.offered == offered and (wrap_s == "estimate" and log.wrap is not None
                                       or log.wrap_s == wrap_s):
            return data
        log = log.with_definitions(offered=offered, wrap_s=wrap_s)
        return PlanData(log.to_intervals(grid.freq), log, data.source)
    if isinstance(wrap_s, float | int) and wrap_s > 0 and "aht_s" in data.history.columns:
        hist = data.history.copy()
        hist["aht_s"] = hist["aht_s"] + float(wrap_s)  # talk + after-call work
        return PlanData(hist, None, data.source)
    return data
