"""Plan outputs: CSV files (the contracts in DESIGN.md), summary JSON, an Excel workbook and an
ICS calendar of shifts; plus readers for the CSVs so later commands can pick them up.

Timestamps are written as ISO 8601 with the site's UTC offset (``1999-03-01T07:00:00+02:00``)
in CSV and JSON, as naive local wall-clock datetimes in Excel (the sheet ``info`` names the
zone), and in UTC (``19990301T050000Z``) in the ICS file.

Contracts
---------
- ``requirements.csv``: ``interval_start, calls, aht_s, erlangs, agents_net, agents_required,
  service_level, asa_s, occupancy`` (+ ``abandon_rate`` with Erlang A).
- ``shifts.csv``: one row per shift, ``agent, date, start, end, template, breaks`` (+
  ``paid_hours``); ``breaks`` is ``"HH:MM-HH:MM;..."`` in local wall-clock time.
- ``coverage.csv``: ``interval_start, required, scheduled, under, over, service_level``.
- ``summary.json``: ``status, objective, bound, gap, runtime_s, build_s, agent_hours, cost,
  service_level`` (weekly predicted) and nested details.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from staffing.exceptions import InputError
from staffing.grid import INDEX_NAME
from staffing.io.files import read_csv_table
from staffing.io.timestamps import parse_timestamps

__all__ = [
    "COVERAGE_COLUMNS",
    "REQUIREMENT_COLUMNS",
    "SHIFT_COLUMNS",
    "ics_calendar",
    "jsonable",
    "read_coverage_csv",
    "read_interval_csv",
    "read_requirements_csv",
    "write_coverage_csv",
    "write_csv",
    "write_ics",
    "write_requirements_csv",
    "write_shifts_csv",
    "write_summary_json",
    "write_workbook",
]

REQUIREMENT_COLUMNS = ("calls", "aht_s", "erlangs", "agents_net", "agents_required",
                       "service_level", "asa_s", "occupancy")
SHIFT_COLUMNS = ("agent", "date", "start", "end", "template", "breaks")
COVERAGE_COLUMNS = ("required", "scheduled", "under", "over", "service_level")


def _iso(values: Any) -> Any:
    """tz-aware datetimes -> ISO 8601 strings (other values unchanged)."""
    if isinstance(values, pd.DatetimeIndex):
        return pd.Index([t.isoformat() for t in values], name=values.name)
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.map(lambda t: t.isoformat() if pd.notna(t) else "")
    return values


def _with_index(frame: pd.DataFrame) -> pd.DataFrame:
    """Frame with ``interval_start`` as a column (moved from the index if needed)."""
    if INDEX_NAME in frame.columns:
        return frame.reset_index(drop=True)
    if frame.index.name == INDEX_NAME or isinstance(frame.index, pd.DatetimeIndex):
        out = frame.copy()
        out.index.name = INDEX_NAME
        return out.reset_index()
    raise InputError("frame", list(frame.columns), f"an '{INDEX_NAME}' index or column")


# OWASP "CSV injection": a spreadsheet treats a text cell starting with one of these as a
# formula (tab and CR too: some spreadsheets strip them and read what follows).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: Any) -> Any:
    """A text value that no spreadsheet reads as a formula: strings starting with ``= + - @``,
    tab or CR get a leading single quote (OWASP CSV-injection rule); other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _safe_labels(values: pd.Index) -> pd.Index:
    if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
        return values.map(safe_text)
    return values


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with :func:`safe_text` applied to every text cell, column name and
    index label (numbers, timestamps and missing values are left alone)."""
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            out[col] = s.map(safe_text)
    out.columns = _safe_labels(out.columns)
    if not isinstance(out.index, pd.MultiIndex):
        out.index = _safe_labels(out.index)
    return out


def csv_text(frame: pd.DataFrame, *, index: bool = False) -> str:
    """The CSV text of ``frame``: ISO 8601 timestamps, up to 6 significant digits, text cells
    made formula-safe (:func:`safe_text`)."""
    out = frame.copy()
    for col in out.columns:
        out[col] = _iso(out[col])
    if index:
        out.index = _iso(out.index)
    # CRLF rows (RFC 4180) so that a CR inside a field is quoted, not a row break
    return safe_frame(out).to_csv(index=index, float_format="%.6g", lineterminator="\r\n")


def write_csv(frame: pd.DataFrame, path: str | Path, *, index: bool = False) -> Path:
    """Write a frame as CSV with ISO 8601 timestamps, up to 6 significant digits and
    formula-safe text cells (:func:`safe_text`)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(csv_text(frame, index=index).encode("utf-8"))
    return p


def write_requirements_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """``requirements.csv`` from a requirements frame (see module docstring)."""
    cols = [*REQUIREMENT_COLUMNS, *(["abandon_rate"] if "abandon_rate" in frame else [])]
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise InputError("requirements", list(frame.columns), f"columns {cols}")
    out = _with_index(frame)
    return write_csv(out[[INDEX_NAME, *cols]], path)


