"""Exports: CSV contracts and round trips, summary JSON, Excel workbook, ICS (RFC 5545)."""

from __future__ import annotations

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
        "interval_start,required,scheduled,under,over,service_level")
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
    assert ws.cell(1, 1).value == "interval_start"
    assert ws.cell(3, 1).value == pd.Timestamp("1999-03-01 00:15").to_pydatetime()
    assert ws.max_row == len(requirements) + 1


def _unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_ics_is_rfc5545(shifts):
    text = export.ics_calendar(shifts, stamp=pd.Timestamp("2024-01-01T00:00:00Z"))
    raw_lines = text.split("\r\n")
    assert raw_lines[-1] == ""  # ends with CRLF
    assert "\n" not in text.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in raw_lines)
    lines = _unfold(text)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines and any(x.startswith("PRODID:") for x in lines)
    assert lines.count("BEGIN:VEVENT") == len(shifts) == lines.count("END:VEVENT")
    assert "DTSTART:19990301T050000Z" in lines  # 07:00 +02:00
    assert "DTEND:19990301T130000Z" in lines
    assert "DTSTAMP:20240101T000000Z" in lines
    uids = [x for x in lines if x.startswith("UID:")]
    assert len(set(uids)) == len(shifts)
    # TEXT escaping of ; and ,
    assert any("late\\; evening\\, long name" in x for x in lines if x.startswith("SUMMARY:"))
    assert any("09:00-09:15\\, 12:00-12:30" in x for x in lines)


def test_ics_folding_keeps_utf8_characters_whole():
    line = "SUMMARY:" + "é" * 80
    folded = export._fold(line)
    parts = folded.split("\r\n ")
    assert all(len(p.encode()) <= 75 for p in parts)
    assert "".join(parts) == line


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
