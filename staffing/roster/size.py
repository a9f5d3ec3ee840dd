"""How big the roster model will be, from the templates and the grid alone (no model build).

:func:`estimate_size` counts the columns, rows and non-zeros that
:func:`staffing.roster.build.build_model` would create, with the same arithmetic (templates x
allowed start times x working days x paid lengths, break windows, days-off patterns, start
bands) but without building a single Pyomo object: it runs in microseconds where the build of a
large model takes minutes and gigabytes. A service uses it to refuse a model it cannot afford
before building it (:meth:`ModelSize.check`).

The counts are exact for the formulation of :mod:`staffing.roster.build` except where a DST
change merges two nominal starts (the estimate is then a few columns high), and the
minimum-staff rows, which are counted from the horizon's open-hours floor.
"""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from staffing.exceptions import InputError
from staffing.roster.build import Horizon
from staffing.roster.templates import RosterConfig, ShiftTemplate

__all__ = ["ModelSize", "check_grid", "estimate_size"]


@dataclass(frozen=True)
class ModelSize:
    """Size of a roster MIP.

    Attributes
    ----------
    variables:
        Columns (integer and continuous).
    integer_variables:
        Integer columns (shift starts, break starts, tours).
    constraints:
        Rows.
    nonzeros:
        Non-zero coefficients of the constraint matrix.
    """

    variables: int
    integer_variables: int
    constraints: int
    nonzeros: int

    def __add__(self, other: ModelSize) -> ModelSize:
        return ModelSize(self.variables + other.variables,
                         self.integer_variables + other.integer_variables,
                         self.constraints + other.constraints, self.nonzeros + other.nonzeros)

    def as_dict(self) -> dict[str, int]:
        """The counts as a plain mapping."""
        return asdict(self)

    def check(self, *, max_variables: int | None = None, max_nonzeros: int | None = None,
              field: str = "config.templates") -> None:
        """Raise :class:`InputError` naming ``field`` when the model exceeds a cap."""
        for what, value, cap in (("variables", self.variables, max_variables),
                                 ("non-zeros", self.nonzeros, max_nonzeros)):
            if cap is not None and value > cap:
                raise InputError(
                    field, f"a model of {self.variables:,} variables and "
                    f"{self.nonzeros:,} non-zeros",
                    f"at most {cap:,} {what} (this server's limit): use fewer templates, "
                    f"coarser start steps (start_step_min), fewer paid lengths, or a coarser "
                    f"interval grid")


def check_grid(config: RosterConfig, freq_min: int) -> None:
    """Every template time (start, step, lengths, break offsets) must sit on the grid of
    ``freq_min`` minutes; raises :class:`InputError` naming the template field."""
    for t in config.templates:
        f = f"templates.{t.name}"
        checks = [("start_step_min", t.start_step_min),
                  ("start_earliest", t.start_earliest.hour * 60 + t.start_earliest.minute),
                  ("length_step_min", t.length_step_min)]
        checks += [("paid_hours", lm) for lm in t.lengths_min]
        for b in t.breaks:
            checks += [(f"breaks.{b.name}.duration_min", b.duration_min),
                       (f"breaks.{b.name}.earliest_offset_min", b.earliest_offset_min),
                       (f"breaks.{b.name}.latest_offset_min", b.latest_offset_min)]
        for name, minutes in checks:
            if minutes % freq_min:
                raise InputError(f"{f}.{name}", minutes,
                                 f"minutes on the {freq_min}-minute grid of the requirement")


def _patterns(n_days: int, workdays: int, min_off: int, allowed: set[int]) -> np.ndarray:
    """Days-off patterns (rows of 0/1 per day), as :mod:`staffing.roster.build` makes them."""
    out = []
    k = min(min_off, n_days - workdays)
    for combo in itertools.combinations(sorted(allowed), workdays):
        p = np.zeros(n_days, dtype=int)
        p[list(combo)] = 1
        if k > 0:
            off = np.concatenate([1 - p, 1 - p])
            best = run = 0
            for v in off:
                run = run + 1 if v else 0
                best = max(best, run)
            if min(best, n_days) < k:
                continue
        out.append(p)
    return np.array(out, dtype=int).reshape(-1, n_days)


def _bands(tpl: ShiftTemplate, band_w: int | None) -> list[tuple[int, int]]:
    starts = tpl.start_times_min()
    if band_w is None or starts[-1] - starts[0] <= band_w:
        return [(starts[0], starts[-1])]
    los = list(range(starts[0], starts[-1] - band_w + 1, tpl.start_step_min))
    if los[-1] + band_w < starts[-1]:
        los.append(starts[-1] - band_w)
    return [(lo, lo + band_w) for lo in los]


