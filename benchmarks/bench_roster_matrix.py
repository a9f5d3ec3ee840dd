"""Issue 12's benchmark matrix: requirement mode vs service mode, case by case.

Every case starts from the bundled plan (``data/plan.toml``: the forecast week of 1999-03-01,
Erlang A with the fitted patience, 80 % in 20 s, shrinkage 25 %, min staff 1, 4 templates with
breaks and lunch windows, 5-day tours with 2 consecutive days off, 2-hour start band) and
changes one thing:

- ``bundled``: as is (15-minute grid);
- ``x3``, ``x10``: calls x 3 / x 10 (AHT unchanged; ``max_agents`` and headcounts lifted);
- ``24/7``, ``24/7 x10``: open all week; closed hours get calls at 10 % of that day's mean
  open-hour volume (the bank is closed there), a ``night`` template (22:00-23:30 starts, 8 h,
  dinner window) and the other templates on every day;
- ``5min``, ``30min``: the same demand on another grid (15-minute calls split evenly over
  5-minute intervals, or summed over half hours with a call-weighted AHT); on the 30-minute
  grid the 15-minute paid breaks are left out (they do not fit its grid) and start steps are
  30 minutes (they already are);
- ``10 templates``: ten templates with start windows from 06:00 to 20:00, full and part time,
  each of 6 h or more with a lunch window;
- ``days off apart``: ``rules.consecutive_days_off = 0`` (the bundled rule keeps 2 together).

Per case three (or four) solves of ``LIMIT`` seconds (default 60), ``mip_rel_gap = 1e-4`` so
the runs use their time: requirement mode; service mode at the same 80 % weekly target with
``min_interval_service_level = 0.5``; service mode with the weekly target set to what the
requirement roster achieved (the "same weekly SL" comparison). Each solve records the
incumbent/bound trajectory with the progress callback (the constructive start counts as an
incumbent), which gives time to the first roster and the gap at 5/30/60 s. Each roster is
evaluated by ``staffing.evaluate`` (weekly SL, intervals below 80 %, lowest interval, paid
agent-hours while closed). A cancel run per case and mode sets the cancel event 1 s after the
solve starts and checks that a roster comes back.

Run: ``nice .venv/bin/python benchmarks/bench_roster_matrix.py [LIMIT] [case ...]
[--modes=service,same,nofloor] [--no-cancel]``; prints one line per solve and a Markdown table
at the end. ``nofloor`` adds service mode at the requirement roster's weekly SL without an
interval floor (the requirement roster then breaks no floor of the service model).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from staffing.config import PlanConfig
from staffing.evaluate import evaluate
from staffing.hours import OpenHours
from staffing.pipeline import prepare
from staffing.requirements import ServiceGoals, compute_requirements
from staffing.roster import (
    BreakRule,
    RosterConfig,
    RosterResult,
    ShiftTemplate,
    SolveProgress,
    SolverOptions,
    solve_roster,
)
from staffing.roster.service import ServiceCurve
from staffing.service_curve import answered_curve

ROOT = Path(__file__).resolve().parent.parent
ALL = tuple(range(7))


@dataclasses.dataclass
class Case:
    """One benchmark case: demand (calls, aht_s), grid, roster config, goals."""

    name: str
    demand: pd.DataFrame
    freq: str
    roster: RosterConfig
    goals: ServiceGoals


def regrid(demand: pd.DataFrame, freq: str) -> pd.DataFrame:
    """The 15-minute demand on a 5- or 30-minute grid (same calls, call-weighted AHT)."""
    if freq == "5min":
        idx = pd.date_range(demand.index[0], periods=3 * len(demand), freq="5min",
                            name=demand.index.name)
        return pd.DataFrame({"calls": np.repeat(demand["calls"].to_numpy() / 3, 3),
                             "aht_s": np.repeat(demand["aht_s"].to_numpy(), 3)}, index=idx)
    work = (demand["calls"] * demand["aht_s"]).resample(freq).sum()
    calls = demand["calls"].resample(freq).sum()
    aht = (work / calls.where(calls > 0)).fillna(demand["aht_s"].median())
    return pd.DataFrame({"calls": calls, "aht_s": aht})


def scaled(demand: pd.DataFrame, factor: float) -> pd.DataFrame:
    out = demand.copy()
    out["calls"] = out["calls"] * factor
    return out


def lifted(cfg: RosterConfig, factor: float) -> RosterConfig:
    tpls = tuple(dataclasses.replace(t, max_headcount=None if t.max_headcount is None else
                                     int(t.max_headcount * factor)) for t in cfg.templates)
    return dataclasses.replace(cfg, templates=tpls)


def round_the_clock(demand: pd.DataFrame, cfg: RosterConfig) -> tuple[pd.DataFrame,
                                                                      RosterConfig]:
    hours = OpenHours.always(min_staff=1)
    assert cfg.open_hours is not None
    open_mask = np.asarray(cfg.open_hours.mask(demand.index), bool)
    out = demand.copy()
    day = demand.index.normalize()
    mean_open = out["calls"].where(open_mask).groupby(day).transform("mean")
    out.loc[~open_mask, "calls"] = 0.1 * mean_open[~open_mask]
    out["aht_s"] = out["aht_s"].fillna(out["aht_s"].median())
    night = ShiftTemplate("night", dt.time(22), dt.time(23, 30), 30, 8.0, ALL, 25.0,
                          breaks=(BreakRule(30, 180, 300, paid=False, name="dinner"),))
    tpls = tuple(dataclasses.replace(t, days=ALL) for t in cfg.templates) + (night,)
    return out, dataclasses.replace(cfg, templates=tpls, open_hours=hours)


def ten_templates(cfg: RosterConfig) -> RosterConfig:
    lunch = BreakRule(30, 180, 300, paid=False, name="lunch")
    coffee = BreakRule(15, 90, 150, paid=True, name="break")
    sun_fri, sun_thu = (6, 0, 1, 2, 3, 4), (6, 0, 1, 2, 3)

    def tpl(name: str, a: tuple[int, int], b: tuple[int, int], hours: float | tuple[float, float],
            days: tuple[int, ...], cost: float, part: bool = False) -> ShiftTemplate:
        brk = (coffee, lunch) if (hours if isinstance(hours, float) else hours[1]) >= 6 else (
            coffee,)
        return ShiftTemplate(name, dt.time(*a), dt.time(*b), 30, hours, days, cost,
                             part_time=part, breaks=brk, length_step_min=60,
                             max_headcount=30 if part else None)

    tpls = (tpl("open", (7, 0), (7, 30), (6.0, 8.0), sun_fri, 21.0),
            tpl("early", (7, 30), (9, 0), 8.0, sun_fri, 20.0),
            tpl("morning", (9, 0), (10, 30), (7.0, 8.0), sun_thu, 20.0),
            tpl("mid", (10, 30), (12, 30), 8.0, sun_thu, 20.0),
            tpl("after", (12, 30), (14, 0), 8.0, sun_thu + (5,), 21.0),
            tpl("late", (14, 0), (16, 0), 8.0, sun_thu + (5,), 23.0),
            tpl("close", (16, 0), (16, 30), (6.0, 7.5), sun_thu + (5,), 24.0),
            tpl("am-pt", (7, 0), (11, 0), 4.0, ALL, 18.0, part=True),
            tpl("pm-pt", (11, 0), (16, 0), 4.0, ALL, 18.0, part=True),
            tpl("eve-pt", (16, 0), (20, 0), 4.0, ALL, 19.0, part=True))
    return dataclasses.replace(cfg, templates=tpls)


def no_short_breaks(cfg: RosterConfig) -> RosterConfig:
    tpls = tuple(dataclasses.replace(t, breaks=tuple(b for b in t.breaks if b.duration_min % 30
                                                     == 0)) for t in cfg.templates)
    return dataclasses.replace(cfg, templates=tpls)


def cases(base: PlanConfig) -> list[Case]:
    prep = prepare(base)
    demand = prep.demand[["calls", "aht_s"]].copy()
    demand["aht_s"] = demand["aht_s"].fillna(demand["aht_s"].median())
    goals = dataclasses.replace(prep.goals, max_agents=5000)
    cfg = base.roster
    out = [Case("bundled", demand, "15min", cfg, goals),
           Case("x3", scaled(demand, 3), "15min", lifted(cfg, 3), goals),
           Case("x10", scaled(demand, 10), "15min", lifted(cfg, 10), goals)]
    d247, c247 = round_the_clock(demand, cfg)
    out += [Case("24/7", d247, "15min", c247, goals),
            Case("24/7 x10", scaled(d247, 10), "15min", lifted(c247, 10), goals),
            Case("5min", regrid(demand, "5min"), "5min", cfg, goals),
            Case("30min", regrid(demand, "30min"), "30min", no_short_breaks(cfg), goals),
            Case("10 templates", demand, "15min", ten_templates(cfg), goals),
            Case("days off apart", demand, "15min", dataclasses.replace(
                cfg, rules=dataclasses.replace(cfg.rules, consecutive_days_off=0)), goals)]
    return out


@dataclasses.dataclass
class Trace:
    """Best incumbent and bound over time (seconds from the solve's start)."""

    points: list[tuple[float, float | None, float | None]] = dataclasses.field(
        default_factory=list)

    def __call__(self, p: SolveProgress) -> None:
        self.points.append((p.elapsed_s, p.objective, p.bound))

    def first_s(self) -> float | None:
        return next((t for t, o, _ in self.points if o is not None), None)

    def gap_at(self, t_s: float, final: RosterResult) -> float | None:
        best, bound = None, None
        for t, o, b in self.points:
            if t > t_s:
                break
            if o is not None:
                best = o if best is None else min(best, o)
            if b is not None:
                bound = b if bound is None else max(bound, b)
        if final.build_s + final.runtime_s <= t_s and final.objective is not None:  # done by t
            best, bound = final.objective, final.bound
        if best is None or bound is None:
            return None
        return max(0.0, (best - bound) / abs(best)) if best else 0.0


def inputs(case: Case, mode: str, limit_s: float, target: float | None = None,
           floor: float | None = 0.5
           ) -> tuple[pd.Series, SolverOptions, ServiceCurve | None, float]:
    """Required agents, solver options, service curve (interval ``floor``) and the seconds
    the curve took."""
    req = compute_requirements(case.demand, case.goals, open_hours=case.roster.open_hours,
                               freq=pd.Timedelta(case.freq))
    required = req["agents_required"].astype(float)
    opts = SolverOptions(time_limit_s=limit_s, mip_rel_gap=1e-4, threads=2, objective=mode,
                         min_interval_service_level=floor if mode == "service" else None)
    curve, t0 = None, time.perf_counter()
    if mode == "service":
        curve = answered_curve(case.demand, case.goals, freq=case.freq, required=required,
                               interval_floor=floor)
        if target is not None:
            curve = ServiceCurve(curve.calls, curve.answered, target, floor)
    return required, opts, curve, time.perf_counter() - t0


def solve(case: Case, mode: str, limit_s: float, target: float | None = None,
          progress: Callable[[SolveProgress], None] | None = None, floor: float | None = 0.5
          ) -> tuple[RosterResult, float]:
    """One solve; returns the result and the seconds spent making the service curve."""
    required, opts, curve, curve_s = inputs(case, mode, limit_s, target, floor)
    return solve_roster(required, case.roster, opts, progress=progress,
                        service=curve), curve_s


def measure(case: Case, res: RosterResult) -> dict[str, float]:
    cov = res.coverage.set_index("interval_start")
    ev = evaluate(case.demand, cov["scheduled"].astype(float), case.goals, freq=case.freq)
    iv = ev.intervals
    calls = iv["calls"].to_numpy() > 0
    sl = iv["service_level"].to_numpy()[calls]
    assert case.roster.open_hours is not None
    closed = ~np.asarray(case.roster.open_hours.mask(cov.index), bool)
    freq_h = pd.Timedelta(case.freq).total_seconds() / 3600
    out = {"wages": float(res.cost or 0.0), "weekly": float(ev.week["service_level"]),
           "below": int((sl < 0.8 - 1e-9).sum()), "lowest": float(sl.min()),
           "closed_h": float(cov["scheduled"].to_numpy()[closed].sum() * freq_h)}
    if "service_level_promised" in cov:
        prom = cov["service_level_promised"].reindex(iv.index).to_numpy()[calls]
        out["promise_pt"] = float(np.abs(prom - sl).max() * 100)
    return out


def cancel_check(case: Case, mode: str, limit_s: float) -> str:
    """Cancel 1 s after ``solve_roster`` is called; does a roster come back?"""
    required, opts, curve, _ = inputs(case, mode, limit_s)
    ev = threading.Event()
    timer = threading.Timer(1.0, ev.set)
    t0 = time.perf_counter()
    timer.start()
    res = solve_roster(required, case.roster, opts, cancel=ev, service=curve)
    timer.cancel()
    got = "roster" if res.coverage is not None and not res.coverage.empty else "NO roster"
    return f"{res.status.value} after {time.perf_counter() - t0:.1f} s, {got}"


#: The solves per case: (key, model objective, weekly target: 80 % or the requirement
#: roster's, interval floor, label in the table).
MODES = (("requirements", "requirements", None, None, "requirements"),
         ("service", "service", None, 0.5, "service 80 %"),
         ("same", "service", "same", 0.5, "service, same SL"),
         ("nofloor", "service", "same", None, "service, same SL, no floor"))


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    flags = [a for a in sys.argv[1:] if a.startswith("--")]
    limit_s = float(args[0]) if args else 60.0
    only = set(args[1:])
    keys = {"requirements", "service", "same"}
    for f in flags:
        if f.startswith("--modes="):
            keys = set(f.split("=", 1)[1].split(",")) | {"requirements"}
    with_cancel = "--no-cancel" not in flags
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"machine: {os.cpu_count()} cores; {load}; {limit_s:g} s per solve", flush=True)
    base = PlanConfig.from_toml(ROOT / "data" / "plan.toml")
    rows: list[dict[str, Any]] = []
    cancels: list[str] = []
    for case in cases(base):
        if only and case.name not in only:
            continue
        target = None
        for key, mode, aim, floor, label in MODES:
            if key not in keys:
                continue
            trace = Trace()
            res, curve_s = solve(case, mode, limit_s, target=target if aim == "same" else None,
                                 progress=trace, floor=floor)
            m = measure(case, res)
            if mode == "requirements":
                target = m["weekly"]
            first = trace.first_s()
            gaps = [trace.gap_at(t, res) for t in (5.0, 30.0, 60.0)]
            row = {"case": case.name, "mode": label, **m, "status": res.status.value,
                   "bound": res.bound,
                   "first_s": None if first is None else curve_s + first,
                   "gap5": gaps[0], "gap30": gaps[1], "gap60": gaps[2]}
            rows.append(row)
            print(f"{case.name} | {label}: {row}", flush=True)
        for mode in ("requirements", "service") if with_cancel else ():
            got = cancel_check(case, mode, limit_s)
            cancels.append(f"{case.name}, {mode}: {got}")
            print(f"{case.name} | cancel at 1 s, {mode}: {got}", flush=True)
    print(f"\nmachine after: {subprocess.run(['uptime'], capture_output=True, text=True).stdout}")
    print(table(rows))
    print("\ncancel 1 s after the call:\n" + "\n".join(f"- {c}" for c in cancels))


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.2%}"


