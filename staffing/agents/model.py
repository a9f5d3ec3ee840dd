"""The per-person MIP of a :class:`~staffing.agents.problem.DayShiftProblem`, rule family by rule
family (one function each), every soft rule a named :class:`Term` so the penalty report comes
from the model itself.

Variables: ``x[e, d, o]`` binary, person ``e`` works option ``o`` on day ``d`` (only created
where allowed: fixed days off, availability, allowed kinds and successions after the published
history remove columns). ``work[e, d] = sum_o x[e, d, o]``.

Formulation notes
-----------------
- Successions: per (person, day, option ``a``) one row ``x[a] + sum_{b forbidden after a}
  x[next day, b] <= 1`` (tighter than one row per pair, valid because a person works at most
  one option a day). Minimum rest in minutes becomes cliques over the day boundary: for each
  distinct end time ``E`` of day ``d``, the options ending at or after ``E`` and the options of
  day ``d+1`` starting before ``E + rest`` pairwise conflict; these cliques cover exactly the
  conflicting pairs. The same cliques are added between day ``d`` and day ``d + k`` for every
  ``k`` at which some shift could still end less than the rest before another starts (so rest,
  and no overlap, hold between ANY two shifts, e.g. a 14 h night shift and an early shift two
  days later), and after every day of a published history, not only its last.
- Max consecutive ``N``: every window of ``N + 1`` days has at most ``N`` working days.
- Min consecutive ``N`` (work or off): forbid each run of length ``k < N`` bounded on both sides
  (``- s[a-1] + s[a] + ... + s[a+k-1] - s[a+k] <= k - 1``); runs touching the horizon's end, or
  its start when no history is given, are exempt (Curtois & Qu's convention).
- Weekends: binary ``we >= work[d]`` for each day of the weekend, ``sum we <= max``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyomo.environ as pyo

from staffing.agents.problem import DayShiftProblem, StaffRules

__all__ = ["BuiltDayModel", "Term", "build_day_model", "finish_objective"]

Expr = Any  # a Pyomo linear expression, a variable or a number


@dataclass
class Term:
    """A named soft-rule term: ``weight * count`` enters the objective.

    ``count`` is a linear expression in the model's variables (e.g. 1 - x for an unmet on
    request); after a solve its value is the number of violations (or units short/over).
    """

    family: str
    label: str
    weight: float
    count: Expr
    staff: str | None = None


@dataclass
class BuiltDayModel:
    """The Pyomo model and the handles the readers of a solution need."""

    problem: DayShiftProblem
    model: pyo.ConcreteModel
    x: dict[tuple[int, int, int], Any]
    terms: list[Term] = field(default_factory=list)
    weekend_vars: dict[int, list[Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def work(self, e: int, d: int) -> Expr:
        """1 when person ``e`` works on day ``d``: a variable ``w[e, d] = sum_o x[e, d, o]``
        where the day has several options (so day-level rules stay one coefficient a day),
        the single ``x`` where it has one, 0 where it has none."""
        w = self._work.get((e, d))
        if w is not None:
            return w
        cells = self._by_ed.get((e, d), [])
        return cells[0][1] if cells else 0

    def count(self, d: int, o: int) -> Expr:
        """Linear expression: people on option ``o`` on day ``d``."""
        return _sum(self._by_do.get((d, o), []))

    def __post_init__(self) -> None:
        self._by_ed: dict[tuple[int, int], list[tuple[int, Any]]] = defaultdict(list)
        self._by_do: dict[tuple[int, int], list[Any]] = defaultdict(list)
        self._by_e: dict[int, list[tuple[int, int, Any]]] = defaultdict(list)
        self._work: dict[tuple[int, int], Any] = {}
        for (e, d, o), v in self.x.items():
            self._by_ed[e, d].append((o, v))
            self._by_do[d, o].append(v)
            self._by_e[e].append((d, o, v))


def _sum(items: Iterable[Any]) -> Expr:
    items = list(items)
    if not items:
        return 0
    return pyo.quicksum(items)


def _allowed(p: DayShiftProblem, s: StaffRules, d: int) -> list[int]:
    if d in s.days_off:
        return []
    avail = s.available.get(d)
    out = []
    for o, opt in enumerate(p.options):
        if avail is not None and opt.id not in avail:
            continue
        if s.allowed_kinds is not None and opt.kind not in s.allowed_kinds:
            continue
        out.append(o)
    return out


def _conflicts_after(p: DayShiftProblem, rest_min: int, a: int) -> set[int]:
    """Options that may not be worked the day after option ``a`` (explicit or by rest)."""
    oa = p.options[a]
    out = {b for b, ob in enumerate(p.options) if ob.id in oa.forbidden_next}
    if rest_min > 0:
        out |= {b for b, ob in enumerate(p.options)
                if ob.start_min + 1440 - oa.end_min < rest_min}
    return out


def build_day_model(p: DayShiftProblem) -> BuiltDayModel:
    """Build every hard rule and the request/cover terms; :func:`finish_objective` sets the
    objective."""
    m = pyo.ConcreteModel(name=p.name or "agents")
    opt_index = {o.id: i for i, o in enumerate(p.options)}
    keys: list[tuple[int, int, int]] = []
    for e, s in enumerate(p.staff):
        last = s.history[-1] if s.history else None
        banned0 = _conflicts_after(p, s.min_rest_min, opt_index[last]) if last else set()
        hist_ends = [(len(s.history or ()) - j, p.options[opt_index[h]].end_min)
                     for j, h in enumerate(s.history or ()) if h is not None]
        for d in range(p.n_days):
            for o in _allowed(p, s, d):
                if d == 0 and o in banned0:
                    continue
                start = p.options[o].start_min
                # rest after any published shift before the horizon, not only the last day's
                if any(start + 1440 * (back + d) < end + s.min_rest_min
                       for back, end in hist_ends):
                    continue
                keys.append((e, d, o))
    m.X = pyo.Set(initialize=keys, dimen=3, ordered=True)
    m.x = pyo.Var(m.X, domain=pyo.Binary)
    x = {k: m.x[k] for k in keys}
    b = BuiltDayModel(problem=p, model=m, x=x)
    m.rules = pyo.ConstraintList()
    multi = [k for k, cells in b._by_ed.items() if len(cells) > 1]
    m.W = pyo.Set(initialize=sorted(multi), dimen=2, ordered=True)
    m.w = pyo.Var(m.W, bounds=(0, 1))  # w <= 1: at most one option a day
    for e, d in m.W:
        m.rules.add(m.w[e, d] == _sum(v for _o, v in b._by_ed[e, d]))
    b._work = {k: m.w[k] for k in m.W}
    for e, s in enumerate(p.staff):
        _per_kind(b, e, s)
        _minutes(b, e, s)
        _days_per_week(b, e, s)
        _successions(b, e, s)
        seq = _work_sequence(b, e, s)
        _max_consecutive(b, seq, s.max_consecutive, cyclic=p.cyclic)
        _min_run(b, seq, s.min_consecutive, cyclic=p.cyclic)
        _min_run(b, [1 - v for v in seq], s.min_consecutive_off, cyclic=p.cyclic)
        _weekends(b, e, s)
    _requests(b)
    _day_cover(b)
    return b


def finish_objective(b: BuiltDayModel, extra: Sequence[Term] = ()) -> None:
    """Set the objective to the sum of the terms' ``weight * count`` (minimise)."""
    b.terms.extend(extra)
    m = b.model
    if hasattr(m, "obj"):
        m.del_component(m.obj)
    m.obj = pyo.Objective(expr=_sum(t.weight * t.count for t in b.terms if t.weight),
                          sense=pyo.minimize)


