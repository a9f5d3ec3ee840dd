"""Skill-based routing simulation: checks against Erlang C, priorities, pooling, email
deadlines, chat concurrency."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from staffing.erlang import service_level
from staffing.exceptions import InputError
from staffing.queues.simulate import QueueTraffic, simulate_queues

IDX = pd.date_range("2026-02-02", periods=96, freq="15min", tz="Europe/London")


def _traffic(name: str, calls: float, aht: float, **kw: object) -> QueueTraffic:
    return QueueTraffic(name, kw.pop("channel", "voice"), np.full(96, calls),  # type: ignore[arg-type]
                        np.full(96, aht), **kw)  # type: ignore[arg-type]


def _staff(**groups: float) -> pd.DataFrame:
    return pd.DataFrame({g: np.full(96, v) for g, v in groups.items()}, index=IDX)


def test_one_queue_one_group_matches_erlang_c():
    sim = simulate_queues(IDX, [_traffic("A", 40, 180)], {"g": ["A"]}, _staff(g=10),
                          replications=4, seed=1)
    row = sim.queues.iloc[0]
    want = float(service_level(40, 180, 10, 20, 900))
    assert row["offered"] == pytest.approx(40 * 96, rel=0.03)
    assert row["service_level"] == pytest.approx(want, abs=0.03)
    assert row["abandon_rate"] == 0.0


def test_chat_sessions_are_servers():
    # 5 agents x 2 sessions = Erlang C with 10 servers
    t = _traffic("C", 40, 180, channel="chat", concurrency=2, answer_s=20)
    sim = simulate_queues(IDX, [t], {"g": ["C"]}, _staff(g=5), replications=4, seed=2)
    want = float(service_level(40, 180, 10, 20, 900))
    assert sim.queues.iloc[0]["service_level"] == pytest.approx(want, abs=0.03)


def test_priority_queue_is_served_first_when_short():
    traffic = [_traffic("A", 30, 180, priority=1), _traffic("B", 30, 180, priority=2)]
    sim = simulate_queues(IDX, traffic, {"pool": ["A", "B"]}, _staff(pool=12),
                          replications=2, seed=3)
    sl = sim.queues.set_index("queue")["service_level"]
    assert sl["A"] > sl["B"] + 0.2


def test_pooled_agents_beat_the_same_agents_split():
    traffic = [_traffic("A", 20, 180), _traffic("B", 20, 180)]
    split = simulate_queues(IDX, traffic, {"a": ["A"], "b": ["B"]}, _staff(a=5, b=5),
                            replications=3, seed=4)
    pooled = simulate_queues(IDX, traffic, {"pool": ["A", "B"]}, _staff(pool=10),
                             replications=3, seed=4)
    assert (pooled.queues["service_level"].mean()
            > split.queues["service_level"].mean() + 0.03)


def test_a_queue_nobody_staffs_gets_no_service():
    traffic = [_traffic("A", 20, 180), _traffic("B", 5, 180)]
    sim = simulate_queues(IDX, traffic, {"a": ["A"], "b": ["B"]}, _staff(a=6, b=0),
                          replications=1, seed=5)
    b = sim.queues.set_index("queue").loc["B"]
    assert b["offered"] > 0 and b["service_level"] == 0.0


def test_email_on_time_and_late():
    due = np.arange(96) + 7  # within 2 h
    email = _traffic("E", 4, 300, channel="email", due=due)
    ample = simulate_queues(IDX, [email], {"g": ["E"]}, _staff(g=3), replications=2, seed=6)
    row = ample.queues.iloc[0]
    assert row["on_time"] == pytest.approx(1.0, abs=0.01)
    none = simulate_queues(IDX, [email], {"g": ["E"]}, _staff(g=0), replications=1, seed=6)
    row = none.queues.iloc[0]
    assert row["on_time"] == 0.0              # nothing handled: every due item is late
    # items due before the horizon ends are late, the last 2 h of arrivals are still open
    assert row["late_items"] > 0 and row["open_at_end"] > 0
    assert row["late_items"] + row["open_at_end"] == row["offered"]


def test_email_fills_idle_voice_time():
    voice = _traffic("V", 20, 180, priority=1)
    email = _traffic("E", 3, 300, channel="email", due=np.arange(96) + 15, priority=2)
    sim = simulate_queues(IDX, [voice, email], {"pool": ["V", "E"]}, _staff(pool=8),
                          replications=2, seed=7)
    q = sim.queues.set_index("queue")
    assert q.loc["E", "on_time"] > 0.95
    alone = simulate_queues(IDX, [voice], {"pool": ["V"]}, _staff(pool=8), replications=2,
                            seed=7)
    # email is not pre-empted: a call arriving while every agent holds an item waits
    assert 0.8 < q.loc["V", "service_level"] < alone.queues.iloc[0]["service_level"]


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"replications": 0}, "replications"),
        ({"skills": {"g": ["Z"]}}, "groups.g.skills"),
        ({"on_phone": _staff(h=1)}, "on_phone"),
        ({"on_phone": _staff(g=1).iloc[:5]}, "on_phone"),
    ],
)
def test_bad_input(kw, field):
    args = {"skills": {"g": ["A"]}, "on_phone": _staff(g=1), "replications": 1}
    args.update(kw)
    with pytest.raises(InputError) as info:
        simulate_queues(IDX, [_traffic("A", 1, 100)], args["skills"], args["on_phone"],
                        replications=args["replications"])
    assert info.value.field == field
