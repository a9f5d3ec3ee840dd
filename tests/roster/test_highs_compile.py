"""``staffing.roster.highs.compile_model``: any linear Pyomo model (several variable
components, fixed variables, ranged rows) compiles to the rows written by hand, and HiGHS
solves it to the optimum worked out by hand."""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import pytest

from staffing.roster import highs as adapter


def _model() -> pyo.ConcreteModel:
    m = pyo.ConcreteModel()
    m.x = pyo.Var([0, 1], domain=pyo.NonNegativeIntegers, bounds=(0, 5))
    m.y = pyo.Var(domain=pyo.NonNegativeReals)
    m.z = pyo.Var(domain=pyo.Binary)
    m.z.fix(1)
    m.c = pyo.ConstraintList()
    m.c.add(pyo.inequality(1, m.x[0] + m.x[1] - m.y, 4))  # ranged
    m.c.add(m.x[0] + 2 * m.z >= 3)  # the fixed z folds into the bound: x0 >= 1
    m.obj = pyo.Objective(expr=3 * m.x[0] + 2 * m.x[1] + m.y + 7 * m.z)
    return m


def test_compile_model_folds_fixed_variables_and_keeps_both_sides() -> None:
    form, cols, offset = adapter.compile_model(_model())
    names = [v.name for v in cols]
    assert sorted(names) == ["x[0]", "x[1]", "y"]  # z is fixed: not a column
    assert offset == pytest.approx(7.0)
    dense = np.zeros((form.n_rows, form.n_cols))
    for r in range(form.n_rows):
        for k in range(form.indptr[r], form.indptr[r + 1]):
            dense[r, form.indices[k]] = form.data[k]
    j = {n: names.index(n) for n in names}
    rows = {(tuple(dense[r]), form.row_lb[r], form.row_ub[r]) for r in range(form.n_rows)}
    ranged = np.zeros(3)
    ranged[[j["x[0]"], j["x[1]"], j["y"]]] = [1, 1, -1]
    single = np.zeros(3)
    single[j["x[0]"]] = 1
    assert (tuple(ranged), 1.0, np.inf) in rows and (tuple(ranged), -np.inf, 4.0) in rows
    assert (tuple(single), 1.0, np.inf) in rows
    assert form.integer.tolist() == [n.startswith("x") for n in names]


def test_compiled_model_solves_to_the_hand_optimum() -> None:
    form, cols, offset = adapter.compile_model(_model())
    out = adapter.HighsRun(adapter.load(form), time_limit_s=60, mip_rel_gap=0.0,
                           threads=1).run()
    assert out.model_status == "kOptimal"
    assert out.objective is not None
    # x0 >= 1 and x0 + x1 - y >= 1: x0 = 1, x1 = 0, y = 0 -> 3 + 7 (fixed z)
    assert out.objective + offset == pytest.approx(10.0)
