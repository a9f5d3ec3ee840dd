"""Content hashing of scenarios: canonical JSON, file and version digests."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import importlib.metadata
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from staffing.config import PlanConfig


def _canonical(obj: Any) -> Any:
    """A JSON-ready copy with stable types: integral floats as ints, dates ISO strings."""
    if isinstance(obj, bool) or obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, int | np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        v = float(obj)
        if not math.isfinite(v):
            return repr(v)
        return int(v) if v.is_integer() and abs(v) < 2**53 else v
    if isinstance(obj, dt.datetime | dt.date | dt.time):
        return obj.isoformat()
    if isinstance(obj, pd.Timedelta | dt.timedelta):
        return f"{pd.Timedelta(obj).total_seconds()}s"
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, Mapping):
        return {str(k): _canonical(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        items = [_canonical(v) for v in obj]
        if isinstance(obj, set | frozenset):
            items = sorted(items, key=lambda x: json.dumps(x, sort_keys=True))
        return items
    return repr(obj)


def _digest(doc: Any) -> str:
    text = json.dumps(_canonical(doc), sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


_FILE_HASHES: dict[tuple[str, int, int], str] = {}


def file_sha256(path: str | Path) -> str:
    """sha256 of a file's bytes (memoised by path, size and modification time)."""
    p = Path(path).resolve()
    st = p.stat()
    key = (str(p), st.st_size, st.st_mtime_ns)
    if key not in _FILE_HASHES:
        h = hashlib.sha256()
        with p.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        _FILE_HASHES[key] = h.hexdigest()
    return _FILE_HASHES[key]


def data_sha256(config: PlanConfig) -> str:
    """sha256 of a plan's data: the file's bytes, or the in-memory data's content."""
    if config.data is not None:
        return config.data.digest()
    assert config.data_path is not None
    return file_sha256(config.data_path)


def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


@functools.cache
def _versions() -> tuple[tuple[str, str | None], ...]:
    from staffing import __version__

    dists = ("pyomo", "highspy", "numpy", "pandas", "statsmodels", "scipy")
    return (("staffing", __version__), *((d, _version(d)) for d in dists))


def versions() -> dict[str, str | None]:
    """Versions that can change a scenario's result (part of every hash): staffing, pyomo,
    highspy, numpy, pandas, statsmodels, scipy (read once per process)."""
    return dict(_versions())
