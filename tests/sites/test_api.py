"""POST /v1/site-batches on a Dask cluster: the server's STAFFING_DASK_SCHEDULER setting
sends the batch's sites to the cluster's workers; the job store keeps the result."""

from __future__ import annotations

import warnings

import pytest

warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
from fastapi.testclient import TestClient  # noqa: E402

from api.main import create_app  # noqa: E402
from api.settings import Settings  # noqa: E402
from tests.api.helpers import wait_for  # noqa: E402
from tests.api.test_site_batches import site_body  # noqa: E402

pytestmark = pytest.mark.slow  # starts a cluster of worker processes


def test_site_batch_runs_on_the_servers_scheduler(client, tiny_sites, tmp_path):
    client.wait_for_workers(2, timeout=120)  # a worker killed by an earlier test is back
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'jobs.db'}", max_solve_s=60,
                        dask_scheduler=client.scheduler.address)
    with TestClient(create_app(settings)) as api:
        r = api.post("/v1/site-batches", json={"sites": [site_body(s) for s in tiny_sites[:2]]})
        assert r.status_code == 202, r.text
        done = wait_for(api.get, r.headers["Location"], timeout=600)
    assert done["status"] == "done", done
    assert done["result"]["workers"] == 2                  # the cluster's, not in-process
    assert [x["site"] for x in done["result"]["sites"]] == [s.name for s in tiny_sites[:2]]
    assert all(x["status"] in ("optimal", "feasible") for x in done["result"]["sites"])


def test_a_bad_scheduler_setting_is_refused():
    with pytest.raises(ValueError, match="dask_scheduler"):
        Settings(dask_scheduler="localhost")
