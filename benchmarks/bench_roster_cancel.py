"""Cancel latency of ``solve_roster`` (issue 11, defect 13), during build and solve.

Cases: the bench week of ``bench_roster.py`` (15-minute grid, ~6,000 columns) and the same week
on a 5-minute grid with 5-minute start steps (~25,000+ columns, where HiGHS's own interrupt
callbacks were silent for 12-74 s before). For each case the cancel event is set at several
delays after the call (during the build for the small delays, during presolve/root LP/branch
and bound for the later ones) and the latency from ``cancel.set()`` to the return of
``solve_roster`` is measured, with the status and whether a roster came back.

Run: ``.venv/bin/python benchmarks/bench_roster_cancel.py``.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_roster import full_config, requirement  # noqa: E402

from staffing.hours import OpenHours  # noqa: E402
from staffing.roster import RosterConfig, SolverOptions, solve_roster  # noqa: E402


def five_minute_case(req: pd.Series, cfg: RosterConfig) -> tuple[pd.Series, RosterConfig]:
    idx = pd.date_range(req.index[0], periods=len(req) * 3, freq="5min", name=req.index.name)
    fine = req.reindex(idx, method="ffill")
    tpls = tuple(dataclasses.replace(t, start_step_min=5) for t in cfg.templates)
    return fine, RosterConfig(tpls, cfg.rules, cfg.penalties, cfg.open_hours)


def latency(req: pd.Series, cfg: RosterConfig, delay_s: float) -> tuple[float, str, bool, float]:
    cancel = threading.Event()
    fired: list[float] = []

    def fire() -> None:
        fired.append(time.perf_counter())
        cancel.set()

    timer = threading.Timer(delay_s, fire)
    t0 = time.perf_counter()
    timer.start()
    res = solve_roster(req, cfg, SolverOptions(time_limit_s=600, mip_rel_gap=0), cancel=cancel)
    end = time.perf_counter()
    timer.cancel()
    if not fired:  # finished before the cancel
        return float("nan"), res.status.value, res.has_roster, end - t0
    return end - fired[0], res.status.value, res.has_roster, res.build_s


def main() -> None:
    print(f"machine: {os.cpu_count()} cores")
    hours = OpenHours.from_dict({"sun-thu": "07:00-24:00", "fri": "07:00-14:00",
                                 "sat": "19:00-23:00"}, min_staff=1)
    req = requirement(hours)
    cfg = full_config(hours)
    solve_roster(req, cfg, SolverOptions(time_limit_s=5))  # warm-up (imports)
    cases = {"week 15 min": (req, cfg), "week 5 min, 5-min starts": five_minute_case(req, cfg)}
    delays = (0.05, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0)
    for name, (r, c) in cases.items():
        lat = []
        for d in delays:
            s, status, has, build_s = latency(r, c, d)
            lat.append(s)
            print(f"{name}: cancel at {d:5.2f} s -> answered after {s:.3f} s, {status}, "
                  f"roster {'yes' if has else 'no'} (build {build_s:.2f} s)")
        ok = [x for x in lat if np.isfinite(x)]
        if ok:
            print(f"{name}: median {np.median(ok):.3f} s, max {max(ok):.3f} s over {len(ok)}")


if __name__ == "__main__":
    main()
