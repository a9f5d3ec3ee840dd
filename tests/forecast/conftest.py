"""Synthetic histories for forecast tests (small, seeded, realistic shape)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from staffing.grid import IntervalGrid


def make_history(
    *,
    weeks: int = 3,
    freq: str = "30min",
    tz: str = "Europe/Berlin",
    start: str = "2024-01-01",
    weekdays_only: bool = False,
    peak: float = 20.0,
    seed: int = 0,
    aht: bool = True,
) -> pd.DataFrame:
    """Poisson calls with an 08:00-20:00 intraday hump and a quieter Saturday, closed Sunday.

    With ``weekdays_only`` weekend rows are absent (not zero). ``aht_s`` is 180 s plus a
    slot-of-day effect, ``answered`` equals calls.
    """
    rng = np.random.default_rng(seed)
    grid = IntervalGrid.of(tz, freq)
    idx = grid.range(start, 7 * weeks)
    local = idx.tz_convert(tz)
    hour = local.hour.to_numpy() + local.minute.to_numpy() / 60
    dow = local.day_of_week.to_numpy()
    shape = np.where((hour >= 8) & (hour < 20), np.sin(np.pi * (hour - 8) / 12) + 0.2, 0.0)
    day = np.select([dow < 5, dow == 5], [1.0, 0.3], 0.0)
    mu = peak * shape * day * grid.freq_s / 1800
    calls = rng.poisson(mu).astype(float)
    frame = pd.DataFrame({"calls": calls}, index=idx)
    if aht:
        frame["aht_s"] = np.where(calls > 0, 180 + 20 * (hour > 14) + rng.normal(0, 5, len(idx)),
                                  np.nan)
        frame["answered"] = calls
    if weekdays_only:
        frame = frame[dow < 5]
    frame.attrs["freq"] = grid.freq
    frame.attrs["tz"] = tz
    return frame


@pytest.fixture
def synth():
    """The synthetic history factory."""
    return make_history
