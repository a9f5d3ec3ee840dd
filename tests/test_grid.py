"""IntervalGrid: ranges, DST lengths, alignment, frequency parsing."""

from __future__ import annotations

import pandas as pd
import pytest

from staffing.exceptions import InputError
from staffing.grid import IntervalGrid, parse_freq


def test_week_range_and_slots():
    g = IntervalGrid.of("Asia/Jerusalem", "30min")
    w = g.week("1999-02-07")
    assert len(w) == 7 * 48
    assert w[0] == pd.Timestamp("1999-02-07 00:00", tz="Asia/Jerusalem")
    assert g.slot_of_day(w)[:3].tolist() == [0, 1, 2]
    assert g.slot_of_week(w)[0] == 6 * 48  # Sunday


@pytest.mark.parametrize("tz", ["America/New_York", "Europe/London"])
def test_dst_week_has_right_number_of_intervals(tz):
    g = IntervalGrid.of(tz, "15min")
    spring = "2024-03-10" if tz == "America/New_York" else "2024-03-31"
    assert len(g.range(spring, 1)) == 92


@pytest.mark.parametrize("bad", ["7min", "2h", "soon", 0])
def test_bad_freq(bad):
    with pytest.raises(InputError, match="freq"):
        parse_freq(bad)


def test_off_grid():
    g = IntervalGrid.of("UTC", "15min")
    idx = pd.DatetimeIndex(["2024-01-01 00:00", "2024-01-01 00:20"], tz="UTC")
    assert list(g.off_grid(idx)) == [idx[1]]


@pytest.mark.parametrize(
    ("day", "n", "last_slot"), [("2024-03-31", 92, 95), ("2024-10-27", 100, 95)]
)
def test_slots_are_wall_clock_on_dst_days(day, n, last_slot):
    g = IntervalGrid.of("Europe/Berlin", "15min")
    idx = g.range(day, 1)
    slots = g.slot_of_day(idx)
    assert len(slots) == n
    assert slots.max() == last_slot
    assert slots[-1] == 95  # 23:45 wall clock
    if n == 92:
        assert 8 not in set(slots)  # 02:00 does not exist
    else:
        assert list(slots).count(8) == 2  # 02:00 happens twice
