"""Synthetic contact-center sites: N realistic plans, deterministic from a seed.

Each :class:`SiteSpec` is one site: a plan config (the ``data/plan.toml`` tables as a dict)
plus its interval history in memory (a :class:`~staffing.io.PlanData`), so a many-site batch
can ship it to a worker without a shared disk. The sites differ the way a group's centres do:

* size: a nominal peak of about 5 to 150 agents (log-uniform), which sets the call volume;
* opening hours and weekly shape (:data:`ARCHETYPES`): a weekday bank (Mon-Fri 08-18), a
  seven-day retail line, a 24/7 support desk (night shifts crossing midnight) and a
  Sunday-Thursday centre with a short Friday and a Saturday evening (like the bundled data);
* IANA time zones, several with a daylight-saving change inside the generated weeks (the
  default planning week, Mon 23 - Sun 29 March 2026, holds the EU change on the 29th and
  Israel's on the 27th; the US change of 8 March is in the history);
* templates and rules per archetype, goals (80/20, 90/30, 70/60), shrinkage, Erlang A with a
  fixed patience for some, 15- or 30-minute grids.

The histories come from :func:`staffing.forecast.synthetic.synthetic_history` (negative
binomial counts around a weekly x intraday profile with trend, noise, holidays and outliers).
:func:`write_sites` writes ``<name>.toml`` plus ``<name>_history.csv`` per site for the CLI.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from staffing._validate import whole
from staffing.exceptions import InputError
from staffing.forecast.synthetic import Shape, synthetic_history
from staffing.io.plandata import PlanData

__all__ = ["ARCHETYPES", "DEFAULT_START", "ZONES", "Archetype", "SiteSpec", "generate_sites",
           "write_sites"]

DEFAULT_START = dt.date(2026, 3, 23)
"""Monday of the default planning week (EU DST change on Sun 29 March 2026)."""

ZONES = ("Europe/Berlin", "America/New_York", "Europe/London", "Asia/Kolkata",
         "America/Chicago", "Asia/Jerusalem", "Australia/Sydney", "America/Sao_Paulo",
         "Europe/Madrid", "Asia/Manila", "America/Los_Angeles", "Africa/Johannesburg")
"""Zones drawn from, in turn; the European, US and Israeli ones change clocks in March 2026."""

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _lunch(offset_lo: int, offset_hi: int) -> dict[str, Any]:
    return {"name": "lunch", "duration_min": 30, "earliest_offset_min": offset_lo,
            "latest_offset_min": offset_hi, "paid": False}


def _template(name: str, first: str, last: str, hours: float, days: list[str], cost: float,
              *, part_time: bool = False) -> dict[str, Any]:
    t: dict[str, Any] = {"name": name, "start_earliest": first, "start_latest": last,
                         "start_step_min": 30, "paid_hours": hours, "days": days,
                         "cost_per_hour": cost}
    if part_time:
        t["part_time"] = True
    if hours >= 6:
        t["breaks"] = [_lunch(180, 300)]
    return t


@dataclass(frozen=True)
class Archetype:
    """A kind of site: weekly :class:`~staffing.forecast.synthetic.Shape` and the templates
    and rules that staff it (``templates(wage)`` gives the ``[[templates]]`` tables)."""

    name: str
    shape: Shape
    template_specs: tuple[tuple[str, str, str, float, tuple[str, ...], float, bool], ...]
    rules: Mapping[str, Any]

    def templates(self, wage: float) -> list[dict[str, Any]]:
        """``[[templates]]`` tables with hourly cost ``wage`` x each template's factor."""
        return [_template(n, a, b, h, list(d), round(wage * f, 2), part_time=pt)
                for n, a, b, h, d, f, pt in self.template_specs]

    def open_hours(self) -> dict[str, str]:
        """``[open_hours]`` windows per weekday (closed days left out)."""
        out = {}
        for day, (lo, hi) in zip(_DAYS, self.shape.hours, strict=True):
            if hi > lo:
                out[day] = f"{_clock(lo)}-{_clock(hi)}"
        return out


def _clock(h: float) -> str:
    return f"{int(h):02d}:{int(round((h % 1) * 60)):02d}"


