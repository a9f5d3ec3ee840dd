"""End-to-end weekly plan on the bundled data: every output present and consistent."""

from __future__ import annotations

import dataclasses
import json
import warnings

import numpy as np
import openpyxl
import pandas as pd
import pytest

from staffing.config import PlanConfig
from staffing.erlang import erlang_a_metrics, service_level
from staffing.pipeline import STAGES, StageEvent, plan

from .conftest import DATA, TZ

OUTPUTS = ("forecast.csv", "requirements.csv", "shifts.csv", "coverage.csv", "tours.csv",
           "summary.json", "plan.xlsx", "shifts.ics", "forecast.png", "coverage.png",
           "heatmap.png", "service.png", "service.csv", "service_days.csv", "forecast.parquet",
           "requirements.parquet", "coverage.parquet", "shifts.parquet")


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    cfg = PlanConfig.from_toml(DATA / "plan.toml")
    # the plan stops at its 1 % gap in seconds; the limit only guards a broken solver (a 15 s
    # limit ran out before any roster existed on a busy 2-core machine)
    cfg = dataclasses.replace(cfg, solver=dataclasses.replace(cfg.solver, time_limit_s=600.0))
    events: list[StageEvent] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = plan(cfg, progress=events.append)
    out = tmp_path_factory.mktemp("plan")
    paths = result.write(out)
    return result, out, paths, events


def _ts(col: pd.Series) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(pd.to_datetime(col, utc=True)).tz_convert(TZ)


def test_all_stages_ran(planned):
    result, _, _, events = planned
    assert result.roster.has_roster
    assert result.evaluation is not None and result.simulation is not None
    assert set(result.timings) == set(STAGES)
    done = [e.stage for e in events if e.kind == "done"]
    assert done == list(STAGES)
    assert result.patience is not None and 100 < result.patience.mean_patience_s < 1000
    assert result.goals.patience_s == result.patience.mean_patience_s


