"""Employee Shift Scheduling Benchmark (Curtois & Qu 2014) with the named-agent MIP.

Reads each instance file with :func:`staffing.agents.read_curtois`, solves the benchmark's
formulation with HiGHS and prints one line per instance::

    name objective best_known gap_to_best seconds status

``gap_to_best`` is ``(objective - best) / best`` (a fraction; negative would be a new best).
Best known values come from ``--best NAME=VALUE`` (repeatable), else from a ``best known``
comment in the file, else from the published values of instances 1-3 (607, 828, 1001, as
tabulated in the set's public results) when the file name matches, else ``-``.
``seconds`` is build + solve wall time.

Run: ``.venv/bin/python benchmarks/bench_employee_scheduling.py \
../shared/data/employee_scheduling/Instance*.txt --time-limit 60``
"""

from __future__ import annotations

import argparse
import os
import platform
from pathlib import Path

from staffing.agents import (
    AgentSolverOptions,
    best_known_from_comments,
    read_curtois,
    solve_problem,
)

PUBLISHED = {"Instance1": 607.0, "Instance2": 828.0, "Instance3": 1001.0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--best", action="append", default=[], metavar="NAME=VALUE")
    ap.add_argument("--time-limit", type=float, default=60.0, help="seconds per instance")
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args()
    given: dict[str, float] = {}
    for item in args.best:
        name, _, value = item.partition("=")
        given[name.strip()] = float(value)
    print(f"# machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
          f"time limit {args.time_limit:g} s")
    print("name objective best_known gap_to_best seconds status")
    for f in args.files:
        problem = read_curtois(f)
        known = given.get(f.stem)
        if known is None:
            known = best_known_from_comments(f.read_text())
        if known is None:
            known = PUBLISHED.get(f.stem)
        sol = solve_problem(problem, AgentSolverOptions(time_limit_s=args.time_limit,
                                                        threads=args.threads))
        obj = "-" if sol.objective is None else f"{sol.objective:.0f}"
        gap = ("-" if known is None or sol.objective is None
               else f"{round((sol.objective - known) / known, 4) + 0.0:.4f}")
        kb = "-" if known is None else f"{known:.0f}"
        print(f"{f.stem} {obj} {kb} {gap} {sol.build_s + sol.solve_s:.1f} {sol.status.value}",
              flush=True)


if __name__ == "__main__":
    main()
