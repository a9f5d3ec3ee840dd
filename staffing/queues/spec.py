"""Queues, channels and skill groups of a multi-queue plan (``[[queues]]``, ``[[groups]]``).

A **queue** is one stream of contacts with its own goals:

- ``voice``: service level within ``answer_s`` (s), ``asa_s``, ``abandon_rate`` with Erlang C, or
  Erlang A with ``patience_s`` (s, or ``"fit"`` from the queue's call log);
- ``chat``: the same goals with ``concurrency`` sessions per agent (M/M/(k n));
- ``email`` (back office, deferrable): ``handled_share`` (fraction) of the work handled within
  ``within_hours`` of its arrival, or by the end of its local day (``by_end_of_day = true``);
  the work not yet handled is a backlog carried across intervals and days.

A **skill group** is a set of anonymous agents who work the same templates and serve the same
queues (``skills``); cross-skilled groups serve several. Single-queue plans have neither table.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from staffing._validate import fraction, number, only_keys, whole
from staffing.exceptions import InputError
from staffing.requirements import ServiceGoals

__all__ = ["CHANNELS", "Channel", "DeferredGoal", "QueueSpec", "SkillGroup", "parse_groups",
           "parse_queues"]

Channel = Literal["voice", "chat", "email"]
CHANNELS: tuple[Channel, ...] = ("voice", "chat", "email")
#: Goal keys of voice and chat queues (the :class:`ServiceGoals` fields a queue may set).
QUEUE_GOALS = ("service_level", "answer_s", "asa_s", "max_occupancy", "abandon_rate",
               "concurrency", "max_agents")
EMAIL_KEYS = ("handled_share", "within_hours", "by_end_of_day")
QUEUE_KEYS = ("name", "channel", "values", "path", "priority", "patience_s",
              "under_per_agent_hour", *QUEUE_GOALS, *EMAIL_KEYS)
GROUP_KEYS = ("name", "skills", "templates", "max_headcount")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_. -]{0,39}$")


@dataclass(frozen=True)
class DeferredGoal:
    """Deferrable work's goal: ``handled_share`` (fraction in (0, 1]) of each interval's work
    handled within ``within_hours`` (hours) of its arrival, or by the end of its local day when
    ``within_hours`` is None."""

    handled_share: float = 1.0
    within_hours: float | None = None

    def describe(self) -> str:
        """``"90% within 4 h"`` / ``"100% by end of day"``."""
        when = (f"within {self.within_hours:g} h" if self.within_hours is not None
                else "by end of day")
        return f"{self.handled_share:.0%} {when}"

    def due(self, index: pd.DatetimeIndex, freq: pd.Timedelta) -> np.ndarray:
        """Per interval of ``index``: the position of the last interval in which work arriving
        then may still be handled (``len(index)`` or more = due after the horizon). Work of
        interval ``i`` arrives during it, so it is due at the end of interval
        ``i + ceil(H / freq) - 1`` (``H`` the deadline) or of its local day's last interval."""
        n = len(index)
        pos = np.arange(n)
        if self.within_hours is not None:
            k = int(np.ceil(pd.Timedelta(hours=self.within_hours) / freq))
            return pos + max(k, 1) - 1
        local = pd.DatetimeIndex(index)
        days = np.asarray(local.date)
        last = np.zeros(n, dtype=np.int64)
        ends = np.r_[np.nonzero(days[1:] != days[:-1])[0], n - 1]
        start = 0
        for e in ends:
            last[start:e + 1] = e
            start = e + 1
        return last


