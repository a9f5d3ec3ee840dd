"""HTTP API of `staffing` (FastAPI): see :mod:`api.main`."""
