"""Roster jobs: submit (202 + Location), poll, files, cancel, caps, restart recovery."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.jobs import JobStatus, JobStore
from api.jobs.store import RESTART_REASON
from api.main import create_app
from api.settings import Settings
from tests.api.helpers import hard_roster_body, tiny_roster_body, wait_for


def submit(client: TestClient, body: dict) -> tuple[str, dict]:
    r = client.post("/v1/roster-jobs", json=body)
    assert r.status_code == 202, r.text
    return r.headers["Location"], r.json()


def test_submit_poll_and_files(client: TestClient) -> None:
    url, job = submit(client, tiny_roster_body())
    assert job["status"] in ("queued", "running")
    assert url == f"/v1/roster-jobs/{job['id']}"
    done = wait_for(client.get, url)
    assert done["status"] == "done", done
    res = done["result"]
    assert res["status"] == "optimal"
    assert res["objective"] == res["bound"] and res["gap"] == 0
    assert res["shifts"] == 4 and res["agent_hours"] == 32
    assert done["progress"]["incumbent"] == res["objective"]
    assert done["finished_at"] >= done["started_at"] >= done["created_at"]
    assert done["links"]["coverage.csv"] == f"{url}/coverage.csv"

    cov = client.get(f"{url}/coverage.csv")
    assert cov.status_code == 200 and cov.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(cov.text)))
    assert list(rows[0]) == ["interval_start", "required", "scheduled", "under", "over",
                             "service_level", "calls"]
    assert len(rows) == 24
    assert all(int(r["scheduled"]) >= float(r["required"]) for r in rows)
    shifts = list(csv.DictReader(io.StringIO(client.get(f"{url}/shifts.csv").text)))
    assert len(shifts) == 4 and {s["template"] for s in shifts} == {"day"}
    assert client.get(f"{url}/tours.csv").status_code == 200
    # finished jobs cannot be cancelled
    assert client.delete(url).status_code == 409


def test_invalid_roster_input_is_422_before_queuing(client: TestClient) -> None:
    body = tiny_roster_body()
    body["config"]["templates"][0]["start_latest"] = "07:00"
    r = client.post("/v1/roster-jobs", json=body)
    assert r.status_code == 422
    assert r.json()["field"] == "config.templates.day.start_latest"

    body = tiny_roster_body()
    body["required"] = body["required"][:20]  # not whole days
    r = client.post("/v1/roster-jobs", json=body)
    assert r.status_code == 422, r.text

    body = tiny_roster_body()
    body["config"]["templates"][0]["colour"] = "red"
    r = client.post("/v1/roster-jobs", json=body)
    assert r.status_code == 422 and r.json()["field"] == "config.templates[0].colour"
    assert client.get("/healthz").json()["queued"] == 0


def test_infeasible_is_a_result_status(client: TestClient) -> None:
    body = tiny_roster_body()
    body["config"]["templates"][0]["max_headcount"] = 1
    body["config"]["open_hours"] = {"mon": "08:00-18:00", "min_staff": 3}
    url, _ = submit(client, body)
    done = wait_for(client.get, url)
    assert done["status"] == "done"
    assert done["result"]["status"] == "infeasible"
    assert "max_headcount" in done["result"]["diagnosis"]


def test_time_limit_is_capped(db_url: str) -> None:
    s = Settings(database_url=db_url, max_solve_s=5)
    with TestClient(create_app(s)) as c:
        url, job = submit(c, tiny_roster_body(time_limit_s=600))
        assert job["time_limit_s"] == 5
        assert "capped" in job["notes"][0]
        assert wait_for(c.get, url)["status"] == "done"


@pytest.fixture
def patient_client(settings: Settings) -> Iterator[TestClient]:
    """A server that lets a cancelled solve return its incumbent however long it takes."""
    with TestClient(create_app(settings.model_copy(update={"cancel_grace_s": 120}))) as c:
        yield c


def test_cancel_running_and_queued(patient_client: TestClient) -> None:
    client = patient_client
    hard_url, _ = submit(client, hard_roster_body())
    tiny_url, tiny = submit(client, tiny_roster_body())  # waits: one worker
    running = wait_for(client.get, hard_url, ("running",))
    assert running["status"] == "running"
    # queued job: cancelled at once, never runs
    r = client.delete(tiny_url)
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert client.get(f"{tiny_url}/shifts.csv").status_code == 404
    # running job: progress is reported, then the solve is interrupted
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        prog = client.get(hard_url).json()["progress"] or {}
        if prog.get("bound") is not None:
            break
        time.sleep(0.1)
    assert prog["bound"] > 0 and prog["elapsed_s"] > 0  # root LP bound, no incumbent yet
    r = client.delete(hard_url)
    assert r.status_code == 200 and r.json()["cancel_requested"] is True
    done = wait_for(client.get, hard_url, timeout=20)
    assert done["status"] == "cancelled"
    assert done["progress"]["elapsed_s"] >= prog["elapsed_s"]  # never goes backwards
    assert done["result"]["status"] == "cancelled"  # HiGHS returned: the incumbent is kept
    assert done["result"]["runtime_s"] < done["time_limit_s"]
    assert client.get(f"{hard_url}/coverage.csv").status_code == 200
    assert client.delete(hard_url).status_code == 200  # idempotent


def test_cancel_ends_a_process_that_does_not_stop(settings: Settings) -> None:
    """No grace: the job's process is ended at once (as for a build or presolve that does not
    poll for the cancel); the job is cancelled and the server runs the next job."""
    with TestClient(create_app(settings.model_copy(update={"cancel_grace_s": 0}))) as c:
        hard_url, _ = submit(c, hard_roster_body())
        wait_for(c.get, hard_url, ("running",))
        assert c.delete(hard_url).status_code == 200
        done = wait_for(c.get, hard_url, timeout=20)
        assert done["status"] == "cancelled"
        assert any("was ended" in n for n in done["notes"]), done["notes"]
        assert done["result"] is None
        assert c.get(f"{hard_url}/coverage.csv").status_code == 404
        url, _ = submit(c, tiny_roster_body())
        assert wait_for(c.get, url)["status"] == "done"


def test_files_conflict_while_not_finished(client: TestClient) -> None:
    hard_url, _ = submit(client, hard_roster_body())
    wait_for(client.get, hard_url, ("running",))
    r = client.get(f"{hard_url}/coverage.csv")
    assert r.status_code == 409 and "running" in r.json()["detail"]
    client.delete(hard_url)
    wait_for(client.get, hard_url)


def _age_heartbeat(store: JobStore, job_id: str, seconds: float) -> None:
    """Pretend the job's owner last sent a heartbeat ``seconds`` ago."""
    import datetime as dt

    from sqlalchemy import update

    from api.jobs import Job
    from api.jobs.models import utcnow

    with store.session() as s:
        s.execute(update(Job).where(Job.id == job_id).values(
            heartbeat_at=utcnow() - dt.timedelta(seconds=seconds)))


