"""Censored exponential patience fit, on the real call log and on synthetic data."""

from __future__ import annotations

import numpy as np
import pytest

from staffing.erlang import PatienceFit, fit_patience
from staffing.exceptions import InputError


def test_fit_on_anonymous_bank_log(call_log):
    obs = call_log.patience_observations()
    fit = fit_patience(obs["wait_s"], obs["abandoned"])
    assert isinstance(fit, PatienceFit)
    # MLE: total wait of all queued calls / number of abandons
    assert fit.abandons == int(obs["abandoned"].sum())
    assert fit.censored == len(obs) - fit.abandons
    assert fit.mean_patience_s == pytest.approx(obs["wait_s"].sum() / fit.abandons)
    assert fit.ci_low_s < fit.mean_patience_s < fit.ci_high_s
    # thousands of abandons: a tight interval (about +-3 %), minutes of patience
    assert fit.ci_high_s / fit.ci_low_s < 1.1
    assert 60 < fit.mean_patience_s < 1800
    assert fit.rate_per_s == pytest.approx(1 / fit.mean_patience_s)
    assert set(fit.summary()) >= {"mean_patience_s", "ci_low_s", "ci_high_s", "abandons"}


def test_naive_mean_of_abandoned_waits_is_biased_low(call_log):
    obs = call_log.patience_observations()
    fit = fit_patience(obs["wait_s"], obs["abandoned"])
    naive = obs.loc[obs["abandoned"], "wait_s"].mean()
    assert naive < fit.ci_low_s  # ignoring censoring underestimates patience


def test_recovers_known_patience_with_censoring():
    rng = np.random.default_rng(7)
    true_mean = 240.0
    patience = rng.exponential(true_mean, 5_000)
    offered = rng.exponential(150.0, 5_000)  # wait the queue would impose
    abandoned = patience < offered
    wait = np.minimum(patience, offered)
    fit = fit_patience(wait, abandoned, confidence=0.99)
    assert fit.ci_low_s < true_mean < fit.ci_high_s
    assert fit.confidence == 0.99


@pytest.mark.parametrize(
    ("wait", "abandoned", "field"),
    [
        ([10.0, -1.0], [True, False], "wait_s"),
        ([10.0, 5.0], [False, False], "abandoned"),
        ([10.0, 5.0], [True], "abandoned"),
        ([0.0, 0.0], [True, True], "wait_s"),
    ],
)
def test_bad_input(wait, abandoned, field):
    with pytest.raises(InputError) as info:
        fit_patience(wait, abandoned)
    assert info.value.field == field
