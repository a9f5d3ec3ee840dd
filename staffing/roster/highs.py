"""The one adapter between the roster model and HiGHS (public APIs only).

Path: the Pyomo model of :mod:`staffing.roster.build` is compiled to matrix form by Pyomo's
public ``LinearStandardFormCompiler`` (``pyomo.repn.plugins.standard_form``, Pyomo >= 6.7),
mapped back to the model's own column and row order, and handed to ``highspy.Highs`` with
``passModel`` (a ``HighsLp`` with a column-wise matrix and integrality). No private attribute
of Pyomo or highspy is touched. If the compiler is missing or fails on a future Pyomo, the same
rows the Pyomo model was built from (:class:`StandardForm` kept by the builder) are loaded
instead and the result says so in its notes; ``tests/roster/test_highs.py`` checks that both
are the same matrix.

Running: :class:`HighsRun` runs ``Highs.run()`` in a worker thread (highspy releases the GIL)
while the calling thread watches the cancel event every 20 ms. HiGHS's own interrupt callbacks
(MIP, simplex, IPM) are asked to stop as soon as cancel is set, but HiGHS can stay silent for
seconds inside presolve, the root LP or a sub-MIP heuristic. So the caller does not wait for it:
after :data:`CANCEL_GRACE_S` the run returns ``kInterrupt`` with the best incumbent seen by the
improving-solution callback (or the warm start), and HiGHS stops at its next check in the
background, releasing its memory then. HiGHS's scheduler thread count is process-wide; it is
reset only when no solve (including one still stopping in the background) is running.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np

from staffing.exceptions import InputError, SolverUnavailableError

__all__ = ["CANCEL_GRACE_S", "HighsOutcome", "HighsRun", "StandardForm", "compile_model",
           "compile_pyomo", "load", "primal_values", "solve_lp"]

#: Seconds the caller waits, after cancel, for HiGHS to stop by itself before returning the
#: best solution seen so far.
CANCEL_GRACE_S = 0.3
_POLL_S = 0.02
INF = float("inf")


@dataclass
class StandardForm:
    """``row_lb <= A x <= row_ub``, ``col_lb <= x <= col_ub``, minimise ``cost @ x``.

    ``A`` is row-wise (CSR: ``indptr``, ``indices``, ``data``); ``integer`` flags integer
    columns; ``row_family`` / ``row_index`` name each row (constraint family and index inside
    it) so duals and diagnostics can be read by name.
    """

    cost: np.ndarray
    col_lb: np.ndarray
    col_ub: np.ndarray
    integer: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    row_lb: np.ndarray
    row_ub: np.ndarray
    row_family: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    row_index: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def n_cols(self) -> int:
        """Number of columns."""
        return len(self.cost)

    @property
    def n_rows(self) -> int:
        """Number of rows."""
        return len(self.row_lb)

    def rows_of(self, family: str) -> np.ndarray:
        """Row positions of one constraint family, in index order."""
        pos = np.nonzero(self.row_family == family)[0]
        return pos[np.argsort(self.row_index[pos], kind="stable")]

    def csc(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The matrix column-wise: (start, index, value)."""
        rows = np.repeat(np.arange(self.n_rows), np.diff(self.indptr))
        order = np.lexsort((rows, self.indices))
        start = np.searchsorted(self.indices[order], np.arange(self.n_cols + 1))
        return start.astype(np.int32), rows[order].astype(np.int32), self.data[order]


