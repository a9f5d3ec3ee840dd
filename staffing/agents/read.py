"""Read agents (CSV, one row per person) and contracts (TOML); every field validated.

Contracts TOML::

    [contracts.full_time]
    templates = ["early", "day", "late"]   # allowed shift templates (default: all)
    min_week_hours = 30
    max_week_hours = 40
    max_days_per_week = 5
    min_consecutive_days = 2
    max_consecutive_days = 6
    min_consecutive_days_off = 2
    max_weekends = 2                       # in the horizon
    min_rest_hours = 11

Agents CSV columns (``id``, ``name``, ``contract`` required, the rest optional, cells may be
empty): ``skills`` (``voice;chat:2``: skill[:proficiency]), ``seniority`` (integer),
``availability`` (``mon-fri 07:00-24:00; sat 08:00-14:00``; empty = always), ``time_off`` and
``training`` (``1999-03-03; 1999-03-10..1999-03-12``), ``preferred_start`` (``07:00-09:00``),
``start_weight``, ``preferred_templates`` (``early;day``), ``template_weight``,
``days_off_wish`` (``fri; 1999-03-05``), ``day_off_weight``.

Errors are :class:`~staffing.exceptions.InputError` naming the agent and the field, e.g.
``agents.A17.availability at line 18 of agents.csv: got 'mon 25:00-26:00', expected ...``.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from staffing._validate import only_keys
from staffing.agents.activities import REPEATS, Activity
from staffing.agents.domain import Agent, Contract, DatedException, Preferences, Window
from staffing.agents.penalties import AgentPenalties
from staffing.exceptions import InputError
from staffing.io.toml import read_toml

__all__ = ["AgentsSetup", "contracts_from_dict", "parse_agents", "parse_days", "parse_published",
           "published_frame", "read_agents", "read_contracts", "read_published", "read_setup",
           "setup_from_dict"]

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CONTRACT_KEYS = ("templates", "min_week_hours", "max_week_hours", "min_horizon_hours",
                  "max_horizon_hours", "max_days_per_week", "min_consecutive_days",
                  "max_consecutive_days", "min_consecutive_days_off", "max_weekends",
                  "min_rest_hours")
_COLUMNS = ("id", "name", "contract", "skills", "seniority", "availability", "time_off",
            "training", "preferred_start", "start_weight", "preferred_templates",
            "template_weight", "days_off_wish", "day_off_weight")


@dataclass(frozen=True)
class AgentsSetup:
    """Contracts, the weekend's weekdays and the objective weights of an agents TOML file."""

    contracts: dict[str, Contract]
    weekend_days: tuple[int, ...] = (5, 6)
    penalties: AgentPenalties = AgentPenalties()
    activities: tuple[Activity, ...] = ()


def read_setup(path: str | Path) -> AgentsSetup:
    """``[contracts.NAME]`` tables, optional ``[weekend] days`` and ``[penalties]``."""
    return setup_from_dict(read_toml(path, field="contracts"))


def setup_from_dict(raw: Mapping[str, Any]) -> AgentsSetup:
    """:class:`AgentsSetup` from a mapping as read from TOML."""
    only_keys(raw, "", ("contracts", "weekend", "penalties", "activities"))
    weekend: tuple[int, ...] = (5, 6)
    if "weekend" in raw:
        wk = raw["weekend"]
        if not isinstance(wk, Mapping):
            raise InputError("weekend", wk, "a table with 'days'")
        only_keys(wk, "weekend", ("days",))
        try:
            weekend = tuple(sorted({d for t in wk.get("days", []) for d in parse_days(str(t))}))
        except ValueError:
            raise InputError("weekend.days", wk.get("days"), "weekday names, e.g. ['sat', "
                             "'sun']") from None
    pen = AgentPenalties()
    if "penalties" in raw:
        pt = raw["penalties"]
        if not isinstance(pt, Mapping):
            raise InputError("penalties", pt, "a table")
        names = [f.name for f in dataclasses.fields(AgentPenalties)]
        only_keys(pt, "penalties", names)
        for k, v in pt.items():
            if isinstance(v, bool) or not isinstance(v, int | float) or v < 0:
                raise InputError(f"penalties.{k}", v, "a weight >= 0")
        pen = AgentPenalties(**{k: float(v) for k, v in pt.items()})
    acts = raw.get("activities", [])
    if not isinstance(acts, list):
        raise InputError("activities", acts, "an array of [[activities]] tables")
    return AgentsSetup(contracts_from_dict(raw), weekend, pen,
                       tuple(_activity(a, i) for i, a in enumerate(acts)))


