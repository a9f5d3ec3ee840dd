"""`POST /v1/review` and `POST /v1/intraday` on the bundled data."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from staffing.requirements import ServiceGoals
from tests.conftest import DATA
from tests.review.conftest import write_plan_dir


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    db = tmp_path_factory.mktemp("db") / "jobs.db"
    with TestClient(create_app(Settings(database_url=f"sqlite:///{db}"))) as c:
        yield c


@pytest.fixture(scope="module")
def plan_files(call_log, tmp_path_factory):
    """forecast.csv and coverage.csv of a seasonal-naive plan for the last bundled week."""
    path = write_plan_dir(call_log, ServiceGoals(shrinkage=0.25), tmp_path_factory.mktemp("p"))
    return {"forecast": (path / "forecast.csv").read_bytes(),
            "coverage": (path / "coverage.csv").read_bytes()}


def _files(plan_files=None):
    files = {"config": ("plan.toml", (DATA / "plan.toml").read_bytes()),
             "actuals": ("calls.csv", (DATA / "anonymous_bank_feb1999_calls.csv").read_bytes())}
    for k, v in (plan_files or {}).items():
        files[k] = (f"{k}.csv", v)
    return files


def test_review_route(client, plan_files):
    r = client.post("/v1/review", files=_files(plan_files))
    assert r.status_code == 200, r.text
    body = r.json()
    s = body["summary"]
    assert s["offered"] == 7113 and s["menu_hangups"] == 282
    assert s["service_level"] == pytest.approx(0.508, abs=0.001)
    assert 0 < s["wape"] < 1 and "answered within 20 s" in s["definition"]
    assert len(body["days"]) == 7 and body["misses"] and body["misses"][0]["cause"]


def test_review_route_without_plan_and_bad_input(client):
    r = client.post("/v1/review", files=_files(), data={"start": "1999-02-01", "days": "7"})
    assert r.status_code == 200, r.text
    assert r.json()["summary"]["offered"] == 8277
    r = client.post("/v1/review", files=_files(), data={"abandons": "maybe"})
    assert r.status_code == 422 and r.json()["field"] == "abandons"
    r = client.post("/v1/review", files=_files(), data={"days": "-3"})
    assert r.status_code == 422 and r.json()["field"] == "days"
    bad = _files()
    bad["config"] = ("plan.toml", b"[goals]\nservice_level = 2\n")
    r = client.post("/v1/review", files=bad)
    assert r.status_code == 422 and r.json()["field"].startswith("config.")
    r = client.post("/v1/review", json={"config": "x"})
    assert r.status_code == 422


def test_intraday_route(client, plan_files):
    r = client.post("/v1/intraday", files=_files(plan_files), data={"now": "1999-02-23T12:00"})
    assert r.status_code == 200, r.text
    body = r.json()
    s = body["summary"]
    # plain count: calls that reached the queue on Tue 23 Feb before 12:00
    assert s["observed_calls"] == 466
    assert body["intervals"][0]["interval_start"].startswith("1999-02-23T12:00")
    assert all(row["actual_calls"] is None for row in body["intervals"])
    r = client.post("/v1/intraday", files=_files(plan_files), data={"now": "1999-05-01T12:00"})
    assert r.status_code == 422 and r.json()["field"] == "now"
