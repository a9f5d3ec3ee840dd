"""Interval history reading: good files, every bad-input case, gaps, DST."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from staffing.exceptions import InputError, MissingDataWarning
from staffing.io import read_history, validate_history, write_history
from tests.conftest import TEST_DATA, TZ

BAD = TEST_DATA / "history_bad"


@pytest.mark.parametrize(
    ("name", "field", "fragment"),
    [
        ("unparseable_timestamp.csv", "interval_start", "line 3"),
        ("duplicate_timestamp.csv", "interval_start", "line 4"),
        ("off_grid_timestamp.csv", "interval_start", "line 4"),
        ("negative_calls.csv", "calls", "line 3"),
        ("non_numeric_calls.csv", "calls", "'lots'"),
        ("negative_aht.csv", "aht_s", "'-20'"),
        ("missing_calls_column.csv", "calls", "a column named 'calls'"),
        ("missing_interval_start_column.csv", "interval_start", "a column named"),
        ("mixed_offsets.csv", "interval_start", "line 3"),
        ("empty.csv", "rows", "at least one"),
        ("non_numeric_abandoned.csv", "abandoned", "'x'"),
    ],
)
def test_bad_history_files_raise_input_error_naming_field(name, field, fragment):
    with pytest.raises(InputError) as info:
        read_history(BAD / name, tz=TZ, freq="15min")
    assert info.value.field == field
    assert fragment in str(info.value)
    assert name in str(info.value) or field in ("rows",) or "column" in str(info.value)


def test_naive_timestamps_need_explicit_tz():
    with pytest.raises(InputError, match="tz"):
        read_history(TEST_DATA / "naive_history.csv", tz=None)  # type: ignore[arg-type]


def test_naive_timestamps_localised_with_tz():
    h = read_history(TEST_DATA / "naive_history.csv", tz="Europe/Berlin")
    assert str(h.index.tz) == "Europe/Berlin"
    assert h.index[0] == pd.Timestamp("2024-03-04 08:00", tz="Europe/Berlin")
    assert h.attrs["freq"] == pd.Timedelta("15min")
    assert h["calls"].tolist() == [5, 3, 4]
    assert pd.isna(h["aht_s"].iloc[2])  # blank aht_s stays missing, not zero


def test_unknown_time_zone():
    with pytest.raises(InputError, match="IANA"):
        read_history(TEST_DATA / "naive_history.csv", tz="Mars/Olympus")


def test_missing_file():
    with pytest.raises(InputError, match="path"):
        read_history(TEST_DATA / "nope.csv", tz=TZ)


def test_gaps_are_reported_not_filled():
    with pytest.warns(MissingDataWarning, match=r"4 missing intervals in 2 ranges") as rec:
        h = read_history(TEST_DATA / "gappy_history.csv", tz=TZ)
    assert len(h) == 5  # nothing filled
    msg = str(rec[0].message)
    assert "2024-03-04T08:30:00+02:00 .. 2024-03-04T08:45:00+02:00 (2)" in msg


def test_bundled_history_reads_clean(history_15min):
    h = history_15min
    assert len(h) == 28 * 96
    assert h.index.is_monotonic_increasing
    assert str(h.index.tz) == TZ
    # the published definition: every clean call at VRU entry
    assert int(h["calls"].sum()) == 33043
    # answered and asa_s are kept (issue 15)
    assert int(h["answered"].sum()) + int(h["abandoned"].sum()) == 33043
    assert h["asa_s"].notna().sum() > 1000


@pytest.mark.parametrize(
    ("day", "n"), [("2024-03-31", 92), ("2024-10-27", 100), ("2024-03-04", 96)]
)
def test_dst_days_round_trip(tmp_path, day, n):
    from staffing.grid import IntervalGrid

    idx = IntervalGrid.of("Europe/Berlin", "15min").range(day, 1)
    assert len(idx) == n
    frame = pd.DataFrame({"calls": range(n)}, index=idx)
    path = write_history(frame, tmp_path / "dst.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no gap warning on a complete DST day
        back = read_history(path, tz="Europe/Berlin")
    assert len(back) == n
    assert (back.index == idx).all()


def test_parquet_round_trip(tmp_path, history_15min):
    path = write_history(history_15min.iloc[:200], tmp_path / "h.parquet")
    back = read_history(path, tz=TZ)
    pd.testing.assert_frame_equal(back, history_15min.iloc[:200], check_freq=False)


def test_validate_in_memory_frame_with_offsets_converted():
    raw = pd.DataFrame(
        {"interval_start": ["2024-03-04T06:00:00Z", "2024-03-04T06:30:00Z"], "calls": [1, 2]}
    )
    h = validate_history(raw, tz=TZ)
    assert h.index[0] == pd.Timestamp("2024-03-04 08:00", tz=TZ)
    assert h.attrs["freq"] == pd.Timedelta("30min")
