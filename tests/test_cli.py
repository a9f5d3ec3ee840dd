"""The `staffing` command: help texts, bad input (exit code and one-line reason), a fast plan."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from staffing.cli import app

from .conftest import DATA

runner = CliRunner()
COMMANDS = ("forecast", "requirements", "roster", "plan", "evaluate", "serve", "demo", "ingest",
            "erlang", "whatif")


def _toml(d: dict, prefix: str = "") -> str:
    """Tiny TOML writer for the test configs (tables, arrays of tables, scalars, lists)."""
    lines: list[str] = []
    scalars = {k: v for k, v in d.items() if not isinstance(v, dict | list) or (
        isinstance(v, list) and not (v and isinstance(v[0], dict)))}
    for k, v in scalars.items():
        lines.append(f"{json.dumps(k)} = {_val(v)}")
    for k, v in d.items():
        name = f"{prefix}.{k}" if prefix else k
        if isinstance(v, dict):
            lines.append(f"\n[{name}]")
            lines.append(_toml(v, name))
        elif isinstance(v, list) and v and isinstance(v[0], dict):
            for item in v:
                lines.append(f"\n[[{name}]]")
                lines.append(_toml(item, name))
    return "\n".join(lines)


def _val(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(_val(x) for x in v) + "]"
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return repr(v)


@pytest.fixture(scope="module")
def base() -> dict:
    with (DATA / "plan.toml").open("rb") as fh:
        d = tomllib.load(fh)
    d["data"]["path"] = str(DATA / "anonymous_bank_feb1999_calls.csv")
    d["forecast"] = {"models": ["historical_average"], "backtest": {"folds": 1}}
    # generous limit: HiGHS stops at the gap, usually within seconds, but CI machines are slow
    d["solver"] = {"time_limit_s": 600.0, "mip_rel_gap": 0.05, "threads": 1}
    d["simulation"] = {"replications": 3, "seed": 1}
    return d


def _write(tmp_path: Path, d: dict, name: str = "plan.toml") -> Path:
    p = tmp_path / name
    p.write_text(_toml(d))
    return p


@pytest.mark.parametrize("command", COMMANDS)
def test_help_has_examples(command):
    res = runner.invoke(app, [command, "--help"])
    assert res.exit_code == 0
    assert "Example" in res.output


def test_toml_writer_round_trips(base, tmp_path):
    p = _write(tmp_path, base)
    with p.open("rb") as fh:
        assert tomllib.load(fh) == base


def _one_line_error(res) -> str:
    text = res.stderr.strip() if res.stderr else res.output.strip()
    lines = [ln for ln in text.splitlines() if ln.startswith("error")]
    assert len(lines) == 1, text
    return lines[0]


def test_missing_config_file(tmp_path):
    res = runner.invoke(app, ["plan", "--config", str(tmp_path / "nope.toml"), "--out",
                              str(tmp_path / "out")])
    assert res.exit_code == 2
    assert "config" in _one_line_error(res)


@pytest.mark.parametrize(
    ("section", "key", "value", "field"),
    [
        ("goals", "service_level", 1.5, "goals.service_level"),
        ("goals", "servise_level", 0.8, "goals.servise_level"),
        ("site", "tz", "Mars/Olympus", "site.tz"),
        ("solver", "time_limit_s", -1, "solver.time_limit_s"),
        ("data", "path", "missing.csv", "data.path"),
        ("plan", "start", "soon", "plan.start"),
    ],
)
def test_bad_config_key_exits_with_field(tmp_path, base, section, key, value, field):
    d = json.loads(json.dumps(base, default=str))
    d[section][key] = value
    cfg = _write(tmp_path, d)
    for cmd in (["plan", "--out", str(tmp_path / "o")], ["forecast"]):
        res = runner.invoke(app, [cmd[0], "--config", str(cfg), *cmd[1:]])
        assert res.exit_code == 2, res.output
        line = _one_line_error(res)
        assert field in line, line


def test_unknown_section(tmp_path, base):
    d = json.loads(json.dumps(base, default=str))
    d["extras"] = {"a": 1}
    res = runner.invoke(app, ["plan", "-c", str(_write(tmp_path, d)), "-o", str(tmp_path)])
    assert res.exit_code == 2
    assert "extras" in _one_line_error(res)


def test_broken_toml(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text("[goals\nservice_level = ")
    res = runner.invoke(app, ["requirements", "-c", str(p)])
    assert res.exit_code == 2
    assert "valid TOML" in _one_line_error(res)


def test_bad_override(tmp_path, base):
    cfg = _write(tmp_path, json.loads(json.dumps(base, default=str)))
    res = runner.invoke(app, ["plan", "-c", str(cfg), "-o", str(tmp_path), "--start", "x"])
    assert res.exit_code == 2
    assert "--start" in _one_line_error(res)


def test_evaluate_missing_coverage_file(tmp_path, base):
    cfg = _write(tmp_path, json.loads(json.dumps(base, default=str)))
    res = runner.invoke(app, ["evaluate", "-c", str(cfg), "--coverage", str(tmp_path / "c.csv"),
                              "--requirements", str(tmp_path / "r.csv"), "--no-simulate"])
    assert res.exit_code == 2
    line = _one_line_error(res)
    assert "--requirements" in line and "r.csv" in line


# ------------------------------------------------------------- bad files (issue 11 #12)

def _bad_file(tmp_path: Path, kind: str) -> Path:
    p = tmp_path / f"{kind}.csv"
    if kind == "empty":
        p.write_bytes(b"")
    elif kind == "binary":
        p.write_bytes(bytes(range(256)) * 20)
    elif kind == "directory":
        p.mkdir()
    elif kind == "header_only":
        p.write_text("interval_start,calls,aht_s\n")
    elif kind == "latin1":
        p.write_bytes("interval_start,calls\n1999-03-01T00:00:00+02:00,\xe9t\xe9\n"
                      .encode("latin-1") * 2000)
    return p


BAD_FILES = ("empty", "binary", "directory", "header_only", "missing", "latin1")


@pytest.mark.parametrize("kind", BAD_FILES)
def test_ingest_bad_file_is_one_line_exit_2(tmp_path, kind):
    p = _bad_file(tmp_path, kind)
    res = runner.invoke(app, ["ingest", str(p), "--tz", "UTC"])
    assert res.exit_code == 2, res.output
    line = _one_line_error(res)
    assert p.name in line and "Traceback" not in res.output, line


@pytest.mark.parametrize("kind", BAD_FILES)
def test_requirements_bad_forecast_names_the_file(tmp_path, base, kind):
    cfg = _write(tmp_path, json.loads(json.dumps(base, default=str)))
    p = _bad_file(tmp_path, kind)
    res = runner.invoke(app, ["requirements", "-c", str(cfg), "--forecast", str(p)])
    assert res.exit_code == 2, res.output
    line = _one_line_error(res)
    assert "--forecast" in line and p.name in line, line


def test_ingest_needs_an_explicit_tz(tmp_path):
    res = runner.invoke(app, ["ingest", str(DATA / "anonymous_bank_feb1999_calls.csv")])
    assert res.exit_code == 2
    assert "--tz" in _one_line_error(res)


def test_ingest_interval_history_is_aggregated(tmp_path):
    """The bundled 15-minute history re-aggregated to 30 minutes equals the same file summed
    per half hour with plain pandas (counts exactly, AHT weighted by answered calls)."""
    out = tmp_path / "h30.parquet"
    res = runner.invoke(app, ["ingest", str(DATA / "anonymous_bank_15min.csv"),
                              "--tz", "Asia/Jerusalem", "--freq", "30min", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "1344 intervals of 30min" in res.output
    got = pd.read_parquet(out)
    raw = pd.read_csv(DATA / "anonymous_bank_15min.csv")
    t = pd.to_datetime(raw["interval_start"], utc=True).dt.tz_convert("Asia/Jerusalem")
    key = t.dt.floor("30min")
    want_calls = raw.groupby(key)["calls"].sum()
    w = raw["answered"].where(raw["aht_s"].notna(), 0)
    aht = (raw["aht_s"].fillna(0) * w).groupby(key).sum() / w.groupby(key).sum()
    assert str(got.index.tz) == "Asia/Jerusalem" and len(got) == len(want_calls)
    np.testing.assert_array_equal(got["calls"].to_numpy(), want_calls.to_numpy())
    np.testing.assert_allclose(got["aht_s"].to_numpy(), aht.to_numpy(), rtol=1e-9)
    res = runner.invoke(app, ["ingest", str(DATA / "anonymous_bank_15min.csv"),
                              "--tz", "Asia/Jerusalem", "--freq", "5min"])
    assert res.exit_code == 2 and "freq" in _one_line_error(res)


def test_ingest_naive_times_take_the_given_zone(tmp_path):
    p = tmp_path / "naive.csv"
    p.write_text("interval_start,calls,aht_s\n2024-03-04 08:00,5,180\n2024-03-04 08:15,3,200\n")
    out = tmp_path / "h.csv"
    res = runner.invoke(app, ["ingest", str(p), "--tz", "Europe/Berlin", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert out.read_text().splitlines()[1].startswith("2024-03-04T08:00:00+01:00")


@pytest.mark.slow
def test_fast_plan_then_roster_and_evaluate(tmp_path, base):
    d = json.loads(json.dumps(base, default=str))
    # the interval history instead of the call log: patience must be given, and the simulation
    # falls back to exponential handle times
    d["data"] = {"path": str(DATA / "anonymous_bank_15min.csv")}
    d["goals"]["patience_s"] = 300.0
    cfg = _write(tmp_path, d)
    out = tmp_path / "out"
    # the week Israel moved to summer time (Fri 2 Apr 1999 has 92 quarter-hours)
    res = runner.invoke(app, ["plan", "-c", str(cfg), "-o", str(out), "--no-plots",
                              "--start", "1999-03-29"])
    assert res.exit_code == 0, res.output
    req = (out / "requirements.csv").read_text().splitlines()
    assert len(req) == 1 + 6 * 96 + 92
    assert "predicted (erlang_a)" in res.output
    assert "simulated" in res.output
    for name in ("requirements.csv", "shifts.csv", "coverage.csv", "summary.json", "plan.xlsx",
                 "shifts.ics"):
        assert (out / name).is_file(), name
    assert not (out / "heatmap.png").exists()
    s = json.loads((out / "summary.json").read_text())
    assert s["plan"]["goals"]["patience_s"] == 300.0
    assert s["plan"]["data_kind"] == "history"
    assert s["simulation"]["handle_times"] == "exponential"

    assert "service level per day" in res.output

    res = runner.invoke(app, ["evaluate", "-c", str(cfg), "--coverage", str(out / "coverage.csv"),
                              "--requirements", str(out / "requirements.csv"), "--no-simulate",
                              "-o", str(tmp_path / "e")])
    assert res.exit_code == 0, res.output
    m = re.search(r"SL (\d+\.\d)%", res.output)
    assert m and float(m.group(1)) == pytest.approx(100 * s["service_level"], abs=0.051)
    ev = pd.read_csv(tmp_path / "e" / "evaluation.csv")
    cov = pd.read_csv(out / "coverage.csv")
    np.testing.assert_allclose(ev["service_level"], cov["service_level"], rtol=1e-5)

    # "will this roster hit 80/20 on Tuesday at 10:07?" -> the 10:00 interval's answer
    args = ["evaluate", "-c", str(cfg), "--coverage", str(out / "coverage.csv"),
            "--requirements", str(out / "requirements.csv"), "--no-simulate", "--misses", "0"]
    res = runner.invoke(app, [*args, "--at", "1999-03-30 10:07"])
    assert res.exit_code == 0, res.output
    row = ev.set_index("interval_start").loc["1999-03-30T10:00:00+02:00"]
    verdict = "meets" if row["meets_goal"] else "MISSES"
    line = " ".join(res.output.split())
    assert f"Tue 1999-03-30 10:00: {verdict} 80%/20s" in line
    assert f"predicted SL {row['service_level']:.1%}" in line
    assert res.output.count("\n") == 1  # the answer alone, on one line (issue 19)
    res = runner.invoke(app, [*args, "--at", "1999-03-30 03:00"])  # before 07:00: closed
    assert res.exit_code == 0 and res.output.strip() == (
        "Tue 1999-03-30 03:00: closed (open hours): no calls forecast, 0 scheduled")
    for bad in ("1999-05-01 10:00", "tuesday"):
        res = runner.invoke(app, [*args, "--at", bad])
        assert res.exit_code == 2
        assert "--at" in _one_line_error(res)

    res = runner.invoke(app, ["roster", "-c", str(cfg), "--requirements",
                              str(out / "requirements.csv"), "-o", str(tmp_path / "r"),
                              "--time-limit", "600"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "r" / "shifts.csv").is_file()
    rcov = pd.read_csv(tmp_path / "r" / "coverage.csv")
    busy = rcov["calls"] > 0  # no calls, no service level (empty)
    assert rcov.loc[busy, "service_level"].notna().all() and busy.any()
    assert rcov.loc[~busy, "service_level"].isna().all()

    res = runner.invoke(app, ["requirements", "-c", str(cfg), "--forecast",
                              str(out / "forecast.csv"), "-o", str(tmp_path / "q")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "q" / "requirements.csv").is_file()


# `staffing demo` runs in tests/test_readme.py (it compares the README's examples after it)


def test_cli_roster_runs_through_the_pipeline(tmp_path, base, monkeypatch):
    """The roster command composes no stages of its own: it is ``pipeline.plan`` given the
    requirements (simulation off), so its evaluation and notes are the plan's."""
    import staffing.pipeline as pl
    from staffing.config import PlanConfig
    from staffing.io import export

    d = json.loads(json.dumps(base, default=str))
    d["plan"]["days"] = 1
    d["goals"]["patience_s"] = 300.0
    d["data"] = {"path": str(DATA / "anonymous_bank_15min.csv")}
    cfg_path = _write(tmp_path, d)
    req = pl.prepare(PlanConfig.from_toml(cfg_path)).requirements
    req_csv = export.write_requirements_csv(req, tmp_path / "requirements.csv")
    calls: list[dict] = []
    real = pl.plan

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(pl, "plan", spy)
    res = runner.invoke(app, ["roster", "-c", str(cfg_path), "--requirements", str(req_csv),
                              "-o", str(tmp_path / "r")])
    assert res.exit_code == 0, res.output
    assert len(calls) == 1 and calls[0]["simulate"] is False
    given = calls[0]["requirements"]
    assert (given.index == req.index).all()
    np.testing.assert_array_equal(given["agents_required"], req["agents_required"])
    s = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert s["status"] in ("optimal", "feasible") and 0 < s["service_level"] <= 1