def estimate_size(horizon: Horizon, config: RosterConfig) -> ModelSize:
    """Columns, rows and non-zeros of the roster model for ``horizon`` and ``config``.

    ``horizon`` comes from :func:`staffing.roster.build.make_horizon` (cheap: it validates the
    requirement series). Raises :class:`InputError` when a template is off the grid.
    """
    fmin = horizon.freq_min
    check_grid(config, fmin)
    n, n_days = horizon.n, len(horizon.dates)
    weekdays = [d.weekday() for d in horizon.dates]
    rules = config.rules
    cols = ints = rows = nnz = 0

    def add(c: int = 0, i: int = 0, r: int = 0, z: int = 0) -> None:
        nonlocal cols, ints, rows, nnz
        cols, ints, rows, nnz = cols + c, ints + i, rows + r, nnz + z

    add(c=2 * n, r=n, z=2 * n)  # under/over and the coverage rows' own entries
    add(r=int((horizon.min_staff > 0).sum()), z=2 * int((horizon.min_staff > 0).sum()))
    any_part_time = False
    for tpl in config.templates:
        allowed = {d for d in range(n_days) if weekdays[d] in tpl.days}
        workdays = min(tpl.workdays or rules.workdays, n_days)
        pats = _patterns(n_days, workdays, rules.consecutive_days_off, allowed)
        if not len(pats):
            continue
        per_day = pats.sum(axis=0)  # patterns working each day
        work_days = np.nonzero(per_day)[0].tolist()
        starts = np.array(tpl.start_times_min())
        m = len(starts)
        width = (int(starts[-1] - starts[0])) // fmin
        bands = _bands(tpl, rules.start_band_minutes)
        members = [int(((starts >= lo) & (starts <= hi)).sum()) for lo, hi in bands]
        tpl_ys = 0
        for lm in tpl.lengths_min:
            weekly_h = workdays * lm / 60
            if n_days == 7 and not rules.min_weekly_hours <= weekly_h <= rules.max_weekly_hours:
                continue
            any_part_time |= tpl.part_time
            span = tpl.span_min(lm) // fmin
            add(c=len(bands) * len(pats), i=len(bands) * len(pats))  # tours y
            tpl_ys += len(bands) * len(pats)
            for d in work_days:
                add(c=m, i=m, z=m * span)  # shift starts x and their coverage entries
                if tpl.breaks:  # prefix chain S
                    add(c=m, r=m, z=3 * m - 1)
                for b in tpl.breaks:
                    lo, hi = b.earliest_offset_min // fmin, b.latest_offset_min // fmin
                    J = width + hi - lo + 1
                    add(c=2 * J, i=J, z=J * (b.duration_min // fmin))  # w, chain W, coverage
                    add(r=J + 1, z=3 * J - 1 + 2)  # chain W rows and S_m = W_J
                    add(r=2 * (m - 1), z=4 * (m - 1))  # forward and backward
                if len(bands) == 1:
                    add(r=1, z=m + int(per_day[d]))
                else:
                    for k in members:
                        add(c=k, r=1, z=k + int(per_day[d]))
                    add(r=m, z=m + sum(members))
        if tpl.max_headcount is not None and tpl_ys:
            add(r=1, z=tpl_ys)
    if rules.part_time_share_max < 1 and any_part_time:
        add(r=1, z=ints_of_tours(config, horizon))
    return ModelSize(variables=cols, integer_variables=ints, constraints=rows, nonzeros=nnz)


def ints_of_tours(config: RosterConfig, horizon: Horizon) -> int:
    """Tour columns (people variables) of the model: the part-time share row's width."""
    n_days = len(horizon.dates)
    weekdays = [d.weekday() for d in horizon.dates]
    rules = config.rules
    total = 0
    for tpl in config.templates:
        allowed = {d for d in range(n_days) if weekdays[d] in tpl.days}
        workdays = min(tpl.workdays or rules.workdays, n_days)
        n_pats = len(_patterns(n_days, workdays, rules.consecutive_days_off, allowed))
        lengths = [lm for lm in tpl.lengths_min if n_days != 7
                   or rules.min_weekly_hours <= workdays * lm / 60 <= rules.max_weekly_hours]
        total += n_pats * len(_bands(tpl, rules.start_band_minutes)) * len(lengths)
    return total


def size_of(required: Any, config: RosterConfig) -> ModelSize:
    """:func:`estimate_size` for a requirement series (validated by ``make_horizon``)."""
    from staffing.roster.build import make_horizon

    return estimate_size(make_horizon(required, config), config)
