"""Persisted solve jobs: SQLAlchemy models, the store, runners and the bounded worker pool."""

from api.jobs.models import Artifact, Base, Job, JobKind, JobStatus
from api.jobs.store import JobStore
from api.jobs.worker import WorkerPool

__all__ = ["Artifact", "Base", "Job", "JobKind", "JobStatus", "JobStore", "WorkerPool"]
