"""Training and meetings: the activity MIP against the greedy placement, same schedule.

The bundled 25 agents (``data/agents.csv``, ``data/agents_contracts.toml``) are scheduled on
the bundled week Mon 22 - Sun 28 Feb 1999 as offered load ``ceil(calls * aht_s / 900)``
(2 % gap); then two sets of activities are placed on that schedule, by the greedy and by the
MIP (shifts fixed, breaks re-placed with the activities, warm-started from the greedy):

- ``bundled``: the example's 8-person team meeting (30 min, together, Sun-Thu 12-16) and
  2 h of training a week for six agents;
- ``everyone``: every agent 2 h of training this week (08-18) and the team meeting.

One line per case and method: coverage cost (the schedule's under/over weights, recomputed
from the shift rows), attendances placed of needed, seconds, MIP status and gap. The ratio
``mip/greedy`` of the coverage cost *added by the activities* is the figure to compare.

Run: ``.venv/bin/python benchmarks/bench_activities.py [--time-limit 60]``
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from staffing.agents.activities import Activity, place_activities
from staffing.agents.domain import Window
from staffing.agents.read import read_agents, read_setup
from staffing.agents.schedule import schedule_agents
from staffing.agents.solve import AgentSolverOptions
from staffing.config import PlanConfig
from staffing.io import read_history

ROOT = Path(__file__).parents[1]
TZ = "Asia/Jerusalem"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--time-limit", type=float, default=60.0, help="seconds for the shifts")
    ap.add_argument("--mip-limit", type=float, default=30.0, help="seconds for the MIP")
    args = ap.parse_args()
    cfg = PlanConfig.from_toml(ROOT / "data" / "plan.toml")
    setup = read_setup(ROOT / "data" / "agents_contracts.toml")
    tpls = cfg.roster.templates
    people = read_agents(ROOT / "data" / "agents.csv", setup.contracts,
                         tuple(t.name for t in tpls))
    hist = read_history(ROOT / "data" / "anonymous_bank_15min.csv", tz=TZ)
    wk = hist.loc["1999-02-22":"1999-02-28"]
    load = np.ceil(wk["calls"].to_numpy() * wk["aht_s"].fillna(0).to_numpy() / 900)
    idx = pd.date_range("1999-03-01", periods=len(load), freq="15min", tz=TZ)
    req = pd.Series(load, index=idx)
    t0 = time.perf_counter()
    res = schedule_agents(req, tpls, people, penalties=setup.penalties,
                          options=AgentSolverOptions(time_limit_s=args.time_limit,
                                                     mip_rel_gap=0.02),
                          weekend_days=setup.weekend_days)
    print(f"# schedule: {res.status.value}, {len(res.shifts)} shifts, gap {res.gap}, "
          f"{time.perf_counter() - t0:.1f} s; load {os.getloadavg()[0]:.1f}")
    pen = setup.penalties
    base = float(pen.under_per_agent_interval * res.coverage["under"].sum()
                 + pen.over_per_agent_interval * res.coverage["over"].sum())
    meeting = next(a for a in setup.activities if a.together)
    cases = {"bundled": list(setup.activities),
             "everyone": [Activity("training", 120, repeat="weekly",
                                   window=Window(8 * 60, 18 * 60)), meeting]}
    print(f"# coverage cost before activities: {base:g}")
    print("case method coverage_cost added placed needed seconds mip_status mip_gap")
    for name, acts in cases.items():
        added = {}
        for method in ("greedy", "optimise"):
            t1 = time.perf_counter()
            r = place_activities(res, acts, method=method, penalties=pen,
                                 options=AgentSolverOptions(time_limit_s=args.mip_limit,
                                                            mip_rel_gap=1e-4))
            s = time.perf_counter() - t1
            a = r.activities
            added[method] = a["coverage_cost"] - base
            print(f"{name} {method} {a['coverage_cost']:g} {added[method]:g} {a['placed']} "
                  f"{a['needed']} {s:.1f} {a.get('mip_status', '-')} {a.get('mip_gap', '-')}")
        if added["greedy"] > 0:
            print(f"# {name}: mip/greedy added cost {added['optimise'] / added['greedy']:.3f}")
    print(f"# load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
