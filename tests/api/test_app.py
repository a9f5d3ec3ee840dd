"""Health, OpenAPI, settings, security (API key, body size) and the JSON error contract."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from tests.api.helpers import tiny_roster_body


def test_healthz(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["database"] is True
    assert body["workers"] == 1 and body["queued"] == 0


def test_openapi_lists_every_route(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for path in ("/healthz", "/v1/forecasts", "/v1/requirements", "/v1/roster-jobs",
                 "/v1/roster-jobs/{job_id}", "/v1/roster-jobs/{job_id}/coverage.csv",
                 "/v1/roster-jobs/{job_id}/shifts.csv", "/v1/plans", "/v1/plans/{job_id}"):
        assert path in paths
    body = paths["/v1/forecasts"]["post"]["requestBody"]["content"]
    assert {"application/json", "multipart/form-data"} <= set(body)
    assert "ForecastCreate" in spec["components"]["schemas"]
    assert "PlanCreate" in spec["components"]["schemas"]
    assert spec["components"]["securitySchemes"]["APIKeyHeader"]["name"] == "X-API-Key"


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("STAFFING_DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    monkeypatch.setenv("STAFFING_MAX_CONCURRENT_SOLVES", "2")
    monkeypatch.setenv("STAFFING_API_KEY", "s3cret")
    app = create_app()
    s = app.state.settings
    assert s.max_concurrent_solves == 2
    assert s.api_key.get_secret_value() == "s3cret"
    with TestClient(app) as c:
        assert c.get("/healthz").json()["workers"] == 2
    assert (tmp_path / "env.db").exists()


def test_api_key_required_on_writes_only(tmp_path) -> None:
    s = Settings(database_url=f"sqlite:///{tmp_path / 'k.db'}", api_key="s3cret")
    with TestClient(create_app(s)) as c:
        r = c.post("/v1/roster-jobs", json=tiny_roster_body())
        assert r.status_code == 401
        assert r.json() == {"detail": "missing or invalid X-API-Key header", "field": None}
        assert c.post("/v1/requirements", json={}, headers={"X-API-Key": "wrong"}
                      ).status_code == 401
        assert c.delete("/v1/roster-jobs/abc").status_code == 401
        assert c.post("/v1/plans", json={}).status_code == 401
        assert c.post("/v1/forecasts", json={}).status_code == 401
        r = c.post("/v1/roster-jobs", json=tiny_roster_body(), headers={"X-API-Key": "s3cret"})
        assert r.status_code == 202
        # reads stay open
        assert c.get(r.headers["Location"]).status_code == 200
        assert c.get("/healthz").status_code == 200


def test_body_size_limit(tmp_path) -> None:
    s = Settings(database_url=f"sqlite:///{tmp_path / 'b.db'}", max_body_bytes=2048)
    with TestClient(create_app(s)) as c:
        big = {"tz": "UTC", "forecast": [{"interval_start": "2024-01-01T00:00:00+00:00",
                                          "calls": 1}] * 200}
        r = c.post("/v1/requirements", json=big)
        assert r.status_code == 413
        assert r.json()["detail"] == "request body larger than 2048 bytes"

        def chunks():  # no Content-Length: the streamed size is counted
            for _ in range(10):
                yield b" " * 1000

        r = c.post("/v1/requirements", content=chunks(),
                   headers={"Content-Type": "application/json"})
        assert r.status_code == 413
        assert "field" in r.json()


def test_validation_error_names_the_field(client: TestClient) -> None:
    r = client.post("/v1/requirements", json={"tz": "UTC", "forecast": [
        {"interval_start": "2024-01-01T00:00:00+00:00", "calls": -1}]})
    assert r.status_code == 422
    assert r.json()["field"] == "forecast[0].calls"
    r = client.post("/v1/requirements", content=b"{not json",
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 422


def test_unknown_job_is_json_404(client: TestClient) -> None:
    for url in ("/v1/roster-jobs/nope", "/v1/plans/nope", "/v1/roster-jobs/nope/shifts.csv"):
        r = client.get(url)
        assert r.status_code == 404
        assert r.json() == {"detail": "no job 'nope'", "field": None}


def test_internal_error_has_no_traceback(settings: Settings) -> None:
    app = create_app(settings)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals /etc/passwd")

    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/boom")
    assert r.status_code == 500
    assert r.json() == {"detail": "internal server error", "field": None}
    assert "Traceback" not in r.text and "secret" not in r.text


def test_healthz_reads_the_job_tables(tmp_path) -> None:
    """A corrupt database file: job reads fail, so /healthz must say so too (503)."""
    from sqlalchemy import text

    from tests.api.helpers import wait_for

    db = tmp_path / "corrupt.db"
    s = Settings(database_url=f"sqlite:///{db}")
    with TestClient(create_app(s), raise_server_exceptions=False) as c:
        url = c.post("/v1/roster-jobs", json=tiny_roster_body()).headers["Location"]
        assert wait_for(c.get, url)["status"] == "done"
        assert c.get("/healthz").status_code == 200
        store = c.app.state.store
        with store.engine.connect() as conn:
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
            page = conn.execute(text("PRAGMA page_size")).scalar()
            root = conn.execute(text("SELECT rootpage FROM sqlite_master WHERE type='table' "
                                     "AND name='jobs'")).scalar()
        store.engine.dispose()
        with db.open("r+b") as fh:  # scribble over the jobs table (its index stays intact)
            fh.seek((root - 1) * page + 8)
            fh.write(b"\x13" * (page - 8))
        assert c.get(url).status_code == 500
        r = c.get("/healthz")
        assert r.status_code == 503, r.text
        assert r.json()["status"] == "degraded" and r.json()["database"] is False


def test_openapi_documents_files_and_limits(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    plan_files = paths["/v1/plans/{job_id}/files/{name}"]["get"]["responses"]["200"]["content"]
    assert {"text/csv", "application/json", "text/calendar", "image/png",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"} <= set(plan_files)
    sc_files = paths["/v1/scenarios/{job_id}/files/{name}"]["get"]["responses"]["200"]["content"]
    assert {"text/csv", "application/json"} <= set(sc_files)
    multipart = paths["/v1/plans"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert multipart["schema"]["maxProperties"] == 4
