"""Plan outputs: CSV files (the contracts in DESIGN.md), summary JSON, an Excel workbook and an
ICS calendar of shifts; plus readers for the CSVs so later commands can pick them up.

Timestamps are written as ISO 8601 with the site's UTC offset (``1999-03-01T07:00:00+02:00``)
in CSV and JSON, as naive local wall-clock datetimes in Excel (the sheet ``info`` names the
zone), and as local times with a VTIMEZONE of the site's zone in the ICS file.

Contracts
---------
- ``requirements.csv``: ``interval_start, calls, aht_s, erlangs, agents_net, agents_required,
  service_level, asa_s, occupancy`` (+ ``abandon_rate`` with Erlang A).
- ``shifts.csv``: one row per shift, ``agent, date, start, end, template, breaks`` (+
  ``paid_hours``); ``breaks`` is ``"HH:MM-HH:MM;..."`` in local wall-clock time.
- ``coverage.csv``: ``interval_start, required, scheduled, under, over, service_level, calls``
  (``calls`` offered: the weights for a call-weighted service level).

Service levels of intervals without calls are left empty in every CSV and sheet (there is
nothing to answer; a spreadsheet ``AVERAGE`` would otherwise count closed hours as 100 %):
weight by ``calls`` for the true figure.
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
    "write_parquet",
    "day_sheet",
    "safe_text",
    "safe_frame",
    "csv_text",
    "blank_idle_service",
]

REQUIREMENT_COLUMNS = ("calls", "aht_s", "erlangs", "agents_net", "agents_required",
                       "service_level", "asa_s", "occupancy")
SHIFT_COLUMNS = ("agent", "date", "start", "end", "template", "breaks")
COVERAGE_COLUMNS = ("required", "scheduled", "under", "over", "service_level", "calls")
SERVICE_COLUMNS = ("service_level", "predicted_sl", "simulated_sl", "simulated_sl_low",
                   "simulated_sl_high")
"""Service-level columns left empty where ``calls`` is 0 (see the module docstring)."""


def blank_idle_service(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its service-level columns set to NaN where ``calls`` is 0 (a copy when
    anything changes)."""
    cols = [c for c in SERVICE_COLUMNS if c in frame.columns]
    if "calls" not in frame.columns or not cols:
        return frame
    idle = pd.to_numeric(frame["calls"], errors="coerce").fillna(0).to_numpy() <= 0
    if not idle.any():
        return frame
    out = frame.copy()
    for c in cols:
        out[c] = out[c].astype(float).where(~idle)
    return out


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
    out = blank_idle_service(frame).copy()
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


