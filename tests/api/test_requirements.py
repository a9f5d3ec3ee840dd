"""POST /v1/requirements: synchronous Erlang requirements for a week."""

from __future__ import annotations

import math

import pytest
from fastapi.testclient import TestClient

from tests.api.helpers import TZ, week_forecast_rows


def test_week_of_requirements(client: TestClient) -> None:
    rows = week_forecast_rows()
    r = client.post("/v1/requirements", json={
        "tz": TZ, "forecast": rows, "goals": {"service_level": 0.8, "answer_s": 20,
                                              "shrinkage": 0.25}})
    assert r.status_code == 200, r.text
    body = r.json()
    out = body["intervals"]
    assert len(out) == 672
    assert out[0]["interval_start"] == rows[0]["interval_start"]
    busy = max(out, key=lambda x: x["calls"])
    assert busy["agents_required"] >= math.ceil(busy["agents_net"] / 0.75)
    assert busy["service_level"] >= 0.8
    assert body["summary"]["model"] == "erlang_c"
    assert body["summary"]["intervals"] == 672 and body["summary"]["freq_min"] == 15


@pytest.mark.filterwarnings("ignore::staffing.exceptions.DataQualityWarning")
def test_erlang_a_and_open_hours_floor(client: TestClient) -> None:
    rows = week_forecast_rows()
    r = client.post("/v1/requirements", json={
        "tz": TZ, "forecast": rows,
        "goals": {"service_level": 0.8, "answer_s": 20, "patience_s": 120},
        "open_hours": {"sun-thu": "07:00-24:00", "fri": "07:00-14:00", "min_staff": 2}})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["summary"]["model"] == "erlang_a"
    assert all(x["abandon_rate"] is not None for x in body["intervals"])
    sunday_8am = next(x for x in body["intervals"] if x["interval_start"].startswith(
        "1999-02-07T08:00"))
    assert sunday_8am["agents_required"] >= 2


def test_library_errors_name_the_field(client: TestClient) -> None:
    rows = week_forecast_rows()[:96]
    r = client.post("/v1/requirements", json={"tz": TZ, "forecast": rows,
                                              "goals": {"service_level": 1.5}})
    assert r.status_code == 422
    assert r.json()["field"] == "goals.service_level"
    assert "fraction" in r.json()["expected"]

    r = client.post("/v1/requirements", json={"tz": "Mars/Olympus", "forecast": rows})
    assert r.status_code == 422 and r.json()["field"] == "tz"

    bad = [*rows[:5], {"interval_start": "yesterday", "calls": 3}]
    r = client.post("/v1/requirements", json={"tz": TZ, "forecast": bad})
    assert r.status_code == 422
    assert r.json()["field"] == "forecast[5].interval_start"

    r = client.post("/v1/requirements", json={"tz": TZ, "forecast": rows,
                                              "goals": {"abandon_rate": 0.05}})
    assert r.status_code == 422 and r.json()["field"] == "goals.abandon_rate"

    no_aht = [{"interval_start": x["interval_start"], "calls": 5.0} for x in rows]
    r = client.post("/v1/requirements", json={"tz": TZ, "forecast": no_aht})
    assert r.status_code == 422 and r.json()["field"] == "aht_s"
