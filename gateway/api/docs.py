"""`/docs` (Swagger UI), served from the gateway's own copy of its assets.

A bank network reaches no public CDN, so the page loads its script and styles from
`/static/docs/`, the files the `fastapi-offline` package ships, and never from outside.
ReDoc is not served: its page fetches its own logo from the internet.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from gateway.api.access import ANYONE

STATIC = "/static/docs"
ASSETS = Path(str(files("fastapi_offline") / "static"))


def install_docs(app: FastAPI) -> None:
    """Swagger UI at `/docs`; the app must be built with `docs_url` and `redoc_url` None."""
    app.mount(STATIC, StaticFiles(directory=ASSETS), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"
    redirect_url = app.swagger_ui_oauth2_redirect_url or "/docs/oauth2-redirect"

    @app.get("/docs", include_in_schema=False, dependencies=ANYONE)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url, title=f"{app.title} - API",
            oauth2_redirect_url=redirect_url,
            swagger_js_url=f"{STATIC}/swagger-ui-bundle.js",
            swagger_css_url=f"{STATIC}/swagger-ui.css",
            swagger_favicon_url=f"{STATIC}/favicon.png",
        )  # fmt: skip

    @app.get(redirect_url, include_in_schema=False, dependencies=ANYONE)
    def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()
