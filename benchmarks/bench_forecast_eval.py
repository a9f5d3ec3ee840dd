"""Honest forecast evaluation: every model and the automatic selection on long synthetic
histories (several shapes and seeds, ``staffing.forecast.synthetic``) and on the bundled data.

Each synthetic series is scored like the held-out real data: four rolling one-week-ahead
origins at the end of the history (fit on everything before the origin, forecast 7 days).
Per series: MAE (calls per interval) of each model relative to seasonal naive, the automatic
selection's MAE relative to the best single candidate on that series, the coverage of its 80 %
interval (intervals with a positive forecast), and the noise floor (MAE of the true mean).
Known holidays are given to every model (a planner configures them).

Run: ``.venv/bin/python benchmarks/bench_forecast_eval.py [--quick]``
"""

from __future__ import annotations

import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from staffing.forecast import BacktestConfig, CalendarConfig, available_models, forecast
from staffing.forecast.synthetic import synthetic_history
from staffing.io import read_history

ROOT = Path(__file__).resolve().parent.parent
SINGLES = [m for m in available_models() if m != "ensemble"]
SERIES = [
    ("bank_15m_s1", {"shape": "weekday_bank", "weeks": 40, "seed": 1}),
    ("bank_15m_s2", {"shape": "weekday_bank", "weeks": 40, "seed": 2, "daily_calls": 900}),
    ("bank_5m_s3", {"shape": "weekday_bank", "weeks": 30, "seed": 3, "freq": "5min",
                    "daily_calls": 2500}),
    ("retail_15m_s4", {"shape": "retail_7d", "weeks": 40, "seed": 4}),
    ("sun_thu_15m_s5", {"shape": "sun_thu", "weeks": 40, "seed": 5, "daily_calls": 1400}),
    ("plain_30m_s6", {"shape": "retail_7d", "weeks": 26, "seed": 6, "freq": "30min",
                      "level_shifts": 0, "month_start": 1.0, "after_closure": 1.0,
                      "holidays_per_year": 0, "missing_days": 0, "outlier_days": 0}),
]
ORIGINS = 4


def _run(train: pd.DataFrame, cal: CalendarConfig, **kw: object) -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return forecast(train, days=7, calendar=cal, **kw)  # type: ignore[arg-type]


def evaluate(name: str, hist: pd.DataFrame, origins: list[pd.Timestamp],
             cal: CalendarConfig) -> dict[str, object]:
    err: dict[str, list[np.ndarray]] = {m: [] for m in [*SINGLES, "auto", "truth"]}
    inside: list[np.ndarray] = []
    chosen: list[str] = []
    secs: list[float] = []
    for o in origins:
        train = hist[hist.index < o]
        end = o + pd.Timedelta(days=7)
        test = hist[(hist.index >= o) & (hist.index < end)]
        for m in SINGLES:
            r = _run(train, cal, model=m, backtest=BacktestConfig(folds=1, combine=False))
            f = r.frame["calls"].reindex(test.index)  # type: ignore[attr-defined]
            err[m].append(np.abs(f.to_numpy() - test["calls"].to_numpy()))
        t0 = time.perf_counter()
        r = _run(train, cal)
        secs.append(time.perf_counter() - t0)
        chosen.append(r.model)  # type: ignore[attr-defined]
        f = r.frame.reindex(test.index)  # type: ignore[attr-defined]
        y = test["calls"].to_numpy()
        err["auto"].append(np.abs(f["calls"].to_numpy() - y))
        pos = f["calls"].to_numpy() > 0
        inside.append(((y >= f["calls_lower"].to_numpy()) & (y <= f["calls_upper"].to_numpy()))
                      [pos])
        if "mean_calls" in test:
            err["truth"].append(np.abs(test["mean_calls"].to_numpy() - y))
    mae = {m: float(np.nanmean(np.concatenate(v))) for m, v in err.items() if v}
    base = mae["seasonal_naive"]
    best = min(SINGLES, key=lambda m: mae[m])
    return {"series": name, "mae": mae, "ratio": {m: v / base for m, v in mae.items()},
            "best": best, "auto_vs_best": mae["auto"] / mae[best] - 1,
            "cover80": float(np.concatenate(inside).mean()), "chosen": chosen,
            "auto_s": float(np.median(secs))}


def main() -> None:
    quick = "--quick" in sys.argv
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"# bench_forecast_eval  ({platform.python_version()}, {os.cpu_count()} cpus, "
          f"load average {load:.2f})")
    results = []
    for name, kw in SERIES[:2] if quick else SERIES:
        hist = synthetic_history(**kw)  # type: ignore[arg-type]
        days = sorted(set(hist.index.tz_convert(hist.attrs["tz"]).tz_localize(None)
                          .normalize()))
        last = days[-1] + pd.Timedelta(days=1)
        origins = [(last - pd.Timedelta(days=7 * k)).tz_localize(hist.attrs["tz"])
                   for k in range(ORIGINS, 0, -1)]
        cal = CalendarConfig(holidays=frozenset(hist.attrs["holidays"]))
        results.append(evaluate(name, hist, origins, cal))
        print(f"  done {name}", flush=True)
    bank = read_history(ROOT / "data" / "anonymous_bank_15min.csv", tz="Asia/Jerusalem")
    results.append(evaluate("bundled_last_week", bank,
                            [pd.Timestamp("1999-02-22", tz="Asia/Jerusalem")], CalendarConfig()))
    cols = [*SINGLES, "auto", "truth"]
    print("\n## MAE relative to seasonal naive (4 one-week-ahead origins per series)")
    print("| series | " + " | ".join(cols) + " | auto vs best single | best | cover80 | "
          "auto picks | auto s |")
    print("|---" * (len(cols) + 6) + "|")
    for r in results:
        ratio = r["ratio"]
        cells = " | ".join(f"{ratio[c]:.3f}" if c in ratio else "-" for c in cols)  # type: ignore[operator]
        picks = ", ".join(sorted(set(r["chosen"])))  # type: ignore[arg-type]
        print(f"| {r['series']} | {cells} | {r['auto_vs_best']:+.1%} | {r['best']} | "
              f"{r['cover80']:.1%} | {picks} | {r['auto_s']:.2f} |")
    worst = max(float(r["auto_vs_best"]) for r in results)  # type: ignore[arg-type]
    cover = [float(r["cover80"]) for r in results]  # type: ignore[arg-type]
    print(f"\nworst auto vs best single: {worst:+.1%} (aim <= +3 %); "
          f"80 % coverage {min(cover):.1%}-{max(cover):.1%} (aim 77-83 %)")


if __name__ == "__main__":
    main()
