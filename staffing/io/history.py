"""Interval history files: ``interval_start, calls[, answered, abandoned, aht_s, asa_s,
menu_hangups, queue]``.

``queue`` is text (a queue's name, e.g. ``PS`` or ``chat``): a multi-queue history has one row
per interval and queue, so two rows may share an interval start when their queues differ;
:func:`split_history` gives one single-queue frame per queue.

CSV or Parquet in, a validated frame indexed by tz-aware ``interval_start`` out. Bad rows raise
:class:`~staffing.exceptions.InputError` naming line, column and value; gaps on the grid raise a
:class:`~staffing.exceptions.MissingDataWarning` listing the missing ranges and are never filled.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from staffing.exceptions import InputError, MissingDataWarning, warn
from staffing.grid import INDEX_NAME, IntervalGrid, interval_of, parse_freq, parse_tz
from staffing.io.files import check_file, read_csv_table
from staffing.io.timestamps import _where, parse_timestamps

HISTORY_COLUMNS = ("calls", "answered", "abandoned", "aht_s", "asa_s", "menu_hangups", "queue")
REQUIRED_COLUMNS = (INDEX_NAME, "calls")
NUMERIC_COLUMNS = {"calls": "count", "answered": "count", "aht_s": "seconds",
                   "abandoned": "count", "asa_s": "seconds", "menu_hangups": "count"}


def _read_table(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        check_file(path, "history Parquet file")
        try:
            return pd.read_parquet(path)
        except (OSError, ValueError) as exc:  # pyarrow's errors derive from these
            raise InputError("path", str(path), "a readable Parquet file") from exc
    if suffix in (".csv", ".txt"):
        return read_csv_table(path, "history CSV file", require_rows=False, dtype=str,
                              keep_default_na=False, skipinitialspace=True)
    if suffix == ".gz":
        check_file(path, "history CSV file")
        return pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    raise InputError("path", str(path), "a .csv or .parquet file")


def read_history(
    path: str | Path,
    *,
    tz: str,
    freq: str | pd.Timedelta | None = None,
    warn_gaps: bool = True,
) -> pd.DataFrame:
    """Read and validate an interval history file.

    Parameters
    ----------
    path:
        CSV or Parquet file with columns ``interval_start`` (ISO 8601), ``calls`` (offered calls
        per interval) and optionally ``answered``, ``abandoned``, ``aht_s`` (mean handle time,
        s), ``asa_s`` (mean wait of answered calls, s), ``menu_hangups`` (callers lost in the
        phone menu, not in ``calls``), ``queue``.
    tz:
        Site IANA time zone. Offsets in the file are converted to it; naive timestamps are
        localised in it.
    freq:
        Interval length; inferred from the smallest step between rows when omitted.
    warn_gaps:
        Issue a :class:`MissingDataWarning` listing missing intervals.

    Returns
    -------
    DataFrame indexed by ``interval_start`` with numeric columns; ``attrs['freq']`` holds the
    interval length and ``attrs['tz']`` the zone.
    """
    p = Path(path)
    raw = _read_table(p)
    return validate_history(raw, tz=tz, freq=freq, source=p.name, warn_gaps=warn_gaps)


def validate_history(
    raw: pd.DataFrame,
    *,
    tz: str,
    freq: str | pd.Timedelta | None = None,
    source: str = "history",
    warn_gaps: bool = True,
) -> pd.DataFrame:
    """Validate an in-memory history frame (columns as in :func:`read_history`)."""
    tz = parse_tz(tz)
    frame = raw.reset_index() if raw.index.name == INDEX_NAME else raw.reset_index(drop=True)
    frame.columns = [str(c).strip() for c in frame.columns]
    for col in REQUIRED_COLUMNS:
        if col not in frame.columns:
            raise InputError(col, sorted(frame.columns), f"a column named {col!r}", source)
    if frame.empty:
        raise InputError("rows", 0, "at least one interval row", source)
    index = parse_timestamps(frame[INDEX_NAME], tz=tz, field=INDEX_NAME, source=source)

    queues = _queue_names(frame, source) if "queue" in frame.columns else None
    key = pd.DataFrame({"t": pd.DatetimeIndex(index).asi8,
                        "q": queues if queues is not None else ""})
    dup = key.duplicated(keep="first").to_numpy()
    if dup.any():
        pos = int(np.argmax(dup))
        same = (key["t"] == key["t"].iloc[pos]) & (key["q"] == key["q"].iloc[pos])
        first = int(np.argmax(same.to_numpy()))
        what = ("unique interval starts" if queues is None else
                f"one row per interval and queue (queue {queues[pos]!r} has")
        raise InputError(
            INDEX_NAME, str(frame[INDEX_NAME].iloc[pos]),
            f"{what} (same instant as line {first + 2})" if queues is None else
            f"{what} the same instant at line {first + 2})", _where(source, pos),
        )

    out = pd.DataFrame(index=pd.DatetimeIndex(index, name=INDEX_NAME))
    for col in HISTORY_COLUMNS:
        if col not in frame.columns:
            continue
        if col == "queue":
            out[col] = queues
            continue
        out[col] = _numeric(frame[col], col, source, allow_blank=col != "calls")

    order = (np.argsort(out.index.asi8, kind="stable") if queues is None
             else np.lexsort((queues, out.index.asi8)))
    out = out.iloc[order]
    step = parse_freq(freq) if freq is not None else _infer_freq(
        pd.DatetimeIndex(out.index.unique()), source)
    grid = IntervalGrid(tz, step)
    off = grid.off_grid(out.index)
    if len(off):
        pos = int(np.flatnonzero(index == off[0])[0])
        raise InputError(
            INDEX_NAME, str(frame[INDEX_NAME].iloc[pos]),
            f"an interval start on the {int(step.total_seconds() // 60)}-minute grid",
            _where(source, pos),
        )
    out.attrs["freq"] = step
    out.attrs["tz"] = tz
    if warn_gaps:
        if queues is None:
            _warn_gaps(out, source, stacklevel=2)
        else:
            split_history(out, source=source)
    return out


def _queue_names(frame: pd.DataFrame, source: str) -> np.ndarray:
    """The ``queue`` column as stripped text; a blank name raises InputError with the line."""
    names = frame["queue"].astype("string").str.strip()
    blank = names.isna() | (names == "")
    if blank.any():
        pos = int(blank.to_numpy().argmax())
        raise InputError("queue", frame["queue"].iloc[pos], "a queue name (text)",
                         _where(source, pos))
    return np.asarray(names.to_numpy(dtype=object), dtype=object)


def history_queues(frame: pd.DataFrame) -> list[str]:
    """The queue names of a history, sorted (``[]`` without a ``queue`` column)."""
    if "queue" not in frame.columns:
        return []
    return sorted(map(str, pd.unique(frame["queue"])))


def split_history(frame: pd.DataFrame, *, warn_missing: bool = True,
                  source: str = "history") -> dict[str, pd.DataFrame]:
    """One single-queue history per queue of a multi-queue history (``queue`` column),
    each without the column and keeping ``attrs``; gaps are reported per queue
    (:class:`MissingDataWarning`). A history without ``queue`` raises InputError."""
    if "queue" not in frame.columns:
        raise InputError("queue", sorted(map(str, frame.columns)),
                         "a 'queue' column naming each row's queue")
    out: dict[str, pd.DataFrame] = {}
    for name in history_queues(frame):
        part = frame[frame["queue"] == name].drop(columns="queue")
        part.attrs = dict(frame.attrs)
        if warn_missing:
            _warn_gaps(part, f"{source} queue {name!r}", stacklevel=2)
        out[name] = part
    return out


def warn_gaps(frame: pd.DataFrame, source: str = "history") -> None:
    """Issue one :class:`MissingDataWarning` listing the missing ranges of a validated
    history (grid interval from ``frame.attrs['freq']``, else inferred)."""
    _warn_gaps(frame, source, stacklevel=2)


def _warn_gaps(frame: pd.DataFrame, source: str, *, stacklevel: int) -> None:
    step = frame.attrs.get("freq")
    step = parse_freq(step) if step is not None else _infer_freq(frame.index, source)
    gaps = find_gaps(pd.DatetimeIndex(frame.index), step)
    if gaps:
        missing = sum(n for _, _, n in gaps)
        shown = "; ".join(f"{a.isoformat()} .. {b.isoformat()} ({n})" for a, b, n in gaps[:5])
        more = f"; and {len(gaps) - 5} more ranges" if len(gaps) > 5 else ""
        warn(
            f"{source}: {missing} missing intervals in {len(gaps)} ranges: {shown}{more}",
            MissingDataWarning,
            stacklevel=stacklevel + 1,
        )


def resample_history(frame: pd.DataFrame, freq: str | pd.Timedelta) -> pd.DataFrame:
    """A history on a coarser grid: counts (``calls``, ``answered``, ``abandoned``) summed,
    ``aht_s`` and ``asa_s`` averaged weighted by answered calls (by ``calls - abandoned``, or
    ``calls``, when the frame has no ``answered``). Intervals are labelled by their local
    start. ``freq`` must be a whole multiple of the frame's interval length.
    """
    step = parse_freq(freq)
    have = frame.attrs.get("freq")
    if have is None and len(frame.index) > 1:
        have = pd.Series(frame.index).diff().min()
    if have is not None and (step < have or step % pd.Timedelta(have) != pd.Timedelta(0)):
        raise InputError("freq", str(freq), f"a whole multiple of the history's "
                         f"{int(pd.Timedelta(have).total_seconds() // 60)}-minute intervals")
    if have is not None and step == have:
        return frame
    idx = pd.DatetimeIndex(frame.index)
    naive = idx.tz_localize(None) if idx.tz is not None else idx
    label = idx - (naive - naive.floor(step))  # the local wall-clock floor, same offset
    counts = [c for c in ("calls", "answered", "abandoned") if c in frame.columns]
    if "answered" in frame.columns:
        weight = frame["answered"].astype(float)
    elif "abandoned" in frame.columns:
        weight = (frame["calls"] - frame["abandoned"].fillna(0)).clip(lower=0).astype(float)
    else:
        weight = frame["calls"].astype(float)
    groups = pd.Series(label, index=frame.index)
    out = frame[counts].groupby(groups.to_numpy()).sum(min_count=1)
    for col in ("aht_s", "asa_s"):
        if col in frame.columns:
            known = frame[col].notna()
            w = weight.where(known, 0.0)
            num = (frame[col].fillna(0.0) * w).groupby(groups.to_numpy()).sum()
            den = w.groupby(groups.to_numpy()).sum()
            out[col] = (num / den.where(den > 0)).reindex(out.index)
    other = [c for c in frame.columns if c not in out.columns]
    if other:
        raise InputError("columns", other, "only calls, answered, abandoned, aht_s, asa_s "
                         "when changing the interval length")
    out.index = pd.DatetimeIndex(out.index, name=INDEX_NAME)
    out.attrs = {**frame.attrs, "freq": step}
    return out[[c for c in frame.columns if c in out.columns]]


def _numeric(col: pd.Series, name: str, source: str, *, allow_blank: bool) -> np.ndarray:
    """Parse a numeric column; negative or non-numeric values raise InputError with the line."""
    text = col.astype("string").str.strip()
    blank = text.isna() | (text == "")
    values = pd.to_numeric(text.where(~blank), errors="coerce")
    bad = values.isna() & ~blank
    if blank.any() and not allow_blank:
        bad = bad | blank
    if bad.any():
        pos = int(bad.to_numpy().argmax())
        raise InputError(name, col.iloc[pos], "a number", _where(source, pos))
    arr = values.to_numpy(dtype=float, na_value=np.nan)
    if not np.isfinite(arr[~np.isnan(arr)]).all():
        pos = int(np.argmax(np.isinf(arr)))
        raise InputError(name, col.iloc[pos], "a finite number", _where(source, pos))
    neg = arr < 0
    if neg.any():
        pos = int(np.argmax(neg))
        unit = NUMERIC_COLUMNS.get(name, "value")
        raise InputError(name, col.iloc[pos], f"a non-negative {unit}", _where(source, pos))
    return arr


def _infer_freq(index: pd.DatetimeIndex, source: str) -> pd.Timedelta:
    try:
        return parse_freq(interval_of(index))
    except InputError as exc:
        raise InputError(exc.field, exc.value, exc.expected, source) from exc


def find_gaps(
    index: pd.DatetimeIndex, freq: pd.Timedelta
) -> list[tuple[pd.Timestamp, pd.Timestamp, int]]:
    """Missing ranges between the first and last interval of ``index``.

    Returns a list of ``(first_missing, last_missing, count)`` interval starts.
    """
    if len(index) < 2:
        return []
    full = pd.date_range(index.min(), index.max(), freq=freq)
    missing = full.difference(index)
    if missing.empty:
        return []
    gaps: list[tuple[pd.Timestamp, pd.Timestamp, int]] = []
    breaks = np.flatnonzero(pd.Series(missing).diff().iloc[1:].to_numpy() != freq.to_timedelta64())
    starts = np.r_[0, breaks + 1]
    ends = np.r_[breaks, len(missing) - 1]
    for a, b in zip(starts, ends, strict=True):
        gaps.append((missing[a], missing[b], int(b - a + 1)))
    return gaps


def write_history(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a history frame as CSV (ISO 8601 with offsets) or Parquet, by file suffix."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    out = frame.copy()
    out.index = out.index.map(lambda t: t.isoformat())
    out.index.name = INDEX_NAME
    if p.suffix.lower() == ".parquet":
        plain = frame.copy()
        plain.attrs = {}
        plain.to_parquet(p)
    else:
        from staffing.io.export import safe_frame

        safe_frame(out).to_csv(p, float_format="%.6g")
    return p
