"""POST /v1/plans with [[queues]]: the multi-queue plan as a job (skills roster, per-queue
service), validation naming the queue and key."""

from __future__ import annotations

import csv
import io
import tomllib
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.helpers import DATA, wait_for


def center_config() -> dict[str, Any]:
    with (DATA / "queues_center.toml").open("rb") as fh:
        cfg = tomllib.load(fh)
    cfg["data"].pop("path")
    cfg["plan"]["start"] = cfg["plan"]["start"].isoformat()
    cfg["plan"]["days"] = 1
    cfg["solver"] = {"time_limit_s": 120, "mip_rel_gap": 0.02, "threads": 1}
    cfg["simulation"] = {"replications": 1, "seed": 1}
    return cfg


def _body(cfg: dict[str, Any]) -> dict[str, Any]:
    text = (DATA / "center_history.csv").read_text()
    return {"config": cfg, "data": {"filename": "center.csv", "csv": text}}


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_multi_queue_plan_job(client: TestClient) -> None:
    r = client.post("/v1/plans", json=_body(center_config()))
    assert r.status_code == 202, r.text
    url = r.headers["Location"]
    done = wait_for(client.get, url, timeout=180)
    assert done["status"] == "done", done
    res = done["result"]
    assert res["roster"]["status"] in ("optimal", "feasible")
    assert [q["queue"] for q in res["queues"]] == ["voice", "chat", "email"]
    queues = client.get(f"{url}/files/queues.csv")
    assert queues.status_code == 200
    rows = list(csv.DictReader(io.StringIO(queues.text)))
    assert {r["queue"] for r in rows} == {"voice", "chat", "email"}
    alloc = client.get(f"{url}/files/allocation.csv")
    assert alloc.status_code == 200 and alloc.text.startswith("interval_start,group,queue")
    assert "staffing-queues-" not in str(done) and "/tmp" not in str(done)


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda c: c["queues"][1].update(concurrency=0), "config.queues.chat.concurrency"),
        (lambda c: c["queues"][0].update(path="/etc/passwd"), "config.queues[0].path"),
        (lambda c: c["data"].update(path="/etc/passwd"), "config.data.path"),
        (lambda c: c["groups"][0].update(skills=["fax"]), "config.groups.voice-team.skills"),
    ],
)
def test_multi_queue_validation_names_queue_and_key(client: TestClient, edit: Any,
                                                    field: str) -> None:
    cfg = center_config()
    edit(cfg)
    r = client.post("/v1/plans", json=_body(cfg))
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_multi_queue_plan_multipart(client: TestClient) -> None:
    toml_text = (DATA / "queues_center.toml").read_text().replace("days = 7", "days = 1")
    toml_text = toml_text.replace("replications = 5", "replications = 1")
    with (DATA / "center_history.csv").open("rb") as fh:
        r = client.post("/v1/plans", files={
            "config": ("queues_center.toml", toml_text.encode(), "application/toml"),
            "data": ("center.csv", fh, "text/csv")})
    assert r.status_code == 202, r.text
    done = wait_for(client.get, r.headers["Location"], timeout=240)
    assert done["status"] == "done", done
    email = client.get(f"{r.headers['Location']}/files/email.csv")
    assert email.status_code == 200 and "backlog" in email.text.splitlines()[0]
