"""Bad input is a 422 naming the field, never a 500, and the error body stays small."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from tests.api.helpers import TZ, tiny_roster_body, week_forecast_rows


def _post(client: TestClient, url: str, text: str):
    return client.post(url, content=text.encode(), headers={"Content-Type": "application/json"})


def _requirements_text(value: str, key: str = "calls") -> str:
    rows = week_forecast_rows()[:96]
    body = json.dumps({"tz": TZ, "forecast": rows})
    first = json.dumps(rows[0][key])
    return body.replace(f'"{key}": {first}', f'"{key}": {value}', 1)


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity"])
@pytest.mark.parametrize("key", ["calls", "aht_s"])
def test_non_finite_forecast_numbers_are_422(client: TestClient, key: str, value: str) -> None:
    r = _post(client, "/v1/requirements", _requirements_text(value, key))
    assert r.status_code == 422, r.text
    assert r.json()["field"] == f"forecast[0].{key}"


@pytest.mark.parametrize("path", ["required", "mip_rel_gap", "time_limit_s"])
def test_non_finite_roster_numbers_are_422(client: TestClient, path: str) -> None:
    body = tiny_roster_body()
    if path == "required":
        body["required"][0]["required"] = "@@"
        field = "required[0].required"
    else:
        body["solver"][path] = "@@"
        field = f"solver.{path}"
    text = json.dumps(body).replace('"@@"', "NaN")
    r = _post(client, "/v1/roster-jobs", text)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field
    assert client.get("/healthz").json()["queued"] == 0


def test_nan_inside_a_plan_config_is_422(client: TestClient) -> None:
    text = '{"config": {"solver": {"mip_rel_gap": NaN}}, "history": []}'
    r = _post(client, "/v1/plans", text)
    assert r.status_code == 422, r.text
    assert "finite" in json.dumps(r.json())


@pytest.mark.parametrize("start", ["9999-12-31T23:45:00+00:00", "0001-01-01T00:00:00+00:00"])
def test_timestamps_at_the_end_of_time_are_422(client: TestClient, start: str) -> None:
    rows = [{"interval_start": start, "calls": 1.0, "aht_s": 100.0}]
    r = client.post("/v1/requirements", json={"tz": "UTC", "forecast": rows})
    assert r.status_code == 422, r.text
    assert r.json()["field"].startswith("forecast")
    body = tiny_roster_body()
    body["required"][0]["interval_start"] = start
    r = client.post("/v1/roster-jobs", json=body)
    assert r.status_code == 422, r.text


def test_deeply_nested_json_is_422(client: TestClient) -> None:
    deep = "[" * 1000 + "]" * 1000
    for url in ("/v1/plans", "/v1/scenarios", "/v1/roster-jobs", "/v1/requirements",
                "/v1/forecasts"):
        r = _post(client, url, f'{{"config": {{"x": {deep}}}}}')
        assert r.status_code == 422, (url, r.status_code, r.text[:200])
        assert "nested" in json.dumps(r.json())


def test_error_bodies_do_not_echo_the_whole_input(client: TestClient) -> None:
    rows = [{"interval_start": "x" * 30, "calls": -1, "aht_s": "y" * 1000}] * 2000
    text = json.dumps({"tz": TZ, "forecast": rows})
    assert len(text) > 2_000_000
    r = _post(client, "/v1/requirements", text)
    assert r.status_code == 422
    assert len(r.content) < 20_000, len(r.content)
    body = r.json()
    assert body["field"] == "forecast[0].interval_start" or body["field"].startswith("forecast")
    assert any("more errors" in str(e.get("msg", "")) for e in body["detail"])
