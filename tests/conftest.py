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
