"""``GET /v1/jobs``: past and current jobs of every kind, newest first, paged."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from sqlalchemy import func, select

from api.deps import SessionDep
from api.jobs import Job
from api.routers._common import job_public
from api.schemas import JobPage

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])

# Where each kind's own routes live (the links of a listed job point there).
BASES = {"roster": "/v1/roster-jobs", "plan": "/v1/plans", "scenarios": "/v1/scenarios",
         "agents": "/v1/agents", "sites": "/v1/site-batches"}


@router.get("", response_model=JobPage)
def list_jobs(
    session: SessionDep,
    kind: Annotated[Literal["roster", "plan", "scenarios", "agents", "sites"] | None,
                    Query(description="Only jobs of this kind")] = None,
    status: Annotated[Literal["queued", "running", "done", "failed", "cancelled"] | None,
                      Query(description="Only jobs in this state")] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="Page size")] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000, description="Jobs to skip")] = 0,
) -> JobPage:
    """Jobs (roster, plan, scenarios) with status, progress and result summary, newest
    first; ``links.self`` is the job's own route."""
    where = []
    if kind is not None:
        where.append(Job.kind == kind)
    if status is not None:
        where.append(Job.status == status)
    total = int(session.scalar(select(func.count()).select_from(Job).where(*where)) or 0)
    rows = session.scalars(select(Job).where(*where)
                           .order_by(Job.created_at.desc(), Job.id)
                           .limit(limit).offset(offset)).all()
    items = [job_public(job, BASES.get(job.kind, "/v1/jobs")) for job in rows]
    return JobPage(items=items, total=total, limit=limit, offset=offset)
