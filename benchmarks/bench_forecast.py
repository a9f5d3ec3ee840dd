"""Forecast accuracy on the bundled Anonymous Bank history and fit time on two years.

1. Accuracy: fit on the first 3 weeks (1999-02-01 .. 02-21), forecast the held-out last week
   (02-22 .. 02-28) with every model; MAE (calls per 15-min interval), WAPE and the coverage of
   the 80 % interval; skill = 1 - MAE / MAE(seasonal naive). Then ``forecast()`` with selection
   by its own rolling-origin backtest inside the 3 weeks, as a user would run it.
2. Fit time: two years (104 weeks) of 15-minute data from ``staffing.forecast.synthetic``
   (weekday bank shape, trend, level shifts, calendar effects, holidays, missing days):
   ``forecast()`` with its full backtest (8 origins, every default candidate, combinations),
   selection, refit, calibrated intervals and checks.

Run: ``.venv/bin/python benchmarks/bench_forecast.py``
"""

from __future__ import annotations

import os
import platform
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from staffing.forecast import available_models, forecast
from staffing.forecast.synthetic import synthetic_history
from staffing.io import read_history

ROOT = Path(__file__).resolve().parent.parent
TZ = "Asia/Jerusalem"
REPEATS = 3


def accuracy(history: pd.DataFrame) -> None:
    cut = pd.Timestamp("1999-02-22", tz=TZ)
    train, test = history[history.index < cut], history[history.index >= cut]["calls"]
    y = test.to_numpy()
    print("## Accuracy: train 1999-02-01..02-21, held-out week 02-22..02-28 (15-min intervals)")
    print(f"{'model':20s} {'MAE':>7s} {'WAPE':>7s} {'skill':>7s} {'cover80':>8s} {'fit_s':>7s}")
    base = None
    for name in available_models():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = forecast(train, model=name)
        f = r.frame
        mae = float(np.abs(f["calls"].to_numpy() - y).mean())
        wape = float(np.abs(f["calls"].to_numpy() - y).sum() / y.sum())
        base = mae if name == "seasonal_naive" else base
        open_ = f["calls"].to_numpy() > 1
        cover = float(((y >= f["calls_lower"]) & (y <= f["calls_upper"]))[open_].mean())
        skill = 1 - mae / base if base else float("nan")
        print(f"{name:20s} {mae:7.3f} {wape:7.3f} {skill:7.1%} {cover:8.1%} {r.fit_s:7.3f}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sel = forecast(train)
    f = sel.frame
    mae = float(np.abs(f["calls"].to_numpy() - y).mean())
    wape = float(np.abs(f["calls"].to_numpy() - y).sum() / y.sum())
    print(f"\nselected by backtest inside the 3 training weeks: {sel.model} "
          f"(origins: {', '.join(str(o) for o in sel.origins.index)}; metric mae); "
          f"backtest coverage of the 80 % interval {sel.coverage:.1%}")
    cover = float(((y >= f["calls_lower"]) & (y <= f["calls_upper"]))[f["calls"] > 0].mean())
    print(f"held-out MAE {mae:.3f}  WAPE {wape:.3f}  vs seasonal naive {base:.3f}: "
          f"{1 - mae / base:.1%} lower MAE (aim >= 25%); held-out 80 % coverage {cover:.1%}")
    print("\nbacktest table of that selection (inside the training weeks):")
    print(sel.backtest[["mae", "wape", "rmse", "folds", "fit_s", "skill_mae"]].round(3)
          .to_string())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        full = forecast(history)
    print(f"\nall 4 weeks, 8 origins (days 14..21): selects {full.model}, forecast total "
          f"{full.frame['calls'].sum():,.0f} calls for 1-7 March")
    print(full.backtest[["mae", "wape", "rmse", "score", "folds", "fit_s", "skill_mae"]]
          .round(3).to_string())
    print("\nper-origin MAE (first forecast date of each origin):")
    print(full.origins.round(3).to_string())


def fit_time() -> None:
    big = synthetic_history(weeks=104, freq="15min", seed=11)
    print(f"\n## Fit time: 104 weeks x 15 min = {len(big)} intervals (synthetic, see module doc)")
    print(f"{'model':20s} {'final fit_s min/med':>20s} {'forecast(model=...)_s min/med':>30s}")
    for name in available_models():
        fits, totals = [], []
        for _ in range(REPEATS):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t0 = time.perf_counter()
                r = forecast(big, model=name)
                totals.append(time.perf_counter() - t0)
            fits.append(r.fit_s)
        print(f"{name:20s} {min(fits):9.3f}/{np.median(fits):6.3f} "
              f"{min(totals):20.3f}/{np.median(totals):6.3f}")
    totals = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = forecast(big)
        totals.append(time.perf_counter() - t0)
    print(f"forecast() with selection (8-origin backtest of every default candidate, "
          f"combinations, refit, intervals, checks): min {min(totals):.2f} s, median "
          f"{np.median(totals):.2f} s, selected {r.model} (aim < 5 s)")


def main() -> None:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"# bench_forecast  ({platform.python_version()}, {os.cpu_count()} cpus, "
          f"load average {load:.2f}, OPENBLAS_NUM_THREADS="
          f"{os.environ.get('OPENBLAS_NUM_THREADS', 'unset')})")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        history = read_history(ROOT / "data" / "anonymous_bank_15min.csv", tz=TZ)
    accuracy(history)
    fit_time()


if __name__ == "__main__":
    main()
