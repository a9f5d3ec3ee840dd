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


def _plan_job(client, plan_files, *, finish=True):
    """A plan job in the server's store as a finished plan would leave it: the request (plan
    TOML as JSON + the call log CSV) and its forecast.csv / coverage.csv."""
    import tomllib

    from api.jobs import JobStatus
    from staffing.io.export import jsonable

    cfg = tomllib.loads((DATA / "plan.toml").read_text())
    cfg["data"].pop("path")
    request = {"config": jsonable(cfg), "data": {
        "filename": "calls.csv",
        "csv": (DATA / "anonymous_bank_feb1999_calls.csv").read_text(encoding="utf-8-sig")}}
    store = client.app.state.store
    job = store.create("plan", request, 60)
    if finish:
        assert store.claim(job.id)
        store.finish(job.id, JobStatus.DONE, result={"status": "optimal"}, artifacts={
            f"{k}.csv": ("text/csv", v) for k, v in plan_files.items()})
    return job.id


def test_review_and_intraday_of_a_plan_job(client, plan_files):
    """``plan`` = a plan job's id stands for the config, the plan's files and (without an
    actuals part) its data: the same answer as uploading them."""
    job_id = _plan_job(client, plan_files)
    r = client.post("/v1/review", data={"plan": job_id})
    assert r.status_code == 200, r.text
    body = r.json()
    uploaded = client.post("/v1/review", files=_files(plan_files)).json()
    assert body["summary"] == uploaded["summary"] and body["days"] == uploaded["days"]
    ivs = body["intervals"]
    assert len(ivs) == 7 * 96 and ivs == uploaded["intervals"]
    assert sum(i["offered"] for i in ivs) == body["summary"]["offered"] == 7113
    assert sum(i["forecast_calls"] for i in ivs) == pytest.approx(
        body["summary"]["forecast_calls"])
    missed = [i["interval_start"] for i in ivs if i["meets_goal"] is False]
    assert missed == [m["interval_start"] for m in body["misses"]]
    # an uploaded actuals part wins over the plan's data: Monday's calls only
    lines = (DATA / "anonymous_bank_feb1999_calls.csv").read_text().splitlines()
    monday = "\n".join([lines[0], *(x for x in lines[1:] if ",990222," in x)]) + "\n"
    r = client.post("/v1/review", data={"plan": job_id},
                    files={"actuals": ("monday.csv", monday.encode())})
    assert r.status_code == 200, r.text
    assert r.json()["summary"]["offered"] == body["days"][0]["offered"] > 0
    assert body["days"][0]["date"] == "1999-02-22"
    r = client.post("/v1/intraday", data={"plan": job_id, "now": "1999-02-23T12:00"})
    assert r.status_code == 200, r.text
    assert r.json()["summary"]["observed_calls"] == 466
    r = client.post("/v1/review", data={"plan": "no-such-job"})
    assert r.status_code == 422 and r.json()["field"] == "plan"
    queued = _plan_job(client, plan_files, finish=False)
    r = client.post("/v1/review", data={"plan": queued})
    assert r.status_code == 422 and r.json()["field"] == "plan"
    assert "queued" in r.text
