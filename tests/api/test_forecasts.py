"""POST /v1/forecasts: JSON rows or an uploaded CSV."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.helpers import DATA, TZ, history_rows


def test_forecast_from_json_rows(client: TestClient) -> None:
    r = client.post("/v1/forecasts", json={"tz": TZ, "history": history_rows(14), "days": 2,
                                           "model": "seasonal_naive"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["model"] == "seasonal_naive"
    assert len(body["intervals"]) == 2 * 96
    first = body["intervals"][0]
    assert first["interval_start"] == "1999-02-15T00:00:00+02:00"
    assert first["calls_lower"] <= first["calls"] <= first["calls_upper"]
    assert body["summary"]["intervals"] == 192


def test_forecast_from_uploaded_csv(client: TestClient) -> None:
    with (DATA / "anonymous_bank_15min.csv").open("rb") as fh:
        r = client.post("/v1/forecasts", files={"history": ("feb.csv", fh, "text/csv")},
                        data={"tz": TZ, "days": "1", "model": "historical_average",
                              "level": "0.9"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["model"] == "historical_average"
    assert body["intervals"][0]["interval_start"] == "1999-03-01T00:00:00+02:00"
    assert body["summary"]["level"] == 0.9


def test_forecast_errors(client: TestClient) -> None:
    r = client.post("/v1/forecasts", json={"tz": TZ, "history": history_rows(3)})
    assert r.status_code == 422 and r.json()["field"] == "history"

    csv = b"interval_start,calls\n2024-01-01T00:00:00+00:00,1\n2024-01-01T00:15:00+00:00,x\n"
    r = client.post("/v1/forecasts", files={"history": ("h.csv", csv, "text/csv")},
                    data={"tz": "UTC"})
    assert r.status_code == 422 and r.json()["field"] == "calls"
    assert "line 3" in r.json()["detail"]

    r = client.post("/v1/forecasts", files={"other": ("h.csv", csv, "text/csv")},
                    data={"tz": "UTC"})
    assert r.status_code == 422 and r.json()["field"] == "history"

    r = client.post("/v1/forecasts", files={"history": ("h.csv", csv, "text/csv")},
                    data={"tz": "UTC", "days": "0"})
    assert r.status_code == 422 and r.json()["field"] == "days"
