"""Scale of the named-agent schedule (``staffing.agents.schedule_agents``) on the 2-core machine.

1. **300 agents, one week** of 15-minute intervals, the 4 templates of ``data/plan.toml``
   (early / day / late / part-time, with breaks and lunch windows): requirement = the bundled
   week Mon 22 - Sun 28 Feb 1999 as offered load ``ceil(calls * aht_s / 900)`` scaled x12.
2. **50 agents over 4 weeks**: the same week repeated 4 times, scaled x2.

Agents are drawn (seed 0) from the bundled contracts (``data/agents_contracts.toml``): 60 %
full time, 25 % part time, 15 % flex; 20 % with a day-off wish, 10 % with a preferred start
window, 5 % with a day of time off. Prints build and solve seconds, objective, proven bound,
gap and peak memory (max RSS of this process).

Run: ``.venv/bin/python benchmarks/bench_agents.py [--time-limit 60]``
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd

from staffing.agents.domain import Agent, DatedException, Preferences, Window
from staffing.agents.read import read_setup
from staffing.agents.schedule import schedule_agents
from staffing.agents.solve import AgentSolverOptions
from staffing.config import PlanConfig
from staffing.io import read_history

ROOT = Path(__file__).parents[1]
TZ = "Asia/Jerusalem"


def requirement(weeks: int, scale: float) -> pd.Series:
    hist = read_history(ROOT / "data" / "anonymous_bank_15min.csv", tz=TZ)
    wk = hist.loc["1999-02-22":"1999-02-28"]
    load = np.ceil(wk["calls"].to_numpy() * wk["aht_s"].fillna(0).to_numpy() / 900) * scale
    idx = pd.date_range("1999-03-01", periods=len(load) * weeks, freq="15min", tz=TZ)
    return pd.Series(np.tile(np.ceil(load), weeks), index=idx)


def agents(n: int, days: int, seed: int = 0) -> list[Agent]:
    rng = np.random.default_rng(seed)
    c = read_setup(ROOT / "data" / "agents_contracts.toml").contracts
    names = rng.choice(["full_time", "part_time", "flex"], size=n, p=[0.6, 0.25, 0.15])
    out = []
    first = dt.date(1999, 3, 1)
    for i, cn in enumerate(names):
        prefs = Preferences()
        if rng.random() < 0.2:
            prefs = dataclasses.replace(prefs, days_off_weekdays=(int(rng.integers(7)),))
        if rng.random() < 0.1:
            h = int(rng.integers(7, 15))
            prefs = dataclasses.replace(prefs, preferred_start=Window(h * 60, h * 60 + 180))
        exc: tuple[DatedException, ...] = ()
        if rng.random() < 0.05:
            exc = (DatedException(first + dt.timedelta(days=int(rng.integers(days))),
                                  "time_off"),)
        out.append(Agent(id=f"P{i:03d}", name=f"P{i:03d}", contract=c[str(cn)],
                         exceptions=exc, preferences=prefs, seniority=int(rng.integers(10))))
    return out


def run(label: str, n: int, weeks: int, scale: float, limit: float, method: str) -> None:
    cfg = PlanConfig.from_toml(ROOT / "data" / "plan.toml")
    req = requirement(weeks, scale)
    setup = read_setup(ROOT / "data" / "agents_contracts.toml")
    t0 = time.perf_counter()
    r = schedule_agents(req, cfg.roster.templates, agents(n, 7 * weeks),
                        penalties=setup.penalties, weekend_days=setup.weekend_days,
                        options=AgentSolverOptions(time_limit_s=limit, mip_rel_gap=0.02),
                        method=method)
    wall = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    gap = "-" if r.gap is None else f"{r.gap:.4f}"
    print(f"{label} [{method}]: status {r.status.value}, build {r.build_s:.1f} s, solve "
          f"{r.solve_s:.1f} s, wall {wall:.1f} s, objective {r.objective}, bound {r.bound}, "
          f"gap {gap}, shifts {len(r.shifts)}, peak RSS {rss:.0f} MiB", flush=True)
    for note in r.notes:
        print(f"  {note}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--only", choices=["300x1", "50x4"], default=None)
    ap.add_argument("--method", choices=["auto", "mip", "decompose"], default="auto")
    args = ap.parse_args()
    load = os.getloadavg()
    print(f"# {os.cpu_count()} cores, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; "
          f"time limit {args.time_limit:g} s (build + solve)")
    if args.only in (None, "300x1"):
        run("300 agents x 1 week", 300, 1, 12.0, args.time_limit, args.method)
    if args.only in (None, "50x4"):
        run("50 agents x 4 weeks", 50, 4, 2.0, args.time_limit, args.method)


if __name__ == "__main__":
    main()
