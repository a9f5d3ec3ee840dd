"""The FastAPI application: ``uvicorn api.main:app`` or ``staffing serve``.

``create_app(settings)`` builds an app (tests pass their own settings; without an argument the
environment is read, ``STAFFING_*``). At startup the job store is opened (tables created or
upgraded), running jobs whose server stopped sending heartbeats are failed (a live server's
jobs are left alone), queued jobs resume; at shutdown running jobs are stopped and re-queued
(see :mod:`api.jobs.worker`).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from starlette.concurrency import run_in_threadpool

import staffing
from api import errors, schemas, web
from api.jobs import JobStore, WorkerPool
from api.routers import (
    agents,
    forecasts,
    health,
    plans,
    requirements,
    roster_jobs,
    samples,
    scenarios,
    site_batches,
)
from api.routers import jobs as job_list
from api.routers import review as review_routes
from api.settings import Settings

log = logging.getLogger("api")

DESCRIPTION = """Contact-center workforce planning over HTTP: forecast, Erlang requirements,
optimal weekly rosters (Pyomo + HiGHS) as persisted jobs, and the whole weekly plan.

Writes (POST, DELETE) need the `X-API-Key` header when the server has `STAFFING_API_KEY` set.
Errors are JSON `{"detail": ..., "field": ...}` naming the field at fault."""

# Models referenced from hand-written request bodies (JSON-or-multipart routes).
EXTRA_MODELS = (schemas.ForecastCreate, schemas.PlanCreate, schemas.AgentsCreate,
                schemas.ScenariosCreate)


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    spec = get_openapi(title=app.title, version=app.version, description=app.description,
                       routes=app.routes)
    comps = spec.setdefault("components", {}).setdefault("schemas", {})
    for model in EXTRA_MODELS:
        js = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, sub in js.pop("$defs", {}).items():
            comps.setdefault(name, sub)
        comps.setdefault(model.__name__, js)
    app.openapi_schema = spec
    return spec


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app for ``settings`` (default: read from the environment)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = JobStore(settings.database_url)
        pool = WorkerPool(store, settings.max_concurrent_solves, settings.pool_options())
        app.state.store, app.state.pool = store, pool
        app.state.forecast_limiter = anyio.CapacityLimiter(settings.max_concurrent_forecasts)
        resumed = store.recover(settings.orphan_after_s)
        for job_id in resumed:
            pool.submit(job_id)
        if resumed:
            log.info("resuming %d queued job(s)", len(resumed))
        try:
            yield
        finally:
            await run_in_threadpool(pool.shutdown)
            store.close()

    app = FastAPI(title="staffing", version=getattr(staffing, "__version__", "0"),
                  description=DESCRIPTION, lifespan=lifespan,
                  docs_url=None, redoc_url=None)  # offline docs: api.web
    app.state.settings = settings
    errors.install(app)
    app.add_middleware(errors.BodySizeLimit, max_bytes=settings.max_body_bytes)
    for module in (health, forecasts, requirements, roster_jobs, plans, scenarios, agents,
                   site_batches):
        app.include_router(module.router)
    app.include_router(job_list.router)
    app.include_router(samples.router)
    app.include_router(review_routes.router)  # /v1/review, /v1/intraday (issue 15)
    web.install(app)  # the web view at / and /docs, /redoc from vendored files
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


app = create_app()
