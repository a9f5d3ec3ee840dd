"""OpenHours: day ranges, windows crossing midnight, minimum staff."""

from __future__ import annotations

import pandas as pd
import pytest

from staffing.exceptions import InputError
from staffing.grid import IntervalGrid
from staffing.hours import OpenHours


def test_mask_and_floor():
    hours = OpenHours.from_dict({"sun-thu": "07:00-24:00", "fri": "07:00-14:00"}, min_staff=2)
    idx = IntervalGrid.of("Asia/Jerusalem", "60min").week("1999-02-07")  # Sunday
    floor = hours.min_staff(idx)
    by_day = pd.Series(hours.mask(idx), index=idx).groupby(idx.day_of_week).sum()
    assert by_day.to_dict() == {0: 17, 1: 17, 2: 17, 3: 17, 4: 7, 5: 0, 6: 17}
    assert set(floor[hours.mask(idx)]) == {2}


def test_window_crossing_midnight():
    hours = OpenHours.from_dict({"sat": "20:00-02:00"})
    idx = IntervalGrid.of("UTC", "60min").range("2024-03-09", 2)  # Saturday, Sunday
    open_hours = [t.strftime("%a %H") for t in idx[hours.mask(idx)]]
    assert open_hours == ["Sat 20", "Sat 21", "Sat 22", "Sat 23", "Sun 00", "Sun 01"]


@pytest.mark.parametrize(
    ("spec", "field"),
    [({"funday": "08:00-10:00"}, "open_hours.funday"), ({"mon": "8-10-12"}, "open_hours.mon"),
     ({"mon": "08:00-25:00"}, "open_hours.mon")],
)
def test_bad_open_hours(spec, field):
    with pytest.raises(InputError) as info:
        OpenHours.from_dict(spec)
    assert info.value.field == field


def test_history_without_freq_attr_infers_step_in_any_resolution():
    """pandas 3 may store timestamps in microseconds; inferring the step must not assume ns."""
    import numpy as np

    from staffing.forecast.data import history_grid

    idx = pd.date_range("2024-03-04", periods=4 * 96 * 7, freq="15min", tz="UTC").as_unit("us")
    frame = pd.DataFrame({"calls": np.ones(len(idx))}, index=idx)
    assert history_grid(frame).freq == pd.Timedelta("15min")
