"""`staffing review` and `staffing ingest` demand options on the bundled data."""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from staffing.cli import app
from staffing.requirements import ServiceGoals
from tests.conftest import DATA
from tests.review.conftest import write_plan_dir

runner = CliRunner()


def test_review_with_plan_writes_report(call_log, tmp_path):
    plan = write_plan_dir(call_log, ServiceGoals(shrinkage=0.25), tmp_path / "plan")
    out = tmp_path / "rev"
    acc = tmp_path / "acc.csv"
    res = runner.invoke(app, ["review", "-c", str(DATA / "plan.toml"), "--plan", str(plan),
                              "--out", str(out), "--accuracy-log", str(acc)])
    assert res.exit_code == 0, res.output
    assert "answered within 20 s" in res.output
    assert "WAPE" in res.output and "missed the goal" in res.output
    for name in ("intervals.csv", "days.csv", "misses.csv", "review.xlsx", "review.png",
                 "accuracy.png"):
        assert (out / name).is_file(), name
    days = pd.read_csv(out / "days.csv")
    assert len(days) == 7 and days["service_level"].between(0, 1).all()
    assert pd.read_csv(acc)["week"].tolist() == ["1999-02-22"]


def test_review_without_plan_and_bad_input(tmp_path):
    res = runner.invoke(app, ["review", "-c", str(DATA / "plan.toml"), "--start",
                              "1999-02-22", "--days", "7"])
    assert res.exit_code == 0, res.output
    assert "SL 50.8%" in res.output
    bad = runner.invoke(app, ["review", "-c", str(DATA / "plan.toml"), "--abandons", "some"])
    assert bad.exit_code == 2 and "abandons" in bad.output
    bad = runner.invoke(app, ["review", "-c", str(DATA / "plan.toml"), "--plan",
                              str(tmp_path)])
    assert bad.exit_code == 2 and "plan" in bad.output


def test_ingest_reports_menu_hangups_and_wrap():
    res = runner.invoke(app, ["ingest", str(DATA / "anonymous_bank_feb1999_calls.csv"),
                              "--tz", "Asia/Jerusalem", "--wrap-s", "estimate"])
    assert res.exit_code == 0, res.output
    assert "1941 menu hang-ups (5.9%)" in res.output
    assert "wrap 22.9 s" in res.output
