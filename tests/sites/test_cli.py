"""`staffing sites generate` and `staffing plan --sites` end to end, and their bad input."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from staffing.cli import app

runner = CliRunner()
pytestmark = pytest.mark.slow  # starts a cluster of worker processes


@pytest.fixture(autouse=True)
def _restore_logging():
    """The CLI points the root logger at the runner's (then closed) stderr: restore it, so
    the shared cluster's later log lines do not hit a closed stream."""
    import logging
    import warnings

    root = logging.getLogger()
    handlers, level, show = list(root.handlers), root.level, warnings.showwarning
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    warnings.showwarning = show


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("sites")
    res = runner.invoke(app, ["sites", "generate", "3", str(d), "--seed", "5", "--days", "1",
                              "--time-limit", "10"])
    assert res.exit_code == 0, res.output
    assert "wrote 3 site TOMLs" in res.output
    return d


def test_plan_sites_end_to_end(client, site_dir, tmp_path):
    out = tmp_path / "out"
    res = runner.invoke(app, ["plan", "--sites", str(site_dir / "*.toml"), "--out", str(out),
                              "--scheduler", client.scheduler.address, "--no-plots",
                              "--no-simulate"])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out / "sites.csv")
    names = sorted(p.stem for p in site_dir.glob("*.toml"))
    assert list(table["site"]) == names
    assert set(table["status"]) <= {"optimal", "feasible"}
    assert table["simulated_service_level"].isna().all()          # --no-simulate
    for n in names:   # written here from the bytes the workers sent back (no shared disk)
        assert (out / n / "summary.json").is_file() and (out / n / "shifts.csv").is_file()
        assert n in res.output
    assert "wages" in res.output and "pred. SL" in res.output


def test_a_site_without_roster_exits_3_and_is_named(client, site_dir, tmp_path):
    src = sorted(site_dir.glob("*.toml"))[0]
    bad = tmp_path / "in"
    bad.mkdir()
    text = src.read_text().replace('path = "', f'path = "{site_dir}/')
    (bad / "good.toml").write_text(text)
    (bad / "short.toml").write_text(text.replace("days = 1", "days = 1\n")
                                    .replace("folds = 4", "folds = 4")
                                    .replace("start = 2026-03-23", "start = 2025-01-06"))
    res = runner.invoke(app, ["plan", "--sites", str(bad / "*.toml"), "--out",
                              str(tmp_path / "o"), "--scheduler", client.scheduler.address,
                              "--no-plots", "--no-simulate"])
    assert res.exit_code == 3, res.output
    table = pd.read_csv(tmp_path / "o" / "sites.csv").set_index("site")
    assert table.loc["good", "status"] in ("optimal", "feasible")
    assert table.loc["short", "status"] == "bad_input"
    assert "short: bad_input" in res.output


@pytest.mark.parametrize(("args", "needle"), [
    (["--sites", "/nonexistent/*.toml"], "--sites: got '/nonexistent/*.toml'"),
    (["--sites", "{dir}/*.toml", "--scheduler", "localhost"], "--scheduler: got 'localhost'"),
    (["--sites", "{dir}/*.toml", "--workers", "0"], "--workers: got 0"),
    (["--sites", "{dir}/*.toml", "--config", "x.toml"], "--config"),
    (["--sites", "{dir}/*.toml", "--time-limit", "-1"], "--time-limit"),
    (["--scheduler", "tcp://127.0.0.1:8786", "--config", "x.toml"], "--scheduler"),
])
def test_bad_input_exits_2_naming_the_option(site_dir, tmp_path, args, needle):
    args = [a.replace("{dir}", str(site_dir)) for a in args]
    res = runner.invoke(app, ["plan", *args, "--out", str(tmp_path / "o")])
    assert res.exit_code == 2, res.output
    assert needle in res.output and "error" in res.output


def test_bad_site_file_names_the_file_and_key(site_dir, tmp_path):
    src = sorted(site_dir.glob("*.toml"))[0]
    (tmp_path / "broken.toml").write_text(src.read_text().replace(
        "service_level = ", "service_level = 1.5 #", 1).replace('path = "',
                                                                 f'path = "{site_dir}/'))
    res = runner.invoke(app, ["plan", "--sites", str(tmp_path / "*.toml"), "--out",
                              str(tmp_path / "o")])
    assert res.exit_code == 2, res.output
    assert "goals.service_level at broken.toml: got 1.5" in " ".join(res.output.split())


def test_unreachable_scheduler_exits_2(site_dir, tmp_path):
    res = runner.invoke(app, ["plan", "--sites", str(site_dir / "*.toml"), "--out",
                              str(tmp_path / "o"), "--scheduler", "tcp://127.0.0.1:9"])
    assert res.exit_code == 2, res.output
    assert "--scheduler: got 'tcp://127.0.0.1:9'" in res.output
    assert "reachable Dask scheduler" in " ".join(res.output.split())


def test_generate_bad_count_exits_2(tmp_path):
    res = runner.invoke(app, ["sites", "generate", "0", str(tmp_path)])
    assert res.exit_code == 2 and "n: got 0" in res.output
