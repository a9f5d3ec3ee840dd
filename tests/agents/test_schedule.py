"""Named-agent schedules on the bundled Anonymous Bank agents: hard rules checked
independently from the shifts frame, history across the boundary, re-plan, outputs, CLI."""

from __future__ import annotations

import dataclasses
import datetime as dt
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from staffing.agents.domain import DatedException
from staffing.agents.export import schedule_grid, write_agent_files
from staffing.agents.read import read_agents, read_setup
from staffing.agents.schedule import AgentSchedule, schedule_agents
from staffing.agents.solve import AgentSolverOptions
from staffing.cli import app
from staffing.exceptions import InputError
from staffing.io import read_history
from staffing.roster import RosterStatus

ROOT = Path(__file__).parents[2]
DATA = ROOT / "data"
TZ = "Asia/Jerusalem"
OPTS = AgentSolverOptions(time_limit_s=600, mip_rel_gap=0.02)


@pytest.fixture(scope="module")
def setup(bundled):  # type: ignore[no-untyped-def]
    tpls, s, people = bundled
    hist = read_history(DATA / "anonymous_bank_15min.csv", tz=TZ)
    wk = hist.loc["1999-02-22":"1999-02-28"]
    load = np.ceil(wk["calls"].to_numpy() * wk["aht_s"].fillna(0).to_numpy() / 900) / 4
    idx = pd.date_range("1999-03-01", periods=len(load), freq="15min", tz=TZ)
    required = pd.Series(np.ceil(load), index=idx)
    return tpls, s, people, required


@pytest.fixture(scope="module")
def solved(setup) -> AgentSchedule:  # type: ignore[no-untyped-def]
    tpls, s, people, required = setup
    return schedule_agents(required, tpls, people[:6] + people[14:16], penalties=s.penalties,
                           options=OPTS, weekend_days=s.weekend_days)


def test_bundled_agents_file_reads() -> None:
    s = read_setup(DATA / "agents_contracts.toml")
    people = read_agents(DATA / "agents.csv", s.contracts)
    assert len(people) == 25 and len({p.id for p in people}) == 25
    a02 = next(p for p in people if p.id == "A02")
    assert a02.exception_on(dt.date(1999, 3, 3)) == "time_off"
    assert s.weekend_days == (4, 5)


def _rest_ok(shifts: pd.DataFrame, hours: float) -> bool:
    for _a, g in shifts.sort_values("start").groupby("agent"):
        gaps = (g["start"].iloc[1:].to_numpy() - g["end"].iloc[:-1].to_numpy())
        if len(gaps) and (gaps < np.timedelta64(int(hours * 60), "m")).any():
            return False
    return True


