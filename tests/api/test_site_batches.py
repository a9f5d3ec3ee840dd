"""POST /v1/site-batches: many sites planned as one job (in the job's own process when the
server has no Dask scheduler; tests/sites/test_api.py runs it on a cluster)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from tests.api.helpers import wait_for

pytestmark = pytest.mark.slow  # plans several sites


def site_body(site: Any, *, days_of_history: int | None = None) -> dict[str, Any]:
    """A generated site as a request: its config (JSON) and its history as CSV text."""
    from staffing.grid import with_interval_column
    from staffing.io.export import csv_text

    hist = site.data.history
    if days_of_history is not None:
        hist = hist[hist.index >= hist.index[-1] - pd.Timedelta(days=days_of_history)]
    cfg = json.loads(json.dumps(site.config, default=str))
    cfg["simulation"] = {"enabled": False}
    return {"name": site.name, "config": cfg,
            "data": {"filename": f"{site.name}.csv",
                     "csv": csv_text(with_interval_column(hist))}}


@pytest.fixture(scope="module")
def sites():
    from staffing.sites import generate_sites

    return generate_sites(2, seed=4, days=1, weeks=6, time_limit_s=10, max_agents=20)


def test_site_batch_job_reports_each_site(client: TestClient, sites) -> None:
    body = {"sites": [site_body(sites[0]),
                      {**site_body(sites[1], days_of_history=3), "name": "short"}]}
    r = client.post("/v1/site-batches", json=body)
    assert r.status_code == 202, r.text
    url = r.headers["Location"]
    done = wait_for(client.get, url, timeout=600)
    assert done["status"] == "done", done
    rows = {x["site"]: x for x in done["result"]["sites"]}
    assert rows[sites[0].name]["status"] in ("optimal", "feasible")
    assert rows[sites[0].name]["agent_hours"] > 0
    assert rows["short"]["status"] == "bad_input" and "7 days" in rows["short"]["reason"]
    assert done["result"]["failed"] == 1
    table = list(csv.DictReader(io.StringIO(client.get(f"{url}/files/sites.csv").text)))
    assert [t["site"] for t in table] == [sites[0].name, "short"]
    assert "worker" not in table[0] and "out" not in table[0]      # no host names, no paths
    assert client.get(f"{url}/files/sites.json").json()[1]["status"] == "bad_input"


def test_site_batch_validation_names_the_site(client: TestClient, sites) -> None:
    bad = site_body(sites[1])
    bad["config"]["goals"]["service_level"] = 1.5
    r = client.post("/v1/site-batches", json={"sites": [site_body(sites[0]), bad]})
    assert r.status_code == 422, r.text
    assert "sites[1].config.goals.service_level" in r.text
    same = client.post("/v1/site-batches", json={"sites": [site_body(sites[0])] * 2})
    assert same.status_code == 422 and "distinct" in same.text
    sneaky = {"sites": [site_body(sites[0])], "cluster": "tcp://10.0.0.1:8786"}
    assert client.post("/v1/site-batches", json=sneaky).status_code == 422
