"""Load check of the HTTP API: ``POST /v1/requirements`` for a week of 15-minute intervals.

Starts ``uvicorn api.main:app`` on a free loopback port (a throwaway SQLite job database),
then fires ``--requests`` requests with ``--concurrency`` in flight (httpx, one async client,
body encoded once) and prints latency percentiles (p50/p95/p99, ms) and throughput
(requests/s). The body is the week Sun 1999-02-07 .. Sat 1999-02-13 of the bundled history
(672 intervals, ~56 KB of JSON;
AHT filled with the median where only abandoned calls arrived), goals 80/20 with 25 %
shrinkage. Every response is checked (200, 672 intervals). Bounded: a few hundred requests.

While the load runs, a roster job can be kept busy in the worker pool (``--with-solve``) to
show that solves do not block the API (they run in the worker thread, outside the event loop).

Run: ``.venv/bin/python benchmarks/bench_api.py [--requests 400 --concurrency 8
--uvicorn-workers 1]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
TZ = "Asia/Jerusalem"


def week_body() -> dict:
    import pandas as pd

    from staffing.io import read_history

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        h = read_history(ROOT / "data" / "anonymous_bank_15min.csv", tz=TZ)
    lo, hi = pd.Timestamp("1999-02-07", tz=TZ), pd.Timestamp("1999-02-14", tz=TZ)
    w = h[(h.index >= lo) & (h.index < hi)]
    aht = w["aht_s"].fillna(w["aht_s"].median())
    rows = [{"interval_start": t.isoformat(), "calls": float(c), "aht_s": float(a)}
            for t, c, a in zip(w.index, w["calls"], aht, strict=True)]
    return {"tz": TZ, "forecast": rows,
            "goals": {"service_level": 0.8, "answer_s": 20, "shrinkage": 0.25}}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, db: Path, workers: int) -> subprocess.Popen:
    env = {**os.environ, "STAFFING_DATABASE_URL": f"sqlite:///{db}"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning", "--workers", str(workers)],
        cwd=ROOT, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("uvicorn did not start")


async def load(base: str, body: bytes, n: int, concurrency: int) -> tuple[list[float], float]:
    latencies: list[float] = []
    sem = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:

        async def one() -> None:
            async with sem:
                t0 = time.perf_counter()
                r = await client.post("/v1/requirements", content=body,
                                      headers={"Content-Type": "application/json"})
                latencies.append(time.perf_counter() - t0)
                # cheap check (the client shares the 2 cores with the server)
                if r.status_code != 200 or r.content.count(b'"interval_start"') != 672:
                    raise RuntimeError(f"bad response {r.status_code}: {r.text[:200]}")

        for _ in range(min(10, n)):  # warm-up (imports, first Erlang calls)
            await one()
        latencies.clear()
        t0 = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(n)))
        wall = time.perf_counter() - t0
    return latencies, wall


def hard_roster_job() -> dict:
    sys.path.insert(0, str(ROOT))
    from tests.api.helpers import hard_roster_body

    return hard_roster_body(time_limit_s=120)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--uvicorn-workers", type=int, default=1)
    ap.add_argument("--with-solve", action="store_true",
                    help="keep a roster solve running in the worker pool during the load")
    args = ap.parse_args()

    body = json.dumps(week_body()).encode()
    size_kb = len(body) / 1024
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")
    print(f"body: 672 intervals, {size_kb:.0f} KB JSON; {args.requests} requests, "
          f"{args.concurrency} in flight, uvicorn workers {args.uvicorn_workers}"
          f"{', roster solve running' if args.with_solve else ''}")
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        proc = start_server(port, Path(tmp) / "bench.db", args.uvicorn_workers)
        base = f"http://127.0.0.1:{port}"
        job_url = None
        try:
            if args.with_solve:
                r = httpx.post(f"{base}/v1/roster-jobs", json=hard_roster_job(), timeout=60)
                job_url = base + r.headers["location"]
                while httpx.get(job_url).json()["status"] != "running":
                    time.sleep(0.1)
            lat, wall = asyncio.run(load(base, body, args.requests, args.concurrency))
            if job_url is not None:
                job = httpx.get(job_url).json()
                print(f"roster job during the load: {job['status']}, progress "
                      f"{job['progress']}")
                httpx.delete(job_url)
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=30)
    ms = np.array(lat) * 1000
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    print(f"latency ms: p50 {p50:.1f}  p95 {p95:.1f}  p99 {p99:.1f}  "
          f"(mean {statistics.fmean(ms):.1f}, max {ms.max():.1f})")
    print(f"throughput: {len(lat) / wall:.1f} requests/s over {wall:.2f} s")


if __name__ == "__main__":
    main()
