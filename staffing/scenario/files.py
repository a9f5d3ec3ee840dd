"""Scenarios from text: ``name:key=value,...`` specs and TOML scenario files."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from staffing.config import PlanConfig
from staffing.exceptions import InputError
from staffing.io.toml import read_toml
from staffing.scenario.spec import Scenario


def _split_top(text: str, sep: str) -> list[str]:
    """Split on ``sep`` outside brackets, braces and quotes."""
    parts, depth, quote, cur = [], 0, "", []
    for ch in text:
        if quote:
            cur.append(ch)
            if ch == quote:
                quote = ""
            continue
        if ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return [p.strip() for p in parts if p.strip()]


def _value(text: str) -> Any:
    """A TOML value (number, bool, string, array, inline table) or the bare text."""
    t = text.strip()
    if t.lower() in ("none", "null"):
        return None
    try:
        return tomllib.loads(f"v = {t}")["v"]
    except tomllib.TOMLDecodeError:
        return t


def parse_scenario_spec(spec: str) -> tuple[str, dict[str, Any]]:
    """``"name:key=value,key=value"`` -> ``(name, overrides)``.

    Values are TOML (``1.1``, ``true``, ``"text"``, ``["early", "day"]``,
    ``{mon = 1.2}``); a bare word is a string and ``none`` removes an optional goal. Example:
    ``"busy:volume_scale=1.1,aht_delta_s=15,service_level=0.9"``. A dotted key sets one entry
    of a table: ``"apart:rules.consecutive_days_off=1,max_headcount.early=10"``. A spec without
    ``:`` and ``=`` is a scenario with no overrides.
    """
    if not isinstance(spec, str) or not spec.strip():
        raise InputError("scenario", spec, "'name:key=value,...'")
    name, sep, rest = spec.partition(":")
    if not sep:
        if "=" in spec:
            raise InputError("scenario", spec, "'name:key=value,...' (a name, then ':')")
        return spec.strip(), {}
    out: dict[str, Any] = {}
    for part in _split_top(rest, ","):
        key, eq, val = part.partition("=")
        if not eq or not key.strip():
            raise InputError("scenario", part, "key=value")
        head, dot, sub = key.strip().partition(".")
        if dot:
            table = out.setdefault(head, {})
            if not isinstance(table, dict):
                raise InputError("scenario", part, f"{head} given once, as a value or a table")
            table[sub] = _value(val)
        else:
            out[head] = _value(val)
    if not name.strip():
        raise InputError("scenario", spec, "a scenario name before ':'")
    return name.strip(), out


def load_scenarios(path: str | Path, base: PlanConfig | None = None) -> list[Scenario]:
    """Scenarios from a TOML file (see ``data/scenarios.toml``)::

        config = "plan.toml"          # base plan (relative to this file); or pass base=
        [defaults]                    # optional overrides applied to every scenario
        time_limit_s = 20
        [[scenarios]]
        name = "volume +10%"
        volume_scale = 1.1

    Every ``[[scenarios]]`` table needs ``name``; its other keys are overrides.
    """
    p = Path(path)
    doc = read_toml(p, "scenarios")
    for key in doc:
        if key not in ("config", "defaults", "scenarios"):
            raise InputError(key, doc[key], "one of 'config', 'defaults', 'scenarios'")
    if base is None:
        if "config" not in doc:
            raise InputError("config", None, "a base plan config path (or pass base=)")
        cfg_path = Path(str(doc["config"]))
        if not cfg_path.is_absolute():
            cfg_path = p.resolve().parent / cfg_path
        base = PlanConfig.from_toml(cfg_path)
    defaults = doc.get("defaults", {})
    if not isinstance(defaults, Mapping):
        raise InputError("defaults", defaults, "a table of overrides")
    items = doc.get("scenarios")
    if not isinstance(items, list) or not items:
        raise InputError("scenarios", items, "a non-empty array of [[scenarios]] tables")
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, Mapping) or "name" not in item:
            raise InputError(f"scenarios[{i}].name", None, "a scenario name")
        ov = {k: v for k, v in item.items() if k != "name"}
        out.append(Scenario(str(item["name"]), base, {**dict(defaults), **ov}))
    return out