def _add(b: BuiltDayModel, expr: Any) -> None:
    if isinstance(expr, bool):
        if not expr:
            b.notes.append("a rule is violated by fixed values (history)")
            b.model.rules.add(pyo.Constraint.Infeasible)
        return
    b.model.rules.add(expr)


def _per_kind(b: BuiltDayModel, e: int, s: StaffRules) -> None:
    for kind, cap in s.max_per_kind.items():
        vs = [v for _d, o, v in b._by_e[e] if b.problem.options[o].kind == kind]
        if len(vs) > cap:
            _add(b, _sum(vs) <= cap)


def _minutes_expr(b: BuiltDayModel, e: int, days: Iterable[int]) -> Expr:
    opts = b.problem.options
    dset = set(days)
    return _sum(opts[o].paid_min * v for d, o, v in b._by_e[e]
                if d in dset and opts[o].paid_min)


def _minutes(b: BuiltDayModel, e: int, s: StaffRules) -> None:
    p = b.problem
    if s.min_total_min > 0 or s.max_total_min is not None:
        tot = _minutes_expr(b, e, range(p.n_days))
        if s.min_total_min > 0:
            _add(b, tot >= s.min_total_min)
        if s.max_total_min is not None:
            _add(b, tot <= s.max_total_min)
    if s.min_week_min > 0 or s.max_week_min is not None:
        for week in p.weeks():
            tot = _minutes_expr(b, e, week)
            if s.min_week_min > 0:
                # a short last week scales the weekly minimum by its share of 7 days
                _add(b, tot >= s.min_week_min * len(week) // 7)
            if s.max_week_min is not None:
                _add(b, tot <= s.max_week_min)


def _days_per_week(b: BuiltDayModel, e: int, s: StaffRules) -> None:
    if s.max_days_per_week is None:
        return
    for week in b.problem.weeks():
        if len(week) > s.max_days_per_week:
            _add(b, _sum(b.work(e, d) for d in week) <= s.max_days_per_week)


def _successions(b: BuiltDayModel, e: int, s: StaffRules) -> None:
    p = b.problem
    explicit = any(o.forbidden_next for o in p.options)
    after = {a: _conflicts_after(p, s.min_rest_min if not explicit else 0, a)
             for a in range(len(p.options))} if explicit else {}
    pairs = [(d, d + 1) for d in range(p.n_days - 1)]
    if p.cyclic and p.n_days > 1:
        pairs.append((p.n_days - 1, 0))  # a rotation: the last day is followed by the first
    for d, d1 in pairs:
        if explicit:
            for a in range(len(p.options)):
                va = b.x.get((e, d, a))
                nxt = [b.x[e, d1, o] for o in sorted(after[a]) if (e, d1, o) in b.x]
                if va is not None and nxt:
                    _add(b, va + _sum(nxt) <= 1)
    # rest (and no overlap) between ANY two shifts: days d and d + k conflict when a shift of
    # day d can end later than rest before one of day d + k starts (k = 1, 2, ...)
    opts = p.options
    if opts:
        latest_end = max(o.end_min for o in opts)
        earliest_start = min(o.start_min for o in opts)
        k = 1
        while k < p.n_days + (p.n_days if p.cyclic else 0) and \
                earliest_start + 1440 * k < latest_end + s.min_rest_min:
            for d in range(p.n_days):
                d1 = d + k
                if d1 >= p.n_days:
                    if not p.cyclic:
                        break
                    d1 %= p.n_days
                    if d1 == d:
                        continue
                _rest_cliques(b, e, d, d1, s.min_rest_min, 1440 * k)
            k += 1


def _rest_cliques(b: BuiltDayModel, e: int, d: int, d1: int, rest_min: int,
                  offset_min: int = 1440) -> None:
    """Cliques forbidding a shift of day ``d1`` (``offset_min`` later) that starts less than
    ``rest_min`` after a shift of day ``d`` ends (overlaps included)."""
    opts = b.problem.options
    today = [(opts[o].end_min, v) for o, v in b._by_ed.get((e, d), [])]
    tomorrow = [(opts[o].start_min + offset_min, v) for o, v in b._by_ed.get((e, d1), [])]
    seen: set[tuple[int, int]] = set()
    for end in sorted({t for t, _ in today}):
        a = [v for t, v in today if t >= end]
        bb = [v for t, v in tomorrow if t < end + rest_min]
        if not bb:
            continue
        sig = (len(a), len(bb))
        if sig in seen:
            continue
        seen.add(sig)
        _add(b, _sum(a) + _sum(bb) <= 1)


def _work_sequence(b: BuiltDayModel, e: int, s: StaffRules) -> list[Expr]:
    hist = [0 if h is None else 1 for h in (s.history or ())]
    return hist + [b.work(e, d) for d in range(b.problem.n_days)]


def _is_const(v: Any) -> bool:
    return isinstance(v, int | float)


def _max_consecutive(b: BuiltDayModel, seq: list[Expr], n: int | None, *,
                     cyclic: bool = False) -> None:
    length = len(seq)
    if n is None or n >= length:
        return
    for a in range(length if cyclic else length - n):
        window = [seq[(a + i) % length] for i in range(n + 1)]
        if all(_is_const(v) for v in window):
            continue
        _add(b, _sum(window) <= n)


def _min_run(b: BuiltDayModel, seq: list[Expr], n: int, *, cyclic: bool = False) -> None:
    """Forbid runs of 1s shorter than ``n`` bounded on both sides; ``seq`` starts with the
    history (if any), so a run touching its first or last position is exempt (a cyclic
    sequence wraps and has no ends)."""
    if n <= 1:
        return
    length = len(seq)
    if cyclic:
        for k in range(1, min(n, length - 1)):
            for a in range(length):
                terms = [seq[(a + i) % length] for i in range(k)]
                _add(b, _sum(terms) - seq[(a - 1) % length] - seq[(a + k) % length] <= k - 1)
        return
    for k in range(1, n):
        for a in range(length - k + 1):
            if a + k >= length:  # run touches the horizon's end: it may continue
                continue
            if a == 0:  # run touches the first known day: it may have started before
                continue
            terms = seq[a:a + k]
            if all(_is_const(v) for v in [*terms, seq[a + k], seq[a - 1]]):
                continue
            _add(b, _sum(terms) - seq[a - 1] - seq[a + k] <= k - 1)


def _weekends(b: BuiltDayModel, e: int, s: StaffRules) -> None:
    p = b.problem
    wes = []
    for days in p.weekend_pairs():
        vs = [b.work(e, d) for d in days]
        if all(_is_const(v) for v in vs):
            continue
        idx = len(b.model.rules) + 1
        var = pyo.Var(domain=pyo.Binary)
        b.model.add_component(f"we_{e}_{days[0]}_{idx}", var)
        for v in vs:
            _add(b, var >= v)
        wes.append(var)
    b.weekend_vars[e] = wes
    if s.max_weekends is not None and len(wes) > s.max_weekends:
        _add(b, _sum(wes) <= s.max_weekends)


def _requests(b: BuiltDayModel) -> None:
    p = b.problem
    eidx = {s.id: i for i, s in enumerate(p.staff)}
    oidx = {o.id: i for i, o in enumerate(p.options)}
    for r in p.requests:
        e = eidx[r.staff]
        if r.option is None:
            worked = b.work(e, r.day)
            what = "day"
        else:
            worked = b.x.get((e, r.day, oidx[r.option]), 0)
            what = f"shift {r.option}"
        if r.on:
            b.terms.append(Term("shift_on_request", f"{what} {r.day} wanted, not given",
                                r.weight, 1 - worked, r.staff))
        else:
            fam = "day_off_wish" if r.option is None else "shift_off_request"
            b.terms.append(Term(fam, f"{what} {r.day} off wanted, worked", r.weight,
                                worked, r.staff))


def _day_cover(b: BuiltDayModel) -> None:
    p = b.problem
    if not p.covers:
        return
    oidx = {o.id: i for i, o in enumerate(p.options)}
    n = len(p.covers)
    m = b.model
    m.cover_under = pyo.Var(range(n), domain=pyo.NonNegativeReals)
    m.cover_over = pyo.Var(range(n), domain=pyo.NonNegativeReals)
    for i, c in enumerate(p.covers):
        cnt = b.count(c.day, oidx[c.option])
        _add(b, cnt + m.cover_under[i] - m.cover_over[i] == c.required)
        b.terms.append(Term("cover_under", f"day {c.day} {c.option} short", c.under_weight,
                            m.cover_under[i]))
        b.terms.append(Term("cover_over", f"day {c.day} {c.option} extra", c.over_weight,
                            m.cover_over[i]))
