"""`RosterResult`, the status enum and its single HiGHS mapping table, and roster extraction.

Extraction turns the aggregate solution (shift counts per start, break counts per start
position, people per tour class and days-off pattern) into named weekly lines:

1. per group (template, length, day) the shifts are split over start bands with Glover's greedy
   (bands in order, each takes the available shifts with the earliest deadline), exact for the
   interval structure of bands;
2. within a band, the people working that day take the shifts in start order;
3. per group and break rule, breaks go to shifts by the sorted (earliest-deadline) matching,
   which is feasible exactly when the model's forward/backward constraints hold.

Coverage is then recomputed from the extracted shifts and breaks (not read from the model's
``under``/``over`` columns), so the frames always describe the roster handed out.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["HIGHS_STATUS", "PenaltyTerm", "RosterResult", "RosterStatus", "SolveProgress",
           "status_from_highs"]


class RosterStatus(enum.Enum):
    """Outcome of a roster solve."""

    OPTIMAL = "optimal"  # proven optimal within SolverOptions.mip_rel_gap
    FEASIBLE = "feasible"  # stopped with an incumbent (time/iteration/solution limit)
    INFEASIBLE = "infeasible"  # a hard rule cannot be met; see RosterResult.diagnosis
    TIME_LIMIT_NO_SOLUTION = "time_limit_no_solution"
    CANCELLED = "cancelled"  # cancel event set; incumbent returned when there is one
    ERROR = "error"


# The one table: HiGHS model status name -> (status with a solution, status without one).
HIGHS_STATUS: dict[str, tuple[RosterStatus, RosterStatus]] = {
    "kOptimal": (RosterStatus.OPTIMAL, RosterStatus.ERROR),
    "kInfeasible": (RosterStatus.INFEASIBLE, RosterStatus.INFEASIBLE),
    "kUnboundedOrInfeasible": (RosterStatus.INFEASIBLE, RosterStatus.INFEASIBLE),
    "kUnbounded": (RosterStatus.ERROR, RosterStatus.ERROR),
    "kTimeLimit": (RosterStatus.FEASIBLE, RosterStatus.TIME_LIMIT_NO_SOLUTION),
    "kIterationLimit": (RosterStatus.FEASIBLE, RosterStatus.TIME_LIMIT_NO_SOLUTION),
    "kSolutionLimit": (RosterStatus.FEASIBLE, RosterStatus.TIME_LIMIT_NO_SOLUTION),
    "kObjectiveBound": (RosterStatus.FEASIBLE, RosterStatus.ERROR),
    "kObjectiveTarget": (RosterStatus.FEASIBLE, RosterStatus.ERROR),
    "kInterrupt": (RosterStatus.CANCELLED, RosterStatus.CANCELLED),
    "kMemoryLimit": (RosterStatus.FEASIBLE, RosterStatus.ERROR),
    "kModelEmpty": (RosterStatus.OPTIMAL, RosterStatus.OPTIMAL),
}


def status_from_highs(model_status: Any, has_solution: bool) -> RosterStatus:
    """Map a ``highspy.HighsModelStatus`` (or its name) through :data:`HIGHS_STATUS`;
    anything not in the table (load/presolve/solve errors, unknown) is ``ERROR``."""
    name = getattr(model_status, "name", str(model_status)).split(".")[-1]
    pair = HIGHS_STATUS.get(name)
    if pair is None:
        return RosterStatus.ERROR
    return pair[0] if has_solution else pair[1]


@dataclass(frozen=True)
class SolveProgress:
    """A progress report during the solve (objective/bound in objective units)."""

    objective: float | None
    bound: float | None
    gap: float | None
    elapsed_s: float


@dataclass(frozen=True)
class PenaltyTerm:
    """A named soft-rule term: how much it is violated and what that costs."""

    name: str
    amount: float
    unit: str
    cost: float

    def __str__(self) -> str:
        return f"{self.name}: {self.amount:g} {self.unit}, cost {self.cost:,.2f}"


@dataclass
class RosterResult:
    """A solved (or failed) roster.

    Units: ``objective`` and ``bound`` are currency per planning horizon: wages
    (``cost_per_hour`` x paid hours) plus penalties (currency per agent-interval of under- or
    over-staffing); ``cost`` is wages only; ``agent_hours`` is paid agent-hours; ``gap`` is
    the relative gap ``|objective - bound| / |objective|``; ``build_s`` is model building and
    loading into HiGHS, ``runtime_s`` the HiGHS run, both wall-clock seconds.

    Frames
    ------
    coverage:
        ``interval_start, required, scheduled, under, over`` (agents on the floor, breaks
        excluded).
    shifts:
        one row per shift: ``agent`` (tour id), ``date`` (local start date), ``start``, ``end``
        (tz-aware), ``template``, ``paid_hours``, ``breaks`` (``"12:00-12:30;..."``).
    tours:
        one row per person-week: ``agent``, ``template``, ``paid_hours_week`` and one column per
        planned date (``"Sun 1999-02-07"``) holding ``"07:00-15:30 [11:00-11:30]"`` or
        ``"OFF"``.

    Other fields: ``penalties`` (named :class:`PenaltyTerm` amounts and costs, see
    :meth:`penalty_report`), ``diagnosis`` (text naming the conflicting hard rules when
    ``INFEASIBLE``), ``solver_status`` (HiGHS model status name or ``"precheck"``), ``notes``
    (options left out by the rules, e.g. a template length outside the weekly hours),
    ``service_point_cost`` (service objective only: marginal wages, currency per horizon, of
    one more percentage point of the weekly service level target, the dual of the weekly SL
    row in the model's LP relaxation; None otherwise or when that LP did not solve),
    ``overflow_calls`` and ``overflow_fees`` (calls sent to an overflow partner and its fees,
    currency per horizon, included in ``objective``; 0 without a partner).
    """

    status: RosterStatus
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    build_s: float = 0.0
    runtime_s: float = 0.0
    agent_hours: float = 0.0
    cost: float = 0.0
    coverage: pd.DataFrame = field(default_factory=pd.DataFrame)
    shifts: pd.DataFrame = field(default_factory=pd.DataFrame)
    tours: pd.DataFrame = field(default_factory=pd.DataFrame)
    penalties: tuple[PenaltyTerm, ...] = ()
    diagnosis: str | None = None
    solver_status: str = ""
    notes: tuple[str, ...] = ()
    service_point_cost: float | None = None
    overflow_calls: float = 0.0
    overflow_fees: float = 0.0

    @property
    def has_roster(self) -> bool:
        """True when the result carries a solution (optimal, feasible or cancelled with an
        incumbent); an empty roster can be optimal when nothing is required."""
        return self.objective is not None

    def penalty_report(self) -> str:
        """One line per penalty term, e.g. ``under-staffing: 37 agent-intervals, cost 3,700``."""
        return "\n".join(str(p) for p in self.penalties)

    def summary(self) -> dict[str, Any]:
        """JSON-serialisable summary (the ``summary.json`` contract)."""

        def num(x: float | None) -> float | None:
            return None if x is None or not math.isfinite(x) else float(x)

        return {
            "status": self.status.value,
            "solver_status": self.solver_status,
            "objective": num(self.objective),
            "bound": num(self.bound),
            "gap": num(self.gap),
            "build_s": round(self.build_s, 4),
            "runtime_s": round(self.runtime_s, 4),
            "agent_hours": float(self.agent_hours),
            "cost": float(self.cost),
            "agents": int(self.tours["agent"].nunique()) if "agent" in self.tours else 0,
            "shifts": len(self.shifts),
            "under_agent_intervals": float(self.coverage["under"].sum())
            if "under" in self.coverage else 0.0,
            "over_agent_intervals": float(self.coverage["over"].sum())
            if "over" in self.coverage else 0.0,
            "penalties": [{"name": p.name, "amount": p.amount, "unit": p.unit, "cost": p.cost}
                          for p in self.penalties],
            "diagnosis": self.diagnosis,
            "notes": list(self.notes),
            "service_point_cost": num(self.service_point_cost),
            "overflow_calls": float(self.overflow_calls),
            "overflow_fees": float(self.overflow_fees),
        }


def _glover(starts_sorted_idx: np.ndarray, band_of: list[tuple[int, int]],
            demand: list[int]) -> list[list[int]]:
    """Assign shift items (sorted by start; item k may go to bands band_of[k] = [lo, hi]) to
    bands with the given demand. Returns items per band (greedy by earliest deadline)."""
    out: list[list[int]] = [[] for _ in demand]
    nxt = 0
    avail: list[int] = []  # item indices, kept in deadline order (= start order)
    for b, need in enumerate(demand):
        while nxt < len(band_of) and band_of[nxt][0] <= b:
            avail.append(nxt)
            nxt += 1
        avail = [k for k in avail if band_of[k][1] >= b]
        take, avail = avail[:need], avail[need:]
        out[b].extend(take)
    leftover = avail + list(range(nxt, len(band_of)))
    for k in leftover:  # only when the split is infeasible (should not happen): best effort
        for b, need in enumerate(demand):
            if len(out[b]) < need:
                out[b].append(k)
                break
    return out


def extract(built: Any, values: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame,
                                                     float, float]:
    """Shifts, tours and coverage frames plus (agent_hours, cost) from column values."""
    h = built.horizon
    cfg = built.config
    n = h.n
    vals = np.rint(np.maximum(values, 0)).astype(np.int64)
    tz = h.index.tz
    freq = h.freq
    day_labels = [f"{pd.Timestamp(d):%a %Y-%m-%d}" for d in h.dates]

    # people per class, per pattern -> tour ids
    tours: list[dict[str, Any]] = []
    class_index: dict[tuple[int, int], list[int]] = {}
    for ci, c in enumerate(built.classes):
        class_index.setdefault((c.template, c.length_min), []).append(ci)
    people_by_class_day: dict[tuple[int, int], list[int]] = {}
    for ci, c in enumerate(built.classes):
        counts = vals[c.y0:c.y0 + len(c.patterns)]
        for p, k in enumerate(counts):
            for _ in range(int(k)):
                tid = len(tours)
                tours.append({"agent": f"A{tid + 1:04d}",
                              "template": cfg.templates[c.template].name,
                              "paid_hours_week": 0.0, "_days": {}})
                for d in np.nonzero(c.patterns[p])[0].tolist():
                    people_by_class_day.setdefault((ci, d), []).append(tid)

    scheduled = np.zeros(n, dtype=np.int64)
    shift_rows: list[dict[str, Any]] = []
    for g in built.groups:
        tpl = cfg.templates[g.template]
        m = len(g.starts)
        counts = vals[g.x0:g.x0 + m]
        items = np.repeat(np.arange(m), counts)  # one entry per shift, start order
        # breaks: sorted matching per rule
        brk: list[np.ndarray] = []
        for fam in g.breaks:
            w = vals[fam.w0:fam.w0 + len(fam.positions)]
            pos = np.repeat(fam.positions, w)
            if len(pos) != len(items):  # defensive: keep lengths aligned
                pos = np.resize(pos, len(items)) if len(pos) else np.full(
                    len(items), -1)
            brk.append(pos)
        # split over band classes
        cis = class_index[(g.template, g.length_min)]
        demand = [len(people_by_class_day.get((ci, g.day), [])) for ci in cis]
        band_of = []
        for k in items:
            wall = g.start_wall[k]
            ok = [b for b, ci in enumerate(cis)
                  if built.classes[ci].band_lo <= wall <= built.classes[ci].band_hi]
            band_of.append((ok[0], ok[-1]) if ok else (0, len(cis) - 1))
        per_band = _glover(items, band_of, demand)
        for b, ci in enumerate(cis):
            people = people_by_class_day.get((ci, g.day), [])
            for tid, k in zip(people, per_band[b], strict=False):
                i = items[k]
                start_pos = int(g.starts[i])
                start = h.index[0] + start_pos * freq
                end = start + g.span * freq
                scheduled[(start_pos + np.arange(g.span)) % n] += 1
                texts = []
                for fam, pos in zip(g.breaks, brk, strict=True):
                    bp = int(pos[k])
                    if bp < 0:
                        continue
                    scheduled[(bp + np.arange(fam.duration)) % n] -= 1
                    bs = (h.index[0] + bp * freq).tz_convert(tz)
                    be = bs + fam.duration * freq
                    texts.append(f"{bs:%H:%M}-{be:%H:%M}")
                start_l, end_l = start.tz_convert(tz), end.tz_convert(tz)
                shift_rows.append({
                    "agent": tours[tid]["agent"], "date": h.dates[g.day],
                    "start": start_l, "end": end_l, "template": tpl.name,
                    "paid_hours": g.length_min / 60, "breaks": ";".join(texts)})
                tours[tid]["paid_hours_week"] += g.length_min / 60
                txt = f"{start_l:%H:%M}-{end_l:%H:%M}"
                if texts:
                    txt += " [" + "; ".join(texts) + "]"
                tours[tid]["_days"][g.day] = txt

    shifts = pd.DataFrame(shift_rows, columns=["agent", "date", "start", "end", "template",
                                               "paid_hours", "breaks"])
    if not shifts.empty:
        shifts = shifts.sort_values(["agent", "start"], ignore_index=True)
    tour_rows = []
    for t in tours:
        row = {"agent": t["agent"], "template": t["template"],
               "paid_hours_week": t["paid_hours_week"]}
        for d, label in enumerate(day_labels):
            row[label] = t["_days"].get(d, "OFF")
        tour_rows.append(row)
    tours_df = pd.DataFrame(tour_rows, columns=["agent", "template", "paid_hours_week",
                                                *day_labels])
    req = h.required
    coverage = pd.DataFrame({
        "interval_start": h.index,
        "required": req,
        "scheduled": scheduled,
        "under": np.maximum(req - scheduled, 0.0),
        "over": np.maximum(scheduled - req, 0.0),
    })
    agent_hours = float(shifts["paid_hours"].sum()) if not shifts.empty else 0.0
    cost = 0.0
    if not shifts.empty:
        rate = {t.name: t.cost_per_hour for t in cfg.templates}
        cost = float((shifts["paid_hours"] * shifts["template"].map(rate)).sum())
    return shifts, tours_df, coverage, agent_hours, cost


def penalty_terms(coverage: pd.DataFrame, cfg: Any, floor: np.ndarray) -> tuple[PenaltyTerm,
                                                                                 ...]:
    """Named penalty terms from a coverage frame (OR-Tools style "violated by N")."""
    pen = cfg.penalties
    under = float(coverage["under"].sum()) if len(coverage) else 0.0
    over = float(coverage["over"].sum()) if len(coverage) else 0.0
    hours = 0.25
    if len(coverage) > 1:
        step = pd.Timestamp(coverage["interval_start"].iloc[1]) - pd.Timestamp(
            coverage["interval_start"].iloc[0])
        hours = step.total_seconds() / 3600
    under_cost, over_cost = pen.per_interval(hours)
    under_total = (float(pen.under_cost(coverage["under"].to_numpy(float), hours).sum())
                   if len(coverage) else 0.0)
    if pen.time_based:
        terms = [
            PenaltyTerm("under-staffing", under * hours, "agent-hours", under_total),
            PenaltyTerm("over-staffing", over * hours, "agent-hours", over * over_cost),
        ]
    else:
        terms = [
            PenaltyTerm("under-staffing", under, "agent-intervals", under_total),
            PenaltyTerm("over-staffing", over, "agent-intervals", over * over_cost),
        ]
    if len(coverage) and (floor > 0).any():
        short = np.maximum(floor - coverage["scheduled"].to_numpy(), 0)
        terms.append(PenaltyTerm("min-staff shortfall (hard)", float(short[floor > 0].sum()),
                                 "agent-intervals", 0.0))
    return tuple(terms)