_ACTIVITY_KEYS = ("name", "duration_min", "attendees", "count", "together", "days", "dates",
                  "window", "repeat")


def _activity(raw: Any, i: int) -> Activity:
    f = f"activities[{i}]"
    if not isinstance(raw, Mapping):
        raise InputError(f, raw, "a table")
    only_keys(raw, f, _ACTIVITY_KEYS)
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise InputError(f"{f}.name", name, "a non-empty name")
    f = f"activities.{name}"
    dur = raw.get("duration_min")
    if isinstance(dur, bool) or not isinstance(dur, int):
        raise InputError(f"{f}.duration_min", dur, "an integer number of minutes")
    att = raw.get("attendees", "all")
    if att != "all" and not (isinstance(att, list) and all(isinstance(a, str) for a in att)):
        raise InputError(f"{f}.attendees", att, "'all' or a list of agent ids")
    count = raw.get("count")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int)):
        raise InputError(f"{f}.count", count, "an integer")
    together = raw.get("together", False)
    if not isinstance(together, bool):
        raise InputError(f"{f}.together", together, "true or false")
    try:
        days = tuple(sorted({d for t in raw.get("days", ["mon-sun"]) for d in parse_days(str(t))}))
    except ValueError:
        raise InputError(f"{f}.days", raw.get("days"), "weekday names or ranges") from None
    try:
        dates = tuple(d for t in raw.get("dates", []) for d in _dates(str(t)))
    except ValueError:
        raise InputError(f"{f}.dates", raw.get("dates"), "ISO dates or ranges") from None
    try:
        window = _window(str(raw["window"])) if "window" in raw else None
    except (ValueError, InputError):
        raise InputError(f"{f}.window", raw.get("window"), "a clock window 'HH:MM-HH:MM'"
                         ) from None
    repeat = raw.get("repeat", "once")
    if repeat not in REPEATS:
        raise InputError(f"{f}.repeat", repeat, "'once', 'weekly' or 'daily'")
    return Activity(name=name, duration_min=dur,
                    attendees=None if att == "all" else tuple(att), count=count,
                    together=together, weekdays=days, dates=dates, window=window,
                    repeat=repeat)


def read_contracts(path: str | Path) -> dict[str, Contract]:
    """Contracts from the ``[contracts.NAME]`` tables of a TOML file."""
    return contracts_from_dict(read_toml(path, field="contracts"))


def contracts_from_dict(raw: Mapping[str, Any]) -> dict[str, Contract]:
    """Contracts from a mapping with a ``contracts`` table (as read from TOML)."""
    table = raw.get("contracts")
    if not isinstance(table, Mapping) or not table:
        raise InputError("contracts", table, "a [contracts.NAME] table per contract")
    out = {}
    for name, body in table.items():
        if not isinstance(body, Mapping):
            raise InputError(f"contracts.{name}", body, "a table")
        only_keys(body, f"contracts.{name}", _CONTRACT_KEYS)
        kw: dict[str, Any] = {}
        for key, val in body.items():
            f = f"contracts.{name}.{key}"
            if key == "templates":
                if not (isinstance(val, list) and val and all(isinstance(v, str) for v in val)):
                    raise InputError(f, val, "a non-empty list of template names")
                kw[key] = tuple(val)
            elif key.endswith("_hours"):
                if isinstance(val, bool) or not isinstance(val, int | float):
                    raise InputError(f, val, "a number of hours")
                kw[key] = float(val)
            else:
                if isinstance(val, bool) or not isinstance(val, int):
                    raise InputError(f, val, "an integer")
                kw[key] = val
        out[str(name)] = Contract(name=str(name), **kw)
    return out


