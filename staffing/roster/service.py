"""The service objective's input: expected calls answered within the threshold per interval as
a function of agents on the floor (a table), and its piecewise-linear model.

The roster model does not know Erlang (``roster`` never imports ``erlang``): the caller
(:func:`staffing.service_curve.answered_curve`, used by the pipeline) tabulates, per interval,
``answered[i, k]`` = expected calls answered within ``answer_s`` with ``k`` agents on the floor
(``k = 0 .. K``), computed by :func:`staffing.evaluate.evaluate` itself, so what the model
promises at an integer agent count is what evaluation reports for the roster.

Model (Koole & van der Sluis 2003, global service level): per interval with calls a continuous
``z_i`` (answered within the threshold) below every tangent line of the table from its steepest
step on, ``z_i <= f(k) + (f(k+1) - f(k)) (s_i - k)``, and ``z_i <= f(K)``. Above the steepest
step (the *onset*) the table is concave (Erlang C/A service rises ever more slowly with more
agents), so the lines are exact at every integer ``s_i`` from the onset on; below it (the few
agents where service is still ~0, a convex stretch no line can follow) they would promise less
than evaluation gives. So every interval with calls that a shift can reach gets at least the
onset's agent count (:meth:`ServiceCurve.min_agents`): the low convex part is never used and
the promise is exact at every count the model can choose. The interval floor is the same kind
of row, as the smallest whole agent count whose service meets it (tighter for the LP than a
floor on ``z_i``). Constraints: the volume-weighted service level over the horizon
``sum z_i >= target * sum calls_i``; the objective is wages (coverage penalties are not used in
this mode).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from staffing.exceptions import InputError

__all__ = ["ServiceCurve"]


@dataclass(frozen=True)
class ServiceCurve:
    """Expected answered-within-threshold calls per interval and agent count.

    Attributes
    ----------
    calls:
        Calls offered per interval (length ``N``, the roster's grid).
    answered:
        ``(N, K + 1)`` expected calls answered within the threshold with ``k`` agents on the
        floor, ``k = 0 .. K``; non-decreasing in ``k`` and at most ``calls``.
    target:
        Weekly (horizon) service level to meet, fraction in (0, 1].
    interval_floor:
        Lowest service level allowed in any interval with calls, fraction in [0, 1], or None.
    """

    calls: np.ndarray
    answered: np.ndarray
    target: float
    interval_floor: float | None = None

    def __post_init__(self) -> None:
        calls = np.asarray(self.calls, dtype=float)
        table = np.asarray(self.answered, dtype=float)
        if table.ndim != 2 or table.shape[0] != len(calls) or table.shape[1] < 2:
            raise InputError("service.answered", table.shape,
                             f"an ({len(calls)}, K + 1) table with K >= 1")
        if not (np.isfinite(calls).all() and np.isfinite(table).all()):
            raise InputError("service.answered", "non-finite", "finite values")
        if not 0 < self.target <= 1:
            raise InputError("goals.service_level", self.target, "a fraction in (0, 1]")
        if self.interval_floor is not None and not 0 <= self.interval_floor <= 1:
            raise InputError("solver.min_interval_service_level", self.interval_floor,
                             "a fraction in [0, 1]")
        object.__setattr__(self, "calls", calls)
        object.__setattr__(self, "answered", np.maximum.accumulate(
            np.clip(table, 0.0, calls[:, None]), axis=1))

    @property
    def k_max(self) -> int:
        """Largest agent count tabulated."""
        return int(self.answered.shape[1] - 1)

    def onset(self) -> np.ndarray:
        """Per interval, the agent count of the table's steepest step (0 without calls): from
        it on the table is concave and the tangent lines are exact."""
        d = np.diff(self.answered, axis=1)
        return np.where(self.calls > 0, np.argmax(d, axis=1), 0).astype(np.int64)

    def min_agents(self) -> np.ndarray:
        """Per interval, the fewest agents on the floor the service model allows: the onset
        (:meth:`onset`) and, with an ``interval_floor``, the first count whose service meets
        it (``k_max`` when none does); 0 without calls."""
        need = self.onset()
        if self.interval_floor:
            meets = self.answered >= self.interval_floor * self.calls[:, None] - 1e-9
            floor_k = np.where(meets.any(axis=1), np.argmax(meets, axis=1), self.k_max)
            need = np.maximum(need, np.where(self.calls > 0, floor_k, 0))
        return need.astype(np.int64)

    def lines(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """(slopes, intercepts) of the tangent lines used for interval ``i``:
        ``z <= intercept + slope * s``; the last line is the flat cap ``f(K)``.

        Lines start at the onset; the tail where what is still to gain up to ``f(K)`` is below
        0.05 % of the interval's calls is left to the cap, so the promise exceeds the table by
        at most 0.05 point there."""
        f = self.answered[i]
        d = np.diff(f)
        k_lo = int(np.argmax(d))  # steepest step: concave from here on
        left = f[-1] - f[:-1]  # still to gain from k agents up to f(K)
        ks = np.arange(k_lo, len(d))
        ks = ks[(left[ks] > max(5e-4 * float(self.calls[i]), 1e-12)) & (d[ks] > 0)]
        slopes = np.append(d[ks], 0.0)
        intercepts = np.append(f[ks] - d[ks] * ks, f[-1])
        return slopes, intercepts

    def promised(self, scheduled: np.ndarray) -> np.ndarray:
        """Service level (fraction) the model promises for whole agents on the floor per
        interval (1 where there are no calls)."""
        s = np.clip(np.rint(np.asarray(scheduled, dtype=float)), 0, self.k_max).astype(int)
        table = self.promise_table()
        got = table[np.arange(len(s)), s]
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.calls > 0, got / np.where(self.calls > 0, self.calls, 1), 1.0)

    def promise_table(self) -> np.ndarray:
        """``(N, K + 1)``: what the lines promise at each integer agent count (the table
        itself from the onset on, within 0.05 point; conservative below it, where the model
        never goes); cached."""
        cached = self.__dict__.get("_promise")
        if cached is not None:
            return cached
        ks = np.arange(self.k_max + 1, dtype=float)
        out = self.answered.copy()
        for i in np.nonzero(self.calls > 0)[0]:
            slopes, icpt = self.lines(int(i))
            out[i] = np.minimum((icpt[:, None] + slopes[:, None] * ks[None, :]).min(axis=0),
                                self.calls[i])
        object.__setattr__(self, "_promise", out)
        return out
