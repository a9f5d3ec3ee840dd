"""``GET /healthz``: liveness plus database reachability and queue depth."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

import staffing
from api.deps import PoolDep, StoreDep
from api.jobs import JobStatus
from api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, responses={503: {"model": Health}})
def healthz(store: StoreDep, pool: PoolDep) -> JSONResponse:
    """``ok`` when the job database answers; 503 ``degraded`` otherwise."""
    try:
        with store.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        queued, running, db = store.count(JobStatus.QUEUED), store.count(JobStatus.RUNNING), True
    except Exception:
        queued, running, db = 0, 0, False
    body = Health(status="ok" if db else "degraded", database=db, workers=pool.max_workers,
                  queued=queued, running=running,
                  version=getattr(staffing, "__version__", "unknown"))
    return JSONResponse(body.model_dump(), status_code=200 if db else 503)
