"""Several queues with skills (``staffing.queues``) on the 2-core machine.

1. **Synthetic voice + chat + email center** (``data/queues_center.toml``, one week of
   15-minute intervals): dedicated teams (one group per queue) vs the same teams plus a
   cross-skilled pool (all three skills) capped at 30 % of the dedicated plan's headcount, at
   the same goals. Prints wages, agents, per-queue predicted (Erlang on the agents serving
   the queue) and simulated (skill-based routing) SL with the difference in points, and the
   email deadline (model: late work; simulation: share of items on time).
2. **Anonymous Bank, real call types** (``data/queues_bank.toml``: retail = PS + PE, new =
   NW, stocks = NE, tech = TT + IN): per-queue requirements, roster size, build and solve
   seconds, status and gap, predicted SL per queue and the simulated SL under skill routing.

State the machine load (``uptime``) with the figures: solves share 2 cores with other work.

Run: ``.venv/bin/python benchmarks/bench_queues.py [--time-limit 120] [--replications 5]``
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time
import warnings

from staffing.io.bundled import bundled_path
from staffing.queues import MultiQueueConfig, SkillGroup
from staffing.queues.demand import queue_demand
from staffing.queues.plan import QueuesPlanResult, plan_queues


def _with_reps(cfg: MultiQueueConfig, reps: int) -> MultiQueueConfig:
    configs = {k: dataclasses.replace(v, simulation=dataclasses.replace(
        v.simulation, replications=reps)) for k, v in cfg.configs.items()}
    return dataclasses.replace(cfg, configs=configs)


def _report(name: str, res: QueuesPlanResult, wall_s: float) -> None:
    r = res.roster
    gap = f"{r.gap:.2%}" if r.gap is not None else "-"
    per = r.tours.groupby("group").size().to_dict() if not r.tours.empty else {}
    print(f"{name}: status {r.status.value}, wages {r.cost:,.0f}, agents {len(r.tours)} "
          f"{per}, gap {gap}, size {r.size['columns']:,} cols x {r.size['rows']:,} rows "
          f"({r.size['integer_columns']:,} integer), build {r.build_s:.1f} s, "
          f"solve {r.runtime_s:.1f} s, wall {wall_s:.1f} s")
    if not r.has_roster:
        return
    table = res.queue_table()
    for row in table.to_dict(orient="records"):
        if row["channel"] == "email":
            print(f"  {row['queue']:8s} email  {row['goal']}: {row['calls']:,.0f} items, "
                  f"late work {row['late_agent_hours']:.2f} agent-h (deadline "
                  f"{'met' if row['deadline_met'] else 'missed'}), simulated on time "
                  f"{row.get('simulated_on_time', float('nan')):.1%}")
            continue
        p, s = row.get("predicted_sl"), row.get("simulated_sl")
        diff = (s - p) * 100 if p is not None and s is not None else float("nan")
        print(f"  {row['queue']:8s} {row['channel']:6s} {row['goal']}: "
              f"{row['calls']:,.0f} calls, required {row['required_agent_hours']:,.1f} "
              f"agent-h on the phone, predicted SL {p:.1%}, simulated {s:.1%} "
              f"[{row['simulated_sl_low']:.1%}, {row['simulated_sl_high']:.1%}], "
              f"sim - pred {diff:+.1f} pts")


def center(time_limit: float, reps: int) -> None:
    cfg = _with_reps(MultiQueueConfig.from_toml(bundled_path("queues_center.toml")), reps)
    demand = queue_demand(cfg)
    t0 = time.perf_counter()
    dedicated = plan_queues(cfg, demand=demand, time_limit_s=time_limit)
    _report("center, dedicated teams", dedicated, time.perf_counter() - t0)
    cap = max(1, round(0.3 * len(dedicated.roster.tours)))
    pool = SkillGroup("pool", tuple(q.name for q in cfg.queues), (), cap)
    t0 = time.perf_counter()
    mixed = plan_queues(cfg, groups=(*cfg.groups, pool), demand=demand,
                        time_limit_s=time_limit)
    _report(f"center, teams + cross-skilled pool (<= {cap} = 30 % of the dedicated "
            f"headcount)", mixed, time.perf_counter() - t0)
    d, m = dedicated.roster.cost, mixed.roster.cost
    if dedicated.roster.has_roster and mixed.roster.has_roster:
        print(f"  wages pooled / dedicated: {m / d:.3f} ({m - d:+,.0f})")


def bank(time_limit: float, reps: int) -> None:
    cfg = _with_reps(MultiQueueConfig.from_toml(bundled_path("queues_bank.toml")), reps)
    demand = queue_demand(cfg)
    freq_h = cfg.grid.freq.total_seconds() / 3600
    for name, d in demand.items():
        req = d.requirements
        print(f"  bank {name:7s}: {req['calls'].sum():,.0f} calls, AHT "
              f"{(req['aht_s'] * req['calls']).sum() / max(req['calls'].sum(), 1):.0f} s, "
              f"{req['agents_net'].sum() * freq_h:,.1f} agent-h on the phone, "
              f"{req['agents_required'].sum() * freq_h:,.1f} scheduled (Erlang "
              f"{'A' if d.goals.patience_s else 'C'}, patience "
              f"{d.goals.patience_s or 0:.0f} s)")
    t0 = time.perf_counter()
    res = plan_queues(cfg, demand=demand, time_limit_s=time_limit)
    _report("bank, 4 voice queues, 3 skill groups", res, time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--time-limit", type=float, default=120.0)
    ap.add_argument("--replications", type=int, default=5)
    ap.add_argument("--only", choices=["center", "bank"], default=None)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; time limit "
          f"{args.time_limit:g} s per solve, {args.replications} replications")
    if args.only in (None, "center"):
        center(args.time_limit, args.replications)
    if args.only in (None, "bank"):
        bank(args.time_limit, args.replications)


if __name__ == "__main__":
    main()
