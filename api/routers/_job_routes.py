"""The routes every job kind shares, made once: list, status, cancel and the files of a job.

:func:`add_job_routes` adds to a job kind's router ``GET ""`` (a page of its jobs, newest
first), ``GET /{job_id}`` (status, progress, result), ``DELETE /{job_id}`` (cancel) and,
when the kind has files, ``GET /{job_id}/files/{name}`` with ``name`` restricted to the kind's
file names (an enum in the OpenAPI schema; anything else is a 422, so a request can never name
a path). Each kind's own ``POST`` stays in its router, since that is where the kinds differ.

This module does not use ``from __future__ import annotations``: FastAPI reads the route
functions' annotations, and the file-name type is made here per kind.
"""

from dataclasses import dataclass
from typing import Any, Literal

from fastapi import APIRouter, Query, Response

from api.deps import ApiKeyDep, PoolDep, SessionDep, StoreDep
from api.jobs import Job, JobKind, service
from api.routers._common import (
    CANCEL_RESPONSES,
    ERR_404,
    JobStatusName,
    artifact_response,
    file_responses,
    get_job,
    job_public,
    list_jobs,
)
from api.schemas import JobPage, JobPublic

__all__ = ["JobFiles", "JobRoutes", "add_job_routes"]


@dataclass(frozen=True)
class JobFiles:
    """The files of a finished job: ``names`` (what ``name`` may be), ``media`` (media type ->
    which files, for the OpenAPI responses) and the route's ``doc``."""

    names: tuple[str, ...]
    media: dict[str, str]
    doc: str


@dataclass(frozen=True)
class JobRoutes:
    """One job kind's shared routes: ``one`` / ``many`` name the route functions
    (``list_<many>``, ``get_<one>``, ``delete_<one>``, ``get_<one>_file``: the OpenAPI
    operation ids) and the docs of each (``list_doc``, ``get_doc``, ``delete_doc``)."""

    kind: JobKind
    base: str
    one: str
    many: str
    list_doc: str
    get_doc: str
    delete_doc: str
    files: JobFiles | None = None


def add_job_routes(router: APIRouter, spec: JobRoutes) -> None:
    """Add the list, status, cancel and (with ``spec.files``) file routes to ``router``."""
    kind, base = spec.kind, spec.base

    def job_of(session: Any, job_id: str) -> Job:
        return get_job(session, job_id, kind)

    def list_kind(store: StoreDep, limit: int = Query(20, ge=1, le=100),
                  offset: int = Query(0, ge=0, le=1_000_000),
                  status: JobStatusName | None = Query(None)) -> JobPage:
        return list_jobs(store, kind, base, limit, offset, status)

    def get_kind(job_id: str, session: SessionDep) -> JobPublic:
        return job_public(job_of(session, job_id), base)

    def delete_kind(job_id: str, _: ApiKeyDep, store: StoreDep, pool: PoolDep) -> JobPublic:
        return job_public(service.cancel(job_id, kind, store, pool), base)

    _add(router, "", list_kind, f"list_{spec.many}", spec.list_doc, "GET",
         response_model=JobPage)
    _add(router, "/{job_id}", get_kind, f"get_{spec.one}", spec.get_doc, "GET",
         response_model=JobPublic, responses=ERR_404)
    _add(router, "/{job_id}", delete_kind, f"delete_{spec.one}", spec.delete_doc, "DELETE",
         response_model=JobPublic, responses=CANCEL_RESPONSES)
    if spec.files is None:
        return
    names: Any = Literal.__getitem__(spec.files.names)  # Literal[*names]

    def get_file(job_id: str, name: names, session: SessionDep,  # type: ignore[valid-type]
                 store: StoreDep) -> Response:
        return artifact_response(job_of(session, job_id), name, store)

    _add(router, "/{job_id}/files/{name}", get_file, f"get_{spec.one}_file", spec.files.doc,
         "GET", response_class=Response, responses=file_responses(spec.files.media))


def _add(router: APIRouter, path: str, fn: Any, name: str, doc: str, method: str,
         **kwargs: Any) -> None:
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    router.add_api_route(path, fn, methods=[method], name=name, **kwargs)
