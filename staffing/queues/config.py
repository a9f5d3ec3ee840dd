"""`MultiQueueConfig`: a plan TOML with ``[[queues]]`` (and optional ``[[groups]]``).

Every section of a single-queue plan (``data/plan.toml``) keeps its meaning; added are::

    [data]        split_by = "type"   the call-log column (or "queue" of a history) whose
                                      values name each call's queue
    [goals]       defaults for every voice / chat queue (shrinkage applies to all)
    [[queues]]    name*, channel* = "voice" | "chat" | "email", values = [split_by values]
                  (default [name]) or path (the queue's own history / call log), priority = 1,
                  patience_s, under_per_agent_hour, goals (service_level, answer_s, asa_s,
                  abandon_rate, max_occupancy, concurrency*, max_agents) or, for email,
                  handled_share = 1.0 with within_hours = H or by_end_of_day = true
    [[groups]]    name*, skills* = [queue names], templates = [template names], max_headcount

Each queue becomes one single-queue :class:`~staffing.config.PlanConfig` (the shared sections,
the queue's goals and its data), so forecast and requirements run through the same stages as
a single-queue plan. A bad value raises :class:`~staffing.exceptions.InputError` naming
``queues.<name>.<key>`` / ``groups.<name>.<key>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from staffing.config import PlanConfig, sniff_kind
from staffing.exceptions import InputError
from staffing.grid import IntervalGrid
from staffing.io.calllog import CallLog, read_call_log
from staffing.io.history import read_history, split_history, validate_history
from staffing.io.plandata import PlanData
from staffing.io.toml import read_toml
from staffing.queues.spec import QueueSpec, SkillGroup, parse_groups, parse_queues

__all__ = ["MultiQueueConfig", "is_multi_queue"]


def is_multi_queue(table: Mapping[str, Any]) -> bool:
    """True when a parsed plan TOML has ``[[queues]]``."""
    return "queues" in table


@dataclass(frozen=True)
class MultiQueueConfig:
    """A validated multi-queue plan (module doc).

    Attributes
    ----------
    queues:
        The queues in TOML order.
    groups:
        Skill groups (one dedicated group per queue when the TOML has none).
    configs:
        One single-queue :class:`PlanConfig` per queue name (shared sections + the queue's
        goals; its data path is the queue's file or ``[data] path``).
    split_by:
        The column splitting ``[data] path`` by queue, or None.
    data:
        In-memory data (a :class:`CallLog` to split, or a history with ``queue``), or None.
    source:
        The TOML file read, or None.
    raw:
        The parsed mapping.
    """

    queues: tuple[QueueSpec, ...]
    groups: tuple[SkillGroup, ...]
    configs: Mapping[str, PlanConfig]
    split_by: str | None = None
    data: CallLog | pd.DataFrame | None = field(default=None, repr=False)
    source: Path | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @property
    def base(self) -> PlanConfig:
        """The first queue's config: the shared settings (site, plan, templates, solver)."""
        return self.configs[self.queues[0].name]

    @property
    def grid(self) -> IntervalGrid:
        """The site's interval grid."""
        return self.base.grid

    def queue(self, name: str) -> QueueSpec:
        """The queue called ``name``."""
        for q in self.queues:
            if q.name == name:
                return q
        raise InputError("queue", name, f"one of {[q.name for q in self.queues]}")

    @classmethod
    def from_toml(cls, path: str | Path) -> MultiQueueConfig:
        """Read a multi-queue plan TOML; relative paths resolve against its directory."""
        p = Path(path)
        table = read_toml(p, "config")
        return cls.from_dict(table, base_dir=p.resolve().parent, source=p.resolve())

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], *, base_dir: str | Path | None = None,
                  source: Path | None = None,
                  data: CallLog | pd.DataFrame | None = None) -> MultiQueueConfig:
        """Build from a parsed mapping; ``data`` (a call log to split by ``[data]
        split_by``, or an interval history with a ``queue`` column) replaces ``[data]
        path``."""
        if not isinstance(d, Mapping):
            raise InputError("config", d, "a table of sections")
        base = Path(base_dir) if base_dir is not None else Path.cwd()
        common = {k: v for k, v in d.items() if k not in ("queues", "groups")}
        data_t = dict(common.get("data", {}) or {})
        split_by = data_t.pop("split_by", None)
        if split_by is not None and (not isinstance(split_by, str) or not split_by.strip()):
            raise InputError("data.split_by", split_by, "a column name such as 'type'")
        defaults = dict(common.get("goals", {}) or {})
        queues = parse_queues(d.get("queues"), defaults=defaults, base=base, split_by=split_by)
        templates = [str(t.get("name")) for t in d.get("templates", []) or []
                     if isinstance(t, Mapping)]
        groups = parse_groups(d.get("groups"), queues, templates)
        if data is not None and not isinstance(data, CallLog | pd.DataFrame):
            raise InputError("data", type(data).__name__,
                             "a CallLog or an interval history DataFrame with a queue column")
        configs: dict[str, PlanConfig] = {}
        stand_in = None if data is None else _placeholder(data, _site_grid(common))
        for q in queues:
            table = dict(common)
            dq = dict(data_t)
            mem = None
            if q.path is not None:
                dq["path"] = str(q.path)
                dq.pop("kind", None)
            elif data is not None:
                dq.pop("path", None)
                mem = stand_in
            table["data"] = dq
            goals = {k: v for k, v in q.goals.items()}
            if q.patience_s is not None:
                goals["patience_s"] = q.patience_s
            table["goals"] = goals
            try:
                configs[q.name] = PlanConfig.from_dict(table, base_dir=base, source=source,
                                                       data=mem)
            except InputError as exc:
                f = exc.field
                if f.startswith("goals."):
                    f = f"queues.{q.name}.{f[len('goals.'):]}"
                elif f.startswith("data.") and q.path is not None:
                    f = f"queues.{q.name}.{f[len('data.'):]}"
                if f == exc.field:
                    raise
                raise InputError(f, exc.value, exc.expected, exc.where) from exc
        return cls(queues, groups, configs, split_by, data, source, dict(d))

    def load_data(self) -> dict[str, PlanData]:
        """Each queue's data on the site grid under the demand definitions: the shared call
        log read once and split by ``split_by`` (values grouped by the queues' ``values``), a
        shared history split by its ``queue`` column, or the queue's own file."""
        out: dict[str, PlanData] = {}
        split = [q for q in self.queues if q.path is None]
        if split:
            shared = self._shared()
            for q in split:
                out[q.name] = shared[q.name]
        for q in self.queues:
            if q.path is not None:
                out[q.name] = self.configs[q.name].load_data()
        return {q.name: out[q.name] for q in self.queues}

    def queue_configs(self, data: Mapping[str, PlanData] | None = None
                      ) -> dict[str, PlanConfig]:
        """Per queue, its :class:`PlanConfig` with its data in memory (loaded when not
        given)."""
        data = data if data is not None else self.load_data()
        return {q.name: self.configs[q.name].with_data(data[q.name]) for q in self.queues}

    def _shared(self) -> dict[str, PlanData]:
        cfg = self.base
        grid = cfg.grid
        mapping = {q.name: list(q.values) for q in self.queues if q.path is None}
        assert self.split_by is not None
        src = self.data
        if src is None:
            first = next(q for q in self.queues if q.path is None)
            path = self.configs[first.name].data_path
            assert path is not None
            if sniff_kind(path) == "call_log":
                src = read_call_log(path, tz=grid.tz)
            else:
                src = read_history(path, tz=grid.tz, freq=grid.freq, warn_gaps=False)
            label = path.name
        else:
            label = "call log (in memory)" if isinstance(src, CallLog) else "history (in memory)"
        if isinstance(src, CallLog):
            log = src.with_definitions(offered=cfg.offered, wrap_s=cfg.wrap_s)
            parts = log.split(self.split_by, mapping)
            return {name: PlanData(part.to_intervals(grid.freq), part, f"{label} {name}")
                    for name, part in parts.items()}
        hist = validate_history(src, tz=grid.tz, freq=grid.freq, warn_gaps=False)
        if self.split_by != "queue":
            raise InputError("data.split_by", self.split_by,
                             "'queue' (an interval history is split by its queue column)")
        per = split_history(hist, source=label)
        out: dict[str, PlanData] = {}
        for name, values in mapping.items():
            missing = [v for v in values if v not in per]
            if missing:
                raise InputError(f"queues.{name}.values", missing[0],
                                 f"one of the history's queues {sorted(per)}")
            frame = _combine([per[v] for v in values])
            if isinstance(cfg.wrap_s, float | int) and cfg.wrap_s > 0 and "aht_s" in frame:
                frame["aht_s"] = frame["aht_s"] + float(cfg.wrap_s)
            out[name] = PlanData(frame, None, f"{label} {name}")
        return out


