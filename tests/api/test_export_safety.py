"""Every CSV the API stores is formula-safe (OWASP CSV injection): no raw ``DataFrame.to_csv``."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from staffing.io.export import safe_frame

API = Path(__file__).resolve().parents[2] / "api"


def test_api_csv_artifacts_go_through_safe_frame() -> None:
    raw = []
    for path in API.rglob("*.py"):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if ".to_csv(" in line and not re.search(r"safe_frame\(|csv_text\(", line):
                raw.append(f"{path.relative_to(API.parent)}:{n}: {line.strip()}")
    assert raw == []


def test_scenario_names_cannot_become_formulas() -> None:
    table = pd.DataFrame({"scenario": ["=cmd|' /C calc'!A0", "base"], "cost": [1.0, 2.0]})
    text = safe_frame(table).to_csv(index=False)
    assert "\n'=cmd" in text and ",=" not in text and "\n=" not in text
