"""Schedules for named agents on an interval grid: compile agents + templates into the day-level
problem, add interval coverage with breaks, preferences, fairness and change penalties, solve.

Why a per-agent MIP (and not anonymous tours then assignment): every person here has their own
availability, exceptions, contract and history, so "tours" stop being interchangeable; assigning
people to anonymous tours afterwards can fail on exactly those rules (an anonymous optimum that
no named person can work) and cannot price preferences. One binary per (person, day, shift
option) keeps every personal rule exact and the penalty report per person; the counts per
option ``n[d, o] = sum_e x[e, d, o]`` are integer columns, so coverage rows stay as small as the
anonymous roster's. The lower bound reported is HiGHS's proven dual bound of this model.

Breaks are aggregated per (day, shift option) like the roster's: integer ``b[d, o, k, j]``
people on option ``o`` taking break ``k`` at offset ``j``, ``sum_j b = n[d, o]``. All people on
one option share the same break windows, so any split of offsets among them is feasible; the
hand-out after the solve is in agent order.

Time: positions are taken from the requirement index (local dates in order); a shift's start is
the day's first interval plus its clock start (on DST days clock and position differ by the
shift of the clocks). Shifts past the horizon's end cover what lies inside it (non-cyclic).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from staffing.agents.domain import Agent
from staffing.agents.model import BuiltDayModel, Term, build_day_model, finish_objective
from staffing.agents.penalties import AgentPenalties
from staffing.agents.problem import DayShiftProblem, Request, ShiftOption, StaffRules
from staffing.agents.solve import (
    AgentSolverOptions,
    DaySolution,
    TermValue,
    find_feasible,
    solve_day_model,
)
from staffing.exceptions import InputError
from staffing.roster import RosterStatus, ShiftTemplate

__all__ = ["AgentPenalties", "AgentSchedule", "AgentsModel", "add_coverage", "available_cells",
           "build_agents_model", "option_grid", "phone_intervals", "schedule_agents",
           "schedule_from_solution"]


@dataclass
class _Opt:
    template: ShiftTemplate
    start_min: int
    paid_min: int
    span_min: int


#: Above this many shift columns (estimated) ``method="auto"`` decomposes.
DECOMPOSE_ABOVE = 20_000


@dataclass
class AgentsModel:
    """A built named-agent model and what reading its solution needs (``build_s`` seconds)."""

    built: BuiltDayModel
    required: pd.Series
    agents: list[Agent]
    opts: list[_Opt]
    options: list[ShiftOption]
    dates: list[dt.date]
    day_pos: dict[dt.date, int]
    fmin: int
    change_keys: dict[tuple[int, int], Published]
    build_s: float
    skill_required: pd.DataFrame | None = None
    break_owner: dict[int, Any] = field(default_factory=dict)


@dataclass
class AgentSchedule:
    """A solved schedule for named agents.

    ``shifts``: one row per shift (``agent, name, date, start, end, template, breaks,
    paid_hours, skills``; skills as ``voice;chat:2``, for the multi-queue work);
    ``coverage``: ``interval_start, required, scheduled, under, over``;
    ``terms``: every soft term with its count; ``changes``: agent-days that differ from the
    published schedule (re-plan mode).
    """

    status: RosterStatus
    objective: float | None
    bound: float | None
    gap: float | None
    build_s: float
    solve_s: float
    shifts: pd.DataFrame
    coverage: pd.DataFrame
    terms: list[TermValue]
    agents: list[Agent]
    dates: list[dt.date]
    changes: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: list[str] = field(default_factory=list)
    weekends: list[list[dt.date]] = field(default_factory=list)
    templates: tuple[ShiftTemplate, ...] = ()
    activities: dict[str, Any] = field(default_factory=dict)
    skill_required: pd.DataFrame | None = None
    skill_coverage: pd.DataFrame = field(default_factory=pd.DataFrame)

    def penalty_report(self) -> list[str]:
        """One line per agent and soft-rule family with a violation, e.g. ``agent A17: 1
        day-off wish not granted, weight 3``; then coverage totals."""
        per: dict[tuple[str, str, float], float] = defaultdict(float)
        for t in self.terms:
            if t.count > 1e-6 and t.staff is not None:
                per[t.staff, t.family, t.weight] += t.count
        what = {"day_off_wish": "day-off wish not granted",
                "shift_on_request": "shift request not granted",
                "shift_off_request": "shift-off request not granted",
                "preferred_start": "shift starting outside the preferred window",
                "preferred_template": "shift on a template not preferred",
                "change": "day changed from the published schedule"}
        lines = [f"agent {a}: {n:g} {what.get(f, f)}, weight {w:g}"
                 for (a, f, w), n in sorted(per.items())]
        for fam in ("cover_under", "cover_over", "fair_weekends", "fair_late", "fair_wishes"):
            tot = sum(t.count for t in self.terms if t.family == fam)
            pen = sum(t.penalty for t in self.terms if t.family == fam)
            if tot > 1e-6:
                lines.append(f"{fam}: {tot:g} units, penalty {pen:g}")
        if len(self.skill_coverage):
            for sk, g in self.skill_coverage.groupby("skill", sort=True):
                lines.append(f"skill {sk}: {g['under'].sum():g} agent-intervals short of "
                             f"{g['required'].sum():g} required")
        act = self.activities
        if act:
            lines.append(f"activities ({act['method']}): {act['placed']} of {act['needed']} "
                         f"attendances placed, coverage cost {act['coverage_cost']:g} after "
                         f"placement (greedy {act['greedy_coverage_cost']:g})")
        return lines

    def summary_frame(self) -> pd.DataFrame:
        """Per agent: shifts, paid hours, hours per week, weekends worked, wishes granted."""
        rows = []
        weeks = [self.dates[i:i + 7] for i in range(0, len(self.dates), 7)]
        for a in self.agents:
            s = self.shifts[self.shifts["agent"] == a.id] if len(self.shifts) else self.shifts
            days = set(s["date"]) if len(s) else set()
            wk = [float(s[s["date"].isin(w)]["paid_hours"].sum()) if len(s) else 0.0
                  for w in weeks]
            we = [w for w in self.weekends if days & set(w)]
            wishes = [t for t in self.terms if t.staff == a.id and t.family == "day_off_wish"]
            rows.append({"agent": a.id, "name": a.name, "contract": a.contract.name,
                     "skills": skills_text(a),
                         "shifts": len(s), "paid_hours": round(sum(wk), 2),
                         "hours_per_week": ";".join(f"{h:g}" for h in wk),
                         "weekends_worked": len(we),
                         "day_off_wishes": len(wishes),
                         "day_off_wishes_granted": sum(t.count < 0.5 for t in wishes),
                         "penalty": round(sum(t.penalty for t in self.terms
                                              if t.staff == a.id), 3)})
        return pd.DataFrame(rows)

    def summary(self) -> dict[str, Any]:
        """Status, objective, bound, gap, seconds and coverage totals as plain values."""
        return {"status": self.status.value, "objective": self.objective,
                "bound": self.bound, "gap": self.gap, "build_s": round(self.build_s, 3),
                "solve_s": round(self.solve_s, 3), "agents": len(self.agents),
                "shifts": len(self.shifts), "days": len(self.dates),
                "under_agent_intervals": float(self.coverage["under"].sum())
                if len(self.coverage) else None,
                "changes": len(self.changes), "notes": self.notes,
                **({"activities": self.activities} if self.activities else {}),
                **({"under_by_skill": {str(k): float(v) for k, v in self.skill_coverage
                                       .groupby("skill")["under"].sum().items()}}
                   if len(self.skill_coverage) else {})}


def skills_text(agent: Agent) -> str:
    """The agent's skills as in the agents CSV: ``voice;chat:2`` (level 1 unwritten)."""
    return ";".join(k if v == 1 else f"{k}:{v}" for k, v in agent.skills.items())


