"""A cheap plan for the last bundled week, shared by the review tests."""

from __future__ import annotations

import warnings

import pandas as pd

from staffing.requirements import ServiceGoals, compute_requirements


def seasonal_plan(call_log, goals: ServiceGoals) -> tuple[pd.DataFrame, pd.Series]:
    """Forecast (week 3's calls and AHT moved to week 4, with a +-30 % band) and the Erlang
    requirement as the schedule (floor agents): a seasonal-naive plan without a roster solve."""
    h = call_log.to_intervals("15min")
    f = h.loc["1999-02-15":"1999-02-21", ["calls", "aht_s"]].copy()
    f.index = f.index + pd.Timedelta(days=7)
    f["aht_s"] = f["aht_s"].fillna(200.0)
    f["calls_lower"] = f["calls"] * 0.7
    f["calls_upper"] = f["calls"] * 1.3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        req = compute_requirements(f[["calls", "aht_s"]], goals, freq="15min")
    return f, req["agents_required"].astype(float)


def write_plan_dir(call_log, goals: ServiceGoals, path) -> object:
    """``forecast.csv`` and ``coverage.csv`` of :func:`seasonal_plan` in ``path``."""
    from staffing.io.export import write_coverage_csv, write_csv

    f, sched = seasonal_plan(call_log, goals)
    path.mkdir(parents=True, exist_ok=True)
    write_csv(f, path / "forecast.csv", index=True)
    cov = pd.DataFrame({"interval_start": f.index, "required": sched.to_numpy(),
                        "scheduled": sched.to_numpy(), "under": 0, "over": 0,
                        "service_level": float("nan")})
    write_coverage_csv(cov, path / "coverage.csv")
    return path