def _clock(tok: str) -> int:
    m = re.fullmatch(r"(\d{1,2}):(\d{2})", tok.strip())
    if not m or int(m.group(2)) >= 60 or int(m.group(1)) > 24:
        raise ValueError(tok)
    return int(m.group(1)) * 60 + int(m.group(2))


def _window(text: str) -> Window:
    a, sep, b = text.partition("-")
    if not sep:
        raise ValueError(text)
    start, end = _clock(a), _clock(b)
    if end <= start:
        end += 1440  # a window past midnight
    return Window(start, end)


def parse_days(text: str) -> list[int]:
    """``mon-fri``, ``sat,sun``, ``sun-thu`` (wrapping) -> weekday numbers (0 = Monday)."""
    out: list[int] = []
    for part in re.split(r"[,/]", text.strip().lower()):
        a, sep, b = part.strip().partition("-")
        if a[:3] not in _DAYS or (sep and b[:3] not in _DAYS):
            raise ValueError(part)
        i = _DAYS.index(a[:3])
        j = _DAYS.index(b[:3]) if sep else i
        out.extend((i + k) % 7 for k in range((j - i) % 7 + 1))
    return sorted(set(out))


def _availability(text: str) -> dict[int, tuple[Window, ...]]:
    out: dict[int, list[Window]] = {}
    for item in filter(None, (t.strip() for t in text.split(";"))):
        days, _, win = item.partition(" ")
        w = _window(win)
        for d in parse_days(days):
            out.setdefault(d, []).append(w)
    return {d: tuple(ws) for d, ws in out.items()}


def _dates(text: str) -> list[dt.date]:
    out: list[dt.date] = []
    for item in filter(None, (t.strip() for t in text.split(";"))):
        a, sep, b = item.partition("..")
        d0 = dt.date.fromisoformat(a.strip())
        d1 = dt.date.fromisoformat(b.strip()) if sep else d0
        if d1 < d0 or (d1 - d0).days > 366:
            raise ValueError(item)
        out.extend(d0 + dt.timedelta(days=k) for k in range((d1 - d0).days + 1))
    return out


def _skills(text: str) -> dict[str, int]:
    out = {}
    for item in filter(None, (t.strip() for t in text.split(";"))):
        name, sep, lvl = item.partition(":")
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", name.strip()):
            raise ValueError(item)
        out[name.strip()] = int(lvl) if sep else 1
    return out


def _weight(text: str, default: float) -> float:
    if not text.strip():
        return default
    v = float(text)
    if not v >= 0 or v > 1e6:
        raise ValueError(text)
    return v


_EXPECT = {
    "skills": "'skill[:level]' items separated by ';'",
    "seniority": "an integer",
    "availability": "'mon-fri HH:MM-HH:MM' items separated by ';'",
    "time_off": "ISO dates or 'YYYY-MM-DD..YYYY-MM-DD' ranges separated by ';'",
    "training": "ISO dates or 'YYYY-MM-DD..YYYY-MM-DD' ranges separated by ';'",
    "preferred_start": "a clock window 'HH:MM-HH:MM'",
    "start_weight": "a weight >= 0",
    "preferred_templates": "template names separated by ';'",
    "template_weight": "a weight >= 0",
    "days_off_wish": "weekdays ('fri', 'sat-sun') or ISO dates separated by ';'",
    "day_off_weight": "a weight >= 0",
}


