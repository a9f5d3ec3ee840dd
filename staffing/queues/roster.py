"""The skills roster: one Pyomo model, solved by HiGHS, for several queues and skill groups.

Formulation
-----------
Each **skill group** ``g`` (anonymous agents with one skill set and its allowed templates) gets
the single-queue roster model of :func:`staffing.roster.build.build_model` as a block: its
shifts, implicit breaks, tours (days off, weekly hours, start band) exactly as a single-queue
roster, built on the same horizon. The block's coverage rows become definitions: ``D[g, t]``
= the group's agents on duty in interval ``t``, breaks excluded. Template headcount caps and
the part-time share apply across all groups (one row each); ``max_headcount`` of a group caps
its people; ``open_hours.min_staff`` applies to the sum over groups (hard).

Linking (the part a single-queue roster does not have):

- **allocation** ``a[g, q, t] >= 0`` (continuous agents): how much on-phone time of group
  ``g`` goes to queue ``q`` in interval ``t``, only for the queues in the group's skills;
- **an agent counts once**: ``sum_q a[g, q, t] <= D[g, t]``; no agent is counted in two
  queues. ``a`` is in agents on duty; on the phone that is ``(1 - shrinkage) a``, so the
  queue rows below compare ``a`` with the need divided by ``1 - shrinkage`` (all linking
  coefficients are +-1, which keeps HiGHS's cuts simple);
- **voice and chat**: ``sum_g a[g, q, t] + under[q, t] >= net[q, t]``, ``net`` the queue's own
  Erlang requirement on the phone (chat: M/M/(k n) with ``concurrency`` k, so an agent
  allocated to chat holds up to k sessions); ``under`` is priced per agent-hour;
- **email** (deferrable): processed ``p[q, t] = sum_g a[g, q, t]`` (agent-intervals of work),
  its running total ``P[q, t]``; ``P[q, t] <= W(t)`` (no work handled before it arrives,
  ``W`` the cumulative workload) and ``P[q, t] + late[q, t] >= share * Due(t)`` (``Due`` the
  cumulative workload whose deadline is at or before ``t``), so the backlog ``W - P`` is
  carried across intervals and days and handled in the valleys of the voice and chat queues
  before its deadline. ``late`` (work past its deadline) is priced like under-staffing. The
  horizon starts with an empty backlog; work due after its end is carried out of the week.

Objective: wages + under-staffing per queue + late email work (currency per horizon).

Multi-skill voice requirements
------------------------------
Each voice/chat queue's requirement is its own Erlang C/A figure (``staffing.requirements``);
the model allocates agent time to meet each queue's figure separately. This *allocation*
approximation ignores the pooling gain of cross-skilled agents serving two queues from one
idle pool (a call of either queue takes whichever skilled agent frees first), so it is
conservative for the service it promises: a pooled pair of queues would meet its goals with
fewer agents than the sum. The multi-queue simulation (:mod:`staffing.queues.simulate`)
routes calls by skill and priority on the roster and measures the per-queue SL actually
reached; ``benchmarks/bench_queues.py`` reports predicted vs simulated SL per queue.
"""

from __future__ import annotations

import dataclasses
import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression

from staffing.exceptions import InputError
from staffing.grid import INDEX_NAME
from staffing.hours import OpenHours
from staffing.queues.spec import SkillGroup
from staffing.queues.start import heuristic_required, skills_start
from staffing.roster import RosterConfig, RosterStatus, SolveProgress, SolverOptions
from staffing.roster.build import BuildCancelled, BuiltModel, build_model, make_horizon
from staffing.roster.highs import HighsRun, StandardForm, compile_pyomo, load
from staffing.roster.result import extract, status_from_highs
from staffing.roster.size import ModelSize, estimate_size

__all__ = ["QueueNeed", "SkillsRosterResult", "estimate_skills_size", "needs_from",
           "solve_skills_roster"]

INF = float("inf")


