"""PlanConfig from TOML: the bundled plan, relative paths, and one bad value per field."""

from __future__ import annotations

import copy
import datetime as dt
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from staffing.config import PlanConfig
from staffing.exceptions import InputError

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "data" / "plan.toml"


@pytest.fixture(scope="module")
def raw():
    with PLAN.open("rb") as fh:
        return tomllib.load(fh)


def test_bundled_plan_loads():
    cfg = PlanConfig.from_toml(PLAN)
    assert cfg.data_kind == "call_log"
    assert cfg.data_path == (ROOT / "data" / "anonymous_bank_feb1999_calls.csv").resolve()
    assert cfg.tz == "Asia/Jerusalem"
    assert cfg.freq == pd.Timedelta("15min")
    assert cfg.start == dt.date(1999, 3, 1)
    assert cfg.days == 7
    assert cfg.patience_s == "fit"
    assert cfg.open_hours is not None and cfg.roster.open_hours is not None
    assert len(cfg.roster.templates) == 4
    assert cfg.solver.time_limit_s > 0
    assert cfg.simulate and cfg.simulation.replications == 10
    assert len(cfg.index) == 7 * 96
    goals = cfg.service_goals(300.0)
    assert goals.patience_s == 300.0 and goals.service_level == 0.8


def test_relative_paths_resolve_against_config_dir(tmp_path, raw):
    d = copy.deepcopy(raw)
    (tmp_path / "sub").mkdir()
    hist = tmp_path / "sub" / "h.csv"
    hist.write_text("interval_start,calls\n1999-02-01T00:00:00+02:00,1\n")
    d["data"] = {"path": "sub/h.csv"}
    d["goals"] = {"service_level": 0.8, "answer_s": 20}
    cfg = PlanConfig.from_dict(d, base_dir=tmp_path)
    assert cfg.data_path == hist.resolve()
    assert cfg.data_kind == "history"
    assert cfg.patience_s is None
    assert cfg.service_goals().patience_s is None


def _set(d: dict, path: str, value):
    keys = path.split(".")
    for k in keys[:-1]:
        d = d.setdefault(k, {})
    if value is _DELETE:
        d.pop(keys[-1], None)
    else:
        d[keys[-1]] = value


_DELETE = object()

BAD = [
    ("bogus.key", 1, "bogus"),
    ("data.path", "no_such_file.csv", "data.path"),
    ("data.path", _DELETE, "data.path"),
    ("data.kind", "xml", "data.kind"),
    ("data.colour", "red", "data.colour"),
    ("site.tz", "Mars/Olympus", "site.tz"),
    ("site.interval", "7min", "site.freq"),
    ("plan.start", "March 1st", "plan.start"),
    ("plan.start", _DELETE, "plan.start"),
    ("plan.days", 0, "plan.days"),
    ("forecast.level", 1.5, "forecast.level"),
    ("forecast.models", ["crystal_ball"], "forecast.models"),
    ("forecast.backtest.folds", 0, "forecast.backtest.folds"),
    ("forecast.special_days.scale", {"1999-03-02": -1}, "forecast.special_days.scale"),
    ("goals.service_level", 1.5, "goals.service_level"),
    ("goals.answer_s", -3, "goals.answer_s"),
    ("goals.shrinkage", 1.0, "goals.shrinkage"),
    ("goals.patience_s", -5, "goals.patience_s"),
    ("goals.speed", 3, "goals.speed"),
    ("open_hours.fri", "7-14", "open_hours.fri"),
    ("rules.workdays", 9, "rules.workdays"),
    ("penalties.under_per_agent_interval", -1, "penalties.under_per_agent_interval"),
    ("solver.time_limit_s", 0, "solver.time_limit_s"),
    ("solver.gap", 0.1, "solver.gap"),
    ("simulation.replications", 0, "simulation.replications"),
    ("simulation.handle_times", "weibull", "simulation.handle_times"),
    ("simulation.enabled", "yes", "simulation.enabled"),
    ("overflow.price_per_call", -1, "overflow.price_per_call"),
    ("overflow", {"price_per_call": 1, "capacity_calls_per_hour": "lots"},
     "overflow.capacity_calls_per_hour"),
    ("overflow", {"price_per_call": 1, "hours": {"sat": "23-24"}}, "overflow.hours.sat"),
    ("overflow", {"price_per_call": 1, "colour": "red"}, "overflow.colour"),
    ("overflow", "yes", "overflow"),
]


