"""Requirements per skill (queue) for named agents: only agents with a skill count towards it,
and an agent counts once.

The requirement is a frame with one column per skill (agents required per interval). Agents
are grouped by the set of the requirement's skills they have (``voice``, ``voice+internet``,
...); each group gets the per-person model's shift counts and aggregated breaks
(:func:`staffing.agents.schedule.on_phone`, linked to the sum of the group's shift binaries),
so ``D[g, t]``, the group's people on the phone, is exact. Linking, as in the multi-queue
roster (:mod:`staffing.queues.roster`): continuous allocation ``a[g, q, t] >= 0`` for the
group's skills, ``sum_q a[g, q, t] <= D[g, t]`` (an agent counts once),
``sum_g a[g, q, t] + under[q, t] >= required[q, t]``; ``over[t] >= sum_g D[g, t] - sum_q
required[q, t]``. The weights are the schedule's ``under``/``over`` ones, so with one skill
that everybody has it is the single-queue model. Like the roster it ignores the pooling gain
of cross-skilled agents (conservative).

:func:`skill_coverage` recomputes, from the shift rows alone (spans less breaks and
activities), the agents serving each skill per interval by the same allocation, one small LP
per horizon (scipy's HiGHS), for the outputs.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from staffing.agents.activity_grid import parse_blocks
from staffing.agents.domain import Agent
from staffing.agents.model import BuiltDayModel, Term
from staffing.agents.penalties import AgentPenalties
from staffing.exceptions import InputError

__all__ = ["SKILL_COLUMNS", "add_skill_coverage", "allocate", "pivot_skills", "skill_column",
           "skill_coverage", "skill_groups"]

#: Columns of a long requirements CSV naming the skill of each row (either one).
SKILL_COLUMNS = ("skill", "queue")


def skill_column(columns: Sequence[str], field: str = "requirements") -> str | None:
    """The skill column of a requirements table (``skill`` or ``queue``), or ``None``."""
    found = [c for c in SKILL_COLUMNS if c in columns]
    if len(found) > 1:
        raise InputError(f"{field}.{found[1]}", found, "one of 'skill' or 'queue', not both")
    return found[0] if found else None


def pivot_skills(index: pd.DatetimeIndex, skills: Sequence[str], values: np.ndarray, *,
                 field: str = "requirements.skill", source: str | None = None
                 ) -> pd.DataFrame:
    """Long rows (interval, skill, agents required) -> one column per skill, indexed by the
    sorted intervals; an (interval, skill) not given is 0; a repeated one is refused."""
    names = [str(s).strip() for s in skills]
    for i, s in enumerate(names):
        if not s:
            raise InputError(field, skills[i], "a skill name (as in the agents' skills)",
                             f"line {i + 2} of {source}" if source else None)
    long = pd.DataFrame({"t": index, "skill": names, "v": values})
    dup = long.duplicated(["t", "skill"])
    if dup.any():
        i = int(dup.to_numpy().argmax())
        raise InputError(field, names[i], "one row per interval and skill",
                         f"line {i + 2} of {source}" if source else None)
    wide = long.pivot(index="t", columns="skill", values="v").fillna(0.0).sort_index()
    wide.index = pd.DatetimeIndex(wide.index, name="interval_start")
    wide.columns = [str(c) for c in wide.columns]
    return wide


def skill_groups(agents: Sequence[Agent], skills: Sequence[str]) -> dict[tuple[str, ...],
                                                                          list[int]]:
    """Agent indexes per set of the requirement's ``skills`` they have (sorted tuples)."""
    out: dict[tuple[str, ...], list[int]] = {}
    wanted = set(skills)
    for e, a in enumerate(agents):
        out.setdefault(tuple(sorted(s for s in a.skills if s in wanted)), []).append(e)
    return out