@dataclass(frozen=True)
class QueueNeed:
    """What one queue needs per interval of the horizon.

    Attributes
    ----------
    name, channel:
        The queue.
    net:
        Voice/chat: agents on the phone required (Erlang, before shrinkage); email: workload
        arriving (agent-intervals of work, i.e. agents for one interval).
    due:
        Email: the last interval position in which each interval's work may be handled.
    handled_share:
        Email: fraction of the work to handle by its deadline.
    under_per_agent_hour:
        Price of one agent-hour short (voice/chat) or of one agent-hour of email work late.
    priority:
        Routing priority (1 first); the constructive start serves queues in this order.
    """

    name: str
    channel: str
    net: np.ndarray
    due: np.ndarray | None = None
    handled_share: float = 1.0
    under_per_agent_hour: float = 160.0
    priority: int = 1

    @property
    def deferrable(self) -> bool:
        """Email / back office."""
        return self.channel == "email"


@dataclass
class SkillsRosterResult:
    """A solved (or failed) skills roster.

    Units: ``objective``/``bound`` currency per horizon (wages + under-staffing + late email
    work), ``cost`` wages only, ``agent_hours`` paid hours, ``gap`` relative, ``build_s`` /
    ``runtime_s`` wall-clock seconds.

    Frames
    ------
    shifts, tours:
        As :class:`~staffing.roster.RosterResult`, with ``group``; agent ids
        ``<group>-A0001``.
    groups:
        ``interval_start, group, on_duty`` (agents on duty net of breaks), ``on_phone``
        (x (1 - shrinkage)), ``allocated`` (sum over queues).
    allocation:
        ``interval_start, group, queue, agents``: on-phone agents of the group given to the
        queue (only non-zero rows).
    queues:
        ``interval_start, queue, channel, required`` (voice/chat: Erlang agents on the phone;
        email: workload arriving), ``allocated``, ``under`` (voice/chat).
    email:
        Per email queue: ``interval_start, arrived, processed, backlog, due_cum``
        (cumulative work due by then), ``processed_cum``, ``late`` (agent-intervals).
    """

    status: RosterStatus
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    build_s: float = 0.0
    runtime_s: float = 0.0
    agent_hours: float = 0.0
    cost: float = 0.0
    shifts: pd.DataFrame = field(default_factory=pd.DataFrame)
    tours: pd.DataFrame = field(default_factory=pd.DataFrame)
    groups: pd.DataFrame = field(default_factory=pd.DataFrame)
    allocation: pd.DataFrame = field(default_factory=pd.DataFrame)
    queues: pd.DataFrame = field(default_factory=pd.DataFrame)
    email: dict[str, pd.DataFrame] = field(default_factory=dict)
    diagnosis: str | None = None
    solver_status: str = ""
    notes: tuple[str, ...] = ()
    size: dict[str, int] = field(default_factory=dict)
    shrinkage: float = 0.0
    skill_groups: tuple[SkillGroup, ...] = ()

    @property
    def has_roster(self) -> bool:
        """True when the result carries a solution."""
        return self.objective is not None

    def on_phone(self) -> pd.DataFrame:
        """On-phone agents per interval (rows) and group (columns)."""
        if self.groups.empty:
            return pd.DataFrame()
        return self.groups.pivot(index="interval_start", columns="group", values="on_phone")

    def summary(self) -> dict[str, Any]:
        """JSON-serialisable summary."""

        def num(x: float | None) -> float | None:
            return None if x is None or not math.isfinite(x) else float(x)

        per_group = {}
        if not self.tours.empty:
            per_group = {str(k): int(v) for k, v in self.tours.groupby("group").size().items()}
        under = {}
        if not self.queues.empty:
            under = {str(k): float(v) for k, v in
                     self.queues.groupby("queue", sort=False)["under"].sum().items()}
        late = {k: float(v["late"].max()) if len(v) else 0.0 for k, v in self.email.items()}
        return {
            "status": self.status.value, "solver_status": self.solver_status,
            "objective": num(self.objective), "bound": num(self.bound), "gap": num(self.gap),
            "build_s": round(self.build_s, 4), "runtime_s": round(self.runtime_s, 4),
            "agent_hours": float(self.agent_hours), "cost": float(self.cost),
            "agents": int(sum(per_group.values())), "agents_per_group": per_group,
            "under_agent_intervals": under, "email_late_agent_intervals": late,
            "size": dict(self.size), "diagnosis": self.diagnosis, "notes": list(self.notes),
        }


@dataclass
class _Block:
    group: SkillGroup
    built: BuiltModel
    off: int
    duty_cols: list[np.ndarray]  # per interval: block columns (global) of D[g, t]
    duty_vals: list[np.ndarray]
    reach: np.ndarray


