"""The `gateway` command line: run the service, migrate, read the feed, check contracts.

Every command reads `config.yaml` (or `--config`), validated before anything starts.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import orjson
import typer

from gateway.cli import audit, broker, delivery, exports, imports, jobs, reconciliation, sources
from gateway.cli.options import (
    ConfigOption,
    build_gateway,
    open_gateway,
    read_config,
    set_verbose,
)
from gateway.cli.output import FAILED, fail, say
from gateway.cloudevents import to_cloudevent
from gateway.errors import ConfigError

app = typer.Typer(help="The legacy integration gateway.", no_args_is_help=True)
db_app = typer.Typer(help="The gateway's database.", no_args_is_help=True)
events_app = typer.Typer(help="The event feed.", no_args_is_help=True)
contracts_app = typer.Typer(help="Event contracts.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(events_app, name="events")
app.add_typer(contracts_app, name="contracts")
imports.register(app)
sources.register(app)
delivery.register(app)
jobs.register(app)
exports.register(app)
audit.register(app)
broker.register(app)
reconciliation.register(app)


@app.callback()
def main(
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose",
            "-v",
            envvar="GATEWAY_VERBOSE",
            help="Also log the gateway's start (migrations, disabled sources)",
        ),
    ] = False,
) -> None:
    """The legacy integration gateway. Exit codes: 0 done, 1 refused or failed, 2 usage."""
    set_verbose(verbose)


@app.command()
def run(
    config: ConfigOption = Path("config.yaml"),
    host: Annotated[str | None, typer.Option(help="Listen address (default: http.host)")] = None,
    port: Annotated[int | None, typer.Option(help="Listen port (default: http.port)")] = None,
) -> None:
    """Serve HTTP and run the gateway's background work until stopped."""
    import uvicorn

    from gateway.api import create_app
    from gateway.api.serving import check_listen_address, server_config

    settings = read_config(config, serving=True)
    host = host or settings.http.host
    port = port or settings.http.port
    try:
        check_listen_address(settings, host)
    except ConfigError as exc:
        fail(str(exc))
    gateway = build_gateway(settings, serving=True)
    typer.echo(f"gateway listening on http://{host}:{port} (docs at /docs)")
    gateway.start()
    try:
        app = create_app(gateway)
        uvicorn.Server(server_config(app, config=gateway.config, host=host, port=port)).run()
    finally:
        gateway.close()


@db_app.command("upgrade")
def db_upgrade(config: ConfigOption = Path("config.yaml")) -> None:
    """Bring the database schema up to date (also done on every start)."""
    gateway = open_gateway(config)
    say(f"database is up to date; head position {gateway.store.head_position()}")
    gateway.close()


@events_app.command("tail")
def events_tail(
    config: ConfigOption = Path("config.yaml"),
    after: Annotated[int, typer.Option(min=0, help="Print events after this position")] = 0,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep waiting for more")] = False,
    limit: Annotated[int, typer.Option(min=1, help="Read this many at a time")] = 500,
) -> None:
    """Print the feed as CloudEvents, one JSON object a line."""
    gateway = open_gateway(config)
    try:
        while True:
            events = gateway.store.read_all(after=after, limit=limit)
            for event in events:
                typer.echo(orjson.dumps(to_cloudevent(event)).decode())
            after = events[-1].position if events else after
            if not events and not follow:
                break
            if not events:
                time.sleep(1)
    finally:
        gateway.close()


@contracts_app.command("check")
def contracts_check(
    samples: Annotated[Path, typer.Option(help="Folder of golden samples")] = Path(
        "tests/contracts"
    ),
) -> None:
    """Prove every golden sample of every event version still loads as the current model."""
    from gateway.domain.contracts import check_samples

    results = check_samples(samples)
    failed = [r for r in results if not r.ok]
    for result in results:
        typer.echo(str(result))
    typer.echo(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    if failed:
        raise typer.Exit(FAILED)