def test_every_hard_rule_holds(solved: AgentSchedule) -> None:
    assert solved.status in (RosterStatus.OPTIMAL, RosterStatus.FEASIBLE)
    assert solved.gap is not None and solved.gap <= 0.02 + 1e-9
    sh = solved.shifts
    by_id = {a.id: a for a in solved.agents}
    assert _rest_ok(sh, 11)
    for aid, g in sh.groupby("agent"):
        a = by_id[aid]
        c = a.contract
        assert g["date"].is_unique  # one shift a day
        assert c.min_week_hours - 1e-9 <= g["paid_hours"].sum() <= (c.max_week_hours or 1e9)
        assert len(g) <= (c.max_days_per_week or 7)
        if c.templates:
            assert set(g["template"]) <= set(c.templates)
        for r in g.itertuples():
            assert a.exception_on(r.date) is None
            start = r.start.hour * 60 + r.start.minute
            assert a.available(r.date, start, start + int((r.end - r.start).seconds // 60))
    # coverage is recomputed from the shifts and their breaks
    cov = solved.coverage
    assert (cov["under"] - cov["over"]).to_numpy() == pytest.approx(
        (cov["required"] - cov["scheduled"]).to_numpy())
    under = next(t for t in solved.terms if t.family == "cover_under")
    assert cov["under"].sum() == pytest.approx(under.count)


def test_penalty_report_names_agents(setup) -> None:  # type: ignore[no-untyped-def]
    tpls, s, people, required = setup
    # an empty requirement and a day-off wish that conflicts with nothing is granted; a wish
    # on every day cannot all be granted with 30 h minimum: the report says how many
    a = dataclasses.replace(people[0], preferences=dataclasses.replace(
        people[0].preferences, days_off_weekdays=tuple(range(7)), day_off_weight=3.0))
    r = schedule_agents(required * 0, tpls, [a], options=OPTS, weekend_days=s.weekend_days)
    line = next(x for x in r.penalty_report() if x.startswith("agent A01:"))
    assert "day-off wish not granted, weight 3" in line
    n_shifts = len(r.shifts)
    assert line.startswith(f"agent A01: {n_shifts} day-off wish")


def test_previous_schedule_rest_across_boundary(setup) -> None:  # type: ignore[no-untyped-def]
    tpls, s, people, required = setup
    a = people[0]  # full time, early/day/late
    prev = pd.DataFrame({"agent": [a.id], "date": [dt.date(1999, 2, 28)],
                         "start": [pd.Timestamp("1999-02-28 16:30", tz=TZ)],
                         "end": [pd.Timestamp("1999-03-01 00:30", tz=TZ)]})
    need = required * 0
    need[need.index.date == dt.date(1999, 3, 1)] = 1.0  # pull the agent to the first day
    free = schedule_agents(need, tpls, [a], options=OPTS, weekend_days=s.weekend_days)
    cont = schedule_agents(need, tpls, [a], options=OPTS, previous=prev,
                           weekend_days=s.weekend_days)
    first = cont.shifts[cont.shifts["date"] == dt.date(1999, 3, 1)]
    assert (free.shifts["date"] == dt.date(1999, 3, 1)).any()
    assert first.empty or (first["start"].iloc[0] >= pd.Timestamp("1999-03-01 11:30", tz=TZ))


def test_replan_after_sick_day_lists_changes(setup, solved) -> None:  # type: ignore[no-untyped-def]
    tpls, s, people, required = setup
    base = solved.shifts
    sick = base.iloc[0]
    agents = [dataclasses.replace(a, exceptions=(*a.exceptions,
                                                 DatedException(sick["date"], "time_off")))
              if a.id == sick["agent"] else a for a in solved.agents]
    r = schedule_agents(required, tpls, agents, penalties=s.penalties, options=OPTS,
                        published=base, weekend_days=s.weekend_days)
    ch = r.changes
    assert ((ch["agent"] == sick["agent"]) & (ch["date"] == sick["date"])).any()
    assert len(ch) <= len(base) // 2  # stable: most of the published days stay
    assert sum(t.count for t in r.terms if t.family == "change") == pytest.approx(len(ch))


def test_outputs(solved: AgentSchedule, tmp_path: Path) -> None:
    paths = write_agent_files(solved, tmp_path)
    grid = schedule_grid(solved)
    assert len(grid) == len(solved.agents)
    assert grid["hours total"].sum() == pytest.approx(solved.shifts["paid_hours"].sum())
    xl = pd.read_excel(paths["agent_schedule.xlsx"], sheet_name=None)
    assert {"schedule", "shifts", "summary", "penalties", "coverage"} <= set(xl)
    with zipfile.ZipFile(paths["agent_calendars.zip"]) as zf:
        assert len(zf.namelist()) == len(solved.agents)
        first = solved.shifts["agent"].iloc[0]
        one = zf.read(f"{first}.ics").decode()
        mine = solved.shifts[solved.shifts["agent"] == first]
        n_breaks = sum(len([p for p in str(b).split("; ") if p]) for b in mine["breaks"])
        # one event per shift and one per break (local times with the site's VTIMEZONE)
        assert one.count("BEGIN:VEVENT") == len(mine) + n_breaks
        assert one.count("CATEGORIES:break") == n_breaks
        assert "BEGIN:VTIMEZONE" in one and "TZID:Asia/Jerusalem" in one
    back = pd.read_csv(paths["agent_shifts.csv"])
    assert len(back) == len(solved.shifts)
    assert "skills" in back.columns


@pytest.mark.parametrize(("col", "value"), [
    ("availability", "mon 25:00-26:00"), ("time_off", "1999-02-30"),
    ("seniority", "x"), ("preferred_start", "7-9"), ("day_off_weight", "-1"),
    ("days_off_wish", "someday"), ("contract", "zero_hours"), ("preferred_templates", "nope"),
])
def test_bad_agent_cells_name_agent_and_field(tmp_path: Path, col: str, value: str) -> None:
    s = read_setup(DATA / "agents_contracts.toml")
    df = pd.read_csv(DATA / "agents.csv", dtype=str).head(3)
    df.loc[1, col] = value
    p = tmp_path / "agents.csv"
    df.to_csv(p, index=False)
    with pytest.raises(InputError) as info:
        read_agents(p, s.contracts, ("early", "day", "late", "peak-pt"))
    assert info.value.field == f"agents.{df.loc[1, 'id']}.{col}"


@pytest.mark.parametrize(("body", "field"), [
    ("[contracts.x]\nmax_week_hours = -1\n", "contracts.x.max_week_hours"),
    ("[contracts.x]\nmax_days_per_week = 9\n", "contracts.x.max_days_per_week"),
    ("[contracts.x]\nbogus = 1\n", "contracts.x.bogus"),
    ("[contracts.x]\nmin_rest_hours = 30\n", "contracts.x.min_rest_hours"),
    ("[weekend]\ndays = ['funday']\n[contracts.x]\n", "weekend.days"),
])
def test_bad_contracts(tmp_path: Path, body: str, field: str) -> None:
    p = tmp_path / "c.toml"
    p.write_text(body)
    with pytest.raises(InputError) as info:
        read_setup(p)
    assert info.value.field == field


def test_cli_agents(setup, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _tpls, _s, _people, required = setup
    req = pd.DataFrame({"interval_start": [t.isoformat() for t in required.index],
                        "calls": 0.0, "aht_s": 0.0, "agents_required": required.to_numpy()})
    req.to_csv(tmp_path / "requirements.csv", index=False)
    few = pd.read_csv(DATA / "agents.csv", dtype=str).iloc[[0, 14, 15]]
    few.to_csv(tmp_path / "agents.csv", index=False)
    out = tmp_path / "out"
    res = CliRunner().invoke(app, [
        "agents", "-c", str(DATA / "plan.toml"), "--agents", str(tmp_path / "agents.csv"),
        "--contracts", str(DATA / "agents_contracts.toml"),
        "--requirements", str(tmp_path / "requirements.csv"), "-o", str(out),
        "--time-limit", "600"])
    assert res.exit_code == 0, res.output
    assert "agents: optimal" in res.output or "agents: feasible" in res.output
    for name in ("agent_shifts.csv", "agent_schedule.xlsx", "agent_calendars.zip",
                 "agent_summary.csv", "penalties.txt"):
        assert (out / name).is_file()
    rot = CliRunner().invoke(app, [
        "agents", "-c", str(DATA / "plan.toml"), "--agents", str(tmp_path / "agents.csv"),
        "--contracts", str(DATA / "agents_contracts.toml"), "--cyclic",
        "--requirements", str(tmp_path / "requirements.csv"), "-o", str(tmp_path / "rot"),
        "--time-limit", "600"])
    assert rot.exit_code == 0, rot.output
    assert (tmp_path / "rot" / "agent_shifts.csv").is_file()
    bad = CliRunner().invoke(app, [
        "agents", "-c", str(DATA / "plan.toml"), "--agents", str(tmp_path / "agents.csv"),
        "--contracts", str(tmp_path / "missing.toml"), "-o", str(out)])
    assert bad.exit_code == 2
