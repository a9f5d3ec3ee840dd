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
    # the published check counts every call at its VRU entry (the "system" definition)
    hourly = call_log.to_intervals("60min", offered="system")
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
    assert int(h["calls"].sum()) + int(h["menu_hangups"].sum()) == len(call_log)
    assert (h["answered"] + h["abandoned"] == h["calls"]).all()
    assert h.index.name == "interval_start"
    s = call_log.to_intervals(f"{minutes}min", offered="system")
    assert int(s["calls"].sum()) == len(call_log)
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


# ----------------------------------------------------------------- demand definitions (issue 15)

def _raw_bank() -> pd.DataFrame:
    """The bundled log counted with plain pandas, independent of staffing.io."""
    raw = pd.read_csv(DATA / "anonymous_bank_feb1999_calls.csv", dtype=str,
                      skipinitialspace=True)
    raw = raw[(raw["outcome"] != "PHANTOM") & (pd.to_numeric(raw["vru_time"]) >= 0)]
    return raw


def test_menu_hangups_are_reported_apart(call_log):
    raw = _raw_bank()
    menu = (raw["q_start"] == "0:00:00") & (raw["outcome"] == "HANG")
    assert call_log.menu_hangups == int(menu.sum()) == 1941
    assert call_log.menu_hangups / len(call_log) == pytest.approx(0.059, abs=0.0005)
    h = call_log.to_intervals("15min")
    assert h.attrs["offered"] == "queue"
    assert int(h["calls"].sum()) == len(raw) - int(menu.sum())
    assert int(h["menu_hangups"].sum()) == int(menu.sum())
    # abandoned in queue only: the HANG outcomes that had entered the queue
    assert int(h["abandoned"].sum()) == int(((raw["outcome"] == "HANG") & ~menu).sum())
    s = call_log.summary()
    assert s["reached_queue"] + s["menu_hangups"] == s["calls"]


def test_queue_entry_is_the_arrival(call_log):
    c = call_log.calls
    delay = (c["arrival"] - c["system_entry"]).dt.total_seconds()
    raw = _raw_bank()
    assert delay.sum() == pytest.approx(pd.to_numeric(raw["vru_time"]).sum())
    # a call entering the menu at 07:14:55 with 10 s in the VRU lands in the 07:15 interval
    one = pd.DataFrame({"date": ["990301"], "vru_entry": ["7:14:55"], "vru_time": ["10"],
                        "q_start": ["7:15:05"], "q_time": ["3"], "outcome": ["AGENT"],
                        "ser_time": ["100"]})
    from staffing.io.calllog import parse_call_log

    h = parse_call_log(one, tz=TZ).to_intervals("15min", full_days=False)
    assert h.index[0] == pd.Timestamp("1999-03-01 07:15", tz=TZ)
    hs = parse_call_log(one, tz=TZ).to_intervals("15min", full_days=False, offered="system")
    assert hs.index[0] == pd.Timestamp("1999-03-01 07:00", tz=TZ)


def test_server_column_is_kept(call_log):
    c = call_log.calls
    served = c["outcome"] == "served"
    assert call_log.has_servers
    named = c.loc[served, "server"]
    assert (named != "").mean() > 0.95
    assert "NO_SERVER" not in set(c["server"])


def test_wrap_fixed_adds_to_handle_time(call_log):
    log = call_log.with_definitions(wrap_s=30)
    served = log.calls["outcome"] == "served"
    assert (log.calls.loc[served, "handle_s"] - log.calls.loc[served, "talk_s"] == 30).all()
    assert (log.calls.loc[~served, "handle_s"] == 0).all()
    h0 = call_log.to_intervals("60min")
    h1 = log.to_intervals("60min")
    both = h0["aht_s"].notna()
    assert np.allclose(h1.loc[both, "aht_s"] - h0.loc[both, "aht_s"], 30)
    with pytest.raises(InputError, match="wrap_s"):
        call_log.with_definitions(wrap_s=-1)
    with pytest.raises(InputError, match="offered"):
        call_log.with_definitions(offered="menu")  # type: ignore[arg-type]


def test_wrap_estimate_from_idle_gaps(call_log):
    log = call_log.with_definitions(wrap_s="estimate")
    est = log.wrap
    assert est is not None
    # a reference count in plain pandas over the raw clock columns' agents
    c = call_log.calls
    served = (c["outcome"] == "served") & (c["server"] != "")
    start = c["arrival"] + pd.to_timedelta(c["wait_s"], unit="s")
    end = start + pd.to_timedelta(c["talk_s"], unit="s")
    a = pd.DataFrame({"srv": c["server"], "s": start, "e": end})[served]
    a = a.sort_values(["srv", "s"])
    gap = (a.groupby("srv")["s"].shift(-1) - a["e"]).dt.total_seconds()
    q = c[c["queued"] & (c["wait_s"] > 0)]
    q_in, q_out = q["arrival"], q["arrival"] + pd.to_timedelta(q["wait_s"], unit="s")
    sample = a.index[gap.notna() & (gap >= 0) & (gap <= 300)][::97]
    waiting = [bool(((q_in <= a.at[i, "e"]) & (q_out > a.at[i, "e"])).any()) for i in sample]
    ref = gap.loc[sample][waiting]
    assert est.wrap_s == pytest.approx(ref.mean(), rel=0.25)
    assert 15 < est.wrap_s < 35 and est.median_s < 10  # mean ~23 s, median ~6 s
    assert log.wrap_s == est.wrap_s


def test_wrap_estimate_needs_servers():
    log = read_call_log(TEST_DATA / "generic_calllog.csv", tz=TZ)
    with pytest.raises(InputError, match="server"):
        log.with_definitions(wrap_s="estimate")
