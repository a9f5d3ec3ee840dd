"""Service settings, read from the environment (prefix ``STAFFING_``) or a ``.env`` file.

=============================  ==============================================================
``STAFFING_DATABASE_URL``      SQLAlchemy URL of the job store (default: SQLite file
                               ``./staffing_jobs.db``); e.g. ``postgresql+psycopg://...``
``STAFFING_API_KEY``           when set, every write (POST, DELETE) needs header ``X-API-Key``
``STAFFING_MAX_CONCURRENT_SOLVES``  worker threads running roster/plan jobs (default 1)
``STAFFING_MAX_SOLVE_S``       cap on a job's solver time limit, seconds (default 300)
``STAFFING_MAX_BODY_BYTES``    request body limit, bytes (default 16 MiB) -> 413
``STAFFING_MAX_QUEUED_JOBS``   queued jobs accepted before 503 (default 100)
``STAFFING_MAX_CONCURRENT_FORECASTS``  forecasts computed at once (CPU-heavy; default 2)
``STAFFING_DEFAULT_TIME_LIMIT_S``  solver time limit when a request gives none (default 60)
``STAFFING_MAX_MODEL_VARIABLES``  largest roster model accepted, variables (estimated before
                               building; default 200,000) -> 422
``STAFFING_MAX_MODEL_NONZEROS``  largest roster model accepted, constraint non-zeros
                               (default 2,000,000) -> 422
``STAFFING_HEARTBEAT_S``       seconds between a server's heartbeats on its running jobs (5)
``STAFFING_ORPHAN_AFTER_S``    a running job whose heartbeat is older is failed as an orphan
                               of a dead server (default 60)
``STAFFING_CANCEL_GRACE_S``    seconds a job's process gets to stop after a cancel before it is
                               ended (default 0.7)
``STAFFING_JOB_OVERHEAD_S``    wall seconds a job may run beyond its solves' time limits
                               (data, forecast, build, files) before it is stopped (120)
``STAFFING_MAX_JOB_MEMORY_MB``  address-space cap of each job's process, MiB (default none)
``STAFFING_DASK_SCHEDULER``    Dask scheduler (``tcp://host:8786``) that site-batch jobs
                               (``POST /v1/site-batches``) fan out to; default none: the
                               sites run one after another in the job's own process
=============================  ==============================================================
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from api.jobs.worker import PoolOptions


class Settings(BaseSettings):
    """All settings of the service (one object, built once per app)."""

    model_config = SettingsConfigDict(env_prefix="STAFFING_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///./staffing_jobs.db"
    api_key: SecretStr | None = None
    max_concurrent_solves: int = Field(default=1, ge=1, le=64)
    max_solve_s: float = Field(default=300.0, gt=0)
    max_body_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)
    max_queued_jobs: int = Field(default=100, ge=1)
    default_time_limit_s: float = Field(default=60.0, gt=0)
    max_concurrent_forecasts: int = Field(default=2, ge=1, le=64)
    max_model_variables: int = Field(default=200_000, ge=1)
    max_model_nonzeros: int = Field(default=2_000_000, ge=1)
    heartbeat_s: float = Field(default=5.0, gt=0)
    orphan_after_s: float = Field(default=60.0, gt=0)
    cancel_grace_s: float = Field(default=0.7, ge=0)
    job_overhead_s: float = Field(default=120.0, ge=0)
    max_job_memory_mb: int | None = Field(default=None, ge=256)
    dask_scheduler: str | None = Field(default=None, pattern=r"^(tcp|tls)://\S+:\d{1,5}$")

    def pool_options(self) -> PoolOptions:
        """The worker pool's timings and memory cap."""
        return PoolOptions(heartbeat_s=self.heartbeat_s, orphan_after_s=self.orphan_after_s,
                           cancel_grace_s=self.cancel_grace_s,
                           job_overhead_s=self.job_overhead_s,
                           max_job_memory_mb=self.max_job_memory_mb)


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings from the environment."""
    return Settings()