def _wish_days(text: str) -> tuple[list[int], list[dt.date]]:
    wds: list[int] = []
    dates: list[dt.date] = []
    for item in filter(None, (t.strip() for t in text.split(";"))):
        if item[:1].isdigit():
            dates.extend(_dates(item))
        else:
            wds.extend(parse_days(item))
    return wds, dates


def read_agents(path: str | Path, contracts: Mapping[str, Contract],
                templates: tuple[str, ...] | None = None) -> list[Agent]:
    """Agents from a CSV file (one row per person); ``templates`` (known template names) lets
    contract and preference template names be checked."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeError) as exc:
        raise InputError("agents", str(path), f"a readable CSV file ({exc})") from exc
    return parse_agents(text, contracts, templates, source=path.name)


MAX_AGENTS = 5000
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")


def parse_agents(text: str, contracts: Mapping[str, Contract],
                 templates: tuple[str, ...] | None = None, *,
                 source: str = "agents.csv") -> list[Agent]:
    """Agents from CSV text (one row per person); errors name ``line N of <source>``."""
    try:
        rows = list(csv.DictReader(text.splitlines()))
    except csv.Error as exc:
        raise InputError("agents", source, f"a readable CSV ({exc})") from exc
    if not rows:
        raise InputError("agents", source, "a CSV with a header and one row per agent")
    if len(rows) > MAX_AGENTS:
        raise InputError("agents", f"{len(rows)} rows", f"at most {MAX_AGENTS} agents", source)
    header = [str(c).strip() for c in rows[0] if c is not None]
    if any(None in r for r in rows):
        line = next(i for i, r in enumerate(rows, start=2) if None in r)
        raise InputError("agents", "extra cells", "no more cells than header columns",
                         f"line {line} of {source}")
    for col in ("id", "name", "contract"):
        if col not in header:
            raise InputError(f"agents.{col}", header, f"a '{col}' column", source)
    unknown = [c for c in header if c not in _COLUMNS]
    if unknown:
        raise InputError("agents", unknown, f"columns among {', '.join(_COLUMNS)}", source)
    if templates is not None:
        for c in contracts.values():
            for t in c.templates or ():
                if t not in templates:
                    raise InputError(f"contracts.{c.name}.templates", t,
                                     f"one of the templates {list(templates)}")
    agents: list[Agent] = []
    seen: set[str] = set()
    for i, row in enumerate(rows, start=2):
        where = f"line {i} of {source}"
        row = {str(k).strip(): v for k, v in row.items()}
        aid = (row.get("id") or "").strip()
        if not _ID.fullmatch(aid) or aid in seen:
            raise InputError("agents.id", aid, "a unique id of letters, digits, '_', '-' or "
                             "'.' (1-40 characters, starting with a letter or digit)", where)
        seen.add(aid)
        agents.append(_agent(row, aid, contracts, templates, where))
    return agents


def _agent(row: Mapping[str, str | None], aid: str, contracts: Mapping[str, Contract],
           templates: tuple[str, ...] | None, where: str) -> Agent:
    def cell(col: str) -> str:
        return (row.get(col) or "").strip()

    cname = cell("contract")
    if cname not in contracts:
        raise InputError(f"agents.{aid}.contract", cname, f"one of {sorted(contracts)}", where)
    col = ""
    try:
        col = "skills"
        skills = _skills(cell(col))
        col = "seniority"
        seniority = int(cell(col)) if cell(col) else 0
        col = "availability"
        avail = _availability(cell(col))
        col = "time_off"
        exc = [DatedException(d, "time_off") for d in _dates(cell(col))]
        col = "training"
        exc += [DatedException(d, "training") for d in _dates(cell(col))]
        col = "preferred_start"
        pstart = _window(cell(col)) if cell(col) else None
        col = "start_weight"
        sw = _weight(cell(col), 1.0)
        col = "preferred_templates"
        ptpl = tuple(filter(None, (t.strip() for t in cell(col).split(";"))))
        if templates is not None and any(t not in templates for t in ptpl):
            raise ValueError(ptpl)
        col = "template_weight"
        tw = _weight(cell(col), 1.0)
        col = "days_off_wish"
        wds, wdates = _wish_days(cell(col))
        col = "day_off_weight"
        dw = _weight(cell(col), 3.0)
    except (ValueError, InputError):
        raise InputError(f"agents.{aid}.{col}", cell(col), _EXPECT[col], where) from None
    return Agent(id=aid, name=cell("name") or aid, contract=contracts[cname], skills=skills,
                 availability=avail, exceptions=tuple(exc), seniority=seniority,
                 preferences=Preferences(preferred_start=pstart, start_weight=sw,
                                         preferred_templates=ptpl, template_weight=tw,
                                         days_off_weekdays=tuple(wds),
                                         days_off_dates=tuple(wdates), day_off_weight=dw))


def read_published(path: str | Path, tz: str, *, field: str = "published") -> Any:
    """A published schedule (``agent_shifts.csv`` as written by ``staffing agents``: columns
    ``agent, date, start, end``, ISO 8601 times) for continuing or re-planning."""
    import pandas as pd

    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as exc:
        raise InputError(field, str(path), f"a readable shifts CSV ({exc})") from exc
    return published_frame(df, tz, source=Path(path).name, field=field)


def parse_published(text: str, tz: str, *, source: str = "agent_shifts.csv",
                    field: str = "published") -> Any:
    """:func:`read_published` from CSV text."""
    import io

    import pandas as pd

    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (ValueError, UnicodeError) as exc:
        raise InputError(field, source, f"a readable shifts CSV ({exc})") from exc
    return published_frame(df, tz, source=source, field=field)


def published_frame(df: Any, tz: str, *, source: str, field: str = "published") -> Any:
    """Validate a published-shifts frame (string cells): ``agent``, ``date``, ``start``,
    ``end`` with ISO 8601 times; one shift per agent and day; errors name the row."""
    import pandas as pd

    from staffing.io.timestamps import parse_timestamps

    df = df.rename(columns=lambda c: str(c).strip())
    for col in ("agent", "date", "start", "end"):
        if col not in df.columns:
            raise InputError(f"{field}.{col}", list(map(str, df.columns)),
                             f"a '{col}' column", source)
    df = df.copy()
    df["agent"] = df["agent"].astype(str).str.strip()
    if not len(df):
        df["date"] = pd.Series(dtype=object)
        return df
    for col in ("start", "end"):
        try:
            df[col] = parse_timestamps(df[col].astype(str), tz=tz, field=f"{field}.{col}",
                                       source=source)
        except InputError as exc:
            raise InputError(exc.field, exc.value, exc.expected, exc.where) from exc
    dates = []
    for i, v in enumerate(df["date"].astype(str)):
        try:
            dates.append(dt.date.fromisoformat(v.strip()[:10]))
        except ValueError:
            raise InputError(f"{field}.date", v, "an ISO date YYYY-MM-DD",
                             f"line {i + 2} of {source}") from None
    df["date"] = dates
    bad = (df["end"] <= df["start"]) | (df["end"] - df["start"] > pd.Timedelta(hours=24))
    if bad.any():
        i = int(bad.to_numpy().argmax())
        raise InputError(f"{field}.end", str(df["end"].iloc[i]),
                         "an end after the start, at most 24 h later",
                         f"line {i + 2} of {source}")
    dup = df.duplicated(["agent", "date"])
    if dup.any():
        i = int(dup.to_numpy().argmax())
        raise InputError(f"{field}.date", str(df["date"].iloc[i]),
                         f"one shift per agent and day (agent {df['agent'].iloc[i]})",
                         f"line {i + 2} of {source}")
    return df.reset_index(drop=True)
