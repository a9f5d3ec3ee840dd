"""Forecast accuracy on the bundled Anonymous Bank history and fit time on 26 weeks.

1. Accuracy: fit on the first 3 weeks (1999-02-01 .. 02-21), forecast the held-out last week
   (02-22 .. 02-28) with every model; MAE (calls per 15-min interval), WAPE and the coverage of
   the 80 % interval; skill = 1 - MAE / MAE(seasonal naive). Then ``forecast()`` with selection
   by its own rolling-origin backtest inside the 3 weeks, as a user would run it.
2. Fit time: 26 weeks of 15-minute data. The bundled history has only 4 weeks, so the 26 weeks
   are synthetic but realistic: the 4 real weeks tiled, each copy scaled by a random weekly
   level (N(1, 0.05)) and redrawn with Poisson noise around the real counts.

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
from staffing.io import read_history

ROOT = Path(__file__).resolve().parent.parent
TZ = "Asia/Jerusalem"
REPEATS = 5


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
          f"(origins: day 14; metric mae)")
    print(f"held-out MAE {mae:.3f}  WAPE {wape:.3f}  vs seasonal naive {base:.3f}: "
          f"{1 - mae / base:.1%} lower MAE (aim >= 15%)")
    print("\nbacktest table of that selection (inside the training weeks):")
    print(sel.backtest[["mae", "wape", "rmse", "folds", "fit_s", "skill_mae"]].round(3)
          .to_string())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        full = forecast(history)
    print(f"\nall 4 weeks, 2 origins (days 14 and 21): selects {full.model}")
    print(full.backtest[["mae", "wape", "rmse", "folds", "fit_s", "skill_mae"]].round(3)
          .to_string())


def synthetic_26_weeks(history: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    real = history["calls"].to_numpy().reshape(4, -1)
    weeks = [rng.poisson(real[k % 4] * rng.normal(1.0, 0.05)) for k in range(26)]
    idx = pd.date_range("1998-09-07", periods=26 * real.shape[1], freq="15min", tz=TZ,
                        name="interval_start")
    # tiled on absolute 15-minute steps: the copies do not re-align on DST changes, which is
    # irrelevant to fit time
    frame = pd.DataFrame({"calls": np.concatenate(weeks).astype(float)}, index=idx)
    aht = np.tile(history["aht_s"].to_numpy(), 7)[: len(idx)]
    frame["aht_s"] = np.where(frame["calls"] > 0, np.nan_to_num(aht, nan=180.0), np.nan)
    frame.attrs["freq"] = pd.Timedelta("15min")
    frame.attrs["tz"] = TZ
    return frame


def fit_time(history: pd.DataFrame) -> None:
    big = synthetic_26_weeks(history)
    print(f"\n## Fit time: 26 weeks x 672 = {len(big)} intervals (synthetic, see module doc)")
    print(f"{'model':20s} {'fit_s min/med':>14s} {'forecast()_s min/med':>21s}"
          "   (forced model, backtest incl.)")
    for name in available_models():
        fits, totals = [], []
        for _ in range(REPEATS):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t0 = time.perf_counter()
                r = forecast(big, model=name)
                totals.append(time.perf_counter() - t0)
            fits.append(r.fit_s)
        print(f"{name:20s} {min(fits):6.3f}/{np.median(fits):6.3f} "
              f"{min(totals):12.3f}/{np.median(totals):6.3f}")
    totals = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = forecast(big)
        totals.append(time.perf_counter() - t0)
    print(f"forecast() with selection over all models (2-fold backtest + refit): "
          f"min {min(totals):.2f} s, median {np.median(totals):.2f} s, selected {r.model}, "
          f"final fit {r.fit_s:.3f} s (aim < 5 s)")
    print(f"({REPEATS} runs each; the tiled history repeats a 4-week cycle, which favours "
          "historical_average there)")


def main() -> None:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"# bench_forecast  ({platform.python_version()}, {os.cpu_count()} cpus, "
          f"load average {load:.2f}, OPENBLAS_NUM_THREADS="
          f"{os.environ.get('OPENBLAS_NUM_THREADS', 'unset')})")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        history = read_history(ROOT / "data" / "anonymous_bank_15min.csv", tz=TZ)
    accuracy(history)
    fit_time(history)


if __name__ == "__main__":
    main()
