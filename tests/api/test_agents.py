"""POST /v1/agents: schedules for named agents as a job (multipart files and JSON), its files,
the size cap and bad input named by part, agent and field (never a 500)."""

from __future__ import annotations

import csv
import io
import tomllib
import zipfile
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from tests.api.helpers import DATA, TZ, history, wait_for

AGENT_ROWS = [0, 14, 15]  # A01 full time, A15 part time, A16: a small, fast model


def agents_csv(rows: list[int] = AGENT_ROWS) -> str:
    """Some rows of the bundled data/agents.csv."""
    lines = (DATA / "agents.csv").read_text().splitlines()
    return "\n".join([lines[0], *(lines[i + 1] for i in rows)]) + "\n"


def requirements_csv(days: int = 7) -> str:
    """A week of the bundled offered load (agents per 15 minutes, /4 for three people)."""
    h = history()
    wk = h.loc["1999-02-22":"1999-02-28"]
    load = np.ceil(wk["calls"].to_numpy() * wk["aht_s"].fillna(0).to_numpy() / 900) / 4
    idx = pd.date_range("1999-03-01", periods=days * 96, freq="15min", tz=TZ)
    frame = pd.DataFrame({"interval_start": [t.isoformat() for t in idx],
                          "agents_required": np.ceil(load[: len(idx)])})
    return frame.to_csv(index=False)


def files(**override: Any) -> dict[str, Any]:
    """Multipart parts: the bundled plan, contracts and three agents, a week's requirement."""
    parts: dict[str, Any] = {
        "config": ("plan.toml", (DATA / "plan.toml").read_bytes()),
        "contracts": ("agents_contracts.toml", (DATA / "agents_contracts.toml").read_bytes()),
        "agents": ("agents.csv", agents_csv().encode()),
        "requirements": ("requirements.csv", requirements_csv().encode()),
    }
    for k, v in override.items():
        if v is None:
            parts.pop(k, None)
        else:
            parts[k] = (f"{k}.txt", v.encode() if isinstance(v, str) else v)
    return parts


def json_body() -> dict[str, Any]:
    """The same request as JSON (TOML files as tables, CSV files as text)."""
    from staffing.io.export import jsonable

    def toml(name: str) -> dict[str, Any]:
        with (DATA / name).open("rb") as fh:
            return jsonable(tomllib.load(fh))  # type: ignore[no-any-return]

    cfg = toml("plan.toml")
    cfg["data"].pop("path")
    return {"config": cfg, "contracts": toml("agents_contracts.toml"),
            "agents": {"filename": "agents.csv", "csv": agents_csv()},
            "requirements": {"filename": "req.csv", "csv": requirements_csv()}}


def _rest_hours(shifts: pd.DataFrame) -> float:
    """Smallest rest between any two shifts of one person (hours), recomputed here."""
    best = np.inf
    for _, g in shifts.groupby("agent"):
        g = g.sort_values("start")
        starts = pd.to_datetime(g["start"], utc=True).to_numpy()
        ends = pd.to_datetime(g["end"], utc=True).to_numpy()
        for i in range(1, len(g)):
            best = min(best, (starts[i] - ends[:i].max()) / np.timedelta64(1, "h"))
    return float(best)