def _fmt(m: int) -> str:
    return f"{m // 60:02d}:{m % 60:02d}"


def option_grid(templates: Sequence[ShiftTemplate]) -> list[_Opt]:
    """Every (template, start, paid length) of ``templates``: the shift options of a day."""
    out = []
    for t in templates:
        for start in t.start_times_min():
            for paid in t.lengths_min:
                out.append(_Opt(t, start, paid, t.span_min(paid)))
    return out


def available_cells(agent: Agent, dates: Sequence[dt.date], opts: Sequence[_Opt],
                    *, contract_templates: bool = False) -> list[list[int]]:
    """Per day of ``dates``, the option positions ``agent`` may work: the template works that
    weekday and the shift lies inside the person's availability (no dated exception); with
    ``contract_templates`` also only templates the contract allows."""
    allowed = agent.contract.templates if contract_templates else None
    out = []
    for day in dates:
        wd = day.weekday()
        out.append([i for i, o in enumerate(opts) if wd in o.template.days
                    and (allowed is None or o.template.name in allowed)
                    and agent.available(day, o.start_min, o.start_min + o.span_min)])
    return out


def _opt_id(o: _Opt) -> str:
    return f"{o.template.name} {_fmt(o.start_min)} {o.paid_min / 60:g}h"


def _history(agent: Agent, previous: pd.DataFrame | None, first: dt.date,
             extra: dict[str, ShiftOption]) -> tuple[str | None, ...] | None:
    if previous is None:
        return None
    rows = previous[previous["agent"].astype(str) == agent.id]
    hist: list[str | None] = []
    for k in range(7, 0, -1):
        day = first - dt.timedelta(days=k)
        r = rows[rows["date"] == day]
        if r.empty:
            hist.append(None)
            continue
        s = pd.Timestamp(r["start"].iloc[0])
        e = pd.Timestamp(r["end"].iloc[0])
        sm = s.hour * 60 + s.minute
        em = sm + int((e - s).total_seconds() // 60)
        oid = f"published {day} {_fmt(sm)}-{_fmt(em % 1440)}"
        extra[oid] = ShiftOption(id=oid, paid_min=0, kind="_published", start_min=sm,
                                 end_min=em)
        hist.append(oid)
    return tuple(hist)


def build_agents_model(
    required: pd.Series | pd.DataFrame,
    templates: Sequence[ShiftTemplate],
    agents: Sequence[Agent],
    *,
    penalties: AgentPenalties | None = None,
    previous: pd.DataFrame | None = None,
    published: pd.DataFrame | None = None,
    weekend_days: tuple[int, ...] = (5, 6),
    cyclic: bool = False,
    targets: Mapping[tuple[int, int], int] | None = None,
) -> AgentsModel:
    """Build the per-person MIP of :func:`schedule_agents` (same arguments) without solving
    it. With ``targets`` (people wanted per (day, option)) the interval coverage is replaced
    by soft target rows: the assignment step of the decomposition
    (:mod:`staffing.agents.decompose`). A frame ``required`` (one column per skill) is the
    per-skill coverage of :mod:`staffing.agents.skill_cover`."""
    t0 = time.perf_counter()
    pen = penalties or AgentPenalties()
    by_skill: pd.DataFrame | None = None
    if isinstance(required, pd.DataFrame):
        if targets is not None:
            raise InputError("required", "per-skill requirements", "one requirement series "
                             "in the decomposition's assignment")
        if required.shape[1] < 1:
            raise InputError("required", "no columns", "one column per skill")
        by_skill = required.astype(float)
        required = by_skill.sum(axis=1)
    idx = required.index
    if not isinstance(idx, pd.DatetimeIndex) or idx.tz is None or len(idx) < 2:
        raise InputError("required", type(idx).__name__, "a tz-aware DatetimeIndex")
    freq = pd.Timedelta(idx[1] - idx[0])
    fmin = int(freq.total_seconds() // 60)
    local_dates = [ts.date() for ts in idx]
    dates = sorted(set(local_dates))
    if not 1 <= len(dates) <= 42:
        raise InputError("required", f"{len(dates)} days", "a horizon of 1 to 42 days")
    if not agents:
        raise InputError("agents", 0, "at least one agent")
    day_pos = {d: local_dates.index(d) for d in dates}
    n = len(idx)
    req = np.asarray(required.to_numpy(dtype=float))
    if np.isnan(req).any() or (req < 0).any() or (
            by_skill is not None and (by_skill.to_numpy() < 0).any()):
        raise InputError("required", "negative or missing values", "agents >= 0 per interval")

    opts = option_grid(templates)
    option_list = [ShiftOption(id=_opt_id(o), paid_min=o.paid_min, kind=o.template.name,
                               start_min=o.start_min, end_min=o.start_min + o.span_min)
                   for o in opts]
    extra: dict[str, ShiftOption] = {}
    staff: list[StaffRules] = []
    requests: list[Request] = []
    for a in agents:
        c = a.contract
        hist = _history(a, previous, dates[0], extra)
        avail = {d: frozenset(option_list[o].id for o in cells)
                 for d, cells in enumerate(available_cells(a, dates, opts))}
        staff.append(StaffRules(
            id=a.id, min_total_min=int(round(c.min_horizon_hours * 60)),
            max_total_min=None if c.max_horizon_hours is None
            else int(round(c.max_horizon_hours * 60)),
            min_week_min=int(round(c.min_week_hours * 60)),
            max_week_min=None if c.max_week_hours is None else int(round(c.max_week_hours * 60)),
            max_days_per_week=c.max_days_per_week, max_consecutive=c.max_consecutive_days,
            min_consecutive=c.min_consecutive_days,
            min_consecutive_off=c.min_consecutive_days_off, max_weekends=c.max_weekends,
            min_rest_min=int(round(c.min_rest_hours * 60)), available=avail,
            allowed_kinds=None if c.templates is None else frozenset(c.templates),
            history=hist))
        bonus = 1 + 0.001 * a.seniority  # seniority breaks ties between equal wishes
        wish_days = {d for d, day in enumerate(dates)
                     if day.weekday() in a.preferences.days_off_weekdays
                     or day in a.preferences.days_off_dates}
        requests += [Request(a.id, d, None, a.preferences.day_off_weight * bonus, on=False)
                     for d in sorted(wish_days)]
    problem = DayShiftProblem(n_days=len(dates), options=option_list + list(extra.values()),
                              staff=staff, requests=requests,
                              first_weekday=dates[0].weekday(), name="agents",
                              weekend_days=tuple(weekend_days), cyclic=cyclic)
    built = build_day_model(problem)
    extra_terms: list[Term] = []
    _preferences(built, agents, opts, extra_terms)
    _fair_weekends(built, pen, extra_terms)
    _fair_late(built, opts, pen, extra_terms)
    _fair_wishes(built, pen, extra_terms)
    owner: dict[int, Any] = {}
    if by_skill is not None:
        from staffing.agents.skill_cover import add_skill_coverage

        owner, notes = add_skill_coverage(built, agents, opts, dates, day_pos, fmin, by_skill,
                                          pen, extra_terms)
        built.notes.extend(notes)
    elif targets is None:
        _coverage(built, opts, dates, day_pos, n, fmin, req, pen, extra_terms)
    else:
        _targets(built, opts, targets, fmin, pen, extra_terms)
    change_keys = _changes(built, agents, dates, published, option_list, pen, extra_terms)
    finish_objective(built, extra_terms)
    return AgentsModel(built=built, required=required, agents=list(agents), opts=opts,
                       options=option_list, dates=dates, day_pos=day_pos, fmin=fmin,
                       change_keys=change_keys, build_s=time.perf_counter() - t0,
                       skill_required=by_skill, break_owner=owner)


def schedule_agents(
    required: pd.Series | pd.DataFrame,
    templates: Sequence[ShiftTemplate],
    agents: Sequence[Agent],
    *,
    penalties: AgentPenalties | None = None,
    options: AgentSolverOptions | None = None,
    previous: pd.DataFrame | None = None,
    published: pd.DataFrame | None = None,
    weekend_days: tuple[int, ...] = (5, 6),
    cyclic: bool = False,
    method: str = "auto",
) -> AgentSchedule:
    """Schedule named ``agents`` against ``required`` agents per interval.

    Parameters
    ----------
    required:
        Agents required per interval, tz-aware index of whole local days (1 to 42 days); the
        same shape the roster uses. A frame with one column per skill (queue) is a
        requirement per skill: only agents with that skill count towards it, each agent
        once (:mod:`staffing.agents.skill_cover`; per-person MIP only).
    templates:
        Shift templates (start window and step, paid lengths, days, breaks).
    agents:
        The people, with contracts, availability, exceptions and preferences.
    options:
        HiGHS settings; ``time_limit_s`` covers the build, a zero-objective feasibility phase
        (at most 30 % of it, its schedule warm-starts the solve) and the solve (the load into
        HiGHS is not counted by HiGHS itself).
    previous:
        Published shifts before the horizon (``agent, date, start, end``): rest, consecutive
        days and days-off runs are checked across the boundary.
    published:
        A published schedule of this horizon (same columns): re-plan mode, each changed
        agent-day costs ``penalties.change`` and is listed in ``changes``.
    weekend_days:
        Weekdays of the weekend (0 = Monday), for ``max_weekends`` and weekend fairness.
    cyclic:
        A rotation: the horizon repeats, so its last day is followed by its first (rest,
        successions, consecutive-day rules); excludes ``previous``.
    method:
        ``"mip"``: the per-person MIP (its own dual bound); ``"decompose"``: pooled roster,
        assignment, breaks (:mod:`staffing.agents.decompose`; gap against the pooled model's
        proven lower bound); ``"auto"``: decompose above :data:`DECOMPOSE_ABOVE` shift
        columns (estimated, not built), the MIP below.
    """
    if method not in ("auto", "mip", "decompose"):
        raise InputError("method", method, "'auto', 'mip' or 'decompose'")
    if isinstance(required, pd.DataFrame):
        if method == "decompose":
            raise InputError("method", method, "'mip' or 'auto' with per-skill requirements "
                             "(the decomposition's pooled model has one requirement)")
        method = "mip"
    if method == "auto":
        from staffing.agents.size import estimate_agents_size

        cols = estimate_agents_size(pd.DatetimeIndex(required.index), templates,
                                    agents).integer_variables
        method = "decompose" if cols > DECOMPOSE_ABOVE else "mip"
    if method == "decompose":
        from staffing.agents.decompose import schedule_decomposed

        return schedule_decomposed(required, templates, agents, penalties=penalties,
                                   options=options, previous=previous, published=published,
                                   weekend_days=weekend_days, cyclic=cyclic)
    am = build_agents_model(required, templates, agents, penalties=penalties,
                            previous=previous, published=published,
                            weekend_days=weekend_days, cyclic=cyclic)
    built, build_s = am.built, am.build_s
    t0 = time.perf_counter() - build_s
    options = options or AgentSolverOptions()
    # every person's rules are independent once coverage is soft, but HiGHS's heuristics can
    # miss a first schedule on a large model: phase 1 finds one with a zero objective
    # the build counts against the time limit; phase 1 gets at most 30 % of it
    t1 = time.perf_counter()
    warm = find_feasible(built, max(0.3 * options.time_limit_s - build_s, 0.1))
    left = max(options.time_limit_s - (time.perf_counter() - t0), 1.0)
    sol = solve_day_model(built, dataclasses.replace(options, time_limit_s=left),
                          warmstart=warm)
    sol.solve_s = time.perf_counter() - t1
    return schedule_from_solution(am, sol)


def schedule_from_solution(am: AgentsModel, sol: DaySolution) -> AgentSchedule:
    """The :class:`AgentSchedule` of a solved model (shifts with breaks, coverage recomputed
    from them, terms, changes); ``sol.build_s`` is added to the model's build seconds."""
    built, agents, dates = am.built, am.agents, am.dates
    idx = pd.DatetimeIndex(am.required.index)
    shifts = _extract(sol, built, agents, am.opts, dates, idx, am.day_pos, am.fmin,
                      am.break_owner)
    coverage = _coverage_frame(shifts, am.required)
    skill_cov = pd.DataFrame()
    if am.skill_required is not None:
        from staffing.agents.skill_cover import skill_coverage

        skill_cov = skill_coverage(shifts, am.skill_required, agents)
    changes = _change_frame(sol, built, agents, dates, am.change_keys)
    return AgentSchedule(status=sol.status, objective=sol.objective, bound=sol.bound,
                         gap=sol.gap, build_s=am.build_s + sol.build_s, solve_s=sol.solve_s,
                         shifts=shifts, coverage=coverage, terms=sol.terms,
                         agents=list(agents), dates=dates, changes=changes,
                         notes=list(built.notes),
                         weekends=[[dates[d] for d in w]
                                   for w in built.problem.weekend_pairs()],
                         templates=tuple({o.template.name: o.template
                                          for o in am.opts}.values()),
                         skill_required=am.skill_required, skill_coverage=skill_cov)


def _preferences(b: BuiltDayModel, agents: Sequence[Agent], opts: list[_Opt],
                 out: list[Term]) -> None:
    for e, a in enumerate(agents):
        pref = a.preferences
        bonus = 1 + 0.001 * a.seniority
        for d in range(b.problem.n_days):
            cells = b._by_ed.get((e, d), [])
            if pref.preferred_start is not None:
                bad = [v for o, v in cells if o < len(opts)
                       and not pref.preferred_start.start_min <= opts[o].start_min
                       <= pref.preferred_start.end_min]
                if bad:
                    out.append(Term("preferred_start", f"day {d}", pref.start_weight * bonus,
                                    pyo.quicksum(bad), a.id))
            if pref.preferred_templates:
                bad = [v for o, v in cells if o < len(opts)
                       and opts[o].template.name not in pref.preferred_templates]
                if bad:
                    out.append(Term("preferred_template", f"day {d}",
                                    pref.template_weight * bonus, pyo.quicksum(bad), a.id))


def _fair_weekends(b: BuiltDayModel, pen: AgentPenalties, out: list[Term]) -> None:
    if not pen.fair_weekends or not any(b.weekend_vars.values()):
        return
    m = b.model
    m.max_weekends = pyo.Var(domain=pyo.NonNegativeReals)
    for wes in b.weekend_vars.values():
        if wes:
            m.rules.add(m.max_weekends >= pyo.quicksum(wes))
    out.append(Term("fair_weekends", "most weekends worked by one person", pen.fair_weekends,
                    m.max_weekends))


def _fair_late(b: BuiltDayModel, opts: list[_Opt], pen: AgentPenalties,
               out: list[Term]) -> None:
    late_min = int(round(pen.late_end_hours * 60))
    if not pen.fair_late:
        return
    per: dict[int, list[Any]] = defaultdict(list)
    for e, items in b._by_e.items():
        per[e] = [v for _d, o, v in items
                  if o < len(opts) and opts[o].start_min + opts[o].span_min > late_min]
    if not any(per.values()):
        return
    m = b.model
    m.max_late = pyo.Var(domain=pyo.NonNegativeReals)
    for vs in per.values():
        if vs:
            m.rules.add(m.max_late >= pyo.quicksum(vs))
    out.append(Term("fair_late", "most late shifts worked by one person", pen.fair_late,
                    m.max_late))


def _fair_wishes(b: BuiltDayModel, pen: AgentPenalties, out: list[Term]) -> None:
    if not pen.fair_wishes:
        return
    wish = ("day_off_wish", "preferred_start", "preferred_template")
    per: dict[str, list[Term]] = defaultdict(list)
    for t in [*b.terms, *out]:
        if t.family in wish and t.staff is not None:
            per[t.staff].append(t)
    if not per:
        return
    m = b.model
    m.max_unmet = pyo.Var(domain=pyo.NonNegativeReals)
    for ts in per.values():
        m.rules.add(m.max_unmet >= pyo.quicksum(t.weight * t.count for t in ts))
    out.append(Term("fair_wishes", "largest unmet-wish penalty of one person",
                    pen.fair_wishes, m.max_unmet))


def _coverage(b: BuiltDayModel, opts: list[_Opt], dates: list[dt.date],
              day_pos: Mapping[dt.date, int], n: int, fmin: int, req: np.ndarray,
              pen: AgentPenalties, out: list[Term]) -> int:
    keys = [(d, o) for (d, o) in b._by_do if o < len(opts)]
    add_coverage(b.model, b.model.rules, keys, opts, dates, day_pos, fmin, req, pen, out,
                 link=b.count)
    return len(keys)


def phone_intervals(op: _Opt, fmin: int) -> int:
    """Intervals a shift option is on the phone (its span less its breaks)."""
    return (op.span_min - sum(br.duration_min for br in op.template.breaks)) // fmin


def _targets(b: BuiltDayModel, opts: list[_Opt], targets: Mapping[tuple[int, int], int],
             fmin: int, pen: AgentPenalties, out: list[Term]) -> None:
    """Soft rows ``sum_e x[e, d, o] + short - extra = target[d, o]``; a missing (extra) shift
    costs the under (over) weight for each of its intervals on the phone."""
    m = b.model
    keys = sorted({k for k in b._by_do if k[1] < len(opts)} | {k for k, v in targets.items()
                                                                  if v > 0})
    m.T = pyo.Set(initialize=keys, dimen=2, ordered=True)
    m.short = pyo.Var(m.T, domain=pyo.NonNegativeReals)
    m.extra = pyo.Var(m.T, domain=pyo.NonNegativeReals)
    under, over = [], []
    for d, o in keys:
        m.rules.add(b.count(d, o) + m.short[d, o] - m.extra[d, o]
                    == float(targets.get((d, o), 0)))
        k = phone_intervals(opts[o], fmin)
        under.append(k * m.short[d, o])
        over.append(k * m.extra[d, o])
    out.append(Term("cover_under", "target shifts missing (agent-intervals)",
                    pen.under_per_agent_interval, pyo.quicksum(under)))
    out.append(Term("cover_over", "shifts beyond the targets (agent-intervals)",
                    pen.over_per_agent_interval, pyo.quicksum(over)))


def add_coverage(m: pyo.ConcreteModel, rules: Any, keys: Sequence[tuple[int, int]],
                 opts: Sequence[_Opt], dates: Sequence[dt.date],
                 day_pos: Mapping[dt.date, int], fmin: int, req: np.ndarray,
                 pen: AgentPenalties, out: list[Term], *,
                 link: Any = None) -> None:
    """Interval coverage with aggregated breaks on ``m``: integer ``n[d, o]`` people on option
    ``o`` on day ``d`` (``== link(d, o)`` when given, e.g. the sum of the people's shift
    binaries), integer ``b[d, o, k, off]`` of them taking break ``k`` at offset ``off``
    (``sum_off b = n``), ``under``/``over`` per interval of ``req`` (agents required); adds
    the ``cover_under``/``cover_over`` terms to ``out``."""
    n = len(req)
    plus, minus = on_phone(m, rules, keys, opts, dates, day_pos, fmin, n, link=link)
    m.under = pyo.Var(range(n), domain=pyo.NonNegativeReals)
    m.over = pyo.Var(range(n), domain=pyo.NonNegativeReals)
    for p in range(n):
        if not plus.get(p) and req[p] <= 0:
            m.over[p].fix(0)
            m.under[p].fix(0)
            continue
        rules.add(pyo.quicksum(plus.get(p, [])) - pyo.quicksum(minus.get(p, []))
                  + m.under[p] - m.over[p] == float(req[p]))
    out.append(Term("cover_under", "agent-intervals short", pen.under_per_agent_interval,
                    pyo.quicksum(m.under[p] for p in range(n))))
    out.append(Term("cover_over", "agent-intervals extra", pen.over_per_agent_interval,
                    pyo.quicksum(m.over[p] for p in range(n))))


def on_phone(m: Any, rules: Any, keys: Sequence[tuple[int, int]], opts: Sequence[_Opt],
             dates: Sequence[dt.date], day_pos: Mapping[dt.date, int], fmin: int, n: int, *,
             link: Any = None) -> tuple[dict[int, list[Any]], dict[int, list[Any]]]:
    """The shift counts ``n[d, o]`` and aggregated breaks ``b[d, o, k, off]`` of
    :func:`add_coverage` on ``m`` (a model or a block); returns per interval position the
    counts on shift (``plus``) and the break counts (``minus``): people on the phone at ``p``
    are ``sum(plus[p]) - sum(minus[p])``."""
    plus: dict[int, list[Any]] = defaultdict(list)
    minus: dict[int, list[Any]] = defaultdict(list)
    m.N = pyo.Set(initialize=sorted(keys), dimen=2, ordered=True)
    m.n = pyo.Var(m.N, domain=pyo.NonNegativeIntegers)
    bkeys: list[tuple[int, int, int, int]] = []
    for d, o in m.N:
        op = opts[o]
        if link is not None:
            rules.add(m.n[d, o] == link(d, o))
        p0 = day_pos[dates[d]] + op.start_min // fmin
        for p in range(p0, min(n, p0 + op.span_min // fmin)):
            plus[p].append(m.n[d, o])
        for k, br in enumerate(op.template.breaks):
            for off in range(br.earliest_offset_min, br.latest_offset_min + 1, fmin):
                bkeys.append((d, o, k, off))
    m.B = pyo.Set(initialize=bkeys, dimen=4, ordered=True)
    m.b = pyo.Var(m.B, domain=pyo.NonNegativeIntegers)
    per_break: dict[tuple[int, int, int], list[Any]] = defaultdict(list)
    for d, o, k, off in bkeys:
        per_break[d, o, k].append(m.b[d, o, k, off])
        op = opts[o]
        br = op.template.breaks[k]
        p0 = day_pos[dates[d]] + (op.start_min + off) // fmin
        for p in range(p0, min(n, p0 + br.duration_min // fmin)):
            minus[p].append(m.b[d, o, k, off])
    for (d, o, _k), vs in per_break.items():
        rules.add(pyo.quicksum(vs) == m.n[d, o])
    return plus, minus


def _published_days(published: pd.DataFrame | None, agent: str,
                    dates: list[dt.date]) -> dict[int, tuple[int, int] | None]:
    out: dict[int, tuple[int, int] | None] = {}
    if published is None:
        return out
    rows = published[published["agent"].astype(str) == agent]
    for d, day in enumerate(dates):
        r = rows[rows["date"] == day]
        if r.empty:
            out[d] = None
        else:
            s, e = pd.Timestamp(r["start"].iloc[0]), pd.Timestamp(r["end"].iloc[0])
            out[d] = (s.hour * 60 + s.minute, int((e - s).total_seconds() // 60))
    return out


Published = tuple[str, frozenset[str]] | None
"""A published agent-day: None (off) or (``HH:MM-HH:MM`` label, ids of the options that
reproduce it: same start and span)."""


def _span_label(start_min: int, span_min: int) -> str:
    return f"{_fmt(start_min % 1440)}-{_fmt((start_min + span_min) % 1440)}"


def _changes(b: BuiltDayModel, agents: Sequence[Agent], dates: list[dt.date],
             published: pd.DataFrame | None, option_list: list[ShiftOption],
             pen: AgentPenalties, out: list[Term]) -> dict[tuple[int, int], Published]:
    """Change terms (one per agent-day of the published schedule: working another shift, or
    working on a published day off, costs ``pen.change``); returns the published agent-days."""
    keys: dict[tuple[int, int], Published] = {}
    if published is None:
        return keys
    for e, a in enumerate(agents):
        for d, was in _published_days(published, a.id, dates).items():
            cells = dict(b._by_ed.get((e, d), []))
            if was is None:
                keys[e, d] = None
                if cells:
                    out.append(Term("change", f"day {d}", pen.change,
                                    pyo.quicksum(cells.values()), a.id))
                continue
            match = [o for o, opt in enumerate(option_list) if opt.start_min == was[0]
                     and opt.end_min - opt.start_min == was[1] and o in cells]
            keys[e, d] = (_span_label(*was), frozenset(option_list[o].id for o in match))
            same = pyo.quicksum(cells[o] for o in match) if match else 0
            out.append(Term("change", f"day {d}", pen.change, 1 - same, a.id))
    return keys


def _extract(sol: DaySolution, b: BuiltDayModel, agents: Sequence[Agent], opts: list[_Opt],
             dates: list[dt.date], idx: pd.DatetimeIndex, day_pos: Mapping[dt.date, int],
             fmin: int, owner: Mapping[int, Any] | None = None) -> pd.DataFrame:
    """Shift rows with breaks handed out from the break counts (per skill group's block
    when ``owner`` maps agent indexes to blocks)."""
    cols = ["agent", "name", "date", "start", "end", "template", "breaks", "paid_hours",
            "skills"]
    if not sol.has_solution:
        return pd.DataFrame(columns=cols)
    m = b.model
    oid = {o.id: i for i, o in enumerate(b.problem.options)}
    owner = owner or {}
    queue: dict[tuple[int, int, int, int], list[int]] = {}
    for blk in {id(v): v for v in [m, *owner.values()]}.values():
        for d, o, k, off in (blk.B if hasattr(blk, "B") else ()):  # none in a target model
            cnt = int(round(blk.b[d, o, k, off].value or 0))
            queue.setdefault((id(blk), d, o, k), []).extend([off] * cnt)
    rows = []
    for e, a in enumerate(agents):
        home = id(owner.get(e, m))
        for d, day in enumerate(dates):
            chosen = sol.schedule[a.id][d]
            if chosen is None:
                continue
            o = oid[chosen]
            op = opts[o]
            start = idx[day_pos[day]] + pd.Timedelta(minutes=op.start_min)
            parts = []
            for k, br in enumerate(op.template.breaks):
                q = queue.get((home, d, o, k), [])
                off = q.pop(0) if q else br.earliest_offset_min
                bs = start + pd.Timedelta(minutes=off)
                parts.append(f"{bs:%H:%M}-{bs + pd.Timedelta(minutes=br.duration_min):%H:%M} "
                             f"{br.name}")
            rows.append({"agent": a.id, "name": a.name, "date": day, "start": start,
                         "end": start + pd.Timedelta(minutes=op.span_min),
                         "template": op.template.name, "breaks": "; ".join(parts),
                         "paid_hours": op.paid_min / 60, "skills": skills_text(a)})
    return pd.DataFrame(rows, columns=cols)


def _coverage_frame(shifts: pd.DataFrame, required: pd.Series) -> pd.DataFrame:
    """Scheduled agents per interval recomputed from the shifts and their breaks."""
    idx = required.index
    sched = pd.Series(0.0, index=idx)
    for r in shifts.itertuples(index=False):
        sched[(idx >= r.start) & (idx < r.end)] += 1
        for part in filter(None, str(r.breaks).split("; ")):
            clock = part.split(" ")[0]
            a, _, z = clock.partition("-")
            bs = pd.Timestamp(f"{pd.Timestamp(r.start).date()} {a}").tz_localize(
                idx.tz, ambiguous=False, nonexistent="shift_forward")
            if bs < pd.Timestamp(r.start):
                bs += pd.Timedelta(days=1)
            hh, mm = (int(t) for t in z.split(":"))
            dur = (hh * 60 + mm - (bs.hour * 60 + bs.minute)) % 1440
            sched[(idx >= bs) & (idx < bs + pd.Timedelta(minutes=dur))] -= 1
    req = required.astype(float)
    return pd.DataFrame({"interval_start": idx, "required": req.to_numpy(),
                         "scheduled": sched.to_numpy(),
                         "under": (req - sched).clip(lower=0).to_numpy(),
                         "over": (sched - req).clip(lower=0).to_numpy()})


def _change_frame(sol: DaySolution, b: BuiltDayModel, agents: Sequence[Agent],
                  dates: list[dt.date], keys: Mapping[tuple[int, int], Published]
                  ) -> pd.DataFrame:
    """Agent-days that differ from the published schedule (the same agent-days the change
    terms count): ``published`` and ``new`` as ``HH:MM-HH:MM template`` or ``off``."""
    cols = ["agent", "name", "date", "published", "new"]
    if not keys or not sol.has_solution:
        return pd.DataFrame(columns=cols)
    by_id = {o.id: o for o in b.problem.options}
    rows = []
    for (e, d), was in keys.items():
        a = agents[e]
        now = sol.schedule[a.id][d]
        same = now is None if was is None else now in was[1]
        if not same:
            o = by_id.get(now) if now is not None else None
            new = "off" if o is None else \
                f"{_span_label(o.start_min, o.end_min - o.start_min)} {o.kind}"
            rows.append({"agent": a.id, "name": a.name, "date": dates[d],
                         "published": "off" if was is None else was[0], "new": new})
    return pd.DataFrame(rows, columns=cols)