@dataclass(frozen=True)
class QueueSpec:
    """One queue of a multi-queue plan (module doc).

    Attributes
    ----------
    name:
        Unique queue name (letters, digits, ``_ . -`` and spaces, up to 40 characters).
    channel:
        ``"voice"``, ``"chat"`` or ``"email"``.
    goals:
        Validated :class:`~staffing.requirements.ServiceGoals` keyword arguments of a voice or
        chat queue (``[goals]`` defaults overridden by the queue's keys), without
        ``patience_s``; empty for email.
    patience_s:
        Mean patience (s), ``"fit"`` or None (Erlang C).
    deferred:
        The deadline goal of an email queue, else None.
    priority:
        Routing priority (1 = served first when agents are short; larger = later).
    values:
        Values of ``[data] split_by`` whose calls form this queue (default: the name).
    path:
        The queue's own data file (history or call log), or None (split from ``[data] path``).
    under_per_agent_hour:
        Price of one agent-hour short on this queue (currency); None = ``[penalties]``.
    """

    name: str
    channel: Channel
    goals: Mapping[str, Any] = field(default_factory=dict)
    patience_s: float | Literal["fit"] | None = None
    deferred: DeferredGoal | None = None
    priority: int = 1
    values: tuple[str, ...] = ()
    path: Path | None = None
    under_per_agent_hour: float | None = None

    @property
    def deferrable(self) -> bool:
        """True for email / back-office work."""
        return self.channel == "email"

    @property
    def concurrency(self) -> int:
        """Sessions per agent (chat), 1 otherwise."""
        return int(self.goals.get("concurrency", 1))

    def service_goals(self, patience_s: float | None = None) -> ServiceGoals:
        """The queue's :class:`ServiceGoals` (``patience_s`` used when the queue says
        ``"fit"``). Email queues: only ``shrinkage`` is used."""
        pat = patience_s if self.patience_s == "fit" else self.patience_s
        if self.deferrable:
            return ServiceGoals(shrinkage=self.goals.get("shrinkage", 0.0))  # SL goal unused
        try:
            return ServiceGoals(**dict(self.goals), patience_s=pat)
        except InputError as exc:
            raise InputError(f"queues.{self.name}.{exc.field}", exc.value, exc.expected,
                             exc.where) from exc

    def describe_goal(self) -> str:
        """The goal in words, e.g. ``"80%/20s"``, ``"80%/60s, 3 sessions"``."""
        if self.deferred is not None:
            return self.deferred.describe()
        g = self.goals
        parts = []
        if g.get("service_level") is not None:
            parts.append(f"{g['service_level']:.0%}/{g.get('answer_s', 20.0):g}s")
        if g.get("asa_s") is not None:
            parts.append(f"ASA <= {g['asa_s']:g}s")
        if g.get("abandon_rate") is not None:
            parts.append(f"abandon <= {g['abandon_rate']:.0%}")
        if self.channel == "chat":
            parts.append(f"{self.concurrency} sessions")
        return ", ".join(parts) or "no goal"


@dataclass(frozen=True)
class SkillGroup:
    """Anonymous agents with one skill set: ``skills`` (queue names they serve), the
    ``templates`` they may work (names; empty = all) and an optional ``max_headcount``."""

    name: str
    skills: tuple[str, ...]
    templates: tuple[str, ...] = ()
    max_headcount: int | None = None


def _name(raw: Any, key: str) -> str:
    if not isinstance(raw, str) or not _NAME.match(raw.strip()):
        raise InputError(key, raw, "a name of letters, digits, '_', '.', '-' or spaces "
                         "(1-40 characters)")
    return raw.strip()


def _str_list(raw: Any, key: str) -> tuple[str, ...]:
    if isinstance(raw, str) or not isinstance(raw, Sequence) or not raw or not all(
            isinstance(v, str) and v.strip() for v in raw):
        raise InputError(key, raw, "a non-empty list of names")
    out = tuple(v.strip() for v in raw)
    if len(set(out)) != len(out):
        raise InputError(key, raw, "a list without repeated names")
    return out


def parse_queues(raw: Any, *, defaults: Mapping[str, Any], base: Path,
                 split_by: str | None) -> tuple[QueueSpec, ...]:
    """Validate the ``[[queues]]`` tables. ``defaults`` are the ``[goals]`` keys (every voice
    and chat queue inherits them; ``shrinkage`` applies to email too); relative ``path`` values
    resolve against ``base``. Errors name ``queues.<name>.<key>``."""
    if not isinstance(raw, list) or not raw:
        raise InputError("queues", raw, "a non-empty array of [[queues]] tables")
    out: list[QueueSpec] = []
    seen: set[str] = set()
    for i, t in enumerate(raw):
        if not isinstance(t, Mapping):
            raise InputError(f"queues[{i}]", t, "a table")
        if "name" not in t:
            raise InputError(f"queues[{i}].name", None, "a queue name (required)")
        name = _name(t["name"], f"queues[{i}].name")
        if name in seen:
            raise InputError(f"queues.{name}.name", name, "a name no other queue has")
        seen.add(name)
        out.append(_queue(name, t, defaults, base, split_by))
    return tuple(out)


