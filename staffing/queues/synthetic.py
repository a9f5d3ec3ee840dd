"""A synthetic voice + chat + email center, generated deterministically (seeded numpy).

Four weeks (Mon 5 Jan - Sun 1 Feb 2026, ``Europe/London``, no DST change) of 15-minute
intervals, open Mon-Fri 08:00-20:00 and Sat 09:00-15:00, closed Sunday:

- ``voice``: about 1,000 calls a weekday, two intraday peaks (10:30, 15:00), AHT ~270 s;
- ``chat``: about 420 sessions a weekday peaking in the evening, session time ~540 s;
- ``email``: about 380 items a weekday arriving flat over the open hours, ~360 s of work each.

Counts are Poisson around a weekday x intraday mean with a slow +0.5 %/week trend; handle
times are per-interval means of exponential-ish noise. ``python scripts/make_center.py``
writes ``data/center_history.csv`` (one file, one row per interval and queue).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from staffing.grid import INDEX_NAME, IntervalGrid

__all__ = ["CENTER_TZ", "synthetic_center"]

CENTER_TZ = "Europe/London"
_DAY = {0: 1.0, 1: 0.95, 2: 0.92, 3: 0.94, 4: 0.9, 5: 0.45, 6: 0.0}  # Mon..Sun
_OPEN = {d: (8.0, 20.0) for d in range(5)} | {5: (9.0, 15.0)}


def _shape(hours: np.ndarray, peaks: list[tuple[float, float, float]]) -> np.ndarray:
    out = np.full(len(hours), 0.25)
    for centre, width, height in peaks:
        out += height * np.exp(-0.5 * ((hours - centre) / width) ** 2)
    return out


def synthetic_center(*, weeks: int = 4, start: str = "2026-01-05",
                     seed: int = 14) -> pd.DataFrame:
    """The center's history: ``interval_start`` index, ``queue`` (voice/chat/email),
    ``calls``, ``answered`` (= calls), ``abandoned`` (0) and ``aht_s`` (s)."""
    grid = IntervalGrid(CENTER_TZ, pd.Timedelta("15min"))
    idx = grid.range(pd.Timestamp(start).date(), 7 * weeks)
    rng = np.random.default_rng(seed)
    hours = (idx.hour + idx.minute / 60).to_numpy(float)
    wd = idx.day_of_week.to_numpy()
    week = ((idx - idx[0]).days // 7).to_numpy()
    lo = np.array([_OPEN.get(d, (0.0, 0.0))[0] for d in wd])
    hi = np.array([_OPEN.get(d, (0.0, 0.0))[1] for d in wd])
    open_ = (hours >= lo) & (hours < hi)
    day = np.array([_DAY[d] for d in wd]) * (1.0 + 0.005 * week)
    specs = {
        "voice": (1000.0, [(10.5, 1.3, 1.0), (15.0, 1.6, 0.8)], 270.0),
        "chat": (420.0, [(12.0, 2.0, 0.5), (18.5, 1.2, 0.9)], 540.0),
        "email": (380.0, [], 360.0),
    }
    frames = []
    for name, (per_day, peaks, aht) in specs.items():
        shape = _shape(hours, peaks) * open_
        mean = np.zeros(len(idx))
        for d in np.unique(idx.date):
            m = idx.date == d
            tot = shape[m].sum()
            if tot > 0:
                mean[m] = per_day * shape[m] / tot
        mean *= day
        calls = rng.poisson(mean)
        noise = rng.gamma(20.0, 1.0 / 20.0, len(idx))
        aht_s = np.where(calls > 0, np.round(aht * noise, 1), np.nan)
        frames.append(pd.DataFrame({"queue": name, "calls": calls, "answered": calls,
                                    "abandoned": 0, "aht_s": aht_s},
                                   index=pd.DatetimeIndex(idx, name=INDEX_NAME)))
    out = pd.concat(frames)
    order = np.lexsort((out["queue"].to_numpy(), out.index.asi8))
    return out.iloc[order]
