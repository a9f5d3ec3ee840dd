"""One home for number checks: the same value is refused in the same words wherever it enters
(goals, Erlang functions, the plan config, scenario overrides, curve targets)."""

from __future__ import annotations

import tomllib
import warnings

import pytest

from staffing._validate import fraction, number, whole
from staffing.config import PlanConfig
from staffing.erlang import required_agents
from staffing.exceptions import InputError
from staffing.requirements import ServiceGoals
from staffing.scenario import Scenario, cost_service_curve

from .conftest import DATA


def _raw(**goals: object) -> dict:
    raw = tomllib.loads((DATA / "plan.toml").read_text())
    raw["plan"]["days"] = 1
    raw["goals"].update(goals)
    return raw


@pytest.fixture(scope="module")
def base() -> PlanConfig:
    return PlanConfig.from_dict(_raw(), base_dir=DATA)


def _entry_points(goal: str, value: object, base: PlanConfig) -> dict:
    points = {
        "goals": lambda: ServiceGoals(**{goal: value}),
        "config": lambda: PlanConfig.from_dict(_raw(**{goal: value}), base_dir=DATA),
        "scenario": lambda: Scenario("s", base, {goal: value}),
    }
    if goal != "shrinkage":
        points["erlang"] = lambda: required_agents(10, 180, 900, **{goal: value})
    if goal == "service_level":
        points["curve"] = lambda: cost_service_curve(base, [0.8, value])
    return points


CASES = [("service_level", v) for v in (1.0, 1.5, 0, -0.2, float("nan"), True, "high")] + [
    ("max_occupancy", v) for v in (1.5, 0)] + [("shrinkage", v) for v in (1.0, -0.1)] + [
    ("abandon_rate", v) for v in (1.0, 2)]
WORDS = {"service_level": "a fraction in (0, 1)", "max_occupancy": "a fraction in (0, 1]",
         "shrinkage": "a fraction in [0, 1)", "abandon_rate": "a fraction in (0, 1)"}


@pytest.mark.parametrize(("goal", "value"), CASES, ids=[f"{g}={v!r}" for g, v in CASES])
def test_a_goal_is_refused_in_one_wording_everywhere(base, goal, value):
    """The drift this fixes: a scenario's service_level of 1.5 was refused as "(0, 1]" and
    1.0 (accepted there) then failed later as "(0, 1)"."""
    extra = {"patience_s": 120.0} if goal == "abandon_rate" else {}
    seen = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, call in _entry_points(goal, value, base).items():
            if extra and name == "goals":
                call = lambda: ServiceGoals(**{goal: value}, **extra)  # noqa: E731
            elif extra and name == "erlang":
                call = lambda: required_agents(10, 180, 900, **{goal: value}, **extra)  # noqa
            elif extra and name in ("config", "scenario"):
                continue
            with pytest.raises(InputError) as exc:
                call()
            seen[name] = (exc.value.field, exc.value.expected)
    assert {e for _, e in seen.values()} == {WORDS[goal]}, seen
    assert all(f.endswith(goal) or f.startswith("targets[") for f, _ in seen.values()), seen


@pytest.mark.parametrize(("call", "words"), [
    (lambda: number("x", "3"), "a finite number"),
    (lambda: number("x", -1, lo=0, lo_open=True, unit="s"), "a number > 0 (s)"),
    (lambda: number("x", float("inf"), lo=0), "a number >= 0"),
    (lambda: number("x", 1, lo=0, hi=1, hi_open=True), "a number in [0, 1)"),
    (lambda: fraction("x", True, low_open=False, high_open=False), "a fraction in [0, 1]"),
    (lambda: whole("x", 2.5, lo=1), "a whole number >= 1"),
    (lambda: whole("x", False, lo=0), "a whole number >= 0"),
])
def test_checker_wording(call, words):
    with pytest.raises(InputError) as exc:
        call()
    assert exc.value.expected == words


def test_checker_accepts_numpy_and_whole_floats():
    import numpy as np

    assert number("x", np.float32(0.5), lo=0, hi=1) == 0.5
    assert whole("x", np.int64(3)) == 3 and whole("x", 4.0) == 4