def add_skill_coverage(b: BuiltDayModel, agents: Sequence[Agent], opts: Sequence[Any],
                       dates: Sequence[dt.date], day_pos: Mapping[dt.date, int], fmin: int,
                       required: pd.DataFrame, pen: AgentPenalties, out: list[Term]
                       ) -> tuple[dict[int, Any], list[str]]:
    """The per-skill coverage (module docstring) on ``b``'s model; returns the block holding
    each agent's breaks (for the hand-out) and notes (skills nobody has, agents with none)."""
    from staffing.agents.schedule import on_phone

    m = b.model
    skills = [str(c) for c in required.columns]
    req = required.to_numpy(dtype=float)
    n = len(req)
    groups = skill_groups(agents, skills)
    notes = []
    nobody = [s for s in skills if not any(s in g for g in groups)]
    if nobody:
        notes.append(f"skills no agent has: {', '.join(nobody)} (their requirement stays "
                     "uncovered)")
    if () in groups:
        notes.append(f"{len(groups[()])} agents have none of the requirement's skills "
                     f"({', '.join(skills)}): they count for no skill")
    owner: dict[int, Any] = {}
    on: dict[tuple[int, int], Any] = {}  # (group, position) -> people on the phone
    gl = list(groups.items())
    for gi, (_g, members) in enumerate(gl):
        blk = pyo.Block(concrete=True)
        m.add_component(f"skill_group_{gi}", blk)
        blk.rules = pyo.ConstraintList()
        cells: dict[tuple[int, int], list[Any]] = defaultdict(list)
        for e in members:
            owner[e] = blk
            for d, o, v in b._by_e[e]:
                if o < len(opts):
                    cells[d, o].append(v)
        plus, minus = on_phone(blk, blk.rules, list(cells), opts, dates, day_pos, fmin, n,
                               link=lambda d, o, c=cells: pyo.quicksum(c[d, o]))
        for p, vs in plus.items():
            on[gi, p] = pyo.quicksum(vs) - pyo.quicksum(minus.get(p, []))
    akeys = [(gi, skills.index(q), p) for (gi, p) in on for q in gl[gi][0]]
    ukeys = [(qi, p) for qi in range(len(skills)) for p in range(n) if req[p, qi] > 0]
    short = add_skill_allocation(m, "skill_alloc", akeys, on, ukeys, req)
    pos = sorted({p for _gi, p in on})
    m.skill_over = pyo.Var(pos, domain=pyo.NonNegativeReals)
    per_p: dict[int, list[Any]] = defaultdict(list)
    for (_gi, p), expr in on.items():
        per_p[p].append(expr)
    for p in pos:
        m.rules.add(m.skill_over[p] >= pyo.quicksum(per_p[p]) - float(req[p].sum()))
    out.append(Term("cover_under", "agent-intervals short (per skill)",
                    pen.under_per_agent_interval,
                    short))
    out.append(Term("cover_over", "agent-intervals extra (all skills)",
                    pen.over_per_agent_interval, pyo.quicksum(m.skill_over[p] for p in pos)))
    return owner, notes


def _on_phone_rows(shifts: pd.DataFrame, idx: pd.DatetimeIndex) -> np.ndarray:
    """Per shift row and interval: 1 when on the phone (in the span, off breaks and
    activities)."""
    out = np.zeros((len(shifts), len(idx)))
    for i, r in enumerate(shifts.itertuples(index=False)):
        start, end = pd.Timestamp(r.start), pd.Timestamp(r.end)
        row = (idx >= start) & (idx < end)
        cells = [getattr(r, "breaks", ""), getattr(r, "activities", "")]
        for a, z, _name in [blk for c in cells for blk in parse_blocks(c)]:
            bs = pd.Timestamp(f"{start.date()} {a}").tz_localize(
                idx.tz, ambiguous=False, nonexistent="shift_forward")
            if bs < start:
                bs += pd.Timedelta(days=1)
            hh, mm = (int(t) for t in z.split(":"))
            dur = (hh * 60 + mm - (bs.hour * 60 + bs.minute)) % 1440
            row &= ~((idx >= bs) & (idx < bs + pd.Timedelta(minutes=dur)))
        out[i] = row
    return out


def skill_coverage(shifts: pd.DataFrame, required: pd.DataFrame,
                   agents: Sequence[Agent]) -> pd.DataFrame:
    """Per interval and skill: ``required``, ``served`` (agents allocated to it, each agent
    once, by the LP of the module docstring on the shift rows' on-phone time) and ``under``."""
    idx = pd.DatetimeIndex(required.index)
    skills = [str(c) for c in required.columns]
    req = required.to_numpy(dtype=float)
    n = len(req)
    groups = skill_groups(agents, skills)
    gid = {agents[e].id: gi for gi, (_g, ms) in enumerate(groups.items()) for e in ms}
    gl = list(groups)
    onp = np.zeros((len(gl), n))
    if len(shifts):
        rows = _on_phone_rows(shifts, idx)
        for i, a in enumerate(shifts["agent"].astype(str)):
            onp[gid[a]] += rows[i]
    served, _alloc = allocate(onp, gl, skills, req)
    frames = [pd.DataFrame({"interval_start": idx, "skill": q, "required": req[:, qi],
                            "served": served[qi], "under": np.maximum(req[:, qi] - served[qi],
                                                                      0)})
              for qi, q in enumerate(skills)]
    return pd.concat(frames, ignore_index=True)


