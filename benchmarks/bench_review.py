"""Review figures on the bundled Anonymous Bank log (issue 15), printed for docs/benchmarks.md.

1. Realised SL (80/20), ASA and abandonment of each bundled week under both demand definitions.
2. Intraday re-forecast backtest: every day of the log, cut-offs 10:00, 12:00, 14:00; MAE per
   interval of the rest-of-day forecast vs the original plan's, for several prior weights.
   Plans: (A) leave-one-week-out, the mean of the same weekday and interval in the other three
   weeks (every day has one); (B) the real `staffing.forecast` of each week from the weeks
   before it (weeks 2-4).
3. The plan of the last bundled week made from the first three weeks (the full pipeline), replayed
   against its real calls: predicted vs replayed vs realised SL per day and the share of
   intervals meeting the goal.

Run: ``python benchmarks/bench_review.py`` (about 1-2 minutes on 2 cores).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from staffing.config import PlanConfig
from staffing.io import read_call_log
from staffing.review import ServiceDefinition, actuals_from_log, aggregate
from staffing.review.intraday import PRIOR_CALLS, reforecast
from staffing.review.replay import replay

DATA = Path(__file__).resolve().parent.parent / "data"
TZ = "Asia/Jerusalem"
CUTOFFS = (10, 12, 14)
PRIORS = (0.0, 50.0, 100.0, 200.0, 400.0)


def weekly_service() -> None:
    print("## 1. realised service per week (80/20, abandons count as misses)")
    for offered in ("queue", "system"):
        log = read_call_log(DATA / "anonymous_bank_feb1999_calls.csv", tz=TZ, offered=offered)
        w = aggregate(actuals_from_log(log, "15min"), ServiceDefinition(), by="week")
        print(f"offered = {offered}")
        print("week        offered  menu_hangups  SL      ASA_s  abandon")
        for week, r in w.iterrows():
            print(f"{week}  {r['offered']:7.0f}  {r['menu_hangups']:12.0f}  "
                  f"{r['service_level']:.1%}  {r['asa_s']:5.1f}  {r['abandon_rate']:.1%}")


def _day_matrix(hist: pd.DataFrame) -> tuple[np.ndarray, list[dt.date]]:
    calls = hist["calls"].to_numpy(float).reshape(-1, 96)
    days = sorted({t.date() for t in hist.index})
    return calls, days


def _poisson_mad(lam: np.ndarray) -> np.ndarray:
    """E|X - lam| for X ~ Poisson(lam): 2 lam P(X = floor(lam)) (a closed form)."""
    from scipy.stats import poisson

    lam = np.asarray(lam, float)
    return np.where(lam > 0, 2 * lam * poisson.pmf(np.floor(lam), np.maximum(lam, 1e-12)), 0.0)


def _backtest(calls: np.ndarray, plans: dict[int, np.ndarray], days: list[dt.date]) -> None:
    slots = np.arange(96)
    print("cut-off  days  MAE plan  " + "  ".join(f"MAE m={m:g}" for m in PRIORS)
          + "  oracle  Poisson floor  (calls per rest-of-day interval)")
    for hour in CUTOFFS:
        cut = hour * 4
        errs_plan: list[float] = []
        errs: dict[float, list[float]] = {m: [] for m in PRIORS}
        oracle: list[float] = []
        floor: list[float] = []
        n_days = 0
        for d, plan in plans.items():
            actual = calls[d]
            rest = (slots >= cut) & ((plan > 0) | (actual > 0))
            if not rest.any():
                continue
            n_days += 1
            elapsed = slots < cut
            errs_plan.extend(np.abs(plan[rest] - actual[rest]).tolist())
            for m in PRIORS:
                fc, _ = reforecast(plan, actual, elapsed, prior_calls=m)
                errs[m].extend(np.abs(fc[rest] - actual[rest]).tolist())
            # the best any day-level scaling can do: the true rest-of-day total is known
            k = actual[rest].sum() / plan[rest].sum() if plan[rest].sum() > 0 else 1.0
            oracle.extend(np.abs(plan[rest] * k - actual[rest]).tolist())
            # Poisson noise alone, if the plan were the exact rate: E|X - lam|
            floor.extend(_poisson_mad(plan[rest]).tolist())
        base = float(np.mean(errs_plan))
        cells = "  ".join(f"{np.mean(errs[m]):5.2f} ({1 - np.mean(errs[m]) / base:+.0%})"
                          for m in PRIORS)
        print(f"{hour:02d}:00    {n_days:4d}  {base:8.2f}  {cells}  "
              f"{np.mean(oracle):5.2f} ({1 - np.mean(oracle) / base:+.0%})  "
              f"{np.mean(floor):5.2f}")
    del days


def intraday_backtest() -> None:
    print(f"\n## 2. intraday re-forecast backtest (default prior_calls = {PRIOR_CALLS:g})")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        log = read_call_log(DATA / "anonymous_bank_feb1999_calls.csv", tz=TZ)
    hist = log.to_intervals("15min")
    calls, days = _day_matrix(hist)
    n = len(days)
    plans_a = {}
    for d in range(n):
        same = [o for o in range(d % 7, n, 7) if o != d]
        plans_a[d] = calls[same].mean(axis=0)
    print("(A) plan = mean of the same weekday in the other three weeks, all 28 days")
    _backtest(calls, plans_a, days)

    from staffing.forecast import forecast

    plans_b = {}
    for w in (1, 2, 3):
        start = days[7 * w]
        train = hist[hist.index < pd.Timestamp(start, tz=TZ)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fc = forecast(train, start=start, days=7)
        f = fc.frame["calls"].to_numpy(float).reshape(-1, 96)
        for k in range(7):
            plans_b[7 * w + k] = f[k]
    print("(B) plan = staffing.forecast of each week from the weeks before it, weeks 2-4 "
          "(21 days)")
    _backtest(calls, plans_b, days)


def replay_last_week() -> None:
    from staffing.pipeline import plan

    print("\n## 3. plan of the last week (from weeks 1-3) replayed against its real calls")
    cfg = PlanConfig.from_toml(DATA / "plan.toml")
    cfg = dataclasses.replace(cfg, start=dt.date(1999, 2, 22), simulate=False)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = plan(cfg, time_limit_s=30)
        log = read_call_log(cfg.data_path, tz=TZ, offered=cfg.offered, wrap_s=cfg.wrap_s)
    print(f"plan: {res.roster.status.value}, gap {res.roster.gap:.2%}, "
          f"{time.perf_counter() - t0:.0f} s; wrap {log.wrap_s:.1f} s, patience "
          f"{res.goals.patience_s:.0f} s")
    assert res.evaluation is not None
    ev = res.evaluation
    cov = res.coverage.set_index("interval_start")
    rp = replay(log, cov["scheduled"].astype(float), shrinkage=res.goals.shrinkage,
                answer_s=res.goals.answer_s, patience_s=res.goals.patience_s)
    act = actuals_from_log(log, cfg.freq, start=cfg.start, days=7)
    real = aggregate(act, ServiceDefinition(), by="day")
    goal = res.goals.service_level
    pi = ev.intervals
    busy = act["offered"] > 0
    print("day         forecast  offered  predicted  replayed  realised  | intervals meeting "
          "goal: predicted replayed realised")
    for day in ev.days.index:
        sel = pi.index.tz_convert(TZ).date == day
        b = busy.to_numpy() & sel
        fb = (pi["calls"].to_numpy() > 0) & sel
        pm = (pi["service_level"].to_numpy()[fb] >= goal).mean()
        rm = (rp.intervals["service_level"].to_numpy()[b] >= goal).mean()
        am = (act["service_level"].to_numpy()[b] >= goal).mean()
        print(f"{day}  {ev.days.loc[day, 'calls']:8.0f}  {real.loc[day, 'offered']:7.0f}  "
              f"{ev.days.loc[day, 'service_level']:9.1%}  "
              f"{rp.days.loc[day, 'service_level']:8.1%}  {real.loc[day, 'service_level']:8.1%}"
              f"  |  {pm:.0%} {rm:.0%} {am:.0%}")
    fb = pi["calls"].to_numpy() > 0
    b = busy.to_numpy()
    print(f"week        {ev.week['calls']:8.0f}  {act['offered'].sum():7.0f}  "
          f"{ev.week['service_level']:9.1%}  {rp.period['service_level']:8.1%}  "
          f"{aggregate(act, ServiceDefinition(), by='period').iloc[0]['service_level']:8.1%}"
          f"  |  {(pi['service_level'].to_numpy()[fb] >= goal).mean():.0%} "
          f"{(rp.intervals['service_level'].to_numpy()[b] >= goal).mean():.0%} "
          f"{(act['service_level'].to_numpy()[b] >= goal).mean():.0%}")
    print(f"replay: ASA {rp.period['asa_s']:.1f} s, abandon {rp.period['abandon_rate']:.1%}")


if __name__ == "__main__":
    weekly_service()
    intraday_backtest()
    replay_last_week()
