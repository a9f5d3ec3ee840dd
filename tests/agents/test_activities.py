"""Training and meetings placed into a solved schedule: inside shifts, off breaks, meetings at
one common time, coverage reduced by exactly the placed blocks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from staffing.agents.activities import Activity, place_activities
from staffing.agents.domain import Window
from staffing.agents.read import read_setup
from staffing.agents.schedule import schedule_agents
from staffing.agents.solve import AgentSolverOptions
from staffing.exceptions import InputError

DATA = Path(__file__).parents[2] / "data"
TZ = "Asia/Jerusalem"


@pytest.fixture(scope="module")
def base(bundled):  # type: ignore[no-untyped-def]
    tpls, s, people = bundled
    idx = pd.date_range("1999-03-01", periods=7 * 96, freq="15min", tz=TZ)
    hour = idx.hour
    required = pd.Series(np.where((hour >= 8) & (hour < 20), 3.0, 0.0), index=idx)
    r = schedule_agents(required, tpls, people[:5], penalties=s.penalties,
                        options=AgentSolverOptions(time_limit_s=600, mip_rel_gap=0.02),
                        weekend_days=s.weekend_days)
    assert len(r.shifts)
    return r


def _blocks(cell: str) -> list[tuple[str, str, str]]:
    out = []
    for part in filter(None, cell.split("; ")):
        clock, name = part.split(" ", 1)
        a, _, z = clock.partition("-")
        out.append((a, z, name))
    return out


def test_meeting_together_and_training_each(base) -> None:  # type: ignore[no-untyped-def]
    ids = [a.id for a in base.agents]
    acts = [Activity("team meeting", 30, attendees=tuple(ids[:3]), together=True,
                     window=Window(9 * 60, 17 * 60)),
            Activity("training", 60, attendees=tuple(ids[3:5]))]
    r = place_activities(base, acts)
    sh = r.shifts
    meeting = [(row.agent, row.date, b) for row in sh.itertuples()
               for b in _blocks(row.activities) if b[2] == "team meeting"]
    assert len(meeting) == 3
    assert len({(d, b[0]) for _a, d, b in meeting}) == 1  # one common time
    assert meeting[0][2][0] >= "09:00" and meeting[0][2][1] <= "17:00"
    training = [(row.agent, b) for row in sh.itertuples() for b in _blocks(row.activities)
                if b[2] == "training"]
    assert sorted(a for a, _ in training) == sorted(ids[3:5])
    for row in sh.itertuples():
        for a, z, _n in _blocks(row.activities):
            start = pd.Timestamp(f"{row.date} {a}", tz=TZ)
            if start < row.start:
                start += pd.Timedelta(days=1)
            assert row.start <= start < row.end
            for ba, bz, _ in _blocks(row.breaks):  # never on a break
                assert z <= ba or bz <= a
    # coverage lost exactly 3 x 2 + 2 x 4 agent-intervals
    lost = base.coverage["scheduled"].sum() - r.coverage["scheduled"].sum()
    assert lost == pytest.approx(3 * 2 + 2 * 4)
    assert (r.coverage["under"] - r.coverage["over"]).to_numpy() == pytest.approx(
        (r.coverage["required"] - r.coverage["scheduled"]).to_numpy())


def test_meeting_goes_where_it_hurts_least(base) -> None:  # type: ignore[no-untyped-def]
    ids = tuple(a.id for a in base.agents[:2])
    r = place_activities(base, [Activity("1:1", 15, attendees=ids, together=True)])
    cells = [b for row in r.shifts.itertuples() for b in _blocks(row.activities)]
    assert len(cells) == 2
    # no other common 15-minute slot of both adds less under-coverage
    added = r.coverage["under"].sum() - base.coverage["under"].sum()
    assert added >= 0
    assert added <= 2  # at most both agents short for one interval


def test_unplaceable_activity_is_reported(base) -> None:  # type: ignore[no-untyped-def]
    r = place_activities(base, [Activity("night class", 60, window=Window(2 * 60, 4 * 60))])
    assert any("night class: placed for 0 of" in n for n in r.notes)


def test_bad_activity_config(tmp_path: Path) -> None:
    p = tmp_path / "c.toml"
    p.write_text("[contracts.x]\n[[activities]]\nname = 'm'\nduration_min = 'long'\n")
    with pytest.raises(InputError) as info:
        read_setup(p)
    assert info.value.field == "activities.m.duration_min"