def _group_config(config: RosterConfig, group: SkillGroup, keep_floor: bool,
                  users: Mapping[str, int]) -> RosterConfig:
    """The group's roster config. Its rows for headcount caps, the part-time share and the
    minimum staff are not used by the combined model (those apply across groups); they only
    steer the constructive start: each template cap split evenly over the groups using the
    template (``users``), the share kept per group (which implies it overall) and the
    minimum staff carried by one group (``keep_floor``)."""
    names = group.templates or tuple(t.name for t in config.templates)
    tpls = []
    for name in names:
        t = config.template(name)
        cap = None if t.max_headcount is None else t.max_headcount // max(users[name], 1)
        tpls.append(dataclasses.replace(t, max_headcount=cap))
    hours = config.open_hours
    if hours is not None and not keep_floor:
        hours = OpenHours(tuple(dataclasses.replace(d, min_staff=0) for d in hours.days))
    return RosterConfig(tuple(tpls), config.rules, config.penalties, hours)


def _block(index: pd.DatetimeIndex, config: RosterConfig, group: SkillGroup, off: int,
           cancel: threading.Event | None, aim: np.ndarray, keep_floor: bool,
           users: Mapping[str, int]) -> _Block:
    """The group's single-queue roster model; ``aim`` (agents on duty, a heuristic) only
    steers the constructive start: the block's coverage rows become the on-duty
    definitions."""
    cfg = _group_config(config, group, keep_floor, users)
    h = make_horizon(pd.Series(aim, index=index), cfg)
    built = build_model(h, cfg, cancel=cancel)
    form = built.form
    assert form is not None
    n = h.n
    fixed = set(range(built.under0, built.under0 + n)) | set(range(built.over0, built.over0 + n))
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    for r in form.rows_of("coverage").tolist():
        a, b = form.indptr[r], form.indptr[r + 1]
        c, v = form.indices[a:b], form.data[a:b]
        keep = np.array([j not in fixed for j in c.tolist()], dtype=bool)
        cols.append(c[keep] + off)
        vals.append(v[keep])
    reach = np.array([len(c) > 0 for c in cols])
    return _Block(group, built, off, cols, vals, reach)


