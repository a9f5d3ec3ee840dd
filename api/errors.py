"""Errors as JSON naming the field, never a stack trace; request body size limit (413).

Every error body is ``{"detail": ..., "field": ...}`` (:class:`api.schemas.Problem`):

- ``InputError`` from the library -> 422 with ``field``, ``expected``;
- request validation -> 422, ``detail`` is pydantic's list (at most :data:`MAX_ERRORS`
  entries, each echoed ``input`` cut to :data:`MAX_ECHO_CHARS`), ``field`` the first error's
  path;
- ``HTTPException`` -> its status, ``field`` null;
- anything else -> 500 ``internal server error`` (logged with the traceback, not returned).
"""

from __future__ import annotations

import json
import logging
import math
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.jobs.service import JobFinished, JobNotFound, QueueFull
from staffing.exceptions import InputError, SolverUnavailableError, StaffingError

log = logging.getLogger("api")


MAX_ERRORS = 20
MAX_ECHO_CHARS = 200


def _short(value: Any) -> Any:
    """A JSON-safe, short echo of an input value (non-finite numbers as text, long text and
    big containers summarised), so an error body never amplifies the request."""
    if value is None or isinstance(value, bool | int):
        return value if not isinstance(value, int) or abs(value) < 10**15 else str(value)[:40]
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, str):
        if len(value) <= MAX_ECHO_CHARS:
            return value
        return f"{value[:MAX_ECHO_CHARS]}... ({len(value)} characters)"
    if isinstance(value, bytes):
        return _short(value[: MAX_ECHO_CHARS + 1].decode("utf-8", "replace"))
    if isinstance(value, dict | list | tuple):
        if len(value) <= 10:
            try:
                text = json.dumps(value, allow_nan=False, default=str)
            except (ValueError, TypeError, RecursionError):
                text = None
            if text is not None and len(text) <= MAX_ECHO_CHARS:
                return value
        kind = "object" if isinstance(value, dict) else "array"
        return f"<{kind} of {len(value)} {'keys' if kind == 'object' else 'items'}>"
    return _short(str(value))


def small_errors(errors: list[Any]) -> list[dict[str, Any]]:
    """Pydantic's error list, capped at :data:`MAX_ERRORS`, inputs and contexts shortened."""
    out: list[dict[str, Any]] = []
    for e in errors[:MAX_ERRORS]:
        item = {k: v for k, v in dict(e).items() if k not in ("input", "ctx", "url")}
        item["loc"] = [p if isinstance(p, int | str) else str(p) for p in e.get("loc", ())]
        item["msg"] = _short(str(e.get("msg", "")))
        if "input" in e:
            item["input"] = _short(e["input"])
        if e.get("ctx"):
            item["ctx"] = {str(k): _short(v if isinstance(v, int | float | str) else str(v))
                           for k, v in dict(e["ctx"]).items()}
        out.append(item)
    if len(errors) > MAX_ERRORS:
        out.append({"type": "too_many_errors", "loc": [],
                    "msg": f"{len(errors) - MAX_ERRORS} more errors not shown"})
    return out


def problem(status: int, detail: Any, field: str | None = None, **extra: Any) -> JSONResponse:
    """A JSON error response."""
    return JSONResponse({"detail": detail, "field": field, **extra}, status_code=status)


def loc_to_field(loc: tuple[Any, ...] | list[Any]) -> str | None:
    """``("body", "history", 3, "calls")`` -> ``history[3].calls``."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header", "form"):
        parts = parts[1:]
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or None


class BodyTooLarge(HTTPException):
    """Raised while reading a body beyond ``max_body_bytes``."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body larger than {limit} bytes")


class BodySizeLimit:
    """ASGI middleware: 413 when Content-Length (or the streamed body) exceeds ``max_bytes``."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    too_big = int(value) > self.max_bytes
                except ValueError:
                    too_big = False
                if too_big:
                    resp = problem(413, f"request body larger than {self.max_bytes} bytes")
                    await resp(scope, receive, send)
                    return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return msg

        await self.app(scope, limited, send)


def allowed_methods(app: FastAPI, request: Request) -> list[str]:
    """Every method of every route matching the request path."""
    methods: set[str] = set()
    for route in app.router.routes:
        match, _ = route.matches({**request.scope, "method": "GET"})
        if match != Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)


def install(app: FastAPI) -> None:
    """Register the exception handlers."""

    @app.exception_handler(InputError)
    async def _input(_: Request, exc: InputError) -> JSONResponse:
        return problem(422, str(exc), exc.field, expected=exc.expected)

    @app.exception_handler(JobNotFound)
    async def _not_found(_: Request, exc: JobNotFound) -> JSONResponse:
        return problem(404, str(exc))

    @app.exception_handler(JobFinished)
    async def _finished(_: Request, exc: JobFinished) -> JSONResponse:
        return problem(409, str(exc))

    @app.exception_handler(QueueFull)
    async def _full(_: Request, exc: QueueFull) -> JSONResponse:
        resp = problem(503, str(exc))
        resp.headers["Retry-After"] = "30"
        return resp

    @app.exception_handler(SolverUnavailableError)
    async def _solver(_: Request, exc: SolverUnavailableError) -> JSONResponse:
        log.error("solver unavailable: %s", exc)
        return problem(503, "solver unavailable")

    @app.exception_handler(StaffingError)
    async def _staffing(_: Request, exc: StaffingError) -> JSONResponse:
        return problem(422, str(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = small_errors(list(exc.errors()))
        field = loc_to_field(errors[0].get("loc", ())) if errors else None
        return problem(422, errors, field)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        resp = problem(exc.status_code, exc.detail)
        for k, v in (exc.headers or {}).items():
            resp.headers[k] = v
        if exc.status_code == 405:  # Starlette lists only the first route's methods
            resp.headers["Allow"] = ", ".join(allowed_methods(app, request))
        return resp

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return problem(500, "internal server error")