def test_every_output_present(planned):
    _, out, paths, _ = planned
    for name in OUTPUTS:
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
        assert name in paths
    for png in ("forecast.png", "coverage.png", "heatmap.png", "service.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_requirements_contract_and_horizon(planned):
    result, out, _, _ = planned
    req = pd.read_csv(out / "requirements.csv")
    assert list(req.columns) == ["interval_start", "calls", "aht_s", "erlangs", "agents_net",
                                 "agents_required", "service_level", "asa_s", "occupancy",
                                 "abandon_rate"]
    idx = _ts(req["interval_start"])
    assert idx.equals(result.config.index)
    assert idx[0] == pd.Timestamp("1999-03-01 00:00", tz=TZ)
    assert len(idx) == 7 * 96  # no DST change in Israel that week


def _on_duty(shifts: pd.DataFrame, index: pd.DatetimeIndex) -> np.ndarray:
    """Agents on the floor per interval from shifts.csv: [start, end) minus the breaks."""
    step = index[1] - index[0]
    count = pd.Series(0, index=index)
    for row in shifts.itertuples():
        start = pd.Timestamp(row.start).tz_convert(TZ)
        end = pd.Timestamp(row.end).tz_convert(TZ)
        slots = pd.date_range(start, end, freq=step, inclusive="left")
        on = pd.Series(True, index=slots)
        breaks = row.breaks if isinstance(row.breaks, str) else ""
        for b in filter(None, breaks.split(";")):
            a, z = b.split("-")
            for day in (start.normalize(), start.normalize() + pd.Timedelta(days=1)):
                b0 = day.tz_localize(None) + pd.Timedelta(a + ":00")
                b0 = b0.tz_localize(TZ)
                if start <= b0 < end:
                    b1 = day.tz_localize(None) + pd.Timedelta(z + ":00")
                    b1 = b1.tz_localize(TZ)
                    if b1 <= b0:
                        b1 += pd.Timedelta(days=1)
                    on[(on.index >= b0) & (on.index < b1)] = False
                    break
            else:
                raise AssertionError(f"break {b} outside shift {start}-{end}")
        slots = on.index[on.to_numpy()]
        # shifts running past the end of the week wrap cyclically to its start (roster.build)
        span = index[-1] + step - index[0]
        slots = pd.DatetimeIndex([t - span if t > index[-1] else t for t in slots])
        count.loc[slots] += 1
    return count.to_numpy()


def test_coverage_equals_shifts_minus_breaks(planned):
    _, out, _, _ = planned
    cov = pd.read_csv(out / "coverage.csv")
    shifts = pd.read_csv(out / "shifts.csv")
    idx = _ts(cov["interval_start"])
    np.testing.assert_array_equal(_on_duty(shifts, idx), cov["scheduled"].to_numpy())
    req = pd.read_csv(out / "requirements.csv")
    np.testing.assert_allclose(cov["required"], req["agents_required"])
    np.testing.assert_allclose(cov["under"], np.maximum(cov["required"] - cov["scheduled"], 0))
    np.testing.assert_allclose(cov["over"], np.maximum(cov["scheduled"] - cov["required"], 0))


def test_predicted_service_level_recomputed_independently(planned):
    _, out, _, _ = planned
    summary = json.loads((out / "summary.json").read_text())
    cov = pd.read_csv(out / "coverage.csv")
    req = pd.read_csv(out / "requirements.csv")
    goals = summary["plan"]["goals"]
    net = cov["scheduled"].to_numpy(float) * (1 - goals["shrinkage"])
    calls = req["calls"].to_numpy(float)
    aht = np.where(calls > 0, req["aht_s"].to_numpy(float), 1.0)
    m = erlang_a_metrics(calls, aht, net, 900.0, goals["patience_s"], goals["answer_s"])
    # intervals without calls have no service level (empty in coverage.csv)
    sl = np.where(calls > 0, m.service_level, np.nan)
    np.testing.assert_allclose(cov["service_level"], sl, rtol=0, atol=1e-5)  # CSV: 5 decimals
    np.testing.assert_allclose(cov["calls"], calls, rtol=1e-5, atol=1e-5)  # 6 digits
    week = np.nansum(sl * calls) / calls.sum()
    assert summary["service_level"] == pytest.approx(week, rel=1e-4)
    assert summary["evaluation"]["model"] == "erlang_a"
    # Erlang C on the same staffing differs (no abandonment): the model choice matters
    busy = calls > 0
    sl_c = np.asarray(service_level(calls, aht, net, goals["answer_s"], 900.0))
    assert not np.allclose(sl_c[busy], sl[busy])


def test_summary_json_contract(planned):
    result, out, _, _ = planned
    s = json.loads((out / "summary.json").read_text())
    for key in ("status", "objective", "bound", "gap", "runtime_s", "build_s", "agent_hours",
                "cost", "service_level"):
        assert key in s, key
    assert s["status"] in ("optimal", "feasible")
    assert s["agent_hours"] > 0 and s["cost"] > 0
    shifts = pd.read_csv(out / "shifts.csv")
    assert s["agent_hours"] == pytest.approx(shifts["paid_hours"].sum())
    assert s["forecast"]["model"] == result.forecast.model
    assert s["forecast"]["backtest"]
    sim = s["simulation"]
    assert sim["service_level_low"] <= sim["service_level"] <= sim["service_level_high"]
    # simulation and Erlang A agree to a few points on the week
    assert abs(sim["service_level"] - s["service_level"]) < 0.05
    assert s["simulated_service_level"] == sim["service_level"]


def test_workbook_and_calendar(planned):
    result, out, _, _ = planned
    wb = openpyxl.load_workbook(out / "plan.xlsx", read_only=True)
    for sheet in ("info", "forecast", "requirements", "shifts", "tours", "coverage", "days"):
        assert sheet in wb.sheetnames
    assert wb["shifts"].max_row == len(result.roster.shifts) + 1
    ics = (out / "shifts.ics").read_bytes().decode()
    breaks = ics.count("CATEGORIES:break")  # breaks are events of their own
    assert breaks > 0 and ics.count("BEGIN:VEVENT") == len(result.roster.shifts) + breaks
    assert "BEGIN:VTIMEZONE" in ics
    assert ics.startswith("BEGIN:VCALENDAR\r\n")


def test_text_summary(planned):
    result, _, _, _ = planned
    text = result.text()
    assert "forecast:" in text and "roster:" in text and "simulated" in text


def test_service_comparison(planned):
    result, out, _, _ = planned
    cmp = result.service_comparison()
    assert list(cmp.index)[-1] == "week" and len(cmp) == 8
    week = cmp.loc["week"]
    assert week["predicted_sl"] == pytest.approx(result.evaluation.week["service_level"])
    assert week["simulated_sl_low"] <= week["simulated_sl"] <= week["simulated_sl_high"]
    assert "service" in openpyxl.load_workbook(out / "plan.xlsx", read_only=True).sheetnames
    days = pd.read_csv(out / "service_days.csv", index_col="date")
    assert list(days.index) == list(cmp.index)
    assert np.allclose(days["simulated_sl"], cmp["simulated_sl"])


def test_service_csv_per_interval(planned):
    result, out, _, _ = planned
    svc = pd.read_csv(out / "service.csv")
    ev, sim = result.evaluation.intervals, result.simulation.intervals
    assert len(svc) == len(ev) == 672
    busy = (ev["calls"] > 0).to_numpy()  # no calls, no service level: empty in the file
    assert np.allclose(svc["predicted_sl"].to_numpy()[busy], ev["service_level"].to_numpy()[busy])
    assert svc["predicted_sl"].isna().to_numpy()[~busy].all()
    assert svc["meets_goal"].tolist() == ev["meets_goal"].tolist()
    both = svc["simulated_sl"].notna()
    assert both.sum() > 300  # every open interval with calls
    assert np.allclose(svc.loc[both, "simulated_sl"], sim["service_level"].to_numpy()[both])
    assert (svc.loc[both, "simulated_sl_low"] <= svc.loc[both, "simulated_sl"] + 1e-12).all()


def test_infeasible_roster_is_a_status_and_outputs_still_written(tmp_path):
    import tomllib

    with (DATA / "plan.toml").open("rb") as fh:
        d = tomllib.load(fh)
    d["forecast"] = {"models": ["historical_average"], "backtest": {"folds": 1}}
    d["open_hours"]["min_staff"] = 50
    for t in d["templates"]:
        t["max_headcount"] = 1
    cfg = PlanConfig.from_dict(d, base_dir=DATA)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = plan(cfg)
    assert result.roster.status.value == "infeasible"
    assert result.evaluation is None and result.simulation is None
    assert any("infeasible" in n for n in result.notes)
    paths = result.write(tmp_path, plots=False)
    s = json.loads(paths["summary.json"].read_text())
    assert s["status"] == "infeasible" and s["service_level"] is None
    assert "shifts.ics" not in paths
    assert pd.read_csv(paths["coverage.csv"]).empty


def test_solver_progress_events_carry_numbers(planned):
    _, _, _, events = planned
    solver = [e.solver for e in events if e.stage == "roster" and e.kind == "progress"]
    assert solver, "the roster stage reports solver progress"
    assert all(s.elapsed_s >= 0 for s in solver)
    assert any(s.bound is not None for s in solver)


def test_cancel_stops_the_roster_and_skips_later_stages():
    import threading

    from staffing.roster import RosterStatus

    cfg = PlanConfig.from_toml(DATA / "plan.toml")
    cancel = threading.Event()

    def on_event(ev: StageEvent) -> None:
        if ev.stage == "roster" and ev.kind == "start":
            cancel.set()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = plan(cfg, progress=on_event, cancel=cancel)
    assert result.roster.status is RosterStatus.CANCELLED
    assert result.evaluation is None and result.simulation is None
    assert "roster" in result.timings and "evaluate" not in result.timings
    assert result.timings["roster"] < 25.0  # not run to the 30 s time limit (loaded CI)


def test_collected_warnings_stay_in_their_thread():
    """collect_warnings is per thread (a context variable): two plans in two worker threads
    each see only their own warnings, deterministically interleaved here."""
    import threading

    from staffing.exceptions import DataQualityWarning, collect_warnings, warn

    a_ready, b_done = threading.Event(), threading.Event()
    seen: dict[str, list[str]] = {}

    def job_a() -> None:
        with collect_warnings() as caught:
            warn("from A", DataQualityWarning)
            a_ready.set()
            b_done.wait(5)
            warn("from A again", DataQualityWarning)
        seen["a"] = list(caught)

    def job_b() -> None:
        a_ready.wait(5)
        with collect_warnings() as caught:
            warn("from B", DataQualityWarning)
        seen["b"] = list(caught)
        b_done.set()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        threads = [threading.Thread(target=job_a), threading.Thread(target=job_b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
    assert seen["a"] == ["DataQualityWarning: from A", "DataQualityWarning: from A again"]
    assert seen["b"] == ["DataQualityWarning: from B"]


@pytest.mark.slow
def test_service_objective_plan_meets_the_week_and_prices_a_point(tmp_path):
    """The bundled week in service mode: weekly SL met, no interval below the floor, the
    promise equals the evaluation, and the summary/text say what a point of service costs."""
    import tomllib

    with (DATA / "plan.toml").open("rb") as fh:
        d = tomllib.load(fh)
    d["forecast"] = {"models": ["historical_average"], "backtest": {"folds": 1}}
    d["solver"].update(objective="service", min_interval_service_level=0.5,
                       mip_rel_gap=0.01, time_limit_s=600.0)
    d["simulation"]["enabled"] = False
    cfg = PlanConfig.from_dict(d, base_dir=DATA)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = plan(cfg)
    assert result.roster.status.value == "optimal"
    iv = result.evaluation.intervals
    calls = iv["calls"].to_numpy() > 0
    assert result.evaluation.week["service_level"] >= 0.8 - 1e-6
    assert (iv["service_level"].to_numpy()[calls] >= 0.5 - 1e-9).all()
    promised = result.roster.coverage.set_index("interval_start")["service_level_promised"]
    diff = (promised.reindex(iv.index).to_numpy() - iv["service_level"].to_numpy())[calls]
    assert np.abs(diff).max() <= 1e-3
    s = result.summary()
    assert s["service_point_cost"] is not None and s["service_point_cost"] > 0
    assert "one more point of weekly service level costs about" in result.text()


def _overflow_config(**solver):
    import tomllib

    with (DATA / "overflow.toml").open("rb") as fh:
        d = tomllib.load(fh)
    d["forecast"] = {"models": ["historical_average"], "backtest": {"folds": 1}}
    d["solver"].update(mip_rel_gap=0.02, time_limit_s=120.0, threads=1, **solver)
    d["simulation"]["enabled"] = False
    return PlanConfig.from_dict(d, base_dir=DATA)


@pytest.mark.slow
def test_overflow_plan_sends_the_closed_hours_and_reports_fees(tmp_path):
    """data/overflow.toml (requirement mode): the partner takes the calls of Friday 14-16 and
    Saturday 23-24, which the bank keeps closed; fees in the objective, the summary, the text
    line and coverage.csv; the evaluation's service is the combined one."""
    cfg = _overflow_config()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = plan(cfg)
    ro = result.roster
    assert ro.has_roster and ro.overflow_calls > 0
    cov = ro.coverage.set_index("interval_start")
    sent = cov["overflow_calls"]
    local = sent.index.tz_convert(cfg.tz)
    partner = cfg.overflow.mask(sent.index)
    assert (sent[~partner] == 0).all()
    assert sent[(local.dayofweek == 5) & (local.hour == 23)].sum() > 0
    fees = cfg.overflow.price_per_call * sent + cfg.overflow.price_per_minute * sent * \
        result.requirements["aht_s"].reindex(sent.index).fillna(0) / 60
    assert ro.overflow_fees == pytest.approx(fees.sum() + 150.0, rel=1e-6)  # + the weekly fee
    assert [p for p in ro.penalties if p.name == "overflow fees"][0].cost == ro.overflow_fees
    s = result.summary()
    assert s["overflow_fees"] == ro.overflow_fees
    assert s["total_cost"] == pytest.approx(ro.cost + ro.overflow_fees)
    assert "overflow partner:" in result.text()
    paths = result.write(tmp_path, plots=False)
    frame = pd.read_csv(paths["coverage.csv"])
    assert {"overflow_calls", "overflow_fee", "partner_answered"} <= set(frame.columns)
    # combined weekly service, recomputed: in-house Erlang A of the kept calls + 75 % of sent
    iv = result.evaluation.intervals
    kept = iv["calls"] - iv["overflow_calls"]
    net = iv["scheduled"] * (1 - result.goals.shrinkage)
    step = cfg.freq.total_seconds()
    calls_k = np.where(kept > 0, kept, 1e-9)
    inhouse = erlang_a_metrics(calls_k, iv["aht_s"].fillna(200).to_numpy(), net.to_numpy(),
                               step, result.goals.patience_s, result.goals.answer_s)
    sl_in = np.where(kept > 0, np.asarray(inhouse.service_level), 1.0)
    week = ((kept * sl_in).sum() + 0.75 * iv["overflow_calls"].sum()) / iv["calls"].sum()
    assert result.evaluation.week["service_level"] == pytest.approx(week, abs=1e-6)


@pytest.mark.slow
def test_overflow_in_service_mode_promises_what_evaluate_gives():
    """Issue 12 item 5 with a partner: whatever roster the solve returns (optimal or the
    constructive start), the promised service per interval equals the evaluation of the kept
    calls combined with the partner's, within 0.1 point."""
    cfg = _overflow_config(objective="service", min_interval_service_level=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = plan(cfg)
    assert result.roster.has_roster
    iv = result.evaluation.intervals
    calls = iv["calls"].to_numpy() > 0
    promised = result.roster.coverage.set_index("interval_start")["service_level_promised"]
    diff = (promised.reindex(iv.index).to_numpy() - iv["service_level"].to_numpy())[calls]
    assert np.abs(diff).max() <= 1e-3
    assert result.evaluation.week["service_level"] >= 0.8 - 1e-6
