"""Many sites: a serial loop vs a Dask LocalCluster of 2 workers, in the same run.

    .venv/bin/python benchmarks/bench_sites.py [--sites 40] [--workers 2] [--seed 0]

The same N synthetic sites (:func:`staffing.sites.generate_sites`, full weeks) are planned
three times: one after another in this process (:func:`staffing.sites.task.plan_site`, HiGHS and
BLAS on one thread), then on a fresh ``LocalCluster`` (:func:`staffing.sites.run_sites`),
biggest site first (the default), then again in the given order. It
prints the machine load (``uptime``) before and after, both wall times and the speed-up, the
scheduler overhead per task (idle worker time per task in the batch, and the round trip of a
no-op task), the bytes moved per task (pickled job out, summary back), the peak memory per
worker and whether both runs agree (status, wages within the MIP gap). Figures go to
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import pickle
import resource
import statistics
import subprocess
import time
import warnings

import cloudpickle
from threadpoolctl import threadpool_limits

from staffing.sites import SiteJob, generate_sites, run_sites
from staffing.sites.cluster import open_client
from staffing.sites.task import plan_site


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def _noop(x: int) -> int:
    return x


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sites", type=int, default=40)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--time-limit", type=float, default=60.0)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")

    print(f"machine: {os.cpu_count()} cores; load before: {_uptime()}")
    sites = generate_sites(args.sites, seed=args.seed, time_limit_s=args.time_limit)
    configs = [(s.name, s.plan_config()) for s in sites]
    jobs = [SiteJob(n, c, outputs="none") for n, c in configs]
    sizes = sorted(s.agents for s in sites)
    print(f"{len(sites)} sites, 7 days each, agents {sizes[0]}-{sizes[-1]} "
          f"(median {statistics.median(sizes):.0f}); time limit {args.time_limit:.0f} s, "
          f"gap {sites[0].config['solver']['mip_rel_gap']}")

    # bytes moved per task: the pickled job going out, the compact summary coming back
    out_bytes = [len(cloudpickle.dumps(j)) for j in jobs]

    t0 = time.perf_counter()
    with threadpool_limits(limits=1):
        serial = [plan_site(j) for j in jobs]
    serial_s = time.perf_counter() - t0
    serial_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"serial loop: {serial_s:.1f} s ({serial_s / len(jobs):.2f} s per site), "
          f"peak RSS {serial_rss:.0f} MiB; load: {_uptime()}")

    t1 = time.perf_counter()
    with open_client(workers=args.workers, dashboard=False) as client:
        start_s = time.perf_counter() - t1
        res = run_sites(configs, client=client, outputs="none")
        given = run_sites(configs, client=client, outputs="none", biggest_first=False)
        # scheduler round trip of a no-op task (submit -> result), averaged over 200
        t2 = time.perf_counter()
        futs = client.map(_noop, range(200), pure=False)
        client.gather(futs)
        noop_ms = (time.perf_counter() - t2) / 200 * 1000
    cluster_s = res.wall_s
    back_bytes = [len(pickle.dumps(s)) for s in res.summaries]
    task_s = sum(s.seconds for s in res.summaries)
    idle_per_task = (cluster_s * res.workers - task_s) / len(jobs)
    peaks: dict[str, float] = {}
    for s in res.summaries:
        if s.peak_rss_mb is not None:
            peaks[s.worker] = max(peaks.get(s.worker, 0.0), s.peak_rss_mb)
    print(f"LocalCluster, {res.workers} workers: {cluster_s:.1f} s "
          f"(+ {start_s:.1f} s to start the cluster); load: {_uptime()}")
    print(f"speed-up: {serial_s / cluster_s:.2f}x (with start-up "
          f"{serial_s / (cluster_s + start_s):.2f}x); sum of task seconds on the workers "
          f"{task_s:.1f} s vs serial {sum(s.seconds for s in serial):.1f} s")
    print(f"scheduler overhead: idle worker time {idle_per_task:.2f} s per task in the batch "
          f"(wall x workers - task seconds, includes the tail); no-op round trip "
          f"{noop_ms:.1f} ms per task")
    print(f"bytes per task: out {statistics.mean(out_bytes) / 1024:.0f} KiB mean "
          f"(max {max(out_bytes) / 1024:.0f} KiB), back {statistics.mean(back_bytes):.0f} B "
          f"mean (max {max(back_bytes)} B)")
    print("peak memory per worker: " + ", ".join(f"{v:.0f} MiB" for v in peaks.values()))
    same = sum(a.status == b.status for a, b in zip(serial, res.summaries, strict=True))
    diffs = [abs(a.cost - b.cost) / b.cost for a, b in zip(serial, res.summaries, strict=True)
             if a.cost and b.cost]
    statuses: dict[str, int] = {}
    for s in res.summaries:
        statuses[s.status] = statuses.get(s.status, 0) + 1
    print(f"agreement: {same}/{len(jobs)} same status ({statuses}); wages differ by at most "
          f"{max(diffs, default=0):.2%}")
    task_max = max(s.seconds for s in res.summaries)
    floor_s = max(task_s / res.workers, task_max)
    print(f"submission order: biggest first {cluster_s:.1f} s vs given order "
          f"{given.wall_s:.1f} s ({given.wall_s / cluster_s:.3f}x); makespan floor "
          f"max(task seconds / workers, longest task) {floor_s:.1f} s")
    slow = sorted(res.summaries, key=lambda s: -s.seconds)[:3]
    print("longest sites: " + ", ".join(f"{s.site} {s.seconds:.1f} s" for s in slow))


if __name__ == "__main__":
    main()