def write_shifts_csv(shifts: pd.DataFrame, path: str | Path) -> Path:
    """``shifts.csv``: one row per shift (``RosterResult.shifts``)."""
    missing = [c for c in SHIFT_COLUMNS if c not in shifts.columns]
    if missing and len(shifts.columns):
        raise InputError("shifts", list(shifts.columns), f"columns {list(SHIFT_COLUMNS)}")
    if not len(shifts.columns):
        shifts = pd.DataFrame(columns=[*SHIFT_COLUMNS, "paid_hours"])
    cols = [*SHIFT_COLUMNS, *[c for c in shifts.columns if c not in SHIFT_COLUMNS]]
    out = shifts[cols].copy()
    out["date"] = out["date"].map(lambda d: d.isoformat() if hasattr(d, "isoformat") else d)
    return write_csv(out, path)


def write_coverage_csv(coverage: pd.DataFrame, path: str | Path) -> Path:
    """``coverage.csv``: ``interval_start, required, scheduled, under, over, service_level``."""
    out = _with_index(coverage)
    missing = [c for c in COVERAGE_COLUMNS if c not in out.columns]
    if missing:
        raise InputError("coverage", list(out.columns), f"columns {list(COVERAGE_COLUMNS)}")
    return write_csv(out[[INDEX_NAME, *COVERAGE_COLUMNS]], path)


def jsonable(value: Any) -> Any:
    """Plain JSON types: numpy scalars unwrapped, non-finite floats as None, timestamps and dates
    as ISO 8601, paths as strings, enums by value, tuples/sets as lists."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [jsonable(v) for v in value.tolist()]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        v = float(value)
        return v if math.isfinite(v) else None
    if isinstance(value, pd.Timestamp | dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, pd.Timedelta):
        return value.total_seconds()
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "value") and hasattr(value, "name") and not isinstance(value, str):
        return jsonable(value.value)  # enum
    if value is None or isinstance(value, str):
        return value
    return str(value)


def write_summary_json(summary: Mapping[str, Any], path: str | Path) -> Path:
    """``summary.json`` (indented, non-finite numbers as null)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(json.dumps(jsonable(summary), indent=2, allow_nan=False) + "\n",
                 encoding="utf-8")
    return p


def _excel_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Excel cannot hold tz-aware datetimes: use naive local wall-clock time."""
    out = frame.copy()
    if isinstance(out.index, pd.DatetimeIndex) and out.index.tz is not None:
        out.index = out.index.tz_localize(None)
    for col in out.columns:
        if isinstance(out[col].dtype, pd.DatetimeTZDtype):
            out[col] = out[col].dt.tz_localize(None)
    return out


def _text_cells_stay_text(ws: Any) -> None:
    """No cell of ``ws`` is a formula: openpyxl turns a string starting with ``=`` into a
    formula cell; make every such string (and those starting with ``+ - @``, tab, CR) a text
    cell with Excel's quote prefix, so editing it does not turn it into a formula either."""
    for row in ws.iter_rows():
        for cell in row:
            v = cell.value
            if isinstance(v, str) and v.startswith(FORMULA_PREFIXES):
                cell.data_type = "s"
                cell.quotePrefix = True


def write_workbook(
    sheets: Mapping[str, pd.DataFrame],
    path: str | Path,
    *,
    info: Mapping[str, Any] | None = None,
) -> Path:
    """An Excel workbook (openpyxl) with one sheet per frame, plus an ``info`` sheet of
    key/value pairs (e.g. the weekly summary and the site's time zone) when given.

    Frames indexed by ``interval_start`` keep it as the first column. Timestamps are local
    wall-clock times (Excel has no time zones). Sheet names are cut to Excel's 31 characters.
    """
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(p, engine="openpyxl") as xl:
        if info:
            rows = [(k, json.dumps(jsonable(v)) if isinstance(v, Mapping | list | tuple)
                     else jsonable(v)) for k, v in info.items()]
            pd.DataFrame(rows, columns=["key", "value"]).to_excel(xl, sheet_name="info",
                                                                  index=False)
        for name, frame in sheets.items():
            keep_index = isinstance(frame.index, pd.DatetimeIndex) or frame.index.name is not None
            _excel_frame(frame).to_excel(xl, sheet_name=str(name)[:31], index=keep_index)
        for ws in xl.book.worksheets:
            _text_cells_stay_text(ws)
            ws.freeze_panes = "A2"
            for col in ws.columns:
                width = max(len(str(c.value)) if c.value is not None else 0 for c in col[:200])
                ws.column_dimensions[col[0].column_letter].width = min(max(10, width + 2), 60)
    return p


# ---------------------------------------------------------------- ICS (RFC 5545), by hand

