"""Helpers shared by the routers: body parsing for JSON-or-multipart routes, job views."""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from collections.abc import Callable, Coroutine
from typing import Any, Literal, TypeVar

from fastapi import HTTPException, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError

from api.jobs import Job, JobStatus, JobStore
from api.jobs.service import JobNotFound
from api.jobs.store import elapsed_since
from api.schemas import JobError, JobPage, JobPublic, Problem, Progress
from staffing.io.export import jsonable

M = TypeVar("M", bound=BaseModel)

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Malformed body (undecodable JSON, bad multipart)"},
    401: {"description": "Missing or invalid X-API-Key"},
    413: {"description": "Request body too large"},
    422: {"description": "Invalid input; `field` names the field at fault"},
}


ERR_404: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "No such job"}}
QUEUE_FULL: dict[int | str, dict[str, Any]] = {
    503: {"model": Problem, "description": "Queue full (Retry-After)"}}
CANCEL_RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERR_404, 409: {"model": Problem, "description": "Already finished"}, 401: ERRORS[401]}


def file_responses(media: dict[str, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI responses of a file route: its media types (type -> description) and errors."""
    return {200: {"content": {m: {"schema": {"type": "string", "format": "binary"}}
                              for m in media},
                  "description": "; ".join(f"{m}: {d}" for m, d in media.items())},
            **ERR_404, 409: {"model": Problem, "description": "Job not finished"}}


def artifact_response(job: Job, name: str, store: JobStore) -> Response:
    """The stored file, 409 while the job is not finished, 404 when it has no such file."""
    if not JobStatus(job.status).finished:
        raise HTTPException(status.HTTP_409_CONFLICT,
                            f"job is {job.status}; files exist once it has finished")
    art = store.artifact(job.id, name)
    if art is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"job {job.id} has no {name}")
    return Response(art.content, media_type=art.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def validate(model: type[M], data: Any, prefix: tuple[Any, ...] = ("body",)) -> M:
    """``model.model_validate(data)`` with errors raised as FastAPI's 422."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = [{**e, "loc": (*prefix, *e["loc"])} for e in exc.errors()]
        raise RequestValidationError(errors) from None


MAX_JSON_DEPTH = 32
"""Deepest nesting of arrays/objects a request body may have (the deepest schema has 5)."""


def _too_deep(obj: Any, limit: int) -> bool:
    stack = [(obj, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return False


def strict_loads(raw: bytes | str) -> Any:
    """``json.loads`` for request bodies, nesting at most :data:`MAX_JSON_DEPTH` deep
    (otherwise ``json.JSONDecodeError`` -> 422 ``json_invalid``). ``NaN``/``Infinity`` parse
    as floats and are refused by the schemas (``allow_inf_nan=False``, free-form tables
    checked by :func:`api.schemas.finite_tree`), which name the field."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise json.JSONDecodeError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels", "",
                                   0) from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise json.JSONDecodeError(f"unreadable JSON number ({str(exc)[:60]})", "",
                                   0) from None
    if isinstance(data, dict | list) and _too_deep(data, MAX_JSON_DEPTH):
        raise json.JSONDecodeError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels", "", 0)
    return data


class StrictJSONRequest(Request):
    """A request whose ``json()`` is :func:`strict_loads`."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = strict_loads(await self.body())
        return self._json


class StrictJSONRoute(APIRoute):
    """Route class of every router: bodies parsed by :func:`strict_loads`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            return await handler(StrictJSONRequest(request.scope, request.receive))

        return route


async def json_body(request: Request) -> Any:
    """Parsed JSON body (422 when it is not JSON, has non-finite numbers or nests too deep)."""
    raw = await request.body()
    try:
        return strict_loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RequestValidationError([{"type": "json_invalid", "loc": ("body",),
                                       "msg": f"JSON decode error: {exc}", "input": None}]
                                     ) from None


def is_multipart(request: Request) -> bool:
    """True for ``multipart/form-data`` requests."""
    return request.headers.get("content-type", "").lower().startswith("multipart/form-data")


async def read_upload(form: Any, name: str, limit: int) -> str:
    """Text of the uploaded file part ``name`` (422 when absent or not UTF-8)."""
    part = form.get(name)
    if part is None or isinstance(part, str):
        if isinstance(part, str) and part:
            return part
        raise RequestValidationError([{"type": "missing", "loc": ("body", name),
                                       "msg": f"file part '{name}' is required",
                                       "input": None}])
    data = await part.read(limit + 1)
    if len(data) > limit:
        raise HTTPException(413, f"file part '{name}' larger than {limit} bytes")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RequestValidationError([{"type": "value_error", "loc": ("body", name),
                                       "msg": "file must be UTF-8 text", "input": None}]
                                     ) from None


async def plan_parts(form: Any, limit: int) -> dict[str, Any]:
    """A plan sent as files: the ``config`` part (plan TOML) and the ``data`` part (history or
    call log CSV) as the JSON body of ``POST /v1/plans`` (``{"config", "data"}``); the
    uploaded file replaces ``[data] path``. Invalid TOML is a 422 naming ``config``."""
    toml_text = await read_upload(form, "config", limit)
    csv_text = await read_upload(form, "data", limit)
    try:
        cfg = tomllib.loads(toml_text)
    except tomllib.TOMLDecodeError as exc:
        raise RequestValidationError([{"type": "value_error", "loc": ("body", "config"),
                                       "msg": f"invalid TOML: {exc}", "input": None}]
                                     ) from None
    data_section = cfg.get("data")
    if isinstance(data_section, dict):
        data_section.pop("path", None)
    upload = form.get("data")
    name = getattr(upload, "filename", None) or "data.csv"
    return {"config": jsonable(cfg), "data": {"filename": str(name)[:100], "csv": csv_text}}


def _aware(t: dt.datetime | None) -> dt.datetime | None:
    """SQLite returns naive datetimes; they are UTC."""
    return t.replace(tzinfo=dt.UTC) if t is not None and t.tzinfo is None else t


def job_public(job: Job, base: str) -> JobPublic:
    """ORM job -> response model with links to itself and its files."""
    prog = dict(job.progress) if job.progress else None
    # elapsed_s is wall time since the job started, from the database clock stamps, so it
    # never goes backwards: now - started_at while running, finished_at - started_at after
    if job.status == "running":
        prog = prog or {}
        prog["elapsed_s"] = round(elapsed_since(job.started_at) or 0.0, 3)
    elif prog is not None and job.started_at is not None and job.finished_at is not None:
        start, end = _aware(job.started_at), _aware(job.finished_at)
        assert start is not None and end is not None
        prog["elapsed_s"] = round((end - start).total_seconds(), 3)
    error = JobError(detail=job.error_detail, field=job.error_field) if job.error_detail else None
    links = {"self": f"{base}/{job.id}"}
    for art in sorted(job.artifacts, key=lambda a: a.name):
        links[art.name] = f"{base}/{job.id}/{art.name}" if job.kind == "roster" else \
            f"{base}/{job.id}/files/{art.name}"
    return JobPublic(
        id=job.id, kind=job.kind, status=job.status, created_at=_aware(job.created_at),  # type: ignore[arg-type]
        started_at=_aware(job.started_at), finished_at=_aware(job.finished_at),
        time_limit_s=job.time_limit_s, cancel_requested=job.cancel_requested,
        progress=Progress(**prog) if prog else None, result=job.result, error=error,
        notes=list(job.notes or []), links=links,
    )


def get_job(session: Any, job_id: str, kind: Any) -> Job:
    """The job ``job_id`` of ``kind`` (a :class:`api.jobs.JobKind`); 404 otherwise."""
    job = session.get(Job, job_id)
    if job is None or job.kind != kind.value:
        raise JobNotFound(job_id)
    return job


JobStatusName = Literal["queued", "running", "done", "failed", "cancelled"]


def list_jobs(store: JobStore, kind: Any, base: str, limit: int, offset: int,
              job_status: str | None) -> JobPage:
    """One page of ``kind`` jobs, newest first, with the link to the next page."""
    jobs, total = store.page(kind.value, limit=limit, offset=offset,
                             status=JobStatus(job_status) if job_status else None)
    nxt = None
    if offset + len(jobs) < total:
        nxt = f"{base}?limit={limit}&offset={offset + limit}"
        if job_status:
            nxt += f"&status={job_status}"
    return JobPage(items=[job_public(j, base) for j in jobs], total=total, limit=limit,
                   offset=offset, next=nxt)
