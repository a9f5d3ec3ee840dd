"""What-if: extend the in-house hours, or have the overflow partner cover the extension?

Three scenarios of one base plan whose ``[overflow]`` section names the partner and, in
``[overflow] hours``, the extension (the hours the centre keeps closed today):

- ``base hours``: the centre's open hours, no partner (calls in the extension are not
  answered: they are not in the plan's demand at all, see ``lost_calls``);
- ``extended in-house``: the open hours joined with the extension (one window per day), no
  partner: the in-house roster staffs the extension;
- ``outsourced extension``: the open hours as they are; the partner answers in the extension
  (and, where the model finds it cheaper, takes calls in its hours that overlap the centre's).

Each is a :class:`~staffing.scenario.Scenario` (overrides ``overflow`` and ``open_hours``), so
caching, hashing and the API's scenario jobs apply unchanged. :func:`extension_table` gives one
row per scenario (wages, fees, total, weekly service, calls) and :func:`extension_days` the
per-day service level of each.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from staffing.config import PlanConfig
from staffing.exceptions import InputError
from staffing.hours import DAYS, OpenHours
from staffing.scenario.result import ScenarioResult
from staffing.scenario.spec import Scenario

__all__ = ["NAMES", "extended_hours", "extension_days", "extension_scenarios",
           "extension_table"]

NAMES = ("base hours", "extended in-house", "outsourced extension")


def _windows(hours: OpenHours) -> dict[int, tuple[int, int]]:
    """Per weekday (0 = Monday) one window in minutes from that day's midnight (close may
    exceed 1440 for a window crossing midnight)."""
    out: dict[int, tuple[int, int]] = {}
    for d in hours.days:
        o = d.open.hour * 60 + d.open.minute
        c = d.close.hour * 60 + d.close.minute
        if c <= o:
            c += 1440
        if d.day in out:  # several windows of one day: keep their hull only if they touch
            a, b = out[d.day]
            if o > b or a > c:
                raise InputError("open_hours", DAYS[d.day], "one window per day")
            o, c = min(a, o), max(b, c)
        out[d.day] = (o, c)
    return out


def _clock(minutes: int) -> str:
    m = minutes % 1440 if minutes != 1440 else 1440
    return f"{m // 60:02d}:{m % 60:02d}"


def extended_hours(open_hours: Mapping[str, Any], extension: Mapping[str, str]) -> dict[str, Any]:
    """The ``[open_hours]`` table with the extension's windows joined in, one key per day
    (``min_staff`` kept). A day whose extension neither touches nor overlaps its open window
    cannot be one window: InputError naming ``overflow.hours.<day>``."""
    base = OpenHours.from_table(dict(open_hours))
    try:
        ext = OpenHours.from_dict(dict(extension))
    except InputError as exc:
        raise InputError("overflow.hours" + exc.field.removeprefix("open_hours"), exc.value,
                         exc.expected) from exc
    joined = _windows(base)
    for day, (o, c) in _windows(ext).items():
        if day in joined:
            a, b = joined[day]
            if o > b or a > c:
                raise InputError(f"overflow.hours.{DAYS[day]}", f"{_clock(o)}-{_clock(c)}",
                                 f"a window touching the open hours {_clock(a)}-{_clock(b)} "
                                 f"(the extended day must stay one window)")
            joined[day] = (min(a, o), max(b, c))
        else:
            joined[day] = (o, c)
    out: dict[str, Any] = {DAYS[d]: f"{_clock(o)}-{_clock(c)}"
                           for d, (o, c) in sorted(joined.items())}
    if "min_staff" in open_hours:
        out["min_staff"] = open_hours["min_staff"]
    return out


def extension_scenarios(base: PlanConfig,
                        extension: Mapping[str, str] | None = None,
                        overrides: Mapping[str, Any] | None = None) -> list[Scenario]:
    """The three scenarios (:data:`NAMES`) of ``base``; ``extension`` (day ranges to
    ``"HH:MM-HH:MM"``) defaults to ``[overflow] hours``; ``overrides`` (e.g. a time limit)
    apply to all three."""
    raw = base.raw.get("overflow") if base.raw else None
    if base.overflow is None or not isinstance(raw, Mapping):
        raise InputError("overflow", None, "an [overflow] section naming the partner (prices, "
                         "capacity) to compare outsourcing with extended in-house hours")
    ext = dict(extension) if extension is not None else raw.get("hours")
    if not isinstance(ext, Mapping) or not ext:
        raise InputError("overflow.hours", ext, "the extension: day ranges to 'HH:MM-HH:MM' "
                         "(the hours the partner would cover)")
    if "open_hours" not in base.raw:
        raise InputError("open_hours", None, "open hours to extend")
    common = dict(overrides or {})
    joined = extended_hours(base.raw["open_hours"], ext)
    partner = {**dict(raw), "hours": dict(ext)}
    return [
        Scenario(NAMES[0], base, {**common, "overflow": None}),
        Scenario(NAMES[1], base, {**common, "overflow": None, "open_hours": joined}),
        Scenario(NAMES[2], base, {**common, "overflow": partner}),
    ]


def extension_table(results: list[ScenarioResult]) -> pd.DataFrame:
    """One row per scenario: ``scenario, status, calls`` (in the plan's demand),
    ``lost_calls`` (calls of the most-served scenario this one does not plan for: they arrive
    while closed), ``agent_hours``, ``wages``, ``overflow_calls``, ``overflow_fees``,
    ``total_cost`` (wages + fees), ``service_level`` (weekly predicted, in-house + partner),
    ``service_level_all_calls`` (answered within the threshold over every call of the
    most-served scenario: lost calls count as missed), ``intervals_under_goal``, ``gap``."""
    rows = []
    for r in results:
        m = r.metrics()
        rows.append({
            "scenario": r.name, "status": m["status"], "calls": m["calls"],
            "agent_hours": m["agent_hours"], "wages": m["cost"],
            "overflow_calls": m.get("overflow_calls", 0.0),
            "overflow_fees": m.get("overflow_fees", 0.0),
            "total_cost": m["cost"] + m.get("overflow_fees", 0.0),
            "service_level": m["service_level"],
            "intervals_under_goal": m["intervals_under_goal"], "gap": m["gap"],
        })
    table = pd.DataFrame(rows)
    if len(table):
        most = float(table["calls"].max())
        table.insert(3, "lost_calls", most - table["calls"])
        table.insert(table.columns.get_loc("service_level") + 1, "service_level_all_calls",
                     table["service_level"] * table["calls"] / most if most > 0 else np.nan)
    return table


def extension_days(results: list[ScenarioResult]) -> pd.DataFrame:
    """Per local day (rows) the predicted service level of each scenario (columns), with
    the calls each plans for (``calls <scenario>``)."""
    cols: dict[str, pd.Series] = {}
    for r in results:
        ev = r.evaluation
        if ev is None:
            continue
        days = ev.days
        cols[r.name] = days["service_level"]
        cols[f"calls {r.name}"] = days["calls"]
    out = pd.DataFrame(cols)
    out.index.name = "date"
    return out