def table(rows: list[dict[str, Any]]) -> str:
    head = ("| case | mode | wages | vs req. | bound vs req. | weekly SL | < 80 % | lowest | "
            "closed h | first roster | gap 5 s | gap 30 s | gap 60 s | promise err |")
    lines = [head, "|" + "---|" * 14]
    base: dict[str, float] = {}
    for r in rows:
        if r["mode"] == "requirements":
            base[r["case"]] = r["wages"]
        rel = "-" if r["mode"] == "requirements" else f"{r['wages'] / base[r['case']] - 1:+.1%}"
        # service mode: the proven bound against the requirement roster's wages (> 0: no
        # service roster with these floors can be as cheap)
        brel = ("-" if r["mode"] == "requirements" or r.get("bound") is None
                else f"{r['bound'] / base[r['case']] - 1:+.1%}")
        first = "-" if r["first_s"] is None else f"{r['first_s']:.2f} s"
        err = "-" if "promise_pt" not in r else f"{r['promise_pt']:.3f} pt"
        lines.append(f"| {r['case']} | {r['mode']} | {r['wages']:,.0f} | {rel} | {brel} | "
                     f"{r['weekly']:.1%} | {r['below']} | {r['lowest']:.1%} | "
                     f"{r['closed_h']:g} | {first} | {_pct(r['gap5'])} | {_pct(r['gap30'])} | "
                     f"{_pct(r['gap60'])} | {err} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
