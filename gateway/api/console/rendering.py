"""How console pages are rendered: Jinja templates (autoescaped), and a registry of pages.

A page is a GET route that renders a fragment template; the layout wraps it with the
navigation, and `?fragment=1` returns the fragment alone, which `console.js` polls for live
updates. Another area adds its page with `console_page` and appears in the navigation:

    @console_page("/admin/reconciliation", "Reconciliation", "reconciliation.html")
    def reconciliation(gateway: Gateway, query: Query, session: Session) -> dict[str, Any]:
        return {"results": ...}
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from gateway.api.console.sessions import Session, SessionDep
from gateway.bootstrap import Gateway
from gateway.operations import audit
from gateway.operations.readable import duration, moment, zone_named

TEMPLATES = Path(__file__).parent / "templates"
environment = Environment(
    loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
    trim_blocks=True, lstrip_blocks=True,
)  # fmt: skip
environment.filters["duration"] = duration
router = APIRouter(include_in_schema=False)
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}
Query = Mapping[str, str]
PageView = Callable[[Gateway, Query, Session], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class NavEntry:
    path: str
    title: str


NAVIGATION: list[NavEntry] = []


def render(
    request: Request, session: Session, template: str, context: Mapping[str, Any], *,
    title: str, status: int = 200,
) -> HTMLResponse:  # fmt: skip
    """The fragment in the layout, or alone when the page's live section asks for it."""
    zone = zone_named(session.zone)
    gateway: Gateway = request.app.state.gateway
    done = request.query_params.get("done", "")
    notice = audit.entry(gateway.store, int(done)) if done.isdigit() else None
    values = {
        **context, "session": session, "title": title, "navigation": NAVIGATION,
        "path": request.url.path, "moment": lambda value: moment(value, zone),
        "fragment": template, "live_url": str(request.url.include_query_params(fragment="1")),
        "notice": notice, "live": context.get("live", True),
    }  # fmt: skip
    name = template if request.query_params.get("fragment") == "1" else "layout.html"
    html = environment.get_template(name).render(values)
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def console_page(path: str, title: str, template: str) -> Callable[[PageView], PageView]:
    """Register a page: a GET route at `path`, in the navigation under `title`."""

    def register(view: PageView) -> PageView:
        def page(request: Request, session: SessionDep) -> HTMLResponse:  # DB reads: a thread
            gateway: Gateway = request.app.state.gateway
            context = view(gateway, request.query_params, session)
            return render(request, session, template, context, title=title)

        page.__name__ = f"console_{view.__name__}"
        router.add_api_route(path, page, methods=["GET"], response_class=HTMLResponse)
        NAVIGATION.append(NavEntry(path, title))
        return view

    return register
