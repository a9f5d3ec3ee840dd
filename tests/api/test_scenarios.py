"""POST /v1/scenarios: what-if scenarios compared as a job."""

from __future__ import annotations

import csv
import io
import tomllib
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.helpers import DATA, wait_for


def _config() -> dict[str, Any]:
    """data/plan.toml without [data]; two days, a quick forecast, fixed patience."""
    with (DATA / "plan.toml").open("rb") as fh:
        cfg = tomllib.load(fh)
    cfg.pop("data")
    cfg["plan"] = {"start": cfg["plan"]["start"].isoformat(), "days": 2}
    cfg["goals"]["patience_s"] = 120.0
    cfg["simulation"] = {"enabled": False}
    cfg["forecast"] = {"model": "historical_average", "backtest": {"folds": 1}}
    cfg["solver"] = {"time_limit_s": 40, "mip_rel_gap": 0.02, "threads": 1}  # a cap
    return cfg


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_scenarios_job(client: TestClient) -> None:
    text = (DATA / "anonymous_bank_15min.csv").read_text()
    body = {"config": _config(), "data": {"filename": "feb.csv", "csv": text},
            "scenarios": [{"name": "volume +10%", "overrides": {"volume_scale": 1.1}},
                          {"name": "90/15", "overrides": {"service_level": 0.9,
                                                          "answer_s": 15}}],
            "curve": [0.7, 0.9]}
    r = client.post("/v1/scenarios", json=body)
    assert r.status_code == 202, r.text
    url = r.headers["Location"]
    assert url.startswith("/v1/scenarios/")
    done = wait_for(client.get, url, timeout=900)  # five solves capped at 40 s each: a cap
    assert done["status"] == "done", done
    rows = done["result"]["scenarios"]
    assert [x["scenario"] for x in rows] == ["base", "volume +10%", "90/15"]
    assert rows[1]["calls"] == pytest.approx(1.1 * rows[0]["calls"])
    assert rows[2]["required_agent_hours"] > rows[0]["required_agent_hours"]
    assert all(x["status"] in ("optimal", "feasible") for x in rows)
    curve = done["result"]["curve"]
    assert [p["target"] for p in curve] == [0.7, 0.9]
    table = list(csv.DictReader(io.StringIO(client.get(f"{url}/files/compare.csv").text)))
    assert len(table) == 3 and "headcount_early" in table[0]
    assert client.get(f"{url}/files/curve.csv").status_code == 200
    assert client.get(f"/v1/plans/{done['id']}").status_code == 404  # other kind


def test_scenarios_validation_names_the_field(client: TestClient) -> None:
    rows = [{"interval_start": "1999-02-01T00:00:00+02:00", "calls": 1}]
    body = {"config": _config(), "history": rows,
            "scenarios": [{"name": "ok", "overrides": {"volume_scale": 1.1}},
                          {"name": "bad", "overrides": {"volume_scale": -2}}]}
    r = client.post("/v1/scenarios", json=body)
    assert r.status_code == 422 and r.json()["field"] == "scenarios[1].overrides.volume_scale"
    body["scenarios"] = [{"name": "x", "overrides": {"warp": 1}}]
    r = client.post("/v1/scenarios", json=body)
    assert r.status_code == 422 and r.json()["field"] == "scenarios[0].overrides.warp"
    body["scenarios"] = [{"name": "x"}, {"name": "x"}]
    assert client.post("/v1/scenarios", json=body).status_code == 422
    body["scenarios"] = [{"name": "x"}]
    body["curve"] = [1.5]
    r = client.post("/v1/scenarios", json=body)
    assert r.status_code == 422 and r.json()["field"] == "curve[0]"
    assert "/v1/scenarios" in client.get("/openapi.json").json()["paths"]


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_scenarios_cancel(client: TestClient) -> None:
    text = (DATA / "anonymous_bank_15min.csv").read_text()
    body = {"config": _config(), "data": {"filename": "feb.csv", "csv": text},
            "scenarios": [{"name": f"v{i}", "overrides": {"volume_scale": 1 + i / 10}}
                          for i in range(1, 5)]}
    r = client.post("/v1/scenarios", json=body)
    assert r.status_code == 202, r.text
    url = r.headers["Location"]
    d = client.delete(url)
    assert d.status_code == 200 and d.json()["cancel_requested"] in (True, False)
    done = wait_for(client.get, url, timeout=60)
    assert done["status"] in ("cancelled", "done")
    assert client.delete("/v1/scenarios/nope").status_code == 404