def _ics_text(text: str) -> str:
    """Escape a TEXT value (RFC 5545 3.3.11)."""
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def _fold(line: str) -> str:
    """Fold a content line at 75 octets (CRLF + one space), never inside a UTF-8 character."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts: list[str] = []
    start = 0
    limit = 75
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:  # continuation byte
            end -= 1
        parts.append(data[start:end].decode("utf-8"))
        start = end
        limit = 74  # following lines start with the folding space
    return "\r\n ".join(parts)


def _utc(ts: Any) -> str:
    t = pd.Timestamp(ts)
    if t.tzinfo is None:
        raise InputError("start", str(ts), "a tz-aware timestamp")
    return t.tz_convert("UTC").strftime("%Y%m%dT%H%M%SZ")


def ics_calendar(
    shifts: pd.DataFrame,
    *,
    name: str = "staffing roster",
    stamp: dt.datetime | pd.Timestamp | None = None,
    domain: str = "staffing.local",
) -> str:
    """The shifts as an iCalendar (RFC 5545) document: one VEVENT per shift with UID,
    DTSTAMP, DTSTART/DTEND in UTC, SUMMARY (agent and template) and DESCRIPTION (breaks).

    ``stamp`` is the DTSTAMP (default: now, UTC); pass one for reproducible files. Lines end in
    CRLF and are folded at 75 octets.
    """
    when = pd.Timestamp(stamp) if stamp is not None else pd.Timestamp.now(tz="UTC")
    if when.tzinfo is None:
        when = when.tz_localize("UTC")
    dtstamp = _utc(when)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//staffing//roster export//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_ics_text(name)}",
    ]
    for row in _rows(shifts):
        start = pd.Timestamp(row["start"])
        uid = f"{row['agent']}-{_utc(start)}-{row.get('template', 'shift')}@{domain}"
        summary = f"{row['agent']}: {row.get('template', 'shift')} shift"
        breaks = str(row.get("breaks") or "").strip()
        desc = f"Breaks: {breaks.replace(';', ', ')}" if breaks else "No breaks"
        if "paid_hours" in row and row["paid_hours"] == row["paid_hours"]:
            desc += f"\nPaid hours: {float(row['paid_hours']):g}"
        lines += [
            "BEGIN:VEVENT",
            f"UID:{_ics_text(uid)}",
            f"DTSTAMP:{dtstamp}",
            f"DTSTART:{_utc(start)}",
            f"DTEND:{_utc(row['end'])}",
            f"SUMMARY:{_ics_text(summary)}",
            f"DESCRIPTION:{_ics_text(desc)}",
            f"CATEGORIES:{_ics_text(str(row.get('template', 'shift')))}",
            "TRANSP:OPAQUE",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


def _rows(frame: pd.DataFrame) -> Iterable[dict[str, Any]]:
    yield from frame.to_dict(orient="records")


def write_ics(shifts: pd.DataFrame, path: str | Path, **kwargs: Any) -> Path:
    """Write :func:`ics_calendar` to ``path`` (bytes as-is, CRLF kept)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(ics_calendar(shifts, **kwargs).encode("utf-8"))
    return p


# ---------------------------------------------------------------- readers

def _read_indexed(path: str | Path, tz: str, required: tuple[str, ...],
                  what: str, field: str = "path") -> pd.DataFrame:
    p = Path(path)
    raw = read_csv_table(p, f"{what} CSV file", field=field)
    cols = [INDEX_NAME, *required]
    missing = [c for c in cols if c not in raw.columns]
    if missing:
        raise InputError(missing[0], sorted(map(str, raw.columns)),
                         f"{what} columns {cols}", p.name)
    index = parse_timestamps(raw[INDEX_NAME].astype(str), tz=tz, field=INDEX_NAME,
                             source=p.name)
    out = raw.drop(columns=[INDEX_NAME])
    out.index = pd.DatetimeIndex(index, name=INDEX_NAME)
    for c in required:
        try:
            out[c] = pd.to_numeric(out[c])
        except (TypeError, ValueError) as exc:
            raise InputError(c, "non-numeric", "numbers", p.name) from exc
    return out


def read_interval_csv(path: str | Path, *, tz: str, required: tuple[str, ...] = ("calls",),
                      what: str = "interval", field: str = "path") -> pd.DataFrame:
    """Read a CSV with an ``interval_start`` column (ISO 8601) and the numeric ``required``
    columns, indexed by tz-aware ``interval_start`` (e.g. ``forecast.csv``). ``field`` names
    the input in errors (e.g. the CLI option ``--forecast``)."""
    return _read_indexed(path, tz, required, what, field)


def read_requirements_csv(path: str | Path, *, tz: str, field: str = "path") -> pd.DataFrame:
    """Read ``requirements.csv`` back (indexed by tz-aware ``interval_start``)."""
    return _read_indexed(path, tz, ("calls", "aht_s", "agents_required"), "requirements",
                         field)


def read_coverage_csv(path: str | Path, *, tz: str, field: str = "path") -> pd.DataFrame:
    """Read ``coverage.csv`` back (indexed by tz-aware ``interval_start``); needs at least
    ``scheduled``."""
    return _read_indexed(path, tz, ("scheduled",), "coverage", field)
