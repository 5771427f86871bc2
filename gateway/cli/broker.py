"""`gateway broker status|republish|run`: the relay to the platform's broker, from any process.

`republish --from-position N` moves the stored position back: the active relay publishes
from N again, with the same message ids, so consumers drop what they already had.
"""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import orjson
import typer

from gateway.broker.positions import PublishedPositions
from gateway.broker.report import relay_status
from gateway.cli.options import DEFAULT_CONFIG, ConfigOption, open_gateway

broker_app = typer.Typer(help="The platform's message broker: relay status, republish, run.",
                         no_args_is_help=True)  # fmt: skip


def register(app: typer.Typer) -> None:
    app.add_typer(broker_app, name="broker")


@broker_app.command("status")
def broker_status(
    config: ConfigOption = DEFAULT_CONFIG,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object")] = False,
) -> None:
    """How far the store is published: position, head, lag in events and seconds, relay."""
    gateway = open_gateway(config)
    try:
        status = relay_status(gateway.store, gateway.config.broker.publish_exchange)
        enabled = gateway.broker is not None
    finally:
        gateway.close()
    if as_json:
        typer.echo(orjson.dumps({**status.as_dict(), "enabled": enabled}).decode())
        return
    typer.echo(f"exchange   {status.name} ({'on' if enabled else 'off: no broker URL'})")
    typer.echo(f"published  {status.position} of {status.head}")
    typer.echo(f"lag        {status.lag_events} events, {status.lag_seconds:.1f} s")
    typer.echo(f"relay      {status.holder or 'none active'}")


@broker_app.command("republish")
def broker_republish(
    from_position: Annotated[int, typer.Option("--from-position", min=1,
                                               help="The first position to publish again")],
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:  # fmt: skip
    """Publish again from a position, with the same message ids."""
    gateway = open_gateway(config)
    try:
        name = gateway.config.broker.publish_exchange
        was = PublishedPositions(gateway.store).rewind(name, to=from_position - 1)
    finally:
        gateway.close()
    typer.echo(f"{name}: position {was} -> {from_position - 1}; "
               f"the relay publishes from {from_position} again")  # fmt: skip


@broker_app.command("run")
def broker_run(config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Run only the broker bridge (relay and consumer) until SIGTERM or Ctrl-C."""
    gateway = open_gateway(config)
    if gateway.broker is None:
        gateway.close()
        typer.echo(f"error: {gateway.config.broker.url_env} is not set", err=True)
        raise typer.Exit(2)
    stopped = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopped.set())
    gateway.broker.start()
    try:
        while not stopped.wait(0.5):
            pass
    finally:
        gateway.close()
