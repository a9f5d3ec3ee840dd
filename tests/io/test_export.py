"""Exports: CSV contracts and round trips, summary JSON, Excel workbook, ICS (RFC 5545)."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import openpyxl
import pandas as pd
import pytest

from staffing.exceptions import InputError
from staffing.io import export

TZ = "Asia/Jerusalem"


@pytest.fixture()
def shifts():
    start = pd.to_datetime(["1999-03-01 07:00", "1999-03-01 16:30"]).tz_localize(TZ)
    return pd.DataFrame({
        "agent": ["A0001", "A0002"],
        "date": [pd.Timestamp("1999-03-01").date()] * 2,
        "start": start,
        "end": start + pd.Timedelta(hours=8),
        "template": ["early", "late; evening, long name " + "x" * 60],
        "paid_hours": [8.0, 7.5],
        "breaks": ["09:00-09:15;12:00-12:30", ""],
    })


@pytest.fixture()
def requirements():
    idx = pd.date_range("1999-03-01", periods=4, freq="15min", tz=TZ, name="interval_start")
    return pd.DataFrame({
        "calls": [0.0, 10.0, 20.0, 5.0], "aht_s": [np.nan, 180.0, 190.0, 200.0],
        "erlangs": [0, 2, 4.2, 1.1], "agents_net": [0, 4, 7, 3],
        "agents_required": [0, 5, 9, 4], "service_level": [1, 0.85, 0.82, 0.9],
        "asa_s": [0, 8, 10, 5], "occupancy": [0, 0.5, 0.6, 0.37],
    }, index=idx)


def test_requirements_csv_round_trip(tmp_path, requirements):
    p = export.write_requirements_csv(requirements, tmp_path / "requirements.csv")
    header = p.read_text().splitlines()[0].split(",")
    assert header == ["interval_start", *export.REQUIREMENT_COLUMNS]
    assert "1999-03-01T00:15:00+02:00" in p.read_text()
    back = export.read_requirements_csv(p, tz=TZ)
    assert back.index.equals(requirements.index)
    np.testing.assert_allclose(back["agents_required"], requirements["agents_required"])
    assert np.isnan(back["aht_s"].iloc[0])


def test_requirements_csv_needs_contract_columns(tmp_path, requirements):
    with pytest.raises(InputError):
        export.write_requirements_csv(requirements.drop(columns="erlangs"), tmp_path / "r.csv")


def test_coverage_csv(tmp_path, requirements):
    cov = pd.DataFrame({"interval_start": requirements.index, "required": [0, 5, 9, 4],
                        "scheduled": [0, 5, 8, 6], "under": [0, 0, 1, 0],
                        "over": [0, 0, 0, 2], "service_level": [1, .85, .7, .95]})
    p = export.write_coverage_csv(cov, tmp_path / "coverage.csv")
    assert p.read_text().splitlines()[0] == (
        "interval_start,required,scheduled,under,over,service_level,calls")
    back = export.read_coverage_csv(p, tz=TZ)
    assert list(back["scheduled"]) == [0, 5, 8, 6]
    with pytest.raises(InputError, match="path"):
        export.read_coverage_csv(tmp_path / "missing.csv", tz=TZ)


def test_shifts_csv(tmp_path, shifts):
    p = export.write_shifts_csv(shifts, tmp_path / "shifts.csv")
    back = pd.read_csv(p)
    assert list(back.columns[:6]) == list(export.SHIFT_COLUMNS)
    assert back["start"].iloc[0] == "1999-03-01T07:00:00+02:00"
    assert back["date"].iloc[0] == "1999-03-01"


def test_summary_json_non_finite_as_null(tmp_path):
    p = export.write_summary_json({"a": float("inf"), "b": np.float64(0.5), "c": np.int64(3),
                                   "d": {"e": float("nan")}, "t": pd.Timestamp("1999-03-01")},
                                  tmp_path / "summary.json")
    data = json.loads(p.read_text())
    assert data == {"a": None, "b": 0.5, "c": 3, "d": {"e": None}, "t": "1999-03-01T00:00:00"}


def test_workbook_sheets(tmp_path, requirements, shifts):
    p = export.write_workbook({"requirements": requirements, "shifts": shifts},
                              tmp_path / "plan.xlsx", info={"tz": TZ, "service_level": 0.9})
    wb = openpyxl.load_workbook(p)
    assert wb.sheetnames == ["info", "requirements", "shifts"]
    ws = wb["requirements"]
    assert ws.cell(1, 1).value == "Interval start (local)"
    assert ws.cell(3, 1).value == pd.Timestamp("1999-03-01 00:15").to_pydatetime()
    assert ws.max_row == len(requirements) + 1


def test_workbook_is_polished_for_planners(tmp_path, requirements, shifts):
    """Human headers with units, bold, autofilter, number formats, datetimes without seconds,
    dates as dates, landscape fit-to-width printing, idle service levels empty (issue 19)."""
    days = pd.DataFrame({"calls": [10.0, 0.0], "predicted_sl": [0.9, 1.0]},
                        index=pd.Index(["1999-03-01", "week"], name="date"))
    p = export.write_workbook({"requirements": requirements, "shifts": shifts,
                               "service": days}, tmp_path / "plan.xlsx")
    wb = openpyxl.load_workbook(p)
    ws = wb["requirements"]
    heads = {c.value: c for c in ws[1]}
    assert {"AHT (s)", "Service level", "Agents required (scheduled, after shrinkage)",
            "Calls offered"} <= set(heads)
    assert all(c.font.bold for c in ws[1])
    assert ws.auto_filter.ref == ws.dimensions
    assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage
    col = {c.value: c.column for c in ws[1]}
    assert ws.cell(2, 1).number_format == "yyyy-mm-dd hh:mm"
    assert ws.cell(3, col["Service level"]).number_format == "0.0%"
    assert ws.cell(3, col["Agents required (scheduled, after shrinkage)"]).number_format == "0"
    assert ws.cell(3, col["Calls offered"]).number_format == "0.0"
    # the first interval has no calls: its service level is empty, not 100 %
    assert ws.cell(2, col["Service level"]).value is None
    assert ws.cell(3, col["Service level"]).value == pytest.approx(0.85)
    svc = wb["service"]
    assert svc.cell(2, 1).value == dt.datetime(1999, 3, 1) and svc.cell(3, 1).value == "week"
    assert svc.cell(2, 1).number_format == "ddd yyyy-mm-dd"
    sh = wb["shifts"]
    start = [c.column for c in sh[1] if c.value == "Start"][0]
    assert sh.cell(2, start).number_format == "yyyy-mm-dd hh:mm"


def test_coverage_and_requirements_csv_leave_idle_service_empty(tmp_path, requirements):
    """Closed / no-call intervals have no service level (an AVERAGE over the column would count
    them as 100 %); coverage.csv carries the calls to weight with."""
    p = export.write_requirements_csv(requirements, tmp_path / "r.csv")
    back = pd.read_csv(p)
    assert np.isnan(back["service_level"].iloc[0]) and back["service_level"].iloc[1] == 0.85
    cov = pd.DataFrame({"interval_start": requirements.index, "required": [0, 5, 9, 4],
                        "scheduled": [0, 5, 8, 6], "under": [0, 0, 1, 0], "over": [0, 0, 0, 2],
                        "service_level": [1, .85, .7, .95], "calls": requirements["calls"]})
    c = pd.read_csv(export.write_coverage_csv(cov, tmp_path / "c.csv"))
    assert list(c.columns)[-1] == "calls" and np.isnan(c["service_level"].iloc[0])
    weighted = (c["service_level"] * c["calls"]).sum() / c["calls"].sum()
    assert weighted == pytest.approx((.85 * 10 + .7 * 20 + .95 * 5) / 35)


def _unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_ics_is_rfc5545_with_local_times_and_breaks(shifts):
    from icalendar import Calendar

    text = export.ics_calendar(shifts, stamp=pd.Timestamp("2024-01-01T00:00:00Z"))
    raw_lines = text.split("\r\n")
    assert raw_lines[-1] == ""  # ends with CRLF
    assert "\n" not in text.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in raw_lines)
    lines = _unfold(text)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines and any(x.startswith("PRODID:") for x in lines)
    # local wall-clock times with the zone, and the zone's rules in a VTIMEZONE
    assert "DTSTART;TZID=Asia/Jerusalem:19990301T070000" in lines
    assert "DTEND;TZID=Asia/Jerusalem:19990301T150000" in lines
    assert "BEGIN:VTIMEZONE" in lines and "TZID:Asia/Jerusalem" in lines
    cal = Calendar.from_ical(text)
    events = list(cal.walk("VEVENT"))
    shift_events = [e for e in events if "break" not in [str(c) for c in e.categories]]
    break_events = [e for e in events if e not in shift_events]
    assert len(shift_events) == len(shifts)
    assert len({str(e["UID"]) for e in events}) == len(events)
    # A0001 has two breaks (09:00-09:15, 12:00-12:30): visible as their own events
    assert [(e.decoded("DTSTART").strftime("%H:%M"), e.decoded("DTEND").strftime("%H:%M"))
            for e in break_events] == [("09:00", "09:15"), ("12:00", "12:30")]
    assert all(str(e["TRANSP"]) == "TRANSPARENT" for e in break_events)
    first = shift_events[0]
    assert first.decoded("DTSTART") == pd.Timestamp("1999-03-01 07:00", tz=TZ)
    assert "Breaks: 09:00-09:15, 12:00-12:30" in str(first["DESCRIPTION"])
    assert str(first["DTSTAMP"].to_ical().decode()) == "20240101T000000Z"
    # TEXT escaping of ; and , round-trips
    assert str(shift_events[1]["SUMMARY"]).startswith("A0002: late; evening, long name")
    assert any("late\\; evening\\, long name" in x for x in lines if x.startswith("SUMMARY:"))


def test_ics_overnight_break_is_on_the_next_day():
    start = pd.Timestamp("1999-03-01 20:00", tz=TZ)
    row = pd.DataFrame({"agent": ["N1"], "date": [start.date()], "start": [start],
                        "end": [start + pd.Timedelta(hours=8)], "template": ["night"],
                        "breaks": ["01:00-01:30"]})
    text = _unfold(export.ics_calendar(row, stamp=pd.Timestamp("2024-01-01T00:00:00Z")))
    assert "DTSTART;TZID=Asia/Jerusalem:19990302T010000" in text


def test_write_ics(tmp_path, shifts):
    p = export.write_ics(shifts, tmp_path / "shifts.ics")
    assert p.read_bytes().count(b"\r\n") >= 10


# ------------------------------------------------------------- formula injection (issue 11 #3)

EVIL = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]


@pytest.fixture()
def evil_shifts(shifts):
    out = pd.concat([shifts] * 3, ignore_index=True).iloc[:len(EVIL)].copy()
    out["template"] = EVIL
    out["agent"] = [f"A{i}" for i in range(len(EVIL))]
    return out


def test_csv_text_cells_cannot_be_formulas(tmp_path, evil_shifts):
    p = export.write_shifts_csv(evil_shifts, tmp_path / "shifts.csv")
    back = pd.read_csv(p, keep_default_na=False)
    assert list(back["template"]) == ["'" + v for v in EVIL]
    # numbers (negative ones too) and ISO timestamps stay as they are
    frame = pd.DataFrame({"x": [-1.5, 2.0], "name": ["-x", "ok"]}, index=pd.Index(["=a", "b"]))
    text = export.csv_text(frame, index=True)
    assert text.splitlines() == [",x,name", "'=a,-1.5,'-x", "b,2,ok"]
    assert back["start"].iloc[0] == "1999-03-01T07:00:00+02:00"


def test_tours_and_every_writer_use_the_safe_path(tmp_path):
    tours = pd.DataFrame({"agent": ["A1"], "template": ["=HYPERLINK(\"x\")"],
                          "1999-03-01": ["07:00-15:00"]})
    text = export.write_csv(tours, tmp_path / "tours.csv").read_text()
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text


def test_workbook_has_no_formula_cells(tmp_path, evil_shifts):
    p = export.write_workbook({"shifts": evil_shifts,
                               "tours": pd.DataFrame({"template": EVIL})},
                              tmp_path / "plan.xlsx", info={"name": EVIL[0]})
    wb = openpyxl.load_workbook(p)
    seen = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if cell.value in EVIL:
                    assert cell.data_type == "s" and cell.quotePrefix
                    seen.append(cell.value)
    # the text itself is kept (the quote prefix is a style); XML reads a lone CR back as LF
    assert sorted(set(seen)) == sorted(v for v in EVIL if not v.startswith("\r"))


def test_roster_with_formula_template_name_exports_text(tmp_path):
    """The reproduction of the defect: a solved roster whose template is named like a DDE
    formula, written the way plan/roster write it."""
    import datetime as dt

    from staffing.roster import RosterConfig, ShiftTemplate, SolverOptions, solve_roster
    from tests.roster.conftest import ONE_DAY, day_index

    name = EVIL[0]
    need = pd.Series(0.0, index=day_index("60min", 1))
    need.iloc[9:12] = 2
    tpl = ShiftTemplate(name, dt.time(9), dt.time(9), start_step_min=60, paid_hours=3.0)
    res = solve_roster(need, RosterConfig((tpl,), ONE_DAY),
                       SolverOptions(time_limit_s=60, mip_rel_gap=0))
    assert res.has_roster and (res.shifts["template"] == name).all()
    shifts = pd.read_csv(export.write_shifts_csv(res.shifts, tmp_path / "s.csv"))
    assert set(shifts["template"]) == {"'" + name}
    assert name not in export.write_csv(res.tours, tmp_path / "t.csv").read_text().replace(
        "'" + name, "")
    wb = openpyxl.load_workbook(export.write_workbook(
        {"shifts": res.shifts, "tours": res.tours}, tmp_path / "plan.xlsx"))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert sum(c.value == name for c in cells) >= len(res.shifts)


def test_day_sheet_recomputed_by_hand(shifts):
    idx = pd.date_range("1999-03-01", periods=2 * 96, freq="15min", tz=TZ, name="interval_start")
    required = np.where(np.arange(len(idx)) % 96 >= 28, 3, 0)  # from 07:00
    cov = pd.DataFrame({"interval_start": idx, "required": required,
                        "under": (np.arange(len(idx)) == 40).astype(int)})
    d1, d2 = dt.date(1999, 3, 1), dt.date(1999, 3, 2)
    days = pd.DataFrame({"calls": [100.0, 0.0], "service_level": [0.9, 1.0],
                         "intervals_missed": [1, 0]}, index=pd.Index([d1, d2], name="date"))
    service = pd.DataFrame({"simulated_sl": [0.88, np.nan, 0.88],
                            "simulated_sl_low": [0.8, np.nan, 0.8],
                            "simulated_sl_high": [0.95, np.nan, 0.95]},
                           index=["1999-03-01", "1999-03-02", "week"])
    out = export.day_sheet(days, shifts, cov, tz=TZ, interval_hours=0.25, service=service)
    assert list(out.index) == [d1, d2]
    assert list(out["shifts"]) == [2, 0]
    assert list(out["scheduled_agent_hours"]) == [15.5, 0.0]
    assert list(out["required_agent_hours"]) == [68 * 3 * 0.25] * 2
    assert list(out["intervals_under"]) == [1, 0]
    assert out.loc[d1, "simulated_sl"] == 0.88 and list(out["intervals_missed"]) == [1, 0]


def test_parquet_keeps_the_zone_across_dst(tmp_path, shifts):
    """Israel moved to summer time on Fri 2 Apr 1999: the 92-interval day and the zone survive
    Parquet (a CSV read by pandas gives offsets or strings)."""
    idx = pd.date_range(pd.Timestamp("1999-04-01", tz=TZ), pd.Timestamp("1999-04-03", tz=TZ),
                        freq="15min", inclusive="left", name="interval_start")
    frame = pd.DataFrame({"calls": np.arange(len(idx), dtype=float)}, index=idx)
    back = pd.read_parquet(export.write_parquet(frame, tmp_path / "f.parquet"))
    assert back.index.equals(idx) and str(back.index.tz) == TZ and len(back) == 96 + 92
    s = pd.read_parquet(export.write_parquet(shifts, tmp_path / "s.parquet"))
    assert str(s["start"].dt.tz) == TZ and list(s["date"]) == ["1999-03-01"] * 2