def test_agents_job_end_to_end(client: TestClient) -> None:
    r = client.post("/v1/agents", files=files())
    assert r.status_code == 202, r.text
    url = r.headers["Location"]
    assert url.startswith("/v1/agents/")
    done = wait_for(client.get, url, timeout=600)
    assert done["status"] == "done", done
    res = done["result"]
    assert res["status"] in ("optimal", "feasible") and res["agents"] == 3
    # The plan's 30 s limit can stop a loaded machine short of the 1 % gap: what holds at any
    # speed is a reported gap (at the plan's mip_rel_gap when proven optimal) and the rules below.
    assert res["gap"] is not None and 0 <= res["gap"] < 1
    if res["status"] == "optimal":
        assert res["gap"] <= 0.01 + 1e-9  # the plan's mip_rel_gap
    for name in ("agent_shifts.csv", "agent_schedule.xlsx", "agent_calendars.zip",
                 "agent_summary.csv", "agent_summary.json", "penalties.txt",
                 "agent_coverage.csv"):
        assert name in done["links"], done["links"]
    text = client.get(f"{url}/files/agent_shifts.csv").text
    shifts = pd.read_csv(io.StringIO(text), dtype={"agent": str})
    assert set(shifts["agent"]) <= {"A01", "A15", "A16"} and len(shifts) == res["shifts"]
    # hard rules re-checked from the file: 11 h rest, hours per week within the contract
    assert _rest_hours(shifts) >= 11
    hours = shifts.groupby("agent")["paid_hours"].sum()
    assert 30 <= hours["A01"] <= 40 and 12 <= hours.get("A15", 0) <= 24
    assert (shifts[shifts["agent"] == "A01"]["skills"] == "voice;internet").all()
    # the bundled team meeting (of its attendees only A01 is here) placed by the optimiser,
    # never worse than the greedy, shown like a break in A01's shift row
    act = res["activities"]
    assert act["method"] == "optimise" and act["placed"] == act["needed"] == 1
    assert act["coverage_cost"] <= act["greedy_coverage_cost"] + 1e-9
    assert shifts["activities"].fillna("").str.contains("team meeting").sum() == 1
    summary = list(csv.DictReader(io.StringIO(
        client.get(f"{url}/files/agent_summary.csv").text)))
    assert [s["agent"] for s in summary] == ["A01", "A15", "A16"]
    z = client.get(f"{url}/files/agent_calendars.zip")
    assert z.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(z.content)).namelist()
    assert sorted(names) == ["A01.ics", "A15.ics", "A16.ics"]
    ics = zipfile.ZipFile(io.BytesIO(z.content)).read("A01.ics").decode()
    assert ics.count("BEGIN:VEVENT") >= int((shifts["agent"] == "A01").sum())
    xlsx = client.get(f"{url}/files/agent_schedule.xlsx")
    book = pd.read_excel(io.BytesIO(xlsx.content), sheet_name=None)
    assert {"schedule", "shifts", "summary", "penalties", "coverage"} <= set(book)
    assert len(book["schedule"]) == 3
    pen = client.get(f"{url}/files/penalties.txt")
    assert pen.headers["content-type"].startswith("text/plain")
    assert pen.text.splitlines() == res["penalties"]
    cov = pd.read_csv(io.StringIO(client.get(f"{url}/files/agent_coverage.csv").text))
    assert len(cov) == 7 * 96
    assert client.get(f"{url}/files/nope.csv").status_code == 422
    assert client.get(f"/v1/plans/{done['id']}").status_code == 404  # other kind
    listed = client.get("/v1/agents").json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == done["id"]
    assert client.get("/v1/jobs?kind=agents").json()["total"] == 1

    # re-plan after A01's sick day against the published schedule: changes are listed
    sick = agents_csv().replace("A01,IDIT,full_time,voice;internet,9,,,",
                                "A01,IDIT,full_time,voice;internet,9,,1999-03-01,")
    assert sick != agents_csv()
    r2 = client.post("/v1/agents", files=files(agents=sick, published=text))
    assert r2.status_code == 202, r2.text
    again = wait_for(client.get, r2.headers["Location"], timeout=600)
    assert again["status"] == "done", again
    ch = client.get(f"{r2.headers['Location']}/files/agent_changes.csv").text
    changes = pd.read_csv(io.StringIO(ch), dtype={"agent": str})
    worked_monday = ((shifts["agent"] == "A01") & (shifts["date"] == "1999-03-01")).any()
    assert ((changes["agent"] == "A01") & (changes["date"] == "1999-03-01")).any() \
        == bool(worked_monday)
    assert again["result"]["changes"] == len(changes)


def test_agents_job_json_body(client: TestClient) -> None:
    r = client.post("/v1/agents", json={**json_body(), "cyclic": True})
    assert r.status_code == 202, r.text
    done = wait_for(client.get, r.headers["Location"], timeout=600)
    assert done["status"] == "done", done
    assert done["result"]["status"] in ("optimal", "feasible")




