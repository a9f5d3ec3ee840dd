"""Files for a named-agent schedule: shifts CSV, Excel grid, one ICS per agent (+ zip),
per-agent summary, penalty report, coverage and the change list of a re-plan."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import pandas as pd

from staffing.agents.schedule import AgentSchedule

__all__ = ["schedule_grid", "write_agent_files", "write_ics"]


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


def _ics_time(ts: pd.Timestamp) -> str:
    return pd.Timestamp(ts).tz_convert("UTC").strftime("%Y%m%dT%H%M%SZ")


def write_ics(result: AgentSchedule, agent_id: str, path: Path) -> Path:
    """One iCalendar file with the agent's shifts (UTC times; breaks in the description)."""
    s = result.shifts[result.shifts["agent"] == agent_id]
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//staffing//agents//EN",
             "CALSCALE:GREGORIAN"]
    for i, r in enumerate(s.itertuples(index=False)):
        lines += ["BEGIN:VEVENT", f"UID:{agent_id}-{r.date}-{i}@staffing",
                  f"DTSTAMP:{stamp}", f"DTSTART:{_ics_time(r.start)}",
                  f"DTEND:{_ics_time(r.end)}", f"SUMMARY:{r.template} shift ({r.name})",
                  f"DESCRIPTION:breaks: {r.breaks or 'none'}"
                  + (f"; off-phone: {getattr(r, 'activities', '')}"
                     if getattr(r, "activities", "") else "")
                  + f"; paid {r.paid_hours:g} h",
                  "END:VEVENT"]
    lines.append("END:VCALENDAR")
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


def write_agent_files(result: AgentSchedule, out: str | Path) -> dict[str, Path]:
    """Write every output into ``out``; returns name -> path.

    ``agent_shifts.csv`` (agent, name, date, start, end, template, breaks, paid_hours; ISO 8601
    with offset), ``agent_schedule.xlsx`` (sheets ``schedule``: agent x day grid with hours per
    week, ``shifts``, ``summary``, ``penalties``, ``coverage``), ``agent_summary.csv``,
    ``penalties.txt``, ``agent_coverage.csv``, ``ics/<agent>.ics`` and ``agent_calendars.zip``,
    ``agent_changes.csv`` (re-plan mode), ``agent_summary.json``.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    shifts = result.shifts.copy()
    for col in ("start", "end"):
        if len(shifts):
            shifts[col] = shifts[col].map(lambda t: pd.Timestamp(t).isoformat())
    paths["agent_shifts.csv"] = out / "agent_shifts.csv"
    shifts.to_csv(paths["agent_shifts.csv"], index=False)
    summary = result.summary_frame()
    paths["agent_summary.csv"] = out / "agent_summary.csv"
    summary.to_csv(paths["agent_summary.csv"], index=False)
    report = result.penalty_report()
    paths["penalties.txt"] = out / "penalties.txt"
    paths["penalties.txt"].write_text("\n".join(report) + "\n", encoding="utf-8")
    cov = result.coverage.copy()
    if len(cov):
        cov["interval_start"] = cov["interval_start"].map(lambda t: t.isoformat())
    paths["agent_coverage.csv"] = out / "agent_coverage.csv"
    cov.to_csv(paths["agent_coverage.csv"], index=False)
    if len(result.changes) or not result.changes.columns.empty:
        paths["agent_changes.csv"] = out / "agent_changes.csv"
        result.changes.to_csv(paths["agent_changes.csv"], index=False)
    grid = schedule_grid(result)
    paths["agent_schedule.xlsx"] = out / "agent_schedule.xlsx"
    local = result.shifts.copy()
    for col in ("start", "end"):
        if len(local):
            local[col] = local[col].map(lambda t: pd.Timestamp(t).strftime("%Y-%m-%d %H:%M"))
    with pd.ExcelWriter(paths["agent_schedule.xlsx"], engine="openpyxl") as xw:
        grid.to_excel(xw, sheet_name="schedule", index=False)
        local.to_excel(xw, sheet_name="shifts", index=False)
        summary.to_excel(xw, sheet_name="summary", index=False)
        pd.DataFrame({"penalty": report}).to_excel(xw, sheet_name="penalties", index=False)
        c2 = result.coverage.copy()
        if len(c2):
            c2["interval_start"] = c2["interval_start"].map(
                lambda t: t.strftime("%Y-%m-%d %H:%M"))
        c2.to_excel(xw, sheet_name="coverage", index=False)
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
