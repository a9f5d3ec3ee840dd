"""POST /v1/plans: the whole weekly pipeline as a job (JSON and multipart TOML + CSV)."""

from __future__ import annotations

import csv
import io
import tomllib
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.helpers import DATA, wait_for


def plan_config(**solver: Any) -> dict[str, Any]:
    """data/plan.toml without [data], Erlang A with a fixed patience (history has no log),
    no simulation, a short solver limit."""
    with (DATA / "plan.toml").open("rb") as fh:
        cfg = tomllib.load(fh)
    cfg.pop("data")
    cfg["plan"]["start"] = cfg["plan"]["start"].isoformat()
    cfg["goals"]["patience_s"] = 120.0
    cfg["simulation"] = {"enabled": False}
    cfg["forecast"] = {"model": "historical_average", "backtest": {"folds": 1}}
    cfg["solver"] = {"time_limit_s": 60, "mip_rel_gap": 0.02, "threads": 1, **solver}  # a cap
    return cfg


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_plan_from_csv_text(client: TestClient) -> None:
    text = (DATA / "anonymous_bank_15min.csv").read_text()
    cfg = plan_config(time_limit_s=120)
    cfg["plan"]["days"] = 2  # a small model: a roster exists at once on a slow machine too
    r = client.post("/v1/plans", json={"config": cfg,
                                       "data": {"filename": "feb.csv", "csv": text}})
    assert r.status_code == 202, r.text
    url = r.headers["Location"]
    assert url.startswith("/v1/plans/")
    done = wait_for(client.get, url, timeout=90)
    assert done["status"] == "done", done
    res = done["result"]
    assert res["status"] in ("optimal", "feasible")
    assert res["forecast"]["model"]
    assert 0 < res["service_level"] <= 1
    assert set(res["timings"]) >= {"data", "forecast", "requirements", "roster"}
    assert res["plan"]["data"] == "feb.csv"  # not the server's temporary path
    assert done["progress"]["stage"] in ("roster", "evaluate")
    cov = client.get(f"{url}/files/coverage.csv")
    assert cov.status_code == 200
    rows = list(csv.DictReader(io.StringIO(cov.text)))
    assert len(rows) == 2 * 96 and rows[0]["interval_start"].startswith("1999-03-01T00:00")
    assert any(r["service_level"] for r in rows)  # evaluated against the forecast
    req = client.get(f"{url}/files/requirements.csv").text.splitlines()[0]
    assert req.startswith("interval_start,calls,aht_s,erlangs,agents_net,agents_required")
    summary = client.get(f"{url}/files/summary.json")
    assert summary.json()["status"] == res["status"]
    assert summary.json()["plan"]["data"] == "feb.csv"
    assert "staffing-plan-" not in summary.text and "/tmp" not in summary.text
    assert "staffing-plan-" not in str(done)
    for name in ("plan.xlsx", "forecast.png", "coverage.png"):
        assert name in done["links"], done["links"]
    png = client.get(f"{url}/files/coverage.png")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n"
    xlsx = client.get(f"{url}/files/plan.xlsx")
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert client.get(f"{url}/files/nope.csv").status_code == 422
    assert client.get(f"/v1/roster-jobs/{done['id']}").status_code == 404  # other kind


def test_plan_validation_names_the_field(client: TestClient) -> None:
    rows = [{"interval_start": "1999-02-01T00:00:00+02:00", "calls": 1}]
    cfg = plan_config()
    cfg["goals"]["service_level"] = 2
    r = client.post("/v1/plans", json={"config": cfg, "history": rows})
    assert r.status_code == 422 and r.json()["field"] == "config.goals.service_level"

    cfg = plan_config()
    cfg["data"] = {"path": "/etc/passwd"}
    r = client.post("/v1/plans", json={"config": cfg, "history": rows})
    assert r.status_code == 422 and r.json()["field"] == "config.data.path"

    r = client.post("/v1/plans", json={"config": plan_config()})
    assert r.status_code == 422 and r.json()["field"] == "history"

    cfg = plan_config()
    del cfg["site"]
    r = client.post("/v1/plans", json={"config": cfg, "history": rows})
    assert r.status_code == 422 and r.json()["field"] == "config.site.tz"


def test_plan_multipart_and_cancel_while_queued(client: TestClient) -> None:
    from tests.api.helpers import hard_roster_body

    busy = client.post("/v1/roster-jobs", json=hard_roster_body()).headers["Location"]
    toml_text = (DATA / "plan.toml").read_text().replace('patience_s = "fit"',
                                                         "patience_s = 120")
    with (DATA / "anonymous_bank_15min.csv").open("rb") as fh:
        r = client.post("/v1/plans", files={
            "config": ("plan.toml", toml_text.encode(), "application/toml"),
            "data": ("feb.csv", fh, "text/csv")})
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["status"] == "queued" and job["time_limit_s"] == 30
    r = client.delete(r.headers["Location"])
    assert r.status_code == 200 and r.json()["status"] == "cancelled"

    r = client.post("/v1/plans", files={"config": ("plan.toml", b"[site\n", "text/plain"),
                                        "data": ("feb.csv", b"x", "text/csv")})
    assert r.status_code == 422 and r.json()["field"] == "config"
    client.delete(busy)
    wait_for(client.get, busy)


@pytest.mark.parametrize("bad", ["1999-02-01T00:30:00+02:00,x,0,1,,",
                                 "1999-02-01T00:30:00+02:00,-3,0,1,,",
                                 "not a time,1,0,1,,"])
def test_bad_csv_row_is_422_naming_the_line(client: TestClient, bad: str) -> None:
    lines = (DATA / "anonymous_bank_15min.csv").read_text().splitlines()
    lines[3] = bad  # line 4 of the file
    r = client.post("/v1/plans", json={"config": plan_config(),
                                       "data": {"filename": "feb.csv",
                                                "csv": "\n".join(lines) + "\n"}})
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["field"].startswith("data.csv"), body
    assert "line 4" in body["detail"] and "feb.csv" in body["detail"], body
    assert "/tmp" not in r.text
    assert client.get("/healthz").json()["queued"] == 0


def test_bad_history_row_is_422_naming_the_row(client: TestClient) -> None:
    rows = [{"interval_start": "1999-02-01T00:00:00+02:00", "calls": 1},
            {"interval_start": "1999-02-01T00:15:00+02:00", "calls": 2},
            {"interval_start": "yesterday", "calls": 2}]
    r = client.post("/v1/plans", json={"config": plan_config(), "history": rows})
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "history[2].interval_start"


def test_plan_size_is_refused_before_building(client: TestClient) -> None:
    cfg = plan_config()
    for t in cfg["templates"]:  # every quarter-hour start, lengths 4-10 h by the quarter
        t.update(start_earliest="00:00", start_latest="23:45", start_step_min=15,
                 paid_hours=[4, 10], length_step_min=15)
        t.pop("breaks", None)
    text = (DATA / "anonymous_bank_15min.csv").read_text()
    r = client.post("/v1/plans", json={"config": cfg,
                                       "data": {"filename": "feb.csv", "csv": text}})
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "config.templates"
    assert "variables" in r.json()["detail"]
