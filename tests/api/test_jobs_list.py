"""``GET /v1/jobs`` (paged list of every kind of job) and ``GET /v1/samples`` (the bundled
example plans as ``POST /v1/plans`` bodies)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.jobs.plan import plan_config
from api.schemas import PlanCreate
from tests.api.helpers import DATA, tiny_roster_body, wait_for


def test_list_is_newest_first_paged_and_filtered(client: TestClient) -> None:
    store = client.app.state.store  # type: ignore[attr-defined]
    made = [store.create(kind, {"n": i}, 10.0) for i, kind in
            enumerate(["plan", "roster", "plan", "scenarios", "plan"])]
    done = client.post("/v1/roster-jobs", json=tiny_roster_body())
    assert done.status_code == 202
    wait_for(client.get, done.headers["location"])

    page = client.get("/v1/jobs", params={"limit": 2}).json()
    assert page["total"] == 6 and page["limit"] == 2 and page["offset"] == 0
    assert [j["id"] for j in page["items"]] == [done.json()["id"], made[-1].id]
    assert page["items"][0]["links"]["self"] == f"/v1/roster-jobs/{done.json()['id']}"
    assert "shifts.csv" in page["items"][0]["links"]

    plans = client.get("/v1/jobs", params={"kind": "plan", "limit": 2, "offset": 2}).json()
    assert plans["total"] == 3
    assert [j["id"] for j in plans["items"]] == [made[0].id]
    assert plans["items"][0]["links"]["self"] == f"/v1/plans/{made[0].id}"

    queued = client.get("/v1/jobs", params={"status": "queued", "kind": "plan"}).json()
    assert queued["total"] == 3  # the worker only picks up jobs it was handed
    finished = client.get("/v1/jobs", params={"status": "done"}).json()
    assert [j["kind"] for j in finished["items"]] == ["roster"]


def test_list_rejects_bad_paging(client: TestClient) -> None:
    for params in ({"limit": 0}, {"limit": 101}, {"offset": -1}, {"kind": "nope"}):
        r = client.get("/v1/jobs", params=params)
        assert r.status_code == 422, params
        assert r.json()["field"]


def test_bundled_sample_is_a_valid_plan_body(client: TestClient) -> None:
    listed = client.get("/v1/samples").json()
    assert listed == [{"name": "anonymous_bank", "description": listed[0]["description"],
                       "available": True, "agents": True}]
    body = client.get("/v1/samples/anonymous_bank").json()
    assert "path" not in body["config"]["data"]
    assert body["config"]["site"]["tz"] == "Asia/Jerusalem"
    assert body["data"]["filename"] == "anonymous_bank_feb1999_calls.csv"
    assert body["data"]["csv"] == (DATA / "anonymous_bank_feb1999_calls.csv").read_text(
        encoding="utf-8-sig")
    plan = PlanCreate.model_validate({"config": body["config"], "data": body["data"]})
    cfg = plan_config(plan)  # the data parsed in memory
    assert cfg.data is not None and cfg.data.call_log is not None
    assert cfg.start.isoformat() == "1999-03-01" and cfg.days == 7
    assert client.get("/v1/samples/nope").status_code == 422


def test_bundled_sample_files_are_the_agents_parts(client: TestClient) -> None:
    """The example's plan TOML, agents CSV and contracts TOML byte for byte; nothing else."""
    for name in ("plan.toml", "agents.csv", "agents_contracts.toml"):
        r = client.get(f"/v1/samples/anonymous_bank/files/{name}")
        assert r.status_code == 200 and r.content == (DATA / name).read_bytes(), name
    assert client.get("/v1/samples/anonymous_bank/files/plan.toml").headers[
        "content-type"].startswith("application/toml")
    for bad in ("../pyproject.toml", "README.md", "anonymous_bank_15min.csv", "..%2Fplan.toml"):
        assert client.get(f"/v1/samples/anonymous_bank/files/{bad}").status_code in (404, 422)