class _Rows:
    """Rows of the linking families, collected as (family, cols, vals, lb, ub)."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, np.ndarray, np.ndarray, float, float]] = []

    def add(self, family: str, cols: Sequence[int] | np.ndarray,
            vals: Sequence[float] | np.ndarray, lb: float, ub: float) -> None:
        self.rows.append((family, np.asarray(cols, dtype=np.int64),
                          np.asarray(vals, dtype=float), float(lb), float(ub)))


def solve_skills_roster(
    index: pd.DatetimeIndex,
    needs: Sequence[QueueNeed],
    groups: Sequence[SkillGroup],
    config: RosterConfig,
    options: SolverOptions | None = None,
    *,
    shrinkage: float = 0.0,
    progress: Callable[[SolveProgress], None] | None = None,
    cancel: threading.Event | None = None,
) -> SkillsRosterResult:
    """Build and solve the skills roster (module doc).

    Parameters
    ----------
    index:
        Interval starts of the horizon (whole local days, at most a week).
    needs:
        One :class:`QueueNeed` per queue, arrays over ``index``.
    groups:
        Skill groups; every queue must be in some group's skills.
    config:
        Templates, rules, penalties and open hours (as a single-queue roster).
    options:
        HiGHS options; ``time_limit_s`` covers build and solve.
    shrinkage:
        Fraction of on-duty time off the phone, in [0, 1).
    """
    options = options or SolverOptions()
    if not 0.0 <= shrinkage < 1.0:
        raise InputError("shrinkage", shrinkage, "a fraction in [0, 1)")
    names = [q.name for q in needs]
    n = len(index)
    for q in needs:
        if len(q.net) != n:
            raise InputError(f"queues.{q.name}.net", len(q.net), f"{n} intervals")
        if q.deferrable and (q.due is None or len(q.due) != n):
            raise InputError(f"queues.{q.name}.due", None, f"{n} due positions")
    for g in groups:
        for s in g.skills:
            if s not in names:
                raise InputError(f"groups.{g.name}.skills", s, f"one of the queues {names}")
    t0 = time.perf_counter()
    try:
        blocks: list[_Block] = []
        off = 0
        # the model counts agents on duty: needs / (1 - shrinkage), all coefficients +-1
        duty_needs = [dataclasses.replace(q, net=q.net / (1.0 - shrinkage)) for q in needs]
        aims = heuristic_required(duty_needs, groups, 0.0)
        floor_in = next((i for i, g in enumerate(groups) if not g.templates), 0)
        users = {t.name: sum(1 for g in groups if not g.templates or t.name in g.templates)
                 for t in config.templates}
        for gi, (g, aim) in enumerate(zip(groups, aims, strict=True)):
            b = _block(pd.DatetimeIndex(index), config, g, off, cancel, aim, gi == floor_in,
                       users)
            blocks.append(b)
            off += b.built.n_cols
        form, col_meta = _assemble(blocks, duty_needs, config, off, n)
        model = _pyomo_model(form)
        if cancel is not None and cancel.is_set():
            raise BuildCancelled
        notes: tuple[str, ...] = tuple(dict.fromkeys(x for b in blocks for x in b.built.notes))
        try:
            compiled = compile_pyomo(model, form.n_cols)
        except Exception as exc:  # noqa: BLE001 - same fallback as staffing.roster.solve
            compiled = form
            notes += (f"Pyomo's LinearStandardFormCompiler failed ({type(exc).__name__}); "
                      "loaded the builder's rows, the same model",)
        h = load(compiled)
    except BuildCancelled:
        return SkillsRosterResult(RosterStatus.CANCELLED, build_s=time.perf_counter() - t0,
                                  solver_status="cancelled during build")
    build_s = time.perf_counter() - t0
    size = {"columns": int(form.n_cols), "rows": int(form.n_rows),
            "integer_columns": int(form.integer.sum()), "nonzeros": int(len(form.data))}
    diagnosis = _diagnose_reach(blocks, config, index)
    if diagnosis is not None:
        return SkillsRosterResult(RosterStatus.INFEASIBLE, build_s=build_s, diagnosis=diagnosis,
                                  solver_status="precheck", notes=notes, size=size,
                                  shrinkage=shrinkage)
    start_x = skills_start(blocks, duty_needs, col_meta, form, 0.0,
                           [q.priority for q in needs])
    build_s = time.perf_counter() - t0
    if start_x is None:
        notes += ("no constructive start (a hard rule across groups); HiGHS starts cold",)
    left = float(options.time_limit_s) - build_s
    run = HighsRun(h, time_limit_s=max(left, 1e-3), mip_rel_gap=options.mip_rel_gap,
                   threads=None if options.threads is None else int(options.threads),
                   extra=dict(options.extra))
    start = time.perf_counter()

    def report(obj: float | None, bound: float | None) -> None:
        if progress is not None:
            progress(SolveProgress(obj, bound, _gap(obj, bound), time.perf_counter() - start))

    if start_x is not None:
        run.set_start(*start_x)
        report(start_x[1], None)
    out = run.run(report=report if progress is not None else None, cancel=cancel)
    if out.source == "start":
        notes += ("HiGHS found nothing better than the constructive start in time",)
    status = status_from_highs(out.model_status, out.values is not None)
    res = SkillsRosterResult(status, build_s=build_s, runtime_s=out.runtime_s,
                             solver_status=out.model_status,
                             notes=notes + ((out.note,) if out.note else ()), size=size,
                             shrinkage=shrinkage)
    if status is RosterStatus.INFEASIBLE:
        res.diagnosis = ("The hard rules (minimum staff, headcount caps, weekly rules) cannot "
                         "all hold with these templates and groups")
        return res
    if out.values is None or out.objective is None:
        return res
    res.skill_groups = tuple(groups)
    res.objective, res.bound = out.objective, out.bound
    res.gap = _gap(out.objective, out.bound)
    _read(res, blocks, needs, col_meta, out.values, pd.DatetimeIndex(index), shrinkage)
    return res


def _gap(obj: float | None, bound: float | None) -> float | None:
    if obj is None or bound is None or not np.isfinite(obj) or not np.isfinite(bound):
        return None
    if abs(obj) < 1e-9:
        return 0.0 if abs(bound) < 1e-9 else float("inf")
    return max(0.0, (obj - bound) / abs(obj))


@dataclass
class _Meta:
    alloc: dict[tuple[int, int], tuple[int, np.ndarray]] = field(default_factory=dict)
    under: dict[int, tuple[int, np.ndarray]] = field(default_factory=dict)
    cum: dict[int, int] = field(default_factory=dict)
    late: dict[int, int] = field(default_factory=dict)


def _assemble(blocks: list[_Block], needs: Sequence[QueueNeed], config: RosterConfig,
              ncol0: int, n: int) -> tuple[StandardForm, _Meta]:
    """The combined standard form; ``needs`` in agents on duty (allocation columns count
    on-duty agents, so every linking coefficient is +-1)."""
    fmin = blocks[0].built.horizon.freq_min
    hours = fmin / 60
    cost: list[np.ndarray] = []
    lb: list[np.ndarray] = []
    ub: list[np.ndarray] = []
    integer: list[np.ndarray] = []
    for b in blocks:
        f = b.built.form
        assert f is not None
        c = f.cost.copy()
        u = f.col_ub.copy()
        for k0 in (b.built.under0, b.built.over0):
            c[k0:k0 + n] = 0.0
            u[k0:k0 + n] = 0.0
        cost.append(c)
        lb.append(f.col_lb)
        ub.append(u)
        integer.append(f.integer)
    ncol = ncol0
    meta = _Meta()

    def alloc(k: int, price: float = 0.0, lo: float = 0.0) -> int:
        nonlocal ncol
        s = ncol
        ncol += k
        cost.append(np.full(k, price))
        lb.append(np.full(k, lo))
        ub.append(np.full(k, INF))
        integer.append(np.zeros(k, dtype=bool))
        return s

    active: dict[int, np.ndarray] = {}
    for qi, q in enumerate(needs):
        anyreach = np.zeros(n, dtype=bool)
        for b in blocks:
            if q.name in b.group.skills:
                anyreach |= b.reach
        active[qi] = anyreach if q.deferrable else np.nonzero(q.net > 1e-9)[0]
        if q.deferrable:
            active[qi] = np.nonzero(anyreach)[0]
    for gi, b in enumerate(blocks):
        for qi, q in enumerate(needs):
            if q.name not in b.group.skills:
                continue
            ts = active[qi][b.reach[active[qi]]]
            meta.alloc[(gi, qi)] = (alloc(len(ts)), ts)
    rows = _Rows()
    for qi, q in enumerate(needs):
        price = q.under_per_agent_hour * hours
        if not q.deferrable:
            ts = active[qi]
            u0 = alloc(len(ts), price)
            meta.under[qi] = (u0, ts)
            pos = {int(t): k for k, t in enumerate(ts.tolist())}
            cols: list[list[int]] = [[u0 + k] for k in range(len(ts))]
            for (_gi, qj), (a0, ats) in meta.alloc.items():
                if qj != qi:
                    continue
                for k, t in enumerate(ats.tolist()):
                    cols[pos[t]].append(a0 + k)
            for k, t in enumerate(ts.tolist()):
                rows.add("queue_cover", cols[k], np.ones(len(cols[k])), float(q.net[t]), INF)
        else:
            assert q.due is not None
            c0 = alloc(n)  # P[t], cumulative processed
            l0 = alloc(n, price)  # late[t]
            meta.cum[qi], meta.late[qi] = c0, l0
            per_t: list[list[int]] = [[] for _ in range(n)]
            for (_gi, qj), (a0, ats) in meta.alloc.items():
                if qj != qi:
                    continue
                for k, t in enumerate(ats.tolist()):
                    per_t[t].append(a0 + k)
            arrived = np.cumsum(q.net)
            due_w = np.zeros(n)
            d = np.asarray(q.due, dtype=np.int64)
            inside = d < n
            np.add.at(due_w, d[inside], q.net[inside])
            due_cum = np.cumsum(due_w)
            for t in range(n):
                cols_t = [c0 + t, *per_t[t]] + ([c0 + t - 1] if t else [])
                vals_t = [1.0] + [-1.0] * len(per_t[t]) + ([-1.0] if t else [])
                rows.add("email_flow", cols_t, vals_t, 0.0, 0.0)
                rows.add("email_arrived", [c0 + t], [1.0], -INF, float(arrived[t]))
                if due_cum[t] > 0:
                    rows.add("email_deadline", [c0 + t, l0 + t], [1.0, 1.0],
                             float(q.handled_share * due_cum[t]), INF)
    # an agent counts once: sum_q a[g, q, t] <= D[g, t]
    for gi, b in enumerate(blocks):
        per_t = [[] for _ in range(n)]
        for (gj, _qi), (a0, ats) in meta.alloc.items():
            if gj != gi:
                continue
            for k, t in enumerate(ats.tolist()):
                per_t[t].append(a0 + k)
        for t in range(n):
            if not per_t[t]:
                continue
            rows.add("capacity", np.concatenate([np.array(per_t[t]), b.duty_cols[t]]),
                     np.concatenate([np.ones(len(per_t[t])), -b.duty_vals[t]]), -INF, 0.0)
    # minimum staff across groups
    floor = _floor(config, blocks[0].built.horizon.index)
    for t in np.nonzero(floor > 0)[0].tolist():
        fc = np.concatenate([b.duty_cols[t] for b in blocks])
        if len(fc):
            rows.add("min_staff", fc, np.concatenate([b.duty_vals[t] for b in blocks]),
                     float(floor[t]), INF)
    # people: template caps and the part-time share across groups, group caps
    shares = config.rules.part_time_share_max
    y_all: list[tuple[np.ndarray, str]] = []
    for b in blocks:
        cfg = b.built.config
        ys: list[np.ndarray] = []
        for cl in b.built.classes:
            cols_c = b.off + cl.y0 + np.arange(len(cl.patterns))
            y_all.append((cols_c, cfg.templates[cl.template].name))
            ys.append(cols_c)
        if b.group.max_headcount is not None and ys:
            cc = np.concatenate(ys)
            rows.add("people", cc, np.ones(len(cc)), -INF, float(b.group.max_headcount))
    for t in config.templates:
        if t.max_headcount is None:
            continue
        cap_cols = [c for c, name in y_all if name == t.name]
        if cap_cols:
            cat = np.concatenate(cap_cols)
            rows.add("people", cat, np.ones(len(cat)), -INF, float(t.max_headcount))
    part = {t.name for t in config.templates if t.part_time}
    if shares < 1 and part and y_all:
        cat = np.concatenate([c for c, _ in y_all])
        coef = np.concatenate([np.full(len(c), (1.0 - shares) if name in part else -shares)
                               for c, name in y_all])
        rows.add("people", cat, coef, -INF, 0.0)
    return _form(blocks, rows, np.concatenate(cost), np.concatenate(lb), np.concatenate(ub),
                 np.concatenate(integer)), meta


def _form(blocks: list[_Block], rows: _Rows, cost: np.ndarray, lb: np.ndarray, ub: np.ndarray,
          integer: np.ndarray) -> StandardForm:
    """Block rows (breaks, tours; shifted) followed by the linking rows, as CSR (the blocks'
    coverage rows are the on-duty definitions, their minimum-staff and people rows are
    replaced by rows across groups)."""
    cols_l: list[np.ndarray] = []
    vals_l: list[np.ndarray] = []
    rlb: list[float] = []
    rub: list[float] = []
    fam: list[str] = []
    idx: list[int] = []
    count: dict[str, int] = {}

    def push(name: str, c: np.ndarray, v: np.ndarray, lo: float, hi: float) -> None:
        order = np.argsort(c, kind="stable")
        cols_l.append(c[order])
        vals_l.append(v[order])
        rlb.append(lo)
        rub.append(hi)
        fam.append(name)
        idx.append(count.get(name, 0))
        count[name] = count.get(name, 0) + 1

    for gi, b in enumerate(blocks):
        f = b.built.form
        assert f is not None
        for r in range(f.n_rows):
            family = str(f.row_family[r])
            if family in ("coverage", "min_staff", "service", "people"):
                continue
            a, e = f.indptr[r], f.indptr[r + 1]
            push(f"g{gi}_{family}", f.indices[a:e] + b.off, f.data[a:e], float(f.row_lb[r]),
                 float(f.row_ub[r]))
    for name, c, v, lo, hi in rows.rows:
        push(name, c, v, lo, hi)
    lens = np.fromiter((len(c) for c in cols_l), dtype=np.int64, count=len(cols_l))
    indptr = np.concatenate([[0], np.cumsum(lens)]).astype(np.int64)
    return StandardForm(cost.astype(float), lb.astype(float), ub.astype(float),
                        integer.astype(bool), indptr,
                        np.concatenate(cols_l) if cols_l else np.zeros(0, np.int64),
                        np.concatenate(vals_l) if vals_l else np.zeros(0),
                        np.array(rlb), np.array(rub), np.array(fam, dtype=object),
                        np.array(idx, dtype=np.int64))


def _pyomo_model(form: StandardForm) -> pyo.ConcreteModel:
    """The Pyomo model of the standard form: one indexed variable ``v`` and one indexed
    constraint per row family (``g0_breaks``, ``g0_tours``, ``capacity``, ``queue_cover``,
    ``email_flow``, ``email_deadline``, ``min_staff``, ``people``, ...)."""
    ncol = form.n_cols
    m = pyo.ConcreteModel(name="skills_roster")
    m.C = pyo.RangeSet(0, ncol - 1)
    ints = form.integer.tolist()
    lo, hi = form.col_lb.tolist(), form.col_ub.tolist()
    m.v = pyo.Var(m.C, bounds=lambda _m, j: (None if lo[j] == -INF else lo[j],
                                             None if hi[j] == INF else hi[j]),
                  within=lambda _m, j: pyo.Integers if ints[j] else pyo.Reals)
    v = [m.v[j] for j in range(ncol)]
    nz = np.nonzero(form.cost)[0]
    m.obj = pyo.Objective(expr=LinearExpression(
        constant=0.0, linear_coefs=form.cost[nz].tolist(), linear_vars=[v[j] for j in nz]),
        sense=pyo.minimize)
    families: dict[str, list[int]] = {}
    for r, name in enumerate(form.row_family.tolist()):
        families.setdefault(str(name), []).append(r)
    for name, rs in families.items():

        def rule(_m: pyo.ConcreteModel, k: int, rs: list[int] = rs) -> object:
            r = rs[k]
            a, b = form.indptr[r], form.indptr[r + 1]
            expr = LinearExpression(constant=0.0, linear_coefs=form.data[a:b].tolist(),
                                    linear_vars=[v[j] for j in form.indices[a:b].tolist()])
            rl, ru = float(form.row_lb[r]), float(form.row_ub[r])
            if rl == ru:
                return expr == rl
            if rl == -INF:
                return expr <= ru
            if ru == INF:
                return expr >= rl
            return (rl, expr, ru)

        m.add_component(name, pyo.Constraint(range(len(rs)), rule=rule))
    return m


def _floor(config: RosterConfig, index: pd.DatetimeIndex) -> np.ndarray:
    """``open_hours.min_staff`` per interval (-1 closed or no open hours)."""
    if config.open_hours is None:
        return np.full(len(index), -1, dtype=int)
    return np.asarray(config.open_hours.min_staff(index))


def _diagnose_reach(blocks: list[_Block], config: RosterConfig,
                    index: pd.DatetimeIndex) -> str | None:
    floor = _floor(config, index)
    reach = np.zeros(len(index), dtype=bool)
    for b in blocks:
        reach |= b.reach
    miss = (floor > 0) & ~reach
    if not miss.any():
        return None
    first = index[int(np.argmax(miss))]
    return (f"Hard rule conflict: open_hours.min_staff applies in {int(miss.sum())} intervals "
            f"no group's templates can cover (first {first:%a %Y-%m-%d %H:%M}); add or widen "
            f"a template, or lower open_hours.min_staff there")


def _read(res: SkillsRosterResult, blocks: list[_Block], needs: Sequence[QueueNeed],
          meta: _Meta, values: np.ndarray, index: pd.DatetimeIndex, shrinkage: float) -> None:
    n = len(index)
    shifts, tours, gframes = [], [], []
    hours = cost = 0.0
    allocated_g = {gi: np.zeros(n) for gi in range(len(blocks))}
    alloc_rows = []
    per_queue = {qi: np.zeros(n) for qi in range(len(needs))}
    for (gi, qi), (a0, ts) in meta.alloc.items():
        a = np.maximum(values[a0:a0 + len(ts)], 0.0) * (1.0 - shrinkage)  # on the phone
        allocated_g[gi][ts] += a
        per_queue[qi][ts] += a
        keep = a > 1e-9
        alloc_rows.append(pd.DataFrame({"interval_start": index[ts[keep]],
                                        "group": blocks[gi].group.name,
                                        "queue": needs[qi].name, "agents": a[keep]}))
    for gi, b in enumerate(blocks):
        vals = values[b.off:b.off + b.built.n_cols]
        sh, to, cov, ah, co = extract(b.built, vals)
        name = b.group.name
        for frame in (sh, to):
            frame.insert(1, "group", name)
            frame["agent"] = name + "-" + frame["agent"].astype(str)
        shifts.append(sh)
        tours.append(to)
        hours += ah
        cost += co
        duty = cov["scheduled"].to_numpy(float)
        gframes.append(pd.DataFrame({"interval_start": index, "group": name, "on_duty": duty,
                                     "on_phone": duty * (1.0 - shrinkage),
                                     "allocated": allocated_g[gi]}))
    res.shifts = pd.concat(shifts, ignore_index=True)
    res.tours = pd.concat(tours, ignore_index=True)
    res.groups = pd.concat(gframes, ignore_index=True)
    res.allocation = (pd.concat(alloc_rows, ignore_index=True) if alloc_rows else
                      pd.DataFrame(columns=["interval_start", "group", "queue", "agents"]))
    res.agent_hours, res.cost = hours, cost
    qframes = []
    for qi, q in enumerate(needs):
        got = per_queue[qi]
        under = (np.zeros(n) if q.deferrable else np.maximum(q.net - got, 0.0))
        qframes.append(pd.DataFrame({"interval_start": index, "queue": q.name,
                                     "channel": q.channel, "required": q.net,
                                     "allocated": got, "under": under}))
        if q.deferrable:
            assert q.due is not None
            d = np.asarray(q.due, dtype=np.int64)
            due_w = np.zeros(n)
            np.add.at(due_w, d[d < n], q.net[d < n])
            arrived = np.cumsum(q.net)
            done = np.cumsum(got)
            res.email[q.name] = pd.DataFrame({
                INDEX_NAME: index, "arrived": q.net, "processed": got,
                "backlog": np.maximum(arrived - done, 0.0), "due_cum": np.cumsum(due_w),
                "processed_cum": done,
                "late": np.maximum(q.handled_share * np.cumsum(due_w) - done, 0.0)})
    res.queues = pd.concat(qframes, ignore_index=True)


def needs_from(demand: Mapping[str, Any], config: RosterConfig,
               freq: pd.Timedelta) -> list[QueueNeed]:
    """:class:`QueueNeed` per queue from :func:`staffing.queues.demand.queue_demand`; a
    queue without ``under_per_agent_hour`` is priced by ``[penalties]``."""
    out = []
    h = freq.total_seconds() / 3600
    default = config.penalties.per_interval(h)[0] / h
    for name, d in demand.items():
        spec = d.spec
        price = spec.under_per_agent_hour
        if price is None:
            price = default
        req = d.requirements
        if spec.deferrable:
            assert spec.deferred is not None
            out.append(QueueNeed(name, spec.channel, req["workload"].to_numpy(float),
                                 req["due"].to_numpy(np.int64), spec.deferred.handled_share,
                                 float(price), spec.priority))
        else:
            out.append(QueueNeed(name, spec.channel, req["agents_net"].to_numpy(float),
                                 None, 1.0, float(price), spec.priority))
    return out


def estimate_skills_size(index: pd.DatetimeIndex, groups: Sequence[SkillGroup],
                         config: RosterConfig, n_queues: int) -> ModelSize:
    """Columns, rows and non-zeros of the skills roster, estimated without building it: the
    groups' roster blocks (:func:`staffing.roster.size.estimate_size`) plus at most one
    allocation column per group, skill and interval, one under-staffing column and cover row
    per queue and interval, one capacity row per group and interval."""
    n = len(index)
    cols = ints = rows = nz = 0
    users = {t.name: sum(1 for g in groups if not g.templates or t.name in g.templates)
             for t in config.templates}
    for g in groups:
        cfg = _group_config(config, g, True, users)
        s = estimate_size(make_horizon(pd.Series(0.0, index=index), cfg), cfg)
        alloc = len(g.skills) * n
        cols += s.variables + alloc
        ints += s.integer_variables
        rows += s.constraints + n
        nz += s.nonzeros + 2 * alloc
    cols += 3 * n * n_queues
    rows += 3 * n * n_queues
    nz += 4 * n * n_queues
    return ModelSize(cols, ints, rows, nz)
