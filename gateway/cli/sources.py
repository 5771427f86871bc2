"""`gateway poll <source>` and `gateway sources list|rejects|replay`: inbound sources by hand.

A poll run by hand also lifts a halt that a 401 put on the source, once it succeeds.
"""

from __future__ import annotations

from typing import Annotated

import typer

from gateway.bootstrap import Gateway
from gateway.cli.options import DEFAULT_CONFIG, ConfigOption, open_gateway
from gateway.overview import source_lines
from gateway.polling import PollReport
from gateway.polling.rejects import list_poll_rejects, replay_poll_rejects

sources_app = typer.Typer(help="Inbound sources: webhooks, polls and batch files.")


def register(app: typer.Typer) -> None:
    app.command("poll")(poll)
    app.add_typer(sources_app, name="sources")


def poll(
    source: Annotated[str, typer.Argument(help="The poll source, e.g. cards")],
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Run one poll cycle of SOURCE now."""
    gateway = open_gateway(config)
    try:
        report = _poll(gateway, source)
    finally:
        gateway.close()
    typer.echo(describe(report))
    if report.error:
        raise typer.Exit(1)


def _poll(gateway: Gateway, source: str) -> PollReport:
    poller = gateway.polling.pollers.get(source)
    if poller is None:
        reason = gateway.polling.disabled.get(source, "no poll source of that name is configured")
        typer.echo(f"error: cannot poll {source}: {reason}", err=True)
        raise typer.Exit(2)
    return poller.poll_once()


def describe(report: PollReport) -> str:
    line = (
        f"{report.source}: {report.pages} pages, {report.received} changes received, "
        f"{report.applied} applied, {report.duplicates} duplicates, "
        f"{report.quarantined} quarantined; cursor {report.cursor or '(start)'}"
    )
    if report.error:
        line += f"; stopped: {report.error}" + (" (source halted)" if report.halted else "")
    return line


@sources_app.command("list")
def sources_list(config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Every configured source with its kind, last success, last error and cursor."""
    gateway = open_gateway(config)
    try:
        rows = [
            (line.name, line.kind, line.state, line.last_success or "-", line.last_error or "-",
             line.cursor or "-")
            for line in source_lines(gateway)
        ]  # fmt: skip
    finally:
        gateway.close()
    header = ("source", "kind", "state", "last success", "last error", "cursor")
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        typer.echo(
            "  ".join(
                str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)
            ).rstrip()
        )


@sources_app.command("rejects")
def sources_rejects(
    source: Annotated[str | None, typer.Argument(help="Only this poll source")] = None,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Quarantined poll items: source, item key, status, code and reason."""
    gateway = open_gateway(config)
    try:
        rejects = list_poll_rejects(gateway.store, source=source)
    finally:
        gateway.close()
    for r in rejects:
        typer.echo(f"{r.id:>6}  {r.source} item {r.item_key} [{r.status}] {r.code}: {r.reason}")


@sources_app.command("replay")
def sources_replay(
    source: Annotated[str, typer.Argument(help="The poll source, e.g. cards")],
    keys: Annotated[list[str] | None, typer.Argument(help="Item keys (default: every one)")] = None,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Run quarantined poll items again, once their cause is fixed (say, the account exists)."""
    gateway = open_gateway(config)
    try:
        chosen = list_poll_rejects(
            gateway.store, source=source, status="quarantined", keys=keys or ()
        )
        adapters = {name: poller.adapter for name, poller in gateway.polling.pollers.items()}
        outcomes = replay_poll_rejects(gateway.bus, adapters, chosen)
    finally:
        gateway.close()
    for outcome in outcomes:
        verdict = "replayed" if outcome.replayed else f"still refused: {outcome.reason}"
        typer.echo(f"item {outcome.reject.item_key}: {verdict}")
    typer.echo(f"{sum(o.replayed for o in outcomes)} of {len(outcomes)} replayed")
