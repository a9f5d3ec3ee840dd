"""Shared fixtures: the bundled Anonymous Bank agents, contracts and templates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from staffing.agents.read import read_agents, read_setup
from staffing.config import PlanConfig

DATA = Path(__file__).parents[2] / "data"


@pytest.fixture(scope="session")
def bundled() -> tuple[Any, Any, Any]:
    """(templates, AgentsSetup, agents) of data/plan.toml, agents_contracts.toml, agents.csv."""
    cfg = PlanConfig.from_toml(DATA / "plan.toml")
    s = read_setup(DATA / "agents_contracts.toml")
    tpls = cfg.roster.templates
    return tpls, s, read_agents(DATA / "agents.csv", s.contracts, tuple(t.name for t in tpls))
