"""Small real inputs for the API tests (no mocks: tiny problems the library solves fast)."""

from __future__ import annotations

import time
import tomllib
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
TZ = "Asia/Jerusalem"
FINISHED = ("done", "failed", "cancelled")


def tiny_roster_body(time_limit_s: float = 10) -> dict[str, Any]:
    """One day of hourly requirement, one template: solves in milliseconds."""
    idx = pd.date_range("2024-03-04", periods=24, freq="60min", tz="Europe/Berlin")
    return {
        "tz": "Europe/Berlin",
        "required": [{"interval_start": t.isoformat(), "required": 2.0 if 8 <= t.hour < 18
                      else 0.0} for t in idx],
        "config": {
            "templates": [{"name": "day", "start_earliest": "08:00", "start_latest": "10:00",
                           "start_step_min": 60, "paid_hours": 8.0}],
            "rules": {"workdays": 1, "consecutive_days_off": 0},
        },
        "solver": {"time_limit_s": time_limit_s},
    }


@lru_cache
def history() -> pd.DataFrame:
    """The bundled 15-minute history (4 weeks of February 1999)."""
    from staffing.io import read_history

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_history(DATA / "anonymous_bank_15min.csv", tz=TZ)


def week() -> pd.DataFrame:
    """Sun 1999-02-07 .. Sat 1999-02-13 of the bundled history (672 intervals)."""
    h = history()
    lo, hi = pd.Timestamp("1999-02-07", tz=TZ), pd.Timestamp("1999-02-14", tz=TZ)
    return h[(h.index >= lo) & (h.index < hi)]


def week_forecast_rows() -> list[dict[str, Any]]:
    """A week of forecast rows (AHT filled where only abandoned calls arrived)."""
    w = week()
    aht = w["aht_s"].fillna(w["aht_s"].median())
    return [{"interval_start": t.isoformat(), "calls": float(c), "aht_s": float(a)}
            for t, c, a in zip(w.index, w["calls"], aht, strict=True)]


def history_rows(days: int = 21) -> list[dict[str, Any]]:
    """The first ``days`` days of history as JSON rows."""
    h = history().iloc[: days * 96]
    return [{"interval_start": t.isoformat(), "calls": float(c)}
            for t, c in zip(h.index, h["calls"], strict=True)]


def hard_roster_body(time_limit_s: float = 60) -> dict[str, Any]:
    """A full week that takes HiGHS well over 10 s to prove optimal (to cancel it)."""
    w = week()
    req = np.ceil(w["calls"] * w["aht_s"].fillna(0) / 900) * 3 + 1
    with (DATA / "roster_example.toml").open("rb") as fh:
        cfg = tomllib.load(fh)
    cfg["rules"].pop("start_band_minutes")
    return {
        "tz": TZ,
        "required": [{"interval_start": t.isoformat(), "required": float(v)}
                     for t, v in zip(req.index, req, strict=True)],
        "config": cfg,
        "solver": {"time_limit_s": time_limit_s, "mip_rel_gap": 0.0, "threads": 1},
    }


def wait_for(get: Any, url: str, statuses: tuple[str, ...] = FINISHED,
             timeout: float = 180.0) -> dict[str, Any]:
    """Poll ``url`` until the job's status is one of ``statuses``."""
    end = time.monotonic() + timeout
    while True:
        r = get(url)
        assert r.status_code == 200, r.text
        job = r.json()
        if job["status"] in statuses or time.monotonic() > end:
            return job
        time.sleep(0.05)
