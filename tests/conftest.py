"""Shared fixtures: paths to bundled data and small test files."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
TEST_DATA = Path(__file__).resolve().parent / "data"
TZ = "Asia/Jerusalem"


@pytest.fixture(scope="session")
def call_log():
    """The real Anonymous Bank February 1999 call log, cleaned."""
    import warnings

    from staffing.io import read_call_log

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_call_log(DATA / "anonymous_bank_feb1999_calls.csv", tz=TZ)


@pytest.fixture(scope="session")
def history_15min():
    """The bundled 15-minute interval history derived from the call log."""
    from staffing.io import read_history

    return read_history(DATA / "anonymous_bank_15min.csv", tz=TZ)


# ------------------------------------------------------------------ the `slow` marker
# `make test` (CI) runs everything; `make test-fast` (the dev loop) runs `-m "not slow"`.
# Slow = solves a full-week roster, runs the whole pipeline, executes notebooks, builds a
# wheel, fuzzes the API or starts servers. Tests in files owned by one area carry
# `@pytest.mark.slow` themselves; these node-id prefixes mark the rest from one place.
SLOW_PREFIXES = (
    "tests/test_pipeline.py::",
    "tests/roster/test_solve.py::test_full_week_15min",
    "tests/roster/test_solve.py::test_cancel_returns_promptly",
    "tests/api/test_plans.py::test_plan_from_csv_text",
    "tests/api/test_scenarios.py::test_scenarios_job",
    "tests/api/test_fuzz.py::",
    "tests/api/test_uvicorn.py::",
)


def pytest_collection_modifyitems(config, items):  # noqa: ARG001
    for item in items:
        if item.nodeid.startswith(SLOW_PREFIXES):
            item.add_marker(pytest.mark.slow)