def _queue(name: str, t: Mapping[str, Any], defaults: Mapping[str, Any], base: Path,
           split_by: str | None) -> QueueSpec:
    key = f"queues.{name}"
    only_keys(t, key, QUEUE_KEYS)
    channel = t.get("channel")
    if channel not in CHANNELS:
        raise InputError(f"{key}.channel", channel, f"one of {list(CHANNELS)}")
    priority = whole(f"{key}.priority", t.get("priority", 1), lo=1)
    under = t.get("under_per_agent_hour")
    if under is not None:
        under = number(f"{key}.under_per_agent_hour", under, lo=0, unit="currency")
    path = None
    if "path" in t:
        if not isinstance(t["path"], str) or not t["path"].strip():
            raise InputError(f"{key}.path", t["path"], "a file path string")
        path = Path(t["path"]).expanduser()
        path = path if path.is_absolute() else (base / path).resolve()
        if not path.is_file():
            raise InputError(f"{key}.path", str(path), "an existing file")
        if "values" in t:
            raise InputError(f"{key}.values", t["values"],
                             "no values when the queue has its own path")
    values: tuple[str, ...] = ()
    if path is None:
        values = _str_list(t.get("values", [name]), f"{key}.values")
        if split_by is None:
            raise InputError(f"{key}.path", None, "the queue's own data file, or [data] "
                             "split_by naming the column that splits [data] path by queue")
    shrinkage = defaults.get("shrinkage", 0.0)
    if channel == "email":
        for k in (*QUEUE_GOALS, "patience_s"):
            if k in t:
                raise InputError(f"{key}.{k}", t[k], "no Erlang goal on an email queue "
                                 "(its goal is handled_share within_hours or by_end_of_day)")
        share = fraction(f"{key}.handled_share", t.get("handled_share", 1.0), low_open=True,
                         high_open=False)
        within = t.get("within_hours")
        eod = t.get("by_end_of_day", within is None)
        if not isinstance(eod, bool):
            raise InputError(f"{key}.by_end_of_day", eod, "true or false")
        if within is not None and eod:
            raise InputError(f"{key}.by_end_of_day", eod,
                             "false when within_hours is given (one deadline)")
        if within is None and not eod:
            raise InputError(f"{key}.within_hours", None,
                             "a deadline in hours, or by_end_of_day = true")
        if within is not None:
            within = number(f"{key}.within_hours", within, lo=0, lo_open=True, hi=168,
                            unit="hours")
        goal = DeferredGoal(share, within)
        return QueueSpec(name, "email", {"shrinkage": shrinkage}, None, goal, priority,
                         values, path, under)
    for k in EMAIL_KEYS:
        if k in t:
            raise InputError(f"{key}.{k}", t[k], f"no deadline goal on a {channel} queue")
    goals = {k: v for k, v in defaults.items() if k in (*QUEUE_GOALS, "shrinkage")}
    goals.update({k: t[k] for k in QUEUE_GOALS if k in t})
    if channel == "voice" and goals.get("concurrency", 1) != 1:
        raise InputError(f"{key}.concurrency", goals["concurrency"], "1 on a voice queue")
    if channel == "chat" and "concurrency" not in t:
        raise InputError(f"{key}.concurrency", None,
                         "the number of chat sessions one agent holds at once (required)")
    patience = t.get("patience_s", defaults.get("patience_s"))
    if patience is not None and patience != "fit":
        try:
            patience = number(f"{key}.patience_s", patience, lo=0, lo_open=True, unit="s")
        except InputError as exc:
            raise InputError(exc.field, exc.value, f'{exc.expected} or "fit"') from exc
    spec = QueueSpec(name, channel, goals, patience, None, priority, values, path, under)
    spec.service_goals(1.0 if patience == "fit" else None)  # validate the goals now
    return spec


def parse_groups(raw: Any, queues: Sequence[QueueSpec],
                 templates: Sequence[str]) -> tuple[SkillGroup, ...]:
    """Validate the ``[[groups]]`` tables against the queue and template names; without
    groups every queue gets a dedicated team (one group per queue, all templates)."""
    names = [q.name for q in queues]
    if raw is None:
        return tuple(SkillGroup(q, (q,)) for q in names)
    if not isinstance(raw, list) or not raw:
        raise InputError("groups", raw, "a non-empty array of [[groups]] tables")
    out: list[SkillGroup] = []
    seen: set[str] = set()
    for i, t in enumerate(raw):
        if not isinstance(t, Mapping):
            raise InputError(f"groups[{i}]", t, "a table")
        if "name" not in t:
            raise InputError(f"groups[{i}].name", None, "a group name (required)")
        name = _name(t["name"], f"groups[{i}].name")
        key = f"groups.{name}"
        if name in seen:
            raise InputError(f"{key}.name", name, "a name no other group has")
        seen.add(name)
        only_keys(t, key, GROUP_KEYS)
        skills = _str_list(t.get("skills"), f"{key}.skills")
        for s in skills:
            if s not in names:
                raise InputError(f"{key}.skills", s, f"one of the queues {names}")
        tpls: tuple[str, ...] = ()
        if "templates" in t:
            tpls = _str_list(t["templates"], f"{key}.templates")
            for s in tpls:
                if s not in templates:
                    raise InputError(f"{key}.templates", s, f"one of {list(templates)}")
        cap = t.get("max_headcount")
        if cap is not None:
            cap = whole(f"{key}.max_headcount", cap, lo=0)
        out.append(SkillGroup(name, skills, tpls, cap))
    served = {s for g in out for s in g.skills}
    for q in names:
        if q not in served:
            raise InputError("groups", q, f"a group with the skill of every queue (no group "
                             f"serves {q!r})")
    return tuple(out)
