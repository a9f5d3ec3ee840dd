"""Model selection on the rolling-origin backtest: per-origin scores, recency weights,
near-ties to the simpler model, and forecast combinations as candidates.

Combinations (``combo_mean``: the mean of the ``COMBO_TOP`` best single models;
``combo_weighted``: single models weighted by inverse squared score, those within
``COMBO_RANGE`` x the best) are scored honestly: the members and weights used on one origin are
chosen on the *other* origins only (leave-one-origin-out), so a combination does not win by
peeking at the week it is scored on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from staffing.forecast.backtest import Backtest
from staffing.forecast.models import MODELS

COMBOS = ("combo_mean", "combo_weighted")
COMBO_TOP = 3
COMBO_RANGE = 1.3
COMBO_COMPLEXITY = {"combo_mean": 7, "combo_weighted": 8}
#: Baselines are scored and may join a combination's members, but never the reference one.
REFERENCE = "seasonal_naive"


def complexity(name: str) -> int:
    """Selection tie-break rank (lower is simpler)."""
    if name in COMBO_COMPLEXITY:
        return COMBO_COMPLEXITY[name]
    return int(getattr(MODELS.get(name), "complexity", 5))


def origin_weights(origins: Sequence[int], half_life_days: float) -> dict[int, float]:
    """Weight per origin, halving every ``half_life_days`` before the latest origin."""
    if not origins:
        return {}
    last = max(origins)
    if half_life_days <= 0:
        return dict.fromkeys(origins, 1.0)
    return {o: float(0.5 ** ((last - o) / half_life_days)) for o in origins}


def _err(actual: np.ndarray, pred: np.ndarray, metric: str) -> tuple[float, float]:
    """(numerator, denominator) of MAE or WAPE on one origin."""
    ok = ~np.isnan(actual)
    e = float(np.abs(actual[ok] - pred[ok]).sum())
    return e, float(ok.sum() if metric == "mae" else actual[ok].sum())


@dataclass
class Selection:
    """Outcome of :func:`select`.

    Attributes
    ----------
    model:
        The chosen candidate (a model name or a combination name).
    scores:
        Recency-weighted backtest score per candidate (the metric; NaN = not scored).
    per_origin:
        One row per origin (index: origin day), one column per candidate: the metric.
    members:
        For a combination, its member models and weights (for the final refit).
    preds:
        Per candidate, per origin, the backtest predictions (combinations included).
    """

    model: str
    scores: dict[str, float]
    per_origin: pd.DataFrame
    members: dict[str, dict[str, float]] = field(default_factory=dict)
    preds: dict[str, dict[int, np.ndarray]] = field(default_factory=dict)


def weighted_score(bt: Backtest, preds: dict[int, np.ndarray], weights: dict[int, float],
                   metric: str, skip: int | None = None) -> float:
    """Recency-weighted metric over origins (``skip``: leave that origin out)."""
    num = den = 0.0
    for o, p in preds.items():
        if o == skip:
            continue
        e, d = _err(bt.actual[o], p, metric)
        if d <= 0:
            continue
        num += weights[o] * e
        den += weights[o] * d
    return num / den if den > 0 else np.nan


def _combo_members(scores: dict[str, float], mode: str) -> dict[str, float]:
    ok = {n: s for n, s in scores.items() if np.isfinite(s) and s > 0}
    if len(ok) < 2:
        return {}
    ranked = sorted(ok, key=lambda n: ok[n])
    if mode == "combo_mean":
        top = ranked[:COMBO_TOP]
        return {n: 1.0 / len(top) for n in top}
    best = ok[ranked[0]]
    near = [n for n in ranked if ok[n] <= COMBO_RANGE * best]
    if len(near) < 2:
        near = ranked[:2]
    w = np.array([1.0 / ok[n] ** 2 for n in near])
    w /= w.sum()
    return dict(zip(near, w.tolist(), strict=True))


def _blend(members: dict[str, float], preds: dict[str, dict[int, np.ndarray]],
           o: int) -> np.ndarray:
    return sum(w * preds[n][o] for n, w in members.items())  # type: ignore[return-value]


def select(bt: Backtest, candidates: Sequence[str], *, metric: str, half_life_days: float,
           tie_tolerance: float, combine: bool) -> Selection:
    """Score candidates on the common origins and pick one (see module doc).

    The chosen candidate is the simplest (lowest :func:`complexity`) whose weighted score is
    within ``tie_tolerance`` (a fraction) of the best.
    """
    # candidates that failed on some origin are not comparable: scored on all or left out
    full = [n for n in candidates if bt.origins and len(bt.preds.get(n, {})) == len(bt.origins)]
    if full:
        candidates = full
    common = [o for o in bt.origins if all(o in bt.preds.get(n, {}) for n in candidates)]
    weights = origin_weights(common, half_life_days)
    singles = [n for n in candidates if n in bt.preds and common]
    preds = {n: {o: bt.preds[n][o] for o in common} for n in singles}
    scores = {n: weighted_score(bt, preds[n], weights, metric) for n in singles}
    members: dict[str, dict[str, float]] = {}
    pool = [n for n in singles if n != REFERENCE]
    if combine and len(pool) >= 2 and len(common) >= 2:
        for mode in COMBOS:
            cp: dict[int, np.ndarray] = {}
            for o in common:
                loo = {n: weighted_score(bt, preds[n], weights, metric, skip=o) for n in pool}
                mem = _combo_members(loo, mode)
                if mem:
                    cp[o] = _blend(mem, preds, o)
            if len(cp) == len(common):
                preds[mode] = cp
                scores[mode] = weighted_score(bt, cp, weights, metric)
                members[mode] = _combo_members({n: scores[n] for n in pool}, mode)
    per_origin = pd.DataFrame(
        {n: [(lambda e: e[0] / e[1] if e[1] > 0 else np.nan)(_err(bt.actual[o], p[o], metric))
             for o in common] for n, p in preds.items()},
        index=pd.Index(common, name="origin_day"),
    )
    if len(per_origin):
        per_origin["weight"] = [weights[o] for o in common]
    finite = {n: s for n, s in scores.items() if np.isfinite(s)}
    if not finite:
        return Selection("", scores, per_origin, members, preds)
    best = min(finite.values())
    near = [n for n, s in finite.items() if s <= best * (1 + tie_tolerance) + 1e-12]
    chosen = min(near, key=lambda n: (complexity(n), finite[n]))
    return Selection(chosen, scores, per_origin, members, preds)
