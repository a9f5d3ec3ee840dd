"""The roster MIP as one Pyomo model, built from numpy index arithmetic.

Formulation (what is exact, what is restricted)
-----------------------------------------------
Time is the requirement's grid: ``N`` intervals of the planning horizon (whole local days, up to
a week), indexed by absolute position, so DST days (92/100 quarter-hours) need no special case.
Shifts and breaks that run past the end of the horizon wrap cyclically to its start (a weekly
roster repeats), which also covers shifts crossing midnight.

- **Shift variables** ``x[g, i]`` (integer): number of shifts of *group* ``g`` = (template, paid
  length, day) starting at the group's ``i``-th allowed start. Span = paid + unpaid breaks.
- **Breaks, implicit (Bechtold & Jacobs 1990)**: per group and break rule, integer
  ``w[g, k, j]`` = breaks of rule ``k`` *starting* at position ``j``, aggregated over the
  group's shifts. All shifts of a group share the same offsets, so their break windows are
  ordered ("no extraordinary overlap") and the forward/backward constraints
  ``S_i <= W_{last(i)}`` and ``W_{first(i)-1} <= S_{i-1}`` (``S``, ``W`` prefix sums, kept as
  continuous chain variables so each row has 2-3 non-zeros) plus ``S_m = W_J`` are *exactly*
  Hall's condition: the aggregated breaks can always be handed out to individual shifts, each
  inside its own window. The hand-out is the sorted (earliest-deadline) matching in
  :mod:`staffing.roster.result`. We chose the implicit form over explicit per-shift break
  variables (Aykin 1996) because it needs ``starts + window`` break columns per group instead of
  ``starts x window`` and gives the same coverage. ``min_gap_min`` is exact by construction:
  successive break windows are validated to be at least that far apart (Aykin's assumption).
- **Tours (days off, weekly hours, start band)**: integer ``y[c, p]`` = people of *tour class*
  ``c`` = (template, paid length, start band) working days-off pattern ``p``; a pattern has the
  template's ``workdays`` on its allowed days and a block of at least ``consecutive_days_off``
  days off (cyclic). A person keeps one template and one paid length all week, so weekly paid
  hours = ``workdays * length`` and the min/max weekly hours rule is exact (lengths outside it
  are not offered). Linking: shifts of a group equal the people of its classes working that day.
  With a start band of width ``W`` the group's shifts are split (continuous ``u``; a transport
  problem with integer margins, so an integral split exists and is recovered by Glover's greedy)
  into bands ``[b, b + W]`` whose starts ``b`` are the template's allowed starts stepped by
  ``band_step_min`` (default: the start step, which makes the band rule exact; a coarser
  step is a restriction that can only cost optimality, never validity).
- **Coverage, soft**: ``sum x - sum w + under - over = required`` per interval; ``under`` and
  ``over`` are continuous and priced by :class:`~staffing.roster.templates.Penalties`; with
  ``under_tier_*`` ``under`` is the sum of capped tier columns priced ever higher (family
  ``tiers``), a convex penalty: one deep hole costs more than many shallow ones.
- **Hard rules**: minimum staff in open hours as ``under - over <= required - min_staff``
  (i.e. scheduled >= min_staff), headcount per template, part-time share of people.
- **Objective** (currency per horizon): wages ``cost_per_hour * paid hours`` + penalties.

Every group/rule is generated with numpy arrays; the Pyomo model uses one indexed variable and
indexed constraints over ``LinearExpression`` rows, so building a 15-minute week takes well
under a second.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression

from staffing.exceptions import InputError
from staffing.grid import INDEX_NAME
from staffing.roster.highs import StandardForm
from staffing.roster.overflow import OverflowLayout, OverflowLevels, add_overflow, overflow_costs
from staffing.roster.service import ServiceCurve
from staffing.roster.templates import RosterConfig, ShiftTemplate

__all__ = ["FAMILIES", "BuildCancelled", "BuiltModel", "Horizon", "build_model",
           "make_horizon"]

#: Constraint families, in the order the model declares them (one Pyomo component each).
FAMILIES = ("coverage", "min_staff", "breaks", "tours", "people", "service", "tiers",
            "overflow")
Row = tuple[np.ndarray, np.ndarray, float, float]  # columns, coefficients, lb, ub


class BuildCancelled(Exception):
    """The cancel event was set while the model was being built.

    ``rows`` is the model without its Pyomo form when the cancel came after the rows were
    made (enough for the constructive start), else None."""

    def __init__(self, rows: BuiltModel | None = None) -> None:
        super().__init__("cancelled while building the roster model")
        self.rows = rows


def _check(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise BuildCancelled

_DAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class Horizon:
    """The planning grid derived from the requirement series."""

    index: pd.DatetimeIndex
    freq: pd.Timedelta
    dates: tuple[dt.date, ...]
    required: np.ndarray
    min_staff: np.ndarray  # -1 closed / no open hours given, else floor (agents)

    @property
    def n(self) -> int:
        """Number of intervals."""
        return len(self.index)

    @property
    def freq_min(self) -> int:
        """Interval length in minutes."""
        return int(self.freq.total_seconds() // 60)

    def position(self, ts: pd.Timestamp) -> int:
        """Absolute interval position of a timestamp relative to the first interval."""
        return int((ts - self.index[0]) // self.freq)


def make_horizon(required: pd.Series, config: RosterConfig) -> Horizon:
    """Validate the requirement series and derive the grid.

    ``required`` holds agents required per interval (floats allowed), indexed by tz-aware
    interval starts covering whole local days (1..7), one regular grid in absolute time.
    """
    if not isinstance(required, pd.Series):
        raise InputError("required", type(required).__name__, "a pandas Series")
    idx = required.index
    if not isinstance(idx, pd.DatetimeIndex) or idx.tz is None:
        raise InputError("required.index", type(idx).__name__,
                         "a tz-aware DatetimeIndex of interval starts")
    if len(idx) < 2:
        raise InputError("required", len(idx), "at least two intervals")
    diffs = np.diff(idx.as_unit("ns").asi8)
    if not idx.is_monotonic_increasing or (diffs != diffs[0]).any():
        raise InputError("required.index", "irregular", "a regular, increasing grid")
    freq = pd.Timedelta(int(diffs[0]), unit="ns")
    fmin = freq.total_seconds() / 60
    if fmin != int(fmin) or 1440 % int(fmin):
        raise InputError("required.index", str(freq), "an interval length dividing one day")
    local = idx.tz_convert(idx.tz)
    first = local[0]
    if first != first.normalize():
        first_midnight = pd.Timestamp(first.date()).tz_localize(idx.tz,
                                                                nonexistent="shift_forward")
        if first != first_midnight:
            raise InputError("required.index", str(first), "to start at local midnight")
    dates = tuple(sorted(set(local.date)))
    if len(dates) > 7:
        raise InputError("required.index", f"{len(dates)} days", "at most one week (7 days)")
    end = pd.Timestamp(dates[-1] + dt.timedelta(days=1)).tz_localize(
        idx.tz, nonexistent="shift_forward")
    expected = pd.date_range(idx[0], end, freq=freq, inclusive="left")
    if len(expected) != len(idx) or (expected.as_unit("ns").asi8
                                     != idx.as_unit("ns").asi8).any():
        raise InputError("required.index", f"{len(idx)} intervals",
                         f"whole local days: {len(expected)} intervals of {freq}")
    values = pd.to_numeric(required, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        at = idx[np.argmax(bad)]
        raise InputError("required", required.iloc[int(np.argmax(bad))],
                         "non-negative agents per interval", where=str(at))
    if config.open_hours is not None:
        floor = config.open_hours.min_staff(idx)
    else:
        floor = np.full(len(idx), -1, dtype=int)
    return Horizon(pd.DatetimeIndex(idx, name=INDEX_NAME), freq, dates, values, floor)


@dataclass
class Group:
    """Shifts of one (template, paid length, day): starts and their break families."""

    template: int
    length_min: int
    day: int
    span: int  # intervals
    starts: np.ndarray  # absolute positions, sorted (may exceed N only via span)
    start_wall: np.ndarray  # nominal wall-clock minute of each start
    x0: int = 0  # first column of x
    s0: int = 0  # first column of prefix chain S
    breaks: list[BreakFamily] = field(default_factory=list)


@dataclass
class BreakFamily:
    """Aggregated break starts of one rule within one group."""

    rule: int
    offset_lo: int  # intervals after shift start
    offset_hi: int
    duration: int  # intervals
    positions: np.ndarray  # candidate break start positions (contiguous)
    w0: int = 0
    c0: int = 0  # prefix chain W


@dataclass
class TourClass:
    """People of one (template, paid length, start band)."""

    template: int
    length_min: int
    band_lo: int  # wall minute
    band_hi: int
    patterns: np.ndarray  # (n_patterns, n_days) 0/1
    y0: int = 0


@dataclass
class BuiltModel:
    """The Pyomo model plus the column layout needed to read a solution back."""

    model: pyo.ConcreteModel
    horizon: Horizon
    config: RosterConfig
    groups: list[Group]
    classes: list[TourClass]
    n_cols: int
    under0: int
    over0: int
    coverage_rows: int
    diagnosis: str | None = None
    integer: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    notes: tuple[str, ...] = ()
    form: StandardForm | None = None  # the rows the Pyomo model was built from
    # per group split over start bands: (group, [(class, member start indices, first u col)])
    bands: list[tuple[Group, list[tuple[TourClass, np.ndarray, int]]]] = field(
        default_factory=list)
    service: ServiceCurve | None = None
    z0: int = 0  # first column of z (answered within the threshold), service mode
    z_intervals: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    tier0: int = 0  # first column of the under-staffing tiers (n per tier), when tiered
    tiers: tuple[tuple[float, float], ...] = ()  # (width agents, price per agent-interval)
    overflow: OverflowLayout | None = None  # the overflow partner's columns (roster.overflow)


def _patterns(n_days: int, workdays: int, min_off_block: int, allowed: set[int]) -> np.ndarray:
    """All 0/1 day patterns with ``workdays`` work days on ``allowed`` days and a cyclic block
    of at least ``min_off_block`` consecutive days off."""
    out = []
    for combo in itertools.combinations(sorted(allowed), workdays):
        p = np.zeros(n_days, dtype=int)
        p[list(combo)] = 1
        k = min(min_off_block, n_days - workdays)
        if k > 0:
            off = np.concatenate([1 - p, 1 - p])
            run, best = 0, 0
            for v in off:
                run = run + 1 if v else 0
                best = max(best, run)
            if min(best, n_days) < k:
                continue
        out.append(p)
    return np.array(out, dtype=int).reshape(-1, n_days)


def _start_positions(h: Horizon, tpl: ShiftTemplate, day: int) -> tuple[np.ndarray, np.ndarray]:
    date = h.dates[day]
    mins = np.array(tpl.start_times_min(), dtype=int)
    naive = pd.Timestamp(date) + pd.to_timedelta(mins, unit="min")
    local = naive.tz_localize(h.index.tz, nonexistent="shift_forward", ambiguous=True)
    pos = ((local - h.index[0]) // h.freq).to_numpy(dtype=np.int64)
    pos, keep = np.unique(pos, return_index=True)
    return pos, mins[keep]


def _paid_ok(open_mask: np.ndarray, tpl: ShiftTemplate, fmin: int) -> np.ndarray:
    """Intervals where a shift of ``tpl`` may be on duty: open, or within the template's
    ``before_open_min`` before an opening / ``after_close_min`` after a closing (cyclic)."""
    ok = open_mask.copy()
    for k in range(1, tpl.before_open_min // fmin + 1):
        ok |= np.roll(open_mask, -k)
    for k in range(1, tpl.after_close_min // fmin + 1):
        ok |= np.roll(open_mask, k)
    return ok


def _check_grid(cfg: RosterConfig, fmin: int) -> None:
    for t in cfg.templates:
        f = f"templates.{t.name}"
        checks = [("start_step_min", t.start_step_min),
                  ("start_earliest", t.start_earliest.hour * 60 + t.start_earliest.minute),
                  ("length_step_min", t.length_step_min),
                  ("before_open_min", t.before_open_min),
                  ("after_close_min", t.after_close_min)]
        checks += [("paid_hours", lm) for lm in t.lengths_min]
        for b in t.breaks:
            checks += [(f"breaks.{b.name}.duration_min", b.duration_min),
                       (f"breaks.{b.name}.earliest_offset_min", b.earliest_offset_min),
                       (f"breaks.{b.name}.latest_offset_min", b.latest_offset_min)]
        for name, minutes in checks:
            if minutes % fmin:
                raise InputError(f"{f}.{name}", minutes,
                                 f"minutes on the {fmin}-minute grid of the requirement")


def build_model(h: Horizon, cfg: RosterConfig, *, relax: bool = False,
                band_step_min: int | None = None,
                cancel: threading.Event | None = None,
                service: ServiceCurve | None = None,
                overflow: OverflowLevels | None = None,
                on_rows: Callable[[BuiltModel], None] | None = None) -> BuiltModel:
    """Build the roster model for a horizon.

    ``relax=True`` makes every variable continuous (the LP relaxation, used for duals).
    ``band_step_min`` spaces the start bands (default: each template's start step, exact).
    Returns a :class:`BuiltModel`; ``diagnosis`` is set when a hard rule provably cannot be
    met (minimum staff outside every template's reach). ``cancel`` is checked between build
    steps and constraint families; when set, :class:`BuildCancelled` is raised.
    ``service`` switches to the service objective (:mod:`staffing.roster.service`): wages
    only, the weekly service level as a constraint, and per interval with calls at least the
    curve's :meth:`~staffing.roster.service.ServiceCurve.min_agents` on the floor (onset of
    the concave part, interval floor). ``overflow`` adds the partner's level choices per
    interval (:mod:`staffing.roster.overflow`; family ``overflow``, fees in the objective).
    ``on_rows`` is called with the model once its rows exist, before the (slower) Pyomo
    stage: the solve makes its constructive start there.
    """
    fmin = h.freq_min
    _check_grid(cfg, fmin)
    n = h.n
    n_days = len(h.dates)
    rules = cfg.rules
    weekdays = [d.weekday() for d in h.dates]

    # ---- tour classes and groups -------------------------------------------------------
    groups: list[Group] = []
    classes: list[TourClass] = []
    excluded: list[str] = []
    ncol = 0
    open_mask = None
    if cfg.open_hours is not None and rules.within_open_hours:
        open_mask = np.asarray(cfg.open_hours.mask(h.index), dtype=bool)
    for ti, tpl in enumerate(cfg.templates):
        allowed = {d for d in range(n_days) if weekdays[d] in tpl.days}
        workdays = min(tpl.workdays or rules.workdays, n_days)
        if not len(_patterns(n_days, workdays, rules.consecutive_days_off, allowed)):
            excluded.append(f"template {tpl.name!r}: no {workdays}-day week on its days "
                            f"with {rules.consecutive_days_off} consecutive days off")
            continue
        paid_ok = None if open_mask is None else _paid_ok(open_mask, tpl, fmin)
        day_starts_all = {d: _start_positions(h, tpl, d) for d in sorted(allowed)}
        starts_wall = np.array(tpl.start_times_min())
        band_w = rules.start_band_minutes
        if band_w is None or starts_wall[-1] - starts_wall[0] <= band_w:
            bands = [(int(starts_wall[0]), int(starts_wall[-1]))]
        else:
            step = band_step_min or tpl.start_step_min
            los = list(range(int(starts_wall[0]), int(starts_wall[-1]) - band_w + 1, step))
            if los[-1] + band_w < starts_wall[-1]:
                los.append(int(starts_wall[-1]) - band_w)
            bands = [(lo, lo + band_w) for lo in los]
        for lm in tpl.lengths_min:
            weekly_h = workdays * lm / 60
            if n_days == 7 and not rules.min_weekly_hours <= weekly_h <= rules.max_weekly_hours:
                excluded.append(
                    f"template {tpl.name!r} {lm / 60:g} h: {workdays} x {lm / 60:g} = "
                    f"{weekly_h:g} weekly hours outside rules.min/max_weekly_hours "
                    f"[{rules.min_weekly_hours:g}, {rules.max_weekly_hours:g}]")
                continue
            span = tpl.span_min(lm) // fmin
            day_starts: dict[int, tuple[np.ndarray, np.ndarray]] = {}
            for d, (pos, wall) in day_starts_all.items():
                if paid_ok is not None:
                    keep = paid_ok[(pos[:, None] + np.arange(span)[None, :]) % n].all(axis=1)
                    pos, wall = pos[keep], wall[keep]
                if len(pos):
                    day_starts[d] = (pos, wall)
            pats = _patterns(n_days, workdays, rules.consecutive_days_off, set(day_starts))
            if not len(pats):
                excluded.append(
                    f"template {tpl.name!r} {lm / 60:g} h: no {workdays}-day week whose "
                    f"shifts fit inside the open hours (rules.within_open_hours; widen "
                    f"templates.{tpl.name}.before_open_min/after_close_min to allow a margin)")
                continue
            if open_mask is not None and len(day_starts) < len(day_starts_all):
                gone = sorted(set(day_starts_all) - set(day_starts))
                excluded.append(
                    f"template {tpl.name!r} {lm / 60:g} h: no shift fits inside the open hours "
                    f"on {', '.join(_DAY_ABBR[weekdays[d]] for d in gone)}")
            work_days = sorted(set(np.nonzero(pats.any(axis=0))[0].tolist()))
            for blo, bhi in bands:
                classes.append(TourClass(ti, lm, blo, bhi, pats))
            for d in work_days:
                pos, wall = day_starts[d]
                groups.append(Group(ti, lm, d, span, pos, wall))

    # ---- pre-check: minimum staff reachable at all ------------------------------------
    reach = np.zeros(n, dtype=bool)
    for g in groups:
        cover = (g.starts[:, None] + np.arange(g.span)[None, :]) % n
        reach[cover.ravel()] = True
    need = h.min_staff > 0
    diagnosis = None
    if (need & ~reach).any():
        diagnosis = _diagnose_reach(h, cfg, need & ~reach, excluded)

    # ---- columns ----------------------------------------------------------------------
    integer: list[np.ndarray] = []

    def alloc(k: int, is_int: bool) -> int:
        nonlocal ncol
        start = ncol
        ncol += k
        integer.append(np.full(k, is_int and not relax))
        return start

    for g in groups:
        tpl = cfg.templates[g.template]
        g.x0 = alloc(len(g.starts), True)
        if tpl.breaks:
            g.s0 = alloc(len(g.starts), False)
        for k, b in enumerate(tpl.breaks):
            lo, hi = b.earliest_offset_min // fmin, b.latest_offset_min // fmin
            positions = np.arange(g.starts[0] + lo, g.starts[-1] + hi + 1)
            fam = BreakFamily(k, lo, hi, b.duration_min // fmin, positions)
            fam.w0 = alloc(len(positions), True)
            fam.c0 = alloc(len(positions), False)
            g.breaks.append(fam)
    for c in classes:
        c.y0 = alloc(len(c.patterns), True)
    under0 = alloc(n, False)
    over0 = alloc(n, False)
    # convex under-staffing (requirement mode): under = sum of tier columns, each capped
    tiers = cfg.penalties.under_tiers(fmin / 60) if service is None else ()
    tier0 = ncol
    if len(tiers) > 1:
        tier0 = alloc(n * len(tiers), False)
    else:
        tiers = ()
    z_int = np.zeros(0, np.int64)
    z0 = ncol
    if service is not None:
        if len(service.calls) != n:
            raise InputError("service.calls", len(service.calls), f"{n} intervals")
        z_int = np.nonzero((service.calls > 0) & reach)[0]
        z0 = alloc(len(z_int), False)

    by_family: dict[str, list[Row]] = {name: [] for name in FAMILIES}
    inf = float("inf")
    _check(cancel)

    # ---- coverage rows (vectorised: one triplet list, then split by row) ----------------
    r_idx: list[np.ndarray] = []
    c_idx: list[np.ndarray] = []
    v_idx: list[np.ndarray] = []
    for g in groups:
        m = len(g.starts)
        cover = (g.starts[:, None] + np.arange(g.span)[None, :]) % n
        r_idx.append(cover.ravel())
        c_idx.append(np.repeat(g.x0 + np.arange(m), g.span))
        v_idx.append(np.ones(m * g.span))
        for fam in g.breaks:
            J = len(fam.positions)
            bc = (fam.positions[:, None] + np.arange(fam.duration)[None, :]) % n
            r_idx.append(bc.ravel())
            c_idx.append(np.repeat(fam.w0 + np.arange(J), fam.duration))
            v_idx.append(-np.ones(J * fam.duration))
    r_idx.append(np.arange(n))
    c_idx.append(under0 + np.arange(n))
    v_idx.append(np.ones(n))
    r_idx.append(np.arange(n))
    c_idx.append(over0 + np.arange(n))
    v_idx.append(-np.ones(n))
    R = np.concatenate(r_idx)
    C = np.concatenate(c_idx)
    V = np.concatenate(v_idx)
    order = np.lexsort((C, R))
    R, C, V = R[order], C[order], V[order]
    # one row per interval (a column appears once per row: spans are at most one day)
    bounds = np.searchsorted(R, np.arange(n + 1))
    rows = by_family["coverage"]
    for i in range(n):
        a, b = bounds[i], bounds[i + 1]
        rows.append((C[a:b], V[a:b], float(h.required[i]), float(h.required[i])))
    coverage_rows = n
    _check(cancel)

    # ---- minimum staff: under - over <= required - floor ------------------------------
    rows = by_family["min_staff"]
    for i in np.nonzero(need & reach)[0].tolist():
        rows.append((np.array([under0 + i, over0 + i]), np.array([1.0, -1.0]), -inf,
                     float(h.required[i] - h.min_staff[i])))

    # ---- implicit breaks: prefix chains and forward/backward ---------------------------
    rows = by_family["breaks"]
    for g in groups:
        if not g.breaks:
            continue
        m = len(g.starts)
        # S_i - S_{i-1} - x_i = 0
        for i in range(m):
            chain_cols = [g.s0 + i, g.x0 + i] + ([g.s0 + i - 1] if i else [])
            chain_vals = [1.0, -1.0] + ([-1.0] if i else [])
            rows.append((np.array(chain_cols), np.array(chain_vals), 0.0, 0.0))
        for fam in g.breaks:
            J = len(fam.positions)
            p0 = fam.positions[0]
            for j in range(J):
                chain_cols = [fam.c0 + j, fam.w0 + j] + ([fam.c0 + j - 1] if j else [])
                chain_vals = [1.0, -1.0] + ([-1.0] if j else [])
                rows.append((np.array(chain_cols), np.array(chain_vals), 0.0, 0.0))
            rows.append((np.array([g.s0 + m - 1, fam.c0 + J - 1]), np.array([1.0, -1.0]),
                         0.0, 0.0))
            last = g.starts + fam.offset_hi - p0  # index of latest break position
            first = g.starts + fam.offset_lo - p0
            for i in range(m - 1):  # forward: S_i <= W_last(i)
                rows.append((np.array([g.s0 + i, fam.c0 + last[i]]), np.array([1.0, -1.0]),
                             -inf, 0.0))
            for i in range(1, m):  # backward: W_first(i)-1 <= S_{i-1}
                if first[i] >= 1:
                    rows.append((np.array([fam.c0 + first[i] - 1, g.s0 + i - 1]),
                                 np.array([1.0, -1.0]), -inf, 0.0))

    _check(cancel)
    # ---- tours: linking shifts to people per day ---------------------------------------
    rows = by_family["tours"]
    by_key: dict[tuple[int, int], list[TourClass]] = {}
    for c in classes:
        by_key.setdefault((c.template, c.length_min), []).append(c)
    u_specs: list[tuple[Group, list[tuple[int, np.ndarray]]]] = []
    for g in groups:
        cls = by_key[(g.template, g.length_min)]
        d = g.day
        if len(cls) == 1:
            c = cls[0]
            ys = c.y0 + np.nonzero(c.patterns[:, d])[0]
            cols = np.concatenate([g.x0 + np.arange(len(g.starts)), ys])
            vals = np.concatenate([np.ones(len(g.starts)), -np.ones(len(ys))])
            rows.append((cols, vals, 0.0, 0.0))
            continue
        members = [np.nonzero((g.start_wall >= c.band_lo) & (g.start_wall <= c.band_hi))[0]
                   for c in cls]
        u_specs.append((g, list(zip(range(len(cls)), members, strict=True))))
    # u columns allocated after the loop so rows can reference them
    u_layout: list[tuple[Group, list[tuple[TourClass, np.ndarray, int]]]] = []
    for g, spec in u_specs:
        cls = by_key[(g.template, g.length_min)]
        lay = []
        for ci, mem in spec:
            lay.append((cls[ci], mem, alloc(len(mem), False)))
        u_layout.append((g, lay))
    for g, lay in u_layout:
        m = len(g.starts)
        incidence: list[list[int]] = [[] for _ in range(m)]
        for c, mem, u0 in lay:
            for k, i in enumerate(mem):
                incidence[i].append(u0 + k)
            ys = c.y0 + np.nonzero(c.patterns[:, g.day])[0]
            cols = np.concatenate([u0 + np.arange(len(mem)), ys])
            vals = np.concatenate([np.ones(len(mem)), -np.ones(len(ys))])
            rows.append((cols, vals, 0.0, 0.0))
        for i in range(m):
            cols = np.array([g.x0 + i] + incidence[i])
            vals = np.array([1.0] + [-1.0] * len(incidence[i]))
            rows.append((cols, vals, 0.0, 0.0))

    # ---- headcount and part-time share ------------------------------------------------
    rows = by_family["people"]
    for ti, tpl in enumerate(cfg.templates):
        if tpl.max_headcount is None:
            continue
        tpl_ys = [c.y0 + np.arange(len(c.patterns)) for c in classes if c.template == ti]
        if tpl_ys:
            cols = np.concatenate(tpl_ys)
            rows.append((cols, np.ones(len(cols)), -inf, float(tpl.max_headcount)))
    share = rules.part_time_share_max
    if share < 1 and any(cfg.templates[c.template].part_time for c in classes):
        cols_l, vals_l = [], []
        for c in classes:
            coef = (1.0 - share) if cfg.templates[c.template].part_time else -share
            cols_l.append(c.y0 + np.arange(len(c.patterns)))
            vals_l.append(np.full(len(c.patterns), coef))
        rows.append((np.concatenate(cols_l), np.concatenate(vals_l), -inf, 0.0))

    # ---- overflow partner: level choices per interval (roster.overflow) ---------------
    ov_layout: OverflowLayout | None = None
    ov_extra: list[int] = []
    ov_set: set[int] = set()
    if overflow is not None:
        ov_layout, ov_extra = add_overflow(
            overflow, n=n, reach=reach, alloc=alloc, rows=by_family["overflow"],
            coverage=by_family["coverage"], under0=under0, over0=over0, required=h.required,
            min_staff=h.min_staff, service=service,
            z_of={i: z0 + q for q, i in enumerate(z_int.tolist())})
        ov_set = set(overflow.positions.tolist()) if service is not None else set()

    # ---- service: answered within the threshold, weekly SL, interval floor -------------
    if service is not None:
        rows = by_family["service"]
        need = service.min_agents()
        for q, i in enumerate(z_int.tolist()):
            if i in ov_set:  # answered, onset and floor come from the overflow levels
                continue
            slopes, icpt = service.lines(i)
            for d, c in zip(slopes.tolist(), icpt.tolist(), strict=True):
                # z <= c + d * s,  s = required - under + over
                if d > 0:
                    rows.append((np.array([z0 + q, under0 + i, over0 + i]),
                                 np.array([1.0, d, -d]), -inf, c + d * float(h.required[i])))
                else:
                    rows.append((np.array([z0 + q]), np.array([1.0]), -inf, c))
            # at least the onset (exact lines) and the interval floor, as agents on the
            # floor: under - over <= required - need
            rows.append((np.array([under0 + i, over0 + i]), np.array([1.0, -1.0]), -inf,
                         float(h.required[i] - need[i])))
        if len(z_int) or ov_extra:
            weekly = np.concatenate([z0 + np.arange(len(z_int)), ov_extra]).astype(np.int64)
            rows.append((weekly, np.ones(len(weekly)),
                         service.target * float(service.calls.sum()), inf))
        elif service.calls.sum() > 0:
            diagnosis = diagnosis or ("Service objective: no interval with calls can be "
                                      "staffed by any template")
    if tiers:
        rows = by_family["tiers"]
        for i in range(n):
            cols = np.array([under0 + i] + [tier0 + k * n + i for k in range(len(tiers))])
            rows.append((cols, np.array([1.0] + [-1.0] * len(tiers)), 0.0, 0.0))
    _check(cancel)
    # ---- objective --------------------------------------------------------------------
    cost = np.zeros(ncol)
    for g in groups:
        tpl = cfg.templates[g.template]
        cost[g.x0:g.x0 + len(g.starts)] = tpl.cost_per_hour * g.length_min / 60
    under_cost, over_cost = cfg.penalties.per_interval(fmin / 60)
    col_ub = np.full(ncol, np.inf)
    if service is None:
        cost[under0:under0 + n] = 0.0 if tiers else under_cost
        cost[over0:over0 + n] = over_cost
        for k, (width, price) in enumerate(tiers):
            cost[tier0 + k * n:tier0 + (k + 1) * n] = price
            col_ub[tier0 + k * n:tier0 + (k + 1) * n] = width
    col_lb = np.zeros(ncol)
    col_lb[z0:z0 + len(z_int)] = -np.inf  # conservative lines may go below 0 at few agents
    if ov_layout is not None:
        overflow_costs(ov_layout, cost, col_lb, col_ub)

    is_int = np.concatenate(integer) if integer else np.zeros(0, bool)
    form = _standard_form(ncol, is_int, by_family, cost, col_lb, col_ub)
    built = BuiltModel(pyo.ConcreteModel(name="roster"), h, cfg, groups, classes, ncol, under0,
                       over0, coverage_rows, diagnosis, is_int, tuple(excluded), form, u_layout,
                       service, z0, z_int, tier0, tuple(tiers), ov_layout)
    if on_rows is not None:
        on_rows(built)
    try:
        _check(cancel)
        built.model = _pyomo_model(form, by_family, cancel)
    except BuildCancelled as exc:
        raise BuildCancelled(built) from exc
    return built


def _standard_form(ncol: int, is_int: np.ndarray, fam: dict[str, list[Row]],
                   cost: np.ndarray, col_lb: np.ndarray, col_ub: np.ndarray) -> StandardForm:
    """The rows as a CSR matrix, family by family (the order the Pyomo model declares them)."""
    cols_l: list[np.ndarray] = []
    vals_l: list[np.ndarray] = []
    lb: list[float] = []
    ub: list[float] = []
    names: list[str] = []
    index: list[int] = []
    for name, rows in fam.items():
        for k, (cols, vals, lo, hi) in enumerate(rows):
            order = np.argsort(cols, kind="stable")
            cols_l.append(np.asarray(cols, dtype=np.int64)[order])
            vals_l.append(np.asarray(vals, dtype=float)[order])
            lb.append(lo)
            ub.append(hi)
            names.append(name)
            index.append(k)
    lens = np.fromiter((len(c) for c in cols_l), dtype=np.int64, count=len(cols_l))
    indptr = np.concatenate([[0], np.cumsum(lens)]).astype(np.int64)
    indices = np.concatenate(cols_l) if cols_l else np.zeros(0, np.int64)
    data = np.concatenate(vals_l) if vals_l else np.zeros(0)
    return StandardForm(cost.astype(float), col_lb.astype(float), col_ub.astype(float),
                        is_int.astype(bool), indptr, indices, data, np.array(lb, dtype=float),
                        np.array(ub, dtype=float), np.array(names, dtype=object),
                        np.array(index, dtype=np.int64))


def _pyomo_model(form: StandardForm, fam: dict[str, list[Row]],
                 cancel: threading.Event | None) -> pyo.ConcreteModel:
    """The Pyomo model: one indexed variable ``v`` and one indexed constraint per family
    (``coverage``, ``min_staff``, ``breaks``, ``tours``, ``people``); cancel is checked
    between families."""
    ncol = form.n_cols
    m = pyo.ConcreteModel(name="roster")
    m.C = pyo.RangeSet(0, ncol - 1)
    int_flags = form.integer.tolist()
    free = set(np.nonzero(~np.isfinite(form.col_lb))[0].tolist())
    capped = {int(j): float(form.col_ub[j]) for j in np.nonzero(np.isfinite(form.col_ub))[0]}
    m.v = pyo.Var(m.C, bounds=lambda _m, j: (None if j in free else 0, capped.get(j)),
                  within=lambda _m, j: pyo.Integers if int_flags[j] else pyo.Reals)
    v = [m.v[j] for j in range(ncol)]
    cost = form.cost
    nz = np.nonzero(cost)[0]
    m.obj = pyo.Objective(expr=LinearExpression(
        constant=0.0, linear_coefs=cost[nz].tolist(), linear_vars=[v[j] for j in nz]),
        sense=pyo.minimize)

    stopped = [False]  # a cancel inside a family: skip its remaining rows, then stop
    for name, rows in fam.items():
        _check(cancel)

        def rule(_m: pyo.ConcreteModel, r: int, rows: list[Row] = rows) -> object:
            if cancel is not None and not r % 256 and cancel.is_set():
                stopped[0] = True
            if stopped[0]:
                return pyo.Constraint.Skip
            cols, vals, lb, ub = rows[r]
            expr = LinearExpression(constant=0.0, linear_coefs=vals.tolist(),
                                    linear_vars=[v[j] for j in cols.tolist()])
            if lb == ub:
                return expr == lb
            if lb == float("-inf"):
                return expr <= ub
            return (lb, expr, ub)

        m.add_component(name, pyo.Constraint(range(len(rows)), rule=rule))
    _check(cancel)
    return m


def _runs(mask: np.ndarray, idx: pd.DatetimeIndex, freq: pd.Timedelta) -> list[str]:
    out: list[str] = []
    pos = np.nonzero(mask)[0]
    if not len(pos):
        return out
    splits = np.nonzero(np.diff(pos) != 1)[0] + 1
    for run in np.split(pos, splits):
        a, b = idx[run[0]], idx[run[-1]] + freq
        out.append(f"{_DAY_ABBR[a.weekday()]} {a:%Y-%m-%d %H:%M}-{b:%H:%M}")
    return out


def _diagnose_reach(h: Horizon, cfg: RosterConfig, missing: np.ndarray,
                    excluded: list[str]) -> str:
    runs = _runs(missing, h.index, h.freq)
    shown = "; ".join(runs[:6]) + (f"; ... ({len(runs)} spans)" if len(runs) > 6 else "")
    floors = sorted(set(h.min_staff[missing].tolist()))
    lines = [
        f"Hard rule conflict: open_hours.min_staff ({', '.join(map(str, floors))} agents) "
        f"applies in {int(missing.sum())} intervals that no shift template can cover: {shown}.",
        "Templates (days, start window, paid hours):",
    ]
    for t in cfg.templates:
        days = ",".join(_DAY_ABBR[d] for d in t.days)
        lo, hi = t.paid_range
        lines.append(f"  - {t.name}: {days}; starts {t.start_earliest:%H:%M}-"
                     f"{t.start_latest:%H:%M}; {lo:g}-{hi:g} h")
    if excluded:
        lines.append("Excluded by weekly rules: " + "; ".join(excluded))
    lines.append("Fix: add or widen a template covering these hours, or lower/remove "
                 "open_hours.min_staff there.")
    return "\n".join(lines)