@pytest.mark.parametrize(("override", "field", "where"), [
    ({"agents": agents_csv().replace(",fri,3", ",fryday,3")}, "agents.A01.days_off_wish",
     "line 2 of agents.txt"),
    ({"agents": agents_csv().replace("A01,IDIT,full_time", "A01,IDIT,nobody")},
     "agents.A01.contract", "line 2"),
    ({"agents": agents_csv().replace("A01,", "../x,", 1)}, "agents.id", "line 2"),
    ({"agents": "id,name\n"}, "agents", None),
    ({"contracts": "[contracts.full_time]\nmin_week_hours = 'x'\n"},
     "contracts.full_time.min_week_hours", None),
    ({"contracts": (DATA / "agents_contracts.toml").read_text()
      .replace("duration_min = 30", "duration_min = 20")},
     "contracts.activities.team meeting.duration_min", None),
    ({"requirements": requirements_csv().replace(",1.0\n", ",-1\n", 1)},
     "requirements.agents_required", "line"),
    ({"requirements": requirements_csv().replace("+02:00,", "+02:00X,", 1)},
     "requirements.interval_start", "line 2"),
    ({"requirements": "\n".join(requirements_csv().splitlines()[:50])},
     "requirements.interval_start", None),
    ({"requirements": None}, "requirements", None),
    ({"data": "interval_start,calls\n"}, "requirements", None),
    ({"previous": "agent,date,start,end\nA01,1999-02-28,nope,1999-02-28T16:00:00+02:00\n"},
     "previous.start", "line 2"),
    ({"published": "agent,start,end\n"}, "published.date", None),
    ({"config": (DATA / "plan.toml").read_text().replace('tz = "Asia/Jerusalem"',
                                                          'tz = "/etc/passwd"')},
     "config.site.tz", None),
])
def test_bad_input_names_part_agent_and_field(client: TestClient, override: dict[str, Any],
                                              field: str, where: str | None) -> None:
    r = client.post("/v1/agents", files=files(**override))
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["field"] == field, body
    if where is not None:
        assert where in body["detail"], body


def test_malformed_parts_are_422(client: TestClient) -> None:
    r = client.post("/v1/agents", files=files(config="not = [toml"))
    assert r.status_code == 422 and r.json()["field"] == "config"
    r = client.post("/v1/agents", files=files(agents=None))
    assert r.status_code == 422 and r.json()["field"] == "agents"
    r = client.post("/v1/agents", files={**files(), "extra": ("x.csv", b"a")})
    assert r.status_code == 422
    r = client.post("/v1/agents", files=files(agents=b"\xff\xfe\x00"))
    assert r.status_code == 422
    r = client.post("/v1/agents", files=files(), data={"cyclic": "maybe"})
    assert r.status_code == 422
    r = client.post("/v1/agents", files=files(previous=requirements_csv()),
                    data={"cyclic": "true"})
    assert r.status_code == 422 and r.json()["field"] == "cyclic"
    r = client.post("/v1/agents", json={"config": {}})
    assert r.status_code == 422


def test_size_cap_refuses_before_building(db_url: str) -> None:
    settings = Settings(database_url=db_url, max_solve_s=60, max_concurrent_solves=1,
                        max_model_variables=1000)
    with TestClient(create_app(settings)) as c:
        r = c.post("/v1/agents", files=files())
        assert r.status_code == 422, r.text
        assert r.json()["field"] == "agents"
        assert "1,000 variables" in r.json()["detail"]
        assert c.get("/v1/agents").json()["total"] == 0


def test_openapi_documents_the_route(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    post = spec["paths"]["/v1/agents"]["post"]
    content = post["requestBody"]["content"]
    assert set(content["multipart/form-data"]["schema"]["properties"]) >= {
        "config", "contracts", "agents", "requirements", "data", "previous", "published"}
    assert "AgentsCreate" in spec["components"]["schemas"]
    files_route = spec["paths"]["/v1/agents/{job_id}/files/{name}"]["get"]
    assert "application/zip" in files_route["responses"]["200"]["content"]