def test_restart_recovery(settings: Settings) -> None:
    """Running jobs of a dead server (stale heartbeat) are failed; queued jobs resume; a live
    server's running job is left alone."""
    store = JobStore(settings.database_url)
    crashed = store.create("roster", tiny_roster_body(), 10)
    assert store.claim(crashed.id)
    _age_heartbeat(store, crashed.id, settings.orphan_after_s + 5)
    live = store.create("roster", tiny_roster_body(), 10)
    assert store.claim(live.id)  # another server, heartbeat fresh
    waiting = store.create("roster", tiny_roster_body(), 10)
    store.close()
    with TestClient(create_app(settings)) as c:
        failed = c.get(f"/v1/roster-jobs/{crashed.id}").json()
        assert failed["status"] == "failed"
        assert failed["error"] == {"detail": RESTART_REASON, "field": None}
        assert c.get(f"/v1/roster-jobs/{live.id}").json()["status"] == "running"
        resumed = wait_for(c.get, f"/v1/roster-jobs/{waiting.id}")
        assert resumed["status"] == "done"
    # finished results stay readable after another restart
    with TestClient(create_app(settings)) as c:
        again = c.get(f"/v1/roster-jobs/{waiting.id}").json()
        assert again["result"] == resumed["result"]
        assert c.get(f"/v1/roster-jobs/{waiting.id}/shifts.csv").status_code == 200


def test_graceful_shutdown_requeues_running_job(settings: Settings) -> None:
    with TestClient(create_app(settings)) as c:
        url, job = submit(c, hard_roster_body())
        wait_for(c.get, url, ("running",))
    store = JobStore(settings.database_url)
    assert store.get(job["id"]).status == JobStatus.QUEUED
    store.close()
    with TestClient(create_app(settings)) as c:  # resumes, then cancel to finish quickly
        wait_for(c.get, url, ("running",))
        c.delete(url)
        assert wait_for(c.get, url)["status"] == "cancelled"


def test_template_off_the_grid_is_422(client: TestClient) -> None:
    body = tiny_roster_body()
    body["config"]["templates"][0]["start_step_min"] = 90
    r = client.post("/v1/roster-jobs", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["field"].startswith("config.templates.day.")


def test_break_error_names_its_template(client: TestClient) -> None:
    body = tiny_roster_body()
    body["config"]["templates"][0]["breaks"] = [
        {"name": "lunch", "duration_min": 60, "earliest_offset_min": 240,
         "latest_offset_min": 180}]
    r = client.post("/v1/roster-jobs", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "config.templates.day.breaks.latest_offset_min"


def test_job_list_is_paged(client: TestClient) -> None:
    ids = [submit(client, tiny_roster_body())[1]["id"] for _ in range(3)]
    for i in ids:
        wait_for(client.get, f"/v1/roster-jobs/{i}")
    page = client.get("/v1/roster-jobs", params={"limit": 2}).json()
    assert page["total"] == 3 and len(page["items"]) == 2
    assert [j["id"] for j in page["items"]] == ids[::-1][:2]  # newest first
    rest = client.get(page["next"]).json()
    assert [j["id"] for j in rest["items"]] == [ids[0]] and rest["next"] is None
    assert client.get("/v1/roster-jobs", params={"status": "done"}).json()["total"] == 3
    assert client.get("/v1/roster-jobs", params={"status": "running"}).json()["total"] == 0
    assert client.get("/v1/plans").json()["total"] == 0  # other kinds apart
    assert client.get("/v1/scenarios").status_code == 200
    assert client.get("/v1/roster-jobs", params={"limit": 0}).status_code == 422


def test_memory_cap_fails_the_job_not_the_server(settings: Settings) -> None:
    capped = settings.model_copy(update={"max_job_memory_mb": 300})
    with TestClient(create_app(capped)) as c:
        url, _ = submit(c, tiny_roster_body())
        done = wait_for(c.get, url, timeout=120)
        assert done["status"] == "failed", done
        detail = done["error"]["detail"]
        assert "memory" in detail or "ended unexpectedly" in detail, detail
        assert c.get("/healthz").status_code == 200
