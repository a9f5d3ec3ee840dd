"""Discrete-event simulation speed on the bundled data.

Prints seconds to simulate one week of the Anonymous Bank center (15-minute intervals, ~6,000
calls, real handle times resampled, Erlang A patience) for 1, 10 and 30 replications, and the
per-call cost. Run: ``python benchmarks/bench_simulate.py``.
"""

from __future__ import annotations

import os
import platform
import time
import warnings
from pathlib import Path

import numpy as np

from staffing.io import read_call_log
from staffing.simulate import SimulationOptions, simulate

DATA = Path(__file__).resolve().parent.parent / "data"


def main() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        log = read_call_log(DATA / "anonymous_bank_feb1999_calls.csv", tz="Asia/Jerusalem")
    hist = log.to_intervals("15min")
    week = hist.loc["1999-02-14":"1999-02-20", ["calls", "aht_s"]].copy()
    week["calls"] = week["calls"].astype(float)
    week["aht_s"] = week["aht_s"].fillna(180.0)
    agents = np.ceil(week["calls"] * week["aht_s"] / 900 + 2 * (week["calls"] > 0))
    served = log.calls.loc[log.calls["outcome"] == "served", "handle_s"]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")
    print(f"week: {len(week)} intervals, {week['calls'].sum():.0f} calls expected")
    for reps in (1, 10, 30):
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            r = simulate(week, agents, patience_s=300.0, handle_s=served,
                         options=SimulationOptions(replications=reps, seed=0))
            best = min(best, time.perf_counter() - t0)
        calls = r.week["offered"] * reps
        print(f"{reps:>3} replications: {best:.3f} s (best of 3), "
              f"{best / calls * 1e6:.2f} us per simulated call, "
              f"SL {r.week['service_level']:.3f}")


if __name__ == "__main__":
    main()
