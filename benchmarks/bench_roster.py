"""Roster solve on a week of 15-minute intervals from the bundled Anonymous Bank data.

Requirement: Sun 1999-02-07 .. Sat 1999-02-13 of ``data/anonymous_bank_15min.csv`` with a crude
offered-load rule, ``ceil(calls * aht_s / 900) + 1`` agents when calls arrive (the Erlang module
is not used, so this script measures the roster alone), zero outside the centre's open hours
(Sun-Thu 07:00-24:00, Fri 07:00-14:00, Sat 19:00-23:00).

1. **Full model** (``data/roster_example.toml``-like, 15-minute start steps): 4 templates with
   lunch windows (+ coffee breaks), 5-day tours with 2 consecutive days off, 2-hour start band,
   weekly hours, part-time share, headcount, minimum staff 1 in open hours. Prints build s,
   solve s, objective, dual bound, gap, and the time at which the incumbent was first within
   0.5 % of the bound.
2. **Daily shifts vs pyworkforce**: the same requirement and the same shift starts/lengths (no
   breaks, no tours, coverage hard, every template on every day, since
   ``pyworkforce.scheduling.MinRequiredResources`` has none of these), cost = paid hours.
   Both minimise agent-hours; prints agent-hours and seconds for each.

3. **Build vs first incumbent** (issue 11): the model build with the old path (Pyomo model loaded
   through APPSI ``set_instance``, as before issue 11) and the new one (Pyomo model compiled by
   Pyomo's public ``LinearStandardFormCompiler``, loaded with ``passModel``), and the builder's
   rows loaded directly for reference, each against the time HiGHS takes to its first incumbent
   on the same model, in the same run (after one warm-up solve, so imports are not counted).

Run: ``.venv/bin/python benchmarks/bench_roster.py``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd

from staffing.hours import OpenHours
from staffing.io import read_history
from staffing.roster import (
    BreakRule,
    Penalties,
    RosterConfig,
    ShiftTemplate,
    SolveProgress,
    SolverOptions,
    WeeklyRules,
    solve_roster,
)

ROOT = Path(__file__).resolve().parent.parent
TZ = "Asia/Jerusalem"
SUN_THU, SUN_FRI, ALL = (6, 0, 1, 2, 3), (6, 0, 1, 2, 3, 4), tuple(range(7))

try:
    from pyworkforce.scheduling import MinRequiredResources
except ImportError:  # pragma: no cover - optional peer
    MinRequiredResources = None


def requirement(hours: OpenHours) -> pd.Series:
    hist = read_history(ROOT / "data" / "anonymous_bank_15min.csv", tz=TZ)
    week = hist.loc["1999-02-07":"1999-02-13"]
    aht = week["aht_s"].fillna(week["aht_s"].median())
    req = np.ceil(week["calls"] * aht / 900) + (week["calls"] > 0)
    return req.where(hours.mask(req.index), 0.0).rename("required")


def t(h: int, m: int = 0) -> dt.time:
    return dt.time(h, m)


def templates() -> tuple[ShiftTemplate, ...]:
    coffee = BreakRule(15, 90, 150, paid=True, name="break")
    lunch = BreakRule(30, 195, 300, min_gap_min=30, paid=False, name="lunch")
    return (
        ShiftTemplate("early", t(7), t(9), 15, 8.0, SUN_FRI, 20.0, breaks=(coffee, lunch)),
        ShiftTemplate("day", t(9), t(11, 30), 15, (7.0, 8.0), SUN_THU, 20.0,
                      breaks=(coffee, lunch)),
        ShiftTemplate("late", t(14), t(15, 30), 15, 8.0, SUN_THU, 23.0,
                      breaks=(coffee, lunch)),
        ShiftTemplate("peak-pt", t(9), t(19), 15, 4.0, SUN_THU + (5,), 18.0, part_time=True,
                      max_headcount=30, breaks=(coffee,)),
    )


def full_config(hours: OpenHours) -> RosterConfig:
    rules = WeeklyRules(workdays=5, consecutive_days_off=2, start_band_minutes=120,
                        min_weekly_hours=15, max_weekly_hours=45, part_time_share_max=0.4)
    return RosterConfig(templates(), rules, Penalties(40.0, 2.0), hours)


def daily_config() -> RosterConfig:
    # without the 30-minute unpaid lunch the late shift needs a 16:00 start to reach 24:00
    tpls = tuple(dataclasses.replace(x, breaks=(), days=ALL, cost_per_hour=1.0,
                                     max_headcount=None,
                                     start_latest=t(16) if x.name == "late" else x.start_latest)
                 for x in templates())
    rules = WeeklyRules(workdays=1, consecutive_days_off=0)
    return RosterConfig(tpls, rules, Penalties(1e4, 0.0))


def run_full(req: pd.Series, cfg: RosterConfig, limit_s: float) -> None:
    first_within = [None]

    def on_progress(p: SolveProgress) -> None:
        if first_within[0] is None and p.gap is not None and p.gap <= 0.005:
            first_within[0] = p.elapsed_s

    res = solve_roster(req, cfg, SolverOptions(time_limit_s=limit_s, mip_rel_gap=1e-4),
                       progress=on_progress)
    s = res.summary()
    hit = f"{first_within[0]:.2f} s" if first_within[0] is not None else "n/a"
    print(f"full model: status {s['status']}, build {res.build_s:.3f} s, solve "
          f"{res.runtime_s:.2f} s, objective {res.objective:,.1f}, bound {res.bound:,.1f}, "
          f"gap {res.gap:.4%}, within 0.5% of bound after {hit}")
    print(f"  agents {s['agents']}, shifts {s['shifts']}, agent-hours {res.agent_hours:g}, "
          f"wages {res.cost:,.0f}")
    print("  " + res.penalty_report().replace("\n", "\n  "))


def run_daily(req: pd.Series) -> None:
    cfg = daily_config()
    t0 = time.perf_counter()
    res = solve_roster(req, cfg, SolverOptions(time_limit_s=60, mip_rel_gap=0))
    ours_s = time.perf_counter() - t0
    under = res.coverage["under"].sum()
    print(f"daily shifts, staffing (HiGHS): {res.status.value}, agent-hours "
          f"{res.agent_hours:g}, under {under:g}, {ours_s:.2f} s (build {res.build_s:.3f} s)")
    if MinRequiredResources is None:
        print("pyworkforce not installed; skipped")
        return
    periods = 96
    shifts: dict[str, list[int]] = {}
    for x in cfg.templates:
        for lm in x.lengths_min:
            for sm in x.start_times_min():
                a, b = sm // 15, (sm + lm) // 15
                cov = [1 if a <= p < b else 0 for p in range(periods)]
                shifts[f"{x.name}_{lm // 60}h_{sm // 60:02d}{sm % 60:02d}"] = cov
    costs = {k: sum(v) / 4 for k, v in shifts.items()}  # paid hours
    # days in calendar order of the requirement (DST-free week, 96 intervals a day)
    required = req.to_numpy().reshape(7, periods).astype(int).tolist()
    t0 = time.perf_counter()
    sched = MinRequiredResources(num_days=7, periods=periods, shifts_coverage=shifts,
                                 required_resources=required, max_period_concurrency=500,
                                 max_shift_concurrency=200, cost_dict=costs,
                                 max_search_time=60.0, num_search_workers=2)
    sol = sched.solve()
    pw_s = time.perf_counter() - t0
    print(f"daily shifts, pyworkforce MinRequiredResources (CP-SAT, 2 workers): "
          f"{sol['status']}, agent-hours {sol['cost']:g}, {pw_s:.2f} s "
          f"({len(shifts)} shifts x 7 days)")


def run_build_ratio(req: pd.Series, cfg: RosterConfig, repeats: int = 3) -> None:
    from staffing.roster.build import build_model, make_horizon
    from staffing.roster.highs import compile_pyomo, load

    try:
        from pyomo.contrib.appsi.solvers.highs import Highs as AppsiHighs
    except ImportError:  # pragma: no cover - appsi ships with Pyomo 6.x
        AppsiHighs = None

    def first_incumbent_s() -> float | None:
        first: list[float] = []

        def on(p: SolveProgress) -> None:
            if not first and p.objective is not None:
                first.append(p.elapsed_s)

        solve_roster(req, cfg, SolverOptions(time_limit_s=60, mip_rel_gap=0.01), progress=on)
        return first[0] if first else None

    first_incumbent_s()  # warm-up: imports, HiGHS scheduler
    rows: dict[str, list[float]] = {"before: Pyomo + APPSI set_instance": [],
                                    "after: Pyomo + standard-form compiler + passModel": [],
                                    "reference: builder rows + passModel (no Pyomo)": []}
    firsts = []
    for _ in range(repeats):
        horizon = make_horizon(req, cfg)
        t0 = time.perf_counter()
        built = build_model(horizon, cfg)
        t_model = time.perf_counter() - t0
        t0 = time.perf_counter()
        load(compile_pyomo(built.model, built.n_cols))
        rows["after: Pyomo + standard-form compiler + passModel"].append(
            t_model + time.perf_counter() - t0)
        t0 = time.perf_counter()
        load(built.form)
        rows["reference: builder rows + passModel (no Pyomo)"].append(
            t_model - t_pyomo(built) + time.perf_counter() - t0)
        if AppsiHighs is not None:
            opt = AppsiHighs()
            opt.config.stream_solver = False
            t0 = time.perf_counter()
            opt.set_instance(built.model)
            rows["before: Pyomo + APPSI set_instance"].append(t_model + time.perf_counter() - t0)
        firsts.append(first_incumbent_s())
    ok = [f for f in firsts if f is not None]
    first = float(np.median(ok)) if ok else float("nan")
    print(f"build vs first incumbent (median of {repeats}; HiGHS first incumbent "
          f"{first:.2f} s after its start, gap 1 %):")
    for name, ts in rows.items():
        if not ts:
            continue
        b = float(np.median(ts))
        print(f"  {name}: build {b:.3f} s, build / first incumbent {b / first:.1%}, "
              f"build / (build + first incumbent) {b / (b + first):.1%}")


def t_pyomo(built: object) -> float:
    """Seconds the Pyomo part of the build took (timed by rebuilding it from the rows)."""
    from staffing.roster import build as b

    form = built.form  # type: ignore[attr-defined]
    fam: dict[str, list] = {name: [] for name in b.FAMILIES}
    for r in range(form.n_rows):
        lo, hi = form.indptr[r], form.indptr[r + 1]
        fam[form.row_family[r]].append((form.indices[lo:hi], form.data[lo:hi],
                                        form.row_lb[r], form.row_ub[r]))
    t1 = time.perf_counter()
    b._pyomo_model(form, fam, None)
    return time.perf_counter() - t1


def main() -> None:
    print(f"machine: {os.cpu_count()} cores, {platform.machine()}, Python "
          f"{platform.python_version()}")
    hours = OpenHours.from_dict({"sun-thu": "07:00-24:00", "fri": "07:00-14:00",
                                 "sat": "19:00-23:00"}, min_staff=1)
    req = requirement(hours)
    print(f"requirement: {len(req)} intervals, {req.sum() / 4:g} agent-hours, peak "
          f"{req.max():g}")
    cfg = full_config(hours)
    run_full(req, cfg, 60.0)
    run_daily(req)
    run_build_ratio(req, cfg)


if __name__ == "__main__":
    main()
