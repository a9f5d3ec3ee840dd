"""Two real uvicorn servers on one database: neither fails the other's running jobs; a job
whose server dies is failed once its heartbeat is stale, and never ends in two states."""

from __future__ import annotations

import time

import pytest

from tests.api.helpers import hard_roster_body, tiny_roster_body, wait_for
from tests.api.test_uvicorn import Server, free_port

KEY = {"X-API-Key": "k3y"}


@pytest.fixture
def servers(db_url: str, tmp_path):
    pair = [Server(db_url, free_port(), api_key="k3y", log=tmp_path / f"s{i}.log")
            for i in range(2)]
    yield pair
    for srv in pair:
        srv.stop()


def test_second_server_leaves_the_first_ones_jobs_alone(servers) -> None:
    first, second = servers
    a = first.start()
    r = a.post("/v1/roster-jobs", json=hard_roster_body(), headers=KEY)
    assert r.status_code == 202, r.text
    url = r.headers["location"]
    assert wait_for(a.get, url, ("running",))["status"] == "running"

    b = second.start()  # start-up recovery and a few heartbeat rounds of the second server
    time.sleep(4)
    for client in (a, b):
        job = client.get(url).json()
        assert job["status"] == "running" and job["error"] is None

    assert b.delete(url, headers=KEY).status_code == 200  # cancel through the other server
    done = wait_for(a.get, url, timeout=90)
    assert done["status"] == "cancelled" and done["error"] is None
    assert b.get(url).json() == a.get(url).json()

    # the first server dies while solving: the second fails the orphan, once
    r = a.post("/v1/roster-jobs", json=hard_roster_body(), headers=KEY)
    url = r.headers["location"]
    assert wait_for(a.get, url, ("running",))["status"] == "running"
    a.close()
    assert first.proc is not None
    first.proc.kill()
    first.proc.wait()
    first.proc = None
    failed = wait_for(b.get, url, ("failed", "done", "cancelled"), timeout=90)
    assert failed["status"] == "failed"
    assert "heartbeat" in failed["error"]["detail"]
    # and the second server still runs jobs
    r = b.post("/v1/roster-jobs", json=tiny_roster_body(), headers=KEY)
    assert wait_for(b.get, r.headers["location"], timeout=60)["status"] == "done"
    b.close()
