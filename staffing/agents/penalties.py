"""Objective weights of the named-agent schedule."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["AgentPenalties"]


@dataclass(frozen=True)
class AgentPenalties:
    """Objective weights (objective units).

    Coverage per agent-interval short/extra. Fairness: ``fair_weekends`` per weekend in the
    maximum any one person works, ``fair_late`` per late shift (ending after
    ``late_end_hours`` o'clock, e.g. 21.0; past midnight counts) in the maximum any one person
    works, ``fair_wishes`` per unit of the largest unmet-wish penalty of one person (spreads
    refusals across people). ``change`` per changed agent-day against a published schedule
    (re-plan mode). ``activity_missed`` per attendee-interval of an activity not attended
    (training or meeting that found no place; keep it well above the under-coverage weight so
    attendance comes first).
    """

    under_per_agent_interval: float = 40.0
    over_per_agent_interval: float = 2.0
    fair_weekends: float = 5.0
    fair_late: float = 2.0
    late_end_hours: float = 21.0
    fair_wishes: float = 1.0
    change: float = 20.0
    activity_missed: float = 200.0