def test_erlang_quick_calculator():
    """The textbook case (100 calls / 30 min, AHT 180 s, 80/20 -> 14 agents, SL 88.8 %,
    ASA 7.8 s, occupancy 71.4 %), on one line."""
    res = runner.invoke(app, ["erlang", "--calls", "100", "--aht", "180", "--interval", "30min",
                              "--sl", "80/20"])
    assert res.exit_code == 0, res.output
    assert res.output.strip() == ("100 calls in 30 min, AHT 180 s, goal 80%/20s (Erlang C): "
                                  "14 agents on the phone, SL 88.8%, ASA 7.8 s, occupancy 71.4%")
    res = runner.invoke(app, ["erlang", "--calls", "100", "--aht", "180", "--sl", "80/20",
                              "--shrinkage", "0.3"])
    assert "; 20 scheduled at 30% shrinkage" in res.output
    for bad, field in ((["--sl", "80"], "--sl"), (["--interval", "7min"], "freq"),
                       (["--shrinkage", "1.5"], "shrinkage")):
        res = runner.invoke(app, ["erlang", "--calls", "100", "--aht", "180", *bad])
        assert res.exit_code == 2 and field in _one_line_error(res)


def test_whatif_help_lists_every_override():
    from staffing.scenario.overrides import OVERRIDE_KEYS

    text = " ".join(runner.invoke(app, ["whatif", "--help"]).output.split())
    for key in OVERRIDE_KEYS:
        assert key in text, key
    assert "rules.consecutive_days_off=1" in text and "Exit codes" in text


