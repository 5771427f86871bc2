"""Builds the FastAPI application around one `Gateway`."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.types import Receive, Scope, Send

from gateway.api import (
    commands,
    deliveries,
    exports,
    feed,
    health,
    imports,
    jobs,
    platform_events,
    reconciliations,
    sockets,
    sources,
    stream,
    webhooks,
)
from gateway.api.access import undeclared_routes
from gateway.api.append_bell import AppendBell
from gateway.api.console import install_console
from gateway.api.docs import install_docs
from gateway.api.feed_lane import FeedLane, feed_query
from gateway.api.heap import timed_full_collections
from gateway.api.problems import install_problem_handlers
from gateway.api.proxies import TrustedProxies
from gateway.api.stream_slots import StreamSlots
from gateway.api.webhook_lane import WebhookLane, webhook_source
from gateway.bootstrap import Gateway
from gateway.errors import GatewayError


class GatewayApi(FastAPI):
    """FastAPI, but webhook calls and feed pages take lean lanes: they are most of the traffic,
    and a feed page's bytes cost less to read than FastAPI's handling of the request."""

    webhook_lane: WebhookLane | None = None
    feed_lane: FeedLane | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        lane = self.webhook_lane
        source = webhook_source(scope) if lane is not None else None
        if lane is not None and source is not None:
            await lane(source, scope, receive, send)
            return
        query = feed_query(scope) if self.feed_lane is not None else None
        if query is not None and self.feed_lane is not None:
            scope["app"] = self  # as Starlette sets it, for the route's own access check
            if await self.feed_lane(query, scope, receive, send):
                return
        await super().__call__(scope, receive, send)


def create_app(gateway: Gateway) -> FastAPI:
    app = GatewayApi(
        title="Legacy integration gateway",
        summary="Anti-corruption layer between the bank's event-sourced platform and its "
        "legacy systems.",
        version="0.1.0",
        lifespan=timed_full_collections,
        docs_url=None,  # served from the gateway's own files: see gateway.api.docs
        redoc_url=None,
    )
    app.state.gateway = gateway
    http = gateway.config.http
    app.state.stream_slots = StreamSlots(http.sse_max_streams, http.sse_max_streams_per_caller)
    app.state.append_bell = AppendBell(gateway.store.engine)
    install_problem_handlers(app)
    install_docs(app)
    app.webhook_lane = WebhookLane(gateway.webhooks, app.exception_handlers)
    app.feed_lane = FeedLane(gateway.store, read_ahead=http.feed_read_ahead_pages)
    # Webhooks first: routes are matched in order, and theirs is the busiest.
    for module in (webhooks, health, stream, sockets, feed, commands, imports):
        app.include_router(module.router)
    for module in (platform_events, deliveries):
        app.include_router(module.router)
    for module in (jobs, exports, sources, reconciliations):
        app.include_router(module.router)
    install_console(app)
    app.add_middleware(TrustedProxies, trusted=gateway.config.http.trusted_proxies)
    refuse_undeclared_routes(app)
    return app


def refuse_undeclared_routes(app: FastAPI) -> None:
    """Every route says who may call it (`gateway.api.access`); one that does not is a bug."""
    undeclared = undeclared_routes(app)
    if undeclared:
        raise GatewayError(f"routes without declared callers: {', '.join(undeclared)}")
