"""`staffing agents` end to end on a tiny case: activities placed by the optimiser (or the
greedy), shown like breaks in agent_shifts.csv, counted in agent_summary.json; a bad activity
field stops with one line naming it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from staffing.cli import app

DATA = Path(__file__).parents[2] / "data"
runner = CliRunner()
ROWS = [0, 14, 15]  # A01 full time, A15 part time, A16


def _inputs(tmp_path: Path, activities: str) -> list[str]:
    lines = (DATA / "agents.csv").read_text().splitlines()
    (tmp_path / "agents.csv").write_text("\n".join([lines[0]] + [lines[1 + i] for i in ROWS])
                                         + "\n")
    base = (DATA / "agents_contracts.toml").read_text().split("[[activities]]")[0]
    (tmp_path / "contracts.toml").write_text(base + activities)
    idx = pd.date_range("1999-03-01", periods=96, freq="15min", tz="Asia/Jerusalem")
    need = np.where((idx.hour >= 8) & (idx.hour < 20), 2.0, 0.0)
    pd.DataFrame({"interval_start": [t.isoformat() for t in idx], "calls": need * 10,
                  "aht_s": 180.0, "agents_required": need}).to_csv(tmp_path / "req.csv",
                                                                    index=False)
    return ["agents", "-c", str(DATA / "plan.toml"), "--agents", str(tmp_path / "agents.csv"),
            "--contracts", str(tmp_path / "contracts.toml"), "--requirements",
            str(tmp_path / "req.csv"), "--time-limit", "120"]


@pytest.mark.parametrize("method", ["optimise", "greedy"])
def test_cli_agents_places_activities(tmp_path: Path, method: str) -> None:
    args = _inputs(tmp_path, '[[activities]]\nname = "coaching"\nduration_min = 30\n'
                   'attendees = "all"\nrepeat = "daily"\nwindow = "08:00-20:00"\n')
    res = runner.invoke(app, [*args, "--activities", method, "-o", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    assert f"activities ({method})" in res.output
    shifts = pd.read_csv(tmp_path / "out" / "agent_shifts.csv")
    assert len(shifts)
    assert shifts["activities"].str.endswith("coaching").all()  # everyone working: 30 min
    summary = json.loads((tmp_path / "out" / "agent_summary.json").read_text())
    act = summary["activities"]
    assert act["method"] == method and act["placed"] == act["needed"] == len(shifts)
    assert act["coverage_cost"] <= act["greedy_coverage_cost"] + 1e-9


def test_cli_agents_bad_activity_field(tmp_path: Path) -> None:
    args = _inputs(tmp_path, '[[activities]]\nname = "coaching"\nduration_min = 30\n'
                   'repeat = "fortnightly"\n')
    res = runner.invoke(app, [*args, "-o", str(tmp_path / "out")])
    assert res.exit_code != 0
    assert "activities.coaching.repeat" in res.output
    res = runner.invoke(app, [*_inputs(tmp_path, ""), "--activities", "best", "-o",
                              str(tmp_path / "out")])
    assert res.exit_code != 0 and "--activities" in res.output


def test_cli_agents_requirement_per_skill(tmp_path: Path) -> None:
    args = _inputs(tmp_path, "")
    req = pd.read_csv(tmp_path / "req.csv")
    inet = req.assign(queue="internet", agents_required=(req["agents_required"] > 0) * 1.0)
    voice = req.assign(queue="voice", agents_required=(req["agents_required"] - 1).clip(lower=0))
    pd.concat([voice, inet]).to_csv(tmp_path / "req.csv", index=False)
    res = runner.invoke(app, [*args, "-o", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    assert "skill internet:" in res.output and "skill voice:" in res.output
    cov = pd.read_csv(tmp_path / "out" / "agent_skill_coverage.csv")
    assert set(cov["skill"]) == {"internet", "voice"}
    summary = json.loads((tmp_path / "out" / "agent_summary.json").read_text())
    assert set(summary["under_by_skill"]) == {"internet", "voice"}
    # both columns: refused, naming the second
    pd.concat([voice, inet]).assign(skill="x").to_csv(tmp_path / "req.csv", index=False)
    res = runner.invoke(app, [*args, "-o", str(tmp_path / "out2")])
    assert res.exit_code != 0 and "--requirements.queue" in res.output