def compile_pyomo(model: Any, n_cols: int) -> StandardForm:
    """Compile a Pyomo model with one indexed variable ``v`` (0..n_cols-1) through Pyomo's public
    ``LinearStandardFormCompiler`` into a :class:`StandardForm` in the model's column order."""
    from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

    info = LinearStandardFormCompiler().write(model, mixed_form=True)
    col_of = np.fromiter((int(v.index()) for v in info.columns), dtype=np.int64,
                         count=len(info.columns))
    var = model.v
    col_lb = np.array([_bound(var[j].lb, -INF) for j in range(n_cols)])
    col_ub = np.array([_bound(var[j].ub, INF) for j in range(n_cols)])
    integer = np.array([var[j].is_integer() for j in range(n_cols)], dtype=bool)
    cost = np.zeros(n_cols)
    c = info.c.toarray()
    if c.shape[0]:
        cost[col_of] = c[0]
    # rows: mixed form lists each side of a ranged row apart; merge per constraint
    A = info.A.tocsr()
    keys: dict[tuple[str, int], int] = {}
    lbs: list[float] = []
    ubs: list[float] = []
    first: list[int] = []
    for r, entry in enumerate(info.rows):
        con = entry.constraint
        key = (con.parent_component().local_name, int(con.index()))
        k = keys.get(key)
        if k is None:
            k = keys[key] = len(lbs)
            lbs.append(-INF)
            ubs.append(INF)
            first.append(r)
        rhs = float(info.rhs[r])
        if entry.bound_type == 0:
            lbs[k] = ubs[k] = rhs
        elif entry.bound_type > 0:
            ubs[k] = rhs
        else:
            lbs[k] = rhs
    sub = A[np.array(first, dtype=np.int64)] if first else A[:0]
    sub.sort_indices()
    names = np.array([k[0] for k in keys], dtype=object)
    idx = np.array([k[1] for k in keys], dtype=np.int64)
    return StandardForm(cost, col_lb, col_ub, integer, sub.indptr.astype(np.int64),
                        col_of[sub.indices], sub.data.astype(float), np.array(lbs),
                        np.array(ubs), names, idx)


def compile_model(model: Any) -> tuple[StandardForm, list[Any], float]:
    """Compile any linear Pyomo model (several variable components) through Pyomo's public
    ``LinearStandardFormCompiler``: returns the form in the compiler's column order, the Pyomo
    variables of its columns, and the objective's constant. Fixed variables are folded into
    the rows' bounds (so a model with most columns fixed compiles and loads small); each
    side of a ranged constraint is its own row (``row_family`` is the constraint's name)."""
    from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

    info = LinearStandardFormCompiler().write(model, mixed_form=True)
    cols = list(info.columns)
    n = len(cols)
    col_lb = np.array([_bound(v.lb, -INF) for v in cols])
    col_ub = np.array([_bound(v.ub, INF) for v in cols])
    integer = np.array([v.is_integer() for v in cols], dtype=bool)
    cost = np.zeros(n)
    c = info.c.toarray()
    if c.shape[0]:
        cost[:] = c[0]
    offset = float(np.asarray(info.c_offset).ravel()[0]) if np.size(info.c_offset) else 0.0
    kinds = np.array([entry.bound_type for entry in info.rows], dtype=np.int64)
    rhs = np.asarray(info.rhs, dtype=float).ravel()
    A = info.A.tocsr()
    A.sort_indices()
    names = np.array([entry.constraint.name for entry in info.rows], dtype=object)
    form = StandardForm(cost, col_lb, col_ub, integer, A.indptr.astype(np.int64),
                        A.indices.astype(np.int64), A.data.astype(float),
                        np.where(kinds <= 0, rhs, -INF), np.where(kinds >= 0, rhs, INF),
                        names, np.arange(len(kinds), dtype=np.int64))
    return form, cols, offset


def _bound(value: Any, default: float) -> float:
    return default if value is None else float(value)


_BANNER_LOCK = threading.Lock()
_BANNER_DONE = [False]


def _new_highs() -> Any:
    """A ``highspy.Highs``; the first one of the process is made with stdout/stderr pointed at
    /dev/null, because newer HiGHS prints its banner from the constructor, before any option can
    silence it (library code never prints)."""
    with _BANNER_LOCK:
        if _BANNER_DONE[0]:
            return highspy.Highs()
        sys.stdout.flush()
        sys.stderr.flush()
        saved = [os.dup(1), os.dup(2)]
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, 1)
            os.dup2(null, 2)
            h = highspy.Highs()
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in (*saved, null):
                os.close(fd)
            _BANNER_DONE[0] = True
        return h


