"""`gateway poll <source>` and `gateway sources list|rejects|replay`: inbound sources by hand.

A poll run by hand also lifts a halt that a 401 put on the source, once it succeeds.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer

from gateway.bootstrap import Gateway
from gateway.cli.audit import recorded
from gateway.cli.options import DEFAULT_CONFIG, ConfigOption, open_gateway
from gateway.cli.output import FAILED, Column, JsonOption, right, say, show_rows, usage_error
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
    say(describe(report))
    if report.error:
        raise typer.Exit(FAILED)


def _poll(gateway: Gateway, source: str) -> PollReport:
    poller = gateway.polling.pollers.get(source)
    if poller is None:
        reason = gateway.polling.disabled.get(source, "no poll source of that name is configured")
        gateway.close()
        usage_error(f"cannot poll {source}: {reason}")
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


SOURCE_COLUMNS = ("name", "kind", "state", "last_success", "last_error", "cursor")
REJECT_COLUMNS = (
    right("id"), Column("source"), Column("item_key", "item"), Column("status"), Column("code"),
    Column("reason"),
)  # fmt: skip


@sources_app.command("list")
def sources_list(config: ConfigOption = DEFAULT_CONFIG, as_json: JsonOption = False) -> None:
    """Every configured source with its kind, state, last success, last error and cursor."""
    gateway = open_gateway(config)
    try:
        rows = [asdict(line) for line in source_lines(gateway)]
    finally:
        gateway.close()
    show_rows(rows, columns=SOURCE_COLUMNS, as_json=as_json, title="Inbound sources")


@sources_app.command("rejects")
def sources_rejects(
    source: Annotated[str | None, typer.Argument(help="Only this poll source")] = None,
    config: ConfigOption = DEFAULT_CONFIG,
    as_json: JsonOption = False,
) -> None:
    """Quarantined poll items: source, item key, status, code and reason."""
    gateway = open_gateway(config)
    try:
        rejects = list_poll_rejects(gateway.store, source=source)
    finally:
        gateway.close()
    show_rows([asdict(r) for r in rejects], columns=REJECT_COLUMNS, as_json=as_json,
              title="Quarantined poll items")  # fmt: skip


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
        replayed = sum(o.replayed for o in outcomes)
        recorded(gateway, action="replay", target=f"{source} " + (" ".join(keys or []) or "*"),
                 outcome="done" if outcomes and replayed == len(outcomes) else "refused",
                 detail=f"{replayed} of {len(outcomes)} quarantined items replayed")  # fmt: skip
    finally:
        gateway.close()
    for outcome in outcomes:
        verdict = "replayed" if outcome.replayed else f"still refused: {outcome.reason}"
        say(f"item {outcome.reject.item_key}: {verdict}")
    say(f"{replayed} of {len(outcomes)} replayed")
    if not all(o.replayed for o in outcomes):
        raise typer.Exit(FAILED)
