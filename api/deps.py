"""Dependencies of the routes, as ``Annotated`` aliases (FastAPI full-stack template style)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security, status
from fastapi.security import APIKeyHeader
from sqlalchemy.orm import Session

from api.jobs import JobStore, WorkerPool
from api.settings import Settings

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False,
                              description="Required on every write when the server has "
                              "STAFFING_API_KEY set")


def get_settings(request: Request) -> Settings:
    """The app's settings."""
    return request.app.state.settings


def get_store(request: Request) -> JobStore:
    """The job store (created at startup)."""
    return request.app.state.store


def get_pool(request: Request) -> WorkerPool:
    """The solve worker pool (created at startup)."""
    return request.app.state.pool


def get_session(store: Annotated[JobStore, Depends(get_store)]) -> Iterator[Session]:
    """A read session on the job store, closed after the request."""
    with store.sessions() as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[JobStore, Depends(get_store)]
PoolDep = Annotated[WorkerPool, Depends(get_pool)]
SessionDep = Annotated[Session, Depends(get_session)]


def require_api_key(settings: SettingsDep,
                    key: Annotated[str | None, Security(api_key_header)] = None) -> None:
    """401 unless the ``X-API-Key`` header matches ``STAFFING_API_KEY`` (when configured)."""
    if settings.api_key is None:
        return
    expected = settings.api_key.get_secret_value().encode()
    if key is None or not secrets.compare_digest(key.encode(), expected):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing or invalid X-API-Key header",
                            headers={"WWW-Authenticate": "X-API-Key"})


ApiKeyDep = Annotated[None, Depends(require_api_key)]