def load(form: StandardForm) -> Any:
    """A silent ``highspy.Highs`` holding the model, loaded with ``passModel``."""
    try:
        h = _new_highs()
    except Exception as exc:  # pragma: no cover - dependency is declared
        raise SolverUnavailableError(f"HiGHS is not available: {exc}") from exc
    h.setOptionValue("output_flag", False)
    lp = highspy.HighsLp()
    lp.num_col_ = form.n_cols
    lp.num_row_ = form.n_rows
    lp.col_cost_ = form.cost.astype(float)
    lp.col_lower_ = form.col_lb.astype(float)
    lp.col_upper_ = form.col_ub.astype(float)
    lp.row_lower_ = form.row_lb.astype(float)
    lp.row_upper_ = form.row_ub.astype(float)
    start, index, value = form.csc()
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = start
    lp.a_matrix_.index_ = index
    lp.a_matrix_.value_ = value
    lp.a_matrix_.num_col_ = form.n_cols
    lp.a_matrix_.num_row_ = form.n_rows
    if form.integer.any():
        lp.integrality_ = [highspy.HighsVarType.kInteger if f else
                           highspy.HighsVarType.kContinuous for f in form.integer.tolist()]
    status = h.passModel(lp)
    if status == highspy.HighsStatus.kError:  # pragma: no cover - our matrices are valid
        raise SolverUnavailableError("HiGHS refused the model (passModel returned kError)")
    return h


# ---- the process-wide scheduler ---------------------------------------------------------
# HiGHS runs its parallel parts on one scheduler whose thread count is fixed by the first solve;
# a later ``run()`` asking for another count fails with kError. The count is reset only when no
# run is active (a cancelled run still stopping in the background counts as active).
_SCHED_LOCK = threading.Lock()
_SCHED: dict[str, int | None] = {"threads": None, "active": 0}


def _enter_scheduler(requested: int | None) -> tuple[int | None, str | None]:
    with _SCHED_LOCK:
        current = _SCHED["threads"]
        note = None
        threads = None
        if requested is not None:
            if not _SCHED["active"]:
                highspy.Highs.resetGlobalScheduler(True)
                _SCHED["threads"] = threads = requested
            elif requested == current:
                threads = requested
            else:
                note = (f"threads={requested} not applied: a concurrent solve holds HiGHS's "
                        f"process-wide scheduler at {current or 'its default'} threads")
        _SCHED["active"] = int(_SCHED["active"] or 0) + 1
        return threads, note


def _leave_scheduler() -> None:
    with _SCHED_LOCK:
        _SCHED["active"] = int(_SCHED["active"] or 0) - 1


def _interrupt(event: Any) -> None:
    """Ask HiGHS to stop from inside a callback (``interrupt()`` in newer highspy; older
    releases, 1.8 among them, take the flag on ``data_in``)."""
    if hasattr(event, "interrupt"):
        event.interrupt()
    else:
        event.data_in.user_interrupt = True