@pytest.mark.parametrize(("path", "value", "field"), BAD,
                         ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_bad_value_names_the_key(raw, path, value, field):
    d = copy.deepcopy(raw)
    _set(d, path, value)
    with pytest.raises(InputError) as exc:
        PlanConfig.from_dict(d, base_dir=PLAN.parent)
    assert exc.value.field.startswith(field), exc.value.field


def test_fit_patience_needs_a_call_log(tmp_path, raw):
    d = copy.deepcopy(raw)
    hist = tmp_path / "h.csv"
    hist.write_text("interval_start,calls\n1999-02-01T00:00:00+02:00,1\n")
    d["data"] = {"path": str(hist)}
    with pytest.raises(InputError) as exc:
        PlanConfig.from_dict(d)
    assert exc.value.field == "goals.patience_s"


def test_missing_and_broken_files(tmp_path):
    with pytest.raises(InputError) as exc:
        PlanConfig.from_toml(tmp_path / "nope.toml")
    assert exc.value.field == "config"
    bad = tmp_path / "bad.toml"
    bad.write_text("[goals\nservice_level = 0.8\n")
    with pytest.raises(InputError, match="valid TOML"):
        PlanConfig.from_toml(bad)


def test_break_errors_name_the_template(raw):
    d = copy.deepcopy(raw)
    d["templates"][0]["breaks"][0]["duration_min"] = -5
    with pytest.raises(InputError) as exc:
        PlanConfig.from_dict(d, base_dir=PLAN.parent)
    assert exc.value.field == "templates.early.breaks.duration_min"


def test_holidays_and_kind_sniffing(tmp_path, raw):
    d = copy.deepcopy(raw)
    d["forecast"]["special_days"] = {"holidays": ["1999-03-02"], "scale": {"1999-03-03": 1.2}}
    cfg = PlanConfig.from_dict(d, base_dir=PLAN.parent)
    sd = cfg.forecast.special_days
    assert dt.date(1999, 3, 2) in sd.exclude
    assert sd.scale[dt.date(1999, 3, 2)] == 0.0 and sd.scale[dt.date(1999, 3, 3)] == 1.2
    odd = tmp_path / "odd.csv"
    odd.write_text("when,volume\n")
    d["data"] = {"path": str(odd)}
    with pytest.raises(InputError) as exc:
        PlanConfig.from_dict(d)
    assert exc.value.field == "data.kind"


# ----------------------------------------------------------------------------- data in memory

def _no_data(raw: dict) -> dict:
    """The config without ``[data] path`` (the demand definitions ``offered``, ``wrap_s`` stay)."""
    d = copy.deepcopy(raw)
    data = {k: v for k, v in d.pop("data").items() if k in ("offered", "wrap_s")}
    if data:
        d["data"] = data
    return d


def test_history_frame_in_memory_gives_the_same_plan_inputs(raw):
    """A history DataFrame (read here with plain pandas, no file path in the config) gives the
    same data, forecast inputs and requirements as the same history read from its file."""
    from staffing.pipeline import run_requirements

    d = copy.deepcopy(raw)
    d["goals"].pop("patience_s")
    d["data"] = {"path": "anonymous_bank_15min.csv"}
    from_file = PlanConfig.from_dict(d, base_dir=PLAN.parent)
    frame = pd.read_csv(ROOT / "data" / "anonymous_bank_15min.csv")  # plain strings
    in_memory = PlanConfig.from_dict(_no_data(d), data=frame)
    assert in_memory.data_path is None and in_memory.data_kind == "history"
    assert in_memory.data_label == "history (in memory)"
    a, b = from_file.load_data().history, in_memory.load_data().history
    pd.testing.assert_frame_equal(a, b)
    fc = pd.DataFrame({"calls": a["calls"].iloc[:96].to_numpy(),
                       "aht_s": a["aht_s"].fillna(200).iloc[:96].to_numpy()},
                      index=a.index[:96])
    _, ra = run_requirements(from_file, fc)
    _, rb = run_requirements(in_memory, fc)
    pd.testing.assert_frame_equal(ra, rb)


def test_call_log_object_in_memory(raw, call_log):
    cfg = PlanConfig.from_dict(_no_data(raw), data=call_log)
    assert cfg.data_kind == "call_log" and cfg.patience_s == "fit"
    data = cfg.load_data()
    # the plan's demand definitions applied to the log given (plan.toml: wrap_s = 23 s)
    assert data.call_log is not None and data.call_log.wrap_s == cfg.wrap_s
    assert len(data.handle_s) == int(call_log.calls["outcome"].eq("served").sum())
    # the same as reading the file
    file_cfg = PlanConfig.from_toml(PLAN)
    pd.testing.assert_frame_equal(data.history, file_cfg.load_data().history)


def test_call_log_in_another_zone_is_converted(raw, call_log):
    import dataclasses

    calls = call_log.calls.copy()
    calls["arrival"] = calls["arrival"].dt.tz_convert("UTC")
    utc_log = dataclasses.replace(call_log, calls=calls, tz="UTC")
    cfg = PlanConfig.from_dict(_no_data(raw), data=utc_log)
    assert cfg.data is not None and cfg.data.call_log.tz == "Asia/Jerusalem"
    assert str(cfg.data.history.index.tz) == "Asia/Jerusalem"
    h = cfg.data.history
    assert int(h["calls"].sum()) + int(h["menu_hangups"].sum()) == len(call_log)


def test_config_with_data_in_memory_pickles(raw, call_log):
    """A many-site runner ships configs with their data to worker processes."""
    import pickle

    cfg = PlanConfig.from_dict(_no_data(raw), data=call_log)
    back = pickle.loads(pickle.dumps(cfg))
    assert back.data is not None and back.data.digest() == cfg.data.digest()
    assert back.roster == cfg.roster and back.solver == cfg.solver
    pd.testing.assert_frame_equal(back.load_data().history, cfg.load_data().history)


def test_with_data_replaces_the_file(raw):
    cfg = PlanConfig.from_toml(PLAN)
    d = copy.deepcopy(raw)
    d["goals"].pop("patience_s")
    hist_cfg = PlanConfig.from_dict(d, base_dir=PLAN.parent)
    frame = pd.read_csv(ROOT / "data" / "anonymous_bank_15min.csv")
    with pytest.raises(InputError) as exc:  # patience "fit" needs a call log
        cfg.with_data(frame)
    assert exc.value.field == "goals.patience_s"
    mem = hist_cfg.with_data(frame)
    assert mem.data_path is None and mem.data_kind == "history"


BAD_DATA = [
    ("path too", {"path": "anonymous_bank_15min.csv"}, "frame", "data.path"),
    ("wrong kind", {"kind": "call_log"}, "frame", "data.kind"),
    ("not data", {}, "text", "data"),
    ("bad row", {}, "bad_row", "calls"),
    ("missing column", {}, "no_calls", "calls"),
]


@pytest.mark.parametrize(("table", "what", "field"), [b[1:] for b in BAD_DATA],
                         ids=[b[0] for b in BAD_DATA])
def test_bad_in_memory_data_names_the_field(raw, table, what, field):
    d = _no_data(raw)
    d["goals"].pop("patience_s")
    d["data"] = table
    frame = pd.DataFrame({"interval_start": ["1999-02-01T00:00:00+02:00",
                                             "1999-02-01T00:15:00+02:00"],
                          "calls": ["3", "4"]})
    data = {"frame": frame, "text": "interval_start,calls\n",
            "bad_row": frame.assign(calls=["3", "many"]),
            "no_calls": frame.drop(columns="calls")}[what]
    with pytest.raises(InputError) as exc:
        PlanConfig.from_dict(d, base_dir=PLAN.parent, data=data)
    assert exc.value.field == field
    if what == "bad_row":
        assert "line 3" in str(exc.value)


def test_plan_config_types_its_stage_objects():
    """No Any-typed stage objects: each field names its class."""
    import typing

    from staffing.forecast import BacktestConfig, SpecialDays
    from staffing.io import PlanData
    from staffing.roster import RosterConfig, SolverOptions
    from staffing.simulate import SimulationOptions

    hints = typing.get_type_hints(PlanConfig)
    assert hints["roster"] is RosterConfig
    assert hints["solver"] is SolverOptions
    assert hints["simulation"] is SimulationOptions
    assert hints["data"] == PlanData | None
    fo = typing.get_type_hints(type(PlanConfig.from_toml(PLAN).forecast))
    assert fo["backtest"] == BacktestConfig | None
    assert fo["special_days"] == SpecialDays | None
    assert all(h is not typing.Any for h in hints.values())


@pytest.mark.parametrize(("section", "key", "hint"), [
    ("goals", "shrinkge", "did you mean 'shrinkage'?"),
    ("solver", "time_limit", "did you mean 'time_limit_s'?"),
    ("simulation", "replicatons", "did you mean 'replications'?"),
])
def test_unknown_key_suggests_the_close_one(section, key, hint):
    import tomllib

    from staffing.config import PlanConfig
    from staffing.exceptions import InputError

    from .conftest import DATA

    raw = tomllib.loads((DATA / "plan.toml").read_text())
    raw.setdefault(section, {})[key] = 1
    with pytest.raises(InputError) as err:
        PlanConfig.from_dict(raw, base_dir=DATA)
    assert err.value.field == f"{section}.{key}" and hint in str(err.value)


def test_unknown_section_suggests_the_close_one():
    import tomllib

    from staffing.config import PlanConfig
    from staffing.exceptions import InputError

    from .conftest import DATA

    raw = tomllib.loads((DATA / "plan.toml").read_text())
    raw["gaols"] = raw.pop("goals")
    with pytest.raises(InputError, match=r"did you mean \[goals\]\?"):
        PlanConfig.from_dict(raw, base_dir=DATA)


def test_overflow_section_and_the_hours_calls_are_forecast_for():
    cfg = PlanConfig.from_toml(PLAN.parent / "overflow.toml")
    ov = cfg.overflow
    assert ov is not None and ov.price_per_minute == 1.2 and ov.capacity_calls_per_hour == 60
    idx = pd.DatetimeIndex(["1999-03-05 15:00", "1999-03-06 23:30", "1999-03-06 12:00"],
                           tz="Asia/Jerusalem")  # Fri 15:00, Sat 23:30, Sat noon
    assert ov.mask(idx).tolist() == [True, True, False]
    # calls are forecast while the bank or the partner answers; the bank's floors stay its own
    assert cfg.demand_hours.mask(idx).tolist() == [True, True, False]
    assert cfg.open_hours.mask(idx).tolist() == [False, False, False]
    assert cfg.roster.open_hours.min_staff(idx).tolist() == [-1, -1, -1]
    assert PlanConfig.from_toml(PLAN).overflow is None
