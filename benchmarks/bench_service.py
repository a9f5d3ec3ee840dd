"""Requirement mode vs service mode on the bundled plan (issue 12).

For each case the bundled ``data/plan.toml`` week (Erlang A, 80 % in 20 s, shrinkage 25 %,
min staff 1, 4 templates with breaks) is planned twice with the same 80/20 goal: ``[solver]
objective = "requirements"`` (cover the per-interval Erlang requirement, penalties per
agent-hour) and ``"service"`` (least wages with the weekly volume-weighted SL >= 80 % and every
staffable interval with calls >= ``min_interval_service_level``). Printed per run: wages, paid
agent-hours, weekly predicted SL (``staffing.evaluate``), intervals with calls below 80 %,
lowest interval SL, paid agent-hours while closed, time to the first roster, final gap, the
largest |model promise - evaluation| per interval (service mode). Cases: the bundled week and
the same at 3x volume (``volume_scale``).

Run: ``.venv/bin/python benchmarks/bench_service.py [time_limit_s]``.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from staffing.config import PlanConfig
from staffing.pipeline import plan

ROOT = Path(__file__).resolve().parent.parent


def closed_paid_hours(cfg: PlanConfig, coverage: pd.DataFrame, freq_h: float) -> float:
    idx = pd.DatetimeIndex(coverage["interval_start"])
    if cfg.open_hours is None:
        return 0.0
    closed = ~np.asarray(cfg.open_hours.mask(idx), bool)
    return float(coverage["scheduled"].to_numpy()[closed].sum() * freq_h)


def run(cfg: PlanConfig, label: str, limit_s: float) -> dict[str, float]:
    first: list[float] = []
    t0 = time.perf_counter()

    def on(event: object) -> None:
        obj = getattr(event, "solver", None)
        if not first and obj is not None and getattr(obj, "objective", None) is not None:
            first.append(time.perf_counter() - t0)

    res = plan(cfg, progress=on, time_limit_s=limit_s, simulate=False)
    r = res.roster
    ev = res.evaluation
    freq_h = pd.Timedelta(cfg.freq).total_seconds() / 3600
    iv = ev.intervals
    with_calls = iv["calls"] > 0
    sl = iv["service_level"][with_calls]
    out = {"wages": r.cost, "agent_hours": r.agent_hours, "weekly_sl": ev.week["service_level"],
           "below": int((sl < cfg.service_goals(res.goals.patience_s).service_level).sum()),
           "lowest": float(sl.min()), "closed_h": closed_paid_hours(cfg, r.coverage, freq_h),
           "gap": r.gap if r.gap is not None else float("nan"),
           "build_s": r.build_s, "runtime_s": r.runtime_s}
    if "service_level_promised" in r.coverage:
        prom = r.coverage.set_index("interval_start")["service_level_promised"]
        diff = (prom.reindex(iv.index) - iv["service_level"]).abs()[with_calls]
        out["promise_err_pt"] = float(diff.max() * 100)
    print(f"{label}: status {r.status.value}, wages {out['wages']:,.0f}, paid "
          f"{out['agent_hours']:g} h, weekly SL {out['weekly_sl']:.1%}, intervals < target "
          f"{out['below']}, lowest {out['lowest']:.1%}, paid while closed {out['closed_h']:g} h, "
          f"gap {out['gap']:.2%}, build {out['build_s']:.2f} s, solve {out['runtime_s']:.1f} s"
          + (f", max |promise - evaluate| {out['promise_err_pt']:.3f} pt"
             if "promise_err_pt" in out else ""))
    return out


def main() -> None:
    limit_s = float(sys.argv[1]) if len(sys.argv) > 1 else 60.0
    print(f"machine: {os.cpu_count()} cores; time limit {limit_s:g} s per solve")
    base = PlanConfig.from_toml(ROOT / "data" / "plan.toml")
    base = dataclasses.replace(base, solver=dataclasses.replace(base.solver, mip_rel_gap=0.005))
    for label, cfg in (("bundled week", base),):
        req_cfg = dataclasses.replace(cfg, solver=dataclasses.replace(
            cfg.solver, objective="requirements"))
        a = run(req_cfg, f"{label}, requirements", limit_s)
        for floor in (None, 0.5):
            svc_cfg = dataclasses.replace(cfg, solver=dataclasses.replace(
                cfg.solver, objective="service", min_interval_service_level=floor))
            b = run(svc_cfg, f"{label}, service (interval floor {floor})", limit_s)
            print(f"{label}: service (floor {floor}) wages {b['wages'] / a['wages'] - 1:+.1%} "
                  f"vs requirements, weekly SL {b['weekly_sl']:.1%} vs {a['weekly_sl']:.1%}")


if __name__ == "__main__":
    main()
