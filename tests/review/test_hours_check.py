"""The open-hours coverage check names the closed hours in which the history has calls."""

from __future__ import annotations

import dataclasses

import pytest

from staffing.config import PlanConfig
from staffing.exceptions import DataQualityWarning, InputError
from staffing.hours import OpenHours
from staffing.review import check_open_hours, uncovered_hours
from tests.conftest import DATA


@pytest.fixture(scope="module")
def queue_history(call_log):
    """The history the bundled plan uses: calls that reached the agent queue."""
    return call_log.to_intervals("15min")


def test_bundled_plan_closes_saturday_23h_while_calls_come(queue_history):
    cfg = PlanConfig.from_toml(DATA / "plan.toml")
    cells = uncovered_hours(queue_history, cfg.open_hours)
    assert cells[["day", "hour"]].values.tolist() == [["sat", 23]]
    row = cells.iloc[0]
    # plain count: calls on each Saturday between 23:00 and 24:00
    h = queue_history
    sat = h[(h.index.day_of_week == 5) & (h.index.hour == 23)]
    per_date = sat.groupby(sat.index.date)["calls"].sum()
    assert (row["calls_min"], row["calls_max"]) == (per_date.min(), per_date.max())
    assert row["dates_with_calls"] == row["dates"] == 4
    with pytest.warns(DataQualityWarning, match=r"sat 23:00-24:00 \(2\d-3\d calls an hour "
                                                r"on 4 of 4 sat\)"):
        phrases = check_open_hours(h, cfg.open_hours)
    assert len(phrases) == 1


def test_covering_hours_are_silent(queue_history, recwarn):
    hours = OpenHours.always()
    assert uncovered_hours(queue_history, hours).empty
    assert check_open_hours(queue_history, hours) == []
    assert check_open_hours(queue_history, None) == []
    assert not [w for w in recwarn if issubclass(w.category, DataQualityWarning)]


def test_runs_of_hours_are_merged(queue_history):
    hours = OpenHours.from_dict({"sun-thu": "12:00-24:00", "fri": "07:00-14:00",
                                 "sat": "19:00-24:00"})
    with pytest.warns(DataQualityWarning) as rec:
        phrases = check_open_hours(queue_history, hours)
    text = str(rec[0].message)
    assert any(p.startswith("mon 07:00-12:00") for p in phrases), phrases
    assert "sun 07:00-12:00" in text


def test_config_demand_keys(tmp_path):
    import tomllib

    raw = tomllib.loads((DATA / "plan.toml").read_text())
    raw["data"]["path"] = str(DATA / "anonymous_bank_feb1999_calls.csv")
    cfg = PlanConfig.from_dict(raw)
    assert cfg.offered == "queue" and cfg.wrap_s == 23.0
    cfg = PlanConfig.from_dict({**raw, "data": {**raw["data"], "wrap_s": "estimate"}})
    assert cfg.wrap_s == "estimate"
    for key, value in (("offered", "menu"), ("wrap_s", -3), ("wrap_s", "guess")):
        bad = {**raw, "data": {**raw["data"], key: value}}
        with pytest.raises(InputError) as info:
            PlanConfig.from_dict(bad)
        assert info.value.field == f"data.{key}"
    hist = {**raw, "data": {"path": str(DATA / "anonymous_bank_15min.csv"), "wrap_s": "estimate"}}
    hist["goals"] = {k: v for k, v in raw["goals"].items() if k != "patience_s"}
    with pytest.raises(InputError, match="data.wrap_s"):
        PlanConfig.from_dict(hist)
    fixed = dataclasses.replace(cfg, wrap_s=10.0)
    assert fixed.wrap_s == 10.0
    # scenarios keep the definitions (and hash them)
    from staffing.scenario import Scenario

    a, b = Scenario("a", cfg), Scenario("b", fixed)
    assert a.config.wrap_s == "estimate" and b.config.wrap_s == 10.0
    assert a.hash != b.hash and a.data_key != b.data_key
