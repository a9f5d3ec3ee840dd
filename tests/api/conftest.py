"""Fixtures of the API tests: an app per test on its own job database.

Modules that use the job store run every test on SQLite *and* on a real PostgreSQL server
(a private cluster on loopback started once per test session, see :mod:`tests.api.pg`).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator

import pytest

warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
from fastapi.testclient import TestClient  # noqa: E402

from api.main import create_app  # noqa: E402
from api.settings import Settings  # noqa: E402
from tests.api import pg  # noqa: E402

# Test modules whose tests run on both databases.
BOTH_DATABASES = {"test_app", "test_roster_jobs", "test_plans", "test_scenarios", "test_jobs",
                  "test_agents",
                  "test_two_servers"}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "db_url" in metafunc.fixturenames:
        module = metafunc.module.__name__.rsplit(".", 1)[-1]
        backends = ["sqlite", "postgres"] if module in BOTH_DATABASES else ["sqlite"]
        metafunc.parametrize("db_backend", backends, scope="function")


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[pg.Cluster]:
    """One PostgreSQL server for the session (per xdist worker)."""
    if not pg.available():
        if os.environ.get("STAFFING_TEST_POSTGRES", "") == "skip":
            pytest.skip("PostgreSQL not installed and STAFFING_TEST_POSTGRES=skip")
        pytest.fail("PostgreSQL is not installed (apt-get install postgresql); the job-store "
                    "tests run on it (set STAFFING_TEST_POSTGRES=skip to skip them)")
    cluster = pg.Cluster().start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def db_url(db_backend: str, tmp_path, request: pytest.FixtureRequest) -> str:
    """A fresh, empty job database of ``db_backend``."""
    if db_backend == "postgres":
        return request.getfixturevalue("pg_cluster").new_database()
    return f"sqlite:///{tmp_path / 'jobs.db'}"


@pytest.fixture
def settings(db_url: str) -> Settings:
    """Settings on a fresh job database."""
    return Settings(database_url=db_url, max_solve_s=60, max_concurrent_solves=1)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """A TestClient with the app's lifespan running (job store and worker pool)."""
    with TestClient(create_app(settings)) as c:
        yield c