def _finite(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if np.isfinite(v) and abs(v) < 1e50 else None


def _copy_solution(sol: Any, n: int) -> np.ndarray:
    """Copy a callback's ``mip_solution`` (a numpy array in newer highspy, a read-only pointer
    wrapper to be indexed in 1.8)."""
    if isinstance(sol, np.ndarray | list | tuple):
        return np.array(sol, dtype=float)
    return np.fromiter((sol[i] for i in range(n)), dtype=float, count=n)


@dataclass
class HighsOutcome:
    """What a run ended with. ``values`` are column values of the best solution known
    (HiGHS's, the last improving one seen by the callback, or the warm start); ``source``
    says which; ``runtime_s`` is wall-clock seconds from start to return."""

    model_status: str
    values: np.ndarray | None
    objective: float | None
    bound: float | None
    runtime_s: float
    source: str = ""
    node_count: int = -1
    note: str | None = None
    misjudged: bool = False  # HiGHS's objective for the handed start was not its cost


Report = Callable[[float | None, float | None], None]


class HighsRun:
    """One HiGHS run of a loaded model with progress, cancel and an optional start."""

    def __init__(self, h: Any, *, time_limit_s: float, mip_rel_gap: float,
                 threads: int | None = None, extra: dict[str, Any] | None = None) -> None:
        self.h = h
        self.time_limit_s = max(float(time_limit_s), 1e-3)
        h.setOptionValue("time_limit", self.time_limit_s)
        h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
        for key, value in (extra or {}).items():
            if h.setOptionValue(str(key), value) != highspy.HighsStatus.kOk:
                raise InputError(f"extra.{key}", value,
                                 "a HiGHS option name with a valid value")
        self.requested_threads = threads
        self._best: np.ndarray | None = None
        self._best_obj: float | None = None
        self._best_lock = threading.Lock()
        self._bound: float | None = None
        self._start_obj: float | None = None
        self._start: np.ndarray | None = None
        self._handed = False
        self._cost: np.ndarray | None = None

    def _true_objective(self, values: np.ndarray) -> float | None:
        """The objective of ``values`` from the model's own costs (None if unknown)."""
        if self._cost is None or len(self._cost) != len(values):
            return None
        return float(self._cost @ values)

    def set_start(self, values: np.ndarray, objective: float, *, to_highs: bool = False) -> None:
        """Keep a feasible solution as the answer until HiGHS finds a better one; with
        ``to_highs`` also hand it to HiGHS (``setSolution``) so that its search and its
        improvement heuristics start from it (the roster solve does).

        HiGHS 1.16 with presolve can misjudge a start: it maps it into the presolved space,
        values it below its true cost there (16 for a start costing 18 on a small cyclic
        instance of ``tests/roster/test_solve.py``), calls it optimal and returns the start.
        Every objective is therefore recomputed here from the model's costs; when HiGHS's
        differs, the run is repeated without the start for the time left (see :meth:`run`)."""
        with self._best_lock:
            self._best, self._best_obj = np.asarray(values, dtype=float), float(objective)
            self._start_obj = float(objective)
            self._start = self._best
        if to_highs:
            sol = highspy.HighsSolution()
            sol.col_value = self._best.tolist()
            sol.value_valid = True
            self.h.setSolution(sol)
            self._handed = True

    def run(self, *, report: Report | None = None,
            cancel: threading.Event | None = None) -> HighsOutcome:
        """Run to the end, the time limit, or cancel (answering within ~CANCEL_GRACE_S)."""
        if self._cost is None and hasattr(self.h, "getLp"):
            self._cost = np.asarray(self.h.getLp().col_cost_, dtype=float)
        t0 = time.perf_counter()
        threads, note = _enter_scheduler(self.requested_threads)
        if threads is not None:
            self.h.setOptionValue("threads", threads)
        out = self._run_once(report, cancel, note)
        if threads is not None and out.model_status == "kNotset":
            # HiGHS refused the thread count (its scheduler runs another): use its default.
            self.h.setOptionValue("threads", 0)
            _enter_scheduler(None)
            out = self._run_once(report, cancel, f"threads={threads} refused by HiGHS's "
                                 "running scheduler; used its default")
        left = self.time_limit_s - (time.perf_counter() - t0)
        if out.misjudged and not (cancel is not None and cancel.is_set()) and left > 0.05:
            # HiGHS valued the start below its cost (see set_start): forget it, run again
            self.h.clearSolver()
            self._handed = False
            self.h.setOptionValue("time_limit", left)
            full, self.time_limit_s = self.time_limit_s, left
            _enter_scheduler(None)
            again = self._run_once(report, cancel, "HiGHS misjudged the handed start's "
                                   "objective; re-ran without it")
            again.runtime_s = time.perf_counter() - t0
            self.time_limit_s = full
            out = again
        elif out.misjudged:  # no time to run again: a roster, not a proof
            out.bound, out.model_status = None, "kTimeLimit"
        return out

    def _run_once(self, report: Report | None, cancel: threading.Event | None,
                  note: str | None) -> HighsOutcome:
        h = self.h
        start = time.perf_counter()
        last = [0.0]
        stop = threading.Event()
        n_cols = int(h.getNumCol()) if hasattr(h, "getNumCol") else 0

        def on_improving(e: Any) -> None:
            out = e.data_out
            obj = _finite(out.objective_function_value)
            sol = getattr(out, "mip_solution", None)
            if obj is not None and sol is not None:
                values = _copy_solution(sol, n_cols)
                obj = self._true_objective(values) if self._cost is not None else obj
                assert obj is not None
                with self._best_lock:
                    if self._best_obj is None or obj <= self._best_obj + 1e-9:
                        self._best, self._best_obj = values, obj
            bound = _finite(out.mip_dual_bound)
            if bound is not None:
                self._bound = bound
            if report is not None:
                report(self._best_obj, _finite(out.mip_dual_bound))
            last[0] = time.perf_counter()

        def on_poll(e: Any) -> None:
            if stop.is_set():
                _interrupt(e)
                return
            now = time.perf_counter()
            bound = _finite(e.data_out.mip_dual_bound)
            if bound is not None:
                self._bound = bound
            if report is not None and now - last[0] >= 0.5:
                last[0] = now
                report(self._best_obj, _finite(e.data_out.mip_dual_bound))

        subs = ((h.cbMipImprovingSolution, on_improving), (h.cbMipInterrupt, on_poll),
                (h.cbSimplexInterrupt, on_poll), (h.cbIpmInterrupt, on_poll))
        for cb, fn in subs:
            cb.subscribe(fn)
        done = threading.Event()
        failure: list[BaseException] = []

        def work() -> None:
            try:
                h.run()
            except BaseException as exc:  # pragma: no cover - surfaced below
                failure.append(exc)
            finally:
                for cb, fn in subs:
                    cb.unsubscribe(fn)
                _leave_scheduler()
                done.set()

        if cancel is not None and cancel.is_set():
            _leave_scheduler()
            return self._cancelled(start, note, "cancelled before the solve started")
        worker = threading.Thread(target=work, name="highs-run", daemon=True)
        worker.start()
        deadline = start + self.time_limit_s + CANCEL_GRACE_S
        timed_out = False
        while not done.wait(_POLL_S):
            if cancel is not None and cancel.is_set():
                stop.set()
                if done.wait(CANCEL_GRACE_S):
                    break
                return self._cancelled(start, note, (
                    "HiGHS was inside a phase without interrupt checks; the best roster so "
                    "far is returned and HiGHS stops at its next check in the background"))
            if time.perf_counter() > deadline:
                # HiGHS checks its own time limit only between phases; past it, stop it and
                # answer with the best so far instead of running on
                stop.set()
                timed_out = True
                if done.wait(CANCEL_GRACE_S):
                    break
                out = self._cancelled(start, note, (
                    "HiGHS ran past the time limit inside a phase without checks; the best "
                    "roster so far is returned and HiGHS stops in the background"))
                out.model_status = "kTimeLimit"
                return out
        if failure:  # pragma: no cover
            raise failure[0]
        out = self._read(start, note)
        if timed_out and out.model_status == "kInterrupt":  # our stop at the time limit
            out.model_status = "kTimeLimit"
        return out

    def _cancelled(self, start: float, note: str | None, why: str) -> HighsOutcome:
        with self._best_lock:
            best, obj = self._best, self._best_obj
        notes = "; ".join(x for x in (note, why) if x)
        return HighsOutcome("kInterrupt", best, obj, self._bound if best is not None else None,
                            time.perf_counter() - start,
                            "incumbent" if best is not None else "", -1, notes or None)

    def _read(self, start: float, note: str | None) -> HighsOutcome:
        h = self.h
        runtime_s = time.perf_counter() - start
        status = h.getModelStatus()
        name = getattr(status, "name", str(status)).split(".")[-1]
        sol = h.getSolution()
        info = h.getInfo()
        values: np.ndarray | None = None
        objective: float | None = None
        source = ""
        misjudged = False
        if bool(sol.value_valid) and info.primal_solution_status >= 2:
            values = np.asarray(sol.col_value, dtype=float)
            objective = float(info.objective_function_value)
            true = self._true_objective(values)
            if true is not None:
                misjudged = self._handed and abs(true - objective) > 1e-6 * max(1.0, abs(true))
                objective = true
            source = "highs"
        with self._best_lock:
            start_better = (self._start_obj is not None and self._start is not None and (
                objective is None or self._start_obj < objective - 1e-9))
            if start_better:
                values, objective, source = self._start, self._start_obj, "start"
        bound: float | None = None
        if values is not None:
            bound = (_finite(info.mip_dual_bound) if info.mip_node_count >= 0 else objective)
        if misjudged and bound is not None and objective is not None:
            bound = min(bound, objective)
        return HighsOutcome(name, values, objective, bound, runtime_s, source,
                            int(info.mip_node_count), note, misjudged)


def solve_lp(h: Any, time_limit_s: float = 60.0) -> tuple[str, np.ndarray | None]:
    """Solve a loaded LP (no callbacks); return (model status name, row duals or None)."""
    h.setOptionValue("time_limit", float(time_limit_s))
    h.run()
    status = h.getModelStatus()
    name = getattr(status, "name", str(status)).split(".")[-1]
    sol = h.getSolution()
    duals = np.asarray(sol.row_dual, dtype=float) if bool(sol.dual_valid) else None
    return name, duals


def primal_values(h: Any) -> np.ndarray | None:
    """Column values of a solved model (after :func:`solve_lp`), or None."""
    sol = h.getSolution()
    return np.asarray(sol.col_value, dtype=float) if bool(sol.value_valid) else None
