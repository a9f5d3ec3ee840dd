"""What-if on skills: "cross-train 5 new-customer agents for retail".

:func:`cross_train` returns the skill groups with a new group: up to ``agents`` people of
``group`` who also serve ``queue`` (same templates, ``max_headcount = agents``); the original
group stays, so the solver chooses how many of the cross-trained people to use (at most
``agents``). :func:`compare_groups` plans the base and the changed groups on the same demand
and returns one row per variant and queue.
"""

from __future__ import annotations

import re

import pandas as pd

from staffing.exceptions import InputError
from staffing.queues.config import MultiQueueConfig
from staffing.queues.plan import QueuesPlanResult, plan_queues
from staffing.queues.spec import SkillGroup

__all__ = ["compare_groups", "cross_train", "parse_cross_train"]


def cross_train(groups: tuple[SkillGroup, ...], group: str, queue: str, agents: int,
                queues: list[str] | None = None) -> tuple[SkillGroup, ...]:
    """The groups plus ``<group>+<queue>``: at most ``agents`` people of ``group`` with
    ``queue`` added to their skills."""
    names = [g.name for g in groups]
    if group not in names:
        raise InputError("cross_train.group", group, f"one of the groups {names}")
    if queues is not None and queue not in queues:
        raise InputError("cross_train.queue", queue, f"one of the queues {queues}")
    if isinstance(agents, bool) or not isinstance(agents, int) or agents < 1 or agents > 10000:
        raise InputError("cross_train.agents", agents, "a whole number of agents in [1, 10000]")
    src = groups[names.index(group)]
    if queue in src.skills:
        raise InputError("cross_train.queue", queue, f"a queue group {group!r} does not "
                         f"serve yet (it has {list(src.skills)})")
    new = SkillGroup(f"{group}+{queue}", (*src.skills, queue), src.templates, agents)
    return (*groups, new)


_SPEC = re.compile(r"^\s*([^:]+?)\s*:\s*([^:]+?)\s*:\s*(\d+)\s*$")


def parse_cross_train(text: str) -> tuple[str, str, int]:
    """``"new:retail:5"`` -> ``("new", "retail", 5)`` (group, queue, agents)."""
    m = _SPEC.match(text)
    if m is None:
        raise InputError("--cross-train", text, "GROUP:QUEUE:AGENTS, e.g. new:retail:5")
    return m.group(1), m.group(2), int(m.group(3))


def compare_groups(config: MultiQueueConfig, variants: dict[str, tuple[SkillGroup, ...]], *,
                   simulate: bool | None = None, time_limit_s: float | None = None
                   ) -> tuple[pd.DataFrame, dict[str, QueuesPlanResult]]:
    """Plan each variant's groups on the same demand (forecast once). Returns the table
    (``variant, queue, cost, agents, gap`` and the per-queue columns of
    :meth:`QueuesPlanResult.queue_table`) and the results by variant."""
    from staffing.queues.demand import queue_demand

    demand = queue_demand(config)
    results: dict[str, QueuesPlanResult] = {}
    rows = []
    for name, groups in variants.items():
        res = plan_queues(config, groups=groups, simulate=simulate, time_limit_s=time_limit_s,
                          demand=demand)
        results[name] = res
        table = res.queue_table()
        table.insert(0, "variant", name)
        table["cost"] = res.roster.cost
        table["agents"] = len(res.roster.tours)
        table["status"] = res.roster.status.value
        table["gap"] = res.roster.gap
        rows.append(table)
    return pd.concat(rows, ignore_index=True), results
