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


def _scenario_config() -> dict:
    """data/plan.toml without [data]: one day, a quick forecast, no simulation."""
    import tomllib

    from tests.api.helpers import DATA

    with (DATA / "plan.toml").open("rb") as fh:
        cfg = tomllib.load(fh)
    cfg.pop("data")
    cfg["plan"] = {"start": cfg["plan"]["start"].isoformat(), "days": 1}
    cfg["goals"]["patience_s"] = 120.0
    cfg["simulation"] = {"enabled": False}
    cfg["forecast"] = {"model": "historical_average", "backtest": {"folds": 1}}
    cfg["solver"] = {"time_limit_s": 40, "mip_rel_gap": 0.02, "threads": 1}  # a cap
    return cfg


def _prefixes(dask_scheduler) -> list[str]:  # runs on the scheduler
    return sorted(dask_scheduler.task_prefixes)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_scenarios_job_runs_on_the_servers_scheduler(client, tmp_path):
    from tests.api.helpers import DATA

    client.wait_for_workers(2, timeout=120)
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'jobs.db'}", max_solve_s=60,
                        dask_scheduler=client.scheduler.address)
    body = {"config": _scenario_config(),
            "data": {"filename": "feb.csv",
                     "csv": (DATA / "anonymous_bank_15min.csv").read_text()},
            "scenarios": [{"name": "volume +10%", "overrides": {"volume_scale": 1.1}}],
            "curve": [0.8]}
    with TestClient(create_app(settings)) as api:
        r = api.post("/v1/scenarios", json=body)
        assert r.status_code == 202, r.text
        done = wait_for(api.get, r.headers["Location"], timeout=900)
        table = api.get(f"{r.headers['Location']}/files/compare.csv")
    assert done["status"] == "done", done
    rows = done["result"]["scenarios"]
    assert [x["scenario"] for x in rows] == ["base", "volume +10%"]
    assert all(x["status"] in ("optimal", "feasible") for x in rows)
    assert rows[1]["calls"] == pytest.approx(1.1 * rows[0]["calls"])
    assert [p["target"] for p in done["result"]["curve"]] == [0.8]
    assert table.status_code == 200 and table.text.count("\n") == 3
    # the solves were tasks of the cluster (fan_out names them scenario-...), not in-process
    assert any(p.startswith("scenario") for p in client.run_on_scheduler(_prefixes))
