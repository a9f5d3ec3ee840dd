"""Persisted jobs: SQLAlchemy models and store, the services routers call (enqueue, cancel,
time limits), what each kind runs (roster, plan, scenarios) and the bounded worker pool."""

from api.jobs.models import Artifact, Base, Job, JobKind, JobStatus
from api.jobs.store import JobStore
from api.jobs.worker import WorkerPool

__all__ = ["Artifact", "Base", "Job", "JobKind", "JobStatus", "JobStore", "WorkerPool"]
