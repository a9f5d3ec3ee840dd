"""The planner's web view and the offline API docs.

``install(app)`` adds, beside the API:

- ``/`` the single-page web view (``static/index.html`` + ES modules in ``static/js``), which
  talks only to the public HTTP API (``/v1/...``) with ``fetch``;
- ``/static/...`` its scripts, styles and the vendored libraries (``static/vendor``: uPlot,
  swagger-ui-dist, redoc; versions and licences in ``static/vendor/README.md``);
- ``/docs`` (Swagger UI) and ``/redoc`` built by FastAPI's own helpers but pointed at the
  vendored files, so the docs render with no network access (FastAPI's default pages load
  their scripts from a CDN; the app is created with ``docs_url=None, redoc_url=None``).

Nothing here reads a path a request names: StaticFiles serves only files under ``static/``.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).resolve().parent / "static"
VENDOR = "/static/vendor"
FAVICON = "/static/favicon.svg"
# The web page may load nothing from elsewhere: scripts, styles, images, fonts and API calls
# all come from this server (uPlot sets inline styles, hence style-src 'unsafe-inline').
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; object-src 'none'; "
       "base-uri 'self'; form-action 'self'; frame-ancestors 'self'")


def install(app: FastAPI) -> None:
    """Mount the static web view at ``/`` and the offline ``/docs`` and ``/redoc`` pages."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    openapi_url = app.openapi_url or "/openapi.json"
    title = f"{app.title} API"

    @app.get("/", include_in_schema=False)
    def web_index() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html",
                            headers={"Content-Security-Policy": CSP,
                                     "Cache-Control": "no-cache"})

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        return FileResponse(STATIC_DIR / "favicon.svg", media_type="image/svg+xml")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url, title=f"{title} - Swagger UI",
            oauth2_redirect_url="/docs/oauth2-redirect",
            swagger_js_url=f"{VENDOR}/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url=f"{VENDOR}/swagger-ui/swagger-ui.css",
            swagger_favicon_url=FAVICON,
            swagger_ui_parameters={"validatorUrl": None},  # no calls to validator.swagger.io
        )

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(openapi_url=openapi_url, title=f"{title} - ReDoc",
                              redoc_js_url=f"{VENDOR}/redoc/redoc.standalone.js",
                              redoc_favicon_url=FAVICON, with_google_fonts=False)
