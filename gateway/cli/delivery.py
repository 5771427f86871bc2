"""`gateway deliveries`, `dlq`, `replay`, `sla report` and `workers`: outbound delivery by hand.

The same operations are served over HTTP under `/deliveries`, `/dlq` and `/sla`.
"""

from __future__ import annotations

import signal
import threading
import time
from datetime import datetime
from typing import Annotated, Any

import orjson
import typer

from gateway.bootstrap import Gateway
from gateway.cli.options import DEFAULT_CONFIG, ConfigOption, open_gateway
from gateway.delivery import operations
from gateway.delivery.destination import subscription_for
from gateway.delivery.engine import DeliveryEngine
from gateway.delivery.replay import ReplayRange, replay
from gateway.errors import GatewayError
from gateway.overview import sla_lines
from gateway.sla import SlaLine

deliveries_app = typer.Typer(help="Outbound deliveries and their attempts.", no_args_is_help=True)
dlq_app = typer.Typer(help="Dead letters: list, redrive, skip.", no_args_is_help=True)
sla_app = typer.Typer(help="SLA tracking.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(deliveries_app, name="deliveries")
    app.add_typer(dlq_app, name="dlq")
    app.add_typer(sla_app, name="sla")
    app.command("replay")(replay_command)
    app.command("workers")(workers)


def _engine(gateway: Gateway) -> DeliveryEngine:
    assert gateway.delivery is not None
    return gateway.delivery


def _print(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        typer.echo(orjson.dumps(row).decode())


@deliveries_app.command("list")
def deliveries_list(
    config: ConfigOption = DEFAULT_CONFIG,
    destination: Annotated[str | None, typer.Option(help="Only this destination")] = None,
    status: Annotated[str | None, typer.Option(help="pending, delivered, dead or skipped")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 100,
) -> None:
    """Deliveries, oldest first, one JSON object a line."""
    gateway = open_gateway(config)
    try:
        found = operations.list_deliveries(
            gateway.store, destination=destination, status=status, limit=limit
        )
        _print([d.as_dict() for d in found])
    finally:
        gateway.close()


@deliveries_app.command("show")
def deliveries_show(delivery_id: int, config: ConfigOption = DEFAULT_CONFIG) -> None:
    """One delivery with every attempt made."""
    gateway = open_gateway(config)
    try:
        typer.echo(orjson.dumps(operations.show_delivery(gateway.store, delivery_id).as_dict(),
                                option=orjson.OPT_INDENT_2).decode())  # fmt: skip
    except GatewayError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    finally:
        gateway.close()


@dlq_app.command("list")
def dlq_list(
    config: ConfigOption = DEFAULT_CONFIG,
    destination: Annotated[str | None, typer.Option(help="Only this destination")] = None,
) -> None:
    """Dead letters, one JSON object a line."""
    deliveries_list(config, destination=destination, status="dead", limit=10_000)


@dlq_app.command("redrive")
def dlq_redrive(
    ids: Annotated[list[int] | None, typer.Argument(help="Dead letter ids")] = None,
    config: ConfigOption = DEFAULT_CONFIG,
    destination: Annotated[str | None, typer.Option(help="Every dead letter of it")] = None,
) -> None:
    """Send dead letters again, with a fresh retry budget and the same idempotency key."""
    gateway = open_gateway(config)
    try:
        count = operations.redrive(gateway.store, ids or [], now=time.time(),
                                   destination=destination)  # fmt: skip
    finally:
        gateway.close()
    typer.echo(f"{count} dead letters redriven")


@dlq_app.command("skip")
def dlq_skip(
    ids: Annotated[list[int], typer.Argument(help="Dead letter ids")],
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Give dead letters up for good, so later events of their streams flow again."""
    gateway = open_gateway(config)
    try:
        count = operations.skip(gateway.store, ids)
    finally:
        gateway.close()
    typer.echo(f"{count} dead letters skipped")


def replay_command(
    destination: Annotated[str, typer.Argument(help="The destination, e.g. gl")],
    config: ConfigOption = DEFAULT_CONFIG,
    from_position: Annotated[int | None, typer.Option(min=1)] = None,
    to_position: Annotated[int | None, typer.Option(min=1)] = None,
    since: Annotated[datetime | None, typer.Option(help="ISO time, UTC unless it says")] = None,
    until: Annotated[datetime | None, typer.Option(help="ISO time, UTC unless it says")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count, change nothing")] = False,
) -> None:
    """Send a position range or time window of events to DESTINATION again."""
    if (from_position is None) == (since is None):
        typer.echo("error: give --from-position or --since (not both)", err=True)
        raise typer.Exit(2)
    gateway = open_gateway(config)
    try:
        wanted = gateway.config.destinations.get(destination)
        if wanted is None:
            typer.echo(f"error: no destination {destination!r} in the config", err=True)
            raise typer.Exit(2)
        selection = ReplayRange(from_position, to_position, since, until)
        outcome = replay(gateway.store, subscription_for(destination, wanted), selection,
                         now=time.time(), dry_run=dry_run)  # fmt: skip
    finally:
        gateway.close()
    verb = "would requeue" if dry_run else "requeued"
    typer.echo(f"{outcome.events} events in range: {verb} {outcome.requeued}, "
               f"new {outcome.created}, already pending {outcome.already_pending}")  # fmt: skip


@sla_app.command("report")
def sla_report(config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Per destination: latency p50/p95/p99, breaches, pending, oldest age, circuit."""
    gateway = open_gateway(config)
    try:
        lines = sla_lines(gateway, now=time.time())
    finally:
        gateway.close()
    typer.echo(f"{'name':<12}{'p50':>9}{'p95':>9}{'p99':>9}{'breaches':>10}{'pages':>7}"
               f"{'pending':>9}{'oldest':>10}  state")  # fmt: skip
    for line in lines:
        typer.echo(describe(line))


def describe(line: SlaLine) -> str:
    def seconds(value: float | None) -> str:
        return "-" if value is None else f"{value:.3f}s"

    return (f"{line.name:<12}{seconds(line.p50):>9}{seconds(line.p95):>9}{seconds(line.p99):>9}"
            f"{line.breaches:>10}{line.pages:>7}{line.pending:>9}"
            f"{seconds(line.oldest_pending_age):>10}  {line.state}")  # fmt: skip


def workers(
    config: ConfigOption = DEFAULT_CONFIG,
    once: Annotated[bool, typer.Option("--once", help="Stop when nothing is due")] = False,
    worker_id: Annotated[str | None, typer.Option(help="Lease owner name")] = None,
) -> None:
    """Run the dispatcher, delivery workers and SLA sweeper without HTTP, until stopped."""
    gateway = open_gateway(config)
    engine = _engine(gateway)
    if worker_id:
        engine.worker_id = worker_id
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    typer.echo(f"delivery workers running as {engine.worker_id}")
    try:
        engine.run_until(lambda: stop.is_set() or (once and engine.idle()), timeout=float("inf"))
    finally:
        gateway.close()