def write_parquet(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a frame as Parquet (pyarrow): tz-aware timestamps keep their zone and DST
    changes survive a round trip (a CSV read back by pandas loses both). Frames indexed by
    time keep the index; ``attrs`` are dropped."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    out = frame.copy()
    out.attrs = {}
    for col in out.columns:  # dates and mixed objects as text: Parquet needs one type
        if out[col].dtype == object:
            out[col] = out[col].map(lambda v: v.isoformat() if isinstance(v, dt.date) else v)
    out.columns = [str(c) for c in out.columns]
    out.to_parquet(p, index=isinstance(out.index, pd.DatetimeIndex)
                   or out.index.name is not None)
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


#: Columns ``coverage.csv`` adds after the contract's with an overflow partner.
OVERFLOW_COLUMNS = ("overflow_calls", "overflow_fee", "partner_answered")


def write_coverage_csv(coverage: pd.DataFrame, path: str | Path) -> Path:
    """``coverage.csv``: ``interval_start, required, scheduled, under, over, service_level,
    calls`` (``calls`` empty when the frame has none), then with an overflow partner
    ``overflow_calls`` (calls sent), ``overflow_fee`` (currency) and ``partner_answered``
    (calls the partner answers within the threshold)."""
    out = _with_index(coverage)
    if "calls" not in out.columns:
        out = out.assign(calls=np.nan)
    missing = [c for c in COVERAGE_COLUMNS if c not in out.columns]
    if missing:
        raise InputError("coverage", list(out.columns), f"columns {list(COVERAGE_COLUMNS)}")
    extra = [c for c in OVERFLOW_COLUMNS if c in out.columns]  # an overflow partner's columns
    return write_csv(out[[INDEX_NAME, *COVERAGE_COLUMNS, *extra]], path)


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


HEADERS: dict[str, str] = {
    "interval_start": "Interval start (local)", "date": "Date", "key": "Item", "value": "Value",
    "calls": "Calls offered", "calls_lower": "Calls, lower bound",
    "calls_upper": "Calls, upper bound", "aht_s": "AHT (s)", "erlangs": "Load (Erlangs)",
    "agents_net": "Agents on the phone needed (Erlang)",
    "agents_required": "Agents required (scheduled, after shrinkage)",
    "service_level": "Service level", "asa_s": "ASA (s)", "occupancy": "Occupancy",
    "abandon_rate": "Abandoned", "required": "Agents required", "scheduled": "Agents scheduled",
    "under": "Under-staffed (agents)", "over": "Over-staffed (agents)",
    "agents_on_phone": "Agents on the phone (scheduled x (1 - shrinkage))",
    "meets_goal": "Meets goal", "reason": "Reason", "agent": "Agent", "start": "Start",
    "end": "End", "template": "Template", "breaks": "Breaks", "paid_hours": "Paid hours",
    "paid_hours_week": "Paid hours (week)", "agent_hours_on_phone": "Agent-hours on the phone",
    "intervals_missed": "Intervals missing the goal", "predicted_sl": "Service level, predicted",
    "predicted_asa_s": "ASA predicted (s)", "predicted_abandon": "Abandoned, predicted",
    "simulated_sl": "Service level, simulated", "simulated_sl_low": "Simulated SL, 95 % low",
    "simulated_sl_high": "Simulated SL, 95 % high", "simulated_asa_s": "ASA simulated (s)",
    "simulated_abandon": "Abandoned, simulated", "shifts": "Shifts",
    "required_agent_hours": "Agent-hours required", "scheduled_agent_hours":
    "Agent-hours scheduled", "intervals_under": "Intervals under-staffed",
}
"""Sheet headers for people (CSV files keep the machine names)."""

PERCENT = "0.0%"
FORMATS: dict[str, str] = {
    **{c: PERCENT for c in ("service_level", "occupancy", "abandon_rate", "predicted_sl",
                            "predicted_abandon", "simulated_sl", "simulated_sl_low",
                            "simulated_sl_high", "simulated_abandon")},
    **{c: "0" for c in ("agents_net", "agents_required", "required", "scheduled", "under",
                        "over", "intervals_missed", "shifts", "intervals_under")},
    **{c: "0.0" for c in ("calls", "calls_lower", "calls_upper", "aht_s", "asa_s",
                          "predicted_asa_s", "simulated_asa_s", "paid_hours",
                          "paid_hours_week", "agent_hours_on_phone", "required_agent_hours",
                          "scheduled_agent_hours")},
    **{c: "0.00" for c in ("erlangs", "agents_on_phone")},
}
"""Excel number formats by machine column name: percent for service levels, integers for
agents, one decimal for calls and seconds."""

DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "ddd yyyy-mm-dd"


def _as_date(value: Any) -> Any:
    if isinstance(value, str) and len(value) == 10:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def _excel_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Excel cannot hold tz-aware datetimes: use naive local wall-clock time; ISO date labels
    (``"1999-03-01"``) become dates; idle service levels are blanked."""
    out = blank_idle_service(frame).copy()
    if isinstance(out.index, pd.DatetimeIndex) and out.index.tz is not None:
        out.index = out.index.tz_localize(None)
    elif out.index.dtype == object or pd.api.types.is_string_dtype(out.index.dtype):
        out.index = pd.Index([_as_date(v) for v in out.index], name=out.index.name)
    for col in out.columns:
        if isinstance(out[col].dtype, pd.DatetimeTZDtype):
            out[col] = out[col].dt.tz_localize(None)
    return out


def _polish(ws: Any, names: list[str]) -> None:
    """Bold human headers, number formats per column, datetimes without seconds, autofilter,
    frozen header row, widths and a landscape fit-to-width print setup."""
    from openpyxl.styles import Font

    bold = Font(bold=True)
    for j, name in enumerate(names, start=1):
        head = ws.cell(1, j)
        head.value = HEADERS.get(name, name)
        head.font = bold
        fmt = FORMATS.get(name)
        for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
            v = cell.value
            if isinstance(v, dt.datetime):
                cell.number_format = DATETIME_FORMAT
            elif isinstance(v, dt.date):
                cell.number_format = DATE_FORMAT
            elif fmt is not None and isinstance(v, int | float) and not isinstance(v, bool):
                cell.number_format = fmt
    if ws.max_row >= 1 and ws.max_column >= 1:
        ws.auto_filter.ref = ws.dimensions
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    for col in ws.columns:
        width = max(len(str(c.value)) if c.value is not None else 0 for c in col[:200])
        if isinstance(col[min(1, len(col) - 1)].value, dt.datetime):
            width = max(width, 17)
        ws.column_dimensions[col[0].column_letter].width = min(max(10, width + 2), 45)


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

    Frames indexed by ``interval_start`` (or ``date``) keep it as the first column. Timestamps
    are local wall-clock times without seconds (Excel has no time zones); ISO date labels are
    dates. Headers are for people (:data:`HEADERS`: units in brackets, machine names stay in
    the CSV files), bold, with an autofilter; numbers carry :data:`FORMATS`; sheets print
    landscape, one page wide. Service levels of intervals without calls are empty. Text cells
    never become formulas. Sheet names are cut to Excel's 31 characters.
    """
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    columns: dict[str, list[str]] = {}
    with pd.ExcelWriter(p, engine="openpyxl") as xl:
        if info:
            rows = [(k, json.dumps(jsonable(v)) if isinstance(v, Mapping | list | tuple)
                     else jsonable(v)) for k, v in info.items()]
            pd.DataFrame(rows, columns=["key", "value"]).to_excel(xl, sheet_name="info",
                                                                  index=False)
            columns["info"] = ["key", "value"]
        for name, frame in sheets.items():
            keep_index = isinstance(frame.index, pd.DatetimeIndex) or frame.index.name is not None
            sheet = str(name)[:31]
            _excel_frame(frame).to_excel(xl, sheet_name=sheet, index=keep_index)
            names = [str(c) for c in frame.columns]
            columns[sheet] = [str(frame.index.name or INDEX_NAME), *names] if keep_index \
                else names
        for ws in xl.book.worksheets:
            _polish(ws, columns.get(ws.title, []))
            _text_cells_stay_text(ws)
    return p


def day_sheet(
    days: pd.DataFrame,
    shifts: pd.DataFrame,
    coverage: pd.DataFrame,
    *,
    tz: str,
    interval_hours: float,
    service: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per local day for a printed page: ``calls``, ``shifts``,
    ``scheduled_agent_hours`` (paid), ``required_agent_hours``, ``intervals_under`` (intervals
    with fewer agents than required), ``service_level`` (predicted, call-weighted),
    ``simulated_sl`` with its 95 % bounds when simulated, ``intervals_missed`` (goal).

    ``days`` is :attr:`staffing.evaluate.Evaluation.days`; ``coverage`` has
    ``interval_start, required, under``; ``service`` is ``PlanResult.service_comparison()``.
    """
    out = pd.DataFrame(index=pd.Index(list(days.index), name="date"))
    out["calls"] = days["calls"].to_numpy(float)
    if len(shifts) and "date" in shifts:
        dates = shifts["date"].map(lambda d: d if isinstance(d, dt.date) else
                                   dt.date.fromisoformat(str(d)))
        out["shifts"] = dates.value_counts().reindex(out.index).fillna(0).astype(int)
        paid = shifts["paid_hours"].groupby(dates.to_numpy()).sum() if "paid_hours" in shifts \
            else pd.Series(dtype=float)
        out["scheduled_agent_hours"] = paid.reindex(out.index).fillna(0.0)
    cov = _with_index(coverage) if len(coverage) else coverage
    if len(cov):
        local = pd.DatetimeIndex(cov[INDEX_NAME]).tz_convert(tz)
        key = pd.Index(local.date)
        out["required_agent_hours"] = (cov["required"].groupby(key).sum() * interval_hours
                                       ).reindex(out.index).to_numpy(float)
        out["intervals_under"] = (cov["under"] > 0).groupby(key).sum().reindex(
            out.index).fillna(0).astype(int).to_numpy()
    out["service_level"] = days["service_level"].to_numpy(float)
    if service is not None and "simulated_sl" in service:
        sim = service.rename(index=str)
        for c in ("simulated_sl", "simulated_sl_low", "simulated_sl_high"):
            out[c] = [sim[c].get(str(d), np.nan) for d in out.index]
    out["intervals_missed"] = days["intervals_missed"].astype(int).to_numpy()
    return out


# ---------------------------------------------------------------- ICS (RFC 5545), icalendar

def _break_spans(row: Mapping[str, Any]) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """The shift's breaks (``"HH:MM-HH:MM;..."``, local wall clock) as tz-aware spans inside
    ``[start, end)``; a clock time before the shift's start belongs to the next day."""
    text = str(row.get("breaks") or "").strip()
    start, end = pd.Timestamp(row["start"]), pd.Timestamp(row["end"])
    spans = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        try:
            a, b = (dt.time.fromisoformat(x.strip()) for x in part.split("-"))
        except ValueError as exc:
            raise InputError("breaks", part, "'HH:MM-HH:MM' clock times") from exc
        day = start.tz_localize(None).normalize()
        t0 = day + pd.Timedelta(hours=a.hour, minutes=a.minute)
        if t0 < start.tz_localize(None):
            t0 += pd.Timedelta(days=1)
        t1 = t0 + ((pd.Timedelta(hours=b.hour, minutes=b.minute)
                    - pd.Timedelta(hours=a.hour, minutes=a.minute)) % pd.Timedelta(days=1))
        b0 = t0.tz_localize(start.tz, ambiguous=True, nonexistent="shift_forward")
        b1 = t1.tz_localize(start.tz, ambiguous=True, nonexistent="shift_forward")
        if start <= b0 < b1 <= end:
            spans.append((b0, b1))
    return spans


def ics_calendar(
    shifts: pd.DataFrame,
    *,
    name: str = "staffing roster",
    stamp: dt.datetime | pd.Timestamp | None = None,
    domain: str = "staffing.local",
) -> str:
    """The shifts as an iCalendar (RFC 5545) document, built with the ``icalendar`` package.

    One VEVENT per shift (SUMMARY agent and template, DESCRIPTION breaks and paid hours,
    CATEGORIES the template) and one per break (``CATEGORIES:break``, transparent, RELATED-TO
    its shift), so breaks show in a calendar view. Times are local with TZID and a VTIMEZONE
    of the site's zone (calendars then show local wall-clock times across DST changes).
    ``stamp`` is the DTSTAMP (default: now, UTC); pass one for reproducible files.
    """
    from icalendar import Calendar, Event

    when = pd.Timestamp(stamp) if stamp is not None else pd.Timestamp.now(tz="UTC")
    when = when.tz_localize("UTC") if when.tzinfo is None else when.tz_convert("UTC")
    cal = Calendar()
    cal.add("prodid", "-//staffing//roster export//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    for row in _rows(shifts):
        start, end = pd.Timestamp(row["start"]), pd.Timestamp(row["end"])
        if start.tzinfo is None or end.tzinfo is None:
            raise InputError("start", str(row["start"]), "a tz-aware timestamp")
        template = str(row.get("template", "shift"))
        uid = f"{row['agent']}-{start.tz_convert('UTC'):%Y%m%dT%H%M%SZ}-{template}@{domain}"
        breaks = _break_spans(row)
        desc = ("Breaks: " + ", ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in breaks)
                if breaks else "No breaks")
        if "paid_hours" in row and row["paid_hours"] == row["paid_hours"]:
            desc += f"\nPaid hours: {float(row['paid_hours']):g}"
        ev = Event()
        ev.add("uid", uid)
        ev.add("dtstamp", when.to_pydatetime())
        ev.add("dtstart", start.to_pydatetime())
        ev.add("dtend", end.to_pydatetime())
        ev.add("summary", f"{row['agent']}: {template} shift")
        ev.add("description", desc)
        ev.add("categories", [template])
        ev.add("transp", "OPAQUE")
        cal.add_component(ev)
        for a, b in breaks:
            br = Event()
            br.add("uid", f"{uid.split('@')[0]}-break-{a.tz_convert('UTC'):%H%M}@{domain}")
            br.add("dtstamp", when.to_pydatetime())
            br.add("dtstart", a.to_pydatetime())
            br.add("dtend", b.to_pydatetime())
            br.add("summary", f"{row['agent']}: break")
            br.add("categories", ["break"])
            br.add("transp", "TRANSPARENT")
            br.add("related-to", uid)
            cal.add_component(br)
    cal.add_missing_timezones()
    return cal.to_ical().decode("utf-8")


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
