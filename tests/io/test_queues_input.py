"""Multi-queue input: a text ``queue`` column, one row per interval and queue, splitting a
history by queue and a call log by a column (the bank's ``type``) grouped by a mapping."""

from __future__ import annotations

import io
import warnings

import pandas as pd
import pytest

from staffing.config import PlanConfig
from staffing.exceptions import DataQualityWarning, InputError, MissingDataWarning
from staffing.grid import IntervalGrid
from staffing.io import history_queues, split_history, validate_history
from staffing.io.bundled import bundled_path
from staffing.io.calllog import parse_call_log
from staffing.io.plandata import as_plan_data
from staffing.io.toml import read_toml

TZ = "Asia/Jerusalem"


def _frame(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


TWO = """interval_start,queue,calls,aht_s
1999-02-01T08:00:00+02:00,PS,10,150
1999-02-01T08:00:00+02:00,NW,4,70
1999-02-01T08:15:00+02:00,PS,12,160
1999-02-01T08:15:00+02:00,NW,3,75
"""


def test_queue_is_text_and_two_queues_share_a_timestamp():
    hist = validate_history(_frame(TWO), tz=TZ)
    assert hist.attrs["freq"] == pd.Timedelta("15min")
    assert hist["queue"].tolist() == ["NW", "PS", "NW", "PS"]  # by time, then queue
    assert history_queues(hist) == ["NW", "PS"]
    parts = split_history(hist)
    assert list(parts) == ["NW", "PS"]
    assert parts["PS"]["calls"].tolist() == [10.0, 12.0]
    assert "queue" not in parts["PS"].columns
    assert parts["NW"].attrs["freq"] == pd.Timedelta("15min")


def test_numeric_looking_queue_names_stay_text():
    hist = validate_history(_frame(TWO.replace("PS", "01").replace("NW", "2")), tz=TZ)
    assert history_queues(hist) == ["01", "2"]


@pytest.mark.parametrize(
    ("text", "field", "fragment"),
    [
        (TWO + "1999-02-01T08:15:00+02:00,NW,1,70\n", "interval_start", "queue 'NW'"),
        (TWO.replace(",NW,4", ", ,4"), "queue", "a queue name"),
    ],
)
def test_bad_multi_queue_rows(text, field, fragment):
    with pytest.raises(InputError) as info:
        validate_history(_frame(text), tz=TZ, source="h.csv")
    assert info.value.field == field
    assert fragment in str(info.value)
    assert "h.csv" in str(info.value)


def test_gaps_are_reported_per_queue():
    text = TWO + "1999-02-01T08:45:00+02:00,PS,9,150\n"
    with pytest.warns(MissingDataWarning, match="queue 'PS'"):
        validate_history(_frame(text), tz=TZ)


def test_single_queue_plan_refuses_several_queues():
    with pytest.raises(InputError) as info:
        as_plan_data(_frame(TWO), IntervalGrid(TZ, pd.Timedelta("15min")))
    assert info.value.field == "queue"
    assert "[[queues]]" in str(info.value)


def test_single_queue_history_with_one_queue_name_still_plans():
    one = _frame(TWO).query("queue == 'PS'")
    data = as_plan_data(one, IntervalGrid(TZ, pd.Timedelta("15min")))
    assert data.history["calls"].sum() == 22


def test_single_queue_config_refuses_queues_tables():
    table = read_toml(bundled_path("queues_bank.toml"), "config")
    with pytest.raises(InputError) as info:
        PlanConfig.from_dict(table, base_dir=bundled_path("plan.toml").parent)
    assert info.value.field == "queues"
    assert "staffing queues" in str(info.value)


def test_split_bank_log_by_type_matches_plain_pandas(call_log):
    raw = pd.read_csv(bundled_path("anonymous_bank_feb1999_calls.csv"))
    kept = raw[(raw["outcome"] != "PHANTOM") & (raw["vru_time"] >= 0)]
    with pytest.warns(DataQualityWarning, match="NE 2744"):
        parts = call_log.split("type", {"retail": ["PS", "PE"], "new": ["NW"]})
    assert list(parts) == ["retail", "new"]
    assert len(parts["retail"]) == kept["type"].isin(["PS", "PE"]).sum()
    assert len(parts["new"]) == (kept["type"] == "NW").sum()
    served = parts["new"].calls["outcome"].eq("served")
    want = kept[(kept["type"] == "NW") & (kept["outcome"] == "AGENT")]["ser_time"].mean()
    assert parts["new"].calls.loc[served, "talk_s"].mean() == pytest.approx(want)
    assert parts["new"].tz == call_log.tz


def test_split_without_mapping_gives_one_queue_per_value(call_log):
    parts = call_log.split("type")
    assert sorted(parts) == ["IN", "NE", "NW", "PE", "PS", "TT"]
    assert sum(len(p) for p in parts.values()) == len(call_log)


def test_split_leaves_out_unmapped_values_with_a_warning(call_log):
    with pytest.warns(DataQualityWarning, match="left out"):
        parts = call_log.split("type", {"stocks": ["NE"]})
    assert set(parts["stocks"].calls["type"]) == {"NE"}


@pytest.mark.parametrize(
    ("column", "mapping", "field", "fragment"),
    [
        ("colour", None, "split_by", "a column of the call log"),
        ("type", {"a": ["PS"], "b": ["PS"]}, "queues.b.type", "queue 'a' has it"),
        ("type", {"a": ["XX"]}, "queues.a.type", "one of the log's type values"),
        ("type", {"a": "PS"}, "queues.a.type", "a non-empty list"),
        ("type", {"a": []}, "queues.a.type", "a non-empty list"),
    ],
)
def test_bad_split(call_log, column, mapping, field, fragment):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        with pytest.raises(InputError) as info:
            call_log.split(column, mapping)
    assert info.value.field == field
    assert fragment in str(info.value)


def test_generic_log_keeps_its_queue_column():
    raw = _frame("arrival,wait_s,outcome,handle_s,queue\n"
                 "2026-01-05T09:00:00,0,served,200,voice\n"
                 "2026-01-05T09:01:00,5,abandoned,0,chat\n")
    log = parse_call_log(raw, tz="Europe/London")
    parts = log.split("queue")
    assert {k: len(v) for k, v in parts.items()} == {"chat": 1, "voice": 1}
