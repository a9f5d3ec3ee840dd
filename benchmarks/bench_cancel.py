"""How fast a cancel takes effect on a running API roster job, at two model sizes.

Runs the app in-process (TestClient, SQLite in a temp dir, default settings: each job in its
own process, 0.7 s grace before the process is ended) and for each model:

- ``solve``: DELETE once HiGHS reports a bound (the branch and bound is running);
- ``build``: DELETE as soon as the job is ``running`` (model build / presolve).

Prints seconds from the DELETE to the job being ``cancelled`` (median and max over ``REPS``)
and how often the incumbent was kept (HiGHS returned within the grace) rather than the process
ended. Models: the bundled week (15-minute grid, data/roster_example.toml, ~4k variables) and
a 5-minute week with 4 wide templates (~40k variables, ~0.8 M non-zeros).
Run: ``python benchmarks/bench_cancel.py``.
"""

from __future__ import annotations

import os
import platform
import statistics
import tempfile
import time
import tomllib
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

warnings.filterwarnings("ignore")
from fastapi.testclient import TestClient  # noqa: E402

from api.main import create_app  # noqa: E402
from api.settings import Settings  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "data"
TZ = "Asia/Jerusalem"
REPS = int(os.environ.get("REPS", "3"))


def bundled_week() -> dict[str, Any]:
    from staffing.io import read_history

    h = read_history(DATA / "anonymous_bank_15min.csv", tz=TZ)
    w = h[(h.index >= pd.Timestamp("1999-02-07", tz=TZ))
          & (h.index < pd.Timestamp("1999-02-14", tz=TZ))]
    req = np.ceil(w["calls"] * w["aht_s"].fillna(0) / 900) * 3 + 1
    with (DATA / "roster_example.toml").open("rb") as fh:
        cfg = tomllib.load(fh)
    cfg["rules"].pop("start_band_minutes")
    return {"tz": TZ, "config": cfg,
            "required": [{"interval_start": t.isoformat(), "required": float(v)}
                         for t, v in zip(req.index, req, strict=True)],
            "solver": {"time_limit_s": 120, "mip_rel_gap": 0.0, "threads": 1}}


def big_week() -> dict[str, Any]:
    idx = pd.date_range("2024-03-04", periods=7 * 288, freq="5min", tz="Europe/Berlin")
    hours = idx.hour + idx.minute / 60
    req = 4 + 12 * np.exp(-((hours - 11) ** 2) / 8) + 8 * np.exp(-((hours - 16) ** 2) / 6)
    req = np.where((hours >= 6) & (hours < 22), np.round(req), 0)
    templates = [{"name": f"t{i}", "start_earliest": f"{6 + i:02d}:00",
                  "start_latest": f"{10 + i:02d}:00", "start_step_min": 5,
                  "paid_hours": [6, 8], "cost_per_hour": 20 + i,
                  "breaks": [{"name": "b", "duration_min": 15, "earliest_offset_min": 120,
                              "latest_offset_min": 180}]} for i in range(4)]
    return {"tz": "Europe/Berlin", "config": {"templates": templates},
            "required": [{"interval_start": t.isoformat(), "required": float(v)}
                         for t, v in zip(idx, req, strict=True)],
            "solver": {"time_limit_s": 120, "mip_rel_gap": 0.0, "threads": 1}}


def wait(c: TestClient, url: str, cond, timeout: float = 120) -> dict[str, Any]:
    end = time.monotonic() + timeout
    while True:
        job = c.get(url).json()
        if cond(job) or time.monotonic() > end:
            return job
        time.sleep(0.02)


def measure(c: TestClient, body: dict[str, Any], phase: str) -> tuple[float, bool]:
    r = c.post("/v1/roster-jobs", json=body)
    assert r.status_code == 202, r.text[:300]
    url = r.headers["Location"]
    if phase == "build":
        wait(c, url, lambda j: j["status"] == "running")
    else:
        wait(c, url, lambda j: (j.get("progress") or {}).get("bound") is not None)
    t0 = time.monotonic()
    c.delete(url)
    job = wait(c, url, lambda j: j["status"] in ("done", "failed", "cancelled"))
    return time.monotonic() - t0, job["result"] is not None


def main() -> None:
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        s = Settings(database_url=f"sqlite:///{Path(tmp) / 'jobs.db'}", max_solve_s=300,
                     max_model_nonzeros=10_000_000, max_model_variables=1_000_000)
        with TestClient(create_app(s)) as c:
            for name, body in (("bundled week (15 min)", bundled_week()),
                               ("5-minute week, 4 templates", big_week())):
                for phase in ("build", "solve"):
                    runs = [measure(c, body, phase) for _ in range(REPS)]
                    secs = [t for t, _ in runs]
                    kept = sum(k for _, k in runs)
                    print(f"{name:28s} cancel during {phase:5s}: median "
                          f"{statistics.median(secs):.2f} s, max {max(secs):.2f} s, "
                          f"incumbent kept {kept}/{REPS}")


if __name__ == "__main__":
    main()