_WEEK = ("mon-sun",)
ARCHETYPES: dict[str, Archetype] = {
    "weekday_bank": Archetype(
        "weekday_bank",
        Shape((1.25, 1.05, 1.0, 0.97, 0.9, 0.0, 0.0), ((8, 18),) * 5 + ((0, 0),) * 2,
              ((10.0, 1.3, 1.0), (14.5, 1.6, 0.8))),
        (("day", "08:00", "10:00", 8.0, ("mon-fri",), 1.0, False),
         ("mid-pt", "10:00", "14:00", 4.0, ("mon-fri",), 0.95, True)),
        {"workdays": 5, "consecutive_days_off": 2, "part_time_share_max": 0.4}),
    "retail_7d": Archetype(
        "retail_7d",
        Shape((1.1, 1.0, 1.0, 1.0, 1.05, 0.7, 0.45), ((8, 22),) * 5 + ((9, 20), (10, 18)),
              ((11.0, 2.0, 1.0), (19.0, 1.8, 0.7))),
        (("early", "08:00", "10:00", 8.0, _WEEK, 1.0, False),
         ("late", "12:00", "14:00", 8.0, _WEEK, 1.1, False),
         ("peak-pt", "10:00", "18:00", 4.0, _WEEK, 0.95, True)),
        {"workdays": 5, "consecutive_days_off": 1, "part_time_share_max": 0.4}),
    "support_24_7": Archetype(
        "support_24_7",
        Shape((1.05, 1.0, 1.0, 1.0, 0.95, 0.6, 0.55), ((0, 24),) * 7,
              ((10.5, 2.2, 1.0), (15.0, 2.0, 0.8), (21.0, 2.0, 0.3))),
        (("early", "06:00", "08:00", 8.0, _WEEK, 1.0, False),
         ("late", "14:00", "16:00", 8.0, _WEEK, 1.1, False),
         ("night", "22:00", "23:00", 8.0, _WEEK, 1.3, False),
         ("peak-pt", "09:00", "17:00", 4.0, _WEEK, 0.95, True)),
        {"workdays": 5, "consecutive_days_off": 2, "part_time_share_max": 0.3}),
    "sun_thu": Archetype(
        "sun_thu",
        Shape((1.0, 0.95, 0.95, 0.9, 0.35, 0.08, 1.1),
              ((7, 24),) * 4 + ((7, 14), (19, 23), (7, 24)),
              ((10.0, 1.5, 1.0), (16.0, 2.0, 0.6), (21.0, 1.0, 0.35))),
        (("early", "07:00", "09:00", 6.5, ("sun-fri",), 1.0, False),
         ("day", "09:00", "12:00", 8.0, ("sun-thu",), 1.0, False),
         ("late", "14:00", "16:00", 8.0, ("sun-thu",), 1.15, False),
         ("eve-pt", "09:00", "19:00", 4.0, ("sun-fri", "sat"), 0.9, True)),
        {"workdays": 5, "consecutive_days_off": 2, "part_time_share_max": 0.4}),
}
"""The site kinds generated, in turn."""

_GOALS = ((0.8, 20), (0.9, 30), (0.7, 60), (0.8, 30))


@dataclass(frozen=True)
class SiteSpec:
    """One synthetic site: ``name``, the plan ``config`` (a dict of ``plan.toml`` tables, no
    ``[data] path``) and its interval history ``data``; ``agents`` is the nominal peak size
    (agents on duty) the volume was drawn for, ``archetype`` the kind of site."""

    name: str
    config: dict[str, Any]
    data: PlanData
    agents: int
    archetype: str

    def plan_config(self) -> Any:
        """The :class:`~staffing.config.PlanConfig` with the data in memory."""
        from staffing.config import PlanConfig

        return PlanConfig.from_dict(self.config, data=self.data)


def generate_sites(n: int, *, seed: int = 0, start: dt.date = DEFAULT_START, days: int = 7,
                   weeks: int = 8, time_limit_s: float = 20.0, min_agents: int = 5,
                   max_agents: int = 150) -> list[SiteSpec]:
    """``n`` synthetic sites, the same for the same arguments.

    Parameters
    ----------
    n:
        Number of sites (1..10,000).
    seed:
        Random seed; site ``k`` depends on ``(seed, k)`` only, so the first sites of a larger
        batch are the same sites.
    start, days:
        The planning horizon (first local day, days planned) of every site.
    weeks:
        Weeks of history before ``start`` (at least 6).
    time_limit_s:
        ``[solver] time_limit_s`` of each site (s).
    min_agents, max_agents:
        Range of the nominal peak size (agents), drawn log-uniformly.
    """
    n = whole("n", n, lo=1)
    if n > 10_000:
        raise InputError("n", n, "at most 10,000 sites")
    weeks = whole("weeks", weeks, lo=6)
    days = whole("days", days, lo=1)
    if not 1 <= min_agents <= max_agents:
        raise InputError("min_agents", min_agents, f"a whole number in [1, {max_agents}]")
    kinds = list(ARCHETYPES.values())
    return [_site(k, seed, kinds[k % len(kinds)], start=start, days=days, weeks=weeks,
                  time_limit_s=time_limit_s, sizes=(min_agents, max_agents))
            for k in range(n)]


