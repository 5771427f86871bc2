"""The operator console at `/admin`: server-rendered pages that act, behind a signed-in session.

`install_console` adds its routes, its static files (`/admin/static`: CSS and a small script
for live fragments and the browser's time zone) and the redirect to the sign-in page.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from gateway.api.console import reconciliation, routes, views
from gateway.api.console.rendering import console_page, router
from gateway.api.console.sessions import SignInNeeded

__all__ = ["console_page", "install_console"]
STATIC = Path(__file__).parent / "static"
assert reconciliation and routes and views  # their routes register on import


async def _to_sign_in(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInNeeded)
    return RedirectResponse(f"/admin/sign-in?next={quote(exc.next_path)}", status_code=303)


def install_console(app: FastAPI) -> None:
    app.mount("/admin/static", StaticFiles(directory=STATIC), name="console-static")
    app.include_router(router)
    app.add_exception_handler(SignInNeeded, _to_sign_in)
