"""Write ``data/scenarios_request.json``: a ready ``POST /v1/scenarios`` body (the README's
curl example) from ``data/plan.toml`` and the bundled 15-minute history.

The interval history has no call log, so ``goals.patience_s = "fit"`` becomes 120 s.
Run: ``python scripts/make_scenarios_request.py`` after changing data/plan.toml.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "data"
OUT = DATA / "scenarios_request.json"


def body() -> dict[str, Any]:
    """The request body."""
    from staffing.io.export import jsonable

    with (DATA / "plan.toml").open("rb") as fh:
        cfg = tomllib.load(fh)
    cfg.pop("data", None)
    if cfg.get("goals", {}).get("patience_s") == "fit":
        cfg["goals"]["patience_s"] = 120.0
    cfg.setdefault("solver", {})["time_limit_s"] = 20
    return {
        "config": jsonable(cfg),
        "data": {"filename": "anonymous_bank_15min.csv",
                 "csv": (DATA / "anonymous_bank_15min.csv").read_text(encoding="utf-8")},
        "scenarios": [{"name": "volume +10%", "overrides": {"volume_scale": 1.1}},
                      {"name": "90/15", "overrides": {"service_level": 0.9, "answer_s": 15}},
                      {"name": "days off apart",
                       "overrides": {"rules": {"consecutive_days_off": 1}}}],
        "curve": [0.7, 0.8, 0.9],
    }


def text() -> str:
    """The file's content."""
    return json.dumps(body(), indent=1) + "\n"


if __name__ == "__main__":
    OUT.write_text(text(), encoding="utf-8")
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes)")
