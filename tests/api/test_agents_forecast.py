"""POST /v1/agents with the plan's data instead of a requirement: the job forecasts the plan's
days first (the same ``pipeline.prepare`` the plans use), then schedules the agents."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from tests.api.helpers import DATA, wait_for
from tests.api.test_agents import json_body


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_agents_job_forecasts_the_plans_days(client: TestClient) -> None:
    body = json_body()
    body.pop("requirements")
    cfg = body["config"]
    cfg["plan"]["days"] = 2
    cfg["goals"]["patience_s"] = 120.0  # the interval history has no call log to fit it
    cfg["forecast"] = {"model": "historical_average", "backtest": {"folds": 1}}
    body["data"] = {"filename": "feb.csv",
                    "csv": (DATA / "anonymous_bank_15min.csv").read_text()}
    r = client.post("/v1/agents", json=body)
    assert r.status_code == 202, r.text
    done = wait_for(client.get, r.headers["Location"], timeout=600)
    assert done["status"] == "done", done
    assert done["result"]["days"] == 2
    cov = pd.read_csv(io.StringIO(client.get(
        f"{r.headers['Location']}/files/agent_coverage.csv").text))
    assert len(cov) == 2 * 96 and cov["required"].sum() > 0
    assert cov["interval_start"].iloc[0].startswith("1999-03-01T00:00")
