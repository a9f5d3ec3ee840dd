"""The :class:`Scenario`: a named base plan config plus validated overrides, content-hashed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from staffing.config import PlanConfig
from staffing.exceptions import InputError
from staffing.scenario.hashing import _canonical, _digest, data_sha256, versions
from staffing.scenario.overrides import _build_config, normalize_overrides


@dataclass(frozen=True, eq=False)
class Scenario:
    """A named what-if: ``base`` plan config plus ``overrides`` (see :mod:`staffing.scenario`).

    Attributes set on construction: ``overrides`` (validated, canonical types), ``config`` (the
    effective :class:`PlanConfig`) and ``hash`` (sha256 hex of every input). Scenarios are
    equal (and hash alike in sets) when name and content hash agree.
    """

    name: str
    base: PlanConfig = field(repr=False)
    overrides: Mapping[str, Any] = field(default_factory=dict)
    config: PlanConfig = field(init=False, repr=False, compare=False)
    hash: str = field(init=False, compare=False)
    forecast_key: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise InputError("name", self.name, "a non-empty scenario name")
        if not isinstance(self.base, PlanConfig):
            raise InputError("base", type(self.base).__name__, "a PlanConfig")
        ov = normalize_overrides(self.overrides, self.base)
        cfg, raw = _build_config(self.base, ov)
        data_hash = data_sha256(cfg)
        raw_h = {k: v for k, v in raw.items()}
        raw_h["data"] = {"sha256": data_hash, "kind": cfg.data_kind, "offered": cfg.offered,
                         "wrap_s": cfg.wrap_s}
        vers = versions()
        key = _digest({"schema": 1, "config": raw_h, "overrides": ov, "versions": vers})
        hours = raw_h.get("open_hours")
        if isinstance(hours, Mapping):  # the floor does not change the forecast
            hours = {k: v for k, v in hours.items() if k != "min_staff"}
        parts = {"schema": 1, "data": raw_h["data"], "site": raw_h.get("site", {}),
                 "plan": raw_h.get("plan", {}), "forecast": raw_h.get("forecast", {}),
                 "open_hours": hours, "versions": vers}
        if cfg.overflow is not None:  # calls are forecast in the partner's hours too
            ov_t = raw_h.get("overflow")
            parts["overflow_hours"] = (ov_t.get("hours", "always")
                                       if isinstance(ov_t, Mapping) else None)
        fkey = _digest(parts)
        object.__setattr__(self, "overrides", ov)
        object.__setattr__(self, "config", cfg)
        object.__setattr__(self, "hash", key)
        object.__setattr__(self, "forecast_key", fkey)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Scenario) and (self.name, self.hash) == (other.name,
                                                                          other.hash)

    def __hash__(self) -> int:
        return hash((self.name, self.hash))

    @property
    def data_key(self) -> str:
        """Hash of the loaded data (file bytes, kind, demand definitions, zone, interval)."""
        c = self.config
        return _digest({"data": data_sha256(c), "kind": c.data_kind, "tz": c.tz,
                        "freq": c.freq, "offered": c.offered, "wrap_s": c.wrap_s})

    def with_overrides(self, name: str | None = None, **overrides: Any) -> Scenario:
        """A new scenario on the same base with ``overrides`` merged over these ones."""
        return Scenario(name or self.name, self.base, {**self.overrides, **overrides})

    def summary(self) -> dict[str, Any]:
        """Name, hash and overrides (JSON-serialisable)."""
        return {"name": self.name, "hash": self.hash, "overrides": _canonical(self.overrides)}