def _site(k: int, seed: int, kind: Archetype, *, start: dt.date, days: int, weeks: int,
          time_limit_s: float, sizes: tuple[int, int]) -> SiteSpec:
    rng = np.random.default_rng([seed, k])
    tz = ZONES[(k * 5 + seed) % len(ZONES)]
    agents = int(round(math.exp(rng.uniform(math.log(sizes[0]), math.log(sizes[1])))))
    freq = "30min" if rng.random() < 0.25 else "15min"
    sl, answer_s = _GOALS[int(rng.integers(len(_GOALS)))]
    shrinkage = float(np.round(rng.uniform(0.2, 0.35), 2))
    aht_s = 240.0  # synthetic_history's handle time level (s)
    weekday_open_h = max(hi - lo for lo, hi in kind.shape.hours)
    # volume for about `agents` on duty through a weekday at ~80 % occupancy
    daily_calls = agents * (1 - shrinkage) * 0.8 * weekday_open_h * 3600 / aht_s
    hist_start = start - dt.timedelta(weeks=weeks)
    frame = synthetic_history(
        weeks=weeks, freq=freq, shape=kind.shape, daily_calls=daily_calls,
        seed=int(rng.integers(2**31)), tz=tz, start=hist_start.isoformat(),
        level_shifts=1 if weeks >= 7 else 0,
        holidays_per_year=4, missing_days=1, outlier_days=1, dispersion=0.01)
    frame = _closed_days_as_zero(frame[["calls", "answered", "aht_s"]], kind.shape, tz,
                                 hist_start, weeks, freq)
    name = f"site{k + 1:03d}-{kind.name.replace('_', '-')}"
    goals: dict[str, Any] = {"service_level": sl, "answer_s": answer_s,
                             "shrinkage": shrinkage, "max_agents": max(20, 4 * agents)}
    if rng.random() < 0.4:
        goals["patience_s"] = float(np.round(rng.uniform(90, 300)))  # Erlang A
    wage = float(np.round(rng.uniform(14, 30), 1))
    config: dict[str, Any] = {
        "data": {"kind": "history"},
        "site": {"tz": tz, "interval": freq},
        "plan": {"start": start, "days": days},
        "forecast": {"models": ["seasonal_naive", "historical_average", "day_profile"],
                     "backtest": {"folds": 4}},
        "goals": goals,
        "open_hours": {**kind.open_hours(), "min_staff": 1 if agents < 40 else 2},
        "rules": dict(kind.rules),
        "penalties": {"under_per_agent_hour": round(8 * wage, 1),
                      "over_per_agent_hour": round(0.4 * wage, 1)},
        "templates": kind.templates(wage),
        "solver": {"time_limit_s": float(time_limit_s), "mip_rel_gap": 0.02, "threads": 1},
        "simulation": {"enabled": True, "replications": 3, "seed": 1000 + k},
    }
    data = PlanData(frame, None, f"{name} (synthetic)")
    return SiteSpec(name, config, data, agents, kind.name)


def _closed_days_as_zero(frame: pd.DataFrame, shape: Shape, tz: str, first: dt.date,
                         weeks: int, freq: str) -> pd.DataFrame:
    """Rows for the weekdays the site never opens (a weekday-only centre's weekend), with zero
    calls: closed hours are zero rows, not missing data (the deliberately missing days of the
    generator stay absent)."""
    from staffing.grid import IntervalGrid

    full = IntervalGrid.of(tz, freq).range(first, 7 * weeks)
    closed_dow = [d for d, f in enumerate(shape.weekday) if f == 0]
    if not closed_dow:
        return frame
    local = full.tz_convert(tz)
    add = full[np.isin(local.day_of_week, closed_dow) & ~full.isin(frame.index)]
    zeros = pd.DataFrame({"calls": 0.0, "answered": 0.0, "aht_s": np.nan},
                         index=pd.DatetimeIndex(add, name=frame.index.name))
    out = pd.concat([frame, zeros]).sort_index()
    out.attrs = dict(frame.attrs)
    return out


def write_sites(sites: list[SiteSpec], out_dir: str | Path) -> list[Path]:
    """Write each site as ``<name>.toml`` (``[data] path = "<name>_history.csv"``) and the
    history CSV beside it into ``out_dir``; returns the TOML paths."""
    import tomli_w

    from staffing.grid import with_interval_column
    from staffing.io import export

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for s in sites:
        csv_name = f"{s.name}_history.csv"
        export.write_csv(with_interval_column(s.data.history), out / csv_name)
        cfg = {**s.config, "data": {"path": csv_name, "kind": "history"}}
        text = (f"# synthetic site {s.name}: {s.archetype}, about {s.agents} agents at peak "
                f"(staffing sites generate)\n" + tomli_w.dumps(cfg))
        p = out / f"{s.name}.toml"
        p.write_text(text, encoding="utf-8")
        paths.append(p)
    return paths
