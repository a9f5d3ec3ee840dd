"""Issue 12 item 7: the overflow decision and extended in-house hours vs outsourcing.

On the bundled week (``data/overflow.toml``: ``data/plan.toml`` plus an answering service at
1.2 per handled minute + 0.5 per call, 60 calls an hour, 75 % answered within 20 s, a weekly
fee of 150; the peak-pt template may start at 20:00):

1. **The decision against the price**: the partner answering at any hour (no ``hours``),
   price per handled minute swept over ``PRICES``; requirement mode. Calls sent, fees, wages,
   wages + fees, under-staffing agent-hours and the weekly (combined) service level: a cheap
   partner takes the nights and the thin hours, a dear one nothing.
2. **Extended in-house hours vs outsourcing** (``staffing.scenario.extension``): base hours,
   Friday 14-16 and Saturday 23-24 added to the open hours, the same extension outsourced; in
   requirement mode and in service mode (weekly SL target 80 %, interval floor 50 %): wages,
   fees, total, weekly SL over the calls each plans for and over all calls, per-day SL.

Every solve has ``LIMIT`` seconds (default 60), one thread, ``mip_rel_gap`` 1 %. Prints one
line per solve and Markdown tables; the load (``uptime``) is printed first.

Run: ``nice .venv/bin/python benchmarks/bench_overflow.py [LIMIT] [price|requirements|service]``
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pandas as pd

from staffing.config import PlanConfig
from staffing.scenario import Scenario, run_scenario
from staffing.scenario.extension import extension_days, extension_scenarios, extension_table

ROOT = Path(__file__).resolve().parents[1]
PRICES = (0.3, 0.6, 1.2, 2.4)


def _md(frame: pd.DataFrame, index: bool = False) -> str:
    """A Markdown table (numbers: fractions as percent, the rest with separators)."""
    f = frame.reset_index() if index else frame

    def cell(v: object, col: str) -> str:
        if isinstance(v, float):
            if v != v:
                return "-"
            if col.startswith("SL") or col.startswith("service") or col == "gap" or (
                    index and col != f.columns[0] and not col.startswith("calls")):
                return f"{v:.1%}"
            return f"{v:,.1f}" if abs(v) < 100 else f"{v:,.0f}"
        return str(v)

    lines = ["| " + " | ".join(map(str, f.columns)) + " |",
             "|" + "---|" * len(f.columns)]
    lines += ["| " + " | ".join(cell(v, str(c)) for c, v in zip(f.columns, row, strict=True))
              + " |" for row in f.itertuples(index=False)]
    return "\n".join(lines)


def _load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def main(limit: float, parts: tuple[str, ...] = ("price", "requirements", "service")) -> None:
    print("load:", _load(), f"| {os.cpu_count()} cores, limit {limit:g} s per solve")
    base = PlanConfig.from_toml(ROOT / "data" / "overflow.toml")
    run = {"time_limit_s": limit, "mip_rel_gap": 0.01, "threads": 1, "simulate": False}
    partner = dict(base.raw["overflow"])
    partner.pop("hours")

    rows = []
    for price in (None, *PRICES) if "price" in parts else ():
        ov = None if price is None else {**partner, "price_per_minute": price}
        sc = Scenario(f"price {price}" if price is not None else "no partner", base,
                      {**run, "overflow": ov})
        t0 = time.perf_counter()
        res = run_scenario(sc)
        m = res.metrics()
        rows.append({"partner price / min": price if price is not None else "-",
                     "status": m["status"], "calls": m["calls"],
                     "calls sent": m.get("overflow_calls", 0.0),
                     "fees": m.get("overflow_fees", 0.0), "wages": m["cost"],
                     "wages + fees": m["cost"] + m.get("overflow_fees", 0.0),
                     "under agent-h": m["under_agent_intervals"] * 0.25,
                     "SL week": m["service_level"], "gap": m["gap"],
                     "s": time.perf_counter() - t0})
        print(rows[-1], flush=True)
    if rows:
        print("\n### The overflow decision against the partner's price (partner at any hour, "
              "requirement mode)\n")
        print(_md(pd.DataFrame(rows)))

    for mode in [m for m in ("requirements", "service") if m in parts]:
        extra = {} if mode == "requirements" else {
            "objective": "service", "min_interval_service_level": 0.5}
        cfg = base
        if extra:
            import dataclasses

            cfg = dataclasses.replace(base, solver=dataclasses.replace(base.solver, **extra))
        items = extension_scenarios(cfg, overrides=run)
        results = []
        for s in items:
            t0 = time.perf_counter()
            results.append(run_scenario(s))
            r = results[-1]
            print(mode, s.name, r.roster.status.value, f"{r.roster.cost:,.0f}",
                  f"fees {r.roster.overflow_fees:,.0f}", f"{time.perf_counter() - t0:.1f} s",
                  flush=True)
        table = extension_table(results)
        print(f"\n### Extended in-house hours vs outsourcing ({mode} mode)\n")
        print(_md(table))
        days = extension_days(results)
        print()
        print(_md(days[[c for c in days.columns if not c.startswith("calls")]], index=True))
    print("\nload:", _load())


if __name__ == "__main__":
    warnings.simplefilter("ignore")
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 60.0,
         tuple(sys.argv[2:]) or ("price", "requirements", "service"))
