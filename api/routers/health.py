"""``GET /healthz``: liveness plus database reachability and queue depth."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse

import staffing
from api.deps import PoolDep, StoreDep
from api.jobs import JobStatus
from api.routers._common import StrictJSONRoute
from api.schemas import Health

log = logging.getLogger("api")
router = APIRouter(tags=["health"], route_class=StrictJSONRoute)


@router.get("/healthz", response_model=Health, responses={503: {"model": Health}})
def healthz(store: StoreDep, pool: PoolDep) -> JSONResponse:
    """``ok`` when the job database serves a real read of the job tables (the newest job
    row and an artifact row, not just ``SELECT 1``); 503 ``degraded`` otherwise."""
    try:
        store.check()
        queued, running, db = store.count(JobStatus.QUEUED), store.count(JobStatus.RUNNING), True
    except Exception:
        log.exception("health check: the job database failed a read")
        queued, running, db = 0, 0, False
    body = Health(status="ok" if db else "degraded", database=db, workers=pool.max_workers,
                  queued=queued, running=running,
                  version=getattr(staffing, "__version__", "unknown"))
    return JSONResponse(body.model_dump(), status_code=200 if db else 503)
