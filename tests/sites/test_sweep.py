"""What-if scenarios and cost-vs-service points on the cluster: the same figures as a local
run of the same scenarios, failures as rows, and `staffing whatif --scheduler`."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from staffing.cli import app
from staffing.scenario import Scenario, compare, cost_service_curve, run_scenario
from staffing.sites.sweep import cluster_runner, run_scenarios_on

pytestmark = pytest.mark.slow  # starts a cluster of worker processes


@pytest.fixture(scope="module")
def base(tiny_sites):
    site = next(s for s in tiny_sites if s.archetype == "retail_7d")
    return site.plan_config()


def test_scenarios_on_the_cluster_match_a_local_run(client, base):
    items = [Scenario("base", base), Scenario("volume+20%", base, {"volume_scale": 1.2})]
    rows = run_scenarios_on(client, items)
    assert [r.name for r in rows] == ["base", "volume+20%"] and all(r.ok for r in rows)
    local = compare([run_scenario(s.with_overrides(threads=1), cache=False) for s in items])
    remote = pd.DataFrame([r.metrics for r in rows])
    assert list(remote["scenario"]) == list(local["scenario"])
    gap = base.solver.mip_rel_gap
    for a, b in zip(remote["cost"], local["cost"], strict=True):
        assert a == pytest.approx(b, rel=2 * gap)
    assert remote.loc[1, "calls"] == pytest.approx(1.2 * remote.loc[0, "calls"])
    assert json.dumps(rows[0].summary, default=str)  # JSON-ready summary


def test_curve_points_on_the_cluster(client, base):
    curve = cost_service_curve(base, [0.6, 0.9], run=cluster_runner(client))
    assert list(curve["target"]) == [0.6, 0.9]
    assert curve.loc[1, "service_level"] >= curve.loc[0, "service_level"] - 1e-9
    assert curve.loc[1, "cost"] >= curve.loc[0, "cost"] * (1 - 2 * base.solver.mip_rel_gap)
    assert "cost_per_sl_point" in curve


def test_a_scenario_that_fails_is_a_row(client, base):
    hist = base.data.history
    short = base.with_data(hist[hist.index >= hist.index[-1] - pd.Timedelta(days=3)])
    items = [Scenario("ok", base), Scenario("short history", short)]
    rows = run_scenarios_on(client, items)
    assert rows[0].ok
    assert rows[1].status == "bad_input" and "at least 7 days" in rows[1].reason
    assert rows[1].row()["scenario"] == "short history"


def test_whatif_cli_on_a_scheduler(client, tmp_path, tiny_sites):
    from staffing.sites.generate import write_sites

    site = next(s for s in tiny_sites if s.archetype == "retail_7d")
    cfg = write_sites([site], tmp_path / "in")[0]
    out = tmp_path / "w"
    runner = CliRunner()
    res = runner.invoke(app, ["whatif", "-c", str(cfg), "-s", "vol:volume_scale=1.1",
                              "--curve", "0.7,0.9", "--no-simulate", "--scheduler",
                              client.scheduler.address, "--out", str(out)])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out / "compare.csv")
    assert list(table["scenario"]) == ["base", "vol"]
    assert len(pd.read_csv(out / "curve.csv")) == 2
    assert len(json.loads((out / "scenarios.json").read_text())) == 2
    bad = runner.invoke(app, ["whatif", "-c", str(cfg), "--workers", "2", "--plans",
                              "--out", str(out)])
    assert bad.exit_code == 2 and "--plans" in bad.output