def _site_grid(common: Mapping[str, Any]) -> IntervalGrid:
    site = common.get("site", {})
    if not isinstance(site, Mapping) or "tz" not in site:
        raise InputError("site.tz", None, "an IANA time zone such as 'Asia/Jerusalem' "
                         "(required)")
    return IntervalGrid.of(site["tz"], site.get("interval", "15min"))


def _placeholder(data: CallLog | pd.DataFrame, grid: IntervalGrid) -> PlanData:
    """A stand-in so the shared sections validate before the data is split (replaced by
    the queue's own part in :meth:`MultiQueueConfig.queue_configs`)."""
    if isinstance(data, CallLog):
        return PlanData(data.to_intervals(grid.freq), data, "call log (in memory)")
    hist = validate_history(data, tz=grid.tz, freq=grid.freq, warn_gaps=False)
    if "queue" in hist.columns:
        first = next(iter(split_history(hist, warn_missing=False).values()))
        return PlanData(first, None, "history (in memory)")
    return PlanData(hist, None, "history (in memory)")


def _combine(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Several single-queue histories as one: counts summed, ``aht_s``/``asa_s`` weighted by
    answered calls (or calls)."""
    if len(parts) == 1:
        return parts[0].copy()
    index = parts[0].index
    for p in parts[1:]:
        index = index.union(p.index)
    counts = [c for c in ("calls", "answered", "abandoned", "menu_hangups") if c in parts[0]]
    out = pd.DataFrame(index=index)
    for c in counts:
        out[c] = sum(p[c].reindex(index, fill_value=0.0) for p in parts)
    for c in ("aht_s", "asa_s"):
        if c not in parts[0]:
            continue
        num = np.zeros(len(index))
        den = np.zeros(len(index))
        for p in parts:
            w = p["answered"] if "answered" in p else p["calls"]
            w = w.reindex(index, fill_value=0.0).to_numpy(float)
            v = p[c].reindex(index).to_numpy(float)
            ok = np.isfinite(v)
            num += np.where(ok, v * w, 0.0)
            den += np.where(ok, w, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[c] = np.where(den > 0, num / den, np.nan)
    out.attrs = dict(parts[0].attrs)
    out.index.name = parts[0].index.name
    return out
