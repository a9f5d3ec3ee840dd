"""Wire models (:mod:`api.schemas`) <-> library objects, and frames -> JSON rows / CSV bytes.

Library constructors validate and raise :class:`~staffing.exceptions.InputError`; row errors
come back located as ``line N of <source>`` and are rewritten here to the JSON path of the item
(``history[5].calls``) so a client knows which element to fix.
"""

from __future__ import annotations

import math
import re
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from api import schemas
from staffing.exceptions import InputError

_LINE = re.compile(r"^line (\d+) of (\w+)$")
_YEAR = re.compile(r"\s*[+-]?(\d{4,})-")
YEARS = (1900, 2200)  # starts outside [1900, 2200) are refused (pandas ns clock ends 2262)


def check_years(starts: Sequence[str], source: str) -> None:
    """Refuse ISO timestamps whose year is outside :data:`YEARS` (they overflow the
    nanosecond clock of pandas further down) with an error naming the row."""
    lo, hi = YEARS
    for i, text in enumerate(starts):
        m = _YEAR.match(text)
        if m is not None and not lo <= int(m.group(1)) < hi:
            raise InputError(f"{source}[{i}].interval_start", text,
                             f"a time between the years {lo} and {hi - 1}")


def located(exc: InputError) -> InputError:
    """``InputError(field='calls', where='line 7 of history')`` -> field ``history[5].calls``."""
    m = _LINE.match(exc.where or "")
    if m is None:
        return exc
    item = int(m.group(1)) - 2
    return InputError(f"{m.group(2)}[{item}].{exc.field}", exc.value, exc.expected)


def rows_frame(rows: Sequence[Any]) -> pd.DataFrame:
    """Rows of a pydantic model list -> frame (optional columns left out when all empty)."""
    frame = pd.DataFrame.from_records([r.model_dump() for r in rows])
    keep = [c for c in frame.columns if c in ("interval_start", "calls")
            or frame[c].notna().any()]
    return frame[keep]


def history_frame(rows: Sequence[Any], *, tz: str, freq: str | None, source: str,
                  warn_gaps: bool = True) -> pd.DataFrame:
    """Validated interval frame (``staffing.io.validate_history``) from JSON rows."""
    from staffing.io import validate_history

    check_years([r.interval_start for r in rows], source)
    frame = rows_frame(rows)
    try:
        return validate_history(frame, tz=tz, freq=freq, source=source, warn_gaps=warn_gaps)
    except InputError as exc:
        raise located(exc) from exc


def open_hours(spec: schemas.OpenHoursIn | None) -> Any:
    """``OpenHours`` or None."""
    if spec is None:
        return None
    from staffing.hours import OpenHours

    return OpenHours.from_dict(spec.spec(), spec.min_staff)


def goals(spec: schemas.GoalsIn) -> Any:
    """``ServiceGoals`` from the goals object."""
    from staffing.requirements import ServiceGoals

    try:
        return ServiceGoals.from_dict(spec.model_dump())
    except InputError as exc:
        if exc.field.startswith("goals."):
            raise
        raise InputError(f"goals.{exc.field}", exc.value, exc.expected, exc.where) from exc


def roster_config_dict(cfg: schemas.RosterConfigIn) -> dict[str, Any]:
    """The roster config as the plain mapping ``RosterConfig.from_dict`` reads."""
    d = cfg.model_dump(exclude_none=True)
    for t in d["templates"]:
        if not t.get("breaks"):
            t.pop("breaks", None)
    if cfg.open_hours is not None:
        d["open_hours"] = {**cfg.open_hours.spec(), "min_staff": cfg.open_hours.min_staff}
    return d


def required_series(rows: Sequence[schemas.RequiredRow], tz: str) -> pd.Series:
    """Agents required per interval, indexed by tz-aware interval starts."""
    from staffing.io.timestamps import parse_timestamps

    check_years([r.interval_start for r in rows], "required")
    text = pd.Series([r.interval_start for r in rows], dtype="string")
    try:
        idx = parse_timestamps(text, tz=tz, field="interval_start", source="required")
    except InputError as exc:
        raise located(exc) from exc
    except (KeyError, ValueError) as exc:  # unknown zone names from zoneinfo
        raise InputError("tz", tz, "an IANA time zone such as 'Europe/Berlin'") from exc
    values = np.array([r.required for r in rows], dtype=float)
    series = pd.Series(values, index=pd.DatetimeIndex(idx, name="interval_start"),
                       name="required")
    if series.index.has_duplicates:
        pos = int(np.argmax(series.index.duplicated()))
        raise InputError(f"required[{pos}].interval_start", rows[pos].interval_start,
                         "unique interval starts")
    return series.sort_index()


# ----------------------------------------------------------------------------- output
def num(x: Any) -> Any:
    """JSON number: numpy unwrapped, NaN/inf -> None."""
    if x is None:
        return None
    if isinstance(x, np.integer | int) and not isinstance(x, bool):
        return int(x)
    try:
        v = float(x)
    except (TypeError, ValueError):
        return x
    return v if math.isfinite(v) else None


def frame_rows(frame: pd.DataFrame, columns: Iterable[str]) -> list[dict[str, Any]]:
    """Frame indexed by interval start -> list of ``{interval_start, col: value}``."""
    cols = [c for c in columns if c in frame.columns]
    starts = [t.isoformat() for t in frame.index]
    data = {c: frame[c].to_numpy() for c in cols}
    return [{"interval_start": s, **{c: num(data[c][i]) for c in cols}}
            for i, s in enumerate(starts)]


def records_json(frame: pd.DataFrame, columns: Iterable[str]) -> str:
    """Like :func:`frame_rows` but straight to a JSON array (pandas' C encoder; NaN and
    infinities become null), for large responses."""
    cols = [c for c in columns if c in frame.columns]
    out = frame[cols].reset_index(drop=True)
    out.insert(0, "interval_start", [t.isoformat() for t in frame.index])
    return out.to_json(orient="records", double_precision=10)


def csv_bytes(write: Any, frame: pd.DataFrame) -> bytes:
    """Run a ``staffing.io.export.write_*_csv(frame, path)`` writer and return the bytes."""
    with tempfile.TemporaryDirectory(prefix="staffing-api-") as tmp:
        path = Path(tmp) / "out.csv"
        write(frame, path)
        return path.read_bytes()
