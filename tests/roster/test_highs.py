"""The HiGHS adapter: Pyomo's public compiler gives the builder's rows; fallback; cancel while
HiGHS is silent; no private attributes."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyomo.version
import pytest

from staffing.roster import RosterConfig, RosterStatus, SolverOptions, solve_roster
from staffing.roster import highs as adapter
from staffing.roster import solve as solve_mod
from staffing.roster.build import FAMILIES, build_model, make_horizon
from tests.roster.conftest import day_index

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "data" / "roster_example.toml"


def example_model(days: int = 2, freq: str = "15min"):
    idx = day_index(freq, days=days, start="2024-01-07")  # Sun..
    rng = np.random.default_rng(4)
    required = pd.Series(rng.integers(0, 6, len(idx)).astype(float), index=idx)
    cfg = RosterConfig.from_toml(EXAMPLE)
    cfg = RosterConfig(cfg.templates, cfg.rules, cfg.penalties, None)
    return required, cfg, build_model(make_horizon(required, cfg), cfg)


def as_dict(form):
    out = {}
    for r in range(form.n_rows):
        a, b = form.indptr[r], form.indptr[r + 1]
        coefs = dict(zip(form.indices[a:b].tolist(), form.data[a:b].tolist(), strict=True))
        coefs = {k: v for k, v in coefs.items() if v != 0}
        out[(form.row_family[r], int(form.row_index[r]))] = (form.row_lb[r], form.row_ub[r],
                                                             coefs)
    return out


def test_pyomo_compiles_to_the_builder_rows():
    """The matrix HiGHS gets from Pyomo's public LinearStandardFormCompiler is the builder's
    own rows (so the fallback loads the same model). Run on the lowest supported Pyomo (6.8)
    and the newest, see docs/benchmarks.md."""
    _, _, built = example_model()
    compiled = adapter.compile_pyomo(built.model, built.n_cols)
    own = built.form
    assert compiled.n_cols == own.n_cols
    np.testing.assert_array_equal(compiled.cost, own.cost)
    np.testing.assert_array_equal(compiled.col_lb, own.col_lb)
    np.testing.assert_array_equal(compiled.col_ub, own.col_ub)
    np.testing.assert_array_equal(compiled.integer, own.integer)
    a, b = as_dict(compiled), as_dict(own)
    # the compiler drops rows without variables that are trivially satisfied; none here
    assert a.keys() == b.keys()
    assert a == b
    assert set(compiled.row_family) <= set(FAMILIES)
    assert len(compiled.rows_of("coverage")) == built.horizon.n


def test_compiler_failure_falls_back_to_the_same_rows(monkeypatch):
    required, cfg, _ = example_model()
    ref = solve_roster(required, cfg, SolverOptions(mip_rel_gap=0))

    def broken(*_a, **_k):
        raise AttributeError("no such compiler")

    monkeypatch.setattr(solve_mod, "compile_pyomo", broken)
    res = solve_roster(required, cfg, SolverOptions(mip_rel_gap=0))
    assert res.status is RosterStatus.OPTIMAL
    assert res.objective == pytest.approx(ref.objective)
    assert any("LinearStandardFormCompiler failed" in n for n in res.notes)


def test_no_private_solver_attributes():
    """The adapter and the solve module use public Pyomo/highspy APIs only."""
    for mod in (adapter, solve_mod):
        src = Path(mod.__file__).read_text()
        for private in ("_solver_model", "_pyomo_var_to_solver_var_map", "_postsolve",
                        "appsi"):
            assert private not in src, (mod.__name__, private)


class SilentHighs:
    """A stand-in for ``highspy.Highs`` whose ``run`` never reaches an interrupt check (as
    HiGHS in a long presolve): it only returns when the test releases it."""

    class _Cb:
        def subscribe(self, _fn):
            return None

        def unsubscribe(self, _fn):
            return None

    def __init__(self) -> None:
        self.release = threading.Event()
        cb = self._Cb()
        self.cbMipImprovingSolution = self.cbMipInterrupt = cb
        self.cbSimplexInterrupt = self.cbIpmInterrupt = cb

    def setOptionValue(self, *_a):  # noqa: N802 - highspy's name
        return adapter.highspy.HighsStatus.kOk

    def setSolution(self, _sol):  # noqa: N802
        return adapter.highspy.HighsStatus.kOk

    def run(self):
        self.release.wait(60)


def test_cancel_answers_while_highs_is_silent():
    """Cancel returns the best solution so far (here the start handed in) with status
    kInterrupt although HiGHS itself never checks for interrupts."""
    fake = SilentHighs()
    run = adapter.HighsRun(fake, time_limit_s=60, mip_rel_gap=0)
    run.set_start(np.array([1.0, 2.0]), 3.0)
    cancel = threading.Event()
    timer = threading.Timer(0.2, cancel.set)
    timer.start()
    t0 = time.perf_counter()
    try:
        out = run.run(cancel=cancel)
    finally:
        fake.release.set()
        timer.cancel()
    assert time.perf_counter() - t0 < 30  # the fake would block for 60 s
    assert out.model_status == "kInterrupt"
    assert out.values is not None and out.values.tolist() == [1.0, 2.0]
    assert out.objective == 3.0
    assert "background" in (out.note or "")


def test_versions_are_supported():
    major, minor = (int(x) for x in pyomo.version.version.split(".")[:2])
    assert (major, minor) >= (6, 8)


def test_time_limit_holds_while_highs_is_silent():
    """HiGHS checks its own limit only between phases; the run still answers after its limit
    (plus the grace) with the best so far and status kTimeLimit."""
    fake = SilentHighs()
    run = adapter.HighsRun(fake, time_limit_s=0.2, mip_rel_gap=0)
    run.set_start(np.array([4.0]), 4.0)
    t0 = time.perf_counter()
    try:
        out = run.run()
    finally:
        fake.release.set()
    assert time.perf_counter() - t0 < 30  # the fake would block for 60 s
    assert out.model_status == "kTimeLimit"
    assert out.values is not None and out.values.tolist() == [4.0]


def test_a_start_handed_to_highs_is_never_taken_at_a_wrong_objective():
    """HiGHS 1.16 with presolve values this cyclic instance's greedy start at 16 although it
    costs 18, and would stop there as "optimal"; the adapter recomputes every objective from
    the costs, notices, and runs again without the start: the true optimum 18 (seed 0 of
    test_classic_cyclic_24h_instance; scipy's MILP gives 18)."""
    import datetime as dt

    from staffing.roster import Penalties, ShiftTemplate
    from staffing.roster.warmstart import greedy_start
    from tests.roster.conftest import ONE_DAY

    r = np.random.default_rng(0).integers(0, 9, 24).astype(float)
    tpl = ShiftTemplate("eight", dt.time(0), dt.time(23), 60, 8.0, cost_per_hour=1 / 8)
    cfg = RosterConfig((tpl,), ONE_DAY, Penalties(1000.0, 0.0))
    built = build_model(make_horizon(pd.Series(r, index=day_index()), cfg), cfg)
    start = greedy_start(built)
    assert start is not None
    run = adapter.HighsRun(adapter.load(built.form), time_limit_s=60, mip_rel_gap=0,
                           threads=1)
    run.set_start(*start, to_highs=True)
    out = run.run()
    assert out.values is not None and out.objective is not None
    assert out.objective == pytest.approx(float(built.form.cost @ out.values))
    assert out.objective == pytest.approx(18.0)
    assert out.bound == pytest.approx(18.0)
    if start[1] > 18.0 + 1e-9:  # HiGHS had a start to misjudge
        assert out.misjudged or "misjudged" in (out.note or "")
