"""`gateway deliveries`, `dlq`, `replay`, `sla report` and `workers`: outbound delivery by hand.

The same operations are served over HTTP under `/deliveries`, `/dlq` and `/sla`.
"""

from __future__ import annotations

import signal
import threading
import time
from dataclasses import asdict
from datetime import datetime
from typing import Annotated

import typer

from gateway.api.heap import full_collections_on_a_timer
from gateway.bootstrap import Gateway
from gateway.cli.audit import recorded
from gateway.cli.options import DEFAULT_CONFIG, ConfigOption, open_gateway
from gateway.cli.output import (
    Column,
    JsonOption,
    fail,
    right,
    say,
    show_record,
    show_rows,
    usage_error,
)
from gateway.delivery import operations
from gateway.delivery.destination import subscription_for
from gateway.delivery.engine import DeliveryEngine
from gateway.delivery.replay import ReplayRange, replay
from gateway.errors import GatewayError, ReplayTooLarge
from gateway.operations.dead_letters import dead_letters
from gateway.operations.readable import duration, moment
from gateway.overview import sla_lines

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


DELIVERY_COLUMNS = (
    right("id"), Column("destination"), right("position"), Column("stream_id", "stream"),
    Column("event_type", "event"), Column("status"), right("attempts"),
    Column("event_at", "event at", render=moment), Column("last_error", "last error"),
)  # fmt: skip
DEAD_LETTER_COLUMNS = (
    right("id"), Column("destination"), Column("business_key", "TXN-REF / key"),
    Column("source_record", "source record"), Column("event_type", "event"), right("attempts"),
    Column("last_error", "last error"),
)  # fmt: skip


@deliveries_app.command("list")
def deliveries_list(
    config: ConfigOption = DEFAULT_CONFIG,
    destination: Annotated[str | None, typer.Option(help="Only this destination")] = None,
    status: Annotated[str | None, typer.Option(help="pending, delivered, dead or skipped")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 100,
    as_json: JsonOption = False,
) -> None:
    """Deliveries, oldest first."""
    gateway = open_gateway(config)
    try:
        found = operations.list_deliveries(
            gateway.store, destination=destination, status=status, limit=limit
        )
    finally:
        gateway.close()
    show_rows([d.as_dict() for d in found], columns=DELIVERY_COLUMNS, as_json=as_json,
              title="Deliveries")  # fmt: skip


@deliveries_app.command("show")
def deliveries_show(
    delivery_id: int, config: ConfigOption = DEFAULT_CONFIG, as_json: JsonOption = False
) -> None:
    """One delivery with every attempt made."""
    gateway = open_gateway(config)
    try:
        shown = operations.show_delivery(gateway.store, delivery_id).as_dict()
    except GatewayError as exc:
        fail(str(exc))
    finally:
        gateway.close()
    show_record(shown, as_json=as_json)


@dlq_app.command("list")
def dlq_list(
    config: ConfigOption = DEFAULT_CONFIG,
    destination: Annotated[str | None, typer.Option(help="Only this destination")] = None,
    search: Annotated[
        str | None, typer.Option(help="Only those whose TXN-REF, record or stream holds this")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Dead letters, oldest first, each with its TXN-REF (or key) and source record."""
    gateway = open_gateway(config)
    try:
        found = dead_letters(gateway.store, destination=destination, search=search)
    finally:
        gateway.close()
    show_rows([d.as_dict() for d in found], columns=DEAD_LETTER_COLUMNS, as_json=as_json,
              title="Dead letters")  # fmt: skip


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
        recorded(gateway, action="redrive", target=_target(ids, destination),
                 outcome="done" if count else "refused",
                 detail=f"{count} dead letters redriven")  # fmt: skip
    finally:
        gateway.close()
    say(f"{count} dead letters redriven")


@dlq_app.command("skip")
def dlq_skip(
    ids: Annotated[list[int], typer.Argument(help="Dead letter ids")],
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Give dead letters up for good, so later events of their streams flow again."""
    gateway = open_gateway(config)
    try:
        count = operations.skip(gateway.store, ids)
        recorded(gateway, action="skip", target=_target(ids, None),
                 outcome="done" if count else "refused",
                 detail=f"{count} dead letters skipped")  # fmt: skip
    finally:
        gateway.close()
    say(f"{count} dead letters skipped")


def _target(ids: list[int] | None, destination: str | None) -> str:
    return " ".join(map(str, ids or [])) or f"every dead letter of {destination}"


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
        usage_error("give --from-position or --since (not both)")
    gateway = open_gateway(config)
    try:
        wanted = gateway.config.destinations.get(destination)
        if wanted is None:
            usage_error(f"no destination {destination!r} in the config")
        selection = ReplayRange(from_position, to_position, since, until)
        target = f"{destination} " + (
            f"positions {from_position}-{to_position or ''}" if since is None
            else f"{since.isoformat()} to {until.isoformat() if until else 'now'}"
        )  # fmt: skip
        try:
            outcome = replay(gateway.store, subscription_for(destination, wanted), selection,
                             now=time.time(), dry_run=dry_run)  # fmt: skip
        except ReplayTooLarge as exc:
            recorded(gateway, action="replay", target=target, outcome="refused", detail=str(exc))
            fail(str(exc))
        if not dry_run:
            recorded(gateway, action="replay", target=target, outcome="done",
                     detail=f"{outcome.events} events: requeued {outcome.requeued}, "
                            f"new {outcome.created}")  # fmt: skip
    finally:
        gateway.close()
    verb = "would requeue" if dry_run else "requeued"
    say(f"{outcome.events} events in range: {verb} {outcome.requeued}, "
        f"new {outcome.created}, already pending {outcome.already_pending}")  # fmt: skip


SLA_COLUMNS = (
    Column("kind", wrap=False), Column("name", wrap=False), right("p50", render=duration),
    right("p95", render=duration), right("p99", render=duration), right("breaches"),
    right("pages"), right("pending"), right("oldest_pending_age", "oldest", render=duration),
    Column("state"),
)  # fmt: skip


@sla_app.command("report")
def sla_report(config: ConfigOption = DEFAULT_CONFIG, as_json: JsonOption = False) -> None:
    """Per destination and export: latency p50/p95/p99, breaches, pending, oldest, state."""
    gateway = open_gateway(config)
    try:
        lines = sla_lines(gateway, now=time.time())
    finally:
        gateway.close()
    show_rows([asdict(line) for line in lines], columns=SLA_COLUMNS, as_json=as_json,
              title="SLAs")  # fmt: skip


def workers(
    config: ConfigOption = DEFAULT_CONFIG,
    once: Annotated[bool, typer.Option("--once", help="Stop when nothing is due")] = False,
    worker_id: Annotated[str | None, typer.Option(help="Lease owner name")] = None,
) -> None:
    """Run the dispatcher, delivery workers and SLA sweeper without HTTP, until stopped."""
    gateway = open_gateway(config, serving=True)
    engine = _engine(gateway)
    if worker_id:
        engine.worker_id = worker_id
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    say(f"delivery workers running as {engine.worker_id}")
    try:
        with full_collections_on_a_timer():
            engine.run_until(
                lambda: stop.is_set() or (once and engine.idle()), timeout=float("inf")
            )
    finally:
        gateway.close()
