"""IntervalGrid: ranges, DST lengths, alignment, frequency parsing."""

from __future__ import annotations

import pandas as pd
import pytest

from staffing.exceptions import InputError
from staffing.grid import IntervalGrid, parse_freq, parse_tz


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


# ----------------------------------------------------------------------------- tz: names only

@pytest.fixture
def opened(tmp_path):
    """A file outside the tz database and the list of times something opened it (an audit
    hook: it sees every open, whichever library does it)."""
    import sys

    target = tmp_path / "secret.txt"
    target.write_text("not a zone\n")
    seen: list[str] = []
    active = [True]

    def hook(event: str, args: tuple) -> None:
        if active[0] and event == "open" and args and str(args[0]).endswith("secret.txt"):
            seen.append(str(args[0]))

    sys.addaudithook(hook)  # hooks cannot be removed; this one goes quiet after the test
    yield target, seen
    active[0] = False


def _readers(tz: str) -> dict:
    """Every library entry point that reads a tz, each as a thunk."""
    import numpy as np

    from staffing.config import PlanConfig
    from staffing.evaluate import evaluate
    from staffing.io import validate_history
    from staffing.io.calllog import parse_call_log
    from staffing.io.timestamps import parse_timestamps
    from staffing.requirements import ServiceGoals
    from staffing.simulate import simulate

    idx = pd.date_range("2024-01-01", periods=4, freq="15min", tz="UTC", name="interval_start")
    fc = pd.DataFrame({"calls": [10.0] * 4, "aht_s": [180.0] * 4}, index=idx)
    naive = pd.Series(["2024-01-01T00:00:00", "2024-01-01T00:15:00"])
    raw = {"site": {"tz": tz}, "plan": {"start": "2024-01-08"},
           "templates": [{"name": "d", "start_earliest": "08:00", "start_latest": "08:00",
                          "paid_hours": 8}]}
    return {
        "grid": lambda: IntervalGrid.of(tz),
        "grid_ctor": lambda: IntervalGrid(tz, pd.Timedelta("15min")),
        "timestamps": lambda: parse_timestamps(naive, tz=tz, field="interval_start",
                                               source="x"),
        "history": lambda: validate_history(
            pd.DataFrame({"interval_start": naive, "calls": ["1", "2"]}), tz=tz),
        "call_log": lambda: parse_call_log(
            pd.DataFrame({"arrival": naive, "wait_s": ["0", "1"], "outcome": ["served"] * 2,
                          "handle_s": ["60", "60"]}), tz=tz),
        "config": lambda: PlanConfig.from_dict(raw, data=fc.reset_index()),
        "evaluate": lambda: evaluate(fc, pd.Series(np.full(4, 5.0), index=idx),
                                     ServiceGoals(), tz=tz),
        "simulate": lambda: simulate(fc, np.full(4, 5.0), answer_s=20.0, tz=tz,
                                     freq=pd.Timedelta("15min")),
    }


READERS = list(_readers("UTC"))


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("form", ["dateutil/{p}", "dateutil//{p}", "{p}", "tzfile:{p}",
                                  "../../../../../..{p}"])
def test_tz_paths_are_refused_without_opening_them(opened, reader, form):
    """Defect 7: 'dateutil//<path>' made the code open <path>. Every reader refuses it as a
    name, naming the field, and never opens the file."""
    target, seen = opened
    tz = form.format(p=target)
    with pytest.raises(InputError) as exc:
        _readers(tz)[reader]()
    assert exc.value.field in ("tz", "site.tz"), exc.value.field
    assert "IANA" in exc.value.expected
    assert seen == []


@pytest.mark.parametrize("bad", ["zone.tab", "tzdata.zi", "Europe/Berlin\n", "europe/berlin",
                                 "Mars/Olympus", "", "A" * 300, 5, None])
def test_only_tz_database_names_pass(bad):
    with pytest.raises(InputError) as exc:
        parse_tz(bad)
    assert exc.value.field == "tz"


@pytest.mark.parametrize("good", ["Asia/Jerusalem", "UTC", "America/Argentina/Buenos_Aires",
                                  "Etc/GMT+3", "America/Port-au-Prince"])
def test_iana_names_pass(good):
    assert parse_tz(good) == good
    assert IntervalGrid.of(good).tz == good


# ----------------------------------------------------------------------------- one home

def test_interval_of_prefers_freq_then_attrs_then_the_index():
    from staffing.grid import interval_of

    g = IntervalGrid.of("Europe/London", "15min")
    idx = g.range("2024-03-31", 1)  # spring forward: 92 quarter-hours, steps stay 15 min
    frame = pd.DataFrame({"calls": range(len(idx))}, index=idx)
    assert interval_of(frame) == pd.Timedelta("15min")
    frame.attrs["freq"] = pd.Timedelta("30min")
    assert interval_of(frame) == pd.Timedelta("30min")
    assert interval_of(frame, 3600) == pd.Timedelta("1h")
    one = frame.iloc[:1].copy()
    one.attrs = {}
    with pytest.raises(InputError) as exc:
        interval_of(one)
    assert exc.value.field == "freq"
    with pytest.raises(InputError):
        interval_of(frame, "-5min")


def test_per_interval_frames_have_one_shape():
    from staffing.grid import INDEX_NAME, by_interval, with_interval_column

    idx = IntervalGrid.of("UTC", "15min").range("2024-01-01", 1)[:3]
    indexed = pd.DataFrame({"scheduled": [1, 2, 3]}, index=idx.rename(None))
    column = with_interval_column(indexed)
    assert list(column.columns) == [INDEX_NAME, "scheduled"]
    back = by_interval(column)
    assert back.index.name == INDEX_NAME and (back.index == idx).all()
    assert by_interval(back).equals(back) and with_interval_column(column).equals(column)
