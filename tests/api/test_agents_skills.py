"""POST /v1/agents with a requirement per skill: a requirements CSV with a ``skill`` column
(one row per interval and skill); only agents with the skill count; the per-skill coverage is
a file of the job; a repeated (interval, skill) row is a 422 naming the field."""

from __future__ import annotations

import io

import pandas as pd
from fastapi.testclient import TestClient

from tests.api.helpers import wait_for
from tests.api.test_agents import files, requirements_csv


def skill_csv(days: int = 1) -> str:
    """The bundled load split: a third for 'internet', the rest 'voice' (long form)."""
    one = pd.read_csv(io.StringIO(requirements_csv(days)))
    inet = one.assign(skill="internet", agents_required=(one["agents_required"] / 3).round())
    voice = one.assign(skill="voice",
                       agents_required=one["agents_required"] - inet["agents_required"])
    return pd.concat([voice, inet]).to_csv(index=False)


def test_agents_job_with_skill_requirements(client: TestClient) -> None:
    r = client.post("/v1/agents", files=files(requirements=skill_csv()))
    assert r.status_code == 202, r.text
    done = wait_for(client.get, r.headers["Location"], timeout=600)
    assert done["status"] == "done", done
    res = done["result"]
    assert res["status"] in ("optimal", "feasible")
    assert set(res["under_by_skill"]) == {"internet", "voice"}
    assert "agent_skill_coverage.csv" in done["links"]
    cov = pd.read_csv(io.StringIO(client.get(
        f"{r.headers['Location']}/files/agent_skill_coverage.csv").text))
    assert set(cov["skill"]) == {"internet", "voice"}
    assert (cov["served"] <= cov["required"] + 1e-9).all()
    assert (cov["under"] - (cov["required"] - cov["served"])).abs().max() < 1e-6
    # internet is served only by agents with the skill (of the three, A01)
    shifts = pd.read_csv(io.StringIO(client.get(
        f"{r.headers['Location']}/files/agent_shifts.csv").text))
    inet = cov[cov["skill"] == "internet"]
    t = pd.to_datetime(inet["interval_start"], utc=True)
    skilled = shifts[shifts["skills"].fillna("").str.contains("internet")]
    on_shift = pd.Series(0.0, index=inet.index)
    for a, b in zip(pd.to_datetime(skilled["start"], utc=True),
                    pd.to_datetime(skilled["end"], utc=True), strict=True):
        on_shift += ((t >= a) & (t < b)).astype(float)
    assert (inet["served"] <= on_shift + 1e-9).all()
    assert inet["served"].sum() > 0


def test_repeated_skill_row_is_422(client: TestClient) -> None:
    text = skill_csv()
    lines = text.splitlines()
    r = client.post("/v1/agents", files=files(requirements="\n".join([*lines, lines[1]])))
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "requirements.skill"
