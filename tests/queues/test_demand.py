"""Per-queue forecast and requirements through the single-queue stages."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from staffing.erlang import required_agents
from staffing.io.bundled import bundled_path
from staffing.queues import DeferredGoal, MultiQueueConfig
from staffing.queues.demand import queue_demand, stack


@pytest.fixture(scope="module")
def center():
    cfg = MultiQueueConfig.from_toml(bundled_path("queues_center.toml"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cfg, queue_demand(cfg)


def test_each_queue_forecast_from_its_own_history(center):
    cfg, dem = center
    hist = pd.read_csv(bundled_path("center_history.csv"))
    for name, d in dem.items():
        assert d.forecast is not None
        week = d.forecast.frame
        assert len(week) == 7 * 96
        # Sunday is closed in every history week: forecast zero
        assert week[week.index.day_of_week == 6]["calls"].sum() == 0
        mine = hist[hist["queue"] == name]["calls"].sum() / 4
        assert week["calls"].sum() == pytest.approx(mine, rel=0.15)


def test_voice_and_chat_requirements_are_erlang_with_their_own_goals(center):
    _, dem = center
    for name, answer_s, conc in (("voice", 20, 1), ("chat", 60, 2)):
        req = dem[name].requirements
        busy = req[req["calls"] > 1].iloc[::40]
        want = required_agents(busy["calls"].to_numpy(), busy["aht_s"].to_numpy(), 900,
                               service_level=0.8, answer_s=answer_s, concurrency=conc)
        np.testing.assert_array_equal(busy["agents_net"].to_numpy(), want)
        assert (req["agents_required"] >= np.ceil(req["agents_net"] / 0.8 - 1e-9)).all()


def test_email_workload_and_deadline_recomputed(center):
    _, dem = center
    req = dem["email"].requirements
    fc = dem["email"].forecast.frame
    np.testing.assert_allclose(req["workload"], fc["calls"] * fc["aht_s"].fillna(0) / 900)
    assert (req["due"].to_numpy() == np.arange(len(req)) + 95).all()  # 24 h = 96 intervals


def test_stack_is_tidy(center):
    _, dem = center
    s = stack(dem)
    assert s.index.names == ["interval_start", "queue"]
    assert set(s["channel"]) == {"voice", "chat", "email"}
    assert len(s) == 3 * 7 * 96


def test_end_of_day_deadline_is_the_days_last_interval():
    idx = pd.date_range("2026-02-02", periods=8, freq="6h", tz="Europe/London")
    due = DeferredGoal(1.0, None).due(idx, pd.Timedelta("6h"))
    assert due.tolist() == [3, 3, 3, 3, 7, 7, 7, 7]
    assert DeferredGoal(1.0, 13).due(idx, pd.Timedelta("6h")).tolist()[0] == 2  # ceil(13/6)-1


def test_bank_queues_add_up_to_the_whole_log():
    cfg = MultiQueueConfig.from_toml(bundled_path("queues_bank.toml"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = cfg.load_data()
    total = sum(d.history["calls"].sum() for d in data.values())
    raw = pd.read_csv(bundled_path("anonymous_bank_feb1999_calls.csv"))
    reached = raw[(raw["outcome"] != "PHANTOM") & (raw["vru_time"] >= 0)
                  & ((raw["q_start"] != "0:00:00") | (raw["outcome"] == "AGENT"))]
    assert total == len(reached)
    ne = data["stocks"].history["calls"].sum()
    assert ne == (reached["type"] == "NE").sum()
    # handle time = talk + the config's 23 s of after-call work
    log = data["stocks"].call_log
    served = log.calls["outcome"].eq("served")
    assert (log.calls.loc[served, "handle_s"] - log.calls.loc[served, "talk_s"]).eq(23).all()
