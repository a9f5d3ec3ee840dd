"""Requirements per skill: only agents with the skill count (each agent once), the outputs
recomputed with pandas, one skill that everybody has = the single-requirement model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from staffing.agents.domain import Agent, Contract, Preferences
from staffing.agents.schedule import schedule_agents
from staffing.agents.skill_cover import pivot_skills
from staffing.agents.solve import AgentSolverOptions
from staffing.exceptions import InputError

TZ = "Asia/Jerusalem"
OPTS = AgentSolverOptions(time_limit_s=120, mip_rel_gap=0, threads=1,
                          extra={"mip_max_nodes": 5000})


def _day(hours: tuple[int, int], value: float) -> pd.Series:
    idx = pd.date_range("1999-03-01", periods=96, freq="15min", tz=TZ)  # a Monday
    return pd.Series(np.where((idx.hour >= hours[0]) & (idx.hour < hours[1]), value, 0.0),
                     index=idx)


def _people() -> list[Agent]:
    c = Contract("c", max_days_per_week=None)
    wish = Preferences(days_off_weekdays=(0,), day_off_weight=150.0)  # Monday off, please
    return [Agent("V1", "V1", c, skills={"voice": 1}),
            Agent("V2", "V2", c, skills={"voice": 1}),
            Agent("I1", "I1", c, skills={"voice": 1, "internet": 1}, preferences=wish)]


def _on_phone(shifts: pd.DataFrame, idx: pd.DatetimeIndex) -> pd.DataFrame:
    """Per agent (columns) and interval: 1 when on the phone, from the CSV-like rows."""
    out = pd.DataFrame(0, index=idx, columns=sorted(set(shifts["agent"])))
    for r in shifts.itertuples():
        out.loc[(idx >= r.start) & (idx < r.end), r.agent] = 1
        for part in filter(None, str(r.breaks).split("; ")):
            a, z = part.split(" ")[0].split("-")
            s = pd.Timestamp(f"{r.date} {a}", tz=TZ)
            e = pd.Timestamp(f"{r.date} {z}", tz=TZ)
            out.loc[(idx >= s) & (idx < e), r.agent] = 0
    return out


def test_skill_requirement_counts_only_skilled_agents(bundled) -> None:  # type: ignore[no-untyped-def]
    tpls, _s, _people_ = bundled
    one = _day((8, 12), 2.0)
    single = schedule_agents(one, tpls, _people(), options=OPTS)
    # one requirement: V1 and V2 cover it and I1 gets the wished day off
    assert set(single.shifts["agent"]) == {"V1", "V2"}
    req = pd.DataFrame({"voice": _day((8, 12), 1.0), "internet": _day((8, 12), 1.0)})
    r = schedule_agents(req, tpls, _people(), options=OPTS)
    # per skill: internet needs I1 (the only one with it), one voice agent besides
    assert r.status.value == "optimal"
    working = set(r.shifts["agent"])
    assert "I1" in working
    # served and short per skill recomputed with pandas: internet only from I1, voice from
    # the voice-only agent (I1 is on internet while it is needed, counted once)
    idx = pd.DatetimeIndex(req.index)
    on = _on_phone(r.shifts, idx).reindex(columns=["V1", "V2", "I1"], fill_value=0)
    inet = np.minimum(on["I1"], req["internet"])
    spare = on["I1"] - inet
    voice = np.minimum(on["V1"] + on["V2"] + spare, req["voice"])
    cov = r.skill_coverage.set_index(["skill", "interval_start"])
    assert cov.loc["internet", "served"].to_numpy() == pytest.approx(inet.to_numpy())
    assert cov.loc["voice", "served"].to_numpy() == pytest.approx(voice.to_numpy())
    short = (req["internet"] - inet).sum() + (req["voice"] - voice).sum()
    model_short = sum(t.count for t in r.terms if t.family == "cover_under")
    assert model_short == pytest.approx(short)
    assert r.summary()["under_by_skill"]["internet"] == pytest.approx(
        (req["internet"] - inet).sum())
    assert any(line.startswith("skill internet:") for line in r.penalty_report())


def test_one_skill_everybody_has_is_the_single_model(bundled) -> None:  # type: ignore[no-untyped-def]
    tpls, _s, _people_ = bundled
    one = _day((8, 14), 2.0)
    a = schedule_agents(one, tpls, _people(), options=OPTS)
    b = schedule_agents(pd.DataFrame({"voice": one}), tpls, _people(), options=OPTS)
    assert a.status.value == b.status.value == "optimal"
    assert b.objective == pytest.approx(a.objective)


def test_skill_input_errors(bundled) -> None:  # type: ignore[no-untyped-def]
    tpls, _s, _people_ = bundled
    req = pd.DataFrame({"voice": _day((8, 12), 1.0)})
    with pytest.raises(InputError) as info:
        schedule_agents(req, tpls, _people(), method="decompose")
    assert info.value.field == "method"
    idx = pd.DatetimeIndex(_day((8, 12), 1.0).index[:2].repeat(2))
    with pytest.raises(InputError) as info:
        pivot_skills(idx, ["voice", "voice", "voice", "chat"], np.ones(4), source="r.csv")
    assert info.value.field == "requirements.skill" and info.value.where == "line 3 of r.csv"
    with pytest.raises(InputError) as info:
        pivot_skills(idx, ["voice", " ", "voice", "chat"], np.ones(4))
    assert info.value.field == "requirements.skill"
    wide = pivot_skills(idx, ["voice", "chat", "chat", "voice"], np.arange(4.0))
    assert list(wide.columns) == ["chat", "voice"] and wide.to_numpy().tolist() == [[1, 0],
                                                                                    [2, 3]]
