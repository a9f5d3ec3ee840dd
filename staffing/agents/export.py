"""Files for a named-agent schedule: shifts CSV, Excel grid, one ICS per agent (+ zip),
per-agent summary, penalty report, coverage and the change list of a re-plan."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pandas as pd

from staffing.agents.schedule import AgentSchedule
from staffing.io.export import ics_calendar, write_csv, write_workbook

__all__ = ["agent_calendar", "schedule_grid", "write_agent_files", "write_ics"]


def schedule_grid(result: AgentSchedule) -> pd.DataFrame:
    """One row per agent, one column per day (``HH:MM-HH:MM template``, ``off``, ``time off``
    or ``training``), then paid hours per week and in total."""
    rows = []
    weeks = [result.dates[i:i + 7] for i in range(0, len(result.dates), 7)]
    by = {a: g for a, g in result.shifts.groupby("agent")} if len(result.shifts) else {}
    for a in result.agents:
        g = by.get(a.id)
        row: dict[str, object] = {"agent": a.id, "name": a.name}
        for day in result.dates:
            cell = a.exception_on(day) or "off"
            cell = cell.replace("_", " ")
            if g is not None:
                s = g[g["date"] == day]
                if len(s):
                    r = s.iloc[0]
                    extra = "; ".join(x for x in (r["breaks"], r.get("activities", ""))
                                      if isinstance(x, str) and x)
                    cell = (f"{r['start']:%H:%M}-{r['end']:%H:%M} {r['template']}"
                            + (f" ({extra})" if extra else ""))
            row[f"{day:%a %Y-%m-%d}"] = cell
        for k, w in enumerate(weeks, start=1):
            row[f"hours week {k}"] = 0.0 if g is None else float(
                g[g["date"].isin(w)]["paid_hours"].sum())
        row["hours total"] = 0.0 if g is None else float(g["paid_hours"].sum())
        rows.append(row)
    return pd.DataFrame(rows)


def _clock_parts(*cells: object) -> str:
    """``"10:00-10:15 break; 12:00-12:30 lunch"`` (+ activities) -> ``"10:00-10:15;12:00-12:30"``
    (the clock spans :func:`staffing.io.export.ics_calendar` reads)."""
    parts = [p.strip().split(" ")[0] for c in cells if isinstance(c, str)
             for p in c.split(";") if p.strip()]
    return ";".join(parts)


def agent_calendar(result: AgentSchedule, agent_id: str) -> str:
    """One iCalendar document with the agent's shifts (local times + VTIMEZONE; breaks and
    off-phone activities as their own events), built by :func:`staffing.io.export.ics_calendar`."""
    s = result.shifts[result.shifts["agent"] == agent_id] if len(result.shifts) \
        else result.shifts
    rows = pd.DataFrame({
        "agent": [agent_id] * len(s),
        "start": list(s["start"]) if len(s) else [],
        "end": list(s["end"]) if len(s) else [],
        "template": list(s["template"]) if len(s) else [],
        "breaks": [_clock_parts(r.get("breaks"), r.get("activities"))
                   for _, r in s.iterrows()],
        "paid_hours": list(s["paid_hours"]) if len(s) else []})
    name = next((a.name for a in result.agents if a.id == agent_id), agent_id)
    return ics_calendar(rows, name=f"{name} ({agent_id})")


def write_ics(result: AgentSchedule, agent_id: str, path: Path) -> Path:
    """Write :func:`agent_calendar` to ``path``."""
    path.write_bytes(agent_calendar(result, agent_id).encode("utf-8"))
    return path


def write_agent_files(result: AgentSchedule, out: str | Path) -> dict[str, Path]:
    """Write every output into ``out``; returns name -> path.

    ``agent_shifts.csv`` (agent, name, date, start, end, template, breaks, paid_hours; ISO 8601
    with offset), ``agent_schedule.xlsx`` (sheets ``schedule``: agent x day grid with hours per
    week, ``shifts``, ``summary``, ``penalties``, ``coverage``), ``agent_summary.csv``,
    ``penalties.txt``, ``agent_coverage.csv``, ``ics/<agent>.ics`` and ``agent_calendars.zip``,
    ``agent_changes.csv`` (re-plan mode), ``agent_summary.json``; with a requirement per skill
    ``agent_skill_coverage.csv`` (interval, skill, required, served, under) and a ``skills``
    sheet.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    shifts = result.shifts.copy()
    for col in ("start", "end"):
        if len(shifts):
            shifts[col] = shifts[col].map(lambda t: pd.Timestamp(t).isoformat())
    paths["agent_shifts.csv"] = write_csv(shifts, out / "agent_shifts.csv")
    summary = result.summary_frame()
    paths["agent_summary.csv"] = write_csv(summary, out / "agent_summary.csv")
    report = result.penalty_report()
    paths["penalties.txt"] = out / "penalties.txt"
    paths["penalties.txt"].write_text("\n".join(report) + "\n", encoding="utf-8")
    cov = result.coverage.copy()
    if len(cov):
        cov["interval_start"] = cov["interval_start"].map(lambda t: t.isoformat())
    paths["agent_coverage.csv"] = write_csv(cov, out / "agent_coverage.csv")
    sheets_extra: dict[str, pd.DataFrame] = {}
    if len(result.skill_coverage):
        sk = result.skill_coverage.copy()
        sk["interval_start"] = sk["interval_start"].map(lambda t: t.isoformat())
        paths["agent_skill_coverage.csv"] = write_csv(sk, out / "agent_skill_coverage.csv")
        sheets_extra["skills"] = result.skill_coverage
    if len(result.changes) or not result.changes.columns.empty:
        paths["agent_changes.csv"] = write_csv(result.changes, out / "agent_changes.csv")
    grid = schedule_grid(result)
    paths["agent_schedule.xlsx"] = write_workbook(
        {"schedule": grid, "shifts": result.shifts, "summary": summary,
         "penalties": pd.DataFrame({"penalty": report}), "coverage": result.coverage,
         **sheets_extra},
        out / "agent_schedule.xlsx")
    ics_dir = out / "ics"
    ics_dir.mkdir(exist_ok=True)
    zpath = out / "agent_calendars.zip"
    with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as zf:
        for a in result.agents:
            p = write_ics(result, a.id, ics_dir / f"{a.id}.ics")
            zf.write(p, arcname=p.name)
    paths["ics"] = ics_dir
    paths["agent_calendars.zip"] = zpath
    paths["agent_summary.json"] = out / "agent_summary.json"
    paths["agent_summary.json"].write_text(json.dumps(result.summary(), indent=2, default=str),
                                           encoding="utf-8")
    return paths
