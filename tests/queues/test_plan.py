"""The multi-queue plan end to end on one day of the synthetic center (small, gap-limited),
its files, the what-if and the CLI."""

from __future__ import annotations

import copy
import json
import warnings

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from staffing.cli import app
from staffing.exceptions import InputError
from staffing.io.bundled import bundled_path
from staffing.io.toml import read_toml
from staffing.queues import MultiQueueConfig
from staffing.queues.plan import plan_queues
from staffing.queues.whatif import compare_groups, cross_train, parse_cross_train

DATA = bundled_path("plan.toml").parent


def _one_day() -> dict:
    t = copy.deepcopy(read_toml(bundled_path("queues_center.toml"), "config"))
    t["data"]["path"] = str(DATA / "center_history.csv")
    t["plan"]["days"] = 1
    t["solver"] = {"time_limit_s": 120, "mip_rel_gap": 0.02, "threads": 1}
    t["simulation"] = {"replications": 2, "seed": 3}
    return t


@pytest.fixture(scope="module")
def day():
    cfg = MultiQueueConfig.from_dict(_one_day(), base_dir=DATA)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return plan_queues(cfg)


def test_plan_has_a_roster_per_group_and_queue_table(day):
    r = day.roster
    assert r.has_roster and r.gap is not None and r.gap <= 0.02 + 1e-9
    assert set(r.tours["group"]) <= {"voice-team", "chat-team", "email-team"}
    table = day.queue_table().set_index("queue")
    assert list(table.index) == ["voice", "chat", "email"]
    assert table.loc["voice", "predicted_sl"] > 0.7
    assert 0 <= table.loc["chat", "simulated_sl"] <= 1
    assert table.loc["email", "deadline_met"]


def test_no_agent_counted_twice_recomputed_from_the_allocation(day):
    r = day.roster
    alloc = r.allocation.groupby(["interval_start", "group"])["agents"].sum()
    phone = r.groups.set_index(["interval_start", "group"])["on_phone"]
    both = pd.concat([alloc.rename("a"), phone], axis=1).fillna(0.0)
    assert (both["a"] <= both["on_phone"] + 1e-6).all()
    # on-phone = on duty x (1 - shrinkage), on duty recomputed from the shifts
    sh = r.shifts
    idx = pd.DatetimeIndex(r.groups["interval_start"].unique())
    duty = pd.Series(0.0, index=idx)
    for row in sh.itertuples():
        on = (idx >= row.start) & (idx < row.end)
        for b in filter(None, str(row.breaks).split(";")):
            a, e = b.split("-")
            day0 = row.start.normalize()
            bs = day0 + pd.Timedelta(a + ":00")
            be = day0 + pd.Timedelta(e + ":00")
            on &= ~((idx >= bs) & (idx < be))
        duty[on] += 1
    got = r.groups.groupby("interval_start")["on_duty"].sum()
    np.testing.assert_allclose(got.reindex(idx).to_numpy(), duty.to_numpy())


def test_email_deadline_recomputed_from_the_backlog(day):
    e = day.roster.email["email"]
    req = day.demand["email"].requirements
    work = req["workload"].to_numpy()
    due = req["due"].to_numpy()
    done = np.cumsum(e["processed"].to_numpy())
    n = len(work)
    for t in range(n):
        need = work[(due <= t)].sum()
        assert done[t] >= need - 1e-6
    assert (done <= np.cumsum(work) + 1e-6).all()
    np.testing.assert_allclose(e["backlog"], np.cumsum(work) - done, atol=1e-6)


def test_write_files(day, tmp_path):
    paths = day.write(tmp_path)
    for name in ("requirements.csv", "queues.csv", "combined.csv", "shifts.csv",
                 "allocation.csv", "email_email.csv", "summary.json", "queue_intervals.csv"):
        assert name in paths and paths[name].stat().st_size > 0
    s = json.loads((tmp_path / "summary.json").read_text())
    assert s["roster"]["status"] in ("optimal", "feasible")
    req = pd.read_csv(tmp_path / "requirements.csv")
    assert set(req["queue"]) == {"voice", "chat", "email"}
    comb = pd.read_csv(tmp_path / "combined.csv")
    assert comb["calls"].sum() == pytest.approx(req["calls"].sum())


def test_cross_training_can_only_lower_the_cost():
    cfg = MultiQueueConfig.from_dict(_one_day(), base_dir=DATA)
    more = cross_train(cfg.groups, "email-team", "chat", 3, [q.name for q in cfg.queues])
    assert more[-1].name == "email-team+chat" and more[-1].max_headcount == 3
    assert more[-1].skills == ("email", "chat")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table, res = compare_groups(cfg, {"base": cfg.groups, "x": more}, simulate=False)
    cost = table.groupby("variant")["cost"].first()
    obj = {k: v.roster.objective for k, v in res.items()}
    assert obj["x"] <= obj["base"] * (1 + 0.02) + 1e-6
    assert set(table["variant"]) == {"base", "x"} and len(cost) == 2
    extra = res["x"].roster.tours
    assert (extra["group"] == "email-team+chat").sum() <= 3


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("nope", "chat", 3), "cross_train.group"),
        (("email-team", "fax", 3), "cross_train.queue"),
        (("email-team", "email", 3), "cross_train.queue"),
        (("email-team", "chat", 0), "cross_train.agents"),
    ],
)
def test_bad_cross_train(args, field):
    cfg = MultiQueueConfig.from_dict(_one_day(), base_dir=DATA)
    with pytest.raises(InputError) as info:
        cross_train(cfg.groups, *args, [q.name for q in cfg.queues])
    assert info.value.field == field


def test_parse_cross_train():
    assert parse_cross_train("new:retail:5") == ("new", "retail", 5)
    with pytest.raises(InputError):
        parse_cross_train("new-retail-5")


def test_cli_skills_on_the_bank_log(tmp_path):
    res = CliRunner().invoke(app, ["skills", "-c", str(bundled_path("queues_bank.toml")),
                                   "-o", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "new+retail+stocks+tech 12" in res.output
    sk = pd.read_csv(tmp_path / "skills.csv")
    raw = pd.read_csv(bundled_path("anonymous_bank_feb1999_calls.csv"))
    served = raw[(raw["outcome"] == "AGENT") & (raw["server"] != "NO_SERVER")
                 & (raw["vru_time"] >= 0)]
    want = served.groupby(["server", "type"]).size().to_dict()
    got = sk.set_index(["agent", "type"])["calls"].to_dict()
    assert got == want


def test_cli_queues_bad_config_is_exit_2(tmp_path):
    bad = tmp_path / "bad.toml"
    text = bundled_path("queues_center.toml").read_text().replace(
        'channel = "chat"', 'channel = "fax"')
    bad.write_text(text.replace('path = "center_history.csv"',
                                f'path = "{DATA / "center_history.csv"}"'))
    res = CliRunner().invoke(app, ["queues", "-c", str(bad), "-o", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert "queues.chat.channel" in res.output


def test_plan_refuses_a_multi_queue_config(tmp_path):
    res = CliRunner().invoke(app, ["plan", "-c", str(bundled_path("queues_bank.toml")),
                                   "-o", str(tmp_path)])
    assert res.exit_code == 2
    assert "staffing queues" in res.output
