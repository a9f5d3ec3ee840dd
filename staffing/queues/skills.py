"""Each agent's observed skills and handle times per call type, from a call log.

A call log with an agent column (the bank's ``server``) says which types each agent served
and how long they took: :func:`observed_skills` counts served calls per agent and type
(``calls``), their mean talk and handle time (s), and the agent's share of the type's calls.
An agent *has* a skill when they served at least ``min_calls`` calls of the type (default 10:
a handful of calls is more likely a transfer or an overflow than a skill).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from staffing.exceptions import InputError
from staffing.io.calllog import CallLog

__all__ = ["observed_skills", "skill_sets"]


def observed_skills(log: CallLog, column: str = "type", *, min_calls: int = 10) -> pd.DataFrame:
    """One row per agent and value of ``column``: ``agent, <column>, calls, talk_s,
    handle_s`` (means, s), ``share`` (of the value's served calls), ``skilled`` (calls >=
    ``min_calls``)."""
    if not log.has_servers:
        raise InputError("server", None, "a call log naming the agent of each call "
                         "(a 'server' column)")
    c = log.calls
    if column not in c.columns or c[column].astype(str).eq("").all():
        raise InputError("column", column, "a column of the call log naming each call's type")
    if isinstance(min_calls, bool) or not isinstance(min_calls, int) or min_calls < 1:
        raise InputError("min_calls", min_calls, "a whole number >= 1")
    served = c[c["outcome"].eq("served") & c["server"].ne("")]
    g = served.groupby(["server", served[column].astype(str).str.strip()])
    out = g.agg(calls=("talk_s", "size"), talk_s=("talk_s", "mean"),
                handle_s=("handle_s", "mean")).reset_index()
    out = out.rename(columns={"server": "agent"})
    out.columns = ["agent", column, "calls", "talk_s", "handle_s"]
    total = out.groupby(column)["calls"].transform("sum")
    out["share"] = out["calls"] / total
    out["skilled"] = out["calls"] >= min_calls
    return out.sort_values(["agent", column], ignore_index=True)


def skill_sets(skills: pd.DataFrame, column: str = "type",
               queues: Mapping[str, Sequence[str]] | None = None) -> pd.DataFrame:
    """Per agent: their skills joined with ``+`` (``NE+NW+PS``), calls served; and per
    distinct skill set the number of agents (``agents_with_set``). With ``queues`` (queue
    name -> values of ``column``, as ``[[queues]] values``) the skills are queue names: an
    agent has a queue's skill when skilled in any of its values."""
    have = skills[skills["skilled"]].copy()
    if queues is not None:
        owner = {str(v): q for q, vals in queues.items() for v in vals}
        have[column] = have[column].map(owner)
        have = have.dropna(subset=[column]).drop_duplicates(["agent", column])
    sets = have.groupby("agent")[column].apply(lambda s: "+".join(sorted(s)))
    calls = skills.groupby("agent")["calls"].sum()
    out = pd.DataFrame({"skills": sets, "calls": calls}).fillna({"skills": ""})
    out["agents_with_set"] = out.groupby("skills")["skills"].transform("size")
    out.index.name = "agent"
    return out.reset_index()