def test_shipped_request_body_is_accepted(client: TestClient) -> None:
    """data/scenarios_request.json (the README's curl; scripts/make_scenarios_request.py
    remakes it) is a valid request: queued, then cancelled to save the solves."""
    import json

    shipped = json.loads((DATA / "scenarios_request.json").read_text(encoding="utf-8"))
    assert {s["name"] for s in shipped["scenarios"]} >= {"volume +10%", "90/15"}
    r = client.post("/v1/scenarios", json=shipped)
    assert r.status_code == 202, r.text[:500]
    client.delete(r.headers["Location"])
    assert wait_for(client.get, r.headers["Location"])["status"] in ("cancelled", "done")


def _queued_then_cancelled(client: TestClient, r: Any) -> dict[str, Any]:
    """The stored request of an accepted job (cancelled at once to save the solves)."""
    assert r.status_code == 202, r.text[:500]
    url = r.headers["Location"]
    client.delete(url)
    assert wait_for(client.get, url)["status"] in ("cancelled", "done")
    return dict(client.app.state.store.request_of(url.rsplit("/", 1)[1]))


SCENARIOS = '[{"name": "volume +10%", "overrides": {"volume_scale": 1.1}}]'


def test_scenarios_multipart_files_and_plan_job(client: TestClient) -> None:
    """The base plan as uploaded files (TOML + CSV, converted server-side) or as an earlier
    plan job's id gives the same stored request as the JSON body."""
    # an interval history has no per-call waits: patience fixed instead of "fit"
    toml_text = (DATA / "plan.toml").read_text().replace('patience_s = "fit"', "patience_s = 345")
    assert "patience_s = 345" in toml_text
    csv_text = (DATA / "anonymous_bank_15min.csv").read_text()
    files = {"config": ("plan.toml", toml_text.encode()),
             "data": ("feb.csv", csv_text.encode())}
    r = client.post("/v1/scenarios", files=files,
                    data={"scenarios": SCENARIOS, "curve": "[0.7, 0.9]"})
    stored = _queued_then_cancelled(client, r)
    from staffing.io.export import jsonable

    want = tomllib.loads(toml_text)
    want["data"].pop("path")
    assert stored["config"] == jsonable(want)
    assert stored["data"] == {"filename": "feb.csv", "csv": csv_text}
    assert stored["scenarios"] == [{"name": "volume +10%", "overrides": {"volume_scale": 1.1}}]
    assert stored["curve"] == [0.7, 0.9] and stored["include_base"] is True
    # an earlier plan job (any state: its request was validated when it was accepted)
    plan = client.app.state.store.create("plan", {"config": _config(), "data": {
        "filename": "feb.csv", "csv": csv_text}}, 40)
    r = client.post("/v1/scenarios", data={"plan": plan.id, "scenarios": SCENARIOS,
                                           "include_base": "false"},
                    files={"unused": ("x.txt", b"")})
    stored = _queued_then_cancelled(client, r)
    assert stored["config"] == _config() and stored["data"]["csv"] == csv_text
    assert stored["include_base"] is False


def test_scenarios_multipart_errors_name_the_field(client: TestClient) -> None:
    toml_text = (DATA / "plan.toml").read_text().replace('patience_s = "fit"', "patience_s = 345")
    csv_bytes = (DATA / "anonymous_bank_15min.csv").read_bytes()
    files = {"config": ("plan.toml", toml_text.encode()), "data": ("feb.csv", csv_bytes)}
    cases = [
        ({"scenarios": "[{oops"}, files, "scenarios"),
        ({}, files, "scenarios"),
        ({"scenarios": '[{"name": "v", "overrides": {"volume_scale": -2}}]'}, files,
         "scenarios[0].overrides.volume_scale"),
        ({"scenarios": SCENARIOS}, {**files, "config": (
            "plan.toml", toml_text.replace("service_level = 0.8 ", "service_level = 1.5 ")
            .encode())}, "config.goals.service_level"),
        ({"scenarios": SCENARIOS, "plan": "no-such-job"}, {"x": ("x", b"")}, "plan"),
        ({"scenarios": SCENARIOS, "plan": "no-such-job"}, files, "plan"),
        ({"scenarios": SCENARIOS}, {"data": ("feb.csv", csv_bytes)}, "config"),
    ]
    for data, parts, field in cases:
        r = client.post("/v1/scenarios", data=data, files=parts)
        assert r.status_code == 422 and r.json()["field"] == field, (field, r.text[:300])
