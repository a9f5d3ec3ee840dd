"""Fixtures of the API tests: an app per test on its own SQLite file."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest

warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
from fastapi.testclient import TestClient  # noqa: E402

from api.main import create_app  # noqa: E402
from api.settings import Settings  # noqa: E402


@pytest.fixture
def settings(tmp_path) -> Settings:
    """Settings with a fresh SQLite job database in ``tmp_path``."""
    return Settings(database_url=f"sqlite:///{tmp_path / 'jobs.db'}", max_solve_s=60,
                    max_concurrent_solves=1)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """A TestClient with the app's lifespan running (job store and worker pool)."""
    with TestClient(create_app(settings)) as c:
        yield c
