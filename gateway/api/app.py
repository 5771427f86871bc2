"""Builds the FastAPI application around one `Gateway`."""

from __future__ import annotations

from fastapi import FastAPI

from gateway.api import (
    commands,
    deliveries,
    exports,
    feed,
    health,
    imports,
    jobs,
    platform_events,
    stream,
    webhooks,
)
from gateway.api.problems import install_problem_handlers
from gateway.bootstrap import Gateway


def create_app(gateway: Gateway) -> FastAPI:
    app = FastAPI(
        title="Legacy integration gateway",
        summary="Anti-corruption layer between the bank's event-sourced platform and its "
        "legacy systems.",
        version="0.1.0",
    )
    app.state.gateway = gateway
    install_problem_handlers(app)
    # Webhooks first: routes are matched in order, and theirs is the busiest.
    for module in (webhooks, health, stream, feed, commands, imports):
        app.include_router(module.router)
    for module in (platform_events, deliveries):
        app.include_router(module.router)
    for module in (jobs, exports):
        app.include_router(module.router)
    return app
