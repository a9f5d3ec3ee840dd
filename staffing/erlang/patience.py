"""Mean caller patience from queue waits (censored exponential maximum likelihood).

Assumption: patience is exponential with one mean over the whole log, and independent of the
wait the queue would have offered (random right-censoring). An abandoned call's wait *is* its
patience; a served call's wait is a lower bound on it (censored). The likelihood
``theta^d exp(-theta T)`` with ``d`` abandons and ``T`` the total wait of all queued calls
gives the MLE

    mean patience = T / d  (seconds)

and the confidence interval uses ``log(mean)`` with standard error ``1 / sqrt(d)`` (observed
information). Exponential patience is what Erlang A assumes; real patience often has a
decreasing hazard, so read the figure as the Erlang A parameter that matches the abandon
count, not as a full description of callers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import norm

from staffing.erlang import _checks as ck
from staffing.exceptions import InputError


@dataclass(frozen=True)
class PatienceFit:
    """Fitted mean patience (seconds) with its confidence interval.

    Attributes
    ----------
    mean_patience_s:
        Maximum-likelihood mean patience, seconds.
    ci_low_s, ci_high_s:
        Confidence interval of the mean, seconds.
    confidence:
        Level of the interval, e.g. 0.95.
    abandons:
        Observed patiences (abandoned calls).
    censored:
        Served calls (patience known only to exceed the wait).
    total_wait_s:
        Sum of waits of all queued calls, seconds.
    """

    mean_patience_s: float
    ci_low_s: float
    ci_high_s: float
    confidence: float
    abandons: int
    censored: int
    total_wait_s: float

    @property
    def rate_per_s(self) -> float:
        """Abandonment hazard theta = 1 / mean patience, per second."""
        return 1.0 / self.mean_patience_s

    def summary(self) -> dict[str, float | int]:
        """The fit as a plain dict."""
        return {
            "mean_patience_s": self.mean_patience_s,
            "ci_low_s": self.ci_low_s,
            "ci_high_s": self.ci_high_s,
            "confidence": self.confidence,
            "abandons": self.abandons,
            "censored": self.censored,
            "total_wait_s": self.total_wait_s,
        }


def fit_patience(wait_s: Any, abandoned: Any, *, confidence: float = 0.95) -> PatienceFit:
    """Fit mean patience (s) from waits of queued calls and their abandoned flags.

    Parameters
    ----------
    wait_s:
        Time each queued call spent waiting, seconds (>= 0).
    abandoned:
        True where the call abandoned (wait = patience), False where it was served
        (patience censored at the wait). E.g. the columns of
        ``CallLog.patience_observations()``.
    confidence:
        Level of the confidence interval, in (0, 1).
    """
    w = ck.non_negative("wait_s", np.ravel(np.asarray(wait_s, dtype=float)))
    ab = np.ravel(np.asarray(abandoned))
    if ab.shape != w.shape:
        raise InputError("abandoned", f"{ab.size} values", f"one flag per wait ({w.size})")
    try:
        ab = ab.astype(bool)
    except (TypeError, ValueError) as exc:
        raise InputError("abandoned", abandoned, "boolean flags") from exc
    conf = ck.fraction("confidence", confidence, low_open=True, high_open=True)
    d = int(np.count_nonzero(ab))
    total = float(w.sum())
    if d == 0:
        raise InputError("abandoned", 0, "at least one abandoned call to estimate patience")
    if total <= 0:
        raise InputError("wait_s", total, "a positive total wait")
    mean = total / d
    z = float(norm.ppf(0.5 + conf / 2.0))
    spread = np.exp(z / np.sqrt(d))
    return PatienceFit(
        mean_patience_s=mean,
        ci_low_s=float(mean / spread),
        ci_high_s=float(mean * spread),
        confidence=conf,
        abandons=d,
        censored=int(w.size - d),
        total_wait_s=total,
    )
