"""Call-log ingest: the published Anonymous Bank check, aggregation, patience data, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from staffing.exceptions import DataQualityWarning, InputError
from staffing.io import read_call_log
from tests.conftest import DATA, TEST_DATA, TZ

# ../shared/data/README.md: Wednesdays' calls per hour of vru_entry / 4
PUBLISHED_WEDNESDAY_RATES = [
    6.75, 1.75, 1.25, 0, 0.5, 0.25, 4.75, 39.5, 97.25, 107.5, 124, 110.25, 95.5, 203.5,
    115.75, 115.5, 67.75, 75, 88.75, 85.5, 68, 61.5, 57.5, 44.25,
]


def test_reproduces_published_wednesday_hourly_rates(call_log):
    hourly = call_log.to_intervals("60min")
    wed = hourly[hourly.index.day_of_week == 2]
    assert len(np.unique(wed.index.date)) == 4
    rates = wed.groupby(wed.index.hour)["calls"].sum() / 4
    assert rates.tolist() == PUBLISHED_WEDNESDAY_RATES


def test_drops_phantom_and_negative_vru_with_warning():
    with pytest.warns(DataQualityWarning, match="278 phantom, 23 negative vru time"):
        log = read_call_log(DATA / "anonymous_bank_feb1999_calls.csv", tz=TZ)
    assert len(log) == 33344 - 278 - 23
    assert log.dropped == {"phantom": 278, "negative_vru_time": 23}


@pytest.mark.parametrize("minutes", [5, 15, 30, 60])
def test_any_interval_length_conserves_calls(call_log, minutes):
    h = call_log.to_intervals(f"{minutes}min")
    assert len(h) == 28 * 24 * 60 // minutes
    assert int(h["calls"].sum()) == len(call_log)
    assert (h["answered"] + h["abandoned"] == h["calls"]).all()
    assert h.index.name == "interval_start"
    # volume-weighted mean handle time equals the call-level mean
    served = call_log.calls[call_log.calls["outcome"] == "served"]
    weighted = (h["aht_s"].fillna(0) * h["answered"]).sum() / h["answered"].sum()
    assert weighted == pytest.approx(served["handle_s"].mean())


def test_closed_hours_are_zero_not_missing(call_log):
    h = call_log.to_intervals("15min")
    assert h["calls"].notna().all()
    saturday_morning = h[(h.index.day_of_week == 5) & (h.index.hour == 10)]
    assert (saturday_morning["calls"] == 0).mean() > 0.8  # center closed on Sabbath


def test_patience_observations(call_log):
    obs = call_log.patience_observations()
    assert set(obs.columns) == {"wait_s", "abandoned"}
    assert (obs["wait_s"] >= 0).all()
    # abandons in queue are a subset of all HANG outcomes
    assert 0 < obs["abandoned"].sum() <= (call_log.calls["outcome"] == "abandoned").sum()


def test_generic_layout_aggregates():
    log = read_call_log(TEST_DATA / "generic_calllog.csv", tz=TZ)
    h = log.to_intervals("15min", full_days=False)
    first = h.loc[pd.Timestamp("2024-03-04 08:00", tz=TZ)]
    assert first["calls"] == 2 and first["answered"] == 1 and first["abandoned"] == 1
    assert first["aht_s"] == 200
    assert h["calls"].sum() == 4
    full = log.to_intervals("15min")
    assert len(full) == 96


@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("bad_date.csv", "date"),
        ("bad_clock.csv", "vru_entry"),
        ("negative_handle.csv", "ser_time"),
        ("unknown_outcome.csv", "outcome"),
        ("non_numeric_wait.csv", "q_time"),
        ("missing_columns.csv", "wait_s"),
    ],
)
def test_bad_call_logs(name, field):
    with pytest.raises(InputError) as info:
        read_call_log(TEST_DATA / "calllog_bad" / name, tz=TZ)
    assert info.value.field == field
    assert name in str(info.value)


def test_call_log_requires_tz():
    with pytest.raises(InputError, match="tz"):
        read_call_log(TEST_DATA / "generic_calllog.csv", tz="")
