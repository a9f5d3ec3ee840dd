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
