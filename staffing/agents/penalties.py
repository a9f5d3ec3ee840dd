"""Objective weights of the named-agent schedule."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["AgentPenalties"]


@dataclass(frozen=True)
class AgentPenalties:
    """Objective weights. Coverage per agent-interval short/extra; ``fair_weekends`` per
    weekend in the maximum any one person works; ``change`` per changed agent-day against a
    published schedule (re-plan mode)."""

    under_per_agent_interval: float = 40.0
    over_per_agent_interval: float = 2.0
    fair_weekends: float = 5.0
    change: float = 20.0
