"""Scenario results, forecasts and loaded data cached by content hash."""

from __future__ import annotations

import os
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from staffing.exceptions import InputError
from staffing.scenario.result import ScenarioResult


class ScenarioCache:
    """Results, forecasts and loaded data keyed by content hash.

    In memory (at most ``max_results`` scenario results, least recently used dropped) and, when
    ``directory`` is given, as pickles ``scenario-<hash>.pkl`` / ``forecast-<hash>.pkl`` there.
    Only point ``directory`` at a folder you trust: pickles execute code when loaded.
    ``hits`` / ``misses`` count scenario-result look-ups.
    """

    def __init__(self, directory: str | Path | None = None, *, max_results: int = 64) -> None:
        self.directory = Path(directory) if directory is not None else None
        if self.directory is not None:
            self.directory.mkdir(parents=True, exist_ok=True)
        self.max_results = int(max_results)
        self._results: OrderedDict[str, ScenarioResult] = OrderedDict()
        self._forecasts: OrderedDict[str, Any] = OrderedDict()
        self._data: OrderedDict[str, Any] = OrderedDict()
        self._patience: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.RLock()
        self.hits = 0
        self.misses = 0

    def _path(self, kind: str, key: str) -> Path | None:
        return self.directory / f"{kind}-{key}.pkl" if self.directory is not None else None

    def _load(self, kind: str, key: str) -> Any:
        p = self._path(kind, key)
        if p is None or not p.is_file():
            return None
        try:
            with p.open("rb") as fh:
                return pickle.load(fh)  # noqa: S301 - local cache directory chosen by the user
        except Exception:  # noqa: BLE001 - a corrupt or stale cache entry is recomputed
            return None

    def _save(self, kind: str, key: str, obj: Any) -> None:
        p = self._path(kind, key)
        if p is None:
            return
        tmp = p.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        with tmp.open("wb") as fh:
            pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, p)

    def get(self, key: str) -> ScenarioResult | None:
        """The cached result of scenario hash ``key``, or None."""
        with self._lock:
            res = self._results.get(key)
            if res is None:
                res = self._load("scenario", key)
                if res is not None:
                    self._remember(key, res)
            else:
                self._results.move_to_end(key)
            if res is None:
                self.misses += 1
            else:
                self.hits += 1
            return res

    def _remember(self, key: str, res: ScenarioResult) -> None:
        self._results[key] = res
        self._results.move_to_end(key)
        while len(self._results) > self.max_results:
            self._results.popitem(last=False)

    def put(self, key: str, res: ScenarioResult) -> None:
        """Store a result under its hash."""
        with self._lock:
            self._remember(key, res)
            self._save("scenario", key, res)

    @staticmethod
    def _keep(store: OrderedDict[str, Any], key: str, value: Any, limit: int) -> Any:
        store[key] = value
        store.move_to_end(key)
        while len(store) > limit:
            store.popitem(last=False)
        return value

    def forecast(self, key: str, make: Callable[[], Any]) -> Any:
        """The forecast cached under ``key``, computed with ``make()`` on a miss (the last
        16 in memory)."""
        with self._lock:
            fc = self._forecasts.get(key)
            if fc is None:
                fc = self._load("forecast", key)
            if fc is None:
                fc = make()
                self._save("forecast", key, fc)
            return self._keep(self._forecasts, key, fc, 16)

    def data(self, key: str, make: Callable[[], Any]) -> Any:
        """Loaded data (memory only, the last 4 data sets)."""
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
            return self._keep(self._data, key, make(), 4)

    def patience(self, key: str, make: Callable[[], Any]) -> Any:
        """Fitted patience per data hash (memory only)."""
        with self._lock:
            if key in self._patience:
                return self._patience[key]
            return self._keep(self._patience, key, make(), 16)

    def clear(self) -> None:
        """Forget everything held in memory (files in ``directory`` stay)."""
        with self._lock:
            self._results.clear()
            self._forecasts.clear()
            self._data.clear()
            self._patience.clear()
            self.hits = self.misses = 0


default_cache = ScenarioCache()
"""The process-wide cache :func:`run_scenario` uses unless told otherwise."""


def _pick_cache(cache: ScenarioCache | bool | None) -> ScenarioCache | None:
    if cache is True:
        return default_cache
    if cache is False or cache is None:
        return None
    if not isinstance(cache, ScenarioCache):
        raise InputError("cache", type(cache).__name__, "a ScenarioCache, True or False")
    return cache