def test_requirements_reports_agent_hours_and_answers_at(tmp_path, base):
    d = json.loads(json.dumps(base, default=str))
    d["goals"]["patience_s"] = 300.0  # no call-log fit needed
    cfg = _write(tmp_path, d)
    idx = pd.date_range("1999-03-01", periods=96, freq="15min", tz="Asia/Jerusalem",
                        name="interval_start")
    calls = np.where((idx.hour >= 7), 30.0, 0.0)
    fc = pd.DataFrame({"calls": calls, "aht_s": 180.0}, index=idx)
    fc.index = fc.index.map(lambda t: t.isoformat())
    fc.to_csv(tmp_path / "fc.csv")
    res = runner.invoke(app, ["requirements", "-c", str(cfg), "--forecast",
                              str(tmp_path / "fc.csv"), "-o", str(tmp_path / "r")])
    assert res.exit_code == 0, res.output
    req = pd.read_csv(tmp_path / "r" / "requirements.csv")
    hours = req["agents_required"].sum() / 4
    assert f"{hours:,.1f} agent-hours required" in res.stdout
    assert "agent-intervals" not in res.stdout
    res = runner.invoke(app, ["requirements", "-c", str(cfg), "--forecast",
                              str(tmp_path / "fc.csv"), "--at", "1999-03-01 10:05",
                              "--at", "1999-03-01 03:00"])
    assert res.exit_code == 0, res.output
    row = req.set_index("interval_start").loc["1999-03-01T10:00:00+02:00"]
    first, second = res.stdout.strip().splitlines()
    assert first.startswith(f"Mon 1999-03-01 10:00: 30.0 calls, AHT 180 s -> "
                            f"{int(row['agents_net'])} agents on the phone, "
                            f"{int(row['agents_required'])} scheduled (Erlang A, patience 300 s)")
    assert second == "Mon 1999-03-01 03:00: closed (open hours): no calls forecast, 0 agents"