def allocate(onp: np.ndarray, groups: Sequence[tuple[str, ...]], skills: Sequence[str],
             req: np.ndarray) -> tuple[np.ndarray, dict[tuple[int, int, int], float]]:
    """Agents serving each skill per interval (``skills x intervals``, at most the
    requirement) when groups ``g`` have ``onp[g, t]`` people on the phone and ``req[t, q]``
    is required: the allocation LP of the module docstring (least total short), one scipy
    HiGHS solve; also the allocation ``(g, q, t) -> agents``."""
    from scipy.optimize import linprog
    from scipy.sparse import coo_matrix

    n, nq = req.shape
    cols = [(gi, list(skills).index(q), t) for gi, g in enumerate(groups) for q in g
            for t in range(n) if onp[gi, t] > 0]
    nv = len(cols) + nq * n
    r_i, c_i, val = [], [], []
    row_of_gt: dict[tuple[int, int], int] = {}
    for j, (gi, _qi, t) in enumerate(cols):  # sum_q a[g, q, t] <= on[g, t]
        r_i.append(row_of_gt.setdefault((gi, t), len(row_of_gt)))
        c_i.append(j)
        val.append(1.0)
    b_ub = [float(onp[gi, t]) for (gi, t) in row_of_gt]
    base = len(row_of_gt)
    for j, (_gi, qi, t) in enumerate(cols):  # -sum_g a - under <= -req
        r_i.append(base + qi * n + t)
        c_i.append(j)
        val.append(-1.0)
    for qi in range(nq):
        for t in range(n):
            r_i.append(base + qi * n + t)
            c_i.append(len(cols) + qi * n + t)
            val.append(-1.0)
    b_ub += [-float(req[t, qi]) for qi in range(nq) for t in range(n)]
    a_ub = coo_matrix((val, (r_i, c_i)), shape=(len(b_ub), nv)).tocsr()
    c = np.r_[np.zeros(len(cols)), np.ones(nq * n)]
    res = linprog(c, A_ub=a_ub, b_ub=np.array(b_ub), bounds=(0, None), method="highs")
    served = np.zeros((nq, n))
    alloc: dict[tuple[int, int, int], float] = {}
    if res.status == 0:
        for j, (gi, qi, t) in enumerate(cols):
            served[qi, t] += res.x[j]
            alloc[gi, qi, t] = float(res.x[j])
    return np.minimum(served, req.T), alloc


def add_skill_allocation(m: Any, name: str, akeys: Sequence[tuple[int, int, int]],
                         capacity: Mapping[tuple[int, int], Any],
                         ukeys: Sequence[tuple[int, int]], req: np.ndarray) -> Any:
    """Allocate each skill group's people on the phone to its skills: ``m.<name>[g, q, t]``
    >= 0 (agents) for ``akeys``, at most ``capacity[g, t]`` per group and position (an agent
    counts once), and ``m.skill_under[q, t]`` >= 0 where the allocation falls short of
    ``req[t, q]`` (agents required, positions x skills) for ``ukeys``. Rows go to
    ``m.rules``; returns the sum of the shortfalls (agent-intervals)."""
    alloc = pyo.Var(list(akeys), domain=pyo.NonNegativeReals)
    m.add_component(name, alloc)
    by_gt: dict[tuple[int, int], list[Any]] = defaultdict(list)
    by_qt: dict[tuple[int, int], list[Any]] = defaultdict(list)
    for g, q, t in akeys:
        by_gt[g, t].append(alloc[g, q, t])
        by_qt[q, t].append(alloc[g, q, t])
    for (g, t), vs in by_gt.items():
        m.rules.add(pyo.quicksum(vs) <= capacity[g, t])
    m.skill_under = pyo.Var(list(ukeys), domain=pyo.NonNegativeReals)
    for q, t in ukeys:
        m.rules.add(pyo.quicksum(by_qt.get((q, t), [])) + m.skill_under[q, t]
                    >= float(req[t, q]))
    return pyo.quicksum(m.skill_under[k] for k in ukeys)
