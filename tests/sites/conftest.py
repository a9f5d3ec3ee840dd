"""A real Dask LocalCluster on loopback for the tests of this package (2 worker processes,
one thread each, dashboard off), started once per test session (per xdist worker)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def client():
    from staffing.sites.cluster import open_client

    with open_client(workers=2, dashboard=False) as c:
        yield c


@pytest.fixture(scope="module")
def tiny_sites():
    """Four small synthetic sites (one day planned, short solver limits)."""
    from staffing.sites import generate_sites

    return generate_sites(4, seed=3, days=1, weeks=6, time_limit_s=10, max_agents=30)
